#include "engine/experiment/store_schema.h"

#include <array>
#include <string>
#include <vector>

#include "engine/experiment/run_store.h"
#include "engine/experiment/sqlite_util.h"

namespace batchlab {
namespace {

namespace fs = std::filesystem;
using sqlite::exec;

// Version 1 (DESIGN §4). Steps and evals are keyed by (run_id, step) so reads come back in
// step order without a sort and a repeated step replaces, never duplicates.
void migrate_v0_to_v1(sqlite3* db, const fs::path& path) {
  exec(db, path, R"sql(
    CREATE TABLE IF NOT EXISTS runs (
      id          INTEGER PRIMARY KEY AUTOINCREMENT,
      name        TEXT NOT NULL,
      created     TEXT NOT NULL,
      config      TEXT NOT NULL,
      status      TEXT NOT NULL,
      reason      TEXT NOT NULL DEFAULT '',
      device      TEXT NOT NULL DEFAULT '',
      environment TEXT NOT NULL DEFAULT '{}',
      summary     TEXT NOT NULL DEFAULT '{}',
      pid         INTEGER,
      host        TEXT,
      updated     TEXT
    );
    CREATE TABLE IF NOT EXISTS steps (
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      step INTEGER NOT NULL, epoch REAL, samples INTEGER, wall_s REAL, batch INTEGER,
      micro_batches INTEGER, lr REAL, loss REAL, samples_per_s REAL, step_ms REAL,
      data_ms REAL, compute_ms REAL,
      mem_parameters INTEGER, mem_gradients INTEGER, mem_optimizer INTEGER,
      mem_activations INTEGER, mem_batch INTEGER, mem_workspace INTEGER,
      grad_norm2 REAL, b_simple REAL,
      PRIMARY KEY (run_id, step)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS evals (
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      step INTEGER NOT NULL, epoch REAL, val_loss REAL, val_accuracy REAL, train_loss REAL,
      wall_s REAL,
      PRIMARY KEY (run_id, step)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS runs_status ON runs(status);
  )sql",
       "cannot create the store's tables");
}

// Version 2: sweeps, and two columns on runs. A run keeps its steps when its sweep is deleted on
// its own (sweep_id becomes NULL); tags are a JSON array of strings, '[]' for none.
void migrate_v1_to_v2(sqlite3* db, const fs::path& path) {
  exec(db, path, R"sql(
    CREATE TABLE IF NOT EXISTS sweeps (
      id      INTEGER PRIMARY KEY AUTOINCREMENT,
      name    TEXT NOT NULL,
      created TEXT NOT NULL,
      config  TEXT NOT NULL
    );
    ALTER TABLE runs ADD COLUMN sweep_id INTEGER REFERENCES sweeps(id) ON DELETE SET NULL;
    ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
    CREATE INDEX IF NOT EXISTS runs_sweep ON runs(sweep_id);
  )sql",
       "cannot add sweeps and tags to the store");
}

// Version 3: the steps columns take the names every other writer uses (kStepFields: samples_seen,
// batch_size; DESIGN §2), and each run gets an origin, a random 128-bit id that stays unique when
// stores from several machines are merged (run ids are per-store autoincrement). Runs already
// stored get theirs here.
void migrate_v2_to_v3(sqlite3* db, const fs::path& path) {
  exec(db, path, R"sql(
    ALTER TABLE steps RENAME COLUMN samples TO samples_seen;
    ALTER TABLE steps RENAME COLUMN batch TO batch_size;
    ALTER TABLE runs ADD COLUMN origin TEXT;
    UPDATE runs SET origin = lower(hex(randomblob(16))) WHERE origin IS NULL;
    CREATE UNIQUE INDEX IF NOT EXISTS runs_origin ON runs(origin);
  )sql",
       "cannot rename the steps columns and add run origins");
}

// Version 4: trained models, one per run: its shape as JSON (stored_model.h), the step it was
// taken at, its parameters as little-endian float32, the training split's standardisation
// (mean then std, float32; empty when none) and a CRC-32 over both blobs, so a damaged model
// is refused instead of serving nonsense.
void migrate_v3_to_v4(sqlite3* db, const fs::path& path) {
  exec(db, path, R"sql(
    CREATE TABLE IF NOT EXISTS models (
      run_id          INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
      spec            TEXT NOT NULL,
      step            INTEGER NOT NULL,
      parameters      BLOB NOT NULL,
      standardization BLOB NOT NULL,
      crc32           INTEGER NOT NULL
    );
  )sql",
       "cannot add the models table to the store");
}

// Version 5: data-parallel steps (engine/parallel/): replicas, the busiest replica's rows, and
// the all-reduce and idle parts of the step time. Steps stored before ran on one device, so they
// get what a single device reports now: 1 replica holding the whole batch, no all-reduce, no idle.
void migrate_v4_to_v5(sqlite3* db, const fs::path& path) {
  exec(db, path, R"sql(
    ALTER TABLE steps ADD COLUMN replicas INTEGER DEFAULT 1;
    ALTER TABLE steps ADD COLUMN replica_batch INTEGER;
    ALTER TABLE steps ADD COLUMN allreduce_ms REAL DEFAULT 0;
    ALTER TABLE steps ADD COLUMN idle_ms REAL DEFAULT 0;
    UPDATE steps SET replica_batch = batch_size;
  )sql",
       "cannot add the data-parallel columns to the steps");
}

// Version 6: inference and serving results (engine/serve/, experiment/serving_record.h). A run
// has a kind; every run stored before was a training run. Serving points and windows, and
// inference rows, belong to their run as steps do.
void migrate_v5_to_v6(sqlite3* db, const fs::path& path) {
  exec(db, path, R"sql(
    ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'train';
    CREATE TABLE IF NOT EXISTS serving_points (
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      point INTEGER NOT NULL, mode TEXT NOT NULL, rate REAL, max_batch INTEGER,
      max_delay_ms REAL, objective_ms REAL,
      arrived INTEGER, served INTEGER, dropped INTEGER, rejected INTEGER, unfinished INTEGER,
      throughput REAL, p50_ms REAL, p90_ms REAL, p99_ms REAL, max_ms REAL, mean_ms REAL,
      mean_wait_ms REAL, mean_compute_ms REAL, mean_batch REAL, utilization REAL,
      saturated INTEGER, saturated_at REAL, settled_limit INTEGER, meets_objective INTEGER,
      best INTEGER, batch_histogram TEXT NOT NULL DEFAULT '[]',
      PRIMARY KEY (run_id, point)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS serving_windows (
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      point INTEGER NOT NULL, t_s REAL NOT NULL, throughput REAL, p50_ms REAL, p99_ms REAL,
      mean_batch REAL, queue_depth INTEGER, batch_limit INTEGER
    );
    CREATE INDEX IF NOT EXISTS serving_windows_run ON serving_windows(run_id, point, t_s);
    CREATE TABLE IF NOT EXISTS inference_points (
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      batch_size INTEGER NOT NULL, fits INTEGER, error TEXT NOT NULL DEFAULT '', rows INTEGER,
      timed_batches INTEGER, samples_per_s REAL, step_ms REAL, accuracy REAL, mse REAL,
      memory_bytes INTEGER, predicted_bytes INTEGER,
      PRIMARY KEY (run_id, batch_size)
    ) WITHOUT ROWID;
  )sql",
       "cannot add the inference and serving tables to the store");
}

// kMigrations[v] takes a store from version v to v + 1; a new version appends one function.
using Migration = void (*)(sqlite3*, const fs::path&);
constexpr std::array<Migration, 6> kMigrations = {&migrate_v0_to_v1, &migrate_v1_to_v2,
                                                  &migrate_v2_to_v3, &migrate_v3_to_v4,
                                                  &migrate_v4_to_v5, &migrate_v5_to_v6};
static_assert(kMigrations.size() == RunStore::kSchemaVersion);

int user_version(sqlite3* db, const fs::path& path) {
  sqlite::Statement s(db, path, "PRAGMA user_version", "cannot read the store's schema version");
  return s.step() ? static_cast<int>(s.int64(0)) : 0;
}

std::vector<std::string> user_tables(sqlite3* db, const fs::path& path) {
  sqlite::Statement s(db, path,
                      "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                      "name NOT LIKE 'sqlite_%' ORDER BY name",
                      "cannot list the store's tables");
  std::vector<std::string> names;
  while (s.step()) names.push_back(s.text(0));
  return names;
}

}  // namespace

void prepare_store(sqlite3* db, const fs::path& path) {
  // The busy timeout first: every later statement may meet another process's lock.
  sqlite3_busy_timeout(db, 5000);
  // SQLite reads the file header lazily; the first query is where "not a database" shows.
  const int rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  if (rc == SQLITE_NOTADB)
    throw Error(path.string() + ": not a BatchLab run store (the file is not an SQLite database)");
  if (rc != SQLITE_OK) sqlite::throw_error(db, path, "cannot read the run store");
  exec(db, path, "PRAGMA journal_mode = WAL", "cannot switch the store to WAL mode");
  exec(db, path, "PRAGMA synchronous = NORMAL", "cannot set synchronous mode");
  exec(db, path, "PRAGMA foreign_keys = ON", "cannot enable foreign keys");

  // The common case, an up-to-date store, needs no write lock.
  if (user_version(db, path) == RunStore::kSchemaVersion) return;

  sqlite::Transaction t(db, path, "cannot upgrade the run store");
  int version = user_version(db, path);  // again, under the lock: another process may have won
  if (version > RunStore::kSchemaVersion)
    throw Error(path.string() + ": the run store has schema version " + std::to_string(version) +
                ", newer than this BatchLab reads (" + std::to_string(RunStore::kSchemaVersion) +
                "); use a newer BatchLab or another --db");
  if (version == 0) {
    const auto tables = user_tables(db, path);
    bool has_runs = false;
    std::string names;
    for (const auto& n : tables) {
      has_runs |= n == "runs";
      names += (names.empty() ? "" : ", ") + n;
    }
    if (!tables.empty() && !has_runs)
      throw Error(path.string() + ": not a BatchLab run store (an SQLite database with tables " +
                  names + ")");
  }
  for (; version < RunStore::kSchemaVersion; ++version) {
    kMigrations[static_cast<std::size_t>(version)](db, path);
    const std::string set = "PRAGMA user_version = " + std::to_string(version + 1);
    exec(db, path, set.c_str(), "cannot record the schema version");
  }
  t.commit();
}

}  // namespace batchlab
