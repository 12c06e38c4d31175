// defines: MemoryLimits
// The memory limits a set of stored runs ran under, for the horizontal lines of the sweep's
// peak-memory plot (window and reports read them the same way, here): the memory budget from
// each run's config ("memory_budget_mb") and the device's memory from its environment JSON
// ("device_total_bytes", recorded for GPU runs; older runs and CPU runs have none).
#pragma once

#include <optional>

namespace batchlab {

struct RunRecord;

struct MemoryLimits {
  std::optional<double> budget_mib;  // the smallest budget among the runs that set one
  std::optional<double> device_mib;  // the smallest device memory recorded among the runs

  // Takes one run into account. A config or environment that does not parse adds nothing.
  void add(const RunRecord& run);
};

}  // namespace batchlab
