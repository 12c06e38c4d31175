// defines: DebiasedEma (TensorBoard's scalar smoothing)
// An exponential moving average whose start-up bias toward zero is divided out:
//   last = w·last + (1 − w)·y;  n += 1;  smoothed = last / (1 − wⁿ)
// so the first smoothed value equals the first sample and w = 0 returns the raw series.
#pragma once

#include <cstdint>

namespace batchlab {

class DebiasedEma {
 public:
  explicit DebiasedEma(double weight = 0.6) : weight_(weight) {}

  double push(double y) {
    last_ = last_ * weight_ + (1.0 - weight_) * y;
    weight_pow_ *= weight_;
    ++count_;
    const double debias = 1.0 - weight_pow_;
    return debias > 0.0 ? last_ / debias : y;
  }
  void reset() {
    last_ = 0.0;
    weight_pow_ = 1.0;
    count_ = 0;
  }
  double weight() const { return weight_; }
  std::int64_t count() const { return count_; }

 private:
  double weight_;
  double last_ = 0.0;
  double weight_pow_ = 1.0;
  std::int64_t count_ = 0;
};

}  // namespace batchlab
