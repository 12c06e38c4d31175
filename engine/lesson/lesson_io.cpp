// Lesson JSON → Lesson, strictly: the json_fields reader per object, errors renamed with the
// object's dotted place in the file (steps[1].prediction.choices[0].text).
#include "engine/lesson/lesson_io.h"

#include <algorithm>
#include <set>

#include "engine/core/errors.h"
#include "engine/experiment/json_fields.h"
#include "engine/lesson/lesson_plan.h"
#include "engine/lesson/serving_outcome.h"

namespace batchlab {
namespace {

using json_config::Fields;
using json_config::KeySchema;
using json_config::shown;
using nlohmann::json;

// One schema per kind of object: json_fields looks keys up by dotted path, which has no place
// for a list index, so each object in a list is read at its own root and its errors renamed.
const KeySchema& lesson_schema() {
  static const KeySchema s(
      json{{"title", ""}, {"description", ""}, {"question", ""}, {"steps", json::array()}});
  return s;
}
const KeySchema& step_schema() {
  static const KeySchema s(json{{"title", ""},
                                {"runs", json::array()},
                                {"plots", json::array()},
                                {"prediction", {{"question", ""}, {"choices", json::array()}}},
                                {"point_at", ""},
                                {"takeaway", ""},
                                {"outcome", {{"kind", ""}, {"reference", ""}}}});
  return s;
}
const KeySchema& run_schema() {
  static const KeySchema s(
      json{{"preset", ""}, {"sweep", ""}, {"serving", ""}, {"set", json::array()}, {"label", ""}});
  return s;
}
const KeySchema& plot_schema() {
  static const KeySchema s(json{{"name", ""}, {"size", ""}});
  return s;
}
const KeySchema& choice_schema() {
  static const KeySchema s(json{{"text", ""},
                                {"run", ""},
                                {"batch", 1},
                                {"setting", {{"mode", ""}, {"max_batch", 1}, {"max_delay_ms", 0.0}}}});
  return s;
}

std::string indexed(const std::string& key, std::size_t i) {
  return key + "[" + std::to_string(i) + "]";
}

// Runs `read` on an object at its own root and renames the fields of its errors `prefix.field`.
template <typename F>
auto under(const std::string& source, const std::string& prefix, F read) {
  try {
    return read();
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    const std::string head = source + ": " + e.field() + ": ";
    const std::string reason = what.starts_with(head) ? what.substr(head.size()) : what;
    const std::string field =
        e.field() == "(top level)" ? prefix : json_config::dotted(prefix, e.field());
    throw ConfigError(source, field, reason);
  }
}

// A required, non-empty string; `example` says what is wanted.
std::string text(const Fields& f, const char* key, const std::string& example) {
  if (!f.find(key)) f.fail(key, "required: " + example);
  std::string out;
  f.get(key, out);
  if (out.find_first_not_of(" \t\n") == std::string::npos)
    f.fail(key, "must not be empty: " + example);
  return out;
}

// The list at `key` (required, unless `optional`), checked to be a list.
const json& list(const Fields& f, const char* key, const std::string& example,
                 bool optional = false) {
  static const json empty = json::array();
  const json* v = f.find(key);
  if (!v) {
    if (optional) return empty;
    f.fail(key, "required: " + example);
  }
  if (!v->is_array()) f.fail(key, "expected a list, got " + shown(*v) + "; " + example);
  return *v;
}

LessonRunEntry read_run(const json& node, const std::string& source) {
  const Fields f(node, "", source, run_schema());
  LessonRunEntry r;
  const bool preset = f.find("preset") != nullptr;
  const bool sweep = f.find("sweep") != nullptr;
  const bool serving = f.find("serving") != nullptr;
  if (preset + sweep + serving != 1) {
    if (preset + sweep + serving == 0)
      f.fail("preset",
             "required: a run preset (\"preset\": \"spirals-mlp\"), a sweep preset "
             "(\"sweep\": \"spirals-batch-sizes\") or a serving preset (\"serving\": "
             "\"batch-vs-realtime\")");
    f.fail(serving ? "serving" : "sweep", "give one of \"preset\", \"sweep\" and \"serving\"");
  }
  r.is_sweep = sweep;
  r.is_serving = serving;
  const char* key = sweep ? "sweep" : serving ? "serving" : "preset";
  r.preset = text(f, key, "a preset name or a path to a JSON file");
  if (serving && f.find("label"))
    f.fail("label", "a serving entry has no label: its choices name its settings");
  const json& sets = list(f, "set", "e.g. [\"batch.size=256\"]", /*optional=*/true);
  for (std::size_t i = 0; i < sets.size(); ++i) {
    if (!sets[i].is_string())
      f.fail(indexed("set", i), "expected \"key=value\", got " + shown(sets[i]));
    r.set.push_back(sets[i].get<std::string>());
  }
  f.get("label", r.label);
  return r;
}

LessonPlot read_plot(const json& node, const std::string& source) {
  LessonPlot p;
  const auto name = [&](const Fields* f, const json& v) {
    const auto parsed = v.is_string() ? parse_plot_name(v.get<std::string>()) : std::nullopt;
    if (!parsed) {
      const std::string reason =
          "unknown plot " + shown(v) + "; expected one of " + plot_names_list();
      if (f) f->fail("name", reason);
      throw ConfigError(source, "(top level)", reason);
    }
    return *parsed;
  };
  if (!node.is_object()) {
    p.name = name(nullptr, node);
    return p;
  }
  const Fields f(node, "", source, plot_schema());
  if (!f.find("name")) f.fail("name", "required: one of " + plot_names_list());
  p.name = name(&f, *f.find("name"));
  if (const json* v = f.find("size")) {
    const auto size = v->is_string() ? parse_plot_size(v->get<std::string>()) : std::nullopt;
    if (!size) f.fail("size", "expected \"normal\" or \"large\", got " + shown(*v));
    p.size = *size;
  }
  return p;
}

LessonChoice read_choice(const json& node, const std::string& source) {
  const Fields f(node, "", source, choice_schema());
  LessonChoice c;
  c.text = text(f, "text", "what the class reads, e.g. \"B = 256\"");
  f.get("run", c.run);
  if (const json* v = f.find("batch")) {
    const std::int64_t b = f.integer("batch", *v);
    if (b < 1) f.fail("batch", "must be at least 1, got " + shown(*v));
    c.batch = b;
  }
  if (f.find("setting")) {
    const Fields st = f.object("setting");
    ServingSetting set;
    if (!st.find("mode")) st.fail("mode", "required: realtime, fixed, dynamic or adaptive");
    const json* m = st.find("mode");
    const auto mode = m->is_string() ? parse_batch_mode(m->get<std::string>()) : std::nullopt;
    if (!mode)
      st.fail("mode", "unknown batcher " + shown(*m) + "; expected realtime, fixed, dynamic or adaptive");
    set.mode = *mode;
    const bool batches = set.mode != BatchMode::realtime;
    const bool waits = set.mode == BatchMode::dynamic || set.mode == BatchMode::adaptive;
    if (!batches && st.find("max_batch"))
      st.fail("max_batch", "realtime serves one request at a time: no max_batch");
    if (batches && !st.find("max_batch"))
      st.fail("max_batch", "required by " + std::string(to_string(set.mode)) + ": the batch limit");
    if (!waits && st.find("max_delay_ms"))
      st.fail("max_delay_ms", std::string(to_string(set.mode)) + " does not wait: no max_delay_ms");
    if (batches) {
      st.get("max_batch", set.max_batch);
      if (set.max_batch < 1) st.fail("max_batch", "must be at least 1");
    }
    double delay_ms = 0;
    st.get("max_delay_ms", delay_ms);
    if (delay_ms < 0) st.fail("max_delay_ms", "must not be negative");
    set.max_delay_s = delay_ms / 1e3;
    c.setting = set;
  }
  return c;
}

LessonStep read_step(const json& node, const std::string& source) {
  const Fields f(node, "", source, step_schema());
  LessonStep s;
  s.title = text(f, "title", "a few words, e.g. \"Under a memory budget\"");

  const json& runs = list(f, "runs", "e.g. [{\"preset\": \"spirals-mlp\"}]");
  if (runs.empty())
    f.fail("runs", "a step needs at least one run, e.g. [{\"preset\": \"spirals-mlp\"}]");
  for (std::size_t i = 0; i < runs.size(); ++i)
    s.runs.push_back(under(source, indexed("runs", i), [&] { return read_run(runs[i], source); }));

  const json& plots =
      list(f, "plots", "e.g. [\"loss\", {\"name\": \"memory\", \"size\": \"large\"}]");
  if (plots.empty() || plots.size() > 4)
    f.fail("plots", "needs 1 to 4 plots, got " + std::to_string(plots.size()));
  for (std::size_t i = 0; i < plots.size(); ++i)
    s.plots.push_back(
        under(source, indexed("plots", i), [&] { return read_plot(plots[i], source); }));

  if (!f.find("prediction"))
    f.fail("prediction", "required: {\"question\": ..., \"choices\": [...]}");
  const Fields p = f.object("prediction");
  s.prediction.question = text(p, "question", "what the class predicts before the runs start");
  const json& choices = list(p, "choices", "2 to 5 choices");
  if (choices.size() < static_cast<std::size_t>(kMinChoices) ||
      choices.size() > static_cast<std::size_t>(kMaxChoices))
    p.fail("choices", "needs " + std::to_string(kMinChoices) + " to " +
                          std::to_string(kMaxChoices) + " choices, got " +
                          std::to_string(choices.size()));
  for (std::size_t i = 0; i < choices.size(); ++i)
    s.prediction.choices.push_back(under(source, "prediction." + indexed("choices", i),
                                         [&] { return read_choice(choices[i], source); }));

  s.point_at = text(f, "point_at", "what to point at once the result is in");
  s.takeaway = text(f, "takeaway", "one sentence the class takes home");

  if (!f.find("outcome"))
    f.fail("outcome", "required: {\"kind\": one of " + outcome_kinds_list() + "}");
  const Fields o = f.object("outcome");
  const json* kind = o.find("kind");
  if (!kind) o.fail("kind", "required: one of " + outcome_kinds_list());
  const auto parsed =
      kind->is_string() ? parse_outcome_kind(kind->get<std::string>()) : std::nullopt;
  if (!parsed)
    o.fail("kind", "unknown outcome " + shown(*kind) + "; expected one of " + outcome_kinds_list());
  s.outcome.kind = *parsed;
  o.get("reference", s.outcome.reference);
  return s;
}

// The rules that need the planned runs (labels, targets) of step `i`.
// A serving step: one serving entry whose sweep has rates and an objective, judged by
// best_serving_setting, each choice one of the sweep's settings.
void validate_serving_step(const LessonStep& s, const StepPlan& plan, const std::string& at,
                           const std::string& source) {
  const auto fail = [&](const std::string& field, const std::string& reason) {
    throw ConfigError(source, at + "." + field, reason);
  };
  const bool serving = plan.serving.has_value();
  const bool rule = s.outcome.kind == OutcomeKind::best_serving_setting;
  if (serving && s.runs.size() != 1)
    fail("runs", "a serving entry runs alone in its step: give its training runs a step of their own");
  if (!serving && rule)
    fail("outcome.kind",
         "best_serving_setting judges a serving sweep: give the step's run as {\"serving\": NAME}");
  if (serving && !rule)
    fail("outcome.kind", "a serving step is judged by best_serving_setting");
  if (!serving) {
    for (std::size_t p = 0; p < s.plots.size(); ++p)
      if (s.plots[p].name == PlotName::serving_latency_throughput)
        fail(indexed("plots", p), "serving_latency_throughput draws a serving sweep: this step has none");
    return;
  }
  const ServingConfig& c = *plan.serving;
  if (c.sweep.rates.size() < 2)
    fail("runs[0].serving", "\"" + s.runs[0].preset +
                                "\" needs a sweep of two or more offered rates (sweep.rates) for "
                                "best_serving_setting");
  if (c.batcher.slo_p99_s <= 0)
    fail("runs[0].serving", "\"" + s.runs[0].preset +
                                "\" needs a p99 objective (batcher.slo_p99_ms) for best_serving_setting");
  const std::vector<ServingSetting> settings = serving_sweep_settings(c);
  std::string names;
  for (const auto& st : settings) names += (names.empty() ? "" : "; ") + serving_setting_text(st);
  std::vector<ServingSetting> chosen;
  for (std::size_t k = 0; k < s.prediction.choices.size(); ++k) {
    const LessonChoice& ch = s.prediction.choices[k];
    const std::string field = "prediction." + indexed("choices", k);
    if (!ch.run.empty() || ch.batch)
      fail(field + (ch.batch ? ".batch" : ".run"),
           "best_serving_setting is answered by a serving setting: use \"setting\"");
    if (!ch.setting)
      fail(field + ".setting",
           "required by best_serving_setting: {\"mode\", \"max_batch\", \"max_delay_ms\"}, one of " +
               names);
    if (std::find(settings.begin(), settings.end(), *ch.setting) == settings.end())
      fail(field + ".setting", "the sweep does not run " + serving_setting_text(*ch.setting) +
                                   "; its settings: " + names);
    if (std::find(chosen.begin(), chosen.end(), *ch.setting) != chosen.end())
      fail(field + ".setting", serving_setting_text(*ch.setting) + " is chosen twice");
    chosen.push_back(*ch.setting);
  }
}

void validate_step(const LessonStep& s, std::size_t i, const std::string& source) {
  const std::string at = indexed("steps", i);
  const StepPlan plan = plan_step(s, source, at);
  validate_serving_step(s, plan, at, source);
  if (plan.serving) {
    std::set<std::string> texts;
    for (std::size_t c = 0; c < s.prediction.choices.size(); ++c)
      if (!texts.insert(s.prediction.choices[c].text).second)
        throw ConfigError(source, at + ".prediction." + indexed("choices", c) + ".text",
                          "\"" + s.prediction.choices[c].text + "\" is listed twice");
    if (!s.outcome.reference.empty())
      throw ConfigError(source, at + ".outcome.reference",
                        "only most_wandering_path takes a reference");
    return;
  }
  const auto find_run = [&](const std::string& label) -> const PlannedRun* {
    for (const auto& r : plan.runs)
      if (r.label == label) return &r;
    return nullptr;
  };
  std::string labels;
  for (const auto& r : plan.runs) labels += (labels.empty() ? "\"" : ", \"") + r.label + "\"";
  const auto fail = [&](const std::string& field, const std::string& reason) {
    throw ConfigError(source, at + "." + field, reason);
  };

  const AnswerKind answer = answer_kind(s.outcome.kind);
  const std::string kind(to_string(s.outcome.kind));
  std::set<std::string> texts, runs;
  std::vector<const PlannedRun*> chosen;
  for (std::size_t c = 0; c < s.prediction.choices.size(); ++c) {
    const LessonChoice& ch = s.prediction.choices[c];
    const std::string field = "prediction." + indexed("choices", c);
    if (!texts.insert(ch.text).second) fail(field + ".text", "\"" + ch.text + "\" is listed twice");
    if (ch.setting)
      fail(field + ".setting", kind + " is answered by a " +
                                   (answer == AnswerKind::run ? "run" : "batch size") +
                                   ": a setting is for best_serving_setting");
    if (answer == AnswerKind::run) {
      if (ch.batch) fail(field + ".batch", kind + " is answered by a run: name it with \"run\"");
      if (ch.run.empty()) fail(field + ".run", "required by " + kind + ": one of " + labels);
      const PlannedRun* r = find_run(ch.run);
      if (!r)
        fail(field + ".run", "no run of this step is labelled \"" + ch.run + "\"; runs: " + labels);
      if (!runs.insert(ch.run).second) fail(field + ".run", "\"" + ch.run + "\" is chosen twice");
      chosen.push_back(r);
    } else {
      if (!ch.run.empty())
        fail(field + ".run", kind + " is answered by a batch size: use \"batch\"");
      if (!ch.batch)
        fail(field + ".batch", "required by " + kind + ": the batch size this choice means");
    }
  }

  const bool needs_reference = s.outcome.kind == OutcomeKind::most_wandering_path;
  if (needs_reference && s.outcome.reference.empty())
    fail("outcome.reference",
         "required by most_wandering_path: the label of the run every path "
         "is measured against; runs: " +
             labels);
  if (!needs_reference && !s.outcome.reference.empty())
    fail("outcome.reference", "only most_wandering_path takes a reference");
  if (needs_reference && !find_run(s.outcome.reference))
    fail("outcome.reference",
         "no run of this step is labelled \"" + s.outcome.reference + "\"; runs: " + labels);

  // The runs a target rule compares: the chosen ones, or every run for the fit.
  if (s.outcome.kind == OutcomeKind::critical_batch)
    for (const auto& r : plan.runs) chosen.push_back(&r);
  if (s.outcome.kind == OutcomeKind::fastest_to_target ||
      s.outcome.kind == OutcomeKind::critical_batch)
    for (const PlannedRun* r : chosen)
      if (!r->config.stop.target)
        fail("outcome.kind", kind + " needs a stop target in every run it compares; \"" + r->label +
                                 "\" has none (set stop.target.metric and stop.target.value)");
  if (s.outcome.kind == OutcomeKind::critical_batch) {
    std::set<std::int64_t> batches;
    for (const auto& r : plan.runs) batches.insert(r.config.batch.size);
    if (batches.size() < 2)
      fail("outcome.kind",
           "critical_batch fits steps to target against batch size: it needs runs "
           "at two or more batch sizes");
  }
}

}  // namespace

Lesson lesson_from_json(const json& j, const std::string& source) {
  const Fields top(j, "", source, lesson_schema());
  Lesson l;
  l.source = source;
  l.title = text(top, "title", "the lesson's name, e.g. \"The memory wall\"");
  top.get("description", l.description);
  l.question = text(top, "question", "the question the lesson answers");
  const json& steps = list(top, "steps", "a list of steps");
  if (steps.empty()) top.fail("steps", "a lesson needs at least one step");
  for (std::size_t i = 0; i < steps.size(); ++i)
    l.steps.push_back(
        under(source, indexed("steps", i), [&] { return read_step(steps[i], source); }));
  validate_lesson(l);
  return l;
}

void validate_lesson(const Lesson& lesson) {
  for (std::size_t i = 0; i < lesson.steps.size(); ++i)
    validate_step(lesson.steps[i], i, lesson.source);
}

Lesson load_lesson(const std::string& name_or_path) {
  const std::filesystem::path path = resolve_config(PresetKind::lesson, name_or_path);
  const std::string source = path.string();
  Lesson l =
      lesson_from_json(json_config::parse_json_text(json_config::read_text(path), source), source);
  l.name = path.stem().string();
  return l;
}

std::vector<PresetInfo> list_lessons() {
  return list_presets(PresetKind::lesson);
}

std::filesystem::path find_lesson(const std::string& name) {
  return find_preset(PresetKind::lesson, name);
}

}  // namespace batchlab
