// defines: load_dataset (config → train/validation split, standardised), kFashionMnistDir
// Loading order: read or generate → validation split (a fraction, or the dataset's test split)
// → train_limit → standardise from the training split's statistics only.
// Throws DataError (file/line at fault) or ConfigError (field at fault).
#pragma once

#include <cstdint>
#include <string>

#include "engine/core/run_config.h"
#include "engine/data/dataset.h"

namespace batchlab {

DatasetSplit load_dataset(const DatasetConfig& config, std::uint64_t seed,
                          const std::string& source = "config");

// Default folder of Debian's dataset-fashion-mnist package.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

}  // namespace batchlab
