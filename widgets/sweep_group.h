// defines: SweepInfo, sweep_info_from_record, sweep_status_text, sweep_status_tooltip,
//          range_text
// What the runs table's group row of a sweep says about the sweep as a whole: its name and when
// it was created (from the store's sweeps row), and a one-line status summed over its runs.
#pragma once

#include <cstdint>
#include <vector>

#include <QString>

#include "engine/experiment/run_store.h"
#include "widgets/run_row.h"

namespace batchlab {

struct SweepInfo {
  QString name;     // empty: the table shows "sweep <id>"
  QString created;  // ISO 8601 UTC as stored; empty: unknown
  int planned = 0;  // runs the sweep expands to; 0: unknown (then the runs seen count)
};

// Name, created time and the planned run count (batch sizes × learning rates × repeats, read
// leniently from the stored config: an unreadable one leaves it 0).
SweepInfo sweep_info_from_record(const SweepRecord& record);

// "running 3 of 8" while a run trains; "completed" when every planned run completed or reached
// its target; else the count with what went wrong: "8 runs · 1 out of memory", "5 of 8 runs ·
// 1 stopped". `runs` in the order they ran.
QString sweep_status_text(const std::vector<const RunRow*>& runs, int planned);
// Every status with its count, "6 completed, 1 out of memory, 1 diverged".
QString sweep_status_tooltip(const std::vector<const RunRow*>& runs);

// "8–512", or "32" when both ends are the same.
QString range_text(const QString& low, const QString& high);

}  // namespace batchlab
