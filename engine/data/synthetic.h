// defines: make_synthetic (blobs, moons, circles, spirals, xor, checkerboard, linear, sine)
// Seeded and deterministic. Classification sets balance their classes; `linear` is
// y = w·x + ε with ε ~ N(0, noise²) and w drawn from the seed; `sine` is y = sin(3x₀) + ε.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/data/dataset.h"

namespace batchlab {

struct SyntheticParams {
  std::int64_t samples = 2000;
  double noise = 0.1;
  int classes = 2;
  int features = 2;
};

Dataset make_synthetic(std::string_view kind, const SyntheticParams& params, std::uint64_t seed);

}  // namespace batchlab
