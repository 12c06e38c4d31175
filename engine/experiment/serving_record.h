// defines: RunKind, run_kind_name, parse_run_kind, ServingPointRow, ServingWindowRow,
//          InferenceRow, best_serving_point, serving_summary_json, inference_summary_json
// What the store keeps of inference and serving (schema v6): a run of kind `inference` (one
// `batchlab-cli infer` or the Inference window's batch sweep) holds one InferenceRow per batch
// size; a run of kind `serving` (one `serve`, or one serving sweep) holds one ServingPointRow
// per simulation (a setting at one offered rate) and the report windows each simulation saw.
// Plain values with no engine/serve types, so the store does not depend on the simulator;
// engine/serve/serve_store.h converts its results to these rows.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace batchlab {

// What a run measured. `train` runs hold steps and evals; the others hold rows of their own.
enum class RunKind { train, inference, serving };

std::string_view run_kind_name(RunKind k);                // "train", "inference", "serving"
std::optional<RunKind> parse_run_kind(std::string_view s);

struct ServingPointRow {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  int point = 0;              // 0, 1, … in the order they ran
  std::string mode;           // "realtime", "fixed", "dynamic", "adaptive"
  double rate = 0.0;          // offered, requests per second
  std::int64_t max_batch = 0;
  double max_delay_ms = 0.0;
  double objective_ms = 0.0;  // the p99 objective it was judged against; 0: none
  std::int64_t arrived = 0, served = 0, dropped = 0, rejected = 0, unfinished = 0;
  double throughput = 0.0;    // served per second
  double p50_ms = kNaN, p90_ms = kNaN, p99_ms = kNaN, max_ms = kNaN;
  double mean_ms = kNaN, mean_wait_ms = kNaN, mean_compute_ms = kNaN;
  double mean_batch = kNaN;
  double utilization = 0.0;
  bool saturated = false;
  double saturated_at = 0.0;  // req/s it kept up with when saturated
  std::int64_t settled_limit = 0;  // adaptive
  bool meets_objective = false;
  bool best = false;  // the best point of its run under the objective (best_under_objective)
  std::vector<std::int64_t> batch_histogram;  // [n]: batches of n requests (index 0 unused)
  std::int64_t lost() const { return dropped + rejected + unfinished; }
};

// One report window of one simulation (ServeWindowEvent): the time series the live plots drew.
struct ServingWindowRow {
  int point = 0;
  double t_s = 0.0;
  double throughput = 0.0;
  double p50_ms = 0.0, p99_ms = 0.0;
  double mean_batch = 0.0;
  std::int64_t queue_depth = 0;
  std::int64_t batch_limit = 0;
};

// One batch size of offline inference (InferPoint).
struct InferenceRow {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::int64_t batch_size = 0;
  bool fits = true;
  std::string error;  // what was refused when it did not fit
  std::int64_t rows = 0;
  std::int64_t timed_batches = 0;
  double samples_per_s = kNaN;
  double step_ms = kNaN;
  double accuracy = kNaN;
  double mse = kNaN;
  std::int64_t memory_bytes = 0;     // measured
  std::int64_t predicted_bytes = 0;  // the memory model's
};

// The row marked best, if any.
const ServingPointRow* best_serving_point(const std::vector<ServingPointRow>& points);

// What such a run keeps in runs.summary (in place of a training run's RunSummary), so a list of
// runs shows each one's headline without reading its rows:
//   serving:   {"kind": "serving", "points": 6, "objective_ms": 10, "max_throughput": 7900,
//               "saturated_points": 2, "best": {"mode", "max_batch", "max_delay_ms", "rate",
//               "throughput", "p99_ms"} or null, "max_batches": [lo, hi]}
//   inference: {"kind": "inference", "batch_sizes": [1, 1024], "best_samples_per_s": …,
//               "best_batch": 1024, "peak_memory_bytes": …, "accuracy": …}
std::string serving_summary_json(const std::vector<ServingPointRow>& points);
std::string inference_summary_json(const std::vector<InferenceRow>& rows);

}  // namespace batchlab
