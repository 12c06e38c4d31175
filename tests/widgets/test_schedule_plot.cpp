// The schedule plot draws the planned schedule (from a given plan, and worked out for a form's
// config on a worker thread), the live batch size, LR and noise scale of each run, and reads
// the latest noise scale in plain words.
#include <QtTest>

#include <QLabel>
#include <algorithm>
#include <cmath>

#include "engine/metrics/noise_scale.h"
#include "engine/train/run_plan.h"
#include "widgets/schedule_plot.h"

using namespace batchlab;

namespace {

// Spirals, 400 rows with 20 % held out: 320 training rows; batch 32 doubled after epochs 1, 2.
RunConfig stepped_config() {
  RunConfig c;
  c.dataset.kind = "spirals";
  c.dataset.samples = 400;
  c.dataset.validation_fraction = 0.2;
  c.batch.size = 32;
  c.batch.schedule.kind = ScheduleKind::steps;
  c.batch.schedule.epochs = {1.0, 2.0};
  c.batch.schedule.factor = 2.0;
  c.optimizer.lr = 0.1;
  c.stop.epochs = 3.0;
  return c;
}

std::vector<std::pair<double, double>> points(QCPGraph* g) {
  std::vector<std::pair<double, double>> out;
  for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
    out.emplace_back(it->key, it->value);
  return out;
}

StepEvent step_event(std::int64_t i, std::int64_t batch, double lr, double b_simple) {
  StepEvent e;
  e.run_id = 1;
  e.step = i;
  e.epoch = static_cast<double>(i) / 10.0;
  e.samples_seen = i * batch;
  e.batch_size = batch;
  e.lr = lr;
  e.loss = 1.0;
  e.samples_per_s = 1000;
  e.wall_s = static_cast<double>(i) * 0.01;
  e.b_simple = b_simple;
  return e;
}

}  // namespace

class TestSchedulePlot : public QObject {
  Q_OBJECT
 private slots:
  void planIsDrawnAsGivenAndSpansTheXAxis();
  void formConfigIsPlannedFromItsTrainingRows();
  void liveStepsDrawBatchLrAndNoiseScale();
  void hintReadsTheLatestNoiseScale();
  void runPlanWinsOverAPendingFormPlan();
  void shortTailBatchesDoNotFillTheZoomedOutLine();
  void constantPlanIsOneLine();
  void xRangeFollowsTheTickedRunsNotThePlan();
  void constantBatchSitsBetweenPowerOfTwoTicks();
};

void TestSchedulePlot::planIsDrawnAsGivenAndSpansTheXAxis() {
  SeriesModel model;
  SchedulePlot plot(model);
  plot.resize(600, 400);
  const auto plan = planned_schedule(stepped_config(), 320);
  QVERIFY(plan.size() >= 3);
  plot.setPlan(plan, "form");
  plot.refresh(true);
  const auto batch = points(plot.plannedBatchGraph());
  QCOMPARE(batch.size(), plan.size());
  for (std::size_t i = 0; i < plan.size(); ++i) {
    QCOMPARE(batch[i].first, static_cast<double>(plan[i].step));
    // The schedule only grows; the one drop, epoch 3's short tail of 64, is held at 128.
    const bool tail = i > 0 && plan[i].batch_size < plan[i - 1].batch_size;
    QCOMPARE(batch[i].second,
             static_cast<double>(tail ? plan[i - 1].batch_size : plan[i].batch_size));
  }
  QCOMPARE(batch.front().second, 32.0);
  QCOMPARE(plot.plannedLrGraph()->dataCount(), static_cast<int>(plan.size()));
  // The view follows the plan before any run: its last step is on screen.
  QVERIFY(plot.plot()->xAxis->range().upper >= static_cast<double>(plan.back().step));
  QVERIFY(plot.plot()->yAxis->range().contains(128.0));
  QVERIFY2(plot.planText().contains(QStringLiteral("%1 steps").arg(plan.back().step)),
           qPrintable(plot.planText()));
  QVERIFY2(plot.planText().contains("batch 32 to 128 (shorter last batch per epoch)"),
           qPrintable(plot.planText()));
  // A constant batch with a short tail each epoch reads as one batch size.
  RunConfig constant = stepped_config();
  constant.batch.schedule.kind = ScheduleKind::constant;
  constant.batch.size = 128;  // 320 rows: 128, 128, 64 each epoch
  SchedulePlot other(model);
  other.setPlan(planned_schedule(constant, 320), "form");
  QVERIFY2(other.planText().contains("batch 128 (shorter last batch per epoch)"),
           qPrintable(other.planText()));
  constant.batch.size = 64;  // divides 320: no tail, nothing to say
  other.setPlan(planned_schedule(constant, 320), "form");
  QVERIFY2(other.planText().contains("batch 64, LR"), qPrintable(other.planText()));
  // Hovering on the dashed line says what the plan holds there (batch 64 from step 11 to 15).
  plot.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plot));
  plot.refresh(true);
  const double x = plot.plot()->xAxis->coordToPixel(13.0);
  const double y = plot.plot()->yAxis->coordToPixel(64.0);
  const QString hover = plot.hoverAt(QPoint(static_cast<int>(x), static_cast<int>(y)));
  QVERIFY2(hover.contains("planned from step 11") && hover.contains("batch 64"), qPrintable(hover));
}

void TestSchedulePlot::formConfigIsPlannedFromItsTrainingRows() {
  SeriesModel model;
  SchedulePlot plot(model);
  QSignalSpy changed(&plot, &SchedulePlot::planChanged);
  const RunConfig c = stepped_config();
  plot.planFor(c);
  QVERIFY(changed.wait(10000));
  const auto expected = planned_schedule(c, 320);
  QCOMPARE(plot.plan().size(), expected.size());
  QCOMPARE(plot.plan().back().step, expected.back().step);
  const auto largest = std::max_element(
      plot.plan().begin(), plot.plan().end(),
      [](const SchedulePoint& a, const SchedulePoint& b) { return a.batch_size < b.batch_size; });
  QCOMPARE(largest->batch_size, std::int64_t{128});
  // An edit that keeps the data replans at once from the remembered row count.
  RunConfig bigger = c;
  bigger.batch.size = 64;
  plot.planFor(bigger);
  QVERIFY(changed.wait(5000));
  QCOMPARE(plot.plan().front().batch_size, 64);
  QCOMPARE(plot.plan().back().step, planned_schedule(bigger, 320).back().step);
  // A dataset that cannot be read leaves no plan and says why.
  RunConfig missing = c;
  missing.dataset.kind = "csv";
  missing.dataset.path = "/nonexistent/data.csv";
  plot.planFor(missing);
  QVERIFY(changed.wait(10000));
  QVERIFY(plot.plan().empty());
  QVERIFY2(plot.planText().contains("No planned schedule"), qPrintable(plot.planText()));
  QCOMPARE(plot.plannedBatchGraph()->dataCount(), 0);
}

void TestSchedulePlot::liveStepsDrawBatchLrAndNoiseScale() {
  SeriesModel model;
  SchedulePlot plot(model);
  plot.resize(600, 400);
  // 30 steps: batch 32 then 64 from step 11; LR warms up; B_simple every 5th step.
  for (std::int64_t i = 1; i <= 30; ++i)
    model.append(step_event(i, i <= 10 ? 32 : 64,
                            0.01 * static_cast<double>(std::min<std::int64_t>(i, 10)),
                            i % 5 == 0 ? 100.0 + static_cast<double>(i) : kNaN));
  plot.refresh(true);
  const auto batch = points(plot.batchGraph(1));
  QCOMPARE(batch.size(), std::size_t{30});
  QCOMPARE(batch[9], std::make_pair(10.0, 32.0));
  QCOMPARE(batch[10], std::make_pair(11.0, 64.0));
  const auto lr = points(plot.lrGraph(1));
  QCOMPARE(lr.size(), std::size_t{30});
  QCOMPARE(lr[4].second, 0.05);
  QCOMPARE(plot.lrGraph(1)->valueAxis(), plot.plot()->yAxis2);
  const auto noise = points(plot.noiseGraph(1));
  QCOMPARE(noise.size(), std::size_t{6});  // the measured steps only
  QCOMPARE(noise.front(), std::make_pair(5.0, 105.0));
  QCOMPARE(noise.back(), std::make_pair(30.0, 130.0));
  // Batch and B_simple share the log₂ axis, LR has its own from zero.
  QCOMPARE(plot.plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
  QVERIFY(plot.plot()->yAxis->range().contains(130.0));
  QVERIFY(plot.plot()->yAxis->range().contains(32.0));
  QCOMPARE(plot.plot()->yAxis2->range().lower, 0.0);
  QVERIFY(plot.plot()->yAxis2->range().contains(0.1));
  // Unticking a run hides its lines.
  model.set_visible(1, false);
  plot.refresh(true);
  QVERIFY(!plot.batchGraph(1)->visible());
  QVERIFY(plot.hintText().isEmpty());
}

void TestSchedulePlot::hintReadsTheLatestNoiseScale() {
  SeriesModel model;
  SchedulePlot plot(model);
  plot.show();
  model.append(step_event(1, 1024, 0.1, kNaN));
  plot.refresh(true);
  QVERIFY(plot.hintText().isEmpty());  // nothing measured yet
  model.append(step_event(2, 1024, 0.1, 180.0));
  model.append(step_event(3, 1024, 0.1, kNaN));
  plot.refresh(true);
  const QString expected = "#1: " + QString::fromStdString(noise_scale_hint(180.0, 1024));
  QCOMPARE(plot.hintText(), expected);
  QVERIFY2(expected.contains("B_simple ≈ 180"), qPrintable(expected));
  bool shown = false;
  for (QLabel* l : plot.findChildren<QLabel*>())
    if (l->text() == expected && l->isVisible()) shown = true;
  QVERIFY(shown);
}

void TestSchedulePlot::runPlanWinsOverAPendingFormPlan() {
  SeriesModel model;
  SchedulePlot plot(model);
  plot.planFor(stepped_config());  // still waiting for its row count when the run starts
  RunConfig run = stepped_config();
  run.batch.size = 16;
  plot.setPlan(planned_schedule(run, 320), "run #1");
  QTest::qWait(1500);
  QVERIFY2(plot.planText().startsWith("Planned (run #1)"), qPrintable(plot.planText()));
  QCOMPARE(plot.plan().front().batch_size, std::int64_t{16});
}

void TestSchedulePlot::shortTailBatchesDoNotFillTheZoomedOutLine() {
  SeriesModel model;
  SchedulePlot plot(model);
  plot.resize(600, 400);
  // 20,000 steps of batch 128 where every 13th step is an epoch's short tail of 64.
  for (std::int64_t i = 1; i <= 20000; ++i)
    model.append(step_event(i, i % 13 == 0 ? 64 : 128, 0.1, kNaN));
  plot.refresh(true);
  const auto zoomed_out = points(plot.batchGraph(1));
  QVERIFY(zoomed_out.size() <= static_cast<std::size_t>(plot.buckets()) + 2);
  for (const auto& [x, y] : zoomed_out) QCOMPARE(y, 128.0);
  // Zoomed in to a step per pixel, the tails show as they ran.
  plot.plot()->xAxis->setRange(100, 140);
  const auto zoomed_in = points(plot.batchGraph(1));
  QVERIFY(std::any_of(zoomed_in.begin(), zoomed_in.end(),
                      [](const auto& p) { return p.first == 104.0 && p.second == 64.0; }));
}

void TestSchedulePlot::constantPlanIsOneLine() {
  SeriesModel model;
  SchedulePlot plot(model);
  plot.resize(600, 400);
  // 320 rows at B=128: 128, 128 and a tail of 64 each epoch, for 20 epochs.
  RunConfig constant = stepped_config();
  constant.batch.schedule.kind = ScheduleKind::constant;
  constant.batch.size = 128;
  constant.stop.epochs = 20.0;
  const auto plan = planned_schedule(constant, 320);
  QVERIFY(std::any_of(plan.begin(), plan.end(),
                      [](const SchedulePoint& p) { return p.batch_size == 64; }));
  plot.setPlan(plan, "form");
  // Zoomed in far enough that every step has its own pixels, where a dip would show.
  for (const QCPRange& range : {QCPRange(1, 60), QCPRange(1, 12), QCPRange(-5, 200)}) {
    plot.plot()->xAxis->setRange(range);
    const auto drawn = points(plot.plannedBatchGraph());
    QVERIFY(!drawn.empty());
    for (const auto& [x, y] : drawn) QCOMPARE(y, 128.0);
  }
}

void TestSchedulePlot::constantBatchSitsBetweenPowerOfTwoTicks() {
  SeriesModel model;
  SchedulePlot plot(model);
  plot.resize(600, 400);
  RunConfig constant = stepped_config();
  constant.batch.schedule.kind = ScheduleKind::constant;
  constant.batch.size = 32;
  constant.stop.epochs = 3.0;
  plot.setPlan(planned_schedule(constant, 320), "form");
  plot.refresh(true);
  QCPAxis* y = plot.plot()->yAxis;
  // Whole powers of two around 32, not a 30–34 sliver with no tick on it.
  QCOMPARE(y->range().lower, 16.0);
  QCOMPARE(y->range().upper, 64.0);
  QCOMPARE(y->scaleType(), QCPAxis::stLogarithmic);
  plot.plot()->replot();
  QVector<double> ticks;
  QVector<QString> labels;
  y->ticker()->generate(y->range(), QLocale(), QLatin1Char('g'), 6, ticks, nullptr, &labels);
  QVERIFY2(ticks.contains(32.0), qPrintable(QStringLiteral("%1 ticks").arg(ticks.size())));
  for (const double t : ticks)
    QVERIFY2(std::exp2(std::round(std::log2(t))) == t, qPrintable(QString::number(t)));
}

void TestSchedulePlot::xRangeFollowsTheTickedRunsNotThePlan() {
  SeriesModel model;
  SchedulePlot plot(model);
  plot.resize(600, 400);
  RunConfig c = stepped_config();
  c.batch.schedule.kind = ScheduleKind::constant;
  c.stop.epochs = 70.0;  // 10 steps an epoch: a plan of 700 steps
  const auto plan = planned_schedule(c, 320);
  QVERIFY(plan.back().step > 500);
  plot.setPlan(plan, "run #1");
  // A ticked run that reached its target after 30 steps: the x axis is its 30 steps.
  for (std::int64_t i = 1; i <= 30; ++i) model.append(step_event(i, 32, 0.1, kNaN));
  plot.refresh(true);
  QCOMPARE(plot.plot()->xAxis->range().lower, 1.0);
  QCOMPARE(plot.plot()->xAxis->range().upper, 30.0);
  // Nothing ticked: the plan is what there is to see.
  model.set_visible(1, false);
  plot.refresh(true);
  QVERIFY(plot.plot()->xAxis->range().upper >= static_cast<double>(plan.back().step));
}

QTEST_MAIN(TestSchedulePlot)
#include "test_schedule_plot.moc"
