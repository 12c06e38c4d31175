// A lesson step end to end: plan, run each entry through the CLI's calls, judge, and the
// handout summary.
#include "engine/lesson/lesson_runner.h"

#include <initializer_list>
#include <string_view>

#include "engine/core/errors.h"
#include "engine/core/stopwatch.h"
#include "engine/experiment/run_executor.h"
#include "engine/experiment/sweep_run.h"
#include "engine/lesson/lesson_plan.h"
#include "engine/lesson/serving_outcome.h"
#include "engine/serve/serving_model.h"
#include "engine/serve/serving_runtime.h"
#include "engine/train/parameter_snapshot.h"

namespace batchlab {
namespace {

// Forwards every event to the caller's sink and keeps the training rows of the latest run, which
// is the batch of a full-batch run, and (when `path` is set) its parameter snapshots.
class RunCapture final : public EventSink {
 public:
  explicit RunCapture(EventSink* next) : next_(next) {}
  std::int64_t train_rows = 0;
  std::vector<std::vector<float>>* path = nullptr;
  void on_run_started(const RunStarted& e) override {
    train_rows = e.train_rows;
    if (next_) next_->on_run_started(e);
  }
  void on_step(const StepEvent& e) override {
    if (next_) next_->on_step(e);
  }
  void on_eval(const EvalEvent& e) override {
    if (next_) next_->on_eval(e);
  }
  void on_log(const LogEvent& e) override {
    if (next_) next_->on_log(e);
  }
  void on_run_finished(const RunFinished& e) override {
    if (next_) next_->on_run_finished(e);
  }
  void on_extension(const ExtensionEvent& e) override {
    if (path)
      if (const auto* snap = dynamic_cast<const ParameterSnapshotEvent*>(&e))
        path->push_back(snap->parameters);
    if (next_) next_->on_extension(e);
  }

 private:
  EventSink* next_;
};

std::int64_t effective_batch(const RunConfig& c, std::int64_t train_rows) {
  switch (c.batch.strategy) {
    case BatchStrategy::full:
      return train_rows;
    case BatchStrategy::stochastic:
      return 1;
    case BatchStrategy::mini:
      break;
  }
  return c.batch.size;
}

bool stop_requested(const LessonRunOptions& o) {
  return o.control && o.control->stop_requested();
}

const LessonStep& step_at(const Lesson& lesson, int step) {
  if (step < 0 || static_cast<std::size_t>(step) >= lesson.steps.size())
    throw Error(lesson.source + ": there is no step " + std::to_string(step + 1) +
                "; the lesson has " + std::to_string(lesson.steps.size()));
  return lesson.steps[static_cast<std::size_t>(step)];
}

// What `batchlab-cli serve` does with a serving config that has a sweep, with no output.
ServeSweepResult run_serving(const ServingConfig& config, const LessonRunOptions& options) {
  const ServingModel model =
      load_serving_model(config.model, config.train_split, options.store_path, "");
  const ServeOptions serve = serve_options_for(config, model);
  ServingRuntime runtime(model, config, largest_batch(config));
  ServeObservers observers;
  observers.control = options.control;
  return run_serve_sweep(serve, config.sweep, runtime.service(), observers,
                         options.serving_point);
}

}  // namespace

std::optional<ServingConfig> serving_step_config(const Lesson& lesson, int step) {
  const LessonStep& s = step_at(lesson, step);
  for (const LessonRunEntry& e : s.runs)
    if (e.is_serving)
      return load_lesson_serving(e, lesson.source, "steps[" + std::to_string(step) + "].runs[0]");
  return std::nullopt;
}

StepOutcome serving_step_outcome(const Lesson& lesson, int step, ServeSweepResult sweep,
                                 double seconds) {
  StepOutcome out;
  out.step = step;
  out.answer = evaluate_serving_outcome(step_at(lesson, step), sweep);
  out.stopped = sweep.stopped;
  out.serving = std::move(sweep);
  out.seconds = seconds;
  return out;
}

bool step_traces_paths(const LessonStep& step) {
  if (step.outcome.kind == OutcomeKind::most_wandering_path) return true;
  for (const auto& p : step.plots)
    if (p.name == PlotName::loss_surface) return true;
  return false;
}

StepOutcome run_lesson_step(const Lesson& lesson, int step, const LessonRunOptions& options) {
  const LessonStep& s = step_at(lesson, step);
  const StepPlan plan =
      plan_step(s, lesson.source, "steps[" + std::to_string(step) + "]", options.extra_set);
  if (plan.serving) {
    Stopwatch clock;
    ServeSweepResult sweep = run_serving(*plan.serving, options);
    return serving_step_outcome(lesson, step, std::move(sweep), clock.seconds());
  }
  const bool trace = step_traces_paths(s);
  const int total = static_cast<int>(plan.runs.size());

  Stopwatch clock;
  StepOutcome out;
  out.step = step;
  RunCapture capture(options.extra_sink);
  const auto progress = [&](int index, const LessonRunResult* finished) {
    if (options.progress)
      options.progress({index, total, plan.runs[static_cast<std::size_t>(index)].label, finished});
  };
  const auto add = [&](const PlannedRun& r, const RunFinished& f,
                       std::vector<std::vector<float>> path) {
    LessonRunResult result{r.label, r.config, effective_batch(r.config, capture.train_rows), f,
                           std::move(path)};
    out.runs.push_back(std::move(result));
    progress(static_cast<int>(out.runs.size()) - 1, &out.runs.back());
  };

  ExecuteOptions run_options;
  run_options.store_path = options.store_path;
  run_options.extra_sink = &capture;
  run_options.control = options.control;
  run_options.source = lesson.source;
  run_options.snapshots = options.snapshots;
  if (trace) {
    // A path needs the start and every step: the Trainer's snapshots, for small models only.
    run_options.snapshots.enabled = true;
    run_options.snapshots.max_parameters = kMaxTracedParameters;
    run_options.snapshots.every_step_max_parameters = kMaxTracedParameters;
  }

  std::size_t next = 0;  // index into plan.runs
  for (std::size_t entry = 0; entry < s.runs.size() && !out.stopped; ++entry) {
    const auto& sweep = plan.sweeps[entry];
    if (sweep && !trace) {
      SweepOptions sweep_options;
      sweep_options.store_path = options.store_path;
      sweep_options.extra_sink = &capture;
      sweep_options.control = options.control;
      sweep_options.source = lesson.source;
      sweep_options.snapshots = options.snapshots;
      const std::size_t first = next;
      const SweepResult result = run_sweep(*sweep, sweep_options, [&](const SweepProgress& p) {
        if (p.event == SweepProgress::Event::run_starting)
          progress(static_cast<int>(first) + p.index, nullptr);
        else if (p.finished)
          add(plan.runs[first + static_cast<std::size_t>(p.index)], *p.finished, {});
      });
      next += static_cast<std::size_t>(result.planned);
      out.stopped = result.stopped;
      continue;
    }
    // A run entry, or every run of a sweep whose paths are traced.
    for (; next < plan.runs.size() && plan.runs[next].entry == static_cast<int>(entry); ++next) {
      if (stop_requested(options)) {
        out.stopped = true;
        break;
      }
      const PlannedRun& r = plan.runs[next];
      progress(static_cast<int>(next), nullptr);
      std::vector<std::vector<float>> path;
      capture.path = trace ? &path : nullptr;
      const RunFinished f = execute_run(r.config, run_options);
      capture.path = nullptr;
      if (trace && path.empty() && f.status != RunStatus::failed) {
        // Appended piece by piece: one long + chain trips GCC 12's -Wrestrict false positive.
        std::string why = "a parameter path is drawn for models of at most ";
        why += std::to_string(kMaxTracedParameters);
        why += " parameters; ";
        why += r.label;
        why += " has more";
        throw ConfigError(lesson.source, "steps[" + std::to_string(step) + "].runs", why);
      }
      add(r, f, std::move(path));
      if (f.status == RunStatus::stopped) out.stopped = true;
    }
  }
  out.answer = evaluate_outcome(s, out.runs);
  out.seconds = clock.seconds();
  return out;
}

LessonRecord new_lesson_record(const Lesson& lesson) {
  LessonRecord r;
  r.predictions.assign(lesson.steps.size(), kPredictionSkipped);
  r.answers.assign(lesson.steps.size(), std::nullopt);
  return r;
}

LessonSummary summarize_lesson(const Lesson& lesson, const LessonRecord& record) {
  LessonSummary sum;
  sum.title = lesson.title;
  sum.question = lesson.question;
  for (std::size_t i = 0; i < lesson.steps.size(); ++i) {
    const LessonStep& s = lesson.steps[i];
    const auto& choices = s.prediction.choices;
    const auto text_of = [&](int c) {
      return c >= 0 && static_cast<std::size_t>(c) < choices.size()
                 ? choices[static_cast<std::size_t>(c)].text
                 : std::string();
    };
    SummaryLine line;
    line.title = s.title;
    line.question = s.prediction.question;
    line.takeaway = s.takeaway;
    const int predicted =
        i < record.predictions.size() ? record.predictions[i] : kPredictionSkipped;
    line.prediction = predicted == kPredictionSkipped ? "skipped" : text_of(predicted);
    const std::optional<RuleAnswer>* answer =
        i < record.answers.size() ? &record.answers[i] : nullptr;
    if (!answer || !*answer) {
      line.answer = "not run";
    } else {
      const RuleAnswer& a = **answer;
      line.answer = a.choice >= 0 ? text_of(a.choice) : "none of the choices";
      line.outcome = a.sentence;
      if (predicted != kPredictionSkipped) {
        line.predicted_right = predicted == a.choice;
        ++sum.predicted;
        if (predicted == a.choice) ++sum.right;
      }
    }
    sum.steps.push_back(std::move(line));
  }
  return sum;
}

std::string summary_text(const LessonSummary& sum) {
  // Appended piece by piece: "\n" + std::to_string(...) chains trip GCC 12's -Wrestrict false
  // positive (a warning about memcpy of 2⁶³ bytes that cannot happen).
  std::string t;
  const auto add = [&t](std::initializer_list<std::string_view> parts) {
    for (const std::string_view p : parts) t.append(p);
  };
  add({sum.title, "\n", sum.question, "\n"});
  for (std::size_t i = 0; i < sum.steps.size(); ++i) {
    const SummaryLine& l = sum.steps[i];
    const std::string n = std::to_string(i + 1);
    add({"\n", n, ". ", l.title, "\n", "   Question: ", l.question, "\n", "   Predicted: ",
         l.prediction});
    if (l.predicted_right) add({*l.predicted_right ? " (right)" : " (not this time)"});
    add({"\n   Answer: ", l.answer, "\n"});
    if (!l.outcome.empty()) add({"   What happened: ", l.outcome, "\n"});
    add({"   Takeaway: ", l.takeaway, "\n"});
  }
  const std::string right = std::to_string(sum.right), predicted = std::to_string(sum.predicted);
  add({"\nPredicted right: ", right, " of ", predicted, "\n"});
  return t;
}

}  // namespace batchlab
