// defines: LatencyHistogram (percentiles of many latencies in bounded memory)
// A simulation may complete millions of requests; keeping each latency to sort them would grow
// without bound. The histogram's buckets are log-linear (HdrHistogram's layout): exact to
// 0.1 µs below 12.8 µs, then 64 buckets per power of two, so a percentile is within 0.8 % of the
// true value from 0.1 µs to hours, in 2 K buckets (16 KiB). Count, sum (so the mean), min and
// max are exact. Adding is O(1) and allocation-free.
#pragma once

#include <array>
#include <cstdint>
#include <limits>

namespace batchlab {

class LatencyHistogram {
 public:
  void add(double seconds);
  void reset();

  std::int64_t count() const { return count_; }
  double mean() const;  // NaN when empty
  double max() const { return count_ > 0 ? max_ : kNaN; }
  double min() const { return count_ > 0 ? min_ : kNaN; }
  // The q-quantile (0 < q ≤ 1) by nearest rank, as its bucket's midpoint clamped to [min, max];
  // NaN when empty.
  double percentile(double q) const;

 private:
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  static constexpr double kUnit = 1e-7;  // seconds per count of the finest buckets
  static constexpr int kLinear = 128;    // exact buckets, then 64 per power of two
  static constexpr int kPerOctave = 64;
  static constexpr int kOctaves = 31;  // up to 2^37 units: about 3.8 hours
  static constexpr int kBuckets = kLinear + kOctaves * kPerOctave;

  static int bucket_of(double seconds);
  static double bucket_mid(int bucket);

  std::array<std::int64_t, kBuckets> counts_{};
  std::int64_t count_ = 0;
  double sum_ = 0.0;
  double min_ = 0.0;
  double max_ = 0.0;
};

}  // namespace batchlab
