// defines: DecimatedSeries, decimate_min_max (display decimation for long series)
// Per horizontal bucket of the visible x range the lowest and the highest point are kept, in
// their original order, plus one point either side of the range so lines reach the edges.
// Spikes survive (a loss blow-up at one step stays visible), and the output has at most
// 2·buckets + 2 points however long the input. x must be ascending; non-finite y is skipped.
// Qt-free so it can be unit-tested on plain vectors.
#pragma once

#include <span>
#include <vector>

namespace batchlab {

struct DecimatedSeries {
  std::vector<double> x;
  std::vector<double> y;
};

// Replaces `out` with the decimated points of (x, y) for x in [x_lo, x_hi].
void decimate_min_max(std::span<const double> x, std::span<const double> y, double x_lo,
                      double x_hi, int buckets, DecimatedSeries& out);

}  // namespace batchlab
