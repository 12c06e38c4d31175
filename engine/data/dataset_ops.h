// defines: take_rows, keep_first_rows, fit_standardization, apply_standardization
// Row selection and per-feature standardisation, shared by load_dataset and anyone who needs
// a subset of a Dataset with its metadata (name, task, class names, image size) intact.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/data/dataset.h"

namespace batchlab {

// A copy of `d` holding rows `indices`, in that order. Indices must be in [0, d.rows).
Dataset take_rows(const Dataset& d, std::span<const std::int64_t> indices);

// Shrinks `d` to its first `n` rows (no-op when n >= d.rows).
void keep_first_rows(Dataset& d, std::int64_t n);

// Per-feature mean and standard deviation (population) of `d`. A feature whose std is below
// 1e-6 gets std 1, so a constant feature standardises to exactly 0 instead of blowing up.
void fit_standardization(const Dataset& d, std::vector<float>& mean, std::vector<float>& std);

// x ← (x − mean) / std, feature by feature.
void apply_standardization(Dataset& d, std::span<const float> mean, std::span<const float> std);

}  // namespace batchlab
