// Run config JSON ↔ RunConfig, --set assignments and loading by preset name or path.
// The known keys are exactly those run_config_to_json writes (plus "description" and the
// sub-keys of stop.target), so the reader, the writer and --set cannot drift apart.
#include "engine/experiment/config_io.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "engine/core/errors.h"

namespace batchlab {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The "got ..." half of a type error: strings quoted, long values cut.
std::string shown(const json& v) {
  std::string s = v.dump();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

std::string dotted(const std::string& prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

template <typename T>
json nullable(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

// Every known key with its default. stop.target is null by default, so its sub-keys are
// spelled out here for the reader and for --set stop.target.metric=...
const json& schema_tree() {
  static const json tree = [] {
    json t = run_config_to_json(RunConfig{});
    t["description"] = "";
    t["stop"]["target"] = {{"metric", "val_accuracy"}, {"value", 0.0}};
    return t;
  }();
  return tree;
}

void collect_keys(const json& node, const std::string& prefix, std::vector<std::string>& out) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = dotted(prefix, it.key());
    out.push_back(key);
    if (it->is_object()) collect_keys(*it, key, out);
  }
}

const std::vector<std::string>& known_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    collect_keys(schema_tree(), "", out);
    return out;
  }();
  return keys;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string_view last_segment(std::string_view key) {
  const auto dot = key.rfind('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

// The known key a mistyped one most likely meant, or "" when none is close.
std::string nearest_key(const std::string& unknown) {
  // A right name at the wrong level ("lr" for optimizer.lr) beats a spelling match.
  std::vector<std::string> same_leaf;
  for (const auto& k : known_keys())
    if (last_segment(k) == last_segment(unknown)) same_leaf.push_back(k);
  if (same_leaf.size() == 1) return same_leaf.front();

  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, unknown.size() / 4) + 1;
  for (const auto& k : known_keys()) {
    const std::size_t d = edit_distance(unknown, k);
    if (d < best_distance) {
      best_distance = d;
      best = k;
    }
  }
  return best;
}

ConfigError unknown_key(const std::string& source, const std::string& key) {
  std::string reason = "unknown key";
  if (const auto near = nearest_key(key); !near.empty()) reason += " (did you mean " + near + "?)";
  return ConfigError(source, key, reason);
}

std::string join(const std::vector<std::string_view>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

const json& empty_object() {
  static const json empty = json::object();
  return empty;
}

// One JSON object being read: rejects keys the schema does not list at this path, and reads
// each field only when present, so absent keys keep their defaults.
class Fields {
 public:
  Fields(const json& node, std::string path, const std::string& source)
      : node_(node), path_(std::move(path)), source_(source) {
    if (!node.is_object())
      throw ConfigError(source_, path_.empty() ? "(top level)" : path_,
                        "expected an object, got " + shown(node));
    std::string pointer;
    for (char c : path_) pointer += c == '.' ? '/' : c;
    const json& schema = schema_tree().at(json::json_pointer(pointer.empty() ? "" : "/" + pointer));
    for (auto it = node.begin(); it != node.end(); ++it)
      if (!schema.contains(it.key())) throw unknown_key(source_, dotted(path_, it.key()));
  }

  const json* find(std::string_view key) const {
    const auto it = node_.find(key);
    return it == node_.end() ? nullptr : &*it;
  }
  std::string path(std::string_view key) const { return dotted(path_, key); }
  [[noreturn]] void fail(std::string_view key, const std::string& reason) const {
    throw ConfigError(source_, path(key), reason);
  }

  // A nested object; an absent one reads as {} so its fields keep their defaults.
  Fields object(std::string_view key) const {
    const json* v = find(key);
    return Fields(v ? *v : empty_object(), path(key), source_);
  }

  void get(std::string_view key, double& out) const {
    if (const json* v = find(key)) out = number(key, *v);
  }
  void get(std::string_view key, std::int64_t& out) const {
    if (const json* v = find(key)) out = integer(key, *v);
  }
  void get(std::string_view key, int& out) const {
    if (const json* v = find(key)) out = small_integer(key, *v);
  }
  void get(std::string_view key, std::uint64_t& out) const {
    const json* v = find(key);
    if (!v) return;
    if (v->is_number_unsigned()) {
      out = v->get<std::uint64_t>();
      return;
    }
    const std::int64_t i = integer(key, *v);
    if (i < 0) fail(key, "expected a non-negative integer, got " + shown(*v));
    out = static_cast<std::uint64_t>(i);
  }
  void get(std::string_view key, bool& out) const {
    const json* v = find(key);
    if (!v) return;
    if (!v->is_boolean()) fail(key, "expected true or false, got " + shown(*v));
    out = v->get<bool>();
  }
  void get(std::string_view key, std::string& out) const {
    const json* v = find(key);
    if (!v) return;
    if (!v->is_string()) fail(key, "expected a string, got " + shown(*v));
    out = v->get<std::string>();
  }
  void get(std::string_view key, std::optional<double>& out) const {
    if (const json* v = find(key))
      out = v->is_null() ? std::nullopt : std::optional(number(key, *v));
  }
  void get(std::string_view key, std::optional<std::int64_t>& out) const {
    if (const json* v = find(key))
      out = v->is_null() ? std::nullopt : std::optional(integer(key, *v));
  }
  void get(std::string_view key, std::vector<int>& out) const {
    const json* v = find(key);
    if (!v) return;
    if (!v->is_array()) fail(key, "expected a list of integers, got " + shown(*v));
    out.clear();
    for (std::size_t i = 0; i < v->size(); ++i)
      out.push_back(small_integer(std::string(key) + "[" + std::to_string(i) + "]", (*v)[i]));
  }
  void get(std::string_view key, std::vector<double>& out) const {
    const json* v = find(key);
    if (!v) return;
    if (!v->is_array()) fail(key, "expected a list of numbers, got " + shown(*v));
    out.clear();
    for (std::size_t i = 0; i < v->size(); ++i)
      out.push_back(number(std::string(key) + "[" + std::to_string(i) + "]", (*v)[i]));
  }
  template <typename E>
  void get_enum(std::string_view key, E& out) const {
    const json* v = find(key);
    if (!v) return;
    const auto names = join(enum_names<E>());
    if (!v->is_string()) fail(key, "expected one of " + names + ", got " + shown(*v));
    const auto parsed = parse_enum<E>(v->get<std::string>());
    if (!parsed) fail(key, "unknown value " + shown(*v) + "; expected one of " + names);
    out = *parsed;
  }

  double number(std::string_view key, const json& v) const {
    if (!v.is_number()) fail(key, "expected a number, got " + shown(v));
    return v.get<double>();
  }
  std::int64_t integer(std::string_view key, const json& v) const {
    if (v.is_number_unsigned()) {
      if (v.get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        fail(key, "integer too large: " + shown(v));
      return v.get<std::int64_t>();
    }
    if (v.is_number_integer()) return v.get<std::int64_t>();
    // 64.0 or 1e3 are whole numbers written as floats; 64.5 is not.
    if (v.is_number_float()) {
      const double d = v.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15)
        return static_cast<std::int64_t>(d);
    }
    fail(key, "expected an integer, got " + shown(v));
  }
  int small_integer(std::string_view key, const json& v) const {
    const std::int64_t i = integer(key, v);
    if (i < std::numeric_limits<int>::min() || i > std::numeric_limits<int>::max())
      fail(key, "integer out of range: " + shown(v));
    return static_cast<int>(i);
  }

 private:
  const json& node_;
  std::string path_;
  const std::string& source_;
};

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
  const Fields r = f.object("lr_scaling");
  r.get_enum("rule", b.lr_scaling.rule);
  r.get("base_batch", b.lr_scaling.base_batch);
  r.get("warmup_epochs", b.lr_scaling.warmup_epochs);
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

// Reads without the cross-field checks, so load_run_config can apply --set before validating.
RunConfig parse_config(const json& j, const std::string& source) {
  RunConfig c;
  const Fields top(j, "", source);
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
  top.get("device", c.device);
  top.get("memory_budget_mb", c.memory_budget_mb);
  top.get("threads", c.threads);
  const Fields cu = top.object("cuda");
  cu.get("tf32", c.cuda.tf32);
  cu.get("graphs", c.cuda.graphs);
  cu.get("loss_every", c.cuda.loss_every);
  cu.get("resident_data", c.cuda.resident_data);
  return c;
}

std::string read_text(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error(path.string() + ": is a folder, not a config file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot read: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(path.string() + ": cannot read: " + std::strerror(errno));
  return text.str();
}

json parse_json_text(const std::string& text, const std::string& source) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    // e.byte counts the characters read, the offending one included.
    const std::size_t at = std::min(e.byte > 0 ? e.byte - 1 : 0, text.size());
    const auto before = text.begin() + static_cast<std::ptrdiff_t>(at);
    const auto line = 1 + std::count(text.begin(), before, '\n');
    const std::size_t newline = at == 0 ? std::string::npos : text.rfind('\n', at - 1);
    const std::size_t column = at - (newline == std::string::npos ? 0 : newline + 1) + 1;
    std::string detail = e.what();
    if (const auto p = detail.find("parse error"); p != std::string::npos)
      if (const auto colon = detail.find(": ", p); colon != std::string::npos)
        detail = detail.substr(colon + 2);
    throw ConfigError(source, "line " + std::to_string(line) + ", column " + std::to_string(column),
                      "invalid JSON: " + detail);
  }
}

std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    parts.push_back(key.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

std::string trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return std::string(s.substr(first, s.find_last_not_of(" \t") - first + 1));
}

fs::path resolve_config(const std::string& name_or_path) {
  std::error_code ec;
  if (fs::exists(name_or_path, ec)) return name_or_path;
  if (name_or_path.find('/') == std::string::npos)
    if (auto preset = find_preset(name_or_path); !preset.empty()) return preset;
  if (name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".json"))
    throw Error(name_or_path + ": no such file");
  std::string names;
  for (const auto& p : list_presets()) names += (names.empty() ? "" : ", ") + p.name;
  throw Error("\"" + name_or_path + "\" is neither a config file nor a preset; presets: " +
              (names.empty() ? "none found (set BATCHLAB_PRESET_DIR)" : names));
}

}  // namespace

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
  j["device"] = c.device;
  j["memory_budget_mb"] = nullable(c.memory_budget_mb);
  j["threads"] = c.threads;
  j["cuda"] = {{"tf32", c.cuda.tf32},
               {"graphs", c.cuda.graphs},
               {"loss_every", c.cuda.loss_every},
               {"resident_data", c.cuda.resident_data}};
  return j;
}

RunConfig run_config_from_json(const nlohmann::json& j, const std::string& source) {
  RunConfig config = parse_config(j, source);
  validate_run_config(config, source);
  return config;
}

void apply_set(nlohmann::json& config, std::string_view assignment, const std::string& source) {
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos)
    throw ConfigError(source, std::string(assignment), "expected key=value, e.g. batch.size=512");
  const std::string key = trimmed(assignment.substr(0, eq));
  if (key.empty()) throw ConfigError(source, std::string(assignment), "missing the key before '='");
  const std::string text(assignment.substr(eq + 1));
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) value = text;  // plain words need no quotes: device=cpu

  const auto parts = split_key(key);
  const json* schema = &schema_tree();
  for (const auto& part : parts) {
    if (!schema->is_object() || !schema->contains(part)) throw unknown_key(source, key);
    schema = &(*schema)[part];
  }

  if (config.is_null()) config = json::object();
  if (!config.is_object())
    throw ConfigError(source, key, "the config is " + shown(config) + ", not a JSON object");
  json* node = &config;
  std::string prefix;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    prefix = dotted(prefix, parts[i]);
    json& next = (*node)[parts[i]];
    // stop.target is null until a target is set: setting one of its fields creates it.
    if (next.is_null()) next = json::object();
    if (!next.is_object())
      throw ConfigError(source, key, prefix + " is " + shown(next) + ", not an object");
    node = &next;
  }
  (*node)[parts.back()] = std::move(value);
}

RunConfig load_run_config(const std::string& name_or_path,
                          const std::vector<std::string>& assignments) {
  const fs::path path = resolve_config(name_or_path);
  const std::string source = path.string();
  json j = parse_json_text(read_text(path), source);
  // The file's own mistakes name the file; those a --set introduces name --set.
  RunConfig config = parse_config(j, source);
  if (!assignments.empty()) {
    for (const auto& a : assignments) apply_set(j, a);
    config = parse_config(j, "--set");
  }
  if (config.name.empty()) config.name = path.stem().string();
  validate_run_config(config, assignments.empty() ? source : source + " with --set");
  return config;
}

}  // namespace batchlab
