#include "engine/metrics/time_fit.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "engine/core/errors.h"

// GCC 12's false -Wmaybe-uninitialized in its own avx512fintrin.h (see backend/cpu/eigen_core.h).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/Dense>
#pragma GCC diagnostic pop

namespace batchlab {
namespace {

struct Solution {
  std::array<double, 3> coef{};                           // α, β, γ
  double cost = std::numeric_limits<double>::infinity();  // Σ ((T̂ − T)/T)²
};

// Least squares with only the columns in `mask` (bit 0: α, 1: β, 2: γ), the others held at 0.
// The rows are already weighted (divided by T), so the right-hand side is all ones.
Solution solve_subset(const Eigen::MatrixXd& design, unsigned mask) {
  std::vector<int> cols;
  for (int c = 0; c < 3; ++c)
    if (mask & (1u << c)) cols.push_back(c);
  Eigen::MatrixXd a(design.rows(), static_cast<Eigen::Index>(cols.size()));
  Eigen::VectorXd scale(a.cols());
  for (Eigen::Index j = 0; j < a.cols(); ++j) {
    // Unit-norm columns: B and 1/B differ by up to 10⁷ across a sweep.
    scale(j) = design.col(cols[static_cast<std::size_t>(j)]).norm();
    a.col(j) = design.col(cols[static_cast<std::size_t>(j)]) / scale(j);
  }
  const Eigen::VectorXd ones = Eigen::VectorXd::Ones(design.rows());
  const Eigen::VectorXd x = a.colPivHouseholderQr().solve(ones);
  Solution s;
  for (Eigen::Index j = 0; j < a.cols(); ++j)
    s.coef[static_cast<std::size_t>(cols[static_cast<std::size_t>(j)])] = x(j) / scale(j);
  s.cost = (a * x - ones).squaredNorm();
  return s;
}

}  // namespace

std::optional<double> TimeToTargetFit::fastest_batch() const {
  if (beta > 0.0 && gamma > 0.0) return std::sqrt(beta / gamma);
  return std::nullopt;
}

TimeToTargetFit fit_time_to_target(std::span<const BatchPoint> points) {
  const auto [used, batches] = fit_points(
      points, 3,
      "cannot fit T = α + β/B + γ·B to time-to-target: it needs times at three or more batch "
      "sizes");

  // Rows weighted by 1/T: minimising Σ (T̂/T − 1)² is least squares on the relative error.
  Eigen::MatrixXd design(static_cast<Eigen::Index>(used.size()), 3);
  for (std::size_t i = 0; i < used.size(); ++i) {
    const auto row = static_cast<Eigen::Index>(i);
    const double b = used[i].batch;
    const double t = used[i].value;
    design(row, 0) = 1.0 / t;
    design(row, 1) = 1.0 / (b * t);
    design(row, 2) = b / t;
  }
  // All seven supports, widest first: the best feasible one is the non-negative optimum (the
  // optimum's support solved without constraints gives the optimum itself).
  Solution best;
  for (unsigned mask = 7; mask >= 1; --mask) {
    const Solution s = solve_subset(design, mask);
    const bool feasible =
        std::all_of(s.coef.begin(), s.coef.end(), [](double c) { return c >= 0; });
    if (feasible && s.cost < best.cost) best = s;
  }

  // A term that nowhere contributes a billionth of the time is round-off (γ ≈ 1e-17 from data
  // with no per-sample cost), not a measurement: it is 0, or B* = √(β/γ) would be 10¹⁰.
  double largest_term[3] = {0, 0, 0};
  for (const auto& p : used) {
    const double t = best.coef[0] + best.coef[1] / p.batch + best.coef[2] * p.batch;
    largest_term[0] = std::max(largest_term[0], best.coef[0] / t);
    largest_term[1] = std::max(largest_term[1], best.coef[1] / p.batch / t);
    largest_term[2] = std::max(largest_term[2], best.coef[2] * p.batch / t);
  }
  for (std::size_t c = 0; c < 3; ++c)
    if (largest_term[c] < 1e-9) best.coef[c] = 0.0;

  TimeToTargetFit fit;
  fit.alpha = best.coef[0];
  fit.beta = best.coef[1];
  fit.gamma = best.coef[2];
  fit.points_used = static_cast<int>(used.size());
  fit.batch_sizes = static_cast<int>(batches.size());
  fit.smallest_batch = batches.front();
  fit.largest_batch = batches.back();
  double mean = 0;
  for (const auto& p : used) mean += p.value;
  mean /= static_cast<double>(used.size());
  double ss_res = 0, ss_tot = 0;
  for (const auto& p : used) {
    const double r = p.value - fit.time_at(p.batch);
    ss_res += r * r;
    ss_tot += (p.value - mean) * (p.value - mean);
  }
  fit.r2 = ss_tot > 0 ? 1.0 - ss_res / ss_tot : (ss_res <= 1e-12 * mean * mean ? 1.0 : 0.0);
  return fit;
}

}  // namespace batchlab
