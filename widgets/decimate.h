// defines: DecimatedSeries, MinMaxPyramid, decimate_min_max (display decimation)
// Per horizontal bucket of the visible x range the lowest and the highest point are kept, in
// their original order, plus one point either side of the range so lines reach the edges.
// Spikes survive (a loss blow-up at one step stays visible) and the output has at most
// 2·buckets + 2 points however long the input. x must be ascending; non-finite y is skipped.
//
// Scanning a million points every frame would cost tens of milliseconds, so a MinMaxPyramid
// remembers, for blocks of 8, 64, 512, ... points, where each block's minimum and maximum lie;
// decimation then walks whole blocks (at least four per bucket) instead of points, and the
// kept points are still real points with their exact values. The pyramid is extended lazily
// with the points appended since the last call.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "widgets/column.h"

namespace batchlab {

struct DecimatedSeries {
  std::vector<double> x;
  std::vector<double> y;
};

class MinMaxPyramid {
 public:
  static constexpr std::size_t kFanout = 8;
  static constexpr int kLevels = 6;  // blocks of 8 … 262,144 points

  struct Entry {
    std::int64_t lo = -1;  // index of the block's lowest finite value; -1: none finite
    std::int64_t hi = -1;
  };

  static constexpr std::size_t block_size(int level) {
    std::size_t s = kFanout;
    for (int l = 0; l < level; ++l) s *= kFanout;
    return s;
  }
  const std::vector<Entry>& level(int l) const { return levels_[static_cast<std::size_t>(l)]; }

  // Indexes the complete blocks of y that are not indexed yet.
  template <typename Col>
  void extend(const Col& y);
  void clear() {
    for (auto& l : levels_) l.clear();
  }

 private:
  template <typename Col>
  static Entry merge(const Col& y, Entry a, Entry b);
  std::array<std::vector<Entry>, kLevels> levels_;
};

// Replaces `out` with the decimated points of (x, y) for x in [x_lo, x_hi]. `pyramid`, when
// given, must index y (extend() it first); it only changes the cost, not which extremes win.
template <typename XCol, typename YCol>
void decimate_min_max(const XCol& x, const YCol& y, double x_lo, double x_hi, int buckets,
                      DecimatedSeries& out, const MinMaxPyramid* pyramid = nullptr);

// ---- implementation --------------------------------------------------------------------

template <typename Col>
MinMaxPyramid::Entry MinMaxPyramid::merge(const Col& y, Entry a, Entry b) {
  if (a.lo < 0) return b;
  if (b.lo < 0) return a;
  Entry e = a;
  if (y[static_cast<std::size_t>(b.lo)] < y[static_cast<std::size_t>(e.lo)]) e.lo = b.lo;
  if (y[static_cast<std::size_t>(b.hi)] > y[static_cast<std::size_t>(e.hi)]) e.hi = b.hi;
  return e;
}

template <typename Col>
void MinMaxPyramid::extend(const Col& y) {
  auto& base = levels_[0];
  while ((base.size() + 1) * kFanout <= y.size()) {
    Entry e;
    const std::size_t start = base.size() * kFanout;
    for (std::size_t i = start; i < start + kFanout; ++i) {
      if (!std::isfinite(y[i])) continue;
      const auto idx = static_cast<std::int64_t>(i);
      e = merge(y, e, Entry{idx, idx});
    }
    base.push_back(e);
  }
  for (std::size_t l = 1; l < levels_.size(); ++l) {
    const auto& below = levels_[l - 1];
    auto& here = levels_[l];
    while ((here.size() + 1) * kFanout <= below.size()) {
      Entry e;
      const std::size_t start = here.size() * kFanout;
      for (std::size_t k = start; k < start + kFanout; ++k) e = merge(y, e, below[k]);
      here.push_back(e);
    }
  }
}

template <typename XCol, typename YCol>
void decimate_min_max(const XCol& x, const YCol& y, double x_lo, double x_hi, int buckets,
                      DecimatedSeries& out, const MinMaxPyramid* pyramid) {
  out.x.clear();
  out.y.clear();
  const std::size_t n = std::min(x.size(), y.size());
  if (n == 0) return;
  std::size_t first = lower_index(x, n, x_lo);
  std::size_t last = upper_index(x, n, x_hi);
  // One neighbour outside the range on each side, so the line runs to the plot's edges.
  if (first > 0) --first;
  if (last < n) ++last;
  if (last <= first) return;
  const auto keep = [&](std::size_t i) {
    if (!std::isfinite(y[i])) return;
    out.x.push_back(x[i]);
    out.y.push_back(y[i]);
  };

  buckets = std::max(buckets, 1);
  const std::size_t count = last - first;
  if (count <= 2 * static_cast<std::size_t>(buckets) + 2) {
    for (std::size_t i = first; i < last; ++i) keep(i);
    return;
  }

  // The coarsest level that still puts at least four blocks in a bucket.
  int level = -1;
  std::size_t block = 1;
  if (pyramid) {
    for (int l = MinMaxPyramid::kLevels - 1; l >= 0; --l) {
      if (MinMaxPyramid::block_size(l) * 4 * static_cast<std::size_t>(buckets) <= count) {
        level = l;
        block = MinMaxPyramid::block_size(l);
        break;
      }
    }
  }

  const double span = x_hi - x_lo;
  const double scale = span > 0 ? buckets / span : 0.0;
  out.x.reserve(2 * static_cast<std::size_t>(buckets) + 2);
  out.y.reserve(2 * static_cast<std::size_t>(buckets) + 2);

  keep(first);
  long current = -1;
  std::size_t imin = 0;
  std::size_t imax = 0;
  bool have = false;
  const auto flush = [&] {
    if (!have) return;
    // Original order keeps the line's shape: a dip before a peak stays a dip before a peak.
    keep(std::min(imin, imax));
    if (imin != imax) keep(std::max(imin, imax));
    have = false;
  };
  // A block (or a single point when lo == hi) whose extremes lie at lo and hi, filed under
  // the bucket of x[at].
  const auto take = [&](std::size_t at, std::size_t lo, std::size_t hi) {
    const long bucket = std::clamp(static_cast<long>(std::floor((x[at] - x_lo) * scale)), 0L,
                                   static_cast<long>(buckets) - 1);
    if (bucket != current) {
      flush();
      current = bucket;
      imin = lo;
      imax = hi;
      have = true;
      return;
    }
    if (y[lo] < y[imin]) imin = lo;
    if (y[hi] > y[imax]) imax = hi;
  };
  const std::vector<MinMaxPyramid::Entry>* entries = level >= 0 ? &pyramid->level(level) : nullptr;
  std::size_t i = first + 1;
  while (i + 1 < last) {
    if (entries && i % block == 0 && i + block < last && i / block < entries->size()) {
      const auto& e = (*entries)[i / block];
      if (e.lo >= 0) take(i, static_cast<std::size_t>(e.lo), static_cast<std::size_t>(e.hi));
      i += block;
      continue;
    }
    if (std::isfinite(y[i])) take(i, i, i);
    ++i;
  }
  flush();
  keep(last - 1);
}

}  // namespace batchlab
