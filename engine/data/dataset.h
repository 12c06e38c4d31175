// defines: Dataset, DatasetSplit
// Features are float32 rows, N × D row-major. Classification targets are class ids in `labels`;
// regression targets are N × outputs floats in `targets`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/run_config.h"

namespace batchlab {

struct Dataset {
  std::string name;
  Task task = Task::classification;
  std::int64_t rows = 0;
  std::int64_t features = 0;
  std::int64_t outputs = 0;  // classes for classification, target columns for regression
  std::vector<float> x;      // rows × features
  std::vector<std::int32_t> labels;  // rows (classification)
  std::vector<float> targets;        // rows × outputs (regression)
  std::vector<std::string> class_names;  // empty: "0", "1", ...
  std::vector<std::string> feature_names;
  int image_width = 0;  // > 0 for image sets (Fashion-MNIST: 28 × 28) so previews can draw them
  int image_height = 0;

  const float* row(std::int64_t i) const { return x.data() + i * features; }
};

struct DatasetSplit {
  Dataset train;
  Dataset val;  // may have 0 rows when validation_fraction is 0
  // Standardisation applied to both splits, from training statistics only. Empty: none.
  std::vector<float> feature_mean;
  std::vector<float> feature_std;
};

}  // namespace batchlab
