// defines: NoiseScaleSample, noise_scale_sample, NoiseScaleEstimator, noise_scale_hint
// The gradient noise scale of McCandlish et al. 2018, appendix A (DESIGN §3). For a batch of B
// examples drawn from the data, E|G_B|² = |G|² + tr(Σ)/B, where G is the true gradient and Σ the
// per-example gradient covariance. Two squared norms measured at B_small < B_big therefore give
// unbiased estimates of both:
//   |G|²  ≈ (B_big·|G_big|² − B_small·|G_small|²) / (B_big − B_small)
//   tr(Σ) ≈ (|G_small|² − |G_big|²) / (1/B_small − 1/B_big)
// Each single estimate is very noisy, so the estimator keeps an exponential moving average of
// each and reports B_simple = EMA(tr Σ) / EMA(|G|²) (a ratio of averages, not an average of
// ratios). B_simple approximates the critical batch size: batches well below it make progress
// almost in proportion to their size, batches well above it waste examples.
// Plain arithmetic, no allocation: safe to call inside the step loop.
#pragma once

#include <cstdint>
#include <string>

namespace batchlab {

// One pair of measurements turned into unbiased (single-sample) estimates.
struct NoiseScaleSample {
  double g2 = 0.0;           // |G|²
  double trace_sigma = 0.0;  // tr(Σ)
};

// Requires 1 ≤ b_small < b_big (throws std::invalid_argument otherwise).
NoiseScaleSample noise_scale_sample(double small_norm2, std::int64_t b_small, double big_norm2,
                                    std::int64_t b_big);

class NoiseScaleEstimator {
 public:
  // ema ∈ [0, 1): weight of the past in each moving average; 0 keeps only the latest sample.
  explicit NoiseScaleEstimator(double ema = 0.95);

  // Adds one measurement (squared gradient norms of the mean-loss gradient at two batch sizes)
  // and returns b_simple(). A pair with b_small ≥ b_big (a batch too short to split) is ignored.
  double add(double small_norm2, std::int64_t b_small, double big_norm2, std::int64_t b_big);

  // EMA(tr Σ) / EMA(|G|²); NaN until at least one sample was added and while either average is
  // not positive (early on, noise can make the |G|² estimate negative).
  double b_simple() const;
  // The bias-corrected moving averages (as if started from the first sample, like Adam's).
  double g2() const;
  double trace_sigma() const;
  std::int64_t samples() const { return samples_; }
  void reset();

 private:
  double ema_;
  double g2_avg_ = 0.0;  // both start at 0; their shared bias cancels in the ratio
  double trace_avg_ = 0.0;
  double weight_ = 0.0;  // 1 − ema^samples: the bias correction
  std::int64_t samples_ = 0;
};

// A plain-words reading of B_simple against the current batch, for the GUI and the CLI:
//   "B_simple ≈ 180: batches far above this buy little progress per example (batch 1024 is 5.7×
//    larger)" and its variants for a batch well below or near it. Empty when b_simple is not
// a positive finite number.
std::string noise_scale_hint(double b_simple, std::int64_t current_batch);

}  // namespace batchlab
