#include "widgets/message_banner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>

namespace batchlab {

MessageBanner::MessageBanner(QWidget* parent) : QFrame(parent) {
  setObjectName(QStringLiteral("messageBanner"));
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(8, 4, 4, 4);
  label_ = new QLabel(this);
  label_->setWordWrap(true);
  label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  close_ = new QToolButton(this);
  close_->setText(QStringLiteral("✕"));
  close_->setAutoRaise(true);
  close_->setToolTip(tr("Dismiss"));
  layout->addWidget(label_, 1);
  layout->addWidget(close_, 0, Qt::AlignTop);
  connect(close_, &QToolButton::clicked, this, &QWidget::hide);
  hide();
}

void MessageBanner::showMessage(const QString& text, Kind kind) {
  const char* style = "";
  switch (kind) {
    case Kind::info:
      style =
          "#messageBanner { background: #e8f1fb; border: 1px solid #9cc2e8; border-radius: 3px; }";
      break;
    case Kind::warning:
      style =
          "#messageBanner { background: #fff6df; border: 1px solid #e0c170; border-radius: 3px; }";
      break;
    case Kind::error:
      style =
          "#messageBanner { background: #fdecea; border: 1px solid #e3a59d; border-radius: 3px; }";
      break;
  }
  setStyleSheet(QString::fromLatin1(style));
  label_->setText(text);
  show();
}

QString MessageBanner::text() const {
  return isHidden() ? QString() : label_->text();
}

}  // namespace batchlab
