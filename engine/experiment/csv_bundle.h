// defines: CsvBundleFiles, export_csv_bundle
// The CSV bundle (issue "Reports"): stored runs as three plain CSV files in one folder, for a
// spreadsheet or pandas:
//   runs.csv   one row per run: id, name, sweep, status, the swept settings (batch, lr, rule,
//              seed), the stop target, and the summary (samples/s median, peak memory, final and
//              best validation metrics, steps/samples/epochs/time to target, ...), tags
//   steps.csv  every step of every run (the columns of `export --format csv`)
//   evals.csv  every evaluation of every run
// Missing values are empty cells; text cells are quoted (RFC 4180). The three files are written
// as a set (write_files_atomically): a failed export leaves none of them, and no temporary.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "engine/experiment/run_store.h"

namespace batchlab {

struct CsvBundleFiles {
  std::filesystem::path runs;
  std::filesystem::path steps;
  std::filesystem::path evals;
};

// Writes the bundle for `run_ids` (in that order) into `folder`, creating it when missing (and
// removing it again if the export then fails). Throws Error naming the unknown run id, a folder
// path that is a file, or the file that could not be written.
CsvBundleFiles export_csv_bundle(const RunStore& store, const std::vector<std::int64_t>& run_ids,
                                 const std::filesystem::path& folder);

}  // namespace batchlab
