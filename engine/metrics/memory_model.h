// defines: predict_mlp_memory, predict_mlp_inference_memory, mlp_bytes_per_row,
//          optimizer_state_values
// The memory model of DESIGN §3: static bytes = 4P (parameters) + 4P (gradients) +
// {0, 4P, 8P} (plain SGD, momentum SGD, Adam); activations, staged batch and workspace grow
// linearly in the micro-batch size, the activations as the layout table of
// model/activation_layout.h says. The CPU backend allocates exactly this, so measured equals
// predicted category by category (tested). Inference (forward only) holds the parameters, the
// inference layout's activations and the staged batch: no gradients, no optimizer state.
#pragma once

#include <cstdint>

#include "engine/core/memory_category.h"
#include "engine/core/run_config.h"
#include "engine/model/activation_layout.h"
#include "engine/model/mlp_spec.h"

namespace batchlab {

MemoryBytes predict_mlp_memory(const MlpSpec& spec, const OptimizerConfig& opt,
                               std::int64_t max_rows);

MemoryBytes predict_mlp_inference_memory(const MlpSpec& spec, std::int64_t max_rows);

// Floats of optimizer state for a model of `parameters` floats (Adam: two moments; SGD with
// momentum: one buffer; plain SGD: none), as both backends allocate it.
std::int64_t optimizer_state_values(std::int64_t parameters, const OptimizerConfig& opt);

// Bytes that grow with each extra row of micro-batch (activations + batch + workspace).
std::int64_t mlp_bytes_per_row(const MlpSpec& spec, Pass pass = Pass::training);

}  // namespace batchlab
