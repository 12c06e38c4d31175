// defines: ServingModel, load_serving_model
// The model that `infer` and `serve` run, with the rows it is fed: a run config (or run preset)
// gives a freshly initialised model from its seed; a stored run (RunStore::model) gives the
// trained parameters, read back with the run's own config so the data loads as it trained.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/core/run_config.h"
#include "engine/data/dataset.h"
#include "engine/model/mlp_spec.h"
#include "engine/serve/serving_config.h"

namespace batchlab {

struct ServingModel {
  std::string label;   // "spirals-mlp (fresh from seed 1)", "run 12 \"spirals\" (trained, step 3000)"
  RunConfig config;    // the dataset, seed and device it runs with
  DatasetSplit data;
  MlpSpec spec;
  std::vector<float> parameters;  // empty: initialise from config.seed
  std::int64_t run_id = 0;
  bool train_split = false;

  // The rows served and predicted: the validation split, else (none, or asked) the training one.
  const Dataset& rows() const {
    return train_split || data.val.rows == 0 ? data.train : data.val;
  }
};

// `store` is read only for a stored run (source.run_id > 0). `device` (not empty) replaces the
// config's device. Throws ConfigError / DataError (bad config or data) or Error ("run 7 has no
// stored model", a model that does not fit the data).
ServingModel load_serving_model(const ServingModelSource& source, bool train_split,
                                const std::filesystem::path& store, const std::string& device);

}  // namespace batchlab
