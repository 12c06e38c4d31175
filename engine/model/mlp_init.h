// defines: init_mlp_parameters (He / Xavier weights from a seed, zero biases)
// One initialiser for every backend: the CUDA backend fills a host vector with it and copies it
// to the device, so the same seed gives the same network on the CPU and on a GPU.
#pragma once

#include <cstdint>
#include <span>

#include "engine/model/mlp_spec.h"

namespace batchlab {

// He: N(0, 2/fan_in); Xavier: U(±√(6/(fan_in+fan_out))); biases 0. Drawn layer by layer in
// storage order (mlp_layout). `params` holds mlp_parameter_count(spec) floats.
void init_mlp_parameters(const MlpSpec& spec, std::uint64_t seed, std::span<float> params);

}  // namespace batchlab
