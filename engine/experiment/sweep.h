// defines: SweepConfig, SweepRunPlan, sweep_config_from_json, sweep_config_to_json,
//          apply_sweep_set, validate_sweep_config, load_sweep_config, list_sweep_presets,
//          find_sweep_preset, pow2_batch_sizes, expand_sweep, run_sweep (+ options, progress)
// A sweep (DESIGN §6) is a base run config plus the batch sizes to try, optionally learning
// rates and an LR scaling rule, and a number of repeats over seeds:
//
//   {"name": "spirals", "description": "...",
//    "base": RUN_CONFIG,
//    "batch_sizes": [8, 32, 128] | {"pow2_from": 8, "to": 512},
//    "learning_rates": [0.01, 0.1],                      optional; default base.optimizer.lr
//    "lr_scaling": {"rule": "linear", "base_batch": 32, "warmup_epochs": 1},      optional
//    "repeats": 3}                                       optional; default 1
//
// Reading is as strict as for run configs (config_io) and uses the same code: an unknown key
// or wrong type throws ConfigError "<source>: <dotted.key>: <reason>", with base.* keys named
// in full ("base.optimizer.lr"). It expands, in this order, to one run per
// (batch size, learning rate, repeat): batch sizes in the order given (pow2 ascending), then
// learning rates, then repeats, so runs at one batch size sit together. Repeat r runs with
// seed base.seed + r, which changes the data split, the initialisation and the shuffling.
// lr_scaling, when given, replaces base.batch.lr_scaling in every run; the Trainer applies it
// (with its warmup) exactly as in a single run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/core/event_sink.h"
#include "engine/core/events.h"
#include "engine/core/run_config.h"
#include "engine/core/run_control.h"
#include "engine/experiment/sweep_estimate.h"

namespace batchlab {

struct SweepConfig {
  std::string name;  // names the sweep in the store and prefixes every run's name
  std::string description;
  RunConfig base;
  // In the order they run. {"pow2_from": a, "to": b} is read as a, 2a, 4a, … ≤ b; it is written
  // back as the list, so a stored sweep says exactly what ran.
  std::vector<std::int64_t> batch_sizes;
  std::vector<double> learning_rates;         // empty: base.optimizer.lr only
  std::optional<LrScalingConfig> lr_scaling;  // replaces base.batch.lr_scaling when set
  int repeats = 1;
};

// One run of an expanded sweep, as the preview lists it and run_sweep runs it.
struct SweepRunPlan {
  int index = 0;     // 0-based position in the sweep
  RunConfig config;  // complete: name, batch size, lr, rule and seed filled in; validated
  std::int64_t batch_size = 0;
  double lr = 0.0;         // optimizer.lr of this run (before the scaling rule)
  double scaled_lr = 0.0;  // what it trains at once any warmup is over (lr with the rule applied)
  int repeat = 0;          // 0-based
  std::uint64_t seed = 0;
  std::string label;  // "b=64 lr=0.05 seed=2": the part of the name that tells runs apart
};

SweepConfig sweep_config_from_json(const nlohmann::json& j, const std::string& source);
// Every key (lr_scaling null when unset), batch sizes as a list.
nlohmann::json sweep_config_to_json(const SweepConfig& sweep);
// "key=value" on a sweep JSON: "base.batch.accumulate=2", "repeats=3", "batch_sizes=[8,64]".
void apply_sweep_set(nlohmann::json& sweep, std::string_view assignment,
                     const std::string& source = "--set");
// Ranges and consistency: batch sizes ≥ 1 and not repeated, learning rates > 0, repeats ≥ 1,
// a mini-batch base, and every expanded run valid (validate_run_config; its errors are named
// base.<key> and say which run). Throws ConfigError.
void validate_sweep_config(const SweepConfig& sweep, const std::string& source);
// A path to a sweep JSON, or the name of a sweep preset (resources/presets/sweeps/NAME.json),
// with --set assignments applied. The name defaults to the file's stem. Throws ConfigError or
// Error (no such file or preset; the message lists the sweep presets).
SweepConfig load_sweep_config(const std::string& name_or_path,
                              const std::vector<std::string>& assignments = {});

struct SweepPresetInfo {
  std::string name;         // file stem: what `batchlab-cli sweep NAME` takes
  std::string title;        // "name" in the JSON, or the stem
  std::string description;  // may be empty
  std::filesystem::path path;
};
// Sweep presets live in a "sweeps" folder inside each preset folder (config_io's search order;
// an earlier folder's file hides a later one of the same name). Kept apart from run presets so
// a run-preset chooser never offers a sweep.
std::vector<SweepPresetInfo> list_sweep_presets();
std::filesystem::path find_sweep_preset(const std::string& name);  // empty when not found

// a, 2a, 4a, … up to and including b when b is reached. Throws ConfigError (source, "batch_sizes")
// unless a and b are powers of two with 1 ≤ a ≤ b ≤ 2^30.
std::vector<std::int64_t> pow2_batch_sizes(std::int64_t from, std::int64_t to,
                                           const std::string& source = "sweep");

// The runs in order (see the top of this header), named "<sweep> b=64 lr=0.05 seed=2"; "seed=…"
// only when repeats > 1. Validates first (validate_sweep_config).
std::vector<SweepRunPlan> expand_sweep(const SweepConfig& sweep,
                                       const std::string& source = "sweep");

// ---- Running a sweep ----

struct SweepOptions {
  std::filesystem::path store_path;  // empty: nothing stored
  EventSink* extra_sink = nullptr;   // every run's events, in order (GUI bridge, JSONL, progress)
  RunControl* control = nullptr;     // stop: ends the current run and the sweep; pause: the run
  std::string source = "sweep";      // names the sweep config in error messages
  // A calibration (calibrate_step_time) gives an ETA before the first run ends; without one the
  // ETA is unknown (NaN) until a run has finished. Measured runs refine it either way.
  std::optional<StepTimeModel> step_time;
};

struct SweepProgress {
  enum class Event { run_starting, run_finished };
  Event event = Event::run_starting;
  int index = 0;  // 0-based
  int total = 0;
  const SweepRunPlan* plan = nullptr;
  const RunFinished* finished = nullptr;  // run_finished only
  std::int64_t sweep_id = 0;              // 0 when not stored
  // Estimated seconds until the sweep ends: this run and the ones after it at run_starting, the
  // ones after it at run_finished. An upper bound: runs that reach their target stop sooner.
  // NaN while unknown.
  double eta_s = kNaN;
};
// Called on the thread running the sweep, between runs (never per step).
using SweepProgressFn = std::function<void(const SweepProgress&)>;

struct SweepRunOutcome {
  SweepRunPlan plan;
  // As execute_run returned it. A run that could not start (bad data for this batch size, say)
  // has run_id 0, status failed and the error as reason.
  RunFinished finished;
};

struct SweepResult {
  std::int64_t sweep_id = 0;  // 0 when not stored
  int planned = 0;
  std::vector<SweepRunOutcome> runs;  // the runs that ran, in order
  bool stopped = false;               // a stop request ended the sweep early
  StepTimeModel step_time;            // the step-time model refined by the runs
};

// Runs the expanded sweep one run after another through execute_run, in the caller's thread.
// The sweep is stored first (RunStore::create_sweep) and every run carries its id. A run that
// diverges, runs out of memory or fails is a result: it is recorded and the sweep goes on. A stop
// request (options.control) stops the current run (stored as `stopped`) and starts no more.
// Throws ConfigError for an invalid sweep, and Error when the first run cannot even start (bad
// data, unusable device): then the sweep is removed from the store again, so bad input leaves
// the store as it was.
SweepResult run_sweep(const SweepConfig& sweep, const SweepOptions& options,
                      const SweepProgressFn& progress = {});

}  // namespace batchlab
