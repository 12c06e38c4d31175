#include "engine/metrics/noise_scale.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace batchlab {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Two significant figures: an estimate this noisy deserves no more ("180", "18", "3.5").
std::string rounded(double v) {
  char text[32];
  if (v >= 10) {
    const double unit = std::pow(10.0, std::floor(std::log10(v)) - 1);
    std::snprintf(text, sizeof text, "%.0f", std::round(v / unit) * unit);
  } else {
    std::snprintf(text, sizeof text, "%.2g", v);
  }
  return text;
}

}  // namespace

NoiseScaleSample noise_scale_sample(double small_norm2, std::int64_t b_small, double big_norm2,
                                    std::int64_t b_big) {
  if (b_small < 1 || b_big <= b_small)
    throw std::invalid_argument("noise_scale_sample: needs 1 <= b_small < b_big");
  const auto bs = static_cast<double>(b_small);
  const auto bb = static_cast<double>(b_big);
  NoiseScaleSample s;
  s.g2 = (bb * big_norm2 - bs * small_norm2) / (bb - bs);
  s.trace_sigma = (small_norm2 - big_norm2) / (1.0 / bs - 1.0 / bb);
  return s;
}

NoiseScaleEstimator::NoiseScaleEstimator(double ema) : ema_(ema) {
  if (!(ema >= 0.0 && ema < 1.0))
    throw std::invalid_argument("NoiseScaleEstimator: ema must be in [0, 1)");
}

double NoiseScaleEstimator::add(double small_norm2, std::int64_t b_small, double big_norm2,
                                std::int64_t b_big) {
  if (b_small < 1 || b_big <= b_small) return b_simple();
  if (!std::isfinite(small_norm2) || !std::isfinite(big_norm2)) return b_simple();
  const NoiseScaleSample s = noise_scale_sample(small_norm2, b_small, big_norm2, b_big);
  g2_avg_ = ema_ * g2_avg_ + (1.0 - ema_) * s.g2;
  trace_avg_ = ema_ * trace_avg_ + (1.0 - ema_) * s.trace_sigma;
  weight_ = ema_ * weight_ + (1.0 - ema_);
  ++samples_;
  return b_simple();
}

double NoiseScaleEstimator::b_simple() const {
  if (samples_ == 0 || !(g2_avg_ > 0.0) || !(trace_avg_ > 0.0)) return kNaN;
  return trace_avg_ / g2_avg_;
}

double NoiseScaleEstimator::g2() const {
  return samples_ == 0 ? kNaN : g2_avg_ / weight_;
}

double NoiseScaleEstimator::trace_sigma() const {
  return samples_ == 0 ? kNaN : trace_avg_ / weight_;
}

void NoiseScaleEstimator::reset() {
  g2_avg_ = trace_avg_ = weight_ = 0.0;
  samples_ = 0;
}

std::string noise_scale_hint(double b_simple, std::int64_t current_batch) {
  if (!std::isfinite(b_simple) || b_simple <= 0.0) return {};
  const std::string head = "B_simple ≈ " + rounded(b_simple) + ": ";
  const std::string batch = std::to_string(current_batch);
  const double ratio = static_cast<double>(current_batch) / b_simple;
  if (ratio >= 2.0)
    return head + "batches far above this buy little progress per example (batch " + batch +
           " is " + rounded(ratio) + "× larger; a smaller batch would need fewer examples)";
  if (ratio <= 0.5)
    return head + "batch " + batch +
           " is well below it, so a larger batch would make almost proportionally more progress "
           "per step at little extra cost in examples";
  return head + "batch " + batch +
         " is near it, a good balance between the number of steps and the number of examples";
}

}  // namespace batchlab
