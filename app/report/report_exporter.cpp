#include "app/report/report_exporter.h"

#include <algorithm>

#include <QAction>
#include <QFileDialog>
#include <QMessageBox>
#include <QWidget>

#include "app/compare_dialog.h"
#include "app/report/report_data.h"
#include "app/report/report_writer.h"
#include "app/run_session.h"
#include "engine/experiment/run_store.h"
#include "widgets/runs_table_model.h"

namespace batchlab {

ReportExporter::ReportExporter(RunSession& session, QWidget* window)
    : QObject(window),
      session_(session),
      window_(window),
      action_(new QAction(tr("Export report…"), this)),
      compare_(new QAction(tr("Compare…"), this)) {
  compare_->setToolTip(
      tr("The ticked runs side by side: metrics, best marked, and the settings "
         "that differ"));
  connect(compare_, &QAction::triggered, this, &ReportExporter::compare);
  action_->setToolTip(tr("Write a PDF or HTML report on the ticked runs"));
  connect(action_, &QAction::triggered, this, &ReportExporter::exportWithDialog);
}

std::vector<std::int64_t> ReportExporter::chosenRuns() const {
  std::vector<std::int64_t> ids;
  const RunsTableModel& table = session_.table();
  for (const std::int64_t id : table.runIds()) {
    const RunRow* r = table.find(id);
    if (r && r->visible && r->status != RunStatus::running) ids.push_back(r->id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

bool ReportExporter::exportTo(const QString& path, QString& error) const {
  const std::vector<std::int64_t> ids = chosenRuns();
  if (ids.empty()) {
    error = tr("Tick the finished runs to report on in the runs table first.");
    return false;
  }
  try {
    const RunStore store(session_.storePath());
    ReportData data = load_report_data(store, ids);
    data.price_per_hour = session_.table().pricePerHour();  // the Settings price, as in the table
    write_report(data, path.toStdString());
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
    return false;
  }
  return true;
}

void ReportExporter::exportWithDialog() {
  QString error;
  if (chosenRuns().empty()) {
    QMessageBox::information(window_, tr("Export report"),
                             tr("Tick the finished runs to report on in the runs table first."));
    return;
  }
  const QString path = QFileDialog::getSaveFileName(
      window_, tr("Export report"), QStringLiteral("batchlab-report.pdf"),
      tr("PDF (*.pdf);;Self-contained HTML (*.html)"));
  if (path.isEmpty()) return;
  if (!exportTo(path, error)) {
    QMessageBox::warning(
        window_, tr("Export report"),
        tr("The report was not written (no file was left behind):\n%1").arg(error));
    return;
  }
  emit exported(path);
}

}  // namespace batchlab

namespace batchlab {

void ReportExporter::compare() {
  const std::vector<std::int64_t> ids = chosenRuns();
  if (ids.empty()) {
    QMessageBox::information(window_, tr("Compare"),
                             tr("Tick the finished runs to compare in the runs table first."));
    return;
  }
  try {
    const RunStore store(session_.storePath());
    auto* dialog = new CompareDialog(load_report_data(store, ids), window_);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
  } catch (const std::exception& e) {
    QMessageBox::warning(window_, tr("Compare"), QString::fromUtf8(e.what()));
  }
}

}  // namespace batchlab
