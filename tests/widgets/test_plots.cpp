// The live plots hold the expected points after decimation, follow the data until the user
// zooms, show exact values on hover, and hide unticked runs.
#include <QtTest>

#include <cmath>

#include <QCheckBox>
#include <QSignalSpy>

#include "widgets/loss_plot.h"
#include "widgets/memory_plot.h"
#include "widgets/smoothing.h"
#include "widgets/throughput_plot.h"

using namespace batchlab;

namespace {

StepEvent make_step(std::int64_t run, std::int64_t i, double loss) {
  StepEvent e;
  e.run_id = run;
  e.step = i;
  e.epoch = static_cast<double>(i) / 1000.0;
  e.samples_seen = i * 8;
  e.batch_size = 8;
  e.loss = loss;
  e.samples_per_s = 5000.0 + static_cast<double>(i % 100);
  e.wall_s = static_cast<double>(i) * 1e-4;
  e.memory = {4000, 4000, 4000, 8 * 1024, 8 * 64, 0};
  return e;
}

double data_max(QCPGraph* g) {
  double m = -1e300;
  for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
    m = std::max(m, it->value);
  return m;
}

bool holds_point(QCPGraph* g, double key, double value) {
  for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
    if (it->key == key && it->value == value) return true;
  return false;
}

}  // namespace

class TestPlots : public QObject {
  Q_OBJECT
 private slots:
  void init();
  void lossPlotDecimatesButKeepsTheSpike();
  void smoothedLineIsTheDebiasedEma();
  void xAxisChoiceRemapsTheData();
  void userZoomIsKeptWhileStreaming();
  void hoverReportsExactValues();
  void uncheckedRunsAreHidden();
  void throughputShowsRawAndAverage();
  void memoryStacksCategoriesPerRun();
  void memoryBudgetIsALabelledLine();
  void throughputSplitsComputeFromTheRest();
  void memoryShowsOneBarPerDevice();

 private:
  SeriesModel model_;
  static constexpr std::int64_t kSteps = 200'000;
  static constexpr std::int64_t kSpikeStep = 123'457;
};

void TestPlots::init() {
  model_.clear();
  for (std::int64_t i = 1; i <= kSteps; ++i)
    model_.append(
        make_step(1, i, i == kSpikeStep ? 42.0 : 2.0 / std::sqrt(static_cast<double>(i))));
  for (int k = 1; k <= 4; ++k) {
    EvalEvent e;
    e.run_id = 1;
    e.step = k * 50'000;
    e.epoch = k * 50.0;
    e.val_loss = 0.5 / k;
    e.val_accuracy = 0.6 + 0.05 * k;
    e.wall_s = k * 5.0;
    model_.append(e);
  }
  model_.ensure(1).name = "spirals b8";
}

void TestPlots::lossPlotDecimatesButKeepsTheSpike() {
  LossPlot plot(model_);
  plot.resize(900, 400);
  plot.setSmoothing(0);
  plot.refresh();
  QCPGraph* raw = plot.rawGraph(1);
  QVERIFY(raw);
  const int bound = 2 * plot.buckets() + 2;
  QVERIFY2(raw->dataCount() <= bound, qPrintable(QString::number(raw->dataCount())));
  QVERIFY(raw->dataCount() > 100);
  QVERIFY(holds_point(raw, static_cast<double>(kSpikeStep), 42.0));
  QVERIFY(holds_point(raw, 1.0, 2.0));  // first and last points survive
  QVERIFY(holds_point(raw, static_cast<double>(kSteps), 2.0 / std::sqrt(double(kSteps))));
  QCOMPARE(plot.plot()->xAxis->range().lower, 1.0);
  QCOMPARE(plot.plot()->xAxis->range().upper, static_cast<double>(kSteps));
  QVERIFY(plot.plot()->yAxis->range().upper > 42.0);  // the spike is in view
  // Validation markers are few and kept exactly.
  QCPGraph* val = plot.validationGraph(1);
  QCOMPARE(val->dataCount(), 4);
  QVERIFY(holds_point(val, 100'000.0, 0.25));
  // The model itself is never thinned.
  QCOMPARE(model_.find(1)->loss.size(), static_cast<std::size_t>(kSteps));
}

void TestPlots::smoothedLineIsTheDebiasedEma() {
  LossPlot plot(model_);
  plot.resize(900, 400);
  plot.setSmoothing(0.9);
  plot.refresh();
  DebiasedEma ema(0.9);
  double last = 0;
  const Column& loss = model_.find(1)->loss;
  for (std::size_t i = 0; i < loss.size(); ++i) last = ema.push(loss[i]);
  QCPGraph* smooth = plot.smoothGraph(1);
  QVERIFY(smooth->visible());
  QCOMPARE((smooth->data()->constEnd() - 1)->value, last);
  QVERIFY(data_max(smooth) < 42.0);  // the spike is damped, not dropped from the raw line
  QVERIFY(holds_point(plot.rawGraph(1), static_cast<double>(kSpikeStep), 42.0));
  // Streaming more points extends the cached EMA rather than restarting it.
  model_.append(make_step(1, kSteps + 1, 1.0));
  plot.refresh();
  QCOMPARE((smooth->data()->constEnd() - 1)->value, ema.push(1.0));
}

void TestPlots::xAxisChoiceRemapsTheData() {
  LossPlot plot(model_);
  plot.resize(900, 400);
  plot.setXAxis(XAxisKind::samples);
  plot.refresh();
  QCOMPARE(plot.plot()->xAxis->label(), QString("samples seen"));
  QCOMPARE(plot.plot()->xAxis->range().upper, static_cast<double>(kSteps * 8));
  QVERIFY(holds_point(plot.rawGraph(1), static_cast<double>(kSpikeStep * 8), 42.0));
  plot.setXAxis(XAxisKind::wall);
  QCOMPARE(plot.plot()->xAxis->label(), QString("wall time (s)"));
  QVERIFY(std::abs(plot.plot()->xAxis->range().upper - kSteps * 1e-4) < 1e-9);
  plot.setLogY(true);
  QCOMPARE(plot.plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
  QVERIFY(plot.plot()->yAxis->range().lower > 0);
}

void TestPlots::userZoomIsKeptWhileStreaming() {
  LossPlot plot(model_);
  plot.resize(900, 400);
  plot.setSmoothing(0);
  plot.refresh();
  QVERIFY(plot.followsData());
  // What a wheel zoom does: change the range from outside the plot's own refresh.
  plot.plot()->xAxis->setRange(120'000, 125'000);
  QVERIFY(!plot.followsData());
  for (std::int64_t i = kSteps + 1; i <= kSteps + 1000; ++i) model_.append(make_step(1, i, 0.1));
  plot.refresh();
  QCOMPARE(plot.plot()->xAxis->range().lower, 120'000.0);
  QCOMPARE(plot.plot()->xAxis->range().upper, 125'000.0);
  // Re-decimated for the zoomed range: one neighbour either side at most.
  QCPGraph* raw = plot.rawGraph(1);
  QVERIFY(raw->data()->constBegin()->key >= 119'999.0);
  QVERIFY((raw->data()->constEnd() - 1)->key <= 125'001.0);
  QVERIFY(holds_point(raw, static_cast<double>(kSpikeStep), 42.0));
  // Double-click: follow again, the whole run in view.
  QTest::mouseDClick(plot.plot(), Qt::LeftButton, {}, plot.plot()->rect().center());
  QVERIFY(plot.followsData());
  QCOMPARE(plot.plot()->xAxis->range().upper, static_cast<double>(kSteps + 1000));
}

void TestPlots::hoverReportsExactValues() {
  LossPlot plot(model_);
  plot.resize(900, 400);
  plot.show();  // hover works in pixels: the layout must be real
  QVERIFY(QTest::qWaitForWindowExposed(&plot));
  plot.setSmoothing(0);
  plot.plot()->xAxis->setRange(99'990, 100'010);
  plot.plot()->yAxis->setRange(0, 0.5);
  plot.refresh();
  plot.plot()->replot();
  const double want = 2.0 / std::sqrt(100'000.0);
  const QPoint at(static_cast<int>(plot.plot()->xAxis->coordToPixel(100'000)),
                  static_cast<int>(plot.plot()->yAxis->coordToPixel(want)));
  const QString text = plot.hoverAt(at);
  QVERIFY2(text.contains("spirals b8"), qPrintable(text));
  QVERIFY2(text.contains("step 100000"), qPrintable(text));
  QVERIFY2(text.contains(QString::number(want, 'g', 6)), qPrintable(text));
  // The validation marker at step 100000 (loss 0.25) wins when the cursor is on it.
  const QPoint on_val(at.x(), static_cast<int>(plot.plot()->yAxis->coordToPixel(0.25)));
  const QString val_text = plot.hoverAt(on_val);
  QVERIFY2(val_text.contains("val loss 0.25"), qPrintable(val_text));
  QVERIFY2(val_text.contains("accuracy 70.00 %"), qPrintable(val_text));
  // Far from every line: nothing.
  QVERIFY(plot.hoverAt(QPoint(at.x(), static_cast<int>(plot.plot()->yAxis->coordToPixel(0.45))))
              .isEmpty());
}

void TestPlots::uncheckedRunsAreHidden() {
  for (std::int64_t i = 1; i <= 1000; ++i) model_.append(make_step(2, i, 3.0));
  LossPlot plot(model_);
  ThroughputPlot tp(model_);
  plot.resize(900, 400);
  plot.refresh();
  tp.refresh();
  QVERIFY(plot.rawGraph(2)->visible());
  QVERIFY(plot.rawGraph(1)->pen().color().rgb() != plot.rawGraph(2)->pen().color().rgb());
  model_.set_visible(2, false);
  plot.refresh();
  tp.refresh();
  QVERIFY(!plot.rawGraph(2)->visible());
  QVERIFY(!plot.smoothGraph(2)->visible());
  QVERIFY(!tp.averageGraph(2)->visible());
  QVERIFY(plot.rawGraph(1)->visible());
  // A run removed from the model loses its graphs.
  model_.remove(2);
  plot.refresh();
  QVERIFY(!plot.rawGraph(2));
}

void TestPlots::throughputShowsRawAndAverage() {
  ThroughputPlot plot(model_);
  plot.resize(600, 300);
  plot.refresh();
  QVERIFY(plot.rawGraph(1)->dataCount() <= 2 * plot.buckets() + 2);
  const double last_avg = model_.find(1)->samples_per_s_avg.back();
  QCOMPARE((plot.averageGraph(1)->data()->constEnd() - 1)->value, last_avg);
  QVERIFY(last_avg > 5000 && last_avg < 5100);
  QCOMPARE(plot.plot()->yAxis->label(), QString("samples/s"));
}

void TestPlots::memoryStacksCategoriesPerRun() {
  StepEvent big = make_step(2, 1, 1.0);
  big.batch_size = 512;
  big.memory = {4000, 4000, 4000, 512 * 1024, 512 * 64, 0};
  model_.append(big);
  RunStarted started;
  started.run_id = 2;
  started.predicted = big.memory;
  started.config.batch.size = 512;
  model_.on_started(started);
  MemoryPlot plot(model_);
  plot.resize(500, 300);
  plot.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plot));
  plot.refresh();
  plot.plot()->replot();
  QCOMPARE(plot.shownRuns(), (std::vector<std::int64_t>{1, 2}));
  QCOMPARE(plot.unitBytes(), 1024.0);  // under a MiB: KiB
  QCOMPARE(plot.plot()->yAxis->label(), QString("memory (KiB)"));
  QCPBars* act = plot.categoryBars(MemCategory::activations);
  QCOMPARE(act->dataCount(), 2);
  QCOMPARE(act->data()->at(0)->value, 8.0);    // 8 KiB for batch 8
  QCOMPARE(act->data()->at(1)->value, 512.0);  // 512 KiB for batch 512
  // Stacked: activations sit on top of the optimizer bars.
  QCOMPARE(act->barBelow(), plot.categoryBars(MemCategory::optimizer));
  QVERIFY(plot.plot()->yAxis->range().upper > (12000.0 + 512 * 1024 + 512 * 64) / 1024.0);
  const QPoint on_bar(static_cast<int>(plot.plot()->xAxis->coordToPixel(2)),
                      static_cast<int>(plot.plot()->yAxis->coordToPixel(100)));
  const QString text = plot.hoverAt(on_bar);
  QVERIFY2(text.contains("activations: 512 KiB"), qPrintable(text));
  QVERIFY2(text.contains("predicted:"), qPrintable(text));
}

void TestPlots::memoryBudgetIsALabelledLine() {
  // One run of about 20 KiB (see make_step).
  MemoryPlot plot(model_);
  plot.resize(500, 300);
  plot.refresh(true);
  QVERIFY(!plot.budgetLine() && !plot.budgetLabel());  // no budget: nothing drawn
  // A budget of 64 KiB: a dotted line at its height, in view, named beside it.
  plot.setBudget(64.0 / 1024.0);
  plot.refresh(true);
  QVERIFY(plot.budgetLine());
  QCOMPARE(plot.unitBytes(), 1024.0);
  QCOMPARE(plot.budgetLine()->point1->coords().y(), 64.0);
  QCOMPARE(plot.budgetLine()->pen().style(), Qt::DotLine);
  QVERIFY(plot.plot()->yAxis->range().upper > 64.0);
  QVERIFY(plot.budgetLabel()->visible());
  QVERIFY2(plot.budgetLabel()->text().startsWith("memory budget 64"),
           qPrintable(plot.budgetLabel()->text()));
  QVERIFY(plot.budgetLabel()->text().contains("KiB"));
  // A budget a thousand times the bars would flatten them: named in the corner, not drawn.
  plot.setBudget(1024.0);
  plot.refresh(true);
  QVERIFY(!plot.budgetLine());
  QVERIFY2(plot.budgetLabel()->text().contains("above this scale"),
           qPrintable(plot.budgetLabel()->text()));
  QVERIFY(plot.plot()->yAxis->range().upper < 100.0);  // KiB: the bars still fill the plot
  // Before any run the budget is all there is: in view, in its own unit.
  model_.set_visible(1, false);
  plot.refresh(true);
  QVERIFY(plot.shownRuns().empty());
  QVERIFY(plot.budgetLine());
  QCOMPARE(plot.unitBytes(), 1024.0 * 1024.0 * 1024.0);
  QVERIFY(plot.plot()->yAxis->range().contains(1.0));
  plot.setBudget(std::nullopt);
  QVERIFY(!plot.budgetLine() && !plot.budgetLabel());
}

void TestPlots::throughputSplitsComputeFromTheRest() {
  // A two-replica run: each step of 64 rows takes 10 ms, 6 of them forward + backward on the
  // slowest replica, 3 the all-reduce left exposed, 1 waiting.
  model_.clear();
  for (std::int64_t i = 1; i <= 500; ++i) {
    StepEvent e = make_step(7, i, 1.0);
    e.batch_size = 64;
    e.samples_per_s = 6400.0;
    e.step_ms = 10.0;
    e.compute_ms = 6.0;
    e.allreduce_ms = 3.0;
    e.idle_ms = 1.0;
    e.replicas = 2;
    e.replica_batch = 32;
    model_.append(e);
  }
  const RunSeries& run = *model_.find(7);
  QVERIFY(run.has_compute);
  QCOMPARE(run.allreduce_ms.size(), run.steps.size());
  QCOMPARE(run.compute_per_s_avg.back(), 64.0 * 1e3 / 6.0);  // a constant: its EMA is exact
  ThroughputPlot plot(model_);
  plot.resize(600, 300);
  plot.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plot));
  plot.refresh(true);
  QVERIFY(!plot.computeGraph(7));  // off by default: one line per run, as before
  QSignalSpy spy(&plot, &ThroughputPlot::splitChanged);
  plot.splitToggle()->click();  // the checkbox above the plot
  QVERIFY(plot.split());
  QCOMPARE(spy.count(), 1);
  plot.refresh(true);
  QCPGraph* compute = plot.computeGraph(7);
  QVERIFY(compute && compute->visible());
  QCOMPARE(compute->pen().style(), Qt::DashLine);
  QCOMPARE((compute->data()->constEnd() - 1)->value, 64.0 * 1e3 / 6.0);
  // The band between the two lines is the average's fill down to the compute line.
  QCOMPARE(plot.averageGraph(7)->channelFillGraph(), compute);
  QVERIFY(plot.averageGraph(7)->brush().style() != Qt::NoBrush);
  QCOMPARE(plot.runLegend().shownLabels().back(), QString("compute alone"));
  // Hover names the split in the step's own numbers: 1 − 6400 / 10667 = 40 % of the step.
  const QPoint at(static_cast<int>(plot.plot()->xAxis->coordToPixel(250)),
                  static_cast<int>(plot.plot()->yAxis->coordToPixel(6400.0)));
  const QString text = plot.hoverAt(at);
  QVERIFY2(text.contains("the rest takes 40 % of the step"), qPrintable(text));
  QVERIFY2(text.contains("all-reduce 3.00 ms"), qPrintable(text));
  QVERIFY2(text.contains("replicas idle 1.00 ms"), qPrintable(text));
  plot.setSplit(false);
  plot.refresh(true);
  QVERIFY(!plot.computeGraph(7)->visible());
  QVERIFY(!plot.averageGraph(7)->channelFillGraph());
  QCOMPARE(spy.count(), 2);
}

void TestPlots::memoryShowsOneBarPerDevice() {
  // A run over two devices: the sum in the step, each device's own share beside it.
  model_.clear();
  StepEvent e = make_step(3, 1, 1.0);
  e.batch_size = 65;
  e.replicas = 2;
  e.replica_batch = 33;
  e.memory = {8000, 8000, 8000, 65 * 1024, 65 * 64, 0};
  model_.append(e);
  RunStarted started;
  started.run_id = 3;
  started.predicted = e.memory;
  started.config.batch.size = 65;
  model_.on_started(started);
  model_.set_device_memory(3, 0, {4000, 4000, 4000, 33 * 1024, 33 * 64, 0});
  model_.set_device_memory(3, 1, {4000, 4000, 4000, 32 * 1024, 32 * 64, 0});
  // A one-device run beside it keeps its single bar.
  StepEvent one = make_step(4, 1, 1.0);
  model_.append(one);
  MemoryPlot plot(model_);
  plot.resize(600, 300);
  plot.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plot));
  plot.refresh(true);
  QCOMPARE(plot.shownRuns(), (std::vector<std::int64_t>{3, 3, 4}));
  QCOMPARE(plot.shownDevices(), (std::vector<int>{0, 1, -1}));
  QCPBars* act = plot.categoryBars(MemCategory::activations);
  QCOMPARE(act->dataCount(), 3);
  QCOMPARE(act->data()->at(0)->value, 33.0);  // KiB on device 0 (one row more)
  QCOMPARE(act->data()->at(1)->value, 32.0);
  QCOMPARE(act->data()->at(2)->value, 8.0);
  const QString tick = plot.plot()->xAxis->tickVectorLabels().value(0);
  QVERIFY2(tick.contains("d0"), qPrintable(tick));
  QVERIFY2(plot.plot()->xAxis->label().contains("device"), qPrintable(plot.plot()->xAxis->label()));
  const QPoint on_bar(static_cast<int>(plot.plot()->xAxis->coordToPixel(2)),
                      static_cast<int>(plot.plot()->yAxis->coordToPixel(10)));
  const QString text = plot.hoverAt(on_bar);
  QVERIFY2(text.contains("device 1 of 2"), qPrintable(text));
  QVERIFY2(text.contains("activations: 32.0 KiB"), qPrintable(text));
  QVERIFY2(text.contains("predicted per device:"), qPrintable(text));
  // Read back from the store a run has only the sum: one bar again.
  model_.load(3, std::span<const StepEvent>(&e, 1), {});
  plot.refresh(true);
  QCOMPARE(plot.shownDevices(), (std::vector<int>{-1, -1}));
}

QTEST_MAIN(TestPlots)
#include "test_plots.moc"
