// Planning a lesson step: presets loaded through the same calls as the CLI's run and sweep, so a
// lesson's override means exactly what it means on the command line.
#include "engine/lesson/lesson_plan.h"

#include <algorithm>
#include <set>

#include "engine/core/errors.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/json_fields.h"
#include "engine/experiment/preset_lookup.h"
#include "engine/experiment/sweep_load.h"

namespace batchlab {
namespace {

// An override mistake names "--set" (load_run_config / load_sweep_config say "--set: key: ..."
// or "<file> with --set: ..."); anything else is the preset's own.
bool is_override_error(const std::string& message) {
  return message.starts_with("--set") || message.find(" with --set") != std::string::npos;
}

std::string sweep_run_label(const LessonRunEntry& e, const SweepConfig& s, const SweepRunPlan& p) {
  // The sweep's own label ("b=64 lr=0.05 seed=2") only when batch size alone is ambiguous.
  const std::string part =
      s.learning_rates.size() > 1 || s.repeats > 1 ? p.label : default_run_label(p.config);
  return e.label.empty() ? part : e.label + " " + part;
}

}  // namespace

ServingConfig load_lesson_serving(const LessonRunEntry& e, const std::string& source,
                                  const std::string& at) {
  try {
    resolve_config(PresetKind::serving, e.preset);
  } catch (const Error& err) {
    throw ConfigError(source, at + ".serving", err.what());
  }
  try {
    // The overrides as one JSON object, merged over the preset and read with it, as the CLI's
    // options are: a mistaken key is named before anything is merged.
    static const json_config::KeySchema schema(serving_config_schema());
    nlohmann::json overrides = nlohmann::json::object();
    for (const auto& s : e.set) json_config::apply_assignment(overrides, s, "--set", schema);
    return load_serving_config(e.preset, overrides, "--set");
  } catch (const Error& err) {
    throw ConfigError(source, at + (is_override_error(err.what()) ? ".set" : ".serving"),
                      err.what());
  }
}

std::string default_run_label(const RunConfig& c) {
  switch (c.batch.strategy) {
    case BatchStrategy::full:
      return "full batch";
    case BatchStrategy::stochastic:
      return "B = 1";
    case BatchStrategy::mini:
      break;
  }
  std::string label = "B = " + std::to_string(c.batch.size);
  if (c.batch.accumulate > 1)
    label += " (" + std::to_string(c.batch.accumulate) + " × " +
             std::to_string((c.batch.size + c.batch.accumulate - 1) / c.batch.accumulate) + ")";
  return label;
}

StepPlan plan_step(const LessonStep& step, const std::string& source, const std::string& where,
                   const std::vector<std::string>& extra_set) {
  StepPlan plan;
  std::set<std::string> labels;
  for (std::size_t j = 0; j < step.runs.size(); ++j) {
    const LessonRunEntry& e = step.runs[j];
    const std::string at = where + ".runs[" + std::to_string(j) + "]";
    if (e.is_serving) {
      plan.serving = load_lesson_serving(e, source, at);
      plan.sweeps.emplace_back(std::nullopt);
      continue;
    }
    std::vector<std::string> sets = e.set;
    for (const auto& s : extra_set) sets.push_back(e.is_sweep ? "base." + s : s);
    // The preset first, so "no such preset" is named as the preset's fault.
    try {
      resolve_config(e.is_sweep ? PresetKind::sweep : PresetKind::run, e.preset);
    } catch (const Error& err) {
      throw ConfigError(source, at + (e.is_sweep ? ".sweep" : ".preset"), err.what());
    }
    std::vector<PlannedRun> runs;
    try {
      if (e.is_sweep) {
        SweepConfig s = load_sweep_config(e.preset, sets);
        for (const SweepRunPlan& p : expand_sweep(s, e.preset))
          runs.push_back({static_cast<int>(j), sweep_run_label(e, s, p), p.config});
        plan.sweeps.emplace_back(std::move(s));
      } else {
        RunConfig c = load_run_config(e.preset, sets);
        const std::string label = e.label.empty() ? default_run_label(c) : e.label;
        runs.push_back({static_cast<int>(j), label, std::move(c)});
        plan.sweeps.emplace_back(std::nullopt);
      }
    } catch (const Error& err) {
      const std::string field =
          is_override_error(err.what()) ? ".set" : (e.is_sweep ? ".sweep" : ".preset");
      throw ConfigError(source, at + field, err.what());
    }
    for (PlannedRun& r : runs) {
      if (!labels.insert(r.label).second)
        throw ConfigError(source, at + ".label",
                          "\"" + r.label +
                              "\" names another run of this step too; give each run its own "
                              "label, e.g. \"label\": \"small batch\"");
      plan.runs.push_back(std::move(r));
    }
  }
  return plan;
}

}  // namespace batchlab
