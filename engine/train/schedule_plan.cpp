#include "engine/train/schedule_plan.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/train/sampler.h"
#include "engine/train/schedule.h"

namespace batchlab {
namespace {

// Epochs to plan when neither stop.epochs nor stop.max_steps bounds the run.
double open_ended_epochs(const RunConfig& config) {
  double last_change = 0.0;
  const auto& s = config.batch.schedule;
  if (s.kind == ScheduleKind::steps && !s.epochs.empty())
    last_change = *std::max_element(s.epochs.begin(), s.epochs.end());
  if (s.kind == ScheduleKind::linear) last_change = std::max(last_change, s.ramp_epochs);
  if (config.batch.lr_scaling.rule == LrScalingRule::linear)
    last_change = std::max(last_change, config.batch.lr_scaling.warmup_epochs);
  return std::ceil(last_change) + 1.0;
}

}  // namespace

std::vector<SchedulePoint> planned_schedule(const RunConfig& config, std::int64_t train_rows) {
  std::vector<SchedulePoint> points;
  if (train_rows < 1) return points;
  double epochs_stop = std::numeric_limits<double>::infinity();
  if (config.stop.epochs)
    epochs_stop = *config.stop.epochs;
  else if (!config.stop.max_steps)
    epochs_stop = open_ended_epochs(config);
  const std::int64_t max_batch = max_batch_size(config.batch, epochs_stop, train_rows);

  // The Trainer's own sampler: its epoch arithmetic (short tails, drop_last) is the plan's.
  Sampler sampler(train_rows, config.batch.sampling, config.batch.drop_last, config.seed);
  std::vector<std::int64_t> rows(static_cast<std::size_t>(max_batch));
  double epoch = 0.0;
  SchedulePoint last;
  for (std::int64_t step = 0;;) {
    if (epoch + 1e-9 >= epochs_stop) break;
    if (config.stop.max_steps && step >= *config.stop.max_steps) break;
    const std::int64_t b = batch_size_at(config.batch, epoch, train_rows);
    const double lr = lr_at(config.optimizer, config.batch.lr_scaling, b, epoch);
    const std::int64_t n = sampler.next_batch(b, rows);
    if (n <= 0) break;  // cannot happen with rows ≥ 1; guards an endless loop
    epoch = sampler.epochs_done();
    last = {++step, epoch, n, lr};
    const bool changed = points.empty() || n != points.back().batch_size ||
                         std::fabs(lr - points.back().lr) > 1e-3 * std::fabs(points.back().lr);
    if (changed) points.push_back(last);
  }
  if (!points.empty() && points.back().step != last.step) points.push_back(last);
  return points;
}

}  // namespace batchlab
