#include "app/compare_dialog.h"

#include <QDialogButtonBox>
#include <QTextBrowser>
#include <QVBoxLayout>

#include "app/report/report_data.h"
#include "app/report/report_sections.h"

namespace batchlab {

CompareDialog::CompareDialog(const ReportData& runs, QWidget* parent)
    : QDialog(parent), text_(new QTextBrowser(this)) {
  setWindowTitle(tr("Compare %1 runs").arg(runs.runs.size()));
  text_->setOpenLinks(false);
  text_->setHtml(report_summary_html(runs) + report_config_html(runs));
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(text_);
  layout->addWidget(buttons);
  resize(900, 600);
}

QString CompareDialog::text() const {
  return text_->toPlainText();
}

}  // namespace batchlab
