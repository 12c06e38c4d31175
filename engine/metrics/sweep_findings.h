// defines: OutcomePoint, FastestToTarget, SweepFindings, is_measurement, sweep_findings
// What a sweep's runs say, computed once for every reader: `batchlab-cli sweep` prints it, the
// report states it, so the two cannot disagree on the same runs.
//  - Only measurements count: a run that ran out of memory, diverged, failed or is still
//    running has no throughput, memory or time-to-target point (is_measurement).
//  - The throughput knee is throughput_knee (scaling_fit.h) over the measured runs with two or
//    more steps (the first step is left out of the median, so one step says little).
//  - Fastest to the target is the batch size with the lowest *mean* time to target over its
//    repeats, among the batch sizes where every repeat reached it (a batch where only a lucky
//    repeat got there does not win); when no batch size has all its repeats there, among those
//    where any did. The count of repeats is kept so the sentence can say "3 of 3".
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "engine/core/events.h"
#include "engine/metrics/scaling_fit.h"

namespace batchlab {

struct OutcomePoint {
  double batch = 0.0;
  RunStatus status = RunStatus::completed;
  RunSummary summary;
};

struct FastestToTarget {
  double batch = 0.0;
  double mean_s = 0.0;  // mean time to target over the repeats that reached it
  int reached = 0;      // repeats at this batch size that reached the target
  int runs = 0;         // measured runs at this batch size
};

struct SweepFindings {
  std::vector<BatchPoint> throughput;       // measured runs with ≥ 2 steps: samples/s median
  std::vector<BatchPoint> steps_to_target;  // each run that reached the target
  std::vector<BatchPoint> time_to_target;
  std::optional<double> knee;
  std::optional<FastestToTarget> fastest;
};

// completed, stopped or target_reached: the run measured what it set out to.
bool is_measurement(RunStatus status);

SweepFindings sweep_findings(std::span<const OutcomePoint> runs);

}  // namespace batchlab
