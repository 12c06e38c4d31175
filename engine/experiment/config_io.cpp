// Run config JSON ↔ RunConfig, --set assignments and loading by preset name or path.
// The known keys are exactly those run_config_to_json writes (plus "description" and the
// sub-keys of stop.target), so the reader, the writer and --set cannot drift apart.
#include "engine/experiment/config_io.h"

#include "engine/core/errors.h"
#include "engine/experiment/config_read.h"

namespace batchlab {
namespace {

using json_config::Fields;
using json_config::shown;
using nlohmann::json;
namespace fs = std::filesystem;

template <typename T>
json nullable(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

void read_dataset(const Fields& f, DatasetConfig& d) {
  f.get("kind", d.kind);
  f.get("path", d.path);
  if (const json* v = f.find("train_limit"))
    d.train_limit = v->is_null() ? 0 : f.integer("train_limit", *v);
  if (const json* v = f.find("validation")) {
    const std::string expected = "expected \"test\" or a fraction in [0, 1), got " + shown(*v);
    if (v->is_string()) {
      if (*v != "test") f.fail("validation", expected);
      d.validation_test_split = true;
    } else if (v->is_number()) {
      d.validation_test_split = false;
      d.validation_fraction = v->get<double>();
    } else {
      f.fail("validation", expected);
    }
  }
  f.get("standardize", d.standardize);
  f.get("samples", d.samples);
  f.get("noise", d.noise);
  f.get("classes", d.classes);
  f.get("features", d.features);
  // A CSV target column is a name or a 0-based index; --set dataset.target=3 arrives as a number.
  if (const json* v = f.find("target")) {
    if (v->is_number_integer() && f.integer("target", *v) >= 0)
      d.target = std::to_string(f.integer("target", *v));
    else
      f.get("target", d.target);
  }
  f.get("task", d.task);
}

void read_model(const Fields& f, ModelConfig& m) {
  f.get("kind", m.kind);
  f.get("hidden", m.hidden);
  f.get_enum("activation", m.activation);
  f.get_enum("init", m.init);
}

void read_optimizer(const Fields& f, OptimizerConfig& o) {
  f.get_enum("kind", o.kind);
  f.get("lr", o.lr);
  f.get("momentum", o.momentum);
  f.get("nesterov", o.nesterov);
  f.get("weight_decay", o.weight_decay);
  f.get("beta1", o.beta1);
  f.get("beta2", o.beta2);
  f.get("eps", o.eps);
}

void read_batch(const Fields& f, BatchConfig& b) {
  f.get_enum("strategy", b.strategy);
  f.get("size", b.size);
  f.get_enum("sampling", b.sampling);
  f.get("drop_last", b.drop_last);
  f.get("accumulate", b.accumulate);
  const Fields s = f.object("schedule");
  s.get_enum("kind", b.schedule.kind);
  s.get("epochs", b.schedule.epochs);
  s.get("factor", b.schedule.factor);
  s.get("to_size", b.schedule.to_size);
  s.get("ramp_epochs", b.schedule.ramp_epochs);
  read_lr_scaling(f.object("lr_scaling"), b.lr_scaling);
}

void read_stop(const Fields& f, StopConfig& s) {
  f.get("epochs", s.epochs);
  f.get("max_steps", s.max_steps);
  f.get("time_limit_s", s.time_limit_s);
  if (const json* v = f.find("target")) {
    if (v->is_null()) {
      s.target.reset();
    } else {
      const Fields t = f.object("target");
      // A target without a value would be reached at once; make the user say it.
      if (!t.find("value")) t.fail("value", "required: the value to reach, e.g. 0.95");
      TargetConfig target;
      t.get_enum("metric", target.metric);
      t.get("value", target.value);
      s.target = target;
    }
  }
}

// A config's default name is its file's stem. A file name may be any bytes, but the store keeps
// the config as JSON text, whose dump throws for bytes that are not UTF-8: replace those (U+FFFD).
std::string name_from_path(const fs::path& path) {
  const json stem = path.stem().string();
  return json::parse(stem.dump(-1, ' ', false, json::error_handler_t::replace)).get<std::string>();
}

// Reads without the cross-field checks, so load_run_config can apply --set before validating.
RunConfig parse_config(const json& j, const std::string& source) {
  return read_run_config(Fields(j, "", source, run_config_schema()));
}

}  // namespace

const nlohmann::json& run_config_schema_tree() {
  static const json tree = [] {
    json t = run_config_to_json(RunConfig{});
    t["description"] = "";
    // stop.target is null by default; its sub-keys are spelled out for the reader and for
    // --set stop.target.metric=...
    t["stop"]["target"] = {{"metric", "val_accuracy"}, {"value", 0.0}};
    return t;
  }();
  return tree;
}

const json_config::KeySchema& run_config_schema() {
  static const json_config::KeySchema schema(run_config_schema_tree());
  return schema;
}

void read_lr_scaling(const json_config::Fields& f, LrScalingConfig& out) {
  f.get_enum("rule", out.rule);
  f.get("base_batch", out.base_batch);
  f.get("warmup_epochs", out.warmup_epochs);
}

RunConfig read_run_config(const json_config::Fields& top) {
  RunConfig c;
  if (!top.find("dataset"))
    top.fail("dataset", "required, e.g. \"dataset\": {\"kind\": \"spirals\"}");
  top.get("name", c.name);
  std::string description;  // for people and the GUI; type-checked, not kept
  top.get("description", description);
  top.get("seed", c.seed);
  read_dataset(top.object("dataset"), c.dataset);
  read_model(top.object("model"), c.model);
  read_optimizer(top.object("optimizer"), c.optimizer);
  read_batch(top.object("batch"), c.batch);
  read_stop(top.object("stop"), c.stop);
  const Fields e = top.object("eval");
  e.get("every_epochs", c.eval.every_epochs);
  e.get("every_steps", c.eval.every_steps);
  const Fields n = top.object("noise_scale");
  n.get("enabled", c.noise_scale.enabled);
  n.get_enum("method", c.noise_scale.method);
  n.get("ema", c.noise_scale.ema);
  n.get("every", c.noise_scale.every);
  const Fields cu = top.object("cuda");
  cu.get("tf32", c.cuda.tf32);
  cu.get("graphs", c.cuda.graphs);
  cu.get("loss_every", c.cuda.loss_every);
  cu.get("resident_data", c.cuda.resident_data);
  const Fields par = top.object("parallel");
  par.get("replicas", c.parallel.replicas);
  par.get("overlap", c.parallel.overlap);
  par.get("devices", c.parallel.devices);
  top.get("device", c.device);
  top.get("memory_budget_mb", c.memory_budget_mb);
  top.get("threads", c.threads);
  return c;
}

nlohmann::json run_config_to_json(const RunConfig& c) {
  const auto& d = c.dataset;
  const auto& b = c.batch;
  json j;
  j["name"] = c.name;
  j["seed"] = c.seed;
  j["dataset"] = {
      {"kind", d.kind},
      {"path", d.path},
      {"train_limit", d.train_limit > 0 ? json(d.train_limit) : json(nullptr)},
      {"validation", d.validation_test_split ? json("test") : json(d.validation_fraction)},
      {"standardize", d.standardize},
      {"samples", d.samples},
      {"noise", d.noise},
      {"classes", d.classes},
      {"features", d.features},
      {"target", d.target},
      {"task", d.task}};
  j["model"] = {{"kind", c.model.kind},
                {"hidden", c.model.hidden},
                {"activation", to_string(c.model.activation)},
                {"init", to_string(c.model.init)}};
  const auto& o = c.optimizer;
  j["optimizer"] = {{"kind", to_string(o.kind)},
                    {"lr", o.lr},
                    {"momentum", o.momentum},
                    {"nesterov", o.nesterov},
                    {"weight_decay", o.weight_decay},
                    {"beta1", o.beta1},
                    {"beta2", o.beta2},
                    {"eps", o.eps}};
  j["batch"] = {{"strategy", to_string(b.strategy)},
                {"size", b.size},
                {"sampling", to_string(b.sampling)},
                {"drop_last", b.drop_last},
                {"accumulate", b.accumulate},
                {"schedule",
                 {{"kind", to_string(b.schedule.kind)},
                  {"epochs", b.schedule.epochs},
                  {"factor", b.schedule.factor},
                  {"to_size", b.schedule.to_size},
                  {"ramp_epochs", b.schedule.ramp_epochs}}},
                {"lr_scaling",
                 {{"rule", to_string(b.lr_scaling.rule)},
                  {"base_batch", b.lr_scaling.base_batch},
                  {"warmup_epochs", b.lr_scaling.warmup_epochs}}}};
  json target = nullptr;
  if (c.stop.target)
    target = {{"metric", to_string(c.stop.target->metric)}, {"value", c.stop.target->value}};
  j["stop"] = {{"epochs", nullable(c.stop.epochs)},
               {"max_steps", nullable(c.stop.max_steps)},
               {"time_limit_s", nullable(c.stop.time_limit_s)},
               {"target", target}};
  j["eval"] = {{"every_epochs", nullable(c.eval.every_epochs)},
               {"every_steps", nullable(c.eval.every_steps)}};
  j["noise_scale"] = {{"enabled", c.noise_scale.enabled},
                      {"method", to_string(c.noise_scale.method)},
                      {"ema", c.noise_scale.ema},
                      {"every", c.noise_scale.every}};
  j["device"] = c.device;
  j["memory_budget_mb"] = nullable(c.memory_budget_mb);
  j["threads"] = c.threads;
  j["cuda"] = {{"tf32", c.cuda.tf32},
               {"graphs", c.cuda.graphs},
               {"loss_every", c.cuda.loss_every},
               {"resident_data", c.cuda.resident_data}};
  j["parallel"] = {{"replicas", c.parallel.replicas},
                   {"overlap", c.parallel.overlap},
                   {"devices", c.parallel.devices}};
  return j;
}

RunConfig run_config_from_json(const nlohmann::json& j, const std::string& source) {
  RunConfig config = parse_config(j, source);
  validate_run_config(config, source);
  return config;
}

void apply_set(nlohmann::json& config, std::string_view assignment, const std::string& source) {
  json_config::apply_assignment(config, assignment, source, run_config_schema());
}

std::vector<PresetInfo> list_presets() {
  return list_presets(PresetKind::run);
}

fs::path find_preset(const std::string& name) {
  return find_preset(PresetKind::run, name);
}

RunConfig load_run_config(const std::string& name_or_path,
                          const std::vector<std::string>& assignments) {
  const fs::path path = resolve_config(PresetKind::run, name_or_path);
  const std::string source = path.string();
  json j = json_config::parse_json_text(json_config::read_text(path), source);
  // The file's own mistakes name the file; those a --set introduces name --set.
  RunConfig config = parse_config(j, source);
  if (!assignments.empty()) {
    for (const auto& a : assignments) apply_set(j, a);
    config = parse_config(j, "--set");
  }
  if (config.name.empty()) config.name = name_from_path(path);
  validate_run_config(config, assignments.empty() ? source : source + " with --set");
  return config;
}

}  // namespace batchlab
