// defines: serving_setting_of, serving_sweep_settings, serving_setting_text, serving_rate_text,
//          evaluate_serving_outcome
// The serving side of a lesson (lesson 6, "batch versus real-time"): a step whose run is a
// serving preset's sweep (every batcher setting at every offered rate) is judged by
// best_serving_setting: among the settings the choices name, the sweep point of highest
// throughput whose p99 meets the objective with nothing lost and no saturation
// (best_under_objective, serve_sweep.h) names the right choice. The sentence gives the numbers:
//   "Under p99 ≤ 10 ms with nothing lost, dynamic, max batch 32, max delay 2 ms served the most:
//    7,900 req/s at p99 8.1 ms; real-time (batch 1) met it up to 2,000 req/s and saturated at
//    ≈ 2,100 req/s; ..."
// Pure functions of plain data, like outcome_rules.h.
#pragma once

#include <string>
#include <vector>

#include "engine/lesson/lesson.h"
#include "engine/lesson/outcome_rules.h"
#include "engine/serve/serve_sweep.h"
#include "engine/serve/serving_config.h"

namespace batchlab {

ServingSetting serving_setting_of(const ServeSweepPoint& point);

// The settings `config`'s sweep runs, in the order run_serve_sweep runs them (axes a mode
// ignores collapsed, so realtime is one setting and fixed one per max batch).
std::vector<ServingSetting> serving_sweep_settings(const ServingConfig& config);

// "real-time (batch 1)", "fixed batch 32", "dynamic, max batch 32, max delay 2 ms".
std::string serving_setting_text(const ServingSetting& setting);
// "7,900 req/s" (three significant digits, thousands separated: read aloud in a class).
std::string serving_rate_text(double per_second);

// The right choice of `step` (a best_serving_setting step) from its sweep. per_run holds, per
// choice, the highest throughput at which its setting met the objective (NaN: never met it).
RuleAnswer evaluate_serving_outcome(const LessonStep& step, const ServeSweepResult& sweep);

}  // namespace batchlab
