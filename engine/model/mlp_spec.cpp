#include "engine/model/mlp_spec.h"

#include <string>

namespace batchlab {

std::vector<std::int64_t> MlpSpec::widths() const {
  std::vector<std::int64_t> w;
  w.reserve(hidden.size() + 2);
  w.push_back(inputs);
  w.insert(w.end(), hidden.begin(), hidden.end());
  w.push_back(outputs);
  return w;
}

std::vector<ParamEntry> mlp_layout(const MlpSpec& spec) {
  const auto w = spec.widths();
  std::vector<ParamEntry> layout;
  layout.reserve(2 * (w.size() - 1));
  std::int64_t offset = 0;
  for (std::size_t l = 0; l + 1 < w.size(); ++l) {
    const std::int64_t fan_in = w[l];
    const std::int64_t fan_out = w[l + 1];
    const std::string prefix = "layer" + std::to_string(l);
    // Weights row-major fan_out × fan_in (PyTorch's nn.Linear order), then the bias.
    layout.push_back({prefix + ".weight", fan_out, fan_in, offset});
    offset += fan_out * fan_in;
    layout.push_back({prefix + ".bias", fan_out, 1, offset});
    offset += fan_out;
  }
  return layout;
}

std::int64_t mlp_parameter_count(const MlpSpec& spec) {
  const auto w = spec.widths();
  std::int64_t p = 0;
  for (std::size_t l = 0; l + 1 < w.size(); ++l) p += w[l] * w[l + 1] + w[l + 1];
  return p;
}

}  // namespace batchlab
