// defines: SchedulePoint, BatchSteps, RunPlan, plan_run, planned_schedule
// What a run will do, worked out before it starts: its steps, samples and epochs, the batch size
// and learning rate at each step. It is the one source for every "how long" in the project: the
// Trainer's RunStarted.planned_steps (progress bars and ETAs in the window and the CLI), the
// sweep's time estimate (experiment/sweep_estimate.h) and the GUI's planned-schedule plot. It
// replays the Trainer's own Sampler arithmetic, batch-size schedule, LR rule and stop criteria,
// so a point equals the StepEvent the run will emit at that step (step, epoch after the step,
// batch_size, lr), batch-size schedules included.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/core/run_config.h"

namespace batchlab {

struct SchedulePoint {
  std::int64_t step = 0;        // 1-based, as StepEvent.step
  double epoch = 0.0;           // fractional epochs completed after this step, as StepEvent.epoch
  std::int64_t batch_size = 0;  // rows in this step's batch (an epoch's short tail included)
  double lr = 0.0;
};

// How many planned steps ran at one batch size (an epoch's short tail counts at its own size).
struct BatchSteps {
  std::int64_t batch = 0;
  std::int64_t steps = 0;
};

struct RunPlan {
  // Only the steps where something changes: the first step, every step whose batch size differs
  // from the previous listed point or whose lr differs from it by more than 0.1%, and the last
  // step. Each value holds until the next point, so draw it as a step line.
  std::vector<SchedulePoint> points;
  // True when epochs or max_steps bound the run: steps, samples and epochs below are then what
  // the run does unless time, a target, a divergence or the user stops it first. False (time or
  // target only): they are 0, and `points` covers the schedule's last change (batch milestone,
  // ramp or warm-up end) plus one epoch, at least one epoch, for the plot alone.
  bool bounded = false;
  std::int64_t steps = 0;
  std::int64_t samples = 0;
  double epochs = 0.0;
  std::vector<BatchSteps> batches;  // ascending batch size; Σ steps = steps
};

// The plan for `config` on a training split of `train_rows` rows. Empty (bounded false, no
// points) when train_rows < 1. Cost: a few nanoseconds per planned step, no row indices drawn.
RunPlan plan_run(const RunConfig& config, std::int64_t train_rows);

// plan_run(...).points: the planned-schedule plot's line.
inline std::vector<SchedulePoint> planned_schedule(const RunConfig& config,
                                                   std::int64_t train_rows) {
  return plan_run(config, train_rows).points;
}

}  // namespace batchlab
