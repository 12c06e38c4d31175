// defines: load_dataset (config → train/validation split, standardised), SplitRows, split_rows,
//          kFashionMnistDir
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

// How many rows a dataset of `rows` rows trains and validates on under a validation fraction
// and train_limit: what load_dataset cuts, for a preview or an estimate that does not load it.
struct SplitRows {
  std::int64_t train = 0;
  std::int64_t val = 0;
};
SplitRows split_rows(const DatasetConfig& config, std::int64_t rows);

// Default folder of Debian's dataset-fashion-mnist package.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

}  // namespace batchlab
