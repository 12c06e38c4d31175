#include "engine/experiment/run_executor.h"

#include <memory>
#include <optional>

#include "engine/core/errors.h"
#include "engine/data/load_dataset.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/environment.h"
#include "engine/experiment/run_store.h"
#include "engine/experiment/store_sink.h"
#include "engine/train/schedule.h"
#include "engine/train/trainer.h"

namespace batchlab {

std::unique_ptr<Backend> make_backend(const RunConfig& config) {
  const std::int64_t budget =
      config.memory_budget_mb
          ? static_cast<std::int64_t>(*config.memory_budget_mb * 1024.0 * 1024.0)
          : 0;
  const std::string& d = config.device;
  if (d == "cpu" || d == "auto") return make_cpu_backend(config.threads, budget);
  if (d == "cuda" || d.rfind("cuda:", 0) == 0)
    throw Error("device \"" + d + "\": this build has no CUDA backend yet; use --device cpu");
  throw ConfigError("config", "device",
                    "unknown device \"" + d + "\" (use auto, cpu, cuda or cuda:N)");
}

namespace {

// A batch that can never be formed is bad input, caught before the run exists.
void check_batch_fits(const RunConfig& config, const Dataset& train, const std::string& source) {
  if (train.rows <= 0) throw ConfigError(source, "dataset", "the training split has no rows");
  if (config.batch.strategy != BatchStrategy::mini) return;
  if (config.batch.drop_last && config.batch.size > train.rows)
    throw ConfigError(source, "batch.size",
                      std::to_string(config.batch.size) + " is larger than the " +
                          std::to_string(train.rows) +
                          " training rows and drop_last is on, so no batch would ever be formed");
}

}  // namespace

RunFinished execute_run(const RunConfig& config, const ExecuteOptions& options) {
  validate_run_config(config, options.source);
  const DatasetSplit data = load_dataset(config.dataset, config.seed, options.source);
  check_batch_fits(config, data.train, options.source);
  std::unique_ptr<Backend> backend = make_backend(config);

  RunConfig run_config = config;
  if (run_config.name.empty()) run_config.name = data.train.name;

  std::optional<StoreSink> store_sink;
  std::int64_t run_id = 0;
  if (!options.store_path.empty()) {
    RunStore store(options.store_path);
    run_id =
        store.create_run(run_config.name, run_config_to_json(run_config).dump(),
                         backend->device_name(), to_json(machine_info()).dump(), options.sweep_id);
    store_sink.emplace(options.store_path);
  }

  FanOutSink sinks;
  if (store_sink) sinks.add(&*store_sink);
  sinks.add(options.extra_sink);

  TrainerInputs in;
  in.run_id = run_id;
  in.config = &run_config;
  in.data = &data;
  in.backend = backend.get();
  in.sink = &sinks;
  in.control = options.control;
  return train(in);
}

}  // namespace batchlab
