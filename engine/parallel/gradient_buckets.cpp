#include "engine/parallel/gradient_buckets.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "engine/backend/cpu/eigen_core.h"

namespace batchlab {
namespace {

constexpr std::int64_t kLine = 16;     // floats per cache line
constexpr std::int64_t kChunk = 1024;  // float partial sums of squares, as the CPU backend's

double sum_squares(const float* v, std::int64_t n) {
  double total = 0.0;
  for (std::int64_t start = 0; start < n; start += kChunk) {
    const std::int64_t len = std::min(kChunk, n - start);
    total += static_cast<double>(Eigen::Map<const Eigen::VectorXf>(v + start, len).squaredNorm());
  }
  return total;
}

}  // namespace

GradientBuckets::GradientBuckets(const MlpSpec& spec, int replicas) : replicas_(replicas) {
  const auto layout = mlp_layout(spec);
  for (std::size_t l = 0; l + 1 < layout.size(); l += 2) {
    const ParamEntry& w = layout[l];
    const ParamEntry& b = layout[l + 1];
    if (w.offset + w.size() != b.offset)
      throw std::logic_error("data-parallel buckets need each layer's bias right after its weight");
    buckets_.push_back({w.offset, b.offset + b.size()});
  }
  for (const GradientRange& bucket : buckets_) {
    // Equal shares rounded up to whole lines, so two replicas never write one cache line.
    const std::int64_t share =
        ((bucket.size() + replicas - 1) / replicas + kLine - 1) / kLine * kLine;
    for (int r = 0; r < replicas; ++r) {
      const std::int64_t begin = std::min(bucket.end, bucket.begin + r * share);
      chunks_.push_back({begin, std::min(bucket.end, begin + share)});
    }
  }
}

double reduce_chunk(std::span<float* const> grads, const GradientRange& range) {
  const std::int64_t n = range.size();
  if (n <= 0) return 0.0;
  float* sum = grads[0] + range.begin;
  // ((g0 + g1) + g2) + ...: the same order for every element, one vectorised pass per replica.
  for (std::size_t r = 1; r < grads.size(); ++r) {
    const float* __restrict src = grads[r] + range.begin;
    float* __restrict dst = sum;
    for (std::int64_t i = 0; i < n; ++i) dst[i] += src[i];
  }
  for (std::size_t r = 1; r < grads.size(); ++r)
    std::memcpy(grads[r] + range.begin, sum, static_cast<std::size_t>(n) * sizeof(float));
  return sum_squares(sum, n);
}

double norm2_of_sum(std::span<float* const> grads, std::int64_t p) {
  double total = 0.0;
  for (std::int64_t start = 0; start < p; start += kChunk) {
    const std::int64_t len = std::min(kChunk, p - start);
    float part = 0.0f;
    for (std::int64_t i = start; i < start + len; ++i) {
      float s = grads[0][i];
      for (std::size_t r = 1; r < grads.size(); ++r) s += grads[r][i];
      part += s * s;
    }
    total += static_cast<double>(part);
  }
  return total;
}

}  // namespace batchlab
