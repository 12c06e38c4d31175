// defines: ServeSweepPoint, ServeSweepResult, run_serve_sweep, best_under_objective
// A serving sweep: every setting (mode × max batch × max delay) at every offered rate, one
// simulation each against the same ServiceTimes, giving the latency–throughput curve of each
// setting. The best setting under the objective is the point of highest throughput whose p99
// meets it with nothing lost (no drop, reject or unfinished request) and no saturation; within
// 1 % of that throughput, the setting that met it at more of the rates tried, then the lower p99.
// Axes a mode ignores collapse: realtime runs once per rate, fixed once per max batch.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "engine/serve/serve_result.h"
#include "engine/serve/serving_config.h"
#include "engine/serve/serving_sim.h"

namespace batchlab {

struct ServeSweepPoint {
  BatchMode mode = BatchMode::dynamic;
  double rate = 0.0;
  std::int64_t max_batch = 1;
  double max_delay_s = 0.0;
  ServeResult result;
  bool meets_objective = false;
};

struct ServeSweepResult {
  std::vector<ServeSweepPoint> points;  // setting by setting, rates ascending within each
  double objective_s = 0.0;             // 0: none given, so no best
  std::optional<std::size_t> best;      // index into points
  bool stopped = false;
};

// `base` supplies the workload, batcher and clock; the grid's non-empty axes replace its rate,
// mode, max batch and max delay. `on_point` sees each point as it ends; observers.sink also
// gets a ServeSweepPointEvent per point.
ServeSweepResult run_serve_sweep(const ServeOptions& base, const ServeSweepGrid& grid,
                                 ServiceTimes& service, const ServeObservers& observers = {},
                                 const std::function<void(const ServeSweepPoint&)>& on_point = {});

// The index of the best point under `objective_s` (see above), if any point meets it.
std::optional<std::size_t> best_under_objective(const std::vector<ServeSweepPoint>& points,
                                                double objective_s);

}  // namespace batchlab
