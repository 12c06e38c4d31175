// defines: Pass, LayerActivations, ActivationLayout, mlp_activation_layout
// The activation layout table, beside the parameter layout of mlp_spec.h (llm.c's pattern): one
// activation buffer of values_per_row · max_rows floats, and for each layer where its
// pre-activation z and activation a start in it. The memory model reads values_per_row; both
// backends carve their layers from the offsets, so what is predicted is what is allocated.
//
// Each slot is fan_out × max_rows column-major from offset · max_rows: a micro-batch of n ≤
// max_rows rows uses the first fan_out · n values, as every kernel expects.
//
// Training keeps every layer's z and a (the backward pass needs z for f'(z) and a for the next
// layer's weight gradient, and reuses a's storage for the delta); the output layer keeps only
// its logits (a == z, overwritten in place by ∂loss/∂logits).
// Inference (forward only) keeps nothing it will not read again: one z slot shared by all layers
// (the widest), the hidden activations in two slots used in turn (layer l's input is the other
// slot), and the logits in the z slot, which is free once the last hidden a is written. z and a
// never share storage, so kernels may take them as restrict pointers.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/model/mlp_spec.h"

namespace batchlab {

enum class Pass { training, inference };

struct LayerActivations {
  std::int64_t fan_out = 0;
  std::int64_t z_offset = 0;  // in values per row: z starts at z_offset · max_rows
  std::int64_t a_offset = 0;  // == z_offset for the output layer (its logits)
};

struct ActivationLayout {
  std::vector<LayerActivations> layers;  // one per weight layer, input to output
  std::int64_t values_per_row = 0;       // the buffer holds values_per_row · max_rows floats
};

ActivationLayout mlp_activation_layout(const MlpSpec& spec, Pass pass);

}  // namespace batchlab
