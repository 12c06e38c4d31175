#include "app/sweep_summary_dock.h"

#include <QMainWindow>
#include <QScrollArea>

#include "app/run_session.h"
#include "engine/experiment/memory_limits.h"
#include "engine/experiment/run_store.h"
#include "widgets/runs_table_model.h"
#include "widgets/sweep_summary_view.h"

namespace batchlab {

SweepSummaryDock::SweepSummaryDock(RunSession& session, QMainWindow* window)
    : QDockWidget(tr("Sweep summary"), window), session_(session), view_(new SweepSummaryView) {
  setObjectName(QStringLiteral("sweepSummaryDock"));
  auto* scroll = new QScrollArea;
  scroll->setWidgetResizable(true);
  scroll->setWidget(view_);
  setWidget(scroll);
  window->addDockWidget(Qt::BottomDockWidgetArea, this);
  if (auto* runs = window->findChild<QDockWidget*>(QStringLiteral("runsDock"))) {
    window->tabifyDockWidget(runs, this);
    runs->raise();
  }
  connect(&session_.table(), &RunsTableModel::visibilityToggled, this, &SweepSummaryDock::refresh);
  connect(&session_, &RunSession::runFinished, this, &SweepSummaryDock::refresh);
}

void SweepSummaryDock::refresh() {
  std::vector<SweepRunPoint> points;
  MemoryLimits limits;
  const RunsTableModel& table = session_.table();
  std::vector<std::int64_t> ids;
  for (const std::int64_t id : table.runIds()) {
    const RunRow* r = table.find(id);
    if (r && r->visible && r->status != RunStatus::running) ids.push_back(r->id);
  }
  if (!ids.empty() && !session_.storePath().empty()) {
    try {
      const RunStore store(session_.storePath());
      for (const std::int64_t id : ids) {
        const auto record = store.run(id);
        if (!record) continue;
        limits.add(*record);
        const RunRow* row = table.find(id);
        points.push_back(
            {id, static_cast<double>(row->batch), record->status,
             summary_from_json(record->summary_json.empty() ? "{}" : record->summary_json),
             stop_target_of(record->config_json)});
      }
    } catch (const std::exception&) {
      points.clear();  // the store went away: show nothing rather than stale numbers
      limits = {};
    }
  }
  view_->setRuns(std::move(points), limits);
}

}  // namespace batchlab
