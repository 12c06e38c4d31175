// defines: cpu_apply_update (one optimizer step over the flat parameter buffer)
// The loops only; the per-parameter formulas are ew::sgd_step / sgd_momentum_step / adam_step,
// shared with the CUDA backend.
#pragma once

#include <cstdint>

#include "engine/core/run_config.h"

namespace batchlab {

// params, grads: p floats. state: 0 floats (SGD without momentum), p (momentum buffer) or 2p
// (Adam: first moments, then second moments). adam_t is the step number, counted from 1.
void cpu_apply_update(const OptimizerConfig& opt, double lr, std::int64_t adam_t, float* params,
                      const float* grads, float* state, std::int64_t p);

}  // namespace batchlab
