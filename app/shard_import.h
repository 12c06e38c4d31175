// defines: ShardImportResult, import_shards (File ▸ Import shards…, without its file dialog)
// Store shards (a Slurm array's shards/task-K.sqlite, or any BatchLab store) are merged into the
// window's store by batchlab::merge_shards, then the runs it added are listed in the runs table
// and ticked, so they overlay the plots like runs trained here; rows already listed keep their
// ticks and points. The outcome is one line for the status bar, "3 runs added, 1 already
// present" (and the runs skipped because they were still running, by name), or the refusal,
// "Import refused: <shard>: <cause>", in which case merge_shards has written nothing.
#pragma once

#include <cstdint>
#include <vector>

#include <QString>
#include <QStringList>

namespace batchlab {

class RunSession;

struct ShardImportResult {
  bool ok = false;
  QString message;                  // the one line to show
  std::vector<std::int64_t> added;  // ids of the runs added to the window's store
};

// Merges the shards at `paths` into `session`'s store and lists what was added. A merge while
// a run trains is the caller's to refuse (the window disables the action then).
ShardImportResult import_shards(RunSession& session, const QStringList& paths);

}  // namespace batchlab
