// defines: RunConfig, DatasetConfig, ModelConfig, OptimizerConfig, BatchConfig,
//          BatchScheduleConfig, LrScalingConfig, StopConfig, TargetConfig, EvalConfig,
//          NoiseScaleConfig, CudaConfig, ParallelConfig (the config and its parts), Task,
//          Activation, Init, OptimizerKind, BatchStrategy, Sampling, ScheduleKind, LrScalingRule,
//          TargetMetric, NoiseScaleMethod (the enums they use), to_string, parse_enum, enum_names
//          (the enums' names as written in JSON), is_synthetic_dataset
// Plain structs: the Trainer reads them and never reaches up into experiment/ (DESIGN §1).
// JSON reading and writing, with validation, lives in experiment/config_io.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace batchlab {

enum class Task { classification, regression };
enum class Activation { relu, tanh, sigmoid, gelu };
enum class Init { he, xavier };
enum class OptimizerKind { sgd, adam };
enum class BatchStrategy { full, mini, stochastic };
enum class Sampling { reshuffle, fixed, replacement };
enum class ScheduleKind { constant, steps, linear };
enum class LrScalingRule { none, linear, sqrt };
enum class TargetMetric { val_accuracy, val_loss, train_loss };
enum class NoiseScaleMethod { micro, halves };

struct DatasetConfig {
  // "fashion-mnist", "mnist", "idx", "csv", or a synthetic set: blobs, moons, circles, spirals,
  // xor, checkerboard, linear, sine.
  std::string kind = "spirals";
  std::string path;                    // IDX folder or CSV file; fashion-mnist defaults to Debian's
  std::int64_t train_limit = 0;        // 0: every training row
  bool validation_test_split = false;  // true: the dataset's own test split ("test")
  double validation_fraction = 0.2;    // used when validation_test_split is false
  bool standardize = true;
  // Synthetic generators.
  std::int64_t samples = 2000;
  double noise = 0.1;
  int classes = 2;
  int features = 2;  // blobs and linear only; the others are 2-D
  // CSV.
  std::string target;         // column name or 0-based index as text; empty: last column
  std::string task = "auto";  // auto | classification | regression
};

struct ModelConfig {
  std::string kind = "mlp";
  std::vector<int> hidden = {64, 64};
  Activation activation = Activation::relu;
  Init init = Init::he;
};

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::sgd;
  double lr = 0.05;
  double momentum = 0.9;
  bool nesterov = false;
  double weight_decay = 0.0;
  double beta1 = 0.9;  // Adam
  double beta2 = 0.999;
  double eps = 1e-8;
};

struct BatchScheduleConfig {
  ScheduleKind kind = ScheduleKind::constant;
  std::vector<double> epochs;  // steps: the epochs at which B is multiplied by factor
  double factor = 2.0;
  std::int64_t to_size = 0;  // linear: B ramps from batch.size to to_size over ramp_epochs
  double ramp_epochs = 0.0;
};

struct LrScalingConfig {
  LrScalingRule rule = LrScalingRule::none;
  std::int64_t base_batch = 64;
  double warmup_epochs = 0.0;
};

struct BatchConfig {
  BatchStrategy strategy = BatchStrategy::mini;
  std::int64_t size = 64;  // the effective batch B an update sees
  Sampling sampling = Sampling::reshuffle;
  bool drop_last = false;
  int accumulate = 1;  // k micro-batches of B/k: changes memory, not the maths
  BatchScheduleConfig schedule;
  LrScalingConfig lr_scaling;
};

struct TargetConfig {
  TargetMetric metric = TargetMetric::val_accuracy;
  double value = 0.0;
};

struct StopConfig {
  std::optional<double> epochs = 5.0;
  std::optional<std::int64_t> max_steps;
  std::optional<double> time_limit_s;
  std::optional<TargetConfig> target;
};

struct EvalConfig {
  std::optional<double> every_epochs = 1.0;
  std::optional<std::int64_t> every_steps;
};

// Live gradient noise scale (DESIGN §3, McCandlish et al. 2018 appendix A). Off by default: a
// disabled estimator costs the step loop nothing.
struct NoiseScaleConfig {
  bool enabled = false;
  // micro: |G_small|² from the first micro-batch, |G_big|² from the accumulated batch (needs
  // batch.accumulate ≥ 2). halves: without accumulation, a measured step's batch is processed as
  // two halves (the update is unchanged) and the first half gives |G_small|².
  NoiseScaleMethod method = NoiseScaleMethod::halves;
  double ema = 0.95;       // smoothing of |G|² and tr(Σ), in [0, 1); 0: no smoothing
  std::int64_t every = 1;  // measure every N-th step
};

// Switches of the CUDA backend; the CPU backend ignores them.
struct CudaConfig {
  bool tf32 = false;          // TF32 tensor-core GEMMs: faster, ~1e-3 relative rounding
  bool graphs = true;         // replay forward + backward as one CUDA graph per batch size
  int loss_every = 16;        // the host waits for the device's losses at least every N steps
  bool resident_data = true;  // copy the dataset to the device once; gather batches there
};

// Data-parallel training (engine/parallel/): each step's batch, every micro-batch of it, is split
// over `replicas` replicas, each with its own backend; their gradients are all-reduced and one
// update follows, so the maths is the single-device run's at the same global batch.
struct ParallelConfig {
  int replicas = 1;
  // Reduce each layer's gradient while earlier layers still compute their backward pass; off:
  // reduce after the whole backward (to show what the overlap gains).
  bool overlap = true;
  // GPU indices, one per replica, for the multi-GPU path (not built yet); the CPU ignores them.
  std::vector<int> devices;
};

struct RunConfig {
  std::string name;
  std::uint64_t seed = 1;
  DatasetConfig dataset;
  ModelConfig model;
  OptimizerConfig optimizer;
  BatchConfig batch;
  StopConfig stop;
  EvalConfig eval;
  NoiseScaleConfig noise_scale;
  std::string device = "auto";  // auto | cpu | cuda | cuda:N
  std::optional<double> memory_budget_mb;
  int threads = 0;  // CPU threads for the Eigen backend; 0: all cores
  CudaConfig cuda;
  ParallelConfig parallel;
};

// Names as written in config JSON and shown in the GUI. parse_* return nullopt for unknown text.
std::string_view to_string(Task v);
std::string_view to_string(Activation v);
std::string_view to_string(Init v);
std::string_view to_string(OptimizerKind v);
std::string_view to_string(BatchStrategy v);
std::string_view to_string(Sampling v);
std::string_view to_string(ScheduleKind v);
std::string_view to_string(LrScalingRule v);
std::string_view to_string(TargetMetric v);
std::string_view to_string(NoiseScaleMethod v);

template <typename E>
std::optional<E> parse_enum(std::string_view text);
// The accepted names of an enum, for error messages and GUI choosers ("relu, tanh, ...").
template <typename E>
std::vector<std::string_view> enum_names();

// True for the built-in synthetic generators.
bool is_synthetic_dataset(std::string_view kind);
const std::vector<std::string_view>& synthetic_dataset_kinds();

}  // namespace batchlab
