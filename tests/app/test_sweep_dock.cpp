// The sweep summary dock follows the ticks in the runs table: ticking the runs of a stored sweep
// shows their fit and the memory limits they ran under (the smallest budget of their configs, the
// device memory of their environment); unticking down to one batch size says it is not a sweep.
#include <QMainWindow>
#include <QTemporaryDir>
#include <QtTest>
#include <limits>

#include <qcustomplot.h>

#include "app/run_session.h"
#include "app/sweep_summary_dock.h"
#include "engine/experiment/run_store.h"
#include "widgets/runs_table_model.h"
#include "widgets/sweep_summary_view.h"

using namespace batchlab;

class TestSweepDock : public QObject {
  Q_OBJECT

 private slots:
  void followsTicks() {
    QTemporaryDir dir;
    const std::filesystem::path db = dir.filePath(QStringLiteral("runs.sqlite")).toStdString();
    {
      RunStore store(db);
      const std::int64_t sweep = store.create_sweep("s", "{}");
      // Steps to target S = 300(1 + 32/B) exactly. Budgets differ (one run has none): the
      // smallest, 48 MiB, is the line. Runs 1 and 2 record their device's memory.
      for (const std::int64_t b : {8, 16, 32, 64, 128}) {
        // Built with QString: GCC 12 warns (-Wrestrict, a false positive) on std::string "+".
        const std::string name = QStringLiteral("b%1").arg(b).toStdString();
        const QString budget = b == 8 ? QStringLiteral("null") : QString::number(b == 32 ? 48 : 96);
        const std::string config = QStringLiteral(R"({"batch":{"size":%1},"memory_budget_mb":%2})")
                                       .arg(b)
                                       .arg(budget)
                                       .toStdString();
        const std::string env = b <= 16 ? QStringLiteral(R"({"device_total_bytes":%1})")
                                              .arg(b == 8 ? 200 << 20 : 300 << 20)
                                              .toStdString()
                                        : std::string("{}");
        const std::int64_t id = store.create_run(name, config, "cuda:0", env, sweep);
        RunFinished f;
        f.run_id = id;
        f.status = RunStatus::target_reached;
        f.summary.steps_to_target = 300 * (b + 32) / b;
        f.summary.samples_per_s_median = 100.0 * static_cast<double>(b);
        store.finish_run(f);
      }
    }
    QMainWindow window;
    RunSession session;
    QString error;
    QVERIFY2(session.loadStore(db, error), qPrintable(error));
    SweepSummaryDock dock(session, &window);
    QVERIFY(dock.view()->note().contains(QStringLiteral("two or more")));
    for (std::int64_t id = 1; id <= 5; ++id) session.table().setVisible(id, true);
    QVERIFY(dock.view()->fit().has_value());
    QVERIFY(std::abs(dock.view()->fit()->b_noise - 32.0) < 0.05 * 32.0);
    QCustomPlot* tput = dock.view()->plot(SweepPlotKind::throughput);
    QVERIFY(tput);
    QCOMPARE(tput->graph(0)->dataCount(), 5);
    // The y of the peak-memory plot's horizontal line named `prefix`; NaN when there is none.
    const auto line_at = [&](const QString& prefix) {
      QCustomPlot* memory = dock.view()->plot(SweepPlotKind::peak_memory);
      for (int i = 0; memory && i < memory->graphCount(); ++i)
        if (memory->graph(i)->name().startsWith(prefix) && memory->graph(i)->dataCount() > 0)
          return memory->graph(i)->data()->at(0)->value;
      return std::numeric_limits<double>::quiet_NaN();
    };
    QCOMPARE(line_at(QStringLiteral("memory budget")), 48.0);
    QCOMPARE(line_at(QStringLiteral("device memory")), 200.0);
    // Without run 3 (48 MiB) and run 1 (200 MiB) the next smallest of each is drawn.
    session.table().setVisible(1, false);
    session.table().setVisible(3, false);
    QCOMPARE(line_at(QStringLiteral("memory budget")), 96.0);
    QCOMPARE(line_at(QStringLiteral("device memory")), 300.0);
    session.table().setVisible(1, true);
    session.table().setVisible(3, true);
    if (const QString shots = qEnvironmentVariable("BATCHLAB_TEST_SHOTS"); !shots.isEmpty()) {
      window.resize(1200, 760);
      window.show();
      dock.raise();
      QVERIFY(QTest::qWaitForWindowExposed(&window));
      QVERIFY(window.grab().save(shots + QStringLiteral("/sweep_dock.png")));
    }
    for (std::int64_t id = 2; id <= 5; ++id) session.table().setVisible(id, false);
    QVERIFY(!dock.view()->fit().has_value());
    QVERIFY(dock.view()->plot(SweepPlotKind::throughput) == nullptr);
    QTRY_COMPARE(session.pendingLoads(), 0);
  }
};

QTEST_MAIN(TestSweepDock)
#include "test_sweep_dock.moc"
