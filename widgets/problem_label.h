// defines: make_problem_label
// The one red line a form or dialog shows when its input cannot be used ("batch_sizes: \"x\" is
// not a whole number ≥ 1"): the same look in the experiment form, the batch finder and the sweep
// dialog.
#pragma once

#include <QColor>
#include <QLabel>

namespace batchlab {

// The red of failures across the window (status cells, reasons, this label).
inline const QColor kProblemColour{0xc0, 0x39, 0x2b};

inline QLabel* make_problem_label(QWidget* parent) {
  auto* label = new QLabel(parent);
  label->setObjectName(QStringLiteral("problemLabel"));
  label->setWordWrap(true);
  label->setStyleSheet(QStringLiteral("color: %1; font-weight: bold;").arg(kProblemColour.name()));
  return label;
}

}  // namespace batchlab
