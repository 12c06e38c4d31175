#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "commands.h"
#include "engine/core/errors.h"
#include "engine/experiment/csv_bundle.h"
#include "engine/experiment/exporter.h"
#include "engine/experiment/run_store.h"

namespace batchlab::cli {

int cmd_export(const ExportOptions& o) {
  std::vector<std::int64_t> ids;
  std::stringstream list(o.runs);  // empty with --sweep only
  for (std::string item; std::getline(list, item, ',');) {
    try {
      std::size_t used = 0;
      ids.push_back(std::stoll(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      std::fprintf(stderr,
                   "batchlab-cli: --runs: \"%s\" is not a run id (expected e.g. --runs 3,4,7)\n",
                   item.c_str());
      return kExitBadInput;
    }
  }
  const std::string path = store_path_or_default(o.db);
  if (!std::filesystem::exists(path)) {
    std::fprintf(stderr, "batchlab-cli: %s: no such run store\n", path.c_str());
    return kExitBadInput;
  }
  RunStore store(path);
  if (o.sweep != 0) {
    if (!store.sweep(o.sweep)) {
      std::fprintf(stderr, "batchlab-cli: %s: no sweep with id %lld\n", path.c_str(),
                   static_cast<long long>(o.sweep));
      return kExitBadInput;
    }
    for (const auto& r : store.runs_in_sweep(o.sweep))
      if (std::find(ids.begin(), ids.end(), r.id) == ids.end()) ids.push_back(r.id);
  }
  const char* plural = ids.size() == 1 ? "" : "s";
  if (o.format == "csv-bundle") {
    const CsvBundleFiles files = export_csv_bundle(store, ids, o.out);
    std::printf("wrote %s, %s and %s (%zu run%s)\n", files.runs.c_str(), files.steps.c_str(),
                files.evals.c_str(), ids.size(), plural);
    return kExitOk;
  }
  if (o.format == "json")
    export_runs_json(store, ids, o.out);
  else
    export_runs_csv(store, ids, o.out);
  std::printf("wrote %s (%zu run%s)\n", o.out.c_str(), ids.size(), plural);
  return kExitOk;
}

}  // namespace batchlab::cli
