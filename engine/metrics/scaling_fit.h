// defines: BatchPoint, FitPoints, fit_points, ScalingFit, fit_steps_to_target, steps_model,
// examples_model,
//          throughput_knee, BatchAggregate, aggregate_by_batch
// The sweep-summary maths (DESIGN §3, McCandlish et al. 2018; Shallue et al. 2019):
//
//   steps to target     S(B) = S_min · (1 + B_noise / B)
//   examples to target  E(B) = E_min · (1 + B / B_noise),   E_min = S_min · B_noise
//
// S is linear in the parameters a = S_min and b = S_min·B_noise: S = a + b·(1/B). So the fit is
// linear least squares on the design [1, 1/B], solved in closed form, and B_noise = b / a. By
// default each point is weighted by 1/S² — least squares on the relative error — because
// steps-to-target span orders of magnitude across a sweep and an unweighted fit lets the
// small-batch points (largest S) decide everything. Since the model is linear in (a, b), this
// weighted solve is exactly what Gauss-Newton on the relative error converges to (in one step),
// so no iteration is needed.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace batchlab {

// One measurement at one batch size: steps-to-target for the fit, samples/s for the knee, any
// metric for aggregate_by_batch.
struct BatchPoint {
  double batch = 0.0;  // B
  double value = 0.0;
};

// The points a fit can use — finite, positive batch and value — and their distinct batch sizes,
// ascending. Throws Error "<need>, got N (M usable points); runs that never reached the target
// have none" when fewer than `min_batch_sizes` distinct batch sizes are left; `need` says what
// the fit wanted ("cannot fit …: it needs … at two or more batch sizes").
struct FitPoints {
  std::vector<BatchPoint> used;
  std::vector<double> batches;
};
FitPoints fit_points(std::span<const BatchPoint> points, std::size_t min_batch_sizes,
                     const std::string& need);

enum class FitWeighting {
  relative,  // minimise Σ ((Ŝ − S)/S)²  (default)
  absolute,  // minimise Σ (Ŝ − S)²
};

struct ScalingFit {
  double s_min = 0.0;    // the fewest steps any batch size can need
  double b_noise = 0.0;  // the critical batch size: S(B_noise) = 2·S_min
  double r2 = 0.0;  // 1 − Σ(S − Ŝ)² / Σ(S − S̄)², on the steps themselves (unweighted)
  int points_used = 0;  // points with a finite, positive batch and step count
  int batch_sizes = 0;  // distinct batch sizes among them
  FitWeighting weighting = FitWeighting::relative;

  double e_min() const { return s_min * b_noise; }  // fewest examples
  double steps_at(double batch) const { return s_min * (1.0 + b_noise / batch); }
  double examples_at(double batch) const { return e_min() * (1.0 + batch / b_noise); }
};

// Fits S_min and B_noise to (B, steps-to-target) points. Points with a non-finite or non-positive
// batch or step count are skipped (a run that never reached its target has no steps-to-target).
// Repeats at one batch size are separate points. Throws Error when fewer than two distinct batch
// sizes are usable, or when the best fit is not a diminishing-returns curve: steps that do not fall
// with B (S_min·B_noise < 0) or fall as fast as 1/B or faster over the whole range (S_min ≤ 0,
// B_noise beyond the largest batch). Each message says which, in words a person can act on.
ScalingFit fit_steps_to_target(std::span<const BatchPoint> steps_to_target,
                               FitWeighting weighting = FitWeighting::relative);

// The two curves of DESIGN §3, for drawing and for reports.
inline double steps_model(double s_min, double b_noise, double batch) {
  return s_min * (1.0 + b_noise / batch);
}
inline double examples_model(double e_min, double b_noise, double batch) {
  return e_min * (1.0 + batch / b_noise);
}

// Mean and spread of one metric over repeats at each batch size (error bars).
struct BatchAggregate {
  double batch = 0.0;
  double mean = 0.0;
  double std = 0.0;  // sample standard deviation (n − 1); 0 for a single value
  double min = 0.0;
  double max = 0.0;
  int count = 0;  // finite values at this batch size
};
// Groups (batch, value) pairs by batch, ascending; non-finite values are left out, and a batch
// size with none left is not listed.
std::vector<BatchAggregate> aggregate_by_batch(std::span<const BatchPoint> values);

// The knee of the throughput curve: the smallest batch size whose throughput (mean over repeats)
// is within `tolerance` of the best one, i.e. ≥ (1 − tolerance)·max. Beyond it larger batches buy
// little speed per sample for their memory. Chosen over a curvature criterion because it needs
// no smoothing, is stable under timing noise and says in one sentence what it means. nullopt
// when no point has a finite, positive throughput (value = samples/s).
std::optional<double> throughput_knee(std::span<const BatchPoint> throughput,
                                      double tolerance = 0.10);

}  // namespace batchlab
