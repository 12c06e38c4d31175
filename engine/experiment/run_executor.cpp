#include "engine/experiment/run_executor.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "engine/backend/cuda_backend.h"
#include "engine/core/errors.h"
#include "engine/data/load_dataset.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/environment.h"
#include "engine/experiment/run_store.h"
#include "engine/experiment/store_sink.h"
#include "engine/train/schedule.h"
#include "engine/train/trainer.h"

namespace batchlab {

namespace {

CudaOptions cuda_options(const RunConfig& config, int device, std::int64_t budget) {
  CudaOptions o;
  o.device = device;
  o.budget_bytes = budget;
  o.tf32 = config.cuda.tf32;
  o.graphs = config.cuda.graphs;
  o.loss_every = config.cuda.loss_every;
  o.resident_data = config.cuda.resident_data;
  return o;
}

// The N of "cuda:N" ("cuda" is cuda:0); validate_run_config has checked the digits.
int cuda_index(const std::string& device) {
  if (device == "cuda") return 0;
  const std::string digits = device.substr(5);
  if (digits.empty() || digits.size() > 3 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    throw ConfigError("config", "device",
                      "unknown device \"" + device + "\" (use auto, cpu, cuda or cuda:N)");
  return std::stoi(digits);
}

}  // namespace

std::unique_ptr<Backend> make_backend(const RunConfig& config, std::string* choice) {
  const std::int64_t budget =
      config.memory_budget_mb
          ? static_cast<std::int64_t>(*config.memory_budget_mb * 1024.0 * 1024.0)
          : 0;
  if (choice) choice->clear();
  const std::string& d = config.device;
  if (d == "cpu") return make_cpu_backend(config.threads, budget);
  if (d == "cuda" || d.rfind("cuda:", 0) == 0)
    return make_cuda_backend(cuda_options(config, cuda_index(d), budget));
  if (d != "auto")
    throw ConfigError("config", "device",
                      "unknown device \"" + d + "\" (use auto, cpu, cuda or cuda:N)");

  // The first usable GPU, describing one GPU at a time so later ones are left untouched.
  GpuProbe probe = probe_gpus(0);
  std::string why_not = probe.reason;
  for (int i = 0; i < std::max(probe.device_count, 1); ++i) {
    if (i > 0) probe = probe_gpus(i);
    if (probe.gpus.empty()) break;  // no driver, no device: reason says which
    const GpuInfo& gpu = probe.gpus.front();
    if (!gpu.unusable.empty()) {
      why_not = "cuda:" + std::to_string(i) + ": " + gpu.unusable;
      continue;
    }
    try {
      auto backend = make_cuda_backend(cuda_options(config, i, budget));
      if (choice) *choice = "device auto: took " + backend->device_name();
      return backend;
    } catch (const Error& e) {
      why_not = e.what();  // a context or handle that cannot be created: fall back, and say so
    }
  }
  auto cpu = make_cpu_backend(config.threads, budget);
  if (choice) *choice = "device auto: no usable GPU (" + why_not + "); took " + cpu->device_name();
  return cpu;
}

namespace {

// Forwards every event, and right after RunStarted a Log event saying which device "auto" took
// (the sink contract puts RunStarted first, so the note cannot go out before it).
class StartupLog final : public EventSink {
 public:
  StartupLog(EventSink& next, std::string message) : next_(next), message_(std::move(message)) {}
  void on_run_started(const RunStarted& e) override {
    next_.on_run_started(e);
    if (message_.empty()) return;
    LogEvent log;
    log.run_id = e.run_id;
    log.level = LogLevel::info;
    log.message = message_;
    next_.on_log(log);
  }
  void on_step(const StepEvent& e) override { next_.on_step(e); }
  void on_eval(const EvalEvent& e) override { next_.on_eval(e); }
  void on_log(const LogEvent& e) override { next_.on_log(e); }
  void on_run_finished(const RunFinished& e) override { next_.on_run_finished(e); }
  void on_extension(const ExtensionEvent& e) override { next_.on_extension(e); }

 private:
  EventSink& next_;
  std::string message_;
};

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

// A run that trained keeps its model (stopped ones too: what they learnt so far), so inference
// can serve it later; out-of-memory, diverged and failed runs have nothing worth serving. A
// store that cannot take it throws Error, which the caller reports as for any store failure.
void keep_model(const std::filesystem::path& store_path, const RunFinished& finished,
                const RunConfig& config, const DatasetSplit& data, const Backend& backend) {
  if (finished.run_id == 0 || finished.summary.steps == 0) return;
  if (finished.status != RunStatus::completed && finished.status != RunStatus::stopped &&
      finished.status != RunStatus::target_reached)
    return;
  StoredModel model;
  model.spec = mlp_spec_for(config, data.train);
  model.parameters = backend.parameters();
  model.feature_mean = data.feature_mean;
  model.feature_std = data.feature_std;
  model.step = finished.summary.steps;
  RunStore(store_path).save_model(finished.run_id, model);
}

}  // namespace

RunFinished execute_run(const RunConfig& config, const ExecuteOptions& options) {
  validate_run_config(config, options.source);
  const DatasetSplit data = load_dataset(config.dataset, config.seed, options.source);
  check_batch_fits(config, data.train, options.source);
  std::string device_choice;
  std::unique_ptr<Backend> backend = make_backend(config, &device_choice);

  RunConfig run_config = config;
  if (run_config.name.empty()) run_config.name = data.train.name;

  std::optional<StoreSink> store_sink;
  std::int64_t run_id = 0;
  if (!options.store_path.empty()) {
    RunStore store(options.store_path);
    nlohmann::json environment = to_json(machine_info());
    // The device's own memory (GPUs), so a stored sweep can draw it beside the measured peaks.
    if (backend->device_total_bytes() > 0)
      environment["device_total_bytes"] = backend->device_total_bytes();
    run_id = store.create_run(run_config.name, run_config_to_json(run_config).dump(),
                              backend->device_name(), environment.dump(), options.sweep_id);
    store_sink.emplace(options.store_path);
  }

  FanOutSink fan_out;
  if (store_sink) fan_out.add(&*store_sink);
  fan_out.add(options.extra_sink);
  StartupLog sinks(fan_out, std::move(device_choice));

  TrainerInputs in;
  in.run_id = run_id;
  in.sweep_id = options.sweep_id;
  in.config = &run_config;
  in.data = &data;
  in.backend = backend.get();
  in.sink = &sinks;
  in.control = options.control;
  in.snapshots = options.snapshots;
  const RunFinished finished = train(in);
  if (store_sink) keep_model(options.store_path, finished, run_config, data, *backend);
  return finished;
}

}  // namespace batchlab
