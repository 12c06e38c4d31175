// The seven outcome rules: what decides each answer and the sentence that says it.
#include "engine/lesson/outcome_rules.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include "engine/core/errors.h"
#include "engine/core/format.h"

namespace batchlab {
namespace {

bool trained(const LessonRunResult& r) {
  const RunStatus s = r.finished.status;
  return s == RunStatus::completed || s == RunStatus::target_reached || s == RunStatus::stopped;
}

// "97.5 %"
std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", 100.0 * fraction);
  return buf;
}

// "90 % validation accuracy", "validation loss 0.1"
std::string target_words(const RunConfig& c) {
  if (!c.stop.target) return "the target";
  const TargetConfig& t = *c.stop.target;
  switch (t.metric) {
    case TargetMetric::val_accuracy:
      return percent(t.value) + " validation accuracy";
    case TargetMetric::val_loss:
      return "validation loss " + format_number(t.value, 3);
    case TargetMetric::train_loss:
      return "training loss " + format_number(t.value, 3);
  }
  return "the target";
}

// "B = 256 reached ...; B = 32 took 2.9 s; B = 8 did not reach it": the winner first.
std::string joined(const std::string& first, const std::vector<std::string>& rest) {
  std::string s = first;
  for (const auto& r : rest) s += "; " + r;
  return s;
}

// Indices of the runs the choices name, in choice order.
std::vector<int> chosen_runs(const LessonStep& step, std::span<const LessonRunResult> runs) {
  std::vector<int> out;
  for (const LessonChoice& c : step.prediction.choices)
    for (std::size_t i = 0; i < runs.size(); ++i)
      if (runs[i].label == c.run) out.push_back(static_cast<int>(i));
  return out;
}

int choice_of_run(const LessonStep& step, const std::string& label) {
  const auto& choices = step.prediction.choices;
  for (std::size_t c = 0; c < choices.size(); ++c)
    if (choices[c].run == label) return static_cast<int>(c);
  return -1;
}

// The chosen run with the best finite per_run value (lowest when `lowest`); -1 when none has one.
int best_of(const std::vector<int>& chosen, const std::vector<double>& per_run, bool lowest) {
  int best = -1;
  for (const int i : chosen) {
    const double v = per_run[static_cast<std::size_t>(i)];
    if (!std::isfinite(v)) continue;
    if (best < 0 || (lowest ? v < per_run[static_cast<std::size_t>(best)]
                            : v > per_run[static_cast<std::size_t>(best)]))
      best = i;
  }
  return best;
}

void set_run_answer(RuleAnswer& a, const LessonStep& step, std::span<const LessonRunResult> runs,
                    int run) {
  a.run = run;
  a.choice = run < 0 ? -1 : choice_of_run(step, runs[static_cast<std::size_t>(run)].label);
}

void set_batch_answer(RuleAnswer& a, const LessonStep& step, double batch) {
  a.batch = batch;
  a.choice = nearest_batch_choice(step.prediction, batch);
}

RuleAnswer throughput_knee_rule(const LessonStep& step, std::span<const LessonRunResult> runs) {
  RuleAnswer a;
  std::vector<BatchPoint> points;
  for (const auto& r : runs) {
    const double rate = trained(r) ? r.finished.summary.samples_per_s_median : kNaN;
    a.per_run.push_back(rate);
    if (std::isfinite(rate) && rate > 0)
      points.push_back({static_cast<double>(r.batch_size), rate});
  }
  const auto knee = throughput_knee(points);
  if (!knee) {
    a.sentence = "No run trained long enough to measure its throughput.";
    return a;
  }
  const BatchPoint* smallest = &points.front();
  const BatchPoint* best = &points.front();
  const BatchPoint* at_knee = &points.front();
  for (const auto& p : points) {
    if (p.batch < smallest->batch) smallest = &p;
    if (p.value > best->value) best = &p;
    if (p.batch == *knee) at_knee = &p;
  }
  set_batch_answer(a, step, *knee);
  const auto b = [](double v) { return "B = " + format_number(v, 6); };
  const std::string from = "Throughput grew from " + format_rate(smallest->value) +
                           " samples/s at " + b(smallest->batch);
  if (best->batch == *knee)
    a.sentence = from + " to the best, " + format_rate(best->value) + " at " + b(*knee) +
                 "; larger batches were no faster per sample.";
  else
    a.sentence = from + " to " + format_rate(at_knee->value) + " at " + b(*knee) +
                 ", already within 10 % of the best (" + format_rate(best->value) + " at " +
                 b(best->batch) + "); larger batches add little speed per sample.";
  return a;
}

RuleAnswer fastest_rule(const LessonStep& step, std::span<const LessonRunResult> runs) {
  RuleAnswer a;
  for (const auto& r : runs)
    a.per_run.push_back(r.finished.summary.time_to_target_s.value_or(kNaN));
  const std::vector<int> chosen = chosen_runs(step, runs);
  const int best = best_of(chosen, a.per_run, /*lowest=*/true);
  set_run_answer(a, step, runs, best);
  if (best < 0) {
    a.sentence = "No run reached " +
                 target_words(runs[static_cast<std::size_t>(chosen.front())].config) +
                 ", so none was fastest.";
    return a;
  }
  const LessonRunResult& w = runs[static_cast<std::size_t>(best)];
  std::vector<std::string> rest;
  for (const int i : chosen) {
    if (i == best) continue;
    const auto& r = runs[static_cast<std::size_t>(i)];
    const double t = a.per_run[static_cast<std::size_t>(i)];
    rest.push_back(std::isfinite(t) ? r.label + " took " + format_duration(t)
                                    : r.label + " did not reach it");
  }
  a.sentence = joined(w.label + " reached " + target_words(w.config) + " in " +
                          format_duration(a.per_run[static_cast<std::size_t>(best)]),
                      rest) +
               ".";
  return a;
}

// "B = 1024 ran out of memory (the model needs 8.1 MiB; budget 6 MiB)" / "B = 256 peaked at 4.9
// MiB"
std::string memory_words(const LessonRunResult& r) {
  const RunSummary& s = r.finished.summary;
  if (r.finished.status == RunStatus::out_of_memory) {
    std::string w =
        r.label + " ran out of memory (it needs " + format_bytes(s.predicted_memory_bytes);
    if (r.config.memory_budget_mb)
      w += ", the budget is " +
           format_bytes(static_cast<std::int64_t>(*r.config.memory_budget_mb * 1024 * 1024));
    return w + ")";
  }
  return r.label + " fitted in " + format_bytes(s.peak_memory_bytes);
}

RuleAnswer largest_fitting_rule(const LessonStep& step, std::span<const LessonRunResult> runs) {
  RuleAnswer a;
  int best = -1;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& r = runs[i];
    a.per_run.push_back(static_cast<double>(r.finished.status == RunStatus::out_of_memory
                                                ? r.finished.summary.predicted_memory_bytes
                                                : r.finished.summary.peak_memory_bytes));
    if (r.finished.status != RunStatus::out_of_memory && r.finished.status != RunStatus::failed &&
        (best < 0 || r.batch_size > runs[static_cast<std::size_t>(best)].batch_size))
      best = static_cast<int>(i);
  }
  if (best < 0) {
    a.sentence = "Every run ran out of memory: none fits.";
    return a;
  }
  set_batch_answer(a, step, static_cast<double>(runs[static_cast<std::size_t>(best)].batch_size));
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < runs.size(); ++i)
    if (static_cast<int>(i) != best) rest.push_back(memory_words(runs[i]));
  a.sentence =
      joined("The largest batch that fits is " + runs[static_cast<std::size_t>(best)].label + ": " +
                 memory_words(runs[static_cast<std::size_t>(best)]),
             rest) +
      ".";
  return a;
}

RuleAnswer out_of_memory_rule(const LessonStep& step, std::span<const LessonRunResult> runs) {
  RuleAnswer a;
  const std::vector<int> chosen = chosen_runs(step, runs);
  std::vector<int> oom;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& r = runs[i];
    const bool out = r.finished.status == RunStatus::out_of_memory;
    a.per_run.push_back(static_cast<double>(out ? r.finished.summary.predicted_memory_bytes
                                                : r.finished.summary.peak_memory_bytes));
    for (const int c : chosen)
      if (c == static_cast<int>(i) && out) oom.push_back(c);
  }
  std::vector<std::string> words;
  for (const int i : chosen) words.push_back(memory_words(runs[static_cast<std::size_t>(i)]));
  std::string all = joined(words.front(), {words.begin() + 1, words.end()});
  if (oom.size() == 1) {
    set_run_answer(a, step, runs, oom.front());
    a.sentence = all + ".";
  } else {
    a.sentence =
        (oom.empty() ? "No run ran out of memory: " : "More than one run ran out of memory: ") +
        all + ".";
  }
  return a;
}

RuleAnswer highest_accuracy_rule(const LessonStep& step, std::span<const LessonRunResult> runs) {
  RuleAnswer a;
  for (const auto& r : runs) a.per_run.push_back(r.finished.summary.final_val_accuracy);
  const std::vector<int> chosen = chosen_runs(step, runs);
  const int best = best_of(chosen, a.per_run, /*lowest=*/false);
  set_run_answer(a, step, runs, best);
  if (best < 0) {
    a.sentence = "No run reported a validation accuracy.";
    return a;
  }
  const auto words = [&](int i) {
    const auto& r = runs[static_cast<std::size_t>(i)];
    const double v = a.per_run[static_cast<std::size_t>(i)];
    std::string w = r.label;
    // Appended piece by piece: GCC 12 warns (-Wrestrict, falsely) on "literal" + temporary.
    if (std::isfinite(v)) {
      w += ' ';
      w += percent(v);
    } else {
      w += " no accuracy (";
      w += to_string(r.finished.status);
      w += ')';
    }
    return w;
  };
  std::vector<std::string> rest;
  for (const int i : chosen)
    if (i != best) rest.push_back(words(i));
  a.sentence = joined(runs[static_cast<std::size_t>(best)].label +
                          " ended with the best validation accuracy, " +
                          percent(a.per_run[static_cast<std::size_t>(best)]),
                      rest) +
               ".";
  return a;
}

RuleAnswer wander_rule(const LessonStep& step, std::span<const LessonRunResult> runs) {
  RuleAnswer a;
  const LessonRunResult* ref = nullptr;
  for (const auto& r : runs)
    if (r.label == step.outcome.reference) ref = &r;
  for (const auto& r : runs)
    a.per_run.push_back(ref && &r != ref ? path_wander(r.path, ref->path) : kNaN);
  if (!ref || ref->path.size() < 2) {
    a.sentence =
        "The reference run \"" + step.outcome.reference + "\" has no path to compare with.";
    return a;
  }
  const std::vector<int> chosen = chosen_runs(step, runs);
  const int best = best_of(chosen, a.per_run, /*lowest=*/false);
  set_run_answer(a, step, runs, best);
  if (best < 0) {
    a.sentence = "No run has a path to compare with \"" + ref->label + "\".";
    return a;
  }
  std::vector<std::string> rest;
  for (const int i : chosen)
    if (i != best)
      rest.push_back(runs[static_cast<std::size_t>(i)].label + " " +
                     format_number(a.per_run[static_cast<std::size_t>(i)], 2));
  a.sentence = joined(runs[static_cast<std::size_t>(best)].label + " strayed furthest from the " +
                          ref->label + " path, " +
                          format_number(a.per_run[static_cast<std::size_t>(best)], 2) +
                          " on average at the same step",
                      rest) +
               ".";
  return a;
}

RuleAnswer critical_batch_rule(const LessonStep& step, std::span<const LessonRunResult> runs) {
  RuleAnswer a;
  std::vector<BatchPoint> points;
  for (const auto& r : runs) {
    const auto s = r.finished.summary.steps_to_target;
    a.per_run.push_back(s ? static_cast<double>(*s) : kNaN);
    if (s) points.push_back({static_cast<double>(r.batch_size), static_cast<double>(*s)});
  }
  try {
    const ScalingFit fit = fit_steps_to_target(points);
    a.fit = fit;
    set_batch_answer(a, step, fit.b_noise);
    a.sentence = "S = " + format_number(fit.s_min, 3) + " · (1 + " + format_number(fit.b_noise, 3) +
                 " / B) fits the steps to target (r² = " + format_number(fit.r2, 3) +
                 "): below B ≈ " + format_number(fit.b_noise, 2) +
                 " doubling the batch nearly halves the steps, far above it the steps stop falling";
    // The live estimate beside the fit: the last B_simple of the run nearest B_noise.
    const LessonRunResult* near = nullptr;
    for (const auto& r : runs)
      if (std::isfinite(r.finished.summary.b_simple) &&
          (!near || std::fabs(std::log2(static_cast<double>(r.batch_size) / fit.b_noise)) <
                        std::fabs(std::log2(static_cast<double>(near->batch_size) / fit.b_noise))))
        near = &r;
    if (near)
      a.sentence += "; the live B_simple at " + near->label + " ended at " +
                    format_number(near->finished.summary.b_simple, 2);
    a.sentence += ".";
  } catch (const Error& e) {
    a.sentence = e.what();
  }
  return a;
}

}  // namespace

int nearest_batch_choice(const LessonPrediction& prediction, double batch) {
  int best = -1;
  double best_d = std::numeric_limits<double>::infinity();
  for (std::size_t c = 0; c < prediction.choices.size(); ++c) {
    const auto& b = prediction.choices[c].batch;
    if (!b || !(batch > 0)) continue;
    const double d = std::fabs(std::log2(static_cast<double>(*b) / batch));
    if (d < best_d) {
      best_d = d;
      best = static_cast<int>(c);
    }
  }
  return best;
}

double path_wander(const std::vector<std::vector<float>>& path,
                   const std::vector<std::vector<float>>& reference) {
  const std::size_t n = std::min(path.size(), reference.size());
  if (n < 2) return kNaN;
  double sum = 0.0;
  for (std::size_t t = 1; t < n; ++t) {
    const auto& p = path[t];
    const auto& q = reference[t];
    double d2 = 0.0;
    for (std::size_t k = 0; k < std::min(p.size(), q.size()); ++k) {
      const double d = static_cast<double>(p[k]) - q[k];
      d2 += d * d;
    }
    sum += std::sqrt(d2);
  }
  return sum / static_cast<double>(n - 1);
}

RuleAnswer evaluate_outcome(const LessonStep& step, std::span<const LessonRunResult> runs) {
  if (runs.empty()) {
    RuleAnswer a;
    a.sentence = "No run finished.";
    return a;
  }
  // A step stopped early may lack the runs the choices name.
  if (answer_kind(step.outcome.kind) == AnswerKind::run && chosen_runs(step, runs).empty()) {
    RuleAnswer a;
    a.per_run.assign(runs.size(), kNaN);
    a.sentence = "None of the runs the choices name has finished.";
    return a;
  }
  switch (step.outcome.kind) {
    case OutcomeKind::throughput_knee:
      return throughput_knee_rule(step, runs);
    case OutcomeKind::fastest_to_target:
      return fastest_rule(step, runs);
    case OutcomeKind::largest_fitting_batch:
      return largest_fitting_rule(step, runs);
    case OutcomeKind::out_of_memory_run:
      return out_of_memory_rule(step, runs);
    case OutcomeKind::highest_final_accuracy:
      return highest_accuracy_rule(step, runs);
    case OutcomeKind::most_wandering_path:
      return wander_rule(step, runs);
    case OutcomeKind::critical_batch:
      return critical_batch_rule(step, runs);
    case OutcomeKind::best_serving_setting:
      break;  // judged from the serving sweep (serving_outcome.h), never from training runs
  }
  return {};
}

}  // namespace batchlab
