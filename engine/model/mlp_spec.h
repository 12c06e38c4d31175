// defines: MlpSpec, ParamEntry, mlp_layout, mlp_parameter_count
// The parameter layout table (llm.c's pattern): every weight and bias is a slice of one
// contiguous buffer, described by name, shape and offset. Gradients and optimizer state use the
// same offsets in their own buffers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/run_config.h"

namespace batchlab {

struct MlpSpec {
  std::int64_t inputs = 0;
  std::vector<std::int64_t> hidden;
  std::int64_t outputs = 0;
  Activation activation = Activation::relu;
  Init init = Init::he;
  Task task = Task::classification;  // classification: softmax cross-entropy; regression: MSE

  // d₀..d_L: inputs, hidden..., outputs.
  std::vector<std::int64_t> widths() const;
};

struct ParamEntry {
  std::string name;         // "layer0.weight", "layer0.bias", ...
  std::int64_t rows = 0;    // weight: fan_out; bias: fan_out
  std::int64_t cols = 0;    // weight: fan_in;  bias: 1
  std::int64_t offset = 0;  // in floats, into the parameter buffer
  std::int64_t size() const { return rows * cols; }
};

std::vector<ParamEntry> mlp_layout(const MlpSpec& spec);
std::int64_t mlp_parameter_count(const MlpSpec& spec);  // P = Σ (d_{l-1}·d_l + d_l)

}  // namespace batchlab
