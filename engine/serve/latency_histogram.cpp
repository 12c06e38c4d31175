#include "engine/serve/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace batchlab {

int LatencyHistogram::bucket_of(double seconds) {
  if (!(seconds > 0)) return 0;
  const double units = seconds / kUnit;
  if (units >= 0x1p62) return kBuckets - 1;
  const auto x = static_cast<std::uint64_t>(units);
  if (x < static_cast<std::uint64_t>(kLinear)) return static_cast<int>(x);
  // x >> shift lands in [64, 128): the top 7 bits of x pick the bucket within its octave.
  const int shift = std::bit_width(x) - 7;
  const int index = kLinear + (shift - 1) * kPerOctave + static_cast<int>((x >> shift) - 64);
  return std::min(index, kBuckets - 1);
}

double LatencyHistogram::bucket_mid(int bucket) {
  if (bucket < kLinear) return (bucket + 0.5) * kUnit;
  const int shift = (bucket - kLinear) / kPerOctave + 1;
  const int top = (bucket - kLinear) % kPerOctave + 64;
  const double lo = std::ldexp(static_cast<double>(top), shift);
  const double width = std::ldexp(1.0, shift);
  return (lo + 0.5 * width) * kUnit;
}

void LatencyHistogram::add(double seconds) {
  if (!std::isfinite(seconds)) return;
  seconds = std::max(seconds, 0.0);
  ++counts_[static_cast<std::size_t>(bucket_of(seconds))];
  if (count_ == 0) {
    min_ = max_ = seconds;
  } else {
    min_ = std::min(min_, seconds);
    max_ = std::max(max_, seconds);
  }
  ++count_;
  sum_ += seconds;
}

void LatencyHistogram::reset() {
  counts_.fill(0);
  count_ = 0;
  sum_ = 0.0;
  min_ = max_ = 0.0;
}

double LatencyHistogram::mean() const {
  return count_ > 0 ? sum_ / static_cast<double>(count_) : kNaN;
}

double LatencyHistogram::percentile(double q) const {
  if (count_ == 0) return kNaN;
  const auto rank = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_))));
  std::int64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += counts_[static_cast<std::size_t>(b)];
    if (seen >= rank) return std::clamp(bucket_mid(b), min_, max_);
  }
  return max_;
}

}  // namespace batchlab
