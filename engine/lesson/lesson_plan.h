// defines: PlannedRun, StepPlan, plan_step, default_run_label
// A lesson step's runs as complete run configs: each run preset loaded with its overrides
// (load_run_config, as `batchlab-cli run --set`), each sweep preset loaded and expanded
// (load_sweep_config + expand_sweep, as `batchlab-cli sweep --set`), a serving preset loaded with
// its overrides (load_serving_config, as `batchlab-cli serve` reads it). The loader plans every step
// once to refuse unknown presets and bad overrides up front; the runner plans again to run them.
// Reading presets only: no data is loaded, nothing is trained.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/run_config.h"
#include "engine/experiment/sweep_config.h"
#include "engine/lesson/lesson.h"
#include "engine/serve/serving_config.h"

namespace batchlab {

struct PlannedRun {
  int entry = 0;      // index into LessonStep::runs
  std::string label;  // unique in the step: what choices and sentences call it
  RunConfig config;   // validated
};

struct StepPlan {
  std::vector<PlannedRun> runs;  // in the order they run: entries in order, a sweep's in its order
  // Per entry: the loaded sweep (run_sweep takes it as it is), nullopt for a run entry.
  std::vector<std::optional<SweepConfig>> sweeps;
  // A serving step's config (its only entry): no training runs, its sweep is what runs.
  std::optional<ServingConfig> serving;
};

// A serving entry's config: the preset with its "key=value" overrides of serving keys
// ("workload.duration_s=1", "sweep.max_batches=[8,32]"). Throws as plan_step does.
ServingConfig load_lesson_serving(const LessonRunEntry& entry, const std::string& source,
                                  const std::string& at);

// "B = 256", "B = 1024 (4 × 256)" with accumulation, "B = 1" for stochastic, "full batch".
std::string default_run_label(const RunConfig& config);

// Loads and expands every entry of `step`. `extra_set` is appended to every entry's overrides
// (run-config keys; a sweep gets them under "base."; a serving entry takes none, its keys are
// not a run's): tests shorten runs with it. Throws
// ConfigError "<source>: <where>.runs[j].preset: <why>" for a preset that cannot be found or
// read, "<where>.runs[j].set: <why>" for an override it refuses, and "<where>.runs[j].label:" for
// a label used twice (sweep runs are labelled "<label> B = 64", or "B = 64" without a label).
StepPlan plan_step(const LessonStep& step, const std::string& source, const std::string& where,
                   const std::vector<std::string>& extra_set = {});

}  // namespace batchlab
