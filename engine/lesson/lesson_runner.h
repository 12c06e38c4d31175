// defines: LessonRunOptions, LessonRunProgress, StepOutcome, run_lesson_step, step_traces_paths,
//          serving_step_config, serving_step_outcome,
//          kMaxTracedParameters, LessonRecord, kPredictionSkipped, new_lesson_record,
//          SummaryLine, LessonSummary, summarize_lesson, summary_text
// Running a lesson headless, one step at a time, so a window can drive it the way a class walks
// through it: show the step's prediction, record the class's answer (or a skip) in a
// LessonRecord, run the step (run_lesson_step, on the caller's thread: the GUI's worker), show
// StepOutcome.answer beside the prediction, Next. summarize_lesson turns the record into the
// handout: each question, the prediction, the outcome and the takeaway. Plain data in and out;
// no Qt, no store needed.
//
// A step's run entries go through the CLI's own calls: a run preset through execute_run, a sweep
// preset through run_sweep (stored as a sweep when a store is given). A step that draws
// parameter paths (a loss_surface plot or the most_wandering_path rule) runs each of its runs
// alone through execute_run with the Trainer's parameter snapshots on at every step
// (train/parameter_snapshot.h), for models of at most kMaxTracedParameters parameters.
//
// A serving step (its one entry a serving preset) runs the preset's serving sweep as
// `batchlab-cli serve` does (load_serving_model, ServingRuntime, run_serve_sweep) and is judged by
// evaluate_serving_outcome. The window runs that sweep in its own serving job instead, so its
// Inference view draws it live, and hands the result to serving_step_outcome.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/event_sink.h"
#include "engine/core/run_control.h"
#include "engine/lesson/lesson.h"
#include "engine/lesson/outcome_rules.h"
#include "engine/serve/serve_sweep.h"
#include "engine/serve/serving_config.h"
#include "engine/train/parameter_snapshot.h"

namespace batchlab {

// A path costs a copy of every parameter per step: a demonstration for small models.
inline constexpr std::int64_t kMaxTracedParameters = 1024;

struct LessonRunProgress {
  int index = 0;  // 0-based over the step's runs
  int total = 0;
  std::string label;
  // null: the run is starting; else its result, valid during the call only
  const LessonRunResult* finished = nullptr;
};

struct LessonRunOptions {
  std::filesystem::path store_path;  // empty: nothing stored (traced runs never are)
  EventSink* extra_sink = nullptr;   // every run's events, in order (the GUI bridge)
  RunControl* control = nullptr;     // stop: ends the current run and starts no more
  // Appended to every run's overrides (run-config keys; "base." is added for sweeps), after the
  // lesson's own: tests and rehearsals shorten runs with "stop.max_steps=20", say. The rule is
  // the same.
  std::vector<std::string> extra_set;
  // Parameter snapshots to extra_sink for the window's model views (a tracing step turns them
  // on at every step whatever this says).
  SnapshotPolicy snapshots;
  // Called on the running thread before and after each run, never per step.
  std::function<void(const LessonRunProgress&)> progress;
  // A serving step: called on the running thread as each sweep point ends.
  std::function<void(const ServeSweepPoint&)> serving_point;
};

struct StepOutcome {
  int step = 0;
  std::vector<LessonRunResult> runs;  // the runs that ran, in order
  RuleAnswer answer;                  // from the runs that ran (or the serving sweep)
  std::optional<ServeSweepResult> serving;  // a serving step's sweep; runs is empty then
  bool stopped = false;               // a stop request ended the step early
  double seconds = 0.0;               // wall-clock time of the whole step
};

// True when the step's runs record their parameter paths.
bool step_traces_paths(const LessonStep& step);

// Plans (lesson_plan.h), runs and judges step `step` (0-based) of `lesson`. Throws Error for a
// step index out of range and whatever execute_run / run_sweep throw for input they refuse; a
// run that diverges or runs out of memory is a result.
StepOutcome run_lesson_step(const Lesson& lesson, int step, const LessonRunOptions& options = {});

// The serving config step `step` runs, planned as run_lesson_step plans it; nullopt when the
// step trains. Throws as run_lesson_step does for a step out of range.
std::optional<ServingConfig> serving_step_config(const Lesson& lesson, int step);
// The outcome of serving step `step` from a sweep run elsewhere (the window's serving job).
StepOutcome serving_step_outcome(const Lesson& lesson, int step, ServeSweepResult sweep,
                                 double seconds);

inline constexpr int kPredictionSkipped = -1;

// What the class did, per step: the choice it predicted (or kPredictionSkipped), and the answer
// once the step has run. The GUI owns it; new_lesson_record sizes it for the lesson.
struct LessonRecord {
  std::vector<int> predictions;
  std::vector<std::optional<RuleAnswer>> answers;
};
LessonRecord new_lesson_record(const Lesson& lesson);

struct SummaryLine {
  std::string title;
  std::string question;
  std::string prediction;  // the chosen text, or "skipped"
  std::string answer;      // the right choice's text; "none of the choices"; "not run"
  std::string outcome;     // the rule's sentence; empty when not run
  std::string takeaway;
  std::optional<bool> predicted_right;  // empty when skipped or not run
};

struct LessonSummary {
  std::string title;
  std::string question;
  std::vector<SummaryLine> steps;
  int predicted = 0;  // steps with a prediction and an answer
  int right = 0;      // of those, the ones predicted right
};

LessonSummary summarize_lesson(const Lesson& lesson, const LessonRecord& record);
// The summary as plain text, one block per step, for a terminal or as the handout's source.
std::string summary_text(const LessonSummary& summary);

}  // namespace batchlab
