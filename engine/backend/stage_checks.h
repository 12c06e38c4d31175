// defines: check_mlp_spec, check_stage_source, throw_row_outside, throw_bad_label
// The input checks every backend makes in prepare() and stage_batch(), written once so the CPU
// and CUDA backends reject the same mistakes with the same messages.
#pragma once

#include <cstdint>

#include "engine/data/dataset.h"
#include "engine/model/mlp_spec.h"

namespace batchlab {

// ConfigError for a model without inputs, outputs or hidden units, or max_rows < 1.
void check_mlp_spec(const MlpSpec& spec, std::int64_t max_rows);

// The dataset-level checks of stage_batch: `rows` ≤ max_rows, and features, task, target
// columns and array sizes that match `spec`. Error / DataError naming the dataset.
void check_stage_source(const MlpSpec& spec, std::int64_t max_rows, const Dataset& data,
                        std::int64_t rows);

// The per-row checks, thrown from the gather loops.
[[noreturn]] void throw_row_outside(const Dataset& data, std::int64_t row);
[[noreturn]] void throw_bad_label(const Dataset& data, std::int64_t row, std::int32_t label,
                                  std::int64_t classes);

}  // namespace batchlab
