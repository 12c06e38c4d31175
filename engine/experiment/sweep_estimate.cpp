#include "engine/experiment/sweep_estimate.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/core/errors.h"
#include "engine/core/stopwatch.h"
#include "engine/data/load_dataset.h"
#include "engine/experiment/run_executor.h"
#include "engine/experiment/sweep_config.h"
#include "engine/train/run_plan.h"
#include "engine/train/trainer.h"

namespace batchlab {
namespace {

// Times one calibration trial: step times after the first, when set-up ended and how long the
// final evaluation took. Storage is reserved up front: on_step stays allocation-free.
class TrialTimer final : public EventSink {
 public:
  explicit TrialTimer(int steps) { step_ms_.reserve(static_cast<std::size_t>(steps) + 1); }
  void on_run_started(const RunStarted&) override { started_s_ = clock_.seconds(); }
  void on_step(const StepEvent& e) override {
    if (e.step == 1)
      prepare_s_ = clock_.seconds() - e.step_ms * 1e-3 - started_s_;
    else if (step_ms_.size() < step_ms_.capacity())
      step_ms_.push_back(e.step_ms);
    last_step_s_ = clock_.seconds();
  }
  void on_eval(const EvalEvent&) override { eval_s_ = clock_.seconds() - last_step_s_; }

  // Median of the timed steps, in seconds; NaN when none.
  double step_seconds() {
    if (step_ms_.empty()) return kNaN;
    auto mid = step_ms_.begin() + static_cast<std::ptrdiff_t>(step_ms_.size() / 2);
    std::nth_element(step_ms_.begin(), mid, step_ms_.end());
    return *mid * 1e-3;
  }
  double prepare_s() const { return prepare_s_; }
  double eval_s() const { return eval_s_; }

 private:
  Stopwatch clock_;
  std::vector<double> step_ms_;
  double started_s_ = 0.0;
  double prepare_s_ = 0.0;
  double last_step_s_ = 0.0;
  double eval_s_ = kNaN;
};

}  // namespace

StepTimeModel fit_step_time(std::span<const StepTimeSample> samples) {
  StepTimeModel m;
  for (const auto& s : samples)
    if (s.batch > 0 && std::isfinite(s.seconds) && s.seconds > 0) m.samples.push_back(s);
  if (m.samples.empty()) return m;

  double sw = 0, sb = 0, st = 0;
  for (const auto& s : m.samples) {
    const double w = 1.0 / (s.seconds * s.seconds);
    sw += w;
    sb += w * static_cast<double>(s.batch);
    st += w * s.seconds;
  }
  const double b_mean = sb / sw, t_mean = st / sw;
  double sbb = 0, sbt = 0;
  for (const auto& s : m.samples) {
    const double w = 1.0 / (s.seconds * s.seconds);
    const double db = static_cast<double>(s.batch) - b_mean;
    sbb += w * db * db;
    sbt += w * db * (s.seconds - t_mean);
  }
  double c = sbb > 0 ? sbt / sbb : kNaN;
  double t0 = t_mean - c * b_mean;
  if (!std::isfinite(c) || t0 < 0) {
    // Through the origin: c = Σw·t·B / Σw·B².
    double num = 0, den = 0;
    for (const auto& s : m.samples) {
      const double w = 1.0 / (s.seconds * s.seconds), b = static_cast<double>(s.batch);
      num += w * s.seconds * b;
      den += w * b * b;
    }
    t0 = 0.0;
    c = num / den;
  } else if (c < 0) {
    t0 = t_mean;
    c = 0.0;
  }
  m.overhead_s = t0;
  m.per_sample_s = c;
  return m;
}

StepTimeModel calibrate_step_time(const SweepConfig& sweep, const CalibrationOptions& options) {
  const auto plans = expand_sweep(sweep);
  const RunConfig& first = plans.front().config;
  Stopwatch load_clock;
  const DatasetSplit data = load_dataset(first.dataset, first.seed, "sweep");
  const double load_s = load_clock.seconds();

  std::vector<std::int64_t> sizes;
  for (const auto& p : plans)
    // drop_last with B > rows forms no batch at all; execute_run refuses such a run.
    if (!(p.config.batch.drop_last && p.batch_size > data.train.rows))
      sizes.push_back(p.batch_size);
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());

  std::vector<StepTimeSample> samples;
  std::vector<std::int64_t> timed;
  double prepare_s = 0.0, eval_row_s = kNaN;
  // The smallest, then the largest that fits, walking down from the top on out-of-memory.
  std::vector<std::int64_t> order;
  if (!sizes.empty()) order.push_back(sizes.front());
  for (auto it = sizes.rbegin(); it != sizes.rend() && sizes.size() > 1; ++it)
    if (*it != sizes.front()) order.push_back(*it);
  for (std::size_t i = 0; i < order.size() && samples.size() < 2; ++i) {
    if (options.control && options.control->stop_requested()) break;
    const auto plan = std::find_if(plans.begin(), plans.end(),
                                   [&](const SweepRunPlan& p) { return p.batch_size == order[i]; });
    RunConfig c = plan->config;
    c.stop = StopConfig{};
    c.stop.epochs.reset();
    c.stop.max_steps = options.steps + 1;  // + the warm-up step
    c.stop.time_limit_s = options.seconds_cap;
    c.eval = EvalConfig{};
    c.eval.every_epochs.reset();  // the Trainer still evaluates once at the end: timed too
    std::unique_ptr<Backend> backend = make_backend(c);
    TrialTimer timer(options.steps);
    TrainerInputs in;
    in.config = &c;
    in.data = &data;
    in.backend = backend.get();
    in.sink = &timer;
    in.control = options.control;
    const RunFinished f = train(in);
    if (f.status == RunStatus::out_of_memory) continue;  // try the next smaller size
    if (f.status == RunStatus::failed)
      throw Error("calibrating at batch size " + std::to_string(order[i]) + ": " + f.reason);
    const double t = timer.step_seconds();
    if (!std::isfinite(t)) continue;
    samples.push_back({order[i], t});
    timed.push_back(order[i]);
    prepare_s = std::max(prepare_s, timer.prepare_s());
    if (data.val.rows > 0 && std::isfinite(timer.eval_s()))
      eval_row_s = timer.eval_s() / static_cast<double>(data.val.rows);
  }

  StepTimeModel m = fit_step_time(samples);
  m.setup_s = load_s + prepare_s;
  m.eval_row_s = eval_row_s;
  m.train_rows = data.train.rows;
  m.val_rows = data.val.rows;
  m.basis = std::to_string(options.steps) + " steps at B=";
  for (std::size_t i = 0; i < timed.size(); ++i)
    m.basis += (i ? " and B=" : "") + std::to_string(timed[i]);
  if (timed.empty()) m.basis = "no calibration step completed";
  return m;
}

RunEstimate estimate_run(const RunConfig& config, const StepTimeModel& model) {
  RunEstimate r;
  const std::int64_t rows = model.train_rows;
  const auto& stop = config.stop;
  r.bounded = stop.epochs || stop.max_steps || stop.time_limit_s;
  if (rows <= 0 || !r.bounded) return r;

  // Steps and step time from the run's own plan, so that batch-size schedules are followed.
  const RunPlan plan = plan_run(config, rows);
  r.steps = plan.steps;
  r.samples = plan.samples;
  const double epochs_run = plan.epochs;
  double step_s = 0.0;
  if (model.known())
    for (const BatchSteps& bs : plan.batches)
      step_s += static_cast<double>(bs.steps) * model.step_seconds(bs.batch);
  if (!model.known()) return r;

  // Evaluations: the scheduled ones plus the final one the Trainer always makes.
  std::int64_t evals = 1;
  if (config.eval.every_epochs)
    evals += static_cast<std::int64_t>(std::floor(epochs_run / *config.eval.every_epochs + 1e-9));
  if (config.eval.every_steps) evals += r.steps / *config.eval.every_steps;
  const double row_s =
      std::isfinite(model.eval_row_s) ? model.eval_row_s : model.per_sample_s / 3.0;
  const double eval_s = static_cast<double>(evals) * static_cast<double>(model.val_rows) * row_s;

  double train_s = r.steps > 0 ? step_s + eval_s : std::numeric_limits<double>::infinity();
  if (stop.time_limit_s) train_s = std::min(train_s, *stop.time_limit_s);
  r.seconds = model.setup_s + train_s;
  return r;
}

SweepEstimate estimate_sweep(std::span<const SweepRunPlan> runs, const StepTimeModel& model) {
  SweepEstimate est;
  double total = 0.0;
  for (const auto& p : runs) {
    est.runs.push_back(estimate_run(p.config, model));
    total += est.runs.back().seconds;  // NaN poisons the total, as documented
  }
  est.total_s = runs.empty() ? 0.0 : total;
  return est;
}

}  // namespace batchlab
