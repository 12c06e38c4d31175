#include "app/shard_import.h"

#include <filesystem>

#include "app/run_session.h"
#include "engine/experiment/store_merge.h"
#include "widgets/format.h"
#include "widgets/runs_table_model.h"

namespace batchlab {

ShardImportResult import_shards(RunSession& session, const QStringList& paths) {
  ShardImportResult out;
  if (paths.isEmpty()) {
    out.message = QObject::tr("No shard chosen");
    return out;
  }
  std::vector<std::filesystem::path> shards;
  for (const QString& p : paths) shards.emplace_back(p.toStdString());
  MergeResult merged;
  try {
    merged = merge_shards(session.storePath(), shards);
  } catch (const std::exception& e) {
    // "<shard>: <cause>" already; one line, whatever SQLite said.
    out.message = QObject::tr("Import refused: %1").arg(QString::fromUtf8(e.what()).simplified());
    return out;
  }
  int present = 0;
  QStringList running;
  for (const auto& shard : merged.shards) {
    present += shard.runs_present;
    for (const auto& name : shard.still_running) running << QString::fromStdString(name);
  }
  QString error;
  if (!session.listNewRuns(out.added, error)) {
    out.message = QObject::tr("Merged, but the store could not be read back: %1").arg(error);
    return out;
  }
  for (const std::int64_t id : out.added) session.table().setVisible(id, true);
  out.ok = true;
  out.message = QObject::tr("%1 added, %2 already present")
                    .arg(format_count(merged.runs_added(), QObject::tr("run"), QObject::tr("runs")))
                    .arg(present);
  if (!running.isEmpty())
    out.message += QObject::tr(", %1 still running skipped (%2)")
                       .arg(running.size())
                       .arg(running.join(QStringLiteral(", ")));
  if (paths.size() > 1) out.message += QObject::tr(" from %1 shards").arg(paths.size());
  return out;
}

}  // namespace batchlab
