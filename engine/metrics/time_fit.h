// defines: TimeToTargetFit, fit_time_to_target
// Wall time to target against batch size, and the batch size that gets there first.
//
// Two models meet here. Steps to target follow S(B) = S_min(1 + B_noise/B) (scaling_fit.h), and a
// step takes t(B) = t₀ + c·B (sweep_estimate.h: a fixed cost per update plus a cost per sample).
// The time to target is their product, which expands to three terms:
//
//   T(B) = S(B)·t(B) = α + β/B + γ·B,   α = S_min(t₀ + c·B_noise),  β = S_min·B_noise·t₀,
//                                        γ = S_min·c
//
// β/B is the small-batch cost (many steps, each paying t₀), γ·B the large-batch cost (S_min steps,
// each paying for B samples), α what every batch size pays. T is linear in (α, β, γ), so the fit
// is weighted linear least squares on the design [1, 1/B, B] — no iteration, no starting guess —
// rather than fitting the four physical parameters, which T alone cannot separate. Weights are
// 1/T² (least squares on the relative error) for the reason the steps fit gives: times span
// orders of magnitude across a sweep and unweighted the slowest points would decide everything.
// All three coefficients are ≥ 0 by construction; when the unconstrained solution has a negative
// one, every subset of the three with the others fixed at 0 is solved and the best feasible one
// kept (exact non-negative least squares for three unknowns).
//
// dT/dB = γ − β/B² = 0 gives the fastest batch size B* = √(β/γ), with T(B*) = α + 2√(βγ).
#pragma once

#include <optional>
#include <span>

#include "engine/metrics/scaling_fit.h"

namespace batchlab {

struct TimeToTargetFit {
  double alpha = 0.0;  // seconds every batch size pays
  double beta = 0.0;   // seconds·samples: the small-batch term β/B
  double gamma = 0.0;  // seconds per sample: the large-batch term γ·B
  double r2 = 0.0;  // 1 − Σ(T − T̂)² / Σ(T − T̄)², on the times themselves (unweighted)
  int points_used = 0;          // points with a finite, positive batch and time
  int batch_sizes = 0;          // distinct batch sizes among them
  double smallest_batch = 0.0;  // the measured range, so a caller can tell an extrapolated B*
  double largest_batch = 0.0;

  double time_at(double batch) const { return alpha + beta / batch + gamma * batch; }
  // B* = √(β/γ) when β > 0 and γ > 0. None when γ = 0 (larger batches are always faster, as far
  // as the fit knows) or β = 0 (smaller ones are): the fit has no interior minimum.
  std::optional<double> fastest_batch() const;
};

// Fits α, β, γ ≥ 0 to (B, time-to-target in seconds) points. Points with a non-finite or
// non-positive batch or time are skipped (a run that never reached its target has none); repeats
// at one batch size are separate points. Throws Error when fewer than three distinct batch sizes
// are usable: three terms need three batch sizes.
TimeToTargetFit fit_time_to_target(std::span<const BatchPoint> time_to_target);

}  // namespace batchlab
