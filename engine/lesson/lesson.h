// defines: Lesson, LessonStep, LessonRunEntry, LessonPlot, LessonChoice, LessonPrediction,
//          LessonOutcomeRule, ServingSetting, PlotName, PlotSize, OutcomeKind, AnswerKind,
//          answer_kind,
//          to_string, parse_plot_name, parse_plot_size, parse_outcome_kind, plot_names_list,
//          outcome_kinds_list, lesson_to_json, kMinChoices, kMaxChoices
// A lesson (issue 10, DESIGN §7 "Classroom") as plain data: a title, the question it answers and
// steps. A step names the runs to launch (a run preset or a sweep preset, each with `--set`-style
// overrides; or one serving preset whose sweep it runs), the plots to show, a prediction question with 2–5 choices, what to point at once
// the result is in, a one-sentence takeaway, and the rule that computes the right choice from
// the results (outcome_rules.h). Reading and validation live in lesson_io.h; running a step in
// lesson_runner.h. Nothing here knows of Qt, so the GUI shows these structs as they are.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/serve/batcher.h"

namespace batchlab {

// The views a step may ask for: the fixed list the window knows how to draw.
enum class PlotName {
  loss,
  throughput,
  memory,
  batch_size,
  accuracy,
  sweep_throughput,
  sweep_memory,
  sweep_steps_to_target,
  sweep_time_to_target,
  decision_boundary,
  loss_surface,
  serving_latency_throughput  // the Inference view's p99-against-throughput curves
};
enum class PlotSize { normal, large };

// How the right answer is computed from the step's results (outcome_rules.h says how each one
// decides and words its sentence).
enum class OutcomeKind {
  throughput_knee,         // batch: the smallest batch within 10 % of the best samples/s
  fastest_to_target,       // run: the least wall-clock time to the stop target
  largest_fitting_batch,   // batch: the largest batch whose run did not run out of memory
  out_of_memory_run,       // run: the one run that ended out of memory
  highest_final_accuracy,  // run: the best validation accuracy at the end
  most_wandering_path,     // run: the largest mean distance from the reference run's path
  critical_batch,          // batch: B_noise of the fitted S = S_min(1 + B_noise/B)
  best_serving_setting     // setting: the highest throughput meeting the serving p99 objective
};

// What a rule's answer is, and so what each choice must stand for: one of the step's runs (by
// label), a batch size (the choice nearest to the answer, on a log scale, is right) or a
// batcher setting of the step's serving sweep.
enum class AnswerKind { run, batch, setting };
AnswerKind answer_kind(OutcomeKind kind);

// Names as written in lesson JSON; parse_* return nullopt for unknown text.
std::string_view to_string(PlotName v);
std::string_view to_string(PlotSize v);
std::string_view to_string(OutcomeKind v);
std::optional<PlotName> parse_plot_name(std::string_view text);
std::optional<PlotSize> parse_plot_size(std::string_view text);
std::optional<OutcomeKind> parse_outcome_kind(std::string_view text);
// "loss, throughput, ..." for error messages.
std::string plot_names_list();
std::string outcome_kinds_list();

inline constexpr int kMinChoices = 2;
inline constexpr int kMaxChoices = 5;

// One entry of a step's "runs": a run preset (one run) or a sweep preset (its expanded runs),
// each with "key=value" overrides applied exactly as `batchlab-cli run/sweep --set` applies them;
// or a serving preset (resources/presets/serving/), whose sweep of rates and batcher settings
// the step runs, with overrides of its own keys ("workload.duration_s=1"). A serving entry is
// the only entry of its step and has no label: its settings are named by the choices.
struct LessonRunEntry {
  bool is_sweep = false;
  bool is_serving = false;
  std::string preset;            // a preset name or a path, as `run`/`sweep`/`serve` take it
  std::vector<std::string> set;  // "batch.size=256" (a sweep's keys: "base.stop.epochs=2")
  std::string label;             // names the run in choices and sentences; empty: "B = 256"
};

struct LessonPlot {
  PlotName name = PlotName::loss;
  PlotSize size = PlotSize::normal;
};

// One batcher setting of a serving sweep: what its curve is and what a choice may name. The
// axes a mode ignores are 1 (max batch of realtime) and 0 (max delay of realtime and fixed),
// as run_serve_sweep collapses them.
struct ServingSetting {
  BatchMode mode = BatchMode::dynamic;
  std::int64_t max_batch = 1;
  double max_delay_s = 0.0;
  bool operator==(const ServingSetting&) const = default;
};

// A choice stands for a run of the step (run-answer rules), for a batch size (batch-answer
// rules) or for a serving setting (setting answers); which one the rule's AnswerKind says, and
// the loader checks.
struct LessonChoice {
  std::string text;                      // what the class reads: "B = 256"
  std::string run;                       // a run label of the step (run answers)
  std::optional<std::int64_t> batch;     // a batch size (batch answers)
  std::optional<ServingSetting> setting;  // a setting of the serving sweep (setting answers)
};

struct LessonPrediction {
  std::string question;
  std::vector<LessonChoice> choices;  // kMinChoices … kMaxChoices
};

struct LessonOutcomeRule {
  OutcomeKind kind = OutcomeKind::throughput_knee;
  std::string reference;  // most_wandering_path: the label of the run every path is set against
};

struct LessonStep {
  std::string title;
  std::vector<LessonRunEntry> runs;
  std::vector<LessonPlot> plots;
  LessonPrediction prediction;
  std::string point_at;  // what the teacher points at once the result is in
  std::string takeaway;  // one sentence
  LessonOutcomeRule outcome;
};

struct Lesson {
  std::string name;    // the file stem ("memory-wall")
  std::string source;  // the file it was read from, for messages
  std::string title;
  std::string description;  // two sentences for a chooser; may be empty
  std::string question;     // the question the whole lesson answers
  std::vector<LessonStep> steps;
};

// Every key, as lesson_io reads it back (labels and sizes written even when defaulted).
nlohmann::json lesson_to_json(const Lesson& lesson);

}  // namespace batchlab
