// The Trainer's contract: statuses, stop criteria, pause/stop from another thread, determinism,
// accumulation equivalence, and the sampler and schedules it relies on.
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>

#include "engine/backend/backend.h"
#include "engine/data/load_dataset.h"
#include "engine/train/sampler.h"
#include "engine/train/schedule.h"
#include "engine/train/trainer.h"
#include "forwarding_backend.h"

using namespace batchlab;

namespace {

// Records every event; optionally acts on the control at a given step.
class Recorder : public EventSink {
 public:
  std::vector<StepEvent> steps;
  std::vector<EvalEvent> evals;
  int started = 0;
  int finished = 0;
  RunControl* control = nullptr;
  std::int64_t stop_at = -1;
  std::int64_t pause_at = -1;
  void on_run_started(const RunStarted&) override { ++started; }
  void on_step(const StepEvent& e) override {
    steps.push_back(e);
    if (control && e.step == stop_at) control->request_stop();
    if (control && e.step == pause_at) control->pause();
  }
  void on_eval(const EvalEvent& e) override { evals.push_back(e); }
  void on_run_finished(const RunFinished&) override { ++finished; }
  void on_extension(const ExtensionEvent& e) override {
    if (const auto* d = dynamic_cast<const DeviceMemoryEvent*>(&e)) device_memory.push_back(*d);
  }
  std::vector<DeviceMemoryEvent> device_memory;
};

RunConfig small_config(const std::string& kind = "blobs") {
  RunConfig c;
  c.name = "test";
  c.seed = 7;
  c.dataset.kind = kind;
  c.dataset.samples = 600;
  c.dataset.classes = 3;
  c.dataset.noise = 0.1;
  c.model.hidden = {16};
  c.optimizer.lr = 0.05;
  c.batch.size = 32;
  c.stop.epochs = 2.0;
  c.threads = 1;
  return c;
}

struct Outcome {
  RunFinished finished;
  Recorder rec;
};

// The CPU backend dressed as an asynchronous one (the CUDA backend's contract, testable on any
// machine): once deferred, forward_backward and grad_norm2 answer NaN, and each step's real
// result is handed over only when `lag` newer steps exist, unless the caller waits.
class DeferringBackend final : public batchlab::testing::ForwardingBackend {
 public:
  DeferringBackend(std::unique_ptr<Backend> inner, int max_pending, std::size_t lag)
      : ForwardingBackend(std::move(inner)), max_pending_(max_pending), lag_(lag) {}

  std::string device_name() const override { return "deferring " + inner().device_name(); }
  void zero_grad() override {
    inner().zero_grad();
    loss_ = 0.0;
  }
  double forward_backward(float grad_scale) override {
    const double loss = inner().forward_backward(grad_scale);
    loss_ += static_cast<double>(grad_scale) * loss;
    return deferred_ ? std::nan("") : loss;
  }
  double grad_norm2() override {
    norm_ = inner().grad_norm2();
    return deferred_ ? std::nan("") : norm_;
  }
  void apply_update(double lr) override {
    inner().apply_update(lr);
    if (!deferred_) return;
    if (static_cast<int>(queue_.size()) == max_pending_)
      throw std::logic_error("DeferringBackend: the Trainer did not drain");
    StepResult r;
    r.loss = loss_;
    r.grad_norm2 = norm_;
    queue_.push_back(r);
    most_pending_ = std::max(most_pending_, queue_.size());
  }
  int enable_deferred_results() override {
    deferred_ = true;
    return max_pending_;
  }
  std::span<const StepResult> drain_steps(bool wait) override {
    const std::size_t n =
        wait ? queue_.size() : (queue_.size() > lag_ ? queue_.size() - lag_ : std::size_t{0});
    out_.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    return out_;
  }
  std::size_t most_pending() const { return most_pending_; }

 private:
  int max_pending_;
  std::size_t lag_;
  bool deferred_ = false;
  double loss_ = 0.0;
  double norm_ = 0.0;
  std::vector<StepResult> queue_, out_;
  std::size_t most_pending_ = 0;
};

// The CPU backend reporting itself as two devices, each with the whole model's accountant (what
// a backend over replicas will do per device).
class TwoDeviceBackend final : public batchlab::testing::ForwardingBackend {
 public:
  int device_count() const override { return 2; }
  const MemoryAccountant& device_memory(int device) const override {
    if (device < 0 || device > 1) throw std::logic_error("no such device");
    return inner().memory();
  }
};

// lag < 0: the plain CPU backend; otherwise a DeferringBackend around it.
Outcome run(const RunConfig& c, RunControl* control = nullptr, std::int64_t stop_at = -1,
            std::int64_t pause_at = -1, int lag = -1, int max_pending = 4,
            std::size_t* most_pending = nullptr) {
  Outcome o;
  const DatasetSplit data = load_dataset(c.dataset, c.seed);
  const std::int64_t budget =
      c.memory_budget_mb ? static_cast<std::int64_t>(*c.memory_budget_mb * 1024 * 1024) : 0;
  std::unique_ptr<Backend> backend = make_cpu_backend(c.threads, budget);
  DeferringBackend* deferring = nullptr;
  if (lag >= 0) {
    auto wrapped = std::make_unique<DeferringBackend>(std::move(backend), max_pending,
                                                      static_cast<std::size_t>(lag));
    deferring = wrapped.get();
    backend = std::move(wrapped);
  }
  o.rec.control = control;
  o.rec.stop_at = stop_at;
  o.rec.pause_at = pause_at;
  TrainerInputs in;
  in.run_id = 1;
  in.config = &c;
  in.data = &data;
  in.backend = backend.get();
  in.sink = &o.rec;
  in.control = control;
  o.finished = train(in);
  if (most_pending && deferring) *most_pending = deferring->most_pending();
  return o;
}

// The same run, step by step, whichever way its results travelled.
void compare_runs(const Outcome& sync, const Outcome& deferred) {
  QCOMPARE(deferred.finished.status, sync.finished.status);
  QCOMPARE(deferred.finished.reason, sync.finished.reason);
  QCOMPARE(deferred.finished.summary.steps, sync.finished.summary.steps);
  QCOMPARE(deferred.finished.summary.samples, sync.finished.summary.samples);
  QCOMPARE(deferred.finished.summary.diverged_step, sync.finished.summary.diverged_step);
  QCOMPARE(deferred.finished.summary.steps_to_target, sync.finished.summary.steps_to_target);
  QCOMPARE(deferred.rec.steps.size(), sync.rec.steps.size());
  for (std::size_t i = 0; i < sync.rec.steps.size(); ++i) {
    const StepEvent& a = sync.rec.steps[i];
    const StepEvent& b = deferred.rec.steps[i];
    QCOMPARE(b.step, a.step);
    QCOMPARE(b.epoch, a.epoch);
    QCOMPARE(b.samples_seen, a.samples_seen);
    QCOMPARE(b.batch_size, a.batch_size);
    QCOMPARE(b.lr, a.lr);
    QCOMPARE(b.loss, a.loss);
    QCOMPARE(b.grad_norm2, a.grad_norm2);
    QVERIFY(b.samples_per_s > 0);
  }
  QCOMPARE(deferred.rec.evals.size(), sync.rec.evals.size());
  for (std::size_t i = 0; i < sync.rec.evals.size(); ++i) {
    QCOMPARE(deferred.rec.evals[i].step, sync.rec.evals[i].step);
    QCOMPARE(deferred.rec.evals[i].train_loss, sync.rec.evals[i].train_loss);
    QCOMPARE(deferred.rec.evals[i].val_loss, sync.rec.evals[i].val_loss);
  }
}

}  // namespace

class TestTrainer : public QObject {
  Q_OBJECT

 private slots:
  // A backend over several devices: after each step's StepEvent, one DeviceMemoryEvent per
  // device reaches the sink through on_extension; a one-device backend sends none.
  void perDeviceMemoryAfterEachStep() {
    RunConfig c = small_config();
    c.stop.epochs = 1.0;
    const DatasetSplit data = load_dataset(c.dataset, c.seed);
    TwoDeviceBackend backend;
    Recorder rec;
    TrainerInputs in;
    in.run_id = 3;
    in.config = &c;
    in.data = &data;
    in.backend = &backend;
    in.sink = &rec;
    train(in);
    QVERIFY(!rec.steps.empty());
    QCOMPARE(rec.device_memory.size(), 2 * rec.steps.size());
    for (std::size_t i = 0; i < rec.steps.size(); ++i) {
      for (int d = 0; d < 2; ++d) {
        const DeviceMemoryEvent& e = rec.device_memory[2 * i + static_cast<std::size_t>(d)];
        QCOMPARE(e.run_id, std::int64_t{3});
        QCOMPARE(e.step, rec.steps[i].step);
        QCOMPARE(e.device, d);
        QCOMPARE(e.memory, rec.steps[i].memory);
      }
    }
    const Outcome one = run(c);
    QVERIFY(one.rec.device_memory.empty());
  }

  void completesTheAskedEpochs() {
    RunConfig c = small_config();
    const Outcome o = run(c);
    QCOMPARE(o.finished.status, RunStatus::completed);
    // 600 rows, 20% validation → 480 training rows → 15 batches of 32 per epoch.
    QCOMPARE(o.finished.summary.steps, 30);
    QCOMPARE(o.rec.steps.size(), std::size_t{30});
    QCOMPARE(o.rec.started, 1);
    QCOMPARE(o.rec.finished, 1);
    QCOMPARE(o.rec.evals.size(), std::size_t{2});  // every epoch
    QVERIFY(std::fabs(o.rec.steps.back().epoch - 2.0) < 1e-12);
    QCOMPARE(o.rec.steps.back().samples_seen, 960);
    QVERIFY(o.finished.summary.final_val_accuracy > 0.8);
    QVERIFY(o.finished.summary.samples_per_s_median > 0);
    QVERIFY(o.finished.summary.peak_memory_bytes > 0);
  }

  void dropLastSkipsTheShortBatch() {
    RunConfig c = small_config();
    c.batch.size = 100;  // 480 rows: 4 full batches, 80 left over
    c.batch.drop_last = true;
    c.stop.epochs = 3.0;
    const Outcome o = run(c);
    QCOMPARE(o.finished.summary.steps, 12);
    for (const auto& s : o.rec.steps) QCOMPARE(s.batch_size, 100);
    c.batch.drop_last = false;
    const Outcome kept = run(c);
    QCOMPARE(kept.finished.summary.steps, 15);
    QCOMPARE(kept.rec.steps[4].batch_size, 80);
  }

  void fullAndStochasticStrategies() {
    RunConfig c = small_config();
    c.batch.strategy = BatchStrategy::full;
    const Outcome full = run(c);
    QCOMPARE(full.finished.summary.steps, 2);
    QCOMPARE(full.rec.steps[0].batch_size, 480);
    c.batch.strategy = BatchStrategy::stochastic;
    c.stop.epochs = 0.5;
    const Outcome sgd = run(c);
    QCOMPARE(sgd.finished.summary.steps, 240);
    QCOMPARE(sgd.rec.steps[0].batch_size, 1);
  }

  void identicalLossesRunToRun() {
    const RunConfig c = small_config();
    const Outcome a = run(c);
    const Outcome b = run(c);
    QCOMPARE(a.rec.steps.size(), b.rec.steps.size());
    for (std::size_t i = 0; i < a.rec.steps.size(); ++i)
      QVERIFY2(a.rec.steps[i].loss == b.rec.steps[i].loss,
               qPrintable(QString("step %1").arg(i + 1)));
    RunConfig other = c;
    other.seed = 8;
    const Outcome d = run(other);
    QVERIFY(d.rec.steps[5].loss != a.rec.steps[5].loss);
  }

  void accumulationChangesMemoryNotTheMaths() {
    RunConfig c = small_config();
    c.batch.size = 64;
    c.batch.sampling = Sampling::fixed;
    const Outcome one = run(c);
    c.batch.accumulate = 4;
    const Outcome four = run(c);
    QCOMPARE(four.rec.steps[0].micro_batches, 4);
    QCOMPARE(four.rec.steps.size(), one.rec.steps.size());
    for (std::size_t i = 0; i < one.rec.steps.size(); ++i)
      QVERIFY2(std::fabs(one.rec.steps[i].loss - four.rec.steps[i].loss) < 1e-4,
               qPrintable(QString("step %1: %2 vs %3")
                              .arg(i + 1)
                              .arg(one.rec.steps[i].loss)
                              .arg(four.rec.steps[i].loss)));
    const auto act = [](const Outcome& o) {
      return o.rec.steps[0].memory[static_cast<int>(MemCategory::activations)];
    };
    QVERIFY2(act(four) * 3 < act(one), "activation memory should fall by about k = 4");
  }

  void hugeLearningRateDiverges() {
    RunConfig c = small_config("linear");
    c.dataset.features = 4;
    c.optimizer.lr = 1e6;
    c.optimizer.momentum = 0.0;
    c.stop.epochs = 50.0;
    const Outcome o = run(c);
    QCOMPARE(o.finished.status, RunStatus::diverged);
    QVERIFY(o.finished.summary.diverged_step.has_value());
    QCOMPARE(*o.finished.summary.diverged_step, o.finished.summary.steps);
    QVERIFY(o.finished.reason.find("step") != std::string::npos);
  }

  // An asynchronous backend (results up to `lag` steps late) gives the very same events, in the
  // same order, as a synchronous one: steps, evaluations with their train_loss, the summary.
  void deferredResultsGiveTheSameRun() {
    RunConfig c = small_config();
    c.eval.every_steps = 7;  // evaluations between epochs, while steps are pending
    const Outcome sync = run(c);
    for (int lag : {0, 2, 100}) {
      std::size_t most = 0;
      const Outcome deferred = run(c, nullptr, -1, -1, lag, 4, &most);
      compare_runs(sync, deferred);
      // Lag 100 never hands a result over unasked: the Trainer must wait at 4 pending.
      QVERIFY(most <= 4);
      if (lag == 100) QCOMPARE(most, std::size_t{4});
    }
  }

  // A NaN loss that arrives late still ends the run at the step that produced it, with the
  // steps queued after it unreported, exactly as the synchronous run reports it.
  void deferredDivergenceIsReportedAtItsStep() {
    RunConfig c = small_config("linear");
    c.dataset.features = 4;
    c.optimizer.lr = 1e6;
    c.optimizer.momentum = 0.0;
    c.stop.epochs = 50.0;
    const Outcome sync = run(c);
    QCOMPARE(sync.finished.status, RunStatus::diverged);
    const Outcome deferred = run(c, nullptr, -1, -1, 100, 3);
    compare_runs(sync, deferred);
    QCOMPARE(*deferred.finished.summary.diverged_step, deferred.finished.summary.steps);
  }

  // A train-loss target judged per step is met at the same step when results come late.
  void deferredTrainLossTargetStopsAtItsStep() {
    RunConfig c = small_config();
    c.stop.epochs = 50.0;
    c.eval.every_epochs = std::nullopt;
    c.stop.target = TargetConfig{TargetMetric::train_loss, 0.2};
    const Outcome sync = run(c);
    QCOMPARE(sync.finished.status, RunStatus::target_reached);
    const Outcome deferred = run(c, nullptr, -1, -1, 3, 8);
    compare_runs(sync, deferred);
    QCOMPARE(*deferred.finished.summary.steps_to_target, deferred.finished.summary.steps);
  }

  // Stop from another thread with results pending: every finished step is reported first.
  void deferredStopReportsPendingSteps() {
    RunConfig c = small_config();
    c.stop.epochs = 100.0;
    RunControl control;
    const Outcome o = run(c, &control, 12, -1, 100, 8);
    QCOMPARE(o.finished.status, RunStatus::stopped);
    QCOMPARE(o.finished.summary.steps, static_cast<std::int64_t>(o.rec.steps.size()));
    for (std::size_t i = 0; i < o.rec.steps.size(); ++i)
      QCOMPARE(o.rec.steps[i].step, static_cast<std::int64_t>(i + 1));
    QVERIFY(o.finished.summary.steps >= 12);
  }

  void tinyBudgetRunsOutOfMemory() {
    RunConfig c = small_config();
    c.memory_budget_mb = 0.001;
    const Outcome o = run(c);
    QCOMPARE(o.finished.status, RunStatus::out_of_memory);
    QVERIFY(o.finished.summary.oom_requested_bytes.value_or(0) > 0);
    QVERIFY(o.rec.steps.empty());
    QCOMPARE(o.rec.finished, 1);
  }

  void targetEndsTheRunEarly() {
    RunConfig c = small_config();
    c.stop.epochs = 50.0;
    c.stop.target = TargetConfig{TargetMetric::val_accuracy, 0.9};
    c.eval.every_epochs = std::nullopt;
    c.eval.every_steps = 5;
    const Outcome o = run(c);
    QCOMPARE(o.finished.status, RunStatus::target_reached);
    QVERIFY(o.finished.summary.steps_to_target.has_value());
    QCOMPARE(*o.finished.summary.steps_to_target, o.finished.summary.steps);
    QVERIFY(o.finished.summary.steps < 50 * 15);
    QVERIFY(o.rec.evals.back().val_accuracy >= 0.9);
    QVERIFY(o.finished.summary.time_to_target_s.has_value());
  }

  void maxStepsAndTimeLimit() {
    RunConfig c = small_config();
    c.stop.epochs = std::nullopt;
    c.stop.max_steps = 7;
    QCOMPARE(run(c).finished.summary.steps, 7);
    c.stop.max_steps = std::nullopt;
    c.stop.time_limit_s = 0.2;
    const Outcome t = run(c);
    QCOMPARE(t.finished.status, RunStatus::completed);
    QVERIFY(t.finished.summary.time_s >= 0.2 && t.finished.summary.time_s < 5.0);
  }

  void stopFromTheControlActsWithinOneStep() {
    RunConfig c = small_config();
    c.stop.epochs = 100.0;
    RunControl control;
    const Outcome o = run(c, &control, 40);
    QCOMPARE(o.finished.status, RunStatus::stopped);
    QCOMPARE(o.finished.summary.steps, 40);
  }

  void pauseBlocksUntilResume() {
    RunConfig c = small_config();
    RunControl control;
    std::atomic<bool> done{false};
    std::thread resumer([&] {
      while (!control.paused() && !done) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      control.resume();
    });
    const Outcome o = run(c, &control, -1, 10);
    done = true;
    resumer.join();
    QCOMPARE(o.finished.status, RunStatus::completed);
    QCOMPARE(o.finished.summary.steps, 30);
    // The pause shows as a gap in wall time between step 10 and 11.
    QVERIFY(o.rec.steps[10].wall_s - o.rec.steps[9].wall_s >= 0.25);
  }

  void samplerCoversEachRowOncePerEpoch() {
    Sampler s(10, Sampling::reshuffle, false, 3);
    std::vector<std::int64_t> buf(4);
    std::multiset<std::int64_t> seen;
    std::vector<std::int64_t> first_epoch;
    for (int b = 0; b < 3; ++b) {
      const auto n = s.next_batch(4, buf);
      QCOMPARE(n, b < 2 ? 4 : 2);
      for (std::int64_t i = 0; i < n; ++i) {
        seen.insert(buf[static_cast<std::size_t>(i)]);
        first_epoch.push_back(buf[static_cast<std::size_t>(i)]);
      }
    }
    QCOMPARE(seen.size(), std::size_t{10});
    QCOMPARE(std::set<std::int64_t>(seen.begin(), seen.end()).size(), std::size_t{10});
    QCOMPARE(s.epochs_done(), 1.0);
    std::vector<std::int64_t> second;
    for (int b = 0; b < 3; ++b) {
      const auto n = s.next_batch(4, buf);
      second.insert(second.end(), buf.begin(), buf.begin() + n);
    }
    QVERIFY2(second != first_epoch, "reshuffle draws a new order each epoch");

    Sampler fixed(5, Sampling::fixed, false, 3);
    QCOMPARE(fixed.next_batch(3, buf), 3);
    QCOMPARE(buf[0], 0);
    QCOMPARE(buf[2], 2);

    Sampler rep(5, Sampling::replacement, false, 3);
    std::vector<std::int64_t> big(5);
    std::set<std::int64_t> distinct;
    for (int i = 0; i < 10; ++i) {
      rep.next_batch(5, big);
      distinct.insert(big.begin(), big.end());
      for (auto v : big) QVERIFY(v >= 0 && v < 5);
    }
    QCOMPARE(distinct.size(), std::size_t{5});
  }

  void schedulesAndScalingRules() {
    BatchConfig b;
    b.size = 32;
    b.schedule.kind = ScheduleKind::steps;
    b.schedule.epochs = {2.0, 4.0};
    b.schedule.factor = 2.0;
    QCOMPARE(batch_size_at(b, 1.9, 10000), 32);
    QCOMPARE(batch_size_at(b, 2.0, 10000), 64);
    QCOMPARE(batch_size_at(b, 4.5, 10000), 128);
    QCOMPARE(batch_size_at(b, 4.5, 100), 100);  // never more than the data
    QCOMPARE(max_batch_size(b, 3.0, 10000), 64);
    b.schedule = {};
    b.schedule.kind = ScheduleKind::linear;
    b.schedule.to_size = 132;
    b.schedule.ramp_epochs = 4.0;
    QCOMPARE(batch_size_at(b, 2.0, 10000), 82);
    QCOMPARE(batch_size_at(b, 9.0, 10000), 132);

    OptimizerConfig opt;
    opt.lr = 0.1;
    LrScalingConfig rule;
    rule.base_batch = 64;
    QCOMPARE(lr_at(opt, rule, 256, 0.0), 0.1);
    rule.rule = LrScalingRule::sqrt;
    QVERIFY(std::fabs(lr_at(opt, rule, 256, 0.0) - 0.2) < 1e-12);
    rule.rule = LrScalingRule::linear;
    rule.warmup_epochs = 2.0;
    QVERIFY(std::fabs(lr_at(opt, rule, 256, 0.0) - 0.1) < 1e-12);
    QVERIFY(std::fabs(lr_at(opt, rule, 256, 1.0) - 0.25) < 1e-12);
    QVERIFY(std::fabs(lr_at(opt, rule, 256, 3.0) - 0.4) < 1e-12);
  }
};

QTEST_APPLESS_MAIN(TestTrainer)
#include "test_trainer.moc"
