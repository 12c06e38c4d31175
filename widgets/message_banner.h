// defines: MessageBanner (a coloured line above the plots that never blocks the window)
// Shows why a run failed, diverged or ran out of memory, or why it could not start; closes
// with its ✕ button or when replaced by the next message.
#pragma once

#include <QFrame>

class QLabel;
class QToolButton;

namespace batchlab {

class MessageBanner final : public QFrame {
  Q_OBJECT
 public:
  enum class Kind { info, warning, error };
  explicit MessageBanner(QWidget* parent = nullptr);
  void showMessage(const QString& text, Kind kind);
  QString text() const;

 private:
  QLabel* label_ = nullptr;
  QToolButton* close_ = nullptr;
};

}  // namespace batchlab
