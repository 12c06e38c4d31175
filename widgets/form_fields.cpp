#include "widgets/form_fields.h"

#include <cmath>

#include <QHBoxLayout>
#include <QLabel>
#include <QStringList>
#include <QVBoxLayout>
#include <QWidget>

namespace batchlab {

QWidget* FormFields::add(const QString& key, QWidget* editor, QWidget* beside) {
  auto* row = new QWidget;
  auto* layout = new QVBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(1);
  if (beside) {
    auto* line = new QHBoxLayout;
    line->setSpacing(4);
    line->addWidget(editor, 1);
    line->addWidget(beside);
    layout->addLayout(line);
  } else {
    layout->addWidget(editor);
  }
  auto* reason = new QLabel(row);
  reason->setObjectName(QStringLiteral("fieldReason"));
  reason->setWordWrap(true);
  reason->setStyleSheet(QStringLiteral("color: #c0392b;"));
  QFont small = reason->font();
  small.setPointSizeF(small.pointSizeF() * 0.9);
  reason->setFont(small);
  reason->hide();
  layout->addWidget(reason);
  editor->setObjectName(key);
  fields_.push_back(Field{key, editor, row, reason, {}});
  return row;
}

const FormFields::Field* FormFields::find(const QString& key) const {
  for (const auto& f : fields_)
    if (f.key == key) return &f;
  return nullptr;
}

FormFields::Field* FormFields::find(const QString& key) {
  for (auto& f : fields_)
    if (f.key == key) return &f;
  return nullptr;
}

QWidget* FormFields::editor(const QString& key) const {
  const Field* f = find(key);
  return f ? f->editor : nullptr;
}

QWidget* FormFields::row(const QString& key) const {
  const Field* f = find(key);
  return f ? f->row : nullptr;
}

void FormFields::clearErrors() {
  for (auto& f : fields_) f.error.clear();
}

void FormFields::setError(const QString& key, const QString& reason) {
  Field* f = find(key);
  if (f && f->error.isEmpty()) f->error = reason;
}

QString FormFields::error(const QString& key) const {
  const Field* f = find(key);
  return f ? f->error : QString();
}

bool FormFields::anyError() const {
  for (const auto& f : fields_)
    if (!f.error.isEmpty()) return true;
  return false;
}

QString FormFields::firstProblem() const {
  for (const auto& f : fields_)
    if (!f.error.isEmpty()) return f.key + QStringLiteral(": ") + f.error;
  return {};
}

void FormFields::showErrors() {
  for (auto& f : fields_) {
    const bool bad = !f.error.isEmpty();
    f.reason->setText(f.error);
    f.reason->setVisible(bad);
    f.editor->setToolTip(f.error);
    const QString style =
        bad ? QStringLiteral("%1 { border: 2px solid #c0392b; border-radius: 3px; }")
                  .arg(QLatin1String(f.editor->metaObject()->className()))
            : QString();
    if (f.editor->styleSheet() != style) f.editor->setStyleSheet(style);
  }
}

std::optional<std::int64_t> parse_count(const QString& text, std::int64_t min, QString& error) {
  bool ok = false;
  const qlonglong v = text.trimmed().toLongLong(&ok);
  if (!ok) {
    error = QStringLiteral("“%1” is not a whole number").arg(text.trimmed());
    return std::nullopt;
  }
  if (v < min) {
    error = QStringLiteral("must be at least %1").arg(min);
    return std::nullopt;
  }
  return v;
}

std::optional<double> parse_real(const QString& text, QString& error) {
  bool ok = false;
  const double v = text.trimmed().toDouble(&ok);
  if (!ok || !std::isfinite(v)) {
    error = QStringLiteral("“%1” is not a number").arg(text.trimmed());
    return std::nullopt;
  }
  return v;
}

std::optional<std::vector<int>> parse_layer_widths(const QString& text, QString& error) {
  std::vector<int> widths;
  const QString trimmed = text.trimmed();
  if (trimmed.isEmpty()) return widths;
  for (const QString& part : trimmed.split(QLatin1Char(','))) {
    bool ok = false;
    const int w = part.trimmed().toInt(&ok);
    if (!ok || w < 1) {
      error = QStringLiteral("“%1” is not a layer width (a whole number ≥ 1, comma separated)")
                  .arg(part.trimmed());
      return std::nullopt;
    }
    widths.push_back(w);
  }
  return widths;
}

}  // namespace batchlab
