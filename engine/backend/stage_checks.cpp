#include "engine/backend/stage_checks.h"

#include <string>

#include "engine/core/errors.h"

namespace batchlab {

void check_mlp_spec(const MlpSpec& spec, std::int64_t max_rows) {
  if (spec.inputs < 1)
    throw ConfigError("model", "dataset.features", "the model needs at least one input feature");
  if (spec.outputs < 1)
    throw ConfigError("model", "dataset", "the model needs at least one output");
  for (auto width : spec.hidden)
    if (width < 1)
      throw ConfigError("model", "model.hidden",
                        "every hidden width must be at least 1, got " + std::to_string(width));
  if (max_rows < 1)
    throw ConfigError("model", "batch.size",
                      "the micro-batch must have at least 1 row, got " + std::to_string(max_rows));
}

void check_stage_source(const MlpSpec& spec, std::int64_t max_rows, const Dataset& data,
                        std::int64_t rows) {
  if (rows > max_rows)
    throw Error("stage_batch: " + std::to_string(rows) + " rows exceed the " +
                std::to_string(max_rows) + " the backend was prepared for");
  if (data.features != spec.inputs)
    throw DataError(data.name + ": has " + std::to_string(data.features) +
                    " features but the model expects " + std::to_string(spec.inputs));
  if (data.task != spec.task)
    throw DataError(data.name + ": is a " + std::string(to_string(data.task)) +
                    " dataset but the model was built for " + std::string(to_string(spec.task)));
  if (spec.task == Task::regression && data.outputs != spec.outputs)
    throw DataError(data.name + ": has " + std::to_string(data.outputs) +
                    " target columns but the model predicts " + std::to_string(spec.outputs));
  const auto expect = [&](std::size_t have, std::int64_t want, const char* what) {
    if (static_cast<std::int64_t>(have) != want)
      throw DataError(data.name + ": holds " + std::to_string(have) + " " + what + " for " +
                      std::to_string(data.rows) + " rows, expected " + std::to_string(want));
  };
  expect(data.x.size(), data.rows * spec.inputs, "feature values");
  if (spec.task == Task::classification)
    expect(data.labels.size(), data.rows, "labels");
  else
    expect(data.targets.size(), data.rows * spec.outputs, "target values");
}

void throw_row_outside(const Dataset& data, std::int64_t row) {
  throw Error("stage_batch: row " + std::to_string(row) + " is outside " + data.name + " (0.." +
              std::to_string(data.rows - 1) + ")");
}

void throw_bad_label(const Dataset& data, std::int64_t row, std::int32_t label,
                     std::int64_t classes) {
  throw DataError(data.name + ": row " + std::to_string(row) + " has label " +
                  std::to_string(label) + " but the model has " + std::to_string(classes) +
                  " classes");
}

}  // namespace batchlab
