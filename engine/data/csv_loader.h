// defines: load_csv
// A header row, comma separated, RFC 4180 quoting. The target column is chosen by name or
// 0-based index (empty: the last column). task "auto" means classification when every target
// value is an integer-like token or non-numeric label, regression otherwise; class labels are
// mapped to ids in order of first appearance (whole-number labels in numeric order, so "0".."9"
// keep their ids) and kept as class_names. Empty, NA, N/A, NaN, null and ? are missing values.
// Throws DataError "<file>:<line>: <reason>" for ragged rows, missing values or non-numeric
// features.
#pragma once

#include <string>

#include "engine/data/dataset.h"

namespace batchlab {

Dataset load_csv(const std::string& path, const std::string& target, const std::string& task);

}  // namespace batchlab
