#include "engine/train/schedule.h"

#include <algorithm>
#include <cmath>

namespace batchlab {
namespace {

std::int64_t base_size(const BatchConfig& batch, std::int64_t rows) {
  switch (batch.strategy) {
    case BatchStrategy::full:
      return rows;
    case BatchStrategy::stochastic:
      return 1;
    case BatchStrategy::mini:
      return batch.size;
  }
  return batch.size;
}

}  // namespace

std::int64_t batch_size_at(const BatchConfig& batch, double epoch, std::int64_t rows) {
  const std::int64_t b0 = base_size(batch, rows);
  double b = static_cast<double>(b0);
  if (batch.strategy == BatchStrategy::mini) {
    const auto& s = batch.schedule;
    if (s.kind == ScheduleKind::steps) {
      for (double milestone : s.epochs)
        if (epoch + 1e-9 >= milestone) b *= s.factor;
    } else if (s.kind == ScheduleKind::linear && s.to_size > 0) {
      const double t = s.ramp_epochs > 0 ? std::clamp(epoch / s.ramp_epochs, 0.0, 1.0) : 1.0;
      b = static_cast<double>(b0) + t * static_cast<double>(s.to_size - b0);
    }
  }
  return std::clamp<std::int64_t>(std::llround(b), 1, std::max<std::int64_t>(rows, 1));
}

std::int64_t max_batch_size(const BatchConfig& batch, double epochs, std::int64_t rows) {
  std::int64_t best = batch_size_at(batch, 0.0, rows);
  const auto& s = batch.schedule;
  if (batch.strategy == BatchStrategy::mini && s.kind == ScheduleKind::steps) {
    for (double milestone : s.epochs)
      if (milestone < epochs) best = std::max(best, batch_size_at(batch, milestone, rows));
  } else if (batch.strategy == BatchStrategy::mini && s.kind == ScheduleKind::linear) {
    best = std::max(best, batch_size_at(batch, std::min(epochs, s.ramp_epochs), rows));
  }
  return best;
}

double lr_at(const OptimizerConfig& opt, const LrScalingConfig& scaling, std::int64_t b,
             double epoch) {
  const double ratio =
      static_cast<double>(b) / static_cast<double>(std::max<std::int64_t>(scaling.base_batch, 1));
  switch (scaling.rule) {
    case LrScalingRule::none:
      return opt.lr;
    case LrScalingRule::sqrt:
      return opt.lr * std::sqrt(ratio);
    case LrScalingRule::linear: {
      const double target = opt.lr * ratio;
      if (scaling.warmup_epochs > 0 && epoch < scaling.warmup_epochs)
        return opt.lr + (target - opt.lr) * (epoch / scaling.warmup_epochs);
      return target;
    }
  }
  return opt.lr;
}

}  // namespace batchlab
