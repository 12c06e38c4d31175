#include "engine/train/run_plan.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

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

RunPlan plan_run(const RunConfig& config, std::int64_t train_rows) {
  RunPlan plan;
  if (train_rows < 1) return plan;
  plan.bounded = config.stop.epochs.has_value() || config.stop.max_steps.has_value();
  double epochs_stop = std::numeric_limits<double>::infinity();
  if (config.stop.epochs)
    epochs_stop = *config.stop.epochs;
  else if (!config.stop.max_steps)
    epochs_stop = open_ended_epochs(config);

  // The Trainer's own sampler arithmetic (short tails, drop_last, a batch that grows mid-epoch);
  // the order of the rows does not change the counts, so no epoch is shuffled.
  Sampler sampler(train_rows, Sampling::fixed, config.batch.drop_last, config.seed);
  std::map<std::int64_t, std::int64_t> per_batch;
  double epoch = 0.0;
  SchedulePoint last;
  std::int64_t samples = 0;
  for (std::int64_t step = 0;;) {
    // The Trainer's stop tests, in its order.
    if (epoch + 1e-9 >= epochs_stop) break;
    if (config.stop.max_steps && step >= *config.stop.max_steps) break;
    const std::int64_t b = batch_size_at(config.batch, epoch, train_rows);
    const double lr = lr_at(config.optimizer, config.batch.lr_scaling, b, epoch);
    const std::int64_t n = sampler.skip_batch(b);
    if (n <= 0) break;  // cannot happen with rows ≥ 1; guards an endless loop
    epoch = sampler.epochs_done();
    samples += n;
    ++per_batch[n];
    last = {++step, epoch, n, lr};
    const auto& points = plan.points;
    const bool changed = points.empty() || n != points.back().batch_size ||
                         std::fabs(lr - points.back().lr) > 1e-3 * std::fabs(points.back().lr);
    if (changed) plan.points.push_back(last);
  }
  if (!plan.points.empty() && plan.points.back().step != last.step) plan.points.push_back(last);
  if (plan.bounded) {
    plan.steps = last.step;
    plan.samples = samples;
    plan.epochs = epoch;
    for (const auto& [batch, steps] : per_batch) plan.batches.push_back({batch, steps});
  }
  return plan;
}

}  // namespace batchlab
