// defines: CpuUpdate (one optimizer step over the flat buffers, applicable range by range)
// The loops only; the per-parameter formulas are ew::sgd_step / sgd_momentum_step / adam_step,
// shared with the CUDA backend. Each parameter's update depends on nothing but its own values,
// so applying the step in any order of ranges gives the same bits as one pass over everything.
#pragma once

#include <cstdint>

#include "engine/backend/elementwise.h"
#include "engine/core/run_config.h"

namespace batchlab {

class CpuUpdate {
 public:
  CpuUpdate() = default;
  // params, grads: p floats. state: 0 floats (SGD without momentum), p (momentum buffer) or 2p
  // (Adam: first moments, then second moments). adam_t is the step number, counted from 1.
  CpuUpdate(const OptimizerConfig& opt, double lr, std::int64_t adam_t, float* params,
            const float* grads, float* state, std::int64_t p);

  // Updates parameters [begin, end) of the p.
  void apply(std::int64_t begin, std::int64_t end) const;
  void apply_all() const { apply(0, p_); }

 private:
  OptimizerConfig opt_;
  float lr_ = 0.0f;
  ew::AdamStep adam_;
  float* params_ = nullptr;
  const float* grads_ = nullptr;
  float* m_ = nullptr;  // momentum buffer or Adam's first moments
  float* v_ = nullptr;  // Adam's second moments
  std::int64_t p_ = 0;
};

}  // namespace batchlab
