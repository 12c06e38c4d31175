// RunStore's inference and serving tables (schema v6): inference_points, serving_points,
// serving_windows. Kept apart from run_store.cpp (runs, steps, sweeps) and run_store_models.cpp.
// Each table's columns are listed once, in the order its INSERT and SELECT use them.
#include <algorithm>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "engine/core/errors.h"
#include "engine/experiment/run_store.h"
#include "engine/experiment/sqlite_util.h"

namespace batchlab {
namespace {

using sqlite::Statement;
using sqlite::Transaction;

constexpr const char* kInferenceColumns =
    "batch_size, fits, error, rows, timed_batches, samples_per_s, step_ms, accuracy, mse, "
    "memory_bytes, predicted_bytes";
constexpr int kInferenceCount = 11;

constexpr const char* kPointColumns =
    "point, mode, rate, max_batch, max_delay_ms, objective_ms, arrived, served, dropped, "
    "rejected, unfinished, throughput, p50_ms, p90_ms, p99_ms, max_ms, mean_ms, mean_wait_ms, "
    "mean_compute_ms, mean_batch, utilization, saturated, saturated_at, settled_limit, "
    "meets_objective, best, batch_histogram";
constexpr int kPointCount = 27;

constexpr const char* kWindowColumns =
    "point, t_s, throughput, p50_ms, p99_ms, mean_batch, queue_depth, batch_limit";
constexpr int kWindowCount = 8;

std::string insert_sql(const char* table, const char* columns, int count) {
  std::string marks = "?";
  for (int i = 0; i < count; ++i) marks += ", ?";
  return std::string("INSERT INTO ") + table + " (run_id, " + columns + ") VALUES (" + marks +
         ")";
}

void delete_rows(sqlite3* db, const std::filesystem::path& path, const char* table,
                 std::int64_t run_id) {
  const std::string sql = std::string("DELETE FROM ") + table + " WHERE run_id = ?";
  Statement s(db, path, sql.c_str(), std::string("cannot replace the ") + table);
  s.bind(1, run_id);
  s.step();
}

std::string histogram_text(const std::vector<std::int64_t>& h) { return nlohmann::json(h).dump(); }

std::vector<std::int64_t> histogram_of(const std::string& text, const std::filesystem::path& path,
                                       std::int64_t run_id) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::vector<std::int64_t> h;
  if (j.is_array())
    for (const auto& v : j)
      if (v.is_number_integer()) h.push_back(v.get<std::int64_t>());
  if (!j.is_array() || h.size() != j.size())
    throw Error(path.string() + ": run " + std::to_string(run_id) +
                ": a serving point's batch histogram is not a list of counts: " +
                text.substr(0, 60));
  return h;
}

}  // namespace

std::string_view run_kind_name(RunKind k) {
  switch (k) {
    case RunKind::train: return "train";
    case RunKind::inference: return "inference";
    case RunKind::serving: return "serving";
  }
  return "train";
}

std::optional<RunKind> parse_run_kind(std::string_view s) {
  for (const RunKind k : {RunKind::train, RunKind::inference, RunKind::serving})
    if (s == run_kind_name(k)) return k;
  return std::nullopt;
}

const ServingPointRow* best_serving_point(const std::vector<ServingPointRow>& points) {
  for (const auto& p : points)
    if (p.best) return &p;
  return nullptr;
}

std::string serving_summary_json(const std::vector<ServingPointRow>& points) {
  nlohmann::json j = {{"kind", "serving"}, {"points", points.size()}};
  double objective = 0, max_throughput = 0;
  int saturated = 0;
  std::int64_t lo = 0, hi = 0;
  for (const auto& p : points) {
    objective = std::max(objective, p.objective_ms);
    if (std::isfinite(p.throughput)) max_throughput = std::max(max_throughput, p.throughput);
    saturated += p.saturated;
    lo = lo == 0 ? p.max_batch : std::min(lo, p.max_batch);
    hi = std::max(hi, p.max_batch);
  }
  j["objective_ms"] = objective;
  j["max_throughput"] = max_throughput;
  j["saturated_points"] = saturated;
  j["max_batches"] = {lo, hi};
  j["best"] = nullptr;
  if (const ServingPointRow* b = best_serving_point(points))
    j["best"] = {{"mode", b->mode},         {"max_batch", b->max_batch},
                 {"max_delay_ms", b->max_delay_ms}, {"rate", b->rate},
                 {"throughput", b->throughput}, {"p99_ms", b->p99_ms}};
  return j.dump();
}

std::string inference_summary_json(const std::vector<InferenceRow>& rows) {
  nlohmann::json j = {{"kind", "inference"}};
  std::int64_t lo = 0, hi = 0, best_batch = 0, peak = 0;
  double best = 0, accuracy = std::numeric_limits<double>::quiet_NaN();
  for (const auto& r : rows) {
    lo = lo == 0 ? r.batch_size : std::min(lo, r.batch_size);
    hi = std::max(hi, r.batch_size);
    if (!r.fits) continue;
    peak = std::max(peak, r.memory_bytes);
    if (std::isfinite(r.accuracy)) accuracy = r.accuracy;  // the same rows at every size
    if (std::isfinite(r.samples_per_s) && r.samples_per_s > best) {
      best = r.samples_per_s;
      best_batch = r.batch_size;
    }
  }
  j["batch_sizes"] = {lo, hi};
  j["best_samples_per_s"] = best;
  j["best_batch"] = best_batch;
  j["peak_memory_bytes"] = peak;
  if (std::isfinite(accuracy)) j["accuracy"] = accuracy;
  return j.dump();
}

void RunStore::save_inference(std::int64_t run_id, std::span<const InferenceRow> rows) {
  Transaction t(db_, path_, "cannot write inference results");
  delete_rows(db_, path_, "inference_points", run_id);
  static const std::string sql = insert_sql("inference_points", kInferenceColumns, kInferenceCount);
  Statement s(db_, path_, sql.c_str(), "cannot write inference results");
  for (const InferenceRow& r : rows) {
    int i = 1;
    s.bind(i++, run_id);
    s.bind(i++, r.batch_size);
    s.bind(i++, r.fits ? 1 : 0);
    s.bind(i++, r.error);
    s.bind(i++, r.rows);
    s.bind(i++, r.timed_batches);
    s.bind(i++, r.samples_per_s);
    s.bind(i++, r.step_ms);
    s.bind(i++, r.accuracy);
    s.bind(i++, r.mse);
    s.bind(i++, r.memory_bytes);
    s.bind(i++, r.predicted_bytes);
    s.step();
    s.reset();
  }
  t.commit();
}

std::vector<InferenceRow> RunStore::inference(std::int64_t run_id) const {
  const std::string sql = std::string("SELECT ") + kInferenceColumns +
                          " FROM inference_points WHERE run_id = ? ORDER BY batch_size";
  Statement s(db_, path_, sql.c_str(), "cannot read inference results");
  s.bind(1, run_id);
  std::vector<InferenceRow> out;
  while (s.step()) {
    InferenceRow r;
    int c = 0;
    r.batch_size = s.int64(c++);
    r.fits = s.int64(c++) != 0;
    r.error = s.text(c++);
    r.rows = s.int64(c++);
    r.timed_batches = s.int64(c++);
    r.samples_per_s = s.real(c++);
    r.step_ms = s.real(c++);
    r.accuracy = s.real(c++);
    r.mse = s.real(c++);
    r.memory_bytes = s.int64(c++);
    r.predicted_bytes = s.int64(c++);
    out.push_back(std::move(r));
  }
  return out;
}

void RunStore::save_serving(std::int64_t run_id, std::span<const ServingPointRow> points,
                            std::span<const ServingWindowRow> windows) {
  Transaction t(db_, path_, "cannot write serving results");
  delete_rows(db_, path_, "serving_points", run_id);
  delete_rows(db_, path_, "serving_windows", run_id);
  static const std::string point_sql = insert_sql("serving_points", kPointColumns, kPointCount);
  Statement p(db_, path_, point_sql.c_str(), "cannot write serving results");
  for (const ServingPointRow& r : points) {
    int i = 1;
    p.bind(i++, run_id);
    p.bind(i++, r.point);
    p.bind(i++, r.mode);
    p.bind(i++, r.rate);
    p.bind(i++, r.max_batch);
    p.bind(i++, r.max_delay_ms);
    p.bind(i++, r.objective_ms);
    p.bind(i++, r.arrived);
    p.bind(i++, r.served);
    p.bind(i++, r.dropped);
    p.bind(i++, r.rejected);
    p.bind(i++, r.unfinished);
    p.bind(i++, r.throughput);
    p.bind(i++, r.p50_ms);
    p.bind(i++, r.p90_ms);
    p.bind(i++, r.p99_ms);
    p.bind(i++, r.max_ms);
    p.bind(i++, r.mean_ms);
    p.bind(i++, r.mean_wait_ms);
    p.bind(i++, r.mean_compute_ms);
    p.bind(i++, r.mean_batch);
    p.bind(i++, r.utilization);
    p.bind(i++, r.saturated ? 1 : 0);
    p.bind(i++, r.saturated_at);
    p.bind(i++, r.settled_limit);
    p.bind(i++, r.meets_objective ? 1 : 0);
    p.bind(i++, r.best ? 1 : 0);
    p.bind(i++, histogram_text(r.batch_histogram));
    p.step();
    p.reset();
  }
  static const std::string window_sql =
      insert_sql("serving_windows", kWindowColumns, kWindowCount);
  Statement w(db_, path_, window_sql.c_str(), "cannot write serving results");
  for (const ServingWindowRow& r : windows) {
    int i = 1;
    w.bind(i++, run_id);
    w.bind(i++, r.point);
    w.bind(i++, r.t_s);
    w.bind(i++, r.throughput);
    w.bind(i++, r.p50_ms);
    w.bind(i++, r.p99_ms);
    w.bind(i++, r.mean_batch);
    w.bind(i++, r.queue_depth);
    w.bind(i++, r.batch_limit);
    w.step();
    w.reset();
  }
  t.commit();
}

std::vector<ServingPointRow> RunStore::serving_points(std::int64_t run_id) const {
  const std::string sql = std::string("SELECT ") + kPointColumns +
                          " FROM serving_points WHERE run_id = ? ORDER BY point";
  Statement s(db_, path_, sql.c_str(), "cannot read serving results");
  s.bind(1, run_id);
  std::vector<ServingPointRow> out;
  while (s.step()) {
    ServingPointRow r;
    int c = 0;
    r.point = static_cast<int>(s.int64(c++));
    r.mode = s.text(c++);
    r.rate = s.real(c++);
    r.max_batch = s.int64(c++);
    r.max_delay_ms = s.real(c++);
    r.objective_ms = s.real(c++);
    r.arrived = s.int64(c++);
    r.served = s.int64(c++);
    r.dropped = s.int64(c++);
    r.rejected = s.int64(c++);
    r.unfinished = s.int64(c++);
    r.throughput = s.real(c++);
    r.p50_ms = s.real(c++);
    r.p90_ms = s.real(c++);
    r.p99_ms = s.real(c++);
    r.max_ms = s.real(c++);
    r.mean_ms = s.real(c++);
    r.mean_wait_ms = s.real(c++);
    r.mean_compute_ms = s.real(c++);
    r.mean_batch = s.real(c++);
    r.utilization = s.real(c++);
    r.saturated = s.int64(c++) != 0;
    r.saturated_at = s.real(c++);
    r.settled_limit = s.int64(c++);
    r.meets_objective = s.int64(c++) != 0;
    r.best = s.int64(c++) != 0;
    r.batch_histogram = histogram_of(s.text(c++), path_, run_id);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<ServingWindowRow> RunStore::serving_windows(std::int64_t run_id) const {
  const std::string sql = std::string("SELECT ") + kWindowColumns +
                          " FROM serving_windows WHERE run_id = ? ORDER BY point, t_s";
  Statement s(db_, path_, sql.c_str(), "cannot read serving results");
  s.bind(1, run_id);
  std::vector<ServingWindowRow> out;
  while (s.step()) {
    ServingWindowRow r;
    int c = 0;
    r.point = static_cast<int>(s.int64(c++));
    r.t_s = s.real(c++);
    r.throughput = s.real(c++);
    r.p50_ms = s.real(c++);
    r.p99_ms = s.real(c++);
    r.mean_batch = s.real(c++);
    r.queue_depth = s.int64(c++);
    r.batch_limit = s.int64(c++);
    out.push_back(r);
  }
  return out;
}

}  // namespace batchlab
