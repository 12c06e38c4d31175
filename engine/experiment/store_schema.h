// defines: prepare_store (connection settings, the "is this a BatchLab store?" check and the
//          forward migrations that bring a store to RunStore::kSchemaVersion)
// Internal to experiment/.
#pragma once

#include <filesystem>

struct sqlite3;

namespace batchlab {

// Sets WAL, synchronous=NORMAL, busy_timeout and foreign keys on a fresh connection, then
// migrates. Throws Error naming the path for a file that is not SQLite, an SQLite file that is
// not a BatchLab store, or a store written by a newer BatchLab.
void prepare_store(sqlite3* db, const std::filesystem::path& path);

}  // namespace batchlab
