#include "widgets/decimate.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace batchlab {
namespace {

void emit_point(std::span<const double> x, std::span<const double> y, std::size_t i,
                DecimatedSeries& out) {
  if (!std::isfinite(y[i])) return;
  out.x.push_back(x[i]);
  out.y.push_back(y[i]);
}

}  // namespace

void decimate_min_max(std::span<const double> x, std::span<const double> y, double x_lo,
                      double x_hi, int buckets, DecimatedSeries& out) {
  out.x.clear();
  out.y.clear();
  const std::size_t n = std::min(x.size(), y.size());
  if (n == 0) return;
  const auto xs = x.first(n);
  std::size_t first =
      static_cast<std::size_t>(std::lower_bound(xs.begin(), xs.end(), x_lo) - xs.begin());
  std::size_t last =
      static_cast<std::size_t>(std::upper_bound(xs.begin(), xs.end(), x_hi) - xs.begin());
  // One neighbour outside the range on each side, so the line runs to the plot's edges.
  if (first > 0) --first;
  if (last < n) ++last;
  if (last <= first) return;

  buckets = std::max(buckets, 1);
  const std::size_t count = last - first;
  if (count <= 2 * static_cast<std::size_t>(buckets) + 2) {
    for (std::size_t i = first; i < last; ++i) emit_point(x, y, i, out);
    return;
  }

  const double span = x_hi - x_lo;
  const double scale = span > 0 ? buckets / span : 0.0;
  out.x.reserve(2 * static_cast<std::size_t>(buckets) + 2);
  out.y.reserve(2 * static_cast<std::size_t>(buckets) + 2);

  emit_point(x, y, first, out);
  long current = -1;
  std::size_t imin = 0;
  std::size_t imax = 0;
  bool have = false;
  auto flush = [&] {
    if (!have) return;
    // Original order keeps the line's shape: a dip before a peak stays a dip before a peak.
    const std::size_t a = std::min(imin, imax);
    const std::size_t b = std::max(imin, imax);
    emit_point(x, y, a, out);
    if (b != a) emit_point(x, y, b, out);
    have = false;
  };
  for (std::size_t i = first + 1; i + 1 < last; ++i) {
    if (!std::isfinite(y[i])) continue;
    const double pos = (x[i] - x_lo) * scale;
    const long bucket =
        std::clamp(static_cast<long>(std::floor(pos)), 0L, static_cast<long>(buckets) - 1);
    if (bucket != current) {
      flush();
      current = bucket;
      imin = imax = i;
      have = true;
    } else {
      if (y[i] < y[imin]) imin = i;
      if (y[i] > y[imax]) imax = i;
    }
  }
  flush();
  emit_point(x, y, last - 1, out);
}

}  // namespace batchlab
