// defines: GradientRange, GradientBuckets (one bucket per layer, each cut into one chunk per
//          replica), reduce_chunk (sum one chunk over every replica's gradient, in place),
//          norm2_of_sum
// PyTorch DDP's buckets, one per layer: a layer's weight and bias are contiguous in the parameter
// layout (model/mlp_spec.h), so a bucket is one range. Each replica reduces its own chunk of
// every bucket, so the work is shared and no two threads write the same float. The sum is taken
// in replica order for every element, whichever thread computes it, and written back to every
// replica: all replicas hold the same bits, and a run repeats bit for bit.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/model/mlp_spec.h"

namespace batchlab {

struct GradientRange {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int64_t size() const { return end - begin; }
};

class GradientBuckets {
 public:
  GradientBuckets() = default;
  GradientBuckets(const MlpSpec& spec, int replicas);

  int layers() const { return static_cast<int>(buckets_.size()); }
  int replicas() const { return replicas_; }
  const GradientRange& bucket(int layer) const { return buckets_[static_cast<std::size_t>(layer)]; }
  // Replica r's share of a bucket, in whole cache lines (16 floats); may be empty.
  const GradientRange& chunk(int layer, int replica) const {
    return chunks_[static_cast<std::size_t>(layer * replicas_ + replica)];
  }

 private:
  int replicas_ = 0;
  std::vector<GradientRange> buckets_;
  std::vector<GradientRange> chunks_;  // layer-major
};

// grads[r] is replica r's gradient buffer. Sets every replica's [range) to Σ_r grads[r] (summed
// in replica order) and returns |Σ|² over the range (float over 1024 values, then double).
double reduce_chunk(std::span<float* const> grads, const GradientRange& range);

// |Σ_r grads[r]|² over [0, p) without writing anything: a gradient norm before the reduction.
double norm2_of_sum(std::span<float* const> grads, std::int64_t p);

}  // namespace batchlab
