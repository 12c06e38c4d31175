// defines: StoredModel, mlp_spec_to_json, mlp_spec_from_json, model_checksum
// A trained model as the store keeps it (RunStore::save_model / RunStore::model, schema v4):
// the network's shape, its parameters in the layout table's order (model/mlp_spec.h) and the
// standardisation its inputs were trained with, so inference on raw rows sees what training saw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/model/mlp_spec.h"

namespace batchlab {

struct StoredModel {
  MlpSpec spec;
  std::vector<float> parameters;    // mlp_parameter_count(spec) floats, mlp_layout order
  std::vector<float> feature_mean;  // the training split's, one per input; empty: not standardised
  std::vector<float> feature_std;
  std::int64_t step = 0;  // the update after which the parameters were taken
};

// {"inputs": 2, "hidden": [64, 64], "outputs": 2, "activation": "relu", "init": "he",
//  "task": "classification"}. from_json throws Error naming the key that is missing or wrong.
nlohmann::json mlp_spec_to_json(const MlpSpec& spec);
MlpSpec mlp_spec_from_json(const nlohmann::json& j);

// The CRC-32 the models table keeps of a model's two blobs (parameters, then standardisation):
// the store checks it on every read, the merge before it copies a shard's models.
std::uint32_t model_checksum(std::span<const std::byte> parameters,
                             std::span<const std::byte> standardization);

}  // namespace batchlab
