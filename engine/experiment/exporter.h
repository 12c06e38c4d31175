// defines: export_runs_csv, export_runs_json
// Exports stored runs for other tools: CSV is every step of every run (one row per step, run_id
// first); JSON is each run's record, config, summary, steps and evaluations. Files are written
// atomically. Throws Error for an unknown run id (naming it) or an unwritable path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "engine/experiment/run_store.h"

namespace batchlab {

void export_runs_csv(const RunStore& store, const std::vector<std::int64_t>& run_ids,
                     const std::filesystem::path& out);
void export_runs_json(const RunStore& store, const std::vector<std::int64_t>& run_ids,
                      const std::filesystem::path& out);

}  // namespace batchlab
