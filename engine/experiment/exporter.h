// defines: export_runs_csv, export_runs_json, write_steps_csv, csv_quote
// Exports stored runs for other tools: CSV is every step of every run (one row per step, run_id
// first); JSON is each run's record, config, summary, steps and evaluations. Files are written
// atomically. Throws Error for an unknown run id (naming it) or an unwritable path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/experiment/run_store.h"

namespace batchlab {

void export_runs_csv(const RunStore& store, const std::vector<std::int64_t>& run_ids,
                     const std::filesystem::path& out);
void export_runs_json(const RunStore& store, const std::vector<std::int64_t>& run_ids,
                      const std::filesystem::path& out);

// The stored runs for these ids, in that order; Error naming the first unknown id.
std::vector<RunRecord> stored_runs(const RunStore& store, const std::vector<std::int64_t>& run_ids);

// The steps CSV (export_runs_csv's content): a header, then every step of each run in order.
// Missing values (NaN) are empty cells.
void write_steps_csv(std::ostream& out, const RunStore& store, const std::vector<RunRecord>& runs);

// A CSV text cell: quoted, with inner quotes doubled (RFC 4180).
std::string csv_quote(std::string_view text);

}  // namespace batchlab
