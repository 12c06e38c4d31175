// The sweep summary view: log₂ batch axis, the fit recovered and drawn, error bars with repeats,
// failed runs marked, and a plain message when the runs are not a sweep.
#include <qcustomplot.h>
#include <QtTest>

#include "widgets/sweep_summary_view.h"

using namespace batchlab;

namespace {

SweepRunPoint point(std::int64_t id, double batch, double steps, RunStatus status) {
  SweepRunPoint p;
  p.id = id;
  p.batch = batch;
  p.status = status;
  if (status == RunStatus::target_reached) {
    p.summary.steps_to_target = static_cast<std::int64_t>(std::llround(steps));
    p.summary.time_to_target_s = steps * 0.01;
    p.summary.samples_per_s_median = 1000.0 * batch / (batch + 32.0);
    p.summary.peak_memory_bytes = static_cast<std::int64_t>(batch) * 1024 * 1024;
    p.summary.best_val_accuracy = 0.9;
  }
  return p;
}

QCPGraph* graph_named(QCustomPlot* plot, const QString& prefix) {
  for (int i = 0; i < plot->graphCount(); ++i)
    if (plot->graph(i)->name().startsWith(prefix)) return plot->graph(i);
  return nullptr;
}

}  // namespace

class TestSweepSummary : public QObject {
  Q_OBJECT

 private slots:
  void notASweep() {
    SweepSummaryView view;
    view.setRuns({point(1, 64, 100, RunStatus::target_reached)});
    QVERIFY(view.note().contains(QStringLiteral("two or more batch sizes")));
    QVERIFY(view.plot(SweepPlotKind::throughput) == nullptr);
  }

  void sweepWithRepeatsFitAndFailures() {
    SweepSummaryView view;
    std::vector<SweepRunPoint> runs;
    std::int64_t id = 1;
    // S = 500(1 + 128/B), two repeats ±3%; 2048 ran out of memory.
    for (const double b : {16.0, 32.0, 64.0, 128.0, 256.0, 512.0})
      for (const double wiggle : {0.97, 1.03})
        runs.push_back(
            point(id++, b, 500.0 * (1.0 + 128.0 / b) * wiggle, RunStatus::target_reached));
    runs.push_back(point(id++, 2048, 0, RunStatus::out_of_memory));
    view.setRuns(runs, 1024.0);

    QVERIFY(view.fit().has_value());
    QVERIFY(std::abs(view.fit()->b_noise - 128.0) < 0.05 * 128.0);
    QVERIFY(view.note().contains(QStringLiteral("B_noise")));

    QCustomPlot* steps = view.plot(SweepPlotKind::steps_to_target);
    QVERIFY(steps);
    QCOMPARE(steps->xAxis->scaleType(), QCPAxis::stLogarithmic);
    QVERIFY(!steps->xAxis->label().isEmpty());
    QVERIFY(!steps->yAxis->label().isEmpty());
    QCPGraph* fit = graph_named(steps, QStringLiteral("fit: S_min = "));
    QVERIFY(fit);
    QVERIFY(fit->name().contains(QStringLiteral("B_noise = 1")));  // 1.2e+02 or 128
    // Means of the repeats: one point per batch size that fit.
    QCPGraph* measured = graph_named(steps, QStringLiteral("measured"));
    QVERIFY(measured);
    QCOMPARE(measured->dataCount(), 6);
    QCOMPARE(measured->data()->at(0)->value, 500.0 * (1.0 + 128.0 / 16.0));
    bool has_error_bars = false;
    for (int i = 0; i < steps->plottableCount(); ++i)
      has_error_bars |= qobject_cast<QCPErrorBars*>(steps->plottable(i)) != nullptr;
    QVERIFY(has_error_bars);
    // The out-of-memory run is marked at its batch size.
    QCPGraph* failed = graph_named(steps, QStringLiteral("out of memory"));
    QVERIFY(failed);
    QCOMPARE(failed->dataCount(), 1);
    QCOMPARE(failed->data()->at(0)->key, 2048.0);
    // The memory budget line on the peak-memory plot.
    QVERIFY(graph_named(view.plot(SweepPlotKind::peak_memory), QStringLiteral("memory budget")));
    QVERIFY(view.plot(SweepPlotKind::time_to_target));
    QVERIFY(view.plot(SweepPlotKind::throughput));
    // For looking at it: BATCHLAB_TEST_SHOTS=DIR saves the view as a PNG there.
    if (const QString dir = qEnvironmentVariable("BATCHLAB_TEST_SHOTS"); !dir.isEmpty()) {
      view.resize(1100, 620);
      QVERIFY(view.grab().save(dir + QStringLiteral("/sweep_summary_view.png")));
    }
  }
};

QTEST_MAIN(TestSweepSummary)
#include "test_sweep_summary.moc"
