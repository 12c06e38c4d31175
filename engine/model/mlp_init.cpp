#include "engine/model/mlp_init.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/core/rng.h"

namespace batchlab {

void init_mlp_parameters(const MlpSpec& spec, std::uint64_t seed, std::span<float> params) {
  if (static_cast<std::int64_t>(params.size()) != mlp_parameter_count(spec))
    throw std::logic_error("init_mlp_parameters: " + std::to_string(params.size()) +
                           " floats for a model with " + std::to_string(mlp_parameter_count(spec)) +
                           " parameters");
  Rng rng(seed);
  for (const ParamEntry& e : mlp_layout(spec)) {
    float* w = params.data() + e.offset;
    if (e.cols == 1) {  // a bias
      for (std::int64_t i = 0; i < e.size(); ++i) w[i] = 0.0f;
      continue;
    }
    const auto fan_in = static_cast<double>(e.cols);
    const auto fan_out = static_cast<double>(e.rows);
    if (spec.init == Init::he) {
      const double stddev = std::sqrt(2.0 / fan_in);
      for (std::int64_t i = 0; i < e.size(); ++i)
        w[i] = static_cast<float>(rng.normal(0.0, stddev));
    } else {
      const double limit = std::sqrt(6.0 / (fan_in + fan_out));
      for (std::int64_t i = 0; i < e.size(); ++i)
        w[i] = static_cast<float>(rng.uniform(-limit, limit));
    }
  }
}

}  // namespace batchlab
