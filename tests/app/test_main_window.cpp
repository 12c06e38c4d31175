// The workbench window end to end (offscreen): a run shows up in the table and the plots,
// closing mid-run stores `stopped`, invalid fields disable Run with the reason, failures say
// why without a modal, stored runs overlay, settings persist, and a flood of tiny steps never
// starves the GUI thread.
#include <QDockWidget>
#include <QMenu>
#include <QMenuBar>
#include <QtTest>

#include <QElapsedTimer>
#include <QFile>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTimer>
#include <algorithm>
#include <cmath>

#include "app/app_settings.h"
#include "app/main_window.h"
#include "app/qt_event_bridge.h"
#include "app/run_controller.h"
#include "app/run_session.h"
#include "app_test_support.h"
#include "widgets/experiment_form.h"
#include "widgets/loss_plot.h"
#include "widgets/memory_plot.h"
#include "widgets/message_banner.h"
#include "widgets/runs_table_model.h"
#include "widgets/throughput_plot.h"
#include "window_test_base.h"

using namespace batchlab;
using namespace batchlab::testing;

namespace {

long rss_kib() {
  QFile f("/proc/self/status");
  if (!f.open(QIODevice::ReadOnly)) return -1;
  for (const QByteArray& line : f.readAll().split('\n'))
    if (line.startsWith("VmRSS:")) return line.mid(6).trimmed().split(' ').first().toLong();
  return -1;
}

}  // namespace

class TestMainWindow : public WindowTestBase {
  Q_OBJECT
 private slots:
  void init();
  void aRunFillsTheTableAndThePlots();
  void closingMidRunStoresStopped();
  void invalidFieldDisablesRunWithTheReason();
  void failedRunSaysWhyWithoutBlocking();
  void storedRunsLoadAtStartAndOverlay();
  void batchColumnIsTheSameLiveAndReopened();
  void lowerPaneOpensOnTheRunsTable();
  void settingsPersist();
  void floodKeepsTheGuiThreadResponsive();
  void menusListEveryActionWithItsShortcut();
};

void TestMainWindow::init() {
  resetFixture();
}

void TestMainWindow::aRunFillsTheTableAndThePlots() {
  auto w = makeWindow();
  QVERIFY(runAndWait(*w, tiny_config(3)));
  w->flushAndRepaint();
  RunsTableModel& table = w->session()->table();
  QCOMPARE(table.runCount(), 1);
  const auto cell = [&](int col) {
    return table.data(table.index(0, col), Qt::DisplayRole).toString();
  };
  QCOMPARE(cell(RunsTableModel::ColStatus), QString("completed"));
  QCOMPARE(cell(RunsTableModel::ColBatch), QString("32"));
  QVERIFY2(cell(RunsTableModel::ColValAccuracy).endsWith(" %"),
           qPrintable(cell(RunsTableModel::ColValAccuracy)));
  QVERIFY(cell(RunsTableModel::ColPeakMemory).contains("KiB"));
  QVERIFY(cell(RunsTableModel::ColThroughput) != "—");
  const std::int64_t id = table.runIds().at(0);
  QCOMPARE(w->lossPlot()->rawGraph(id)->dataCount(), 30);
  QCOMPARE(w->lossPlot()->validationGraph(id)->dataCount(), 3);
  QVERIFY(w->throughputPlot()->averageGraph(id)->dataCount() > 0);
  QCOMPARE(w->memoryPlot()->shownRuns(), (std::vector<std::int64_t>{id}));
  QVERIFY(w->memoryPlot()->categoryBars(MemCategory::parameters)->data()->at(0)->value > 0);
  QVERIFY(!w->stopAction()->isEnabled());
  QVERIFY(w->progress() != nullptr);
}

void TestMainWindow::closingMidRunStoresStopped() {
  auto w = makeWindow();
  w->form()->setConfig(long_config());
  w->runAction()->trigger();
  QTRY_VERIFY_WITH_TIMEOUT(
      [&] {
        w->session()->drainNow();
        const RunSeries* r = w->session()->series().find(w->session()->lastRunId());
        return r && r->steps.size() > 10;
      }(),
      20000);
  QVERIFY(w->stopAction()->isEnabled());
  QVERIFY(w->close());
  QVERIFY(!w->controller()->busy());
  const auto record = only_run(store_);
  QVERIFY(record);
  QCOMPARE(record->status, RunStatus::stopped);
  QCOMPARE(w->session()->table().find(record->id)->status, RunStatus::stopped);
}

void TestMainWindow::invalidFieldDisablesRunWithTheReason() {
  auto w = makeWindow();
  w->form()->setConfig(tiny_config());
  QVERIFY(w->runAction()->isEnabled());
  qobject_cast<QLineEdit*>(w->form()->editor("optimizer.lr"))->setText("-1");
  QVERIFY(!w->runAction()->isEnabled());
  QVERIFY2(w->runAction()->toolTip().contains("optimizer.lr: must be greater than 0"),
           qPrintable(w->runAction()->toolTip()));
  // The shortcut does nothing either: the action is disabled.
  QTest::keyClick(w.get(), Qt::Key_R, Qt::ControlModifier);
  QVERIFY(!w->controller()->busy());
  qobject_cast<QLineEdit*>(w->form()->editor("optimizer.lr"))->setText("0.05");
  QVERIFY(w->runAction()->isEnabled());
}

void TestMainWindow::failedRunSaysWhyWithoutBlocking() {
  auto w = makeWindow();
  RunConfig c = tiny_config();
  c.memory_budget_mb = 0.001;  // about a kilobyte: the parameters alone do not fit
  QVERIFY(runAndWait(*w, c));
  w->session()->drainNow();
  const RunRow* row = w->session()->table().find(w->session()->table().runIds().at(0));
  QVERIFY(row);
  QCOMPARE(row->status, RunStatus::out_of_memory);
  QVERIFY(!row->reason.isEmpty());
  QVERIFY2(w->banner()->text().contains("out of memory"), qPrintable(w->banner()->text()));
  QVERIFY(w->banner()->text().contains(row->reason));
  QCOMPARE(w->session()
               ->table()
               .data(w->session()->table().index(0, RunsTableModel::ColStatus), Qt::ToolTipRole)
               .toString(),
           row->reason);
  QVERIFY(QApplication::activeModalWidget() == nullptr);
  // A config the engine refuses before starting is reported the same way.
  RunConfig bad = tiny_config();
  bad.dataset.kind = "csv";
  bad.dataset.path = dir_->filePath("nope.csv").toStdString();
  w->controller()->submit(bad);
  QTRY_VERIFY_WITH_TIMEOUT(w->banner()->text().contains("nope.csv"), 20000);
  QVERIFY(QApplication::activeModalWidget() == nullptr);
}

// A batch-size schedule (16, doubled at each epoch) shows its starting batch, marked, while it
// runs and after the store is reopened; a full-batch run shows its rows both times too.
// The lower pane shows the runs table after a single run and when the window reopens, even
// when the sweep summary was in front before.
void TestMainWindow::lowerPaneOpensOnTheRunsTable() {
  const auto front_is_runs = [](MainWindow& w) {
    auto* runs = w.findChild<QDockWidget*>(QStringLiteral("runsDock"));
    auto* summary = w.findChild<QDockWidget*>(QStringLiteral("sweepSummaryDock"));
    return runs && summary && !runs->visibleRegion().isEmpty() &&
           summary->visibleRegion().isEmpty();
  };
  {
    auto w = makeWindow();
    w->show();
    QVERIFY(QTest::qWaitForWindowExposed(w.get()));
    w->findChild<QDockWidget*>(QStringLiteral("sweepSummaryDock"))->raise();
    QTRY_VERIFY(!front_is_runs(*w));
    QVERIFY(runAndWait(*w, tiny_config(1)));
    w->session()->drainNow();
    QTRY_VERIFY(front_is_runs(*w));
    w->findChild<QDockWidget*>(QStringLiteral("sweepSummaryDock"))->raise();
    w->close();  // saves the layout with the summary in front
  }
  auto w = makeWindow();
  w->show();
  QVERIFY(QTest::qWaitForWindowExposed(w.get()));
  QTRY_VERIFY(front_is_runs(*w));
}

void TestMainWindow::batchColumnIsTheSameLiveAndReopened() {
  const auto batch_cell = [](const RunsTableModel& table, std::int64_t id) {
    return table.data(table.indexOf(id).siblingAtColumn(RunsTableModel::ColBatch), Qt::DisplayRole)
        .toString();
  };
  std::int64_t scheduled_id = 0, full_id = 0;
  {
    auto w = makeWindow();
    RunConfig scheduled = tiny_config(3);
    scheduled.batch.size = 16;
    scheduled.batch.schedule.kind = ScheduleKind::steps;
    scheduled.batch.schedule.epochs = {1.0, 2.0};
    scheduled.batch.schedule.factor = 2.0;
    QVERIFY(runAndWait(*w, scheduled));
    w->session()->drainNow();
    scheduled_id = w->session()->lastRunId();
    RunConfig full = tiny_config(2);
    full.batch.strategy = BatchStrategy::full;
    QVERIFY(runAndWait(*w, full));
    w->session()->drainNow();
    full_id = w->session()->lastRunId();
    const RunsTableModel& table = w->session()->table();
    QCOMPARE(batch_cell(table, scheduled_id), QStringLiteral("from 16"));
    QCOMPARE(batch_cell(table, full_id), QStringLiteral("320"));  // 80 % of 400 rows
    w->close();
  }
  auto w = makeWindow();
  const RunsTableModel& table = w->session()->table();
  QCOMPARE(table.runCount(), 2);
  QCOMPARE(batch_cell(table, scheduled_id), QStringLiteral("from 16"));
  QCOMPARE(batch_cell(table, full_id), QStringLiteral("320"));
}

void TestMainWindow::storedRunsLoadAtStartAndOverlay() {
  std::int64_t small_id = 0;
  {
    auto w = makeWindow();
    RunConfig a = tiny_config(2);
    a.batch.size = 32;
    QVERIFY(runAndWait(*w, a));
    RunConfig b = tiny_config(2);
    b.batch.size = 128;
    QVERIFY(runAndWait(*w, b));
    w->session()->drainNow();
    small_id = w->session()->table().runIds().at(1);
    w->close();
  }
  auto w = makeWindow();
  RunsTableModel& table = w->session()->table();
  QCOMPARE(table.runCount(), 2);
  QCOMPARE(table.find(small_id)->batch, std::int64_t{32});
  QVERIFY(!table.find(small_id)->visible);  // listed, not drawn until ticked
  const std::int64_t big_id = table.runIds().at(0);
  table.setVisible(small_id, true);
  table.setVisible(big_id, true);
  QTRY_COMPARE_WITH_TIMEOUT(w->session()->pendingLoads(), 0, 10000);
  w->flushAndRepaint();
  QCOMPARE(w->lossPlot()->rawGraph(small_id)->dataCount(), 20);  // 10 steps × 2 epochs
  QCOMPARE(w->lossPlot()->rawGraph(big_id)->dataCount(), 6);     // 3 steps × 2 epochs
  QVERIFY(w->lossPlot()->rawGraph(small_id)->visible());
  QCOMPARE(w->memoryPlot()->shownRuns().size(), std::size_t{2});
  // Stored runs keep the memory model's total: the dashed line is there after a restart too,
  // and on the CPU it is what the run measured.
  const RunSeries* small = w->session()->series().find(small_id);
  QVERIFY(small && small->predicted_bytes() > 0);
  QCOMPARE(small->predicted_bytes(), table.find(small_id)->peak_memory);
  table.setVisible(small_id, false);
  QTRY_VERIFY(!w->lossPlot()->rawGraph(small_id)->visible());  // at the next plot turn
}

void TestMainWindow::settingsPersist() {
  {
    auto w = makeWindow();
    RunConfig c = tiny_config();
    c.batch.size = 48;
    w->form()->setConfig(c);
    w->lossPlot()->setSmoothing(0.8);
    w->lossPlot()->setXAxis(XAxisKind::epoch);
    w->resize(1100, 700);
    w->close();
  }
  auto w = makeWindow();
  QCOMPARE(w->form()->config().batch.size, std::int64_t{48});
  QCOMPARE(w->lossPlot()->smoothing(), 0.8);
  QCOMPARE(w->lossPlot()->xAxis(), XAxisKind::epoch);
  QVERIFY(!settings_->geometry().isEmpty());
  QVERIFY(!settings_->windowState().isEmpty());
}

void TestMainWindow::floodKeepsTheGuiThreadResponsive() {
  auto w = makeWindow();
  RunConfig c = tiny_config(1000);
  c.name = "flood b1";
  c.dataset.samples = 2000;
  c.model.hidden = {4};
  c.batch.size = 1;
  c.stop.epochs.reset();
  c.stop.time_limit_s = 3.0;
  const long rss_before = rss_kib();
  QElapsedTimer since_tick;
  qint64 worst_gap_ms = 0;
  QTimer ticker;
  ticker.setInterval(10);
  connect(&ticker, &QTimer::timeout,
          [&] { worst_gap_ms = std::max(worst_gap_ms, since_tick.restart()); });
  since_tick.start();
  ticker.start();
  QVERIFY(runAndWait(*w, c, 60000));
  ticker.stop();
  w->session()->drainNow();
  const std::int64_t id = w->session()->lastRunId();
  const std::size_t steps = w->session()->series().find(id)->steps.size();
  const double seconds = w->session()->series().find(id)->steps.get(XAxisKind::wall).back();
  double slowest_replot = 0;
  for (LivePlot* p :
       std::initializer_list<LivePlot*>{w->lossPlot(), w->throughputPlot(), w->memoryPlot()})
    slowest_replot = std::max(slowest_replot, p->slowestReplotMs());
  qInfo(
      "flood: %zu steps in %.2f s (%.0f steps/s), worst GUI gap %lld ms, slowest drain %.1f ms, "
      "slowest replot %.1f ms, bridge high water %zu",
      steps, seconds, steps / seconds, static_cast<long long>(worst_gap_ms),
      w->session()->slowestDrainMs(), slowest_replot, w->session()->bridge().highWater());
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // Instrumented code runs several times slower (ASan measured a 653 ms gap): the speed and
  // responsiveness budgets are the release build's; a sanitizer build checks the rest.
  qInfo("sanitizer build: the 10k steps/s and 100 ms gap budgets are not checked here");
#else
  QVERIFY2(steps / seconds > 10000, "the flood needs tens of thousands of steps per second");
  QVERIFY2(worst_gap_ms < 100,
           qPrintable(QString("the GUI thread stalled for %1 ms").arg(worst_gap_ms)));
#endif
  QCOMPARE(w->session()->bridge().droppedSteps(), std::size_t{0});
  QVERIFY(w->session()->bridge().highWater() < QtEventBridge::kMaxPendingSteps);
  // Every step is kept (for exact hover and zoom) but compactly: well under 1 KiB a step.
  const long grown_kib = rss_kib() - rss_before;
  QVERIFY2(grown_kib < static_cast<long>(steps) + 200 * 1024,
           qPrintable(QString("memory grew by %1 KiB for %2 steps").arg(grown_kib).arg(steps)));
  // And the display stays decimated.
  QVERIFY(w->lossPlot()->rawGraph(id)->dataCount() <= 2 * w->lossPlot()->buckets() + 2);
  RunStore store(store_);
  QCOMPARE(store.steps(id).size(), steps);
}

void TestMainWindow::menusListEveryActionWithItsShortcut() {
  auto w = makeWindow();
  QStringList menus;
  for (QAction* a : w->menuBar()->actions()) menus << a->text().remove(QLatin1Char('&'));
  QCOMPARE(menus, (QStringList{"File", "Run", "View", "Help"}));
  // The toolbar's actions are the menus' actions: one enabled state, one shortcut each.
  bool in_a_menu = false;
  for (QMenu* m : w->menuBar()->findChildren<QMenu*>())
    in_a_menu |= m->actions().contains(w->runAction());
  QVERIFY(in_a_menu);
  const QString keys = w->shortcutsText();
  for (const char* line : {"Run\tCtrl+R", "Sweep…\tCtrl+Shift+R", "Stop\tCtrl+.",
                           "Export report…\tCtrl+E", "Quit\tCtrl+Q", "Open store…\tCtrl+O"})
    QVERIFY2(keys.contains(QString::fromUtf8(line)), qPrintable(keys));
  // No two actions share a shortcut.
  QStringList seen;
  for (const QString& l : keys.split(QLatin1Char('\n'))) {
    const QString k = l.section(QLatin1Char('\t'), 1);
    QVERIFY2(!seen.contains(k), qPrintable(k));
    seen << k;
  }
  // View lists every dock, so a closed one can be brought back.
  QMenu* view = nullptr;
  for (QMenu* m : w->menuBar()->findChildren<QMenu*>())
    if (m->title() == QStringLiteral("&View")) view = m;
  QVERIFY(view);
  for (QDockWidget* dock : w->findChildren<QDockWidget*>())
    QVERIFY2(view->actions().contains(dock->toggleViewAction()), qPrintable(dock->windowTitle()));
}

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
