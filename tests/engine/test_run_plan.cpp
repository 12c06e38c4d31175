// plan_run: the steps, batch sizes and LRs a run will use, known before it starts, must be what
// the Trainer then does step by step (schedules, LR rules, short epoch tails, drop_last,
// max_steps), stay small enough to plot, and give the same step count to the Trainer's
// RunStarted (progress and ETA) and to the sweep's time estimate.
#include <QtTest>

#include <cmath>

#include "backend_test_data.h"
#include "engine/experiment/sweep_estimate.h"
#include "engine/train/run_plan.h"
#include "engine/train/trainer.h"

using namespace batchlab;

namespace {

struct Recorder : EventSink {
  std::vector<StepEvent> steps;
  std::int64_t planned_steps = -1;
  void on_run_started(const RunStarted& e) override { planned_steps = e.planned_steps; }
  void on_step(const StepEvent& e) override { steps.push_back(e); }
  void on_eval(const EvalEvent&) override {}
  void on_run_finished(const RunFinished&) override {}
};

RunConfig base_config() {
  RunConfig c;
  c.seed = 4;
  c.model.hidden = {8};
  c.optimizer.lr = 0.01;
  c.batch.size = 16;
  c.stop.epochs = 6.0;
  c.eval.every_epochs.reset();
  c.threads = 1;
  return c;
}

std::vector<StepEvent> live_steps(const RunConfig& c, std::int64_t rows,
                                  std::int64_t* planned_steps = nullptr) {
  DatasetSplit data;
  data.train = testdata::random_classification(rows, 3, 2, 1);
  auto backend = make_cpu_backend(1, 0);
  Recorder rec;
  TrainerInputs in;
  in.config = &c;
  in.data = &data;
  in.backend = backend.get();
  in.sink = &rec;
  const RunFinished f = train(in);
  if (f.status != RunStatus::completed) qWarning("run ended %s", f.reason.c_str());
  if (planned_steps) *planned_steps = rec.planned_steps;
  return rec.steps;
}

// Every live step agrees with the plan point that holds at it; every plan point is a live step.
void expect_plan_matches(const RunConfig& c, std::int64_t rows) {
  const auto plan = planned_schedule(c, rows);
  const auto live = live_steps(c, rows);
  QVERIFY(!plan.empty());
  QCOMPARE(plan.front().step, std::int64_t{1});
  QCOMPARE(plan.back().step, static_cast<std::int64_t>(live.size()));
  std::size_t p = 0;
  for (const StepEvent& s : live) {
    while (p + 1 < plan.size() && plan[p + 1].step <= s.step) ++p;
    const SchedulePoint& point = plan[p];
    if (point.step == s.step) {
      QCOMPARE(point.batch_size, s.batch_size);
      QCOMPARE(point.lr, s.lr);
      QVERIFY(std::fabs(point.epoch - s.epoch) < 1e-12);
    } else {
      QVERIFY2(point.batch_size == s.batch_size,
               qPrintable(QString("step %1: planned batch %2, ran %3")
                              .arg(s.step)
                              .arg(point.batch_size)
                              .arg(s.batch_size)));
      QVERIFY(std::fabs(point.lr - s.lr) <= 1e-3 * point.lr + 1e-15);
    }
  }
}

}  // namespace

class TestRunPlan : public QObject {
  Q_OBJECT

 private slots:
  void constantBatchListsEachEpochsShortTail() {
    RunConfig c = base_config();
    c.batch.size = 32;
    c.stop.epochs = 2.0;
    // 100 rows in batches of 32: 32, 32, 32, 4 each epoch.
    const auto plan = planned_schedule(c, 100);
    QCOMPARE(plan.size(), std::size_t{4});
    QCOMPARE(plan[0].step, std::int64_t{1});
    QCOMPARE(plan[0].batch_size, std::int64_t{32});
    QCOMPARE(plan[0].epoch, 0.32);
    QCOMPARE(plan[1].step, std::int64_t{4});
    QCOMPARE(plan[1].batch_size, std::int64_t{4});
    QCOMPARE(plan[1].epoch, 1.0);
    QCOMPARE(plan[2].step, std::int64_t{5});
    QCOMPARE(plan[2].batch_size, std::int64_t{32});
    QCOMPARE(plan[3].step, std::int64_t{8});
    QCOMPARE(plan[3].batch_size, std::int64_t{4});
    QCOMPARE(plan[3].epoch, 2.0);
    for (const auto& p : plan) QCOMPARE(p.lr, 0.01);
    c.batch.drop_last = true;  // the tail is dropped: 3 steps an epoch, one point, then the last
    const auto dropped = planned_schedule(c, 100);
    QCOMPARE(dropped.size(), std::size_t{2});
    QCOMPARE(dropped.back().step, std::int64_t{6});
    QCOMPARE(dropped.back().batch_size, std::int64_t{32});
  }

  void batchIncreaseInsteadOfLrDecay() {
    RunConfig c = base_config();
    c.batch.schedule.kind = ScheduleKind::steps;
    c.batch.schedule.epochs = {2, 4};
    c.batch.schedule.factor = 2;
    const auto plan = planned_schedule(c, 320);
    // 20 steps of 16 for two epochs, 10 of 32, then 5 of 64 per epoch: 40 + 20 + 10 steps.
    QCOMPARE(plan.back().step, std::int64_t{70});
    QCOMPARE(plan.size(), std::size_t{4});
    QCOMPARE(plan[1].step, std::int64_t{41});
    QCOMPARE(plan[1].batch_size, std::int64_t{32});
    QCOMPARE(plan[2].step, std::int64_t{61});
    QCOMPARE(plan[2].batch_size, std::int64_t{64});
    expect_plan_matches(c, 320);
  }

  // A batch-size schedule used to report planned_steps = 0 (blank progress and ETA): the
  // Trainer, the plan and the live run must now agree on the count.
  void scheduledRunHasPlannedStepsSamplesAndBatches() {
    RunConfig c = base_config();
    c.batch.schedule.kind = ScheduleKind::steps;
    c.batch.schedule.epochs = {2, 4};
    c.batch.schedule.factor = 2;
    const RunPlan plan = plan_run(c, 320);
    QVERIFY(plan.bounded);
    QCOMPARE(plan.steps, std::int64_t{70});
    QCOMPARE(plan.samples, std::int64_t{6 * 320});
    QCOMPARE(plan.epochs, 6.0);
    QCOMPARE(plan.batches.size(), std::size_t{3});
    QCOMPARE(plan.batches[0].batch, std::int64_t{16});
    QCOMPARE(plan.batches[0].steps, std::int64_t{40});
    QCOMPARE(plan.batches[1].batch, std::int64_t{32});
    QCOMPARE(plan.batches[1].steps, std::int64_t{20});
    QCOMPARE(plan.batches[2].batch, std::int64_t{64});
    QCOMPARE(plan.batches[2].steps, std::int64_t{10});
    std::int64_t started_planned = -1;
    const auto live = live_steps(c, 320, &started_planned);
    QCOMPARE(started_planned, std::int64_t{70});
    QCOMPARE(static_cast<std::int64_t>(live.size()), started_planned);

    // The sweep's estimate sums the step-time model over the same batches.
    StepTimeModel m;
    m.overhead_s = 1e-3;
    m.per_sample_s = 1e-5;
    m.eval_row_s = 0.0;
    m.train_rows = 320;
    const RunEstimate est = estimate_run(c, m);
    QCOMPARE(est.steps, std::int64_t{70});
    QCOMPARE(est.samples, std::int64_t{6 * 320});
    const double expected =
        40 * m.step_seconds(16) + 20 * m.step_seconds(32) + 10 * m.step_seconds(64);
    QVERIFY2(std::fabs(est.seconds - expected) < 1e-12,
             qPrintable(QString("estimate %1 s, expected %2 s").arg(est.seconds).arg(expected)));
  }

  void shortTailsAreCountedAtTheirOwnSize() {
    RunConfig c = base_config();
    c.batch.size = 32;
    c.stop.epochs = 2.5;  // 100 rows: 32, 32, 32, 4 | 32, 32, 32, 4 | 32, 32 (≥ 2.5 epochs)
    const RunPlan plan = plan_run(c, 100);
    QCOMPARE(plan.steps, std::int64_t{10});
    QCOMPARE(plan.samples, std::int64_t{8 * 32 + 2 * 4});
    QCOMPARE(plan.batches.front().batch, std::int64_t{4});
    QCOMPARE(plan.batches.front().steps, std::int64_t{2});
    std::int64_t started_planned = -1;
    QCOMPARE(static_cast<std::int64_t>(live_steps(c, 100, &started_planned).size()),
             std::int64_t{10});
    QCOMPARE(started_planned, std::int64_t{10});
  }

  void linearScalingWithWarmupMatchesTheTrainer() {
    RunConfig c = base_config();
    c.batch.size = 48;
    c.batch.lr_scaling = {LrScalingRule::linear, 16, 2.0};
    const auto plan = planned_schedule(c, 500);
    // The lr climbs from 0.01 to 0.03 over two epochs, then holds.
    QCOMPARE(plan.front().lr, 0.01);
    QVERIFY(std::fabs(plan.back().lr - 0.03) < 1e-12);
    QVERIFY(plan.size() > 10);  // the ramp is drawn, not a single jump
    expect_plan_matches(c, 500);
  }

  void linearRampDropLastAndReplacementMatchTheTrainer() {
    RunConfig c = base_config();
    c.batch.schedule = {ScheduleKind::linear, {}, 2.0, 100, 4.0};
    c.batch.drop_last = true;
    c.batch.lr_scaling = {LrScalingRule::sqrt, 16, 0.0};
    expect_plan_matches(c, 450);
    c.batch.sampling = Sampling::replacement;
    c.batch.drop_last = false;
    expect_plan_matches(c, 450);
  }

  void stopCriteriaBoundThePlan() {
    RunConfig c = base_config();
    c.stop.max_steps = 25;  // before the six epochs (6 × 20 steps) end
    QCOMPARE(planned_schedule(c, 320).back().step, std::int64_t{25});
    // Only a time limit: planned to the last schedule change plus one epoch.
    c.stop = {};
    c.stop.epochs.reset();
    c.stop.time_limit_s = 10.0;
    c.batch.schedule.kind = ScheduleKind::steps;
    c.batch.schedule.epochs = {2.5};
    const auto plan = planned_schedule(c, 320);
    QCOMPARE(plan.back().epoch, 4.0);  // ⌈2.5⌉ + 1
    QVERIFY(planned_schedule(c, 0).empty());
    // ... but that is for the plot: the run's length is not known, so no step count.
    const RunPlan open = plan_run(c, 320);
    QVERIFY(!open.bounded);
    QCOMPARE(open.steps, std::int64_t{0});
    QVERIFY(open.batches.empty());
  }

  void longRunsStaySmall() {
    RunConfig c = base_config();
    c.batch.strategy = BatchStrategy::stochastic;
    c.stop.epochs = 20.0;
    const auto plan = planned_schedule(c, 5000);  // 100000 steps, nothing changes
    QCOMPARE(plan.size(), std::size_t{2});
    QCOMPARE(plan.back().step, std::int64_t{100000});
  }
};

QTEST_APPLESS_MAIN(TestRunPlan)
#include "test_run_plan.moc"
