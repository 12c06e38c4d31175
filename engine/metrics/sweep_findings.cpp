#include "engine/metrics/sweep_findings.h"

#include <cmath>
#include <map>

namespace batchlab {

bool is_measurement(RunStatus status) {
  return status == RunStatus::completed || status == RunStatus::stopped ||
         status == RunStatus::target_reached;
}

SweepFindings sweep_findings(std::span<const OutcomePoint> runs) {
  SweepFindings f;
  struct AtBatch {
    int runs = 0;
    int reached = 0;
    double sum_s = 0.0;
  };
  std::map<double, AtBatch> by_batch;  // ascending batch: ties go to the smaller batch
  for (const OutcomePoint& r : runs) {
    if (!is_measurement(r.status) || !(r.batch > 0.0)) continue;
    const RunSummary& s = r.summary;
    AtBatch& at = by_batch[r.batch];
    ++at.runs;
    if (s.steps >= 2 && std::isfinite(s.samples_per_s_median) && s.samples_per_s_median > 0.0)
      f.throughput.push_back({r.batch, s.samples_per_s_median});
    if (s.steps_to_target)
      f.steps_to_target.push_back({r.batch, static_cast<double>(*s.steps_to_target)});
    if (s.time_to_target_s && std::isfinite(*s.time_to_target_s)) {
      f.time_to_target.push_back({r.batch, *s.time_to_target_s});
      ++at.reached;
      at.sum_s += *s.time_to_target_s;
    }
  }
  f.knee = throughput_knee(f.throughput);

  const auto pick = [&](bool every_repeat) {
    std::optional<FastestToTarget> best;
    for (const auto& [batch, at] : by_batch) {
      if (at.reached == 0 || (every_repeat && at.reached < at.runs)) continue;
      const double mean = at.sum_s / at.reached;
      if (!best || mean < best->mean_s) best = FastestToTarget{batch, mean, at.reached, at.runs};
    }
    return best;
  };
  f.fastest = pick(true);
  if (!f.fastest) f.fastest = pick(false);
  return f;
}

}  // namespace batchlab
