// RunSummary ↔ JSON: the runs.summary column and the export format.
#include "engine/experiment/summary_json.h"

#include "engine/core/errors.h"
#include "engine/experiment/run_store.h"

namespace batchlab {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Stored summaries are our own output: a missing key keeps its default (an older writer), an
// unknown one is ignored (a newer writer); a wrong type means the column is damaged.
void read(const json& j, const char* key, double& out) {
  const auto it = j.find(key);
  if (it == j.end()) return;
  if (it->is_null()) {
    out = kNaN;
  } else if (it->is_number()) {
    out = it->get<double>();
  } else {
    throw Error(std::string("run summary: ") + key + ": expected a number, got " + it->dump());
  }
}

void read(const json& j, const char* key, std::int64_t& out) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if (!it->is_number())
    throw Error(std::string("run summary: ") + key + ": expected a number, got " + it->dump());
  out = it->get<std::int64_t>();
}

template <typename T>
void read(const json& j, const char* key, std::optional<T>& out) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  T v{};
  read(j, key, v);
  out = v;
}

template <typename T>
void write(ordered_json& j, const char* key, const std::optional<T>& v) {
  if (!v) return;
  if constexpr (std::is_floating_point_v<T>)
    j[key] = finite_or_null(*v);
  else
    j[key] = *v;
}

}  // namespace

nlohmann::ordered_json summary_json(const RunSummary& s) {
  ordered_json j;
  j["steps"] = s.steps;
  j["samples"] = s.samples;
  j["epochs"] = finite_or_null(s.epochs);
  j["time_s"] = finite_or_null(s.time_s);
  j["samples_per_s_median"] = finite_or_null(s.samples_per_s_median);
  j["peak_memory_bytes"] = s.peak_memory_bytes;
  j["predicted_memory_bytes"] = s.predicted_memory_bytes;
  j["final_train_loss"] = finite_or_null(s.final_train_loss);
  j["final_val_loss"] = finite_or_null(s.final_val_loss);
  j["final_val_accuracy"] = finite_or_null(s.final_val_accuracy);
  j["best_val_loss"] = finite_or_null(s.best_val_loss);
  j["best_val_accuracy"] = finite_or_null(s.best_val_accuracy);
  j["b_simple"] = finite_or_null(s.b_simple);
  write(j, "steps_to_target", s.steps_to_target);
  write(j, "samples_to_target", s.samples_to_target);
  write(j, "epochs_to_target", s.epochs_to_target);
  write(j, "time_to_target_s", s.time_to_target_s);
  write(j, "diverged_step", s.diverged_step);
  write(j, "oom_requested_bytes", s.oom_requested_bytes);
  return j;
}

std::string summary_to_json(const RunSummary& summary) {
  return summary_json(summary).dump();
}

RunSummary summary_from_json(const std::string& text) {
  RunSummary s;
  if (text.empty()) return s;
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    throw Error("run summary: not a JSON object: " + text.substr(0, 60));
  read(j, "steps", s.steps);
  read(j, "samples", s.samples);
  read(j, "epochs", s.epochs);
  read(j, "time_s", s.time_s);
  read(j, "samples_per_s_median", s.samples_per_s_median);
  read(j, "peak_memory_bytes", s.peak_memory_bytes);
  read(j, "predicted_memory_bytes", s.predicted_memory_bytes);
  read(j, "final_train_loss", s.final_train_loss);
  read(j, "final_val_loss", s.final_val_loss);
  read(j, "final_val_accuracy", s.final_val_accuracy);
  read(j, "best_val_loss", s.best_val_loss);
  read(j, "best_val_accuracy", s.best_val_accuracy);
  read(j, "b_simple", s.b_simple);
  read(j, "steps_to_target", s.steps_to_target);
  read(j, "samples_to_target", s.samples_to_target);
  read(j, "epochs_to_target", s.epochs_to_target);
  read(j, "time_to_target_s", s.time_to_target_s);
  read(j, "diverged_step", s.diverged_step);
  read(j, "oom_requested_bytes", s.oom_requested_bytes);
  return s;
}

}  // namespace batchlab
