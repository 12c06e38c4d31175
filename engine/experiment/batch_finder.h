// defines: FinderMode, BatchFinderOptions, BatchTrial, BatchFinderResult, find_batch_size
// The batch-size finder (DESIGN §3, like Lightning's scale_batch_size). `power` doubles the batch
// from an initial size until a trial runs out of memory (the memory budget or the real device);
// `binsearch` then bisects between the last success and the first failure. When the initial size
// already fails, both halve it until one fits. Each trial builds a fresh Backend, prepares it for
// the batch (accumulation 1: the batch is what one forward/backward pass holds) and runs a few
// real training steps, measuring samples/s; the backend is destroyed before the next trial, so a
// real out-of-memory error leaves the device usable. The batch never exceeds the training rows.
// Threading: runs on the caller's thread; `control` (optional) stops it between steps.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/core/events.h"
#include "engine/core/memory_category.h"
#include "engine/core/run_config.h"
#include "engine/core/run_control.h"
#include "engine/data/dataset.h"

namespace batchlab {

enum class FinderMode { power, binsearch };
std::string_view to_string(FinderMode mode);
std::optional<FinderMode> parse_finder_mode(std::string_view text);

struct BatchFinderOptions {
  FinderMode mode = FinderMode::power;
  std::int64_t initial = 1;  // the first batch tried (clamped to [1, training rows])
  int steps = 3;             // timed steps per trial, after one untimed warm-up step
  // Overrides config.memory_budget_mb in the find_batch_size overload that builds backends.
  std::optional<double> budget_mb;
};

struct BatchTrial {
  std::int64_t batch = 0;
  bool fits = false;
  double samples_per_s = kNaN;  // median of the timed steps; NaN when it did not fit
  // The backend's accountant: its peak when the trial fit; when it did not, what it held when
  // the allocation of requested_bytes more was refused.
  std::int64_t measured_peak_bytes = 0;
  std::int64_t predicted_bytes = 0;  // the memory model's total for this batch
  MemoryBytes measured{};  // by category after the steps (a refused prepare() keeps nothing)
  MemoryBytes predicted{};
  std::int64_t requested_bytes = 0;  // the allocation refused (out of memory only)
  std::string error;                 // the out-of-memory message; empty when it fit
};

struct BatchFinderResult {
  std::vector<BatchTrial> trials;     // in the order they ran
  std::int64_t largest_fit = 0;       // 0: not even batch 1 fits
  std::int64_t smallest_failure = 0;  // 0: nothing tried ran out of memory
  std::int64_t best_throughput_batch = 0;
  double best_samples_per_s = kNaN;
  // largest_fit is every training row: memory was not the limit, the dataset was.
  bool limited_by_dataset = false;
  bool stopped = false;  // the control asked to stop before the search ended
  std::int64_t train_rows = 0;
  std::int64_t budget_bytes = 0;  // 0: no budget (the device's own limit)
  std::string device;
};

using BackendFactory = std::function<std::unique_ptr<Backend>()>;
using TrialCallback = std::function<void(const BatchTrial&)>;

// Searches with backends from `make` (each carries its own budget, if any) on `data.train`.
// Throws what a trial throws other than OutOfMemoryError (a data or device error).
BatchFinderResult find_batch_size(const RunConfig& config, const DatasetSplit& data,
                                  const BatchFinderOptions& options, const BackendFactory& make,
                                  const TrialCallback& on_trial = {},
                                  RunControl* control = nullptr);

// Validates the config, loads its dataset and builds backends from its device string with
// options.budget_mb (else config.memory_budget_mb) as the budget. Throws ConfigError, DataError
// or Error for bad input, before any trial runs.
BatchFinderResult find_batch_size(const RunConfig& config, const BatchFinderOptions& options,
                                  const TrialCallback& on_trial = {}, RunControl* control = nullptr,
                                  const std::string& source = "config");

}  // namespace batchlab
