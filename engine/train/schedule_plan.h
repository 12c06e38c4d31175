// defines: SchedulePoint, planned_schedule
// The batch size and learning rate a run will use at each step, worked out before it starts
// (the GUI's "planned schedule" plot, drawn under the live one). It replays the Trainer's own
// Sampler, batch-size schedule, LR rule and stop criteria, so a point equals the StepEvent the
// run will emit at that step (step, epoch after the step, batch_size, lr).
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

// The plan for `config` on a training split of `train_rows` rows. Only the steps where something
// changes are listed: the first step, every step whose batch size differs from the previous
// listed point or whose lr differs from it by more than 0.1%, and the last step. Each value holds
// until the next point, so draw it as a step line. The last point's step is the planned number of
// steps. Runs bounded only by time or by a target are planned up to the schedule's last change
// (batch milestone, ramp or warmup end) plus one epoch, at least one epoch. Time and targets are
// not foreseeable, so a run may stop before the plan ends. Empty when train_rows < 1.
std::vector<SchedulePoint> planned_schedule(const RunConfig& config, std::int64_t train_rows);

}  // namespace batchlab
