// defines: RunRow (one run as the runs table shows it), row_from_record, apply_summary,
//          status_text, is_failure
#pragma once

#include <cstdint>
#include <optional>

#include <QString>

#include "engine/core/events.h"
#include "engine/experiment/run_store.h"

namespace batchlab {

struct RunRow {
  std::int64_t id = 0;
  std::int64_t sweep_id = 0;  // the sweep whose group it sits in; 0: a run on its own
  QString name;
  RunStatus status = RunStatus::running;
  QString reason;
  // The run's starting batch: its batch.size (the full-batch rows, 1 for stochastic), live and
  // after reopening alike. A batch-size schedule grows it; the batch-size plot shows each step.
  std::int64_t batch = 0;
  bool batch_scheduled = false;  // the batch follows a schedule (not constant)
  int replicas = 1;  // data-parallel replicas the global batch is split across (parallel.replicas)
  double lr = kNaN;
  double samples_per_s = kNaN;  // median when finished, moving average while running
  std::int64_t peak_memory = 0;
  std::int64_t predicted_memory = 0;  // the memory model's total (stored summary); 0: unknown
  double val_accuracy = kNaN;
  double val_loss = kNaN;
  QString to_target;     // "1,240 steps · 3.2 s"; empty: not reached or no target
  double time_s = kNaN;  // wall time of a finished run, for its cost
  std::optional<double> time_to_target_s;  // for its cost to target
  bool visible = false;
  // Inference and serving runs (schema v6) fill the same columns from their own summary: the
  // throughput column holds samples/s (inference) or served req/s (serving, the best setting's,
  // else the highest measured), the batch column `kind_batch`, the to-target column
  // `kind_result` (the best setting under the p99 objective).
  RunKind kind = RunKind::train;
  QString kind_batch;   // "1–1024 (inference)", "dynamic ≤ 32, 2 ms"
  QString kind_result;  // "p99 8.1 ms ≤ 10 ms at 7.9k req/s", "none meets p99 ≤ 10 ms"
};

// A row for a run read from the store (status, reason, sweep, batch, lr and the stored summary).
RunRow row_from_record(const RunRecord& record);
// Fills the metric columns from a finished run's summary.
void apply_summary(RunRow& row, const RunSummary& summary);
// "completed", "target reached", "out of memory", ...
QString status_text(RunStatus status);
bool is_failure(RunStatus status);

}  // namespace batchlab
