// Sweep configs: reading (through config_io's strict reader), writing, --set, validation and
// expansion into runs.
#include "engine/experiment/sweep_config.h"

#include <algorithm>
#include <cmath>

#include "engine/core/errors.h"
#include "engine/core/format.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/config_read.h"
#include "engine/experiment/json_fields.h"
#include "engine/train/schedule.h"

namespace batchlab {
namespace {

using json_config::Fields;
using json_config::shown;
using nlohmann::json;

constexpr int kMaxRepeats = 1000;
// Each run is validated, listed in the preview and stored: a million-run sweep is a typo
// (31 batch sizes × 40 rates × 1000 repeats built 1.24 million run configs, twice, first).
constexpr std::int64_t kMaxRuns = 10'000;

// The sweep's keys: its own, with the whole run config schema under "base", so a mistyped
// base.* key is found and named by the same code as in a run config.
const json_config::KeySchema& sweep_schema() {
  static const json_config::KeySchema schema([] {
    const json& run = run_config_schema_tree();
    json t;
    t["name"] = "";
    t["description"] = "";
    t["base"] = run;
    t["batch_sizes"] = {{"pow2_from", 1}, {"to", 1}};
    t["learning_rates"] = json::array();
    t["lr_scaling"] = run.at("batch").at("lr_scaling");
    t["repeats"] = 1;
    return t;
  }());
  return schema;
}

// Runs in order, without validation (validate_sweep_config checks each one).
std::vector<SweepRunPlan> expand_unchecked(const SweepConfig& s) {
  const std::vector<double> lrs =
      s.learning_rates.empty() ? std::vector<double>{s.base.optimizer.lr} : s.learning_rates;
  const std::string sweep_name = s.name.empty() ? "sweep" : s.name;
  std::vector<SweepRunPlan> plans;
  for (const std::int64_t b : s.batch_sizes) {
    for (const double lr : lrs) {
      for (int r = 0; r < std::max(s.repeats, 1); ++r) {
        SweepRunPlan p;
        p.index = static_cast<int>(plans.size());
        p.batch_size = b;
        p.lr = lr;
        p.repeat = r;
        p.seed = s.base.seed + static_cast<std::uint64_t>(r);
        RunConfig& c = p.config;
        c = s.base;
        c.batch.size = b;
        c.optimizer.lr = lr;
        if (s.lr_scaling) c.batch.lr_scaling = *s.lr_scaling;
        c.seed = p.seed;
        // At the end of warmup the linear rule has reached its target; the others do not move.
        p.scaled_lr = lr_at(c.optimizer, c.batch.lr_scaling, b, c.batch.lr_scaling.warmup_epochs);
        p.label = "b=" + std::to_string(b) + " lr=" + format_number(p.scaled_lr, 4);
        if (s.repeats > 1) p.label += " seed=" + std::to_string(p.seed);
        c.name = sweep_name + " " + p.label;
        plans.push_back(std::move(p));
      }
    }
  }
  return plans;
}

// validate_run_config names keys as in a run config; in a sweep they live under "base".
[[noreturn]] void rethrow_under_base(const ConfigError& e, const std::string& source,
                                     const std::string& where) {
  const std::string what = e.what();
  const std::string head = source + ": " + e.field() + ": ";
  const std::string reason = what.starts_with(head) ? what.substr(head.size()) : what;
  throw ConfigError(source, "base." + e.field(), reason + where);
}

bool is_power_of_two(std::int64_t v) {
  return v > 0 && (v & (v - 1)) == 0;
}

}  // namespace

std::vector<std::int64_t> pow2_batch_sizes(std::int64_t from, std::int64_t to,
                                           const std::string& source) {
  constexpr std::int64_t kMax = std::int64_t{1} << 30;
  const auto check = [&](const char* key, std::int64_t v) {
    if (!is_power_of_two(v) || v > kMax)
      throw ConfigError(
          source, std::string("batch_sizes.") + key,
          "must be a power of two from 1 to 2^30 (1, 2, 4, 8, ...), got " + std::to_string(v));
  };
  check("pow2_from", from);
  check("to", to);
  if (to < from)
    throw ConfigError(
        source, "batch_sizes.to",
        "must be at least pow2_from (" + std::to_string(from) + "), got " + std::to_string(to));
  std::vector<std::int64_t> sizes;
  for (std::int64_t b = from; b <= to; b *= 2) sizes.push_back(b);
  return sizes;
}

SweepConfig read_sweep_config(const nlohmann::json& j, const std::string& source) {
  const Fields top(j, "", source, sweep_schema());
  if (!top.find("base"))
    top.fail("base",
             "required: the run config every run starts from, e.g. \"base\": {\"dataset\": "
             "{\"kind\": \"spirals\"}}");
  const json* sizes = top.find("batch_sizes");
  if (!sizes)
    top.fail("batch_sizes",
             "required: a list such as [16, 64, 256] or {\"pow2_from\": 16, \"to\": 256}");

  SweepConfig s;
  top.get("name", s.name);
  top.get("description", s.description);
  s.base = read_run_config(top.object("base"));
  if (sizes->is_object()) {
    const Fields range = top.object("batch_sizes");
    for (const char* key : {"pow2_from", "to"})
      if (!range.find(key)) range.fail(key, "required with the powers-of-two form");
    std::int64_t from = 0, to = 0;
    range.get("pow2_from", from);
    range.get("to", to);
    s.batch_sizes = pow2_batch_sizes(from, to, source);
  } else if (sizes->is_array()) {
    top.get("batch_sizes", s.batch_sizes);
  } else {
    top.fail(
        "batch_sizes",
        "expected a list of batch sizes or {\"pow2_from\": a, \"to\": b}, got " + shown(*sizes));
  }
  if (const json* v = top.find("learning_rates"); v && !v->is_null())
    top.get("learning_rates", s.learning_rates);
  if (const json* v = top.find("lr_scaling"); v && !v->is_null()) {
    LrScalingConfig rule;
    read_lr_scaling(top.object("lr_scaling"), rule);
    s.lr_scaling = rule;
  }
  top.get("repeats", s.repeats);
  return s;
}

SweepConfig sweep_config_from_json(const nlohmann::json& j, const std::string& source) {
  SweepConfig s = read_sweep_config(j, source);
  validate_sweep_config(s, source);
  return s;
}

nlohmann::json sweep_config_to_json(const SweepConfig& s) {
  json j;
  j["name"] = s.name;
  j["description"] = s.description;
  j["base"] = run_config_to_json(s.base);
  j["batch_sizes"] = s.batch_sizes;
  j["learning_rates"] = s.learning_rates;
  if (s.lr_scaling)
    j["lr_scaling"] = {{"rule", to_string(s.lr_scaling->rule)},
                       {"base_batch", s.lr_scaling->base_batch},
                       {"warmup_epochs", s.lr_scaling->warmup_epochs}};
  else
    j["lr_scaling"] = nullptr;
  j["repeats"] = s.repeats;
  return j;
}

void apply_sweep_set(nlohmann::json& sweep, std::string_view assignment,
                     const std::string& source) {
  json_config::apply_assignment(sweep, assignment, source, sweep_schema());
}

void validate_sweep_config(const SweepConfig& s, const std::string& source) {
  const auto fail = [&](const std::string& field, const std::string& reason) {
    throw ConfigError(source, field, reason);
  };
  if (s.batch_sizes.empty())
    fail("batch_sizes", "list at least one batch size, e.g. [16, 64, 256]");
  for (std::size_t i = 0; i < s.batch_sizes.size(); ++i) {
    const std::string key = "batch_sizes[" + std::to_string(i) + "]";
    const std::int64_t b = s.batch_sizes[i];
    if (b < 1) fail(key, "must be at least 1, got " + std::to_string(b));
    if (std::find(s.batch_sizes.begin(), s.batch_sizes.begin() + static_cast<std::ptrdiff_t>(i),
                  b) != s.batch_sizes.begin() + static_cast<std::ptrdiff_t>(i))
      fail(key, std::to_string(b) + " is listed twice; use repeats to run a batch size again");
  }
  for (std::size_t i = 0; i < s.learning_rates.size(); ++i) {
    const std::string key = "learning_rates[" + std::to_string(i) + "]";
    const double lr = s.learning_rates[i];
    if (!(std::isfinite(lr) && lr > 0))
      fail(key, "must be greater than 0, got " + format_number(lr));
    for (std::size_t k = 0; k < i; ++k)
      if (s.learning_rates[k] == lr) fail(key, format_number(lr) + " is listed twice");
  }
  if (s.repeats < 1 || s.repeats > kMaxRepeats)
    fail("repeats",
         "must be from 1 to " + std::to_string(kMaxRepeats) + ", got " + std::to_string(s.repeats));
  if (s.lr_scaling) {
    if (s.lr_scaling->base_batch < 1)
      fail("lr_scaling.base_batch",
           "must be at least 1, got " + std::to_string(s.lr_scaling->base_batch));
    if (!(std::isfinite(s.lr_scaling->warmup_epochs) && s.lr_scaling->warmup_epochs >= 0))
      fail("lr_scaling.warmup_epochs",
           "must be 0 or more, got " + format_number(s.lr_scaling->warmup_epochs));
  }
  const std::int64_t runs =
      static_cast<std::int64_t>(s.batch_sizes.size()) *
      static_cast<std::int64_t>(std::max<std::size_t>(s.learning_rates.size(), 1)) * s.repeats;
  if (runs > kMaxRuns)
    fail("batch_sizes × learning_rates × repeats",
         std::to_string(runs) + " runs (" + std::to_string(s.batch_sizes.size()) + " × " +
             std::to_string(std::max<std::size_t>(s.learning_rates.size(), 1)) + " × " +
             std::to_string(s.repeats) + "); a sweep holds at most " + std::to_string(kMaxRuns) +
             " runs: split it or use fewer repeats");
  if (s.base.batch.strategy != BatchStrategy::mini)
    fail("base.batch.strategy",
         "a sweep sets every run's batch size, so the base must use "
         "\"mini\" (got \"" +
             std::string(to_string(s.base.batch.strategy)) + "\")");
  for (const auto& p : expand_unchecked(s)) {
    try {
      validate_run_config(p.config, source);
    } catch (const ConfigError& e) {
      rethrow_under_base(e, source, " (in the run " + p.label + ")");
    }
  }
}

std::vector<SweepRunPlan> expand_sweep(const SweepConfig& sweep, const std::string& source) {
  validate_sweep_config(sweep, source);
  return expand_unchecked(sweep);
}

}  // namespace batchlab
