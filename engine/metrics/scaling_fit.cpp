#include "engine/metrics/scaling_fit.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/core/errors.h"

namespace batchlab {
namespace {

bool usable(const BatchPoint& p) {
  return std::isfinite(p.batch) && p.batch > 0 && std::isfinite(p.value) && p.value > 0;
}

std::string batch_text(double b) {
  const double r = std::round(b);
  return std::fabs(b - r) < 1e-9 ? std::to_string(static_cast<long long>(r)) : std::to_string(b);
}

}  // namespace

FitPoints fit_points(std::span<const BatchPoint> points, std::size_t min_batch_sizes,
                     const std::string& need) {
  FitPoints out;
  for (const auto& p : points)
    if (usable(p)) out.used.push_back(p);
  for (const auto& p : out.used) out.batches.push_back(p.batch);
  std::sort(out.batches.begin(), out.batches.end());
  out.batches.erase(std::unique(out.batches.begin(), out.batches.end()), out.batches.end());
  if (out.batches.size() < min_batch_sizes)
    throw Error(need + ", got " + std::to_string(out.batches.size()) + " (" +
                std::to_string(out.used.size()) + " usable point" +
                (out.used.size() == 1 ? "" : "s") +
                "); runs that never reached the target have none");
  return out;
}

ScalingFit fit_steps_to_target(std::span<const BatchPoint> points, FitWeighting weighting) {
  const auto [used, batches] = fit_points(
      points, 2,
      "cannot fit S = S_min(1 + B_noise/B): it needs steps-to-target at two or more batch sizes");

  // Weighted least squares for S = a + b·x with x = 1/B, centred on the weighted means so that
  // x values of very different size do not cancel in the normal equations.
  double sw = 0, sx = 0, sy = 0;
  for (const auto& p : used) {
    const double w = weighting == FitWeighting::relative ? 1.0 / (p.value * p.value) : 1.0;
    sw += w;
    sx += w / p.batch;
    sy += w * p.value;
  }
  const double x_mean = sx / sw, y_mean = sy / sw;
  double sxx = 0, sxy = 0;
  for (const auto& p : used) {
    const double w = weighting == FitWeighting::relative ? 1.0 / (p.value * p.value) : 1.0;
    const double dx = 1.0 / p.batch - x_mean;
    sxx += w * dx * dx;
    sxy += w * dx * (p.value - y_mean);
  }
  const double b = sxy / sxx;            // S_min·B_noise; sxx > 0 with two distinct batch sizes
  const double a = y_mean - b * x_mean;  // S_min

  const std::string range =
      "from B=" + batch_text(batches.front()) + " to B=" + batch_text(batches.back());
  if (b < 0)
    throw Error(
        "cannot fit S = S_min(1 + B_noise/B): steps-to-target do not fall as the batch "
        "grows (" +
        range +
        "), so every batch size is past the critical batch and B_noise is below the "
        "smallest one; add smaller batch sizes");
  if (a <= 0)
    throw Error(
        "cannot fit S = S_min(1 + B_noise/B): steps-to-target fall as fast as 1/B or "
        "faster (" +
        range +
        "), perfect scaling throughout, so B_noise is beyond the largest batch; add "
        "larger batch sizes");

  ScalingFit fit;
  fit.s_min = a;
  fit.b_noise = b / a;
  fit.points_used = static_cast<int>(used.size());
  fit.batch_sizes = static_cast<int>(batches.size());
  fit.weighting = weighting;
  double mean = 0;
  for (const auto& p : used) mean += p.value;
  mean /= static_cast<double>(used.size());
  double ss_res = 0, ss_tot = 0;
  for (const auto& p : used) {
    const double r = p.value - fit.steps_at(p.batch);
    ss_res += r * r;
    ss_tot += (p.value - mean) * (p.value - mean);
  }
  // Equal step counts everywhere are fitted exactly by B_noise = 0.
  fit.r2 = ss_tot > 0 ? 1.0 - ss_res / ss_tot : (ss_res <= 1e-12 * mean * mean ? 1.0 : 0.0);
  return fit;
}

std::vector<BatchAggregate> aggregate_by_batch(std::span<const BatchPoint> values) {
  std::vector<BatchPoint> finite;
  for (const auto& p : values)
    if (std::isfinite(p.batch) && std::isfinite(p.value)) finite.push_back(p);
  std::sort(finite.begin(), finite.end(),
            [](const BatchPoint& x, const BatchPoint& y) { return x.batch < y.batch; });
  std::vector<BatchAggregate> out;
  for (std::size_t i = 0; i < finite.size();) {
    std::size_t j = i;
    BatchAggregate g;
    g.batch = finite[i].batch;
    g.min = g.max = finite[i].value;
    double sum = 0;
    for (; j < finite.size() && finite[j].batch == g.batch; ++j) {
      sum += finite[j].value;
      g.min = std::min(g.min, finite[j].value);
      g.max = std::max(g.max, finite[j].value);
    }
    g.count = static_cast<int>(j - i);
    g.mean = sum / g.count;
    double ss = 0;
    for (std::size_t k = i; k < j; ++k)
      ss += (finite[k].value - g.mean) * (finite[k].value - g.mean);
    g.std = g.count > 1 ? std::sqrt(ss / (g.count - 1)) : 0.0;
    out.push_back(g);
    i = j;
  }
  return out;
}

std::optional<double> throughput_knee(std::span<const BatchPoint> throughput, double tolerance) {
  std::vector<BatchPoint> positive;
  for (const auto& p : throughput)
    if (usable(p)) positive.push_back(p);
  const auto groups = aggregate_by_batch(positive);
  if (groups.empty()) return std::nullopt;
  double best = 0;
  for (const auto& g : groups) best = std::max(best, g.mean);
  for (const auto& g : groups)  // ascending batch
    if (g.mean >= (1.0 - tolerance) * best) return g.batch;
  return std::nullopt;  // unreachable: the best one qualifies
}

}  // namespace batchlab
