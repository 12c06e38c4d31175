// defines: ServingModelSource, ServeSweepGrid, ServingConfig, serving_config_from_json,
//          serving_config_schema, is_serving_config_json, load_serving_config,
//          serving_config_for_model, require_arrival_rate, serving_config_to_json
// A serving config (resources/presets/serving/NAME.json, PresetKind::serving) says which model
// to serve, on what workload and through which batcher; `infer` and `serve` read it, the command
// line overrides single keys. Read strictly with the project's reader (experiment/json_fields),
// so an unknown or mistyped key is a ConfigError naming its dotted path:
//
//   {"name": "...", "description": "...",
//    "model":    {"preset": "spirals-mlp"}  or  {"config": {RUN CONFIG}},
//    "split":    "val" | "train",                        rows served and predicted
//    "infer":    {"batch_sizes": [1, 8, 64, 1024], "min_seconds": 0.3},
//    "workload": {"arrivals": "poisson|constant|bursts|trace", "rate": 2000, "duration_s": 10,
//                 "burst_size": 32, "trace": "FILE.csv", "seed": 1},
//    "batcher":  {"mode": "realtime|fixed|dynamic|adaptive", "max_batch": 32, "preferred": [],
//                 "max_delay_ms": 0, "queue_cap": 0, "policy": "reject|drop",
//                 "slo_p99_ms": null, "adapt_window": 100},
//    "clock":    "real" | "virtual",
//    "service":  {"fixed_ms": null, "per_row_ms": 0},   given service times (virtual clock)
//    "sweep":    {"rates": [], "modes": [], "max_batches": [], "max_delays_ms": []}}
//
// A relative trace path is relative to the config file's folder. A trace without duration_s
// plays to its end. Given service times imply the virtual clock unless "clock" says "real".
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/core/run_config.h"
#include "engine/serve/arrivals.h"
#include "engine/serve/batcher.h"
#include "engine/serve/offline_infer.h"

namespace batchlab {

struct ServingModelSource {
  std::string preset;               // a run preset name or a run config path; or
  std::optional<RunConfig> config;  // a run config given inline
  std::int64_t run_id = 0;          // the command line's --run: a stored run's trained model
};

// The serving sweep's axes; an empty axis holds the batcher's own value.
struct ServeSweepGrid {
  std::vector<double> rates;
  std::vector<BatchMode> modes;
  std::vector<std::int64_t> max_batches;
  std::vector<double> max_delays_s;
  bool empty() const {
    return rates.empty() && modes.empty() && max_batches.empty() && max_delays_s.empty();
  }
};

struct ServingConfig {
  std::string name;
  std::string description;
  ServingModelSource model;
  bool train_split = false;  // serve and predict the training rows instead of the validation rows
  InferOptions infer;
  WorkloadConfig workload;
  BatcherConfig batcher;
  bool virtual_clock = false;
  std::optional<double> service_fixed_s;  // given service time: fixed_s + per_row_s · rows
  double service_per_row_s = 0.0;
  ServeSweepGrid sweep;
  bool rate_given = false;  // workload.rate was set (required unless a trace or sweep.rates)
};

const nlohmann::json& serving_config_schema();

// Reads and validates. `base_dir` resolves relative paths (the file's folder).
ServingConfig serving_config_from_json(const nlohmann::json& j, const std::string& source,
                                       const std::filesystem::path& base_dir);

// The config as the file format writes it: what the store keeps with a serving or inference
// run; serving_config_from_json reads it back to an equal config (infinite durations and unset
// values are left out, the trace path stays as it was resolved).
nlohmann::json serving_config_to_json(const ServingConfig& c);

// A JSON file is a serving config when its "model" names a preset or a config, or it has a
// "workload", "batcher", "infer" or "sweep" object; anything else is a run config.
bool is_serving_config_json(const nlohmann::json& j);

// The serving config a CONFIG|PRESET argument names: a serving preset or file as it is, or a
// run preset or run config file wrapped as {"model": {"config": ...}} with every other key at
// its default. `overrides` is merged over the JSON first (the command line's options, as
// {"batcher": {"max_batch": 64}}), then everything is read and validated at once; a key the
// overrides set is reported under `override_source` (ConfigError::field names the key).
ServingConfig load_serving_config(const std::string& name_or_path,
                                  const nlohmann::json& overrides = nlohmann::json::object(),
                                  const std::string& override_source = "command line");

// A stored run as the model (--run ID): the defaults with model.run_id set, overrides applied.
ServingConfig serving_config_for_model(std::int64_t run_id,
                                       const nlohmann::json& overrides = nlohmann::json::object(),
                                       const std::string& override_source = "command line");

// `serve` needs an arrival rate unless a trace or sweep.rates gives it; `infer` does not.
// Throws ConfigError naming workload.rate.
void require_arrival_rate(const ServingConfig& c, const std::string& source);

}  // namespace batchlab
