// defines: batch_size_at, lr_at, max_batch_size (batch-size schedules and LR scaling rules)
// DESIGN §3. Batch-size schedules: constant; steps (× factor at each listed epoch: "increase the
// batch instead of decaying the LR", Smith et al. 2017); linear ramp from batch.size to to_size
// over ramp_epochs. LR scaling against a base batch B₀: none; linear (lr·B/B₀ with gradual warmup
// from lr over warmup_epochs, Goyal et al. 2017); sqrt (lr·√(B/B₀)).
#pragma once

#include <cstdint>

#include "engine/core/run_config.h"

namespace batchlab {

// The effective batch size at fractional epoch `epoch`, clamped to [1, rows].
std::int64_t batch_size_at(const BatchConfig& batch, double epoch, std::int64_t rows);
// The largest batch the schedule reaches within `epochs` (all epochs when unset).
std::int64_t max_batch_size(const BatchConfig& batch, double epochs, std::int64_t rows);
// The learning rate for a step at fractional epoch `epoch` with effective batch `b`.
double lr_at(const OptimizerConfig& opt, const LrScalingConfig& scaling, std::int64_t b,
             double epoch);

}  // namespace batchlab
