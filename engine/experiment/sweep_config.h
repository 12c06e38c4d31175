// defines: SweepConfig, SweepRunPlan, sweep_config_from_json, read_sweep_config,
//          sweep_config_to_json, apply_sweep_set, validate_sweep_config, pow2_batch_sizes,
//          expand_sweep
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
//
// This header is the sweep's data and includes no other sweep header: sweep_estimate.h,
// sweep_load.h and sweep_run.h build on it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/core/run_config.h"

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

// Reads and validates (validate_sweep_config).
SweepConfig sweep_config_from_json(const nlohmann::json& j, const std::string& source);
// Reads with the key and type checks but without validate_sweep_config, so a loader can apply
// --set first and validate once; its caller must validate.
SweepConfig read_sweep_config(const nlohmann::json& j, const std::string& source);
// Every key (lr_scaling null when unset), batch sizes as a list.
nlohmann::json sweep_config_to_json(const SweepConfig& sweep);
// "key=value" on a sweep JSON: "base.batch.accumulate=2", "repeats=3", "batch_sizes=[8,64]".
void apply_sweep_set(nlohmann::json& sweep, std::string_view assignment,
                     const std::string& source = "--set");
// Ranges and consistency: batch sizes ≥ 1 and not repeated, learning rates > 0, repeats ≥ 1,
// a mini-batch base, and every expanded run valid (validate_run_config; its errors are named
// base.<key> and say which run). Throws ConfigError.
void validate_sweep_config(const SweepConfig& sweep, const std::string& source);

// a, 2a, 4a, … up to and including b when b is reached. Throws ConfigError (source, "batch_sizes")
// unless a and b are powers of two with 1 ≤ a ≤ b ≤ 2^30.
std::vector<std::int64_t> pow2_batch_sizes(std::int64_t from, std::int64_t to,
                                           const std::string& source = "sweep");

// The runs in order (see the top of this header), named "<sweep> b=64 lr=0.05 seed=2"; "seed=…"
// only when repeats > 1. Validates first (validate_sweep_config).
std::vector<SweepRunPlan> expand_sweep(const SweepConfig& sweep,
                                       const std::string& source = "sweep");

}  // namespace batchlab
