// The sweep summary view: log₂ batch axis, the fits recovered and drawn (steps and time to
// target), error bars with repeats, failed runs marked, the memory model and the memory limits on
// the peak-memory plot, and a plain message when the runs are not a sweep.
#include <qcustomplot.h>
#include <QtTest>

#include "widgets/sweep_summary_view.h"

using namespace batchlab;

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

// The memory model of these runs: 1.5 MiB per sample.
std::int64_t predicted_bytes(double batch) {
  return static_cast<std::int64_t>(batch * 1.5 * kMiB);
}

// A step takes 2 ms + 10 µs per sample by default, so time to target has its minimum inside a
// sweep of S = 500(1 + 128/B): B* = √(500·128·0.002 / (500·1e-5)) = 160.
SweepRunPoint point(std::int64_t id, double batch, double steps, RunStatus status,
                    double per_sample_s = 1e-5) {
  SweepRunPoint p;
  p.id = id;
  p.batch = batch;
  p.status = status;
  p.summary.predicted_memory_bytes = predicted_bytes(batch);  // out-of-memory runs have one too
  if (status == RunStatus::target_reached) {
    p.summary.steps_to_target = static_cast<std::int64_t>(std::llround(steps));
    p.summary.time_to_target_s = steps * (0.002 + per_sample_s * batch);
    p.summary.samples_per_s_median = 1000.0 * batch / (batch + 32.0);
    p.summary.peak_memory_bytes = static_cast<std::int64_t>(batch) * 1024 * 1024;
    p.summary.best_val_accuracy = 0.9;
    p.summary.final_val_accuracy = 0.9 - batch / 10000.0;  // larger batches end further below
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
  // Runs that stopped at a validation-accuracy target: the accuracy plot draws the target and
  // says what its flat points mean; without a target, neither.
  void validationPlotShowsTheStopTarget() {
    std::vector<SweepRunPoint> runs;
    for (const double b : {16.0, 64.0, 256.0}) {
      runs.push_back(point(static_cast<std::int64_t>(b), b, 100, RunStatus::target_reached));
      runs.back().target = TargetConfig{TargetMetric::val_accuracy, 0.9};
    }
    SweepSummaryView view;
    view.setRuns(runs);
    QCustomPlot* val = view.plot(SweepPlotKind::val_metric);
    QVERIFY(val);
    QCPGraph* line = graph_named(val, QStringLiteral("stop target (0.9)"));
    QVERIFY(line);
    QCOMPARE(line->data()->at(0)->value, 0.9);
    bool note = false;
    for (int i = 0; i < val->itemCount(); ++i)
      if (auto* t = qobject_cast<QCPItemText*>(val->item(i)))
        note |= t->text().contains(QStringLiteral("Runs stopped at the target"));
    QVERIFY(note);

    for (auto& r : runs) r.target.reset();
    view.setRuns(runs);
    QVERIFY(!graph_named(view.plot(SweepPlotKind::val_metric), QStringLiteral("stop target")));

    QCOMPARE(stop_target_of(R"({"stop":{"target":{"metric":"val_loss","value":0.25}}})")->value,
             0.25);
    QVERIFY(!stop_target_of(R"({"stop":{"target":null}})"));
    QVERIFY(!stop_target_of("not json"));
  }

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
    MemoryLimits limits;
    limits.budget_mib = 1024.0;
    view.setRuns(runs, limits);

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
    // The peak-memory plot: the memory model per batch size, the out-of-memory one included
    // (3072 MiB predicted, above the 1024 MiB budget: why it failed), and the budget line; one
    // unit for the axis, the largest value's (GiB here).
    QCustomPlot* memory = view.plot(SweepPlotKind::peak_memory);
    QCOMPARE(memory->yAxis->label(), QStringLiteral("peak memory (GiB)"));
    QCPGraph* model = graph_named(memory, QStringLiteral("memory model"));
    QVERIFY(model);
    QCOMPARE(model->dataCount(), 7);
    const double model_batches[] = {16, 32, 64, 128, 256, 512, 2048};
    for (int i = 0; i < 7; ++i) {
      QCOMPARE(model->data()->at(i)->key, model_batches[i]);
      QCOMPARE(model->data()->at(i)->value, 1.5 * model_batches[i] / 1024.0);
    }
    QVERIFY(model->pen().color() != graph_named(memory, QStringLiteral("measured"))->pen().color());
    QCPGraph* budget = graph_named(memory, QStringLiteral("memory budget"));
    QVERIFY(budget);
    QCOMPARE(budget->data()->at(0)->value, 1.0);
    QVERIFY(budget->name().contains(QStringLiteral("1.00 GiB")));
    QVERIFY(memory->yAxis->range().contains(3.0));  // the model's crossing is in view
    // The out-of-memory run is marked where it did not fit: at the model's 3 GiB, not at the
    // bytes it held when refused.
    QCPGraph* did_not_fit = graph_named(memory, QStringLiteral("did not fit"));
    QVERIFY(did_not_fit);
    QCOMPARE(did_not_fit->dataCount(), 1);
    QCOMPARE(did_not_fit->data()->at(0)->key, 2048.0);
    QCOMPARE(did_not_fit->data()->at(0)->value, 3.0);
    QVERIFY(!graph_named(memory, QStringLiteral("device memory")));  // none known, none drawn

    // Time to target: the fitted T = α + β/B + γ·B, fastest near B* = 160, drawn through the
    // fit's own value at each measured batch size.
    QVERIFY(view.timeFit().has_value());
    QVERIFY(view.timeFit()->fastest_batch().has_value());
    QVERIFY2(std::abs(*view.timeFit()->fastest_batch() - 160.0) < 0.1 * 160.0,
             qPrintable(QString::number(*view.timeFit()->fastest_batch())));
    QCustomPlot* time = view.plot(SweepPlotKind::time_to_target);
    QVERIFY(time);
    QCPGraph* time_fit = graph_named(time, QStringLiteral("fit: fastest at B ≈ "));
    QVERIFY2(time_fit, qPrintable(time->graphCount() > 1 ? time->graph(1)->name() : QString()));
    QCOMPARE(time_fit->name(), QStringLiteral("fit: ") + time_fit_text(*view.timeFit()));
    QVERIFY(time_fit->name().contains(QStringLiteral("(T ≈ ")));
    const auto at = time_fit->data()->findBegin(64.0, false);
    QCOMPARE(at->key, 64.0);
    QCOMPARE(at->value, view.timeFit()->time_at(64.0));
    QVERIFY(view.note().contains(QStringLiteral("Time to target, fit T = α + β/B + γ·B: fastest")));
    QVERIFY(view.plot(SweepPlotKind::throughput));
    // Validation: best and final, each the mean of the repeats; none for the run that failed.
    QCustomPlot* val = view.plot(SweepPlotKind::val_metric);
    QCPGraph* best = graph_named(val, QStringLiteral("best"));
    QCPGraph* final_acc = graph_named(val, QStringLiteral("final"));
    QVERIFY(best && final_acc);
    QCOMPARE(final_acc->dataCount(), 6);
    QCOMPARE(final_acc->data()->at(5)->key, 512.0);
    QCOMPARE(final_acc->data()->at(5)->value, 0.9 - 512.0 / 10000.0);
    QCOMPARE(best->data()->at(5)->value, 0.9);
    QVERIFY(val->yAxis->range().contains(0.9 - 512.0 / 10000.0));
    // For looking at it: BATCHLAB_TEST_SHOTS=DIR saves the view as a PNG there.
    if (const QString dir = qEnvironmentVariable("BATCHLAB_TEST_SHOTS"); !dir.isEmpty()) {
      view.resize(1100, 620);
      QVERIFY(view.grab().save(dir + QStringLiteral("/sweep_summary_view.png")));
    }
  }

  // Runs stored before the memory model was kept (prediction 0) get no model line, and no
  // budget line without a budget; a step time without a per-sample cost has no fastest batch.
  void noModelLineWithoutPredictionsNoMinimumWithoutPerSampleCost() {
    std::vector<SweepRunPoint> runs;
    std::int64_t id = 1;
    for (const double b : {16.0, 64.0, 256.0, 1024.0}) {
      runs.push_back(point(id++, b, 500.0 * (1.0 + 128.0 / b), RunStatus::target_reached, 0.0));
      runs.back().summary.predicted_memory_bytes = 0;
    }
    SweepSummaryView view;
    view.setRuns(runs);
    QCustomPlot* memory = view.plot(SweepPlotKind::peak_memory);
    QVERIFY(memory);
    QVERIFY(!graph_named(memory, QStringLiteral("memory model")));
    QVERIFY(!graph_named(memory, QStringLiteral("memory budget")));
    QVERIFY(view.timeFit().has_value());
    QVERIFY2(view.timeFit()->gamma == 0.0, qPrintable(QString::number(view.timeFit()->gamma)));
    QVERIFY(graph_named(view.plot(SweepPlotKind::time_to_target),
                        QStringLiteral("fit: larger batches keep getting faster")));
    QVERIFY(view.note().contains(QStringLiteral("larger batches keep getting faster")));

    // A prediction for some batch sizes only: the line has those, and nothing for the rest.
    runs[1].summary.predicted_memory_bytes = predicted_bytes(64);
    runs[3].summary.predicted_memory_bytes = predicted_bytes(1024);
    view.setRuns(runs);
    QCPGraph* model =
        graph_named(view.plot(SweepPlotKind::peak_memory), QStringLiteral("memory model"));
    QVERIFY(model);
    QCOMPARE(model->dataCount(), 2);
    QCOMPARE(model->data()->at(0)->key, 64.0);
    QCOMPARE(model->data()->at(1)->value, 1.5);  // 1536 MiB, on a GiB axis
  }

  // Device memory: to scale when it is near the data, named in the legend (and off the axis)
  // when it would flatten every point.
  void deviceMemoryLine() {
    std::vector<SweepRunPoint> runs;
    for (const double b : {16.0, 64.0, 256.0})
      runs.push_back(point(static_cast<std::int64_t>(b), b, 1000, RunStatus::target_reached));
    MemoryLimits near;
    near.device_mib = 800.0;
    SweepSummaryView view;
    view.setRuns(runs, near);
    QCPGraph* device =
        graph_named(view.plot(SweepPlotKind::peak_memory), QStringLiteral("device memory"));
    QVERIFY(device);
    QCOMPARE(device->name(), QStringLiteral("device memory (800 MiB)"));
    QVERIFY(view.plot(SweepPlotKind::peak_memory)->yAxis->range().contains(800.0));
    MemoryLimits far;
    far.device_mib = 80.0 * 1024.0;
    view.setRuns(runs, far);
    QCustomPlot* memory = view.plot(SweepPlotKind::peak_memory);
    device = graph_named(memory, QStringLiteral("device memory"));
    QVERIFY(device);
    QCOMPARE(device->name(), QStringLiteral("device memory (80.0 GiB, above this scale)"));
    QVERIFY(memory->yAxis->range().upper < 1000.0);
  }
};

QTEST_MAIN(TestSweepSummary)
#include "test_sweep_summary.moc"
