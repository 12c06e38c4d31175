// defines: predict_mlp_memory
// The memory model of DESIGN §3: static bytes = 4P (parameters) + 4P (gradients) +
// {0, 4P, 8P} (plain SGD, momentum SGD, Adam); activations, staged batch and workspace grow
// linearly in the micro-batch size. The CPU backend allocates exactly this, so measured equals
// predicted category by category (tested).
#pragma once

#include <cstdint>

#include "engine/core/memory_category.h"
#include "engine/core/run_config.h"
#include "engine/model/mlp_spec.h"

namespace batchlab {

MemoryBytes predict_mlp_memory(const MlpSpec& spec, const OptimizerConfig& opt,
                               std::int64_t max_rows);

// Bytes that grow with each extra row of micro-batch (activations + batch + workspace).
std::int64_t mlp_bytes_per_row(const MlpSpec& spec);

}  // namespace batchlab
