// Shared by the app suites: small configs that train in well under a second, and a look into
// the store a run wrote.
#pragma once

#include <QTemporaryDir>
#include <filesystem>
#include <optional>

#include "engine/core/run_config.h"
#include "engine/experiment/run_store.h"

namespace batchlab::testing {

// Spirals, 400 rows, one hidden layer of 16, batch 32: ten steps an epoch.
inline RunConfig tiny_config(double epochs = 3) {
  RunConfig c;
  c.name = "tiny spirals";
  c.dataset.kind = "spirals";
  c.dataset.samples = 400;
  c.dataset.validation_fraction = 0.2;
  c.model.hidden = {16};
  c.batch.size = 32;
  c.stop.epochs = epochs;
  c.eval.every_epochs = 1.0;
  c.threads = 1;
  c.device = "cpu";
  return c;
}

// The same, long enough to pause, resume and stop by hand.
inline RunConfig long_config() {
  RunConfig c = tiny_config(100000);
  c.name = "long spirals";
  return c;
}

inline std::optional<RunRecord> only_run(const std::filesystem::path& store_path) {
  RunStore store(store_path);
  const auto runs = store.list_runs();
  if (runs.size() != 1) return std::nullopt;
  return runs.front();
}

}  // namespace batchlab::testing
