#include "engine/experiment/exporter.h"

#include <cmath>
#include <ostream>

#include <nlohmann/json.hpp>

#include "engine/core/errors.h"
#include "engine/core/step_fields.h"
#include "engine/experiment/atomic_file.h"
#include "engine/experiment/jsonl_sink.h"

namespace batchlab {
namespace {

void put(std::ostream& o, double v) {
  if (std::isfinite(v)) o << v;  // empty cell for NaN: spreadsheets read it as missing
}

}  // namespace

std::vector<RunRecord> stored_runs(const RunStore& store, const std::vector<std::int64_t>& ids) {
  std::vector<RunRecord> out;
  for (auto id : ids) {
    auto r = store.run(id);
    if (!r) throw Error(store.path().string() + ": no run with id " + std::to_string(id));
    out.push_back(std::move(*r));
  }
  return out;
}

std::string csv_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

void write_steps_csv(std::ostream& o, const RunStore& store, const std::vector<RunRecord>& runs) {
  o.precision(9);
  o << "run_id,run_name";
  for (const auto& f : kStepFields) o << ',' << f.name;
  o << '\n';
  for (const auto& r : runs) {
    const std::string name = csv_quote(r.name);
    for (const auto& s : store.steps(r.id)) {
      o << r.id << ',' << name;
      for (const auto& f : kStepFields) {
        o << ',';
        if (f.type() == FieldType::real)
          put(o, step_field_real(s, f));
        else
          o << step_field_int(s, f);
      }
      o << '\n';
    }
  }
}

void export_runs_csv(const RunStore& store, const std::vector<std::int64_t>& run_ids,
                     const std::filesystem::path& out) {
  const auto records = stored_runs(store, run_ids);
  write_file_atomically(out, [&](std::ostream& o) { write_steps_csv(o, store, records); });
}

void export_runs_json(const RunStore& store, const std::vector<std::int64_t>& run_ids,
                      const std::filesystem::path& out) {
  const auto records = stored_runs(store, run_ids);
  nlohmann::ordered_json runs = nlohmann::ordered_json::array();
  for (const auto& r : records) {
    nlohmann::ordered_json j;
    j["id"] = r.id;
    j["name"] = r.name;
    j["created"] = r.created;
    j["status"] = std::string(to_string(r.status));
    j["reason"] = r.reason;
    j["device"] = r.device;
    j["sweep_id"] = r.sweep_id > 0 ? nlohmann::ordered_json(r.sweep_id) : nullptr;
    j["tags"] = r.tags;
    j["config"] = nlohmann::json::parse(r.config_json, nullptr, false);
    j["environment"] = nlohmann::json::parse(r.environment_json, nullptr, false);
    j["summary"] = nlohmann::json::parse(r.summary_json, nullptr, false);
    auto& steps = j["steps"] = nlohmann::ordered_json::array();
    for (const auto& s : store.steps(r.id)) steps.push_back(to_json(s));
    auto& evals = j["evals"] = nlohmann::ordered_json::array();
    for (const auto& e : store.evals(r.id)) evals.push_back(to_json(e));
    runs.push_back(std::move(j));
  }
  write_file_atomically(out, [&](std::ostream& o) { o << runs.dump(1) << '\n'; });
}

}  // namespace batchlab
