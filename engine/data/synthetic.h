// defines: make_synthetic (blobs, moons, circles, spirals, xor, checkerboard, linear, sine)
// Seeded and deterministic. Classification sets balance their classes; `linear` is
// y = w·x + ε with ε ~ N(0, noise²) and w drawn from the seed; `sine` is y = sin(3x₀) + ε on
// one feature. moons, circles, spirals, xor and checkerboard are 2-D; blobs uses `features`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/data/dataset.h"

namespace batchlab {

struct SyntheticParams {
  std::int64_t samples = 2000;
  double noise = 0.1;
  int classes = 2;
  int features = 2;
};

// Throws ConfigError on an unknown kind or out-of-range params.
Dataset make_synthetic(std::string_view kind, const SyntheticParams& params, std::uint64_t seed);

// The checks make_synthetic runs, for callers that want errors to name their own source
// (the config file) rather than "synthetic <kind>". Throws ConfigError "<source>: dataset.x: ...".
void check_synthetic_params(std::string_view kind, const SyntheticParams& params,
                            const std::string& source);

}  // namespace batchlab
