// defines: ElidedLabel
// A one-line label that never asks for more width than it gets: in a narrow place it shows the
// start of its text and "…", and the tooltip carries the whole text. For status text beside
// plot controls, where a plain QLabel would either widen the window or cut a number in half.
#pragma once

#include <QLabel>
#include <QResizeEvent>

namespace batchlab {

class ElidedLabel final : public QLabel {
 public:
  explicit ElidedLabel(QWidget* parent = nullptr) : QLabel(parent) {}
  void setFullText(const QString& text) {
    full_ = text;
    elide();
  }
  const QString& fullText() const { return full_; }
  // Layouts still ask for the whole text's width (so splitters share space as before), but
  // may give it less: nothing below a few characters is required.
  QSize sizeHint() const override {
    return {fontMetrics().horizontalAdvance(full_) + 4, QLabel::sizeHint().height()};
  }
  QSize minimumSizeHint() const override {
    return {fontMetrics().horizontalAdvance(QStringLiteral("Planned…")),
            QLabel::minimumSizeHint().height()};
  }

 protected:
  void resizeEvent(QResizeEvent* event) override {
    QLabel::resizeEvent(event);
    elide();
  }

 private:
  void elide() { setText(fontMetrics().elidedText(full_, Qt::ElideRight, std::max(0, width()))); }
  QString full_;
};

}  // namespace batchlab
