// defines: RunStatus, RunStarted, StepEvent, EvalEvent, LogEvent, RunSummary, RunFinished
// The plain structs the Trainer emits (DESIGN §2). Field names match the JSONL keys and the
// store's columns.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/memory_category.h"
#include "engine/core/run_config.h"

namespace batchlab {

enum class RunStatus {
  running,
  completed,
  stopped,
  target_reached,
  diverged,
  out_of_memory,
  failed,
  interrupted  // left `running` by a process that died; set by the store at the next open
};
std::string_view to_string(RunStatus s);
std::optional<RunStatus> parse_run_status(std::string_view text);

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct RunStarted {
  std::int64_t run_id = 0;
  std::int64_t sweep_id = 0;  // the stored sweep this run belongs to; 0: none
  std::string name;
  RunConfig config;
  std::string device;        // "cpu (Eigen, 2 threads)", "cuda:0 NVIDIA H100 ..."
  std::string dataset_name;  // "spirals (2000 × 2, 2 classes)"
  Task task = Task::classification;
  std::int64_t train_rows = 0;
  std::int64_t val_rows = 0;
  std::int64_t parameters = 0;
  std::int64_t steps_per_epoch = 0;     // at the starting batch size
  std::int64_t planned_steps = 0;       // 0: unknown (time or target stop only)
  MemoryBytes predicted{};              // the memory model for the largest micro-batch
  std::int64_t device_total_bytes = 0;  // 0: unknown
};

struct StepEvent {
  std::int64_t run_id = 0;
  std::int64_t step = 0;  // 1-based count of updates
  double epoch = 0.0;     // fractional epochs completed after this step
  std::int64_t samples_seen = 0;
  std::int64_t batch_size = 0;
  int micro_batches = 1;
  double lr = 0.0;
  double loss = 0.0;           // mean training loss of this step's batch
  double samples_per_s = 0.0;  // this step alone
  double step_ms = 0.0;
  double data_ms = 0.0;
  double compute_ms = 0.0;   // data-parallel: the slowest replica's forward + backward
  double wall_s = 0.0;       // since the run started
  MemoryBytes memory{};      // every device together
  double grad_norm2 = kNaN;  // |g|² of the update's gradient
  double b_simple = kNaN;    // gradient noise scale, when measured
  // Data-parallel training (engine/parallel/): one replica is a single device.
  int replicas = 1;
  std::int64_t replica_batch = 0;  // the busiest replica's rows of this step's batch
  double allreduce_ms = 0.0;       // gradient all-reduce not hidden behind compute
  double idle_ms = 0.0;            // replicas waiting for the slowest one, and waking
};

struct EvalEvent {
  std::int64_t run_id = 0;
  std::int64_t step = 0;
  double epoch = 0.0;
  double val_loss = kNaN;
  double val_accuracy = kNaN;  // classification only
  double train_loss = kNaN;    // mean training loss since the previous evaluation
  double wall_s = 0.0;
};

enum class LogLevel { info, warning, error };

struct LogEvent {
  std::int64_t run_id = 0;
  LogLevel level = LogLevel::info;
  std::string message;
};

struct RunSummary {
  std::int64_t steps = 0;
  std::int64_t samples = 0;
  double epochs = 0.0;
  double time_s = 0.0;
  double samples_per_s_median = kNaN;
  std::int64_t peak_memory_bytes = 0;
  // The memory model's total for this run (RunStarted.predicted summed), so a stored run can be
  // set against the model without reloading its data. 0: never started.
  std::int64_t predicted_memory_bytes = 0;
  double final_train_loss = kNaN;
  double final_val_loss = kNaN;
  double final_val_accuracy = kNaN;
  double best_val_loss = kNaN;
  double best_val_accuracy = kNaN;
  double b_simple = kNaN;  // the last gradient noise scale measured (noise_scale.enabled)
  // Set when a stop target was reached.
  std::optional<std::int64_t> steps_to_target;
  std::optional<std::int64_t> samples_to_target;
  std::optional<double> epochs_to_target;
  std::optional<double> time_to_target_s;
  std::optional<std::int64_t> diverged_step;        // diverged: the step whose loss was NaN/Inf
  std::optional<std::int64_t> oom_requested_bytes;  // out_of_memory: the allocation refused
};

struct RunFinished {
  std::int64_t run_id = 0;
  RunStatus status = RunStatus::completed;
  std::string reason;  // a sentence for a person; empty for completed
  RunSummary summary;
};

}  // namespace batchlab
