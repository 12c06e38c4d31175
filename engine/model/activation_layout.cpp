#include "engine/model/activation_layout.h"

#include <algorithm>

namespace batchlab {
namespace {

ActivationLayout training_layout(const std::vector<std::int64_t>& widths) {
  ActivationLayout out;
  const std::size_t n_layers = widths.size() - 1;
  std::int64_t at = 0;
  for (std::size_t l = 0; l < n_layers; ++l) {
    LayerActivations layer{widths[l + 1], at, at};
    at += layer.fan_out;
    if (l + 1 < n_layers) {
      layer.a_offset = at;
      at += layer.fan_out;
    }
    out.layers.push_back(layer);
  }
  out.values_per_row = at;
  return out;
}

ActivationLayout inference_layout(const std::vector<std::int64_t>& widths) {
  const std::size_t n_layers = widths.size() - 1;
  // Slot widths: z (every layer's z, the logits included), then a for even and odd hidden layers.
  std::int64_t z_width = 0;
  std::int64_t a_width[2] = {0, 0};
  for (std::size_t l = 0; l < n_layers; ++l) {
    z_width = std::max(z_width, widths[l + 1]);
    if (l + 1 < n_layers) a_width[l % 2] = std::max(a_width[l % 2], widths[l + 1]);
  }
  const std::int64_t a_start[2] = {z_width, z_width + a_width[0]};
  ActivationLayout out;
  for (std::size_t l = 0; l < n_layers; ++l) {
    const bool hidden = l + 1 < n_layers;
    out.layers.push_back({widths[l + 1], 0, hidden ? a_start[l % 2] : 0});
  }
  out.values_per_row = z_width + a_width[0] + a_width[1];
  return out;
}

}  // namespace

ActivationLayout mlp_activation_layout(const MlpSpec& spec, Pass pass) {
  const auto widths = spec.widths();
  return pass == Pass::training ? training_layout(widths) : inference_layout(widths);
}

}  // namespace batchlab
