// defines: MergeShardResult, MergeResult, merge_shards
// Store shards (one SQLite store per Slurm array task, or any other BatchLab store) merged into
// the main store: runs with their steps, evaluations and models, and the sweeps they belong to.
// - Idempotent: a run is identified by its origin (RunRecord::origin, 32 random hex digits); a
//   run whose origin is in the main store already is skipped, so merging a shard twice adds
//   nothing. Ids are the main store's own (remapped); steps, evals and models follow their run.
// - Sweeps regroup: a sweep is identified by its (created, config) pair, so the same sweep
//   arriving in several shards becomes one sweep in the main store (see store_merge.cpp).
// - Runs still `running` in their shard are skipped and named in the result: their steps are
//   not all there yet, and a later merge could not add the rest (the origin would be taken).
// - All or nothing: every shard is opened read-only and checked first (an SQLite file, a BatchLab
//   store, not newer than this code; an older one is read through the store's own migrations on
//   an in-memory copy), then everything is written in one transaction on the main store. A
//   refused shard throws Error "<shard>: <cause>" and the main store is left as it was (one
//   that did not exist before is removed again).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace batchlab {

struct MergeShardResult {
  std::filesystem::path shard;
  int schema_version = 0;                  // the shard's own (older ones are read upgraded)
  int runs_added = 0;                      // new in the main store
  int runs_present = 0;                    // skipped: their origin was in the main store already
  std::vector<std::string> still_running;  // skipped: "<name>" of each run still running
  int sweeps_added = 0;                    // sweeps the main store did not have yet
  int sweeps_joined = 0;                   // sweeps it had (from an earlier shard or merge)
};

struct MergeResult {
  std::vector<MergeShardResult> shards;  // in the order given
  std::vector<std::int64_t> run_ids;     // the added runs' ids in the main store, in order
  std::vector<std::int64_t> sweep_ids;   // main-store ids of the sweeps added runs went to
  int runs_added() const;
};

// Merges `shards` into the store at `main_store` (created when missing, like RunStore). Throws
// Error naming the shard (or the main store) and the cause; nothing is written then.
MergeResult merge_shards(const std::filesystem::path& main_store,
                         std::span<const std::filesystem::path> shards);

}  // namespace batchlab
