#include "app/compare_dialog.h"

#include <QDialogButtonBox>
#include <QTextBrowser>
#include <QVBoxLayout>

#include "app/report/report_data.h"
#include "app/report/report_sections.h"
#include "app/report/report_serving.h"

namespace batchlab {

CompareDialog::CompareDialog(const ReportData& runs, QWidget* parent)
    : QDialog(parent), text_(new QTextBrowser(this)) {
  setWindowTitle(
      tr("Compare %1 runs").arg(runs.runs.size() + runs.serving.size() + runs.inference.size()));
  text_->setOpenLinks(false);
  // Training runs by their summary and settings; inference and serving runs by theirs.
  QString html;
  if (!runs.runs.empty()) html += report_summary_html(runs) + report_config_html(runs);
  html += report_serving_compare_html(runs);
  text_->setHtml(html);
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
