// merge_shards: checks every shard read-only, then copies their runs (steps, evals, models) and
// sweeps into the main store in one transaction.
//
// Sweep identity. Sweep ids are per-store row numbers, and the sweeps table has no origin column
// (adding one would be a schema migration for every store). A sweep row's `created` timestamp
// and its `config` (sweep_config_to_json: name, base config, batch sizes, ...) are written once
// and never edited, so the pair identifies the sweep: the Slurm generator writes the sweep row
// once and copies that shard for every array task (slurm_script.cpp), so all shards carry the
// same pair, and a later merge of more shards finds the sweep an earlier merge created. The name
// is left out on purpose: renaming the sweep in the main store must not split it. Two different
// sweeps collide only with the same config created in the same second.
#include "engine/experiment/store_merge.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

#include "engine/core/errors.h"
#include "engine/core/step_fields.h"
#include "engine/experiment/run_store.h"
#include "engine/experiment/sqlite_util.h"
#include "engine/experiment/store_schema.h"
#include "engine/experiment/stored_model.h"

namespace batchlab {
namespace {

namespace fs = std::filesystem;
using sqlite::Statement;

struct Connection {
  sqlite3* db = nullptr;
  ~Connection() { sqlite3_close_v2(db); }
};

std::vector<std::string> table_columns(sqlite3* db, const fs::path& path,
                                       const std::string& table) {
  const std::string sql = "SELECT name FROM pragma_table_info('" + table + "')";
  Statement s(db, path, sql.c_str(), "cannot read the columns of " + table);
  std::vector<std::string> names;
  while (s.step()) names.push_back(s.text(0));
  return names;
}

std::vector<std::string> table_names(sqlite3* db, const fs::path& path) {
  Statement s(db, path,
              "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
              "ORDER BY name",
              "cannot list the tables");
  std::vector<std::string> names;
  while (s.step()) names.push_back(s.text(0));
  return names;
}

int schema_version(sqlite3* db, const fs::path& path) {
  Statement s(db, path, "PRAGMA user_version", "cannot read the schema version");
  return s.step() ? static_cast<int>(s.int64(0)) : 0;
}

std::string joined(const std::vector<std::string>& names, const std::string& sep = ", ") {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : sep) + n;
  return out;
}

bool is_origin(const std::string& s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// The columns copied per table: the main store's own (it is at RunStore::kSchemaVersion), less
// the keys the merge assigns. Steps are the kStepFields names, as every other steps reader.
struct Columns {
  std::vector<std::string> runs, sweeps, evals, models, steps;
  // The other tables keyed by run_id (schema v6: inference and serving results), copied whole.
  std::vector<std::pair<std::string, std::vector<std::string>>> per_run;
};

constexpr const char* kPerRunTables[] = {"inference_points", "serving_points", "serving_windows"};

std::vector<std::string> without(std::vector<std::string> cols,
                                 std::initializer_list<const char*> drop) {
  std::erase_if(cols, [&](const std::string& c) {
    return std::any_of(drop.begin(), drop.end(), [&](const char* d) { return c == d; });
  });
  return cols;
}

Columns columns_of_main(sqlite3* db, const fs::path& path) {
  Columns c;
  // pid: the shard's process ran on another machine; a pid here would let RunStore's open
  // judge it by this machine's processes. sweep_id is remapped.
  c.runs = without(table_columns(db, path, "runs"), {"id", "sweep_id", "pid"});
  c.sweeps = without(table_columns(db, path, "sweeps"), {"id"});
  c.evals = without(table_columns(db, path, "evals"), {"run_id"});
  c.models = without(table_columns(db, path, "models"), {"run_id"});
  for (const char* t : kPerRunTables)
    c.per_run.emplace_back(t, without(table_columns(db, path, t), {"run_id"}));
  for (const auto& f : kStepFields) c.steps.emplace_back(f.name);
  return c;
}

// A shard opened for reading at the current schema: the file itself (read-only), or, for an
// older store, an in-memory copy upgraded by the store's own migrations (prepare_store), so the
// reader below knows one schema only and the file is never written.
struct Shard {
  fs::path path;
  int version = 0;
  Connection file;
  Connection memory;  // set when the shard was upgraded in memory
  sqlite3* db() const { return memory.db ? memory.db : file.db; }
};

// 128 bits of two FNV-1a hashes (different offset bases), as 32 hex digits like an origin.
std::string content_origin(const std::string& text) {
  std::uint64_t a = 14695981039346656037ull, b = 0x9ae16a3b2f90404full;
  for (const unsigned char c : text) {
    a = (a ^ c) * 1099511628211ull;
    b = (b ^ c) * 0x100000001b3ull;
  }
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return buf;
}

// A store from before runs had an origin gets random ones from its migration, new on every
// in-memory upgrade, which would make each merge of it add its runs again. Their origin is
// instead a hash of what never changes about a run once written (row id, created, host, pid,
// config), the same every time the shard is read.
void give_stable_origins(sqlite3* db, const fs::path& path) {
  std::vector<std::pair<std::int64_t, std::string>> origins;
  {
    Statement s(db, path,
                "SELECT id, id || '|' || created || '|' || ifnull(host, '') || '|' || "
                "ifnull(pid, '') || '|' || config FROM runs",
                "cannot read the runs");
    while (s.step()) origins.emplace_back(s.int64(0), content_origin(s.text(1)));
  }
  Statement set(db, path, "UPDATE runs SET origin = ? WHERE id = ?", "cannot set run origins");
  for (const auto& [id, origin] : origins) {
    set.bind(1, origin);
    set.bind(2, id);
    set.step();
    set.reset();
  }
}

[[noreturn]] void refuse(const fs::path& shard, const std::string& why) {
  throw Error(shard.string() + ": " + why);
}

void check_columns(const Shard& s, const std::string& table, const std::vector<std::string>& cols) {
  const auto have = table_columns(s.db(), s.path, table);
  if (have.empty()) refuse(s.path, "not a BatchLab run store (it has no " + table + " table)");
  for (const auto& c : cols)
    if (std::find(have.begin(), have.end(), c) == have.end())
      refuse(s.path, "not a BatchLab run store (its " + table + " table has no column " + c + ")");
}

// A damaged model blob would be copied as it is and fail only when someone opens the model.
void check_models(const Shard& s) {
  Statement m(s.db(), s.path, "SELECT run_id, parameters, standardization, crc32 FROM models",
              "cannot read the models");
  while (m.step())
    if (model_checksum(m.blob(1), m.blob(2)) != static_cast<std::uint32_t>(m.int64(3)))
      refuse(s.path, "the model of run " + std::to_string(m.int64(0)) +
                         " is damaged (its checksum does not match)");
}

std::unique_ptr<Shard> open_shard(const fs::path& path, const Columns& cols) {
  auto s = std::make_unique<Shard>();
  s->path = path;
  std::error_code ec;
  if (!fs::exists(path, ec)) refuse(path, "no such file");
  if (!fs::is_regular_file(path, ec)) refuse(path, "not a file");
  if (fs::file_size(path, ec) == 0) refuse(path, "not a BatchLab run store (the file is empty)");
  if (sqlite3_open_v2(path.c_str(), &s->file.db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK)
    sqlite::throw_error(s->file.db, path, "cannot open the shard");
  sqlite3_busy_timeout(s->file.db, 5000);
  // SQLite reads the header lazily: the first query is where "not a database" shows.
  const int rc =
      sqlite3_exec(s->file.db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  if (rc == SQLITE_NOTADB)
    refuse(path, "not a BatchLab run store (the file is not an SQLite database)");
  if (rc == SQLITE_CORRUPT)
    refuse(path, std::string("the file is damaged (SQLite: ") + sqlite3_errmsg(s->file.db) + ")");
  if (rc != SQLITE_OK) sqlite::throw_error(s->file.db, path, "cannot read the shard");
  // A truncated or damaged file can still open; quick_check reads every page once.
  {
    Statement check(s->file.db, path, "PRAGMA quick_check(1)", "cannot check the shard");
    const std::string verdict = check.step() ? check.text(0) : std::string("no answer");
    if (verdict != "ok") refuse(path, "the file is damaged (SQLite's check: " + verdict + ")");
  }
  s->version = schema_version(s->file.db, path);
  const auto tables = table_names(s->file.db, path);
  if (std::find(tables.begin(), tables.end(), "runs") == tables.end() || s->version == 0)
    refuse(path, tables.empty() ? "not a BatchLab run store (an SQLite database with no tables)"
                                : "not a BatchLab run store (an SQLite database with tables " +
                                      joined(tables) + ")");
  if (s->version > RunStore::kSchemaVersion)
    refuse(path, "the shard has schema version " + std::to_string(s->version) +
                     ", newer than this BatchLab reads (" +
                     std::to_string(RunStore::kSchemaVersion) + "); merge with a newer BatchLab");
  if (s->version < RunStore::kSchemaVersion) {
    if (sqlite3_open_v2(":memory:", &s->memory.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK)
      sqlite::throw_error(s->memory.db, path, "cannot make an in-memory copy of the shard");
    // The backup API copies pages through SQLite, so committed WAL frames come along.
    sqlite3_backup* b = sqlite3_backup_init(s->memory.db, "main", s->file.db, "main");
    if (b == nullptr) sqlite::throw_error(s->memory.db, path, "cannot copy the shard");
    const int step = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (step != SQLITE_DONE) sqlite::throw_error(s->memory.db, path, "cannot copy the shard");
    const auto before = table_columns(s->file.db, path, "runs");
    prepare_store(s->memory.db, path);  // the forward migrations, on the copy only
    if (std::find(before.begin(), before.end(), "origin") == before.end())
      give_stable_origins(s->memory.db, path);
  }
  check_columns(*s, "runs", cols.runs);
  check_columns(*s, "sweeps", cols.sweeps);
  check_columns(*s, "steps", cols.steps);
  check_columns(*s, "evals", cols.evals);
  check_columns(*s, "models", cols.models);
  for (const auto& [table, columns] : cols.per_run) check_columns(*s, table, columns);
  check_models(*s);
  return s;
}

std::string select_sql(const std::string& table, const std::vector<std::string>& cols,
                       const std::string& rest) {
  return "SELECT " + joined(cols) + " FROM " + table + " " + rest;
}

// INSERT INTO table (first..., cols...) VALUES (?, ...): `first` are bound by the caller first.
std::string insert_sql(const std::string& table, const std::vector<std::string>& first,
                       const std::vector<std::string>& cols) {
  std::vector<std::string> all = first;
  all.insert(all.end(), cols.begin(), cols.end());
  std::string marks;
  for (std::size_t i = 0; i < all.size(); ++i) marks += i ? ", ?" : "?";
  return "INSERT INTO " + table + " (" + joined(all) + ") VALUES (" + marks + ")";
}

// Copies the rows of `table` whose run_id is `from` in the shard to run `to` in the main store.
void copy_run_rows(const Shard& shard, sqlite3* main, const fs::path& main_path,
                   const std::string& table, const std::vector<std::string>& cols,
                   std::int64_t from, std::int64_t to) {
  const std::string read_sql = select_sql(table, cols, "WHERE run_id = ?");
  const std::string write_sql = insert_sql(table, {"run_id"}, cols);
  Statement read(shard.db(), shard.path, read_sql.c_str(), "cannot read " + table);
  Statement write(main, main_path, write_sql.c_str(), "cannot write " + table);
  read.bind(1, from);
  while (read.step()) {
    write.bind(1, to);
    for (std::size_t c = 0; c < cols.size(); ++c)
      write.bind_column(static_cast<int>(c) + 2, read, static_cast<int>(c));
    write.step();
    write.reset();
  }
}

class Merger {
 public:
  Merger(sqlite3* main, const fs::path& main_path, const Columns& cols)
      : main_(main), main_path_(main_path), cols_(cols) {}

  MergeShardResult merge(const Shard& shard, MergeResult& total) {
    MergeShardResult r;
    r.shard = shard.path;
    r.schema_version = shard.version;
    std::map<std::int64_t, std::int64_t> sweep_ids;  // shard id → main id, filled lazily
    std::vector<std::string> read_cols = {"id", "sweep_id", "status", "origin", "name"};
    read_cols.insert(read_cols.end(), cols_.runs.begin(), cols_.runs.end());
    const std::string read_sql = select_sql("runs", read_cols, "ORDER BY id");
    const std::string write_sql = insert_sql("runs", {"sweep_id"}, cols_.runs);
    Statement read(shard.db(), shard.path, read_sql.c_str(), "cannot read the runs");
    Statement write(main_, main_path_, write_sql.c_str(), "cannot add a run");
    Statement known(main_, main_path_, "SELECT 1 FROM runs WHERE origin = ?",
                    "cannot look a run up by origin");
    constexpr int kFirst = 5;  // read_cols before cols_.runs
    while (read.step()) {
      const std::int64_t id = read.int64(0);
      const std::string origin = read.text(3);
      if (!is_origin(origin))
        refuse(shard.path, "run " + std::to_string(id) + " has no valid origin (\"" +
                               origin.substr(0, 40) + "\"); the file is damaged");
      if (read.text(2) == "running") {
        r.still_running.push_back(read.text(4));
        continue;
      }
      known.bind(1, origin);
      const bool present = known.step();
      known.reset();
      if (present) {
        ++r.runs_present;
        continue;
      }
      const std::int64_t sweep =
          read.is_null(1) ? 0 : main_sweep(shard, read.int64(1), sweep_ids, r);
      if (sweep != 0) write.bind(1, sweep);  // an unbound parameter is NULL: a run on its own
      for (std::size_t c = 0; c < cols_.runs.size(); ++c)
        write.bind_column(static_cast<int>(c) + 2, read, static_cast<int>(c) + kFirst);
      write.step();
      write.reset();
      const std::int64_t new_id = sqlite3_last_insert_rowid(main_);
      copy_run_rows(shard, main_, main_path_, "steps", cols_.steps, id, new_id);
      copy_run_rows(shard, main_, main_path_, "evals", cols_.evals, id, new_id);
      copy_run_rows(shard, main_, main_path_, "models", cols_.models, id, new_id);
      for (const auto& [table, columns] : cols_.per_run)
        copy_run_rows(shard, main_, main_path_, table, columns, id, new_id);
      total.run_ids.push_back(new_id);
      if (sweep != 0 &&
          std::find(total.sweep_ids.begin(), total.sweep_ids.end(), sweep) == total.sweep_ids.end())
        total.sweep_ids.push_back(sweep);
      ++r.runs_added;
    }
    return r;
  }

 private:
  // The main store's id for the shard's sweep `id`: the sweep with the same (created, config)
  // (see the top of this file), else a new row. Created only once a run joins it, so a shard
  // whose runs are all present already adds no empty sweep. 0: the row is missing (a run whose
  // sweep was deleted outside BatchLab) and the run comes in on its own.
  std::int64_t main_sweep(const Shard& shard, std::int64_t id,
                          std::map<std::int64_t, std::int64_t>& ids, MergeShardResult& r) {
    if (const auto it = ids.find(id); it != ids.end()) return it->second;
    const std::string read_sql = select_sql("sweeps", cols_.sweeps, "WHERE id = ?");
    Statement read(shard.db(), shard.path, read_sql.c_str(), "cannot read a sweep");
    read.bind(1, id);
    if (!read.step()) return 0;
    Statement find(main_, main_path_,
                   "SELECT id FROM sweeps WHERE created = ? AND config = ? ORDER BY id LIMIT 1",
                   "cannot look a sweep up");
    const auto col = [&](const char* name) {
      const auto it = std::find(cols_.sweeps.begin(), cols_.sweeps.end(), name);
      return static_cast<int>(it - cols_.sweeps.begin());
    };
    find.bind_column(1, read, col("created"));
    find.bind_column(2, read, col("config"));
    std::int64_t main_id = 0;
    if (find.step()) {
      main_id = find.int64(0);
      ++r.sweeps_joined;
    } else {
      const std::string write_sql = insert_sql("sweeps", {}, cols_.sweeps);
      Statement write(main_, main_path_, write_sql.c_str(), "cannot add a sweep");
      for (std::size_t c = 0; c < cols_.sweeps.size(); ++c)
        write.bind_column(static_cast<int>(c) + 1, read, static_cast<int>(c));
      write.step();
      main_id = sqlite3_last_insert_rowid(main_);
      ++r.sweeps_added;
    }
    ids[id] = main_id;
    return main_id;
  }

  sqlite3* main_;
  const fs::path& main_path_;
  const Columns& cols_;
};

}  // namespace

int MergeResult::runs_added() const {
  int n = 0;
  for (const auto& s : shards) n += s.runs_added;
  return n;
}

namespace {

MergeResult merge_into(const fs::path& main_store, std::span<const fs::path> shards) {
  // RunStore creates a missing store (and its folder), upgrades an older one and refuses a
  // file that is not a store, with its usual messages; the merge then writes on its own
  // connection, in one transaction that RunStore's one-call-one-transaction API cannot span.
  { RunStore create_or_upgrade(main_store); }
  Connection main;
  if (sqlite3_open_v2(main_store.c_str(), &main.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK)
    sqlite::throw_error(main.db, main_store, "cannot open the run store");
  prepare_store(main.db, main_store);
  const Columns cols = columns_of_main(main.db, main_store);

  std::vector<std::unique_ptr<Shard>> open;
  std::error_code ec;
  for (const auto& path : shards) {
    if (fs::equivalent(path, main_store, ec))
      refuse(path, "is the main store itself; give another --db or other shards");
    open.push_back(open_shard(path, cols));
  }

  MergeResult result;
  sqlite::Transaction t(main.db, main_store, "cannot merge into the run store");
  Merger merger(main.db, main_store, cols);
  for (const auto& shard : open) result.shards.push_back(merger.merge(*shard, result));
  t.commit();
  return result;
}

}  // namespace

MergeResult merge_shards(const fs::path& main_store, std::span<const fs::path> shards) {
  std::error_code ec;
  const bool existed = fs::exists(main_store, ec);
  try {
    return merge_into(main_store, shards);
  } catch (...) {
    // A store made only for this merge goes again: a refused merge leaves no trace.
    if (!existed)
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(main_store.string() + suffix, ec);
    throw;
  }
}

}  // namespace batchlab
