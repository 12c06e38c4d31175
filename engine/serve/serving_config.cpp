// Serving configs: the schema, the strict reader, validation, and what a CONFIG|PRESET
// argument of `infer` / `serve` names.
#include "engine/serve/serving_config.h"

#include <algorithm>
#include <cmath>

#include "engine/core/errors.h"
#include "engine/core/format.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/config_read.h"
#include "engine/experiment/json_fields.h"
#include "engine/experiment/preset_lookup.h"

namespace batchlab {
namespace {

namespace fs = std::filesystem;
using json_config::Fields;
using json_config::shown;
using nlohmann::json;

constexpr std::int64_t kMaxBatch = std::int64_t{1} << 20;

const json_config::KeySchema& schema() {
  static const json_config::KeySchema s(serving_config_schema());
  return s;
}

// Objects merge key by key; anything else is replaced.
void merge_into(json& base, const json& over) {
  if (!base.is_object() || !over.is_object()) {
    base = over;
    return;
  }
  for (auto it = over.begin(); it != over.end(); ++it) merge_into(base[it.key()], it.value());
}

std::vector<std::string> names_of(PresetKind kind) {
  std::vector<std::string> out;
  for (const auto& p : list_presets(kind)) out.push_back(p.name);
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? std::string("none found") : s;
}

void read_model(const Fields& f, ServingModelSource& m) {
  const int given = (f.find("preset") != nullptr) + (f.find("config") != nullptr) +
                    (f.find("run") != nullptr);
  if (given != 1)
    f.fail(given == 0 ? "preset" : "config",
           "give the model as exactly one of \"preset\" (a run preset name or run config path), "
           "\"config\" (a run config object) or \"run\" (a stored run's id)");
  if (f.find("preset")) {
    f.get("preset", m.preset);
    if (m.preset.empty()) f.fail("preset", "must name a run preset or a run config file");
  } else if (f.find("config")) {
    m.config = read_run_config(f.object("config"));
  } else {
    f.get("run", m.run_id);
    if (m.run_id < 1) f.fail("run", "must be a stored run's id (1 or more), got " + std::to_string(m.run_id));
  }
}

void read_workload(const Fields& f, WorkloadConfig& w, bool& rate_given, bool& duration_given,
                   const fs::path& base_dir) {
  if (const json* v = f.find("arrivals")) {
    if (!v->is_string()) f.fail("arrivals", "expected poisson, constant, bursts or trace, got " + shown(*v));
    const auto kind = parse_arrival_kind(v->get<std::string>());
    if (!kind)
      f.fail("arrivals",
             "unknown value " + shown(*v) + "; expected one of poisson, constant, bursts, trace");
    w.arrivals = *kind;
  }
  rate_given = f.find("rate") != nullptr;
  f.get("rate", w.rate);
  duration_given = f.find("duration_s") != nullptr;
  f.get("duration_s", w.duration_s);
  f.get("burst_size", w.burst_size);
  std::string trace;
  f.get("trace", trace);
  if (!trace.empty()) {
    fs::path p(trace);
    w.trace_path = p.is_relative() && !base_dir.empty() ? base_dir / p : p;
  }
  f.get("seed", w.seed);
}

BatchMode read_mode(const Fields& f, std::string_view key, const json& v) {
  if (!v.is_string())
    f.fail(key, "expected realtime, fixed, dynamic or adaptive, got " + shown(v));
  const auto mode = parse_batch_mode(v.get<std::string>());
  if (!mode)
    f.fail(key,
           "unknown value " + shown(v) + "; expected one of realtime, fixed, dynamic, adaptive");
  return *mode;
}

void read_batcher(const Fields& f, BatcherConfig& b) {
  if (const json* v = f.find("mode")) b.mode = read_mode(f, "mode", *v);
  f.get("max_batch", b.max_batch);
  f.get("preferred", b.preferred);
  double delay_ms = 0.0;
  f.get("max_delay_ms", delay_ms);
  b.max_delay_s = delay_ms * 1e-3;
  if (!std::isfinite(delay_ms) || delay_ms < 0)
    f.fail("max_delay_ms", "must be 0 or more milliseconds, got " + format_number(delay_ms));
  f.get("queue_cap", b.queue_cap);
  if (const json* v = f.find("policy")) {
    if (!v->is_string() || !parse_queue_policy(v->get<std::string>()))
      f.fail("policy", "expected \"reject\" (turn the arriving request away) or \"drop\" (drop "
                       "the oldest queued request), got " + shown(*v));
    b.policy = *parse_queue_policy(v->get<std::string>());
  }
  std::optional<double> slo_ms;
  f.get("slo_p99_ms", slo_ms);
  if (slo_ms) {
    if (!(std::isfinite(*slo_ms) && *slo_ms > 0))
      f.fail("slo_p99_ms", "must be above 0 milliseconds, got " + format_number(*slo_ms));
    b.slo_p99_s = *slo_ms * 1e-3;
  }
  f.get("adapt_window", b.adapt_window);
}

void read_sweep(const Fields& f, ServeSweepGrid& g) {
  f.get("rates", g.rates);
  if (const json* v = f.find("modes")) {
    if (!v->is_array()) f.fail("modes", "expected a list such as [\"realtime\", \"dynamic\"], got " + shown(*v));
    for (std::size_t i = 0; i < v->size(); ++i)
      g.modes.push_back(read_mode(f, "modes[" + std::to_string(i) + "]", (*v)[i]));
  }
  f.get("max_batches", g.max_batches);
  std::vector<double> delays_ms;
  f.get("max_delays_ms", delays_ms);
  for (const double d : delays_ms) g.max_delays_s.push_back(d * 1e-3);
}

// Ranges and cross-field rules, each naming its dotted key.
void validate(const ServingConfig& c, const std::string& source) {
  const auto fail = [&](const std::string& key, const std::string& reason) {
    throw ConfigError(source, key, reason);
  };
  const auto& w = c.workload;
  const auto& b = c.batcher;
  if (c.infer.batch_sizes.empty()) fail("infer.batch_sizes", "list at least one batch size, e.g. [1, 8, 64]");
  for (std::size_t i = 0; i < c.infer.batch_sizes.size(); ++i) {
    const auto v = c.infer.batch_sizes[i];
    if (v < 1 || v > kMaxBatch)
      fail("infer.batch_sizes[" + std::to_string(i) + "]",
           "must be from 1 to " + std::to_string(kMaxBatch) + ", got " + std::to_string(v));
  }
  if (!(std::isfinite(c.infer.min_seconds) && c.infer.min_seconds >= 0))
    fail("infer.min_seconds", "must be 0 or more, got " + format_number(c.infer.min_seconds));
  if (w.arrivals == ArrivalKind::trace) {
    if (w.trace_path.empty())
      fail("workload.trace", "arrivals \"trace\" needs the CSV of arrival times, e.g. \"trace\": "
                             "\"arrivals.csv\" (or --arrivals trace:FILE)");
  } else if (c.sweep.rates.empty() && c.rate_given) {
    if (!(std::isfinite(w.rate) && w.rate > 0))
      fail("workload.rate", "must be above 0 requests per second, got " + format_number(w.rate));
  }
  if (!(w.duration_s > 0) || (w.arrivals != ArrivalKind::trace && !std::isfinite(w.duration_s)))
    fail("workload.duration_s", "must be above 0 seconds, got " + format_number(w.duration_s));
  if (w.burst_size < 1)
    fail("workload.burst_size", "must be at least 1, got " + std::to_string(w.burst_size));
  if (b.max_batch < 1 || b.max_batch > kMaxBatch)
    fail("batcher.max_batch", "must be from 1 to " + std::to_string(kMaxBatch) + ", got " +
                                  std::to_string(b.max_batch));
  for (std::size_t i = 0; i < b.preferred.size(); ++i) {
    const auto p = b.preferred[i];
    if (p < 1 || p > b.max_batch)
      fail("batcher.preferred[" + std::to_string(i) + "]",
           "must be from 1 to max_batch (" + std::to_string(b.max_batch) + "), got " +
               std::to_string(p));
  }
  if (!b.preferred.empty() && b.mode != BatchMode::dynamic)
    fail("batcher.preferred", "preferred batch sizes are for mode \"dynamic\" (the mode is \"" +
                                  std::string(to_string(b.mode)) + "\")");
  if (b.queue_cap < 0) fail("batcher.queue_cap", "must be 0 (no cap) or more, got " + std::to_string(b.queue_cap));
  const bool adaptive = b.mode == BatchMode::adaptive ||
                        std::find(c.sweep.modes.begin(), c.sweep.modes.end(), BatchMode::adaptive) !=
                            c.sweep.modes.end();
  if (adaptive && !(b.slo_p99_s > 0))
    fail("batcher.slo_p99_ms",
         "adaptive batching holds a p99 objective: give it, e.g. 10 (or --slo-p99-ms 10)");
  if (b.adapt_window < 1)
    fail("batcher.adapt_window", "must be at least 1, got " + std::to_string(b.adapt_window));
  for (std::size_t i = 0; i < c.sweep.rates.size(); ++i)
    if (!(std::isfinite(c.sweep.rates[i]) && c.sweep.rates[i] > 0))
      fail("sweep.rates[" + std::to_string(i) + "]",
           "must be above 0 requests per second, got " + format_number(c.sweep.rates[i]));
  for (std::size_t i = 0; i < c.sweep.max_batches.size(); ++i)
    if (c.sweep.max_batches[i] < 1 || c.sweep.max_batches[i] > kMaxBatch)
      fail("sweep.max_batches[" + std::to_string(i) + "]",
           "must be from 1 to " + std::to_string(kMaxBatch) + ", got " +
               std::to_string(c.sweep.max_batches[i]));
  for (std::size_t i = 0; i < c.sweep.max_delays_s.size(); ++i)
    if (!(std::isfinite(c.sweep.max_delays_s[i]) && c.sweep.max_delays_s[i] >= 0))
      fail("sweep.max_delays_ms[" + std::to_string(i) + "]",
           "must be 0 or more milliseconds, got " + format_number(c.sweep.max_delays_s[i] * 1e3));
  if (c.service_fixed_s && !(std::isfinite(*c.service_fixed_s) && *c.service_fixed_s >= 0))
    fail("service.fixed_ms", "must be 0 or more milliseconds, got " + format_number(*c.service_fixed_s * 1e3));
  if (!(std::isfinite(c.service_per_row_s) && c.service_per_row_s >= 0))
    fail("service.per_row_ms", "must be 0 or more milliseconds, got " + format_number(c.service_per_row_s * 1e3));
  if (c.service_fixed_s && *c.service_fixed_s + c.service_per_row_s <= 0)
    fail("service.fixed_ms", "a batch must take some time: give fixed_ms or per_row_ms above 0");
  if (c.model.config) {
    try {
      validate_run_config(*c.model.config, source);
    } catch (const ConfigError& e) {
      const std::string what = e.what();
      const std::string head = source + ": " + e.field() + ": ";
      throw ConfigError(source, "model.config." + e.field(),
                        what.starts_with(head) ? what.substr(head.size()) : what);
    }
  }
}

ServingConfig read(const json& j, const std::string& source, const fs::path& base_dir) {
  const Fields top(j, "", source, schema());
  ServingConfig c;
  top.get("name", c.name);
  top.get("description", c.description);
  if (!top.find("model"))
    top.fail("model", "required: {\"preset\": \"spirals-mlp\"} or {\"config\": {...}}");
  read_model(top.object("model"), c.model);
  if (const fs::path p(c.model.preset);
      !c.model.preset.empty() && p.is_relative() && !base_dir.empty() &&
      (c.model.preset.find('/') != std::string::npos || c.model.preset.ends_with(".json")) &&
      fs::exists(base_dir / p))
    c.model.preset = (base_dir / p).string();
  if (const json* v = top.find("split")) {
    if (!v->is_string() || (*v != "val" && *v != "train"))
      top.fail("split", "expected \"val\" (the validation rows) or \"train\", got " + shown(*v));
    c.train_split = *v == "train";
  }
  const Fields infer = top.object("infer");
  infer.get("batch_sizes", c.infer.batch_sizes);
  infer.get("min_seconds", c.infer.min_seconds);
  bool duration_given = false;
  read_workload(top.object("workload"), c.workload, c.rate_given, duration_given, base_dir);
  if (c.workload.arrivals == ArrivalKind::trace && !duration_given)
    c.workload.duration_s = std::numeric_limits<double>::infinity();
  read_batcher(top.object("batcher"), c.batcher);
  bool clock_given = false;
  if (const json* v = top.find("clock")) {
    if (!v->is_string() || (*v != "real" && *v != "virtual"))
      top.fail("clock", "expected \"real\" (requests really wait, batches really run) or "
                        "\"virtual\" (simulated time, deterministic), got " + shown(*v));
    c.virtual_clock = *v == "virtual";
    clock_given = true;
  }
  const Fields service = top.object("service");
  std::optional<double> fixed_ms;
  service.get("fixed_ms", fixed_ms);
  double per_row_ms = 0.0;
  service.get("per_row_ms", per_row_ms);
  if (fixed_ms || service.find("per_row_ms")) c.service_fixed_s = fixed_ms.value_or(0.0) * 1e-3;
  c.service_per_row_s = per_row_ms * 1e-3;
  if (c.service_fixed_s && !clock_given) c.virtual_clock = true;
  read_sweep(top.object("sweep"), c.sweep);
  validate(c, source);
  return c;
}

}  // namespace

json serving_config_to_json(const ServingConfig& c) {
  json j = json::object();
  if (!c.name.empty()) j["name"] = c.name;
  if (!c.description.empty()) j["description"] = c.description;
  if (c.model.run_id > 0) j["model"] = {{"run", c.model.run_id}};
  else if (c.model.config) j["model"] = {{"config", run_config_to_json(*c.model.config)}};
  else j["model"] = {{"preset", c.model.preset}};
  j["split"] = c.train_split ? "train" : "val";
  j["infer"] = {{"batch_sizes", c.infer.batch_sizes}, {"min_seconds", c.infer.min_seconds}};
  const WorkloadConfig& w = c.workload;
  json wj = {{"arrivals", std::string(to_string(w.arrivals))},
             {"burst_size", w.burst_size},
             {"seed", w.seed}};
  if (c.rate_given) wj["rate"] = w.rate;
  if (std::isfinite(w.duration_s)) wj["duration_s"] = w.duration_s;
  if (!w.trace_path.empty()) wj["trace"] = w.trace_path.string();
  j["workload"] = wj;
  const BatcherConfig& b = c.batcher;
  json bj = {{"mode", std::string(to_string(b.mode))},
             {"max_batch", b.max_batch},
             {"preferred", b.preferred},
             {"max_delay_ms", b.max_delay_s * 1e3},
             {"queue_cap", b.queue_cap},
             {"policy", std::string(to_string(b.policy))},
             {"adapt_window", b.adapt_window}};
  if (b.slo_p99_s > 0) bj["slo_p99_ms"] = b.slo_p99_s * 1e3;
  j["batcher"] = bj;
  j["clock"] = c.virtual_clock ? "virtual" : "real";
  if (c.service_fixed_s)
    j["service"] = {{"fixed_ms", *c.service_fixed_s * 1e3}, {"per_row_ms", c.service_per_row_s * 1e3}};
  std::vector<std::string> modes;
  for (const BatchMode m : c.sweep.modes) modes.emplace_back(to_string(m));
  std::vector<double> delays_ms;
  for (const double d : c.sweep.max_delays_s) delays_ms.push_back(d * 1e3);
  j["sweep"] = {{"rates", c.sweep.rates},
                {"modes", modes},
                {"max_batches", c.sweep.max_batches},
                {"max_delays_ms", delays_ms}};
  return j;
}

void require_arrival_rate(const ServingConfig& c, const std::string& source) {
  // Offline inference needs no workload, so the rate is checked only where requests arrive.
  if (c.workload.arrivals != ArrivalKind::trace && c.sweep.rates.empty() && !c.rate_given)
    throw ConfigError(source, "workload.rate",
                      "required: requests per second, e.g. 500 (or --rate 500)");
}

const nlohmann::json& serving_config_schema() {
  static const json tree = [] {
    json t;
    t["name"] = "";
    t["description"] = "";
    t["model"] = {{"preset", ""}, {"config", run_config_schema_tree()}, {"run", 0}};
    t["split"] = "val";
    t["infer"] = {{"batch_sizes", json::array()}, {"min_seconds", 0.3}};
    t["workload"] = {{"arrivals", "poisson"}, {"rate", 0.0},      {"duration_s", 10.0},
                     {"burst_size", 32},      {"trace", ""},      {"seed", 1}};
    t["batcher"] = {{"mode", "dynamic"},   {"max_batch", 32}, {"preferred", json::array()},
                    {"max_delay_ms", 0.0}, {"queue_cap", 0},  {"policy", "reject"},
                    {"slo_p99_ms", nullptr}, {"adapt_window", 100}};
    t["clock"] = "real";
    t["service"] = {{"fixed_ms", nullptr}, {"per_row_ms", 0.0}};
    t["sweep"] = {{"rates", json::array()},
                  {"modes", json::array()},
                  {"max_batches", json::array()},
                  {"max_delays_ms", json::array()}};
    return t;
  }();
  return tree;
}

ServingConfig serving_config_from_json(const nlohmann::json& j, const std::string& source,
                                       const fs::path& base_dir) {
  return read(j, source, base_dir);
}

bool is_serving_config_json(const nlohmann::json& j) {
  if (!j.is_object()) return false;
  for (const char* key : {"workload", "batcher", "infer", "sweep", "service", "clock"})
    if (j.contains(key)) return true;
  if (const auto m = j.find("model"); m != j.end() && m->is_object())
    return m->contains("preset") || m->contains("config") || m->contains("run");
  return false;
}

namespace {

ServingConfig read_with_overrides(json j, const std::string& source, const fs::path& base_dir,
                                  const json& overrides, const std::string& override_source) {
  if (overrides.empty() || overrides.is_null()) return read(j, source, base_dir);
  // The file's own type and key mistakes name the file; it may lack what the options add (a
  // rate), so its cross-field checks wait for the merged config.
  { const Fields check(j, "", source, schema()); (void)check; }
  merge_into(j, overrides);
  return read(j, source + " with " + override_source, base_dir);
}

}  // namespace

ServingConfig load_serving_config(const std::string& name_or_path, const json& overrides,
                                  const std::string& override_source) {
  fs::path path = find_preset(PresetKind::serving, name_or_path);
  const bool is_file = path.empty() && fs::is_regular_file(name_or_path);
  if (path.empty() && is_file) path = name_or_path;
  if (!path.empty()) {
    const std::string source = path.string();
    const json j = json_config::parse_json_text(json_config::read_text(path), source);
    if (!is_file || is_serving_config_json(j)) {
      ServingConfig c = read_with_overrides(j, source, path.parent_path(), overrides, override_source);
      if (c.name.empty()) c.name = path.stem().string();
      return c;
    }
  } else if (find_preset(PresetKind::run, name_or_path).empty()) {
    const bool looks_like_path =
        name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".json");
    if (looks_like_path) throw Error(name_or_path + ": no such file");
    throw Error("\"" + name_or_path + "\" is neither a config file nor a preset; serving presets: " +
                joined(names_of(PresetKind::serving)) + "; run presets: " +
                joined(names_of(PresetKind::run)));
  }
  // A run preset or run config file: the model, with every serving key at its default.
  const json j = {{"model", {{"preset", name_or_path}}}};
  ServingConfig c = read_with_overrides(j, name_or_path, {}, overrides, override_source);
  c.name = fs::path(name_or_path).stem().string();
  return c;
}

ServingConfig serving_config_for_model(std::int64_t run_id, const json& overrides,
                                       const std::string& override_source) {
  const json j = {{"model", {{"run", run_id}}}};
  ServingConfig c = read_with_overrides(j, "--run", {}, overrides, override_source);
  c.name = "run " + std::to_string(run_id);
  return c;
}

}  // namespace batchlab
