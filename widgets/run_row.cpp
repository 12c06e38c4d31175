#include "widgets/run_row.h"

#include <algorithm>
#include <cmath>

#include <QLocale>
#include <nlohmann/json.hpp>

#include "engine/core/format_text.h"
#include "widgets/format.h"

namespace batchlab {

QString status_text(RunStatus status) {
  QString text =
      QString::fromUtf8(to_string(status).data(), static_cast<qsizetype>(to_string(status).size()));
  return text.replace(QLatin1Char('_'), QLatin1Char(' '));
}

bool is_failure(RunStatus status) {
  return status == RunStatus::diverged || status == RunStatus::out_of_memory ||
         status == RunStatus::failed;
}

void apply_summary(RunRow& row, const RunSummary& summary) {
  if (std::isfinite(summary.samples_per_s_median)) row.samples_per_s = summary.samples_per_s_median;
  if (summary.peak_memory_bytes > 0) row.peak_memory = summary.peak_memory_bytes;
  if (summary.predicted_memory_bytes > 0) row.predicted_memory = summary.predicted_memory_bytes;
  if (std::isfinite(summary.final_val_accuracy)) row.val_accuracy = summary.final_val_accuracy;
  if (std::isfinite(summary.final_val_loss)) row.val_loss = summary.final_val_loss;
  row.to_target.clear();
  if (summary.time_s > 0) row.time_s = summary.time_s;
  row.time_to_target_s = summary.time_to_target_s;
  if (summary.steps_to_target) {
    const QLocale c(QLocale::English);
    row.to_target = QStringLiteral("%1 steps")
                        .arg(c.toString(static_cast<qlonglong>(*summary.steps_to_target)));
    if (summary.time_to_target_s)
      row.to_target += QStringLiteral(" · %1").arg(format_duration(*summary.time_to_target_s));
  }
}

namespace {

QString rate_text(double per_s) {
  return std::isfinite(per_s) ? QString::fromStdString(text::rate(per_s)) : QString(kMissing);
}

QString ms_text(double ms) {
  return QString::fromStdString(text::latency(ms * 1e-3));
}

// A serving setting as a cell: "real-time (batch 1)", "fixed 64", "dynamic ≤ 32, 2 ms".
QString setting_text(const nlohmann::json& b) {
  const std::string mode = b.value("mode", std::string());
  const auto max_batch = b.value("max_batch", std::int64_t{0});
  if (mode == "realtime") return QStringLiteral("real-time (batch 1)");
  if (mode == "fixed") return QStringLiteral("fixed %1").arg(max_batch);
  return QStringLiteral("%1 ≤ %2, %3")
      .arg(QString::fromStdString(mode))
      .arg(max_batch)
      .arg(ms_text(b.value("max_delay_ms", 0.0)));
}

// Reads an inference or serving run's summary (serving_summary_json, inference_summary_json)
// leniently: a damaged one leaves the cells empty.
void apply_kind_summary(RunRow& row, const nlohmann::json& j) {
  if (!j.is_object()) return;
  const auto range = [](const nlohmann::json& v) {
    if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number()) return QString();
    const auto lo = v[0].get<std::int64_t>(), hi = v[1].get<std::int64_t>();
    return lo == hi ? QString::number(lo) : QStringLiteral("%1–%2").arg(lo).arg(hi);
  };
  if (row.kind == RunKind::inference) {
    if (const QString r = range(j.value("batch_sizes", nlohmann::json())); !r.isEmpty())
      row.kind_batch = r + QStringLiteral(" (inference)");
    row.samples_per_s = j.value("best_samples_per_s", kNaN);
    row.peak_memory = j.value("peak_memory_bytes", std::int64_t{0});
    row.val_accuracy = j.value("accuracy", kNaN);
    if (const auto b = j.value("best_batch", std::int64_t{0}); b > 0)
      row.kind_result = QStringLiteral("fastest at batch %1").arg(b);
    return;
  }
  const double objective = j.value("objective_ms", 0.0);
  const auto best = j.find("best");
  if (best != j.end() && best->is_object()) {
    row.kind_batch = setting_text(*best);
    row.samples_per_s = best->value("throughput", kNaN);
    row.kind_result = QStringLiteral("p99 %1 ≤ %2 at %3 req/s")
                          .arg(ms_text(best->value("p99_ms", kNaN)), ms_text(objective),
                               rate_text(best->value("throughput", kNaN)));
  } else {
    if (const QString r = range(j.value("max_batches", nlohmann::json())); !r.isEmpty())
      row.kind_batch = QStringLiteral("max batch ") + r;
    row.samples_per_s = j.value("max_throughput", kNaN);
    row.kind_result = objective > 0
                          ? QStringLiteral("none meets p99 ≤ %1").arg(ms_text(objective))
                          : QStringLiteral("no p99 objective");
  }
}

}  // namespace

RunRow row_from_record(const RunRecord& record) {
  RunRow row;
  row.kind = record.kind;
  if (record.kind != RunKind::train) {
    row.id = record.id;
    row.sweep_id = record.sweep_id;
    row.name = QString::fromStdString(record.name);
    row.status = record.status;
    row.reason = QString::fromStdString(record.reason);
    apply_kind_summary(row, nlohmann::json::parse(record.summary_json, nullptr, false));
    return row;
  }
  row.id = record.id;
  row.sweep_id = record.sweep_id;
  row.name = QString::fromStdString(record.name);
  row.status = record.status;
  row.reason = QString::fromStdString(record.reason);
  // Read the two columns leniently: a config written by an older version still lists its run.
  bool full_batch = false;
  const auto config = nlohmann::json::parse(record.config_json, nullptr, false);
  if (config.is_object()) {
    const auto batch = config.find("batch");
    if (batch != config.end() && batch->is_object()) {
      if (batch->contains("size") && (*batch)["size"].is_number())
        row.batch = (*batch)["size"].get<std::int64_t>();
      const std::string strategy = batch->value("strategy", std::string("mini"));
      if (strategy == to_string(BatchStrategy::stochastic)) row.batch = 1;
      // Full batch: every training row, which the config does not say; the summary's samples
      // per step do (0, unknown, until a step ran).
      if (strategy == to_string(BatchStrategy::full)) row.batch = 0;
      const auto schedule = batch->find("schedule");
      if (schedule != batch->end() && schedule->is_object())
        row.batch_scheduled =
            schedule->value("kind", std::string(to_string(ScheduleKind::constant))) !=
            to_string(ScheduleKind::constant);
      full_batch = strategy == to_string(BatchStrategy::full);
    }
    const auto parallel = config.find("parallel");
    if (parallel != config.end() && parallel->is_object() && parallel->contains("replicas") &&
        (*parallel)["replicas"].is_number_integer())
      row.replicas = std::max(1, (*parallel)["replicas"].get<int>());
    const auto opt = config.find("optimizer");
    if (opt != config.end() && opt->is_object() && opt->contains("lr") && (*opt)["lr"].is_number())
      row.lr = (*opt)["lr"].get<double>();
  }
  if (!record.summary_json.empty()) {
    try {
      const RunSummary summary = summary_from_json(record.summary_json);
      if (full_batch && summary.steps > 0) row.batch = summary.samples / summary.steps;
      apply_summary(row, summary);
    } catch (const std::exception&) {
      // A damaged summary leaves the metric cells empty; the run still lists.
    }
  }
  return row;
}

}  // namespace batchlab
