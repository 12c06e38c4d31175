#include "widgets/run_row.h"

#include <algorithm>
#include <cmath>

#include <QLocale>
#include <nlohmann/json.hpp>

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

RunRow row_from_record(const RunRecord& record) {
  RunRow row;
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
