#include "engine/train/trainer.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <vector>

#include "engine/core/errors.h"
#include "engine/core/stopwatch.h"
#include "engine/metrics/memory_model.h"
#include "engine/metrics/noise_scale.h"
#include "engine/parallel/data_parallel.h"
#include "engine/parallel/shard_split.h"
#include "engine/train/run_plan.h"
#include "engine/train/sampler.h"
#include "engine/train/schedule.h"

namespace batchlab {

MlpSpec mlp_spec_for(const RunConfig& config, const Dataset& train) {
  MlpSpec spec;
  spec.inputs = train.features;
  for (int w : config.model.hidden) spec.hidden.push_back(w);
  spec.outputs = train.outputs;
  spec.activation = config.model.activation;
  spec.init = config.model.init;
  spec.task = train.task;
  return spec;
}

namespace {

// Everything the loop needs to know about when to stop, evaluate and what it has seen so far.
class TrainLoop {
 public:
  explicit TrainLoop(const TrainerInputs& in)
      : in_(in), cfg_(*in.config), data_(*in.data), backend_(in.backend), sink_(*in.sink) {}

  RunFinished run();

 private:
  void emit_started(const MlpSpec& spec, std::int64_t max_micro);
  // Evaluates on the validation split and records the target when a val metric reaches it.
  void evaluate();
  bool target_met(double value) const;
  void record_target();
  RunFinished finish(RunStatus status, std::string reason);
  RunFinished finish_diverged(double loss);
  RunFinished finish_target();
  // Books a step whose loss is known: running statistics, the Step event, and a train-loss
  // target judged per step.
  void complete_step(StepEvent& s);
  // A ParameterSnapshotEvent after `step` when the inputs ask for one and it is due (or
  // `force`: the run's last step, so a view ends on the trained model).
  void maybe_snapshot(std::int64_t step, bool force = false);
  // Deferred results (asynchronous backends): completes the pending steps the backend has
  // finished, or all of them when `wait`. Returns the run's end when one of them diverged or
  // reached a per-step target; the run then reports that step as its last.
  std::optional<RunFinished> collect(bool wait);
  void rewind_to(const StepEvent& s) {
    step_ = s.step;
    samples_ = s.samples_seen;
    epoch_ = s.epoch;
  }
  double epochs_limit() const {
    return cfg_.stop.epochs ? *cfg_.stop.epochs : std::numeric_limits<double>::infinity();
  }

  const TrainerInputs& in_;
  const RunConfig& cfg_;
  const DatasetSplit& data_;
  // The caller's backend, or with parallel.replicas > 1 the data-parallel backend made from it.
  Backend* backend_;
  std::unique_ptr<Backend> parallel_;
  EventSink& sink_;

  Stopwatch clock_;
  double last_snapshot_s_ = -1.0;  // clock_ seconds of the last snapshot; < 0: none yet
  std::int64_t last_snapshot_step_ = -1;
  std::int64_t parameter_count_ = 0;
  std::int64_t step_ = 0;
  std::int64_t samples_ = 0;
  double epoch_ = 0.0;
  std::int64_t max_rows_ = 1;
  std::vector<std::int64_t> rows_buffer_;  // batch indices, sized once
  std::vector<float> rates_;               // samples/s per step, for the median
  double loss_since_eval_ = 0.0;
  std::int64_t steps_since_eval_ = 0;
  double last_loss_ = kNaN;
  RunSummary summary_;
  bool target_reached_ = false;
  MlpSpec spec_;
  bool prepared_ = false;  // the backend's prepare() succeeded

  // A step queued on an asynchronous backend, waiting for its loss and device timings.
  struct PendingStep {
    StepEvent event;
    double host_data_ms = 0.0;  // time spent in stage_batch on this thread
  };
  std::size_t max_pending_ = 0;    // 0: the backend reports every step at once
  std::int64_t done_samples_ = 0;  // samples_ and epoch_ as of the last completed step
  double done_epoch_ = 0.0;
  std::vector<PendingStep> pending_;  // oldest first; capacity max_pending_, reserved once
  NoiseScaleEstimator noise_;
};

// How one step's batch of n rows is cut into forward/backward passes. With accumulation: k
// micro-batches of ⌈n/k⌉. For a "halves" noise-scale measurement: ⌊n/2⌋ then the rest. The
// first pass is the small batch whose gradient norm the noise scale needs.
struct StepSplit {
  std::int64_t first = 0;  // rows in the first pass
  std::int64_t rest = 0;   // rows in each later pass (the last may be shorter)
  bool measure = false;    // read |g|² after the first pass for the noise scale
};

StepSplit split_step(std::int64_t n, int k, const NoiseScaleConfig& ns, std::int64_t step) {
  StepSplit s;
  s.first = s.rest = k > 1 ? (n + k - 1) / k : n;
  if (!ns.enabled || (ns.every > 1 && step % ns.every != 0)) return s;
  if (ns.method == NoiseScaleMethod::halves && k == 1 && n >= 2) {
    s.first = n / 2;
    s.rest = n - s.first;
  }
  s.measure = s.first < n;  // a batch too short to split gives no second batch size
  return s;
}

bool TrainLoop::target_met(double value) const {
  if (!cfg_.stop.target || !std::isfinite(value)) return false;
  return cfg_.stop.target->metric == TargetMetric::val_accuracy ? value >= cfg_.stop.target->value
                                                                : value <= cfg_.stop.target->value;
}

void TrainLoop::record_target() {
  target_reached_ = true;
  summary_.steps_to_target = step_;
  summary_.samples_to_target = samples_;
  summary_.epochs_to_target = epoch_;
  summary_.time_to_target_s = clock_.seconds();
}

void TrainLoop::evaluate() {
  EvalEvent e;
  e.run_id = in_.run_id;
  e.step = step_;
  e.epoch = epoch_;
  e.train_loss = steps_since_eval_ > 0 ? loss_since_eval_ / static_cast<double>(steps_since_eval_)
                                       : last_loss_;
  loss_since_eval_ = 0.0;
  steps_since_eval_ = 0;

  const Dataset& val = data_.val;
  if (val.rows > 0) {
    EvalTotals total;
    for (std::int64_t start = 0; start < val.rows; start += max_rows_) {
      const std::int64_t n = std::min(max_rows_, val.rows - start);
      std::iota(rows_buffer_.begin(), rows_buffer_.begin() + n, start);
      backend_->stage_batch(
          val, std::span<const std::int64_t>(rows_buffer_.data(), static_cast<std::size_t>(n)));
      const EvalTotals part = backend_->evaluate_staged();
      total.loss_sum += part.loss_sum;
      total.correct += part.correct;
      total.rows += part.rows;
    }
    e.val_loss = total.loss_sum / static_cast<double>(total.rows);
    if (val.task == Task::classification)
      e.val_accuracy = static_cast<double>(total.correct) / static_cast<double>(total.rows);
  }
  e.wall_s = clock_.seconds();

  summary_.final_val_loss = e.val_loss;
  summary_.final_val_accuracy = e.val_accuracy;
  if (std::isfinite(e.val_loss) && !(summary_.best_val_loss <= e.val_loss))
    summary_.best_val_loss = e.val_loss;
  if (std::isfinite(e.val_accuracy) && !(summary_.best_val_accuracy >= e.val_accuracy))
    summary_.best_val_accuracy = e.val_accuracy;
  sink_.on_eval(e);

  if (cfg_.stop.target && !target_reached_) {
    const TargetMetric m = cfg_.stop.target->metric;
    const double v = m == TargetMetric::val_accuracy ? e.val_accuracy
                     : m == TargetMetric::val_loss   ? e.val_loss
                                                     : e.train_loss;
    if (target_met(v)) record_target();
  }
}

void TrainLoop::emit_started(const MlpSpec& spec, std::int64_t max_micro) {
  RunStarted s;
  s.run_id = in_.run_id;
  s.sweep_id = in_.sweep_id;
  s.name = cfg_.name;
  s.config = cfg_;
  s.device = backend_->device_name();
  s.dataset_name = data_.train.name;
  s.task = data_.train.task;
  s.train_rows = data_.train.rows;
  s.val_rows = data_.val.rows;
  s.parameters = mlp_parameter_count(spec);
  const std::int64_t b0 = batch_size_at(cfg_.batch, 0.0, data_.train.rows);
  s.steps_per_epoch = Sampler::batches_per_epoch(data_.train.rows, b0, cfg_.batch.drop_last);
  // Batch-size schedules included; 0 when only time or a target bounds the run.
  s.planned_steps = plan_run(cfg_, data_.train.rows).steps;
  s.predicted = predict_mlp_memory(spec, cfg_.optimizer, max_micro);
  if (const int r = cfg_.parallel.replicas; parallel_ && r > 1) {
    // Every replica holds the whole model and activations for its shard of a micro-batch.
    const MemoryBytes one = predict_mlp_memory(spec, cfg_.optimizer, (max_micro + r - 1) / r);
    for (std::size_t c = 0; c < one.size(); ++c) s.predicted[c] = one[c] * r;
  }
  summary_.predicted_memory_bytes = total_bytes(s.predicted);
  s.device_total_bytes = backend_->device_total_bytes();
  if (s.planned_steps > 0)
    rates_.reserve(static_cast<std::size_t>(std::min<std::int64_t>(s.planned_steps, 50'000'000)));
  sink_.on_run_started(s);
  if (parallel_) {
    LogEvent log;
    log.run_id = in_.run_id;
    log.message = describe_split(b0, cfg_.batch.accumulate, cfg_.parallel.replicas);
    sink_.on_log(log);
  }
}

RunFinished TrainLoop::finish(RunStatus status, std::string reason) {
  if (prepared_ && step_ > 0 && status != RunStatus::diverged) maybe_snapshot(step_, true);
  if (parallel_ && prepared_) {
    // The caller reads the trained model from its own backend (execute_run stores it): hand the
    // replicas' parameters back, in a forward-only preparation.
    try {
      in_.backend->prepare_inference(spec_, 1, cfg_.seed);
      in_.backend->set_parameters(parallel_->parameters());
    } catch (const std::exception& e) {
      if (reason.empty()) reason = std::string("the trained model was not kept: ") + e.what();
    }
  }
  summary_.steps = step_;
  summary_.samples = samples_;
  summary_.epochs = epoch_;
  summary_.time_s = clock_.seconds();
  summary_.final_train_loss = last_loss_;
  summary_.peak_memory_bytes = backend_->memory().peak();
  // The first step pays for cold caches and thread start-up: leave it out of the median.
  if (rates_.size() > 1) {
    std::vector<float> r(rates_.begin() + 1, rates_.end());
    std::nth_element(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(r.size() / 2), r.end());
    summary_.samples_per_s_median = r[r.size() / 2];
  } else if (rates_.size() == 1) {
    summary_.samples_per_s_median = rates_[0];
  }
  RunFinished f;
  f.run_id = in_.run_id;
  f.status = status;
  f.reason = std::move(reason);
  f.summary = summary_;
  sink_.on_run_finished(f);
  return f;
}

RunFinished TrainLoop::finish_diverged(double loss) {
  summary_.diverged_step = step_;
  last_loss_ = loss;
  return finish(RunStatus::diverged,
                "the training loss became " + std::string(std::isnan(loss) ? "NaN" : "infinite") +
                    " at step " + std::to_string(step_) +
                    ": lower optimizer.lr or use a smaller batch-size scaling rule");
}

void TrainLoop::maybe_snapshot(std::int64_t step, bool force) {
  const SnapshotPolicy& p = in_.snapshots;
  if (!p.enabled || parameter_count_ > p.max_parameters || step == last_snapshot_step_) return;
  const double now = clock_.seconds();
  const double interval =
      parameter_count_ <= p.every_step_max_parameters ? 0.0 : p.min_interval_s;
  if (!force && step > 0 && interval > 0 && last_snapshot_s_ >= 0 &&
      now - last_snapshot_s_ < interval)
    return;
  ParameterSnapshotEvent e;
  e.run_id = in_.run_id;
  e.step = step;
  e.parameters = backend_->parameters();
  // Step 0 comes before clock_ restarts for the first step: its time is not the steps' clock.
  if (step > 0) last_snapshot_s_ = now;
  last_snapshot_step_ = step;
  sink_.on_extension(e);
}

RunFinished TrainLoop::finish_target() {
  const auto& t = *cfg_.stop.target;
  return finish(RunStatus::target_reached, std::string(to_string(t.metric)) + " reached " +
                                               std::to_string(t.value) + " at step " +
                                               std::to_string(step_));
}

void TrainLoop::complete_step(StepEvent& s) {
  done_samples_ = s.samples_seen;
  done_epoch_ = s.epoch;
  last_loss_ = s.loss;
  loss_since_eval_ += s.loss;
  ++steps_since_eval_;
  s.samples_per_s = s.step_ms > 0 ? static_cast<double>(s.batch_size) * 1e3 / s.step_ms : 0.0;
  rates_.push_back(static_cast<float>(s.samples_per_s));
  sink_.on_step(s);
  maybe_snapshot(s.step);
  // A backend over several devices: each one's memory too (StepEvent::memory is their sum).
  if (const int devices = backend_->device_count(); devices > 1) {
    DeviceMemoryEvent d;
    d.run_id = s.run_id;
    d.step = s.step;
    for (d.device = 0; d.device < devices; ++d.device) {
      d.memory = backend_->device_memory(d.device).current();
      sink_.on_extension(d);
    }
  }
  const auto& ev = cfg_.eval;
  if (cfg_.stop.target && cfg_.stop.target->metric == TargetMetric::train_loss && !ev.every_steps &&
      !ev.every_epochs && !target_reached_ && target_met(s.loss)) {
    record_target();  // train-loss target with no evaluation: judged per step
  }
}

std::optional<RunFinished> TrainLoop::collect(bool wait) {
  if (max_pending_ == 0 || pending_.empty()) return std::nullopt;
  const std::span<const StepResult> results = backend_->drain_steps(wait);
  if (results.size() > pending_.size() || (wait && results.size() != pending_.size()))
    throw std::logic_error("the backend returned " + std::to_string(results.size()) +
                           " step results for " + std::to_string(pending_.size()) +
                           " pending steps");
  // Each step is booked as of its own count (a target records when it was reached), then the
  // counters return to the steps queued since.
  const std::int64_t step_now = step_;
  const std::int64_t samples_now = samples_;
  const double epoch_now = epoch_;
  std::optional<RunFinished> end;
  std::size_t done = 0;
  for (const StepResult& r : results) {
    PendingStep& p = pending_[done++];
    StepEvent& s = p.event;
    rewind_to(s);
    if (!std::isfinite(r.loss)) {
      // As on a synchronous device: the diverged step counts, its samples do not, and the
      // steps queued after it are not reported.
      samples_ = done_samples_;
      epoch_ = done_epoch_;
      end = finish_diverged(r.loss);
      break;
    }
    s.loss = r.loss;
    s.grad_norm2 = r.grad_norm2;
    // Device times where the backend measured them: host times of an asynchronous step only
    // say how long queuing took.
    if (std::isfinite(r.step_ms)) {
      s.step_ms = r.step_ms;
      s.data_ms = p.host_data_ms + (std::isfinite(r.data_ms) ? r.data_ms : 0.0);
      s.compute_ms = std::isfinite(r.compute_ms) ? r.compute_ms : r.step_ms - p.host_data_ms;
    }
    complete_step(s);
    if (target_reached_) {
      end = finish_target();
      break;
    }
  }
  if (!end) {
    step_ = step_now;
    samples_ = samples_now;
    epoch_ = epoch_now;
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(done));
  return end;
}

RunFinished TrainLoop::run() {
  const Dataset& train = data_.train;
  const MlpSpec spec = mlp_spec_for(cfg_, train);
  const int k = std::max(1, cfg_.batch.accumulate);
  const std::int64_t max_batch = max_batch_size(cfg_.batch, epochs_limit(), train.rows);
  const std::int64_t max_micro = (max_batch + k - 1) / k;
  // Evaluation reuses the training buffers in chunks of the same size.
  max_rows_ = std::max<std::int64_t>(max_micro, 1);

  spec_ = spec;
  // Data-parallel: replicas of the caller's backend behind one Backend (engine/parallel/).
  std::string no_replicas;
  if (cfg_.parallel.replicas > 1) {
    try {
      parallel_ = make_data_parallel(*in_.backend, cfg_.parallel.replicas, cfg_.parallel.overlap);
      backend_ = parallel_.get();
    } catch (const std::exception& e) {
      no_replicas = e.what();
    }
  }

  try {
    noise_ = NoiseScaleEstimator(cfg_.noise_scale.ema);  // throws for an ema outside [0, 1)
    emit_started(spec, max_micro);
    if (!no_replicas.empty()) throw Error(no_replicas);
    backend_->prepare(spec, cfg_.optimizer, max_rows_, cfg_.seed);
    prepared_ = true;
    backend_->attach_data(train, data_.val);
    // The noise scale reads |g|² mid-step, which a deferred backend cannot answer without a
    // sync: measuring it keeps the backend synchronous (slower on a GPU, and said so in the docs).
    if (!cfg_.noise_scale.enabled)
      max_pending_ = static_cast<std::size_t>(std::max(0, backend_->enable_deferred_results()));
    pending_.reserve(max_pending_);
  } catch (const OutOfMemoryError& e) {
    summary_.oom_requested_bytes = e.requested;
    return finish(RunStatus::out_of_memory, e.what());
  } catch (const std::exception& e) {
    return finish(RunStatus::failed, e.what());
  }
  rows_buffer_.assign(static_cast<std::size_t>(std::max(max_batch, max_rows_)), 0);
  parameter_count_ = mlp_parameter_count(spec);
  maybe_snapshot(0);  // the start every path begins from

  Sampler sampler(train.rows, cfg_.batch.sampling, cfg_.batch.drop_last, cfg_.seed);
  const double epochs_stop = epochs_limit();
  const auto& ev = cfg_.eval;
  double next_eval_epoch =
      ev.every_epochs ? *ev.every_epochs : std::numeric_limits<double>::infinity();
  clock_.restart();

  try {
    for (;;) {
      if (in_.control) {
        if (in_.control->paused()) {
          // Show every finished step before waiting.
          if (auto end = collect(true)) return *end;
          in_.control->wait_while_paused();
        }
        if (in_.control->stop_requested()) {
          if (auto end = collect(true)) return *end;
          if (steps_since_eval_ > 0) evaluate();
          return finish(RunStatus::stopped, "stopped by the user at step " + std::to_string(step_));
        }
      }
      if (epoch_ + 1e-9 >= epochs_stop) break;
      if (cfg_.stop.max_steps && step_ >= *cfg_.stop.max_steps) break;
      if (cfg_.stop.time_limit_s && clock_.seconds() >= *cfg_.stop.time_limit_s) break;

      Stopwatch step_clock;
      const std::int64_t b = batch_size_at(cfg_.batch, epoch_, train.rows);
      const double lr = lr_at(cfg_.optimizer, cfg_.batch.lr_scaling, b, epoch_);
      const std::int64_t n = sampler.next_batch(b, rows_buffer_);
      const StepSplit split = split_step(n, k, cfg_.noise_scale, step_ + 1);
      const bool deferred = max_pending_ > 0;

      double data_ms = 0.0;
      double loss = 0.0;
      int micro_batches = 0;
      double small_norm2 = kNaN;
      backend_->zero_grad();
      for (std::int64_t start = 0; start < n;) {
        const std::int64_t m = std::min(start == 0 ? split.first : split.rest, n - start);
        Stopwatch data_clock;
        backend_->stage_batch(train, std::span<const std::int64_t>(rows_buffer_.data() + start,
                                                                   static_cast<std::size_t>(m)));
        data_ms += data_clock.millis();
        const float scale = static_cast<float>(static_cast<double>(m) / static_cast<double>(n));
        // The step's last pass: a data-parallel backend all-reduces during its backward.
        if (start + m >= n) backend_->sync_next_backward();
        const double part = backend_->forward_backward(scale);
        if (!deferred) loss += static_cast<double>(scale) * part;
        // The buffer holds scale · g_small: undo the scale to get the small batch's mean gradient.
        if (start == 0 && split.measure)
          small_norm2 = backend_->grad_norm2() / (static_cast<double>(scale) * scale);
        ++micro_batches;
        start += m;
      }
      ++step_;
      if (!deferred && !std::isfinite(loss)) return finish_diverged(loss);
      const double gn2 = backend_->grad_norm2();
      double b_simple = kNaN;
      if (split.measure) {
        b_simple = noise_.add(small_norm2, split.first, gn2, n);
        if (std::isfinite(b_simple)) summary_.b_simple = b_simple;
      }
      backend_->apply_update(lr);

      samples_ += n;
      epoch_ = sampler.epochs_done();

      StepEvent s;
      s.run_id = in_.run_id;
      s.step = step_;
      s.epoch = epoch_;
      s.samples_seen = samples_;
      s.batch_size = n;
      s.micro_batches = micro_batches;
      s.lr = lr;
      s.loss = loss;
      s.step_ms = step_clock.millis();
      s.data_ms = data_ms;
      s.compute_ms = s.step_ms - data_ms;
      s.wall_s = clock_.seconds();
      s.memory = backend_->memory().current();
      s.grad_norm2 = gn2;
      s.b_simple = b_simple;
      s.replica_batch = n;
      if (const ReplicaStep rs = backend_->replica_step(); rs.replicas > 1) {
        s.replicas = rs.replicas;
        s.replica_batch = rs.replica_batch;
        s.compute_ms = rs.compute_ms;
        s.allreduce_ms = rs.allreduce_ms;
        s.idle_ms = rs.idle_ms;
      }
      if (deferred) {
        pending_.push_back({s, data_ms});
        // Without waiting, take what the device has finished; wait only when the ring is full.
        if (auto end = collect(pending_.size() >= max_pending_)) return *end;
      } else {
        complete_step(s);
      }

      bool due = ev.every_steps && *ev.every_steps > 0 && step_ % *ev.every_steps == 0;
      if (epoch_ + 1e-9 >= next_eval_epoch) {
        due = true;
        while (next_eval_epoch <= epoch_ + 1e-9) next_eval_epoch += *ev.every_epochs;
      }
      if (due) {
        if (auto end = collect(true)) return *end;  // the evaluation's train_loss needs them all
        evaluate();
      }
      if (target_reached_) return finish_target();
    }
    if (auto end = collect(true)) return *end;
    // Make sure the final metrics describe the final weights.
    if (steps_since_eval_ > 0) evaluate();
    if (target_reached_)
      return finish(RunStatus::target_reached, "target reached at the final evaluation");
    return finish(RunStatus::completed, "");
  } catch (const OutOfMemoryError& e) {
    summary_.oom_requested_bytes = e.requested;
    return finish(RunStatus::out_of_memory, e.what());
  } catch (const std::exception& e) {
    return finish(RunStatus::failed, e.what());
  }
}

}  // namespace

RunFinished train(const TrainerInputs& in) {
  TrainLoop loop(in);
  return loop.run();
}

}  // namespace batchlab
