// validate_run_config: ranges and cross-field rules a JSON type check cannot see. The GUI builds
// RunConfigs directly, so every single-field range lives here too, not in the JSON reader.
#include <cmath>
#include <string>

#include "engine/core/errors.h"
#include "engine/experiment/config_io.h"

namespace batchlab {
namespace {

constexpr int kMaxLossEvery = 4096;
constexpr int kMaxReplicas = 64;

std::string num(double v) {
  std::string s = nlohmann::json(v).dump();
  return s == "null" ? "nan" : s;  // json writes non-finite numbers as null
}

bool is_cuda_device(const std::string& device) {
  if (device == "cuda") return true;
  if (!device.starts_with("cuda:") || device.size() == 5 || device.size() > 8) return false;
  for (std::size_t i = 5; i < device.size(); ++i)
    if (device[i] < '0' || device[i] > '9') return false;
  return true;
}

class Checker {
 public:
  explicit Checker(const std::string& source) : source_(source) {}

  [[noreturn]] void fail(const std::string& field, const std::string& reason) const {
    throw ConfigError(source_, field, reason);
  }
  void positive(const std::string& field, double v) const {
    if (!(std::isfinite(v) && v > 0)) fail(field, "must be greater than 0, got " + num(v));
  }
  void non_negative(const std::string& field, double v) const {
    if (!(std::isfinite(v) && v >= 0)) fail(field, "must be 0 or more, got " + num(v));
  }
  void at_least(const std::string& field, std::int64_t v, std::int64_t min) const {
    if (v < min)
      fail(field, "must be at least " + std::to_string(min) + ", got " + std::to_string(v));
  }
  void unit_interval(const std::string& field, double v) const {
    if (!(v >= 0 && v < 1)) fail(field, "must be in [0, 1), got " + num(v));
  }

 private:
  const std::string& source_;
};

void check_dataset(const Checker& c, const DatasetConfig& d) {
  const bool real = d.kind == "fashion-mnist" || d.kind == "mnist" || d.kind == "idx";
  const bool synthetic = is_synthetic_dataset(d.kind);
  if (!real && !synthetic && d.kind != "csv") {
    std::string kinds = "fashion-mnist, mnist, idx, csv";
    for (auto k : synthetic_dataset_kinds()) kinds += ", " + std::string(k);
    c.fail("dataset.kind", "unknown dataset \"" + d.kind + "\"; expected one of " + kinds);
  }
  if ((d.kind == "idx" || d.kind == "csv") && d.path.empty())
    c.fail("dataset.path", "required for a " + d.kind + " dataset");
  c.at_least("dataset.train_limit", d.train_limit, 0);
  if (d.validation_test_split && !real)
    c.fail("dataset.validation",
           "\"test\" needs a dataset with a test split (fashion-mnist, mnist, idx); use a "
           "fraction such as 0.2 for " +
               d.kind);
  if (!d.validation_test_split) c.unit_interval("dataset.validation", d.validation_fraction);
  if (synthetic) {
    c.at_least("dataset.samples", d.samples, 1);
    c.non_negative("dataset.noise", d.noise);
    c.at_least("dataset.classes", d.classes, 2);
    c.at_least("dataset.features", d.features, 1);
  }
  if (d.task != "auto" && d.task != "classification" && d.task != "regression")
    c.fail("dataset.task",
           "unknown value \"" + d.task + "\"; expected one of auto, classification, regression");
}

void check_model_and_optimizer(const Checker& c, const ModelConfig& m, const OptimizerConfig& o) {
  if (m.kind != "mlp") c.fail("model.kind", "unknown model \"" + m.kind + "\"; expected mlp");
  for (std::size_t i = 0; i < m.hidden.size(); ++i)
    c.at_least("model.hidden[" + std::to_string(i) + "]", m.hidden[i], 1);
  c.positive("optimizer.lr", o.lr);
  c.unit_interval("optimizer.momentum", o.momentum);
  if (o.kind == OptimizerKind::sgd && o.nesterov && o.momentum == 0)
    c.fail("optimizer.nesterov", "Nesterov momentum needs optimizer.momentum > 0");
  c.non_negative("optimizer.weight_decay", o.weight_decay);
  c.unit_interval("optimizer.beta1", o.beta1);
  c.unit_interval("optimizer.beta2", o.beta2);
  c.positive("optimizer.eps", o.eps);
}

void check_batch(const Checker& c, const BatchConfig& b) {
  c.at_least("batch.accumulate", b.accumulate, 1);
  if (b.strategy == BatchStrategy::mini) {
    c.at_least("batch.size", b.size, 1);
    // k micro-batches of B/k each need at least one sample.
    if (b.accumulate > b.size)
      c.fail("batch.accumulate", "cannot split a batch of " + std::to_string(b.size) + " into " +
                                     std::to_string(b.accumulate) + " micro-batches");
  }
  if (b.strategy == BatchStrategy::stochastic && b.accumulate != 1)
    c.fail("batch.accumulate", "must be 1 with the stochastic strategy (batch size 1)");
  const auto& s = b.schedule;
  if (s.kind != ScheduleKind::constant && b.strategy != BatchStrategy::mini)
    c.fail("batch.schedule.kind", "a batch-size schedule needs batch.strategy mini");
  if (s.kind == ScheduleKind::steps) {
    if (s.epochs.empty())
      c.fail("batch.schedule.epochs", "list the epochs at which the batch grows, e.g. [10, 20]");
    for (std::size_t i = 0; i < s.epochs.size(); ++i) {
      c.positive("batch.schedule.epochs[" + std::to_string(i) + "]", s.epochs[i]);
      if (i > 0 && s.epochs[i] <= s.epochs[i - 1])
        c.fail("batch.schedule.epochs", "must be in increasing order");
    }
    c.positive("batch.schedule.factor", s.factor);
  }
  if (s.kind == ScheduleKind::linear) {
    c.at_least("batch.schedule.to_size", s.to_size, 1);
    c.positive("batch.schedule.ramp_epochs", s.ramp_epochs);
  }
  c.at_least("batch.lr_scaling.base_batch", b.lr_scaling.base_batch, 1);
  c.non_negative("batch.lr_scaling.warmup_epochs", b.lr_scaling.warmup_epochs);
}

void check_stop_and_eval(const Checker& c, const RunConfig& config) {
  const auto& s = config.stop;
  const auto& e = config.eval;
  if (s.epochs) c.positive("stop.epochs", *s.epochs);
  if (s.max_steps) c.at_least("stop.max_steps", *s.max_steps, 1);
  if (s.time_limit_s) c.positive("stop.time_limit_s", *s.time_limit_s);
  if (!s.epochs && !s.max_steps && !s.time_limit_s && !s.target)
    c.fail("stop",
           "no stop criterion: set stop.epochs, stop.max_steps, stop.time_limit_s or "
           "stop.target");
  if (e.every_epochs) c.positive("eval.every_epochs", *e.every_epochs);
  if (e.every_steps) c.at_least("eval.every_steps", *e.every_steps, 1);
  if (!s.target) return;
  const auto metric = s.target->metric;
  const double value = s.target->value;
  if (metric == TargetMetric::val_accuracy && !(value > 0 && value <= 1))
    c.fail("stop.target.value", "a val_accuracy target must be in (0, 1], got " + num(value));
  if (metric != TargetMetric::val_accuracy) c.non_negative("stop.target.value", value);
  if (metric != TargetMetric::train_loss && !e.every_epochs && !e.every_steps)
    c.fail("stop.target",
           "a " + std::string(to_string(metric)) +
               " target needs evaluation: set eval.every_epochs or eval.every_steps");
  const auto& kind = config.dataset.kind;
  if (metric == TargetMetric::val_accuracy &&
      (kind == "linear" || kind == "sine" || config.dataset.task == "regression"))
    c.fail("stop.target.metric", "val_accuracy needs a classification dataset; " + kind +
                                     " is a regression task (use val_loss)");
}

void check_noise_scale(const Checker& c, const RunConfig& config) {
  const auto& n = config.noise_scale;
  if (!(n.ema >= 0 && n.ema < 1)) c.fail("noise_scale.ema", "must be in [0, 1), got " + num(n.ema));
  c.at_least("noise_scale.every", n.every, 1);
  if (!n.enabled) return;
  const auto& b = config.batch;
  // Two batch sizes are measured within one batch, so a batch must hold at least two rows.
  if (b.strategy == BatchStrategy::stochastic)
    c.fail("noise_scale.enabled",
           "the noise scale needs batches of at least 2 rows; the stochastic strategy uses 1");
  if (b.strategy == BatchStrategy::mini && b.size < 2)
    c.fail("noise_scale.enabled", "the noise scale needs batch.size of at least 2");
  if (n.method == NoiseScaleMethod::micro && b.accumulate < 2)
    c.fail("noise_scale.method",
           "micro measures a micro-batch against its accumulated batch and needs "
           "batch.accumulate of at least 2; use \"halves\" without accumulation");
  if (n.method == NoiseScaleMethod::halves && b.accumulate > 1)
    c.fail("noise_scale.method",
           "with batch.accumulate " + std::to_string(b.accumulate) +
               " use \"micro\": the micro-batches already give the two batch sizes");
}

// Every replica needs a row of the batch; a batch that does not divide evenly is fine (shards
// differ by one row and each gradient is weighted by its rows), and the run's log says so.
void check_parallel(const Checker& c, const RunConfig& config) {
  const auto& p = config.parallel;
  const auto& b = config.batch;
  c.at_least("parallel.replicas", p.replicas, 1);
  if (p.replicas > kMaxReplicas)
    c.fail("parallel.replicas", "must be at most " + std::to_string(kMaxReplicas) +
                                    " (one worker thread each), got " + std::to_string(p.replicas));
  if (p.replicas > 1 && b.strategy == BatchStrategy::stochastic)
    c.fail("parallel.replicas", "the stochastic strategy's batch of 1 row cannot be split over " +
                                    std::to_string(p.replicas) +
                                    " replicas; use batch.strategy mini");
  if (b.strategy == BatchStrategy::mini && p.replicas > b.size)
    c.fail("parallel.replicas", std::to_string(p.replicas) + " replicas cannot share a batch of " +
                                    std::to_string(b.size) +
                                    " rows: each needs at least one (raise batch.size or lower "
                                    "parallel.replicas)");
  if (p.replicas > 1 && is_cuda_device(config.device))
    c.fail("parallel.replicas",
           "replicas run on the CPU for now (device cpu); the multi-GPU path (NCCL) is not "
           "built yet");
  if (!p.devices.empty() && static_cast<int>(p.devices.size()) != p.replicas)
    c.fail("parallel.devices", "lists " + std::to_string(p.devices.size()) + " devices for " +
                                   std::to_string(p.replicas) + " replicas (one each, or none)");
  for (std::size_t i = 0; i < p.devices.size(); ++i) {
    c.at_least("parallel.devices[" + std::to_string(i) + "]", p.devices[i], 0);
    for (std::size_t j = 0; j < i; ++j)
      if (p.devices[j] == p.devices[i])
        c.fail("parallel.devices", "device " + std::to_string(p.devices[i]) + " is listed twice");
  }
}

}  // namespace

void validate_run_config(const RunConfig& config, const std::string& source) {
  const Checker c(source);
  check_dataset(c, config.dataset);
  check_model_and_optimizer(c, config.model, config.optimizer);
  check_batch(c, config.batch);
  check_stop_and_eval(c, config);
  check_noise_scale(c, config);
  check_parallel(c, config);
  const auto& device = config.device;
  if (device != "auto" && device != "cpu" && !is_cuda_device(device))
    c.fail("device", "unknown device \"" + device + "\"; expected auto, cpu, cuda or cuda:N");
  if (config.memory_budget_mb) c.positive("memory_budget_mb", *config.memory_budget_mb);
  c.at_least("threads", config.threads, 0);
  // The pending-results ring is sized from loss_every; beyond a few thousand it only adds memory.
  c.at_least("cuda.loss_every", config.cuda.loss_every, 1);
  if (config.cuda.loss_every > kMaxLossEvery)
    c.fail("cuda.loss_every", "must be at most " + std::to_string(kMaxLossEvery) + ", got " +
                                  std::to_string(config.cuda.loss_every));
}

}  // namespace batchlab
