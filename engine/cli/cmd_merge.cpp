// batchlab-cli merge: store shards (one per Slurm array task) into the main store, then one line
// per shard and the sweeps the new runs joined.
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "engine/core/errors.h"
#include "engine/experiment/run_store.h"
#include "engine/experiment/store_merge.h"

namespace batchlab::cli {
namespace {

std::string runs_text(int n) {
  return std::to_string(n) + " run" + (n == 1 ? "" : "s");
}

}  // namespace

int cmd_merge(const MergeOptions& o) {
  const std::filesystem::path store = store_path_or_default(o.db);
  std::vector<std::filesystem::path> shards(o.shards.begin(), o.shards.end());
  MergeResult result;
  try {
    result = merge_shards(store, shards);
  } catch (const Error& e) {
    std::fprintf(stderr, "batchlab-cli: merge: %s; nothing was merged\n", e.what());
    return kExitBadInput;
  }
  int present = 0;
  for (const auto& s : result.shards) {
    std::string line = s.shard.string() + ": " + runs_text(s.runs_added) + " added";
    if (s.runs_present > 0) line += ", " + std::to_string(s.runs_present) + " already in the store";
    if (s.runs_added == 0 && s.runs_present == 0 && s.still_running.empty())
      line += " (the shard holds no runs: has its task run yet?)";
    if (s.schema_version < RunStore::kSchemaVersion)
      line += " (read from schema version " + std::to_string(s.schema_version) + ")";
    std::printf("%s\n", line.c_str());
    for (const auto& name : s.still_running)
      std::printf(
          "  skipped \"%s\": still running in the shard (or its task was killed); merge "
          "again once it has finished\n",
          name.c_str());
    present += s.runs_present;
  }
  std::printf("%s added to %s from %zu shard%s%s\n", runs_text(result.runs_added()).c_str(),
              store.c_str(), result.shards.size(), result.shards.size() == 1 ? "" : "s",
              present > 0 ? (", " + std::to_string(present) + " were there already").c_str() : "");
  try {
    const RunStore rs(store);
    for (const auto id : result.sweep_ids)
      if (const auto sweep = rs.sweep(id))
        std::printf("sweep %lld \"%s\": %zu runs\n", static_cast<long long>(id),
                    sweep->name.c_str(), rs.runs_in_sweep(id).size());
  } catch (const Error& e) {
    std::fprintf(stderr, "batchlab-cli: %s\n", e.what());
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace batchlab::cli
