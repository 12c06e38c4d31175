// merge_shards and `batchlab-cli merge`: real runs trained into separate stores come into the
// main store whole (steps, evals, models equal, ids remapped), a second merge adds nothing, a
// sweep split over shards becomes one sweep, files that are not good shards are refused with
// one line and leave the main store as it was, and older-schema shards are read.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "check_helpers.h"
#include "cli_process.h"
#include "engine/core/step_fields.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/run_executor.h"
#include "engine/experiment/run_store.h"
#include "engine/experiment/store_merge.h"

using namespace batchlab;
using batchlab::testing::error_of;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

RunConfig small_run(const std::string& name, std::uint64_t seed, std::int64_t batch = 32) {
  const json j = {{"name", name},
                  {"seed", seed},
                  {"dataset",
                   {{"kind", "spirals"},
                    {"samples", 200},
                    {"noise", 0.1},
                    {"classes", 2},
                    {"validation", 0.2}}},
                  {"model", {{"kind", "mlp"}, {"hidden", {8}}}},
                  {"optimizer", {{"kind", "adam"}, {"lr", 0.01}}},
                  {"batch", {{"strategy", "mini"}, {"size", batch}}},
                  {"stop", {{"epochs", 2}}},
                  {"eval", {{"every_epochs", 1}}},
                  {"device", "cpu"}};
  return run_config_from_json(j, "test");
}

// One real run trained into `store` (in `sweep` of it when not 0).
RunFinished train_into(const fs::path& store, const std::string& name, std::uint64_t seed,
                       std::int64_t sweep = 0) {
  ExecuteOptions o;
  o.store_path = store;
  o.source = "test";
  o.sweep_id = sweep;
  return execute_run(small_run(name, seed), o);
}

bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

// Every kStepFields value, so a field added later is compared too.
bool same_steps(const std::vector<StepEvent>& a, const std::vector<StepEvent>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    for (const auto& f : kStepFields)
      if (!same(step_field_real(a[i], f), step_field_real(b[i], f))) return false;
  return true;
}

bool same_evals(const std::vector<EvalEvent>& a, const std::vector<EvalEvent>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].step != b[i].step || !same(a[i].epoch, b[i].epoch) ||
        !same(a[i].val_loss, b[i].val_loss) || !same(a[i].val_accuracy, b[i].val_accuracy) ||
        !same(a[i].train_loss, b[i].train_loss) || !same(a[i].wall_s, b[i].wall_s))
      return false;
  return true;
}

struct StoreCounts {
  std::size_t runs = 0, sweeps = 0, steps = 0, evals = 0, models = 0;
  bool operator==(const StoreCounts&) const = default;
};

StoreCounts counts(const fs::path& store) {
  const RunStore s(store);
  StoreCounts c;
  for (const auto& r : s.list_runs()) {
    ++c.runs;
    c.steps += s.steps(r.id).size();
    c.evals += s.evals(r.id).size();
    c.models += s.has_model(r.id) ? 1 : 0;
  }
  c.sweeps = s.list_sweeps().size();
  return c;
}

void sql(const fs::path& file, const std::string& statements) {
  sqlite3* db = nullptr;
  QCOMPARE(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, statements.c_str(), nullptr, nullptr, &err);
  const std::string message = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  QVERIFY2(rc == SQLITE_OK, message.c_str());
}

std::string merge_error(const fs::path& main, std::vector<fs::path> shards) {
  return error_of([&] { merge_shards(main, shards); });
}

}  // namespace

class TestStoreMerge : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  fs::path root_;
  fs::path shard_a_, shard_b_;

  fs::path path(const std::string& name) const { return root_ / name; }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    root_ = dir_.path().toStdString();
    // Shard A: two runs; shard B: one. Made by real training, as a Slurm task makes them.
    shard_a_ = path("a.sqlite");
    shard_b_ = path("b.sqlite");
    QCOMPARE(train_into(shard_a_, "a1", 1).status, RunStatus::completed);
    QCOMPARE(train_into(shard_a_, "a2", 2).status, RunStatus::completed);
    QCOMPARE(train_into(shard_b_, "b1", 3).status, RunStatus::completed);
  }

  void mergesRunsWithTheirStepsEvalsAndModels() {
    const fs::path main = path("main.sqlite");
    // The main store has a run of its own, so the shard's ids 1, 2 cannot stay 1, 2.
    QCOMPARE(train_into(main, "local", 9).status, RunStatus::completed);
    const std::vector<fs::path> shards = {shard_a_, shard_b_};
    const MergeResult r = merge_shards(main, shards);
    QCOMPARE(r.runs_added(), 3);
    QCOMPARE(r.shards.size(), std::size_t{2});
    QCOMPARE(r.shards[0].runs_added, 2);
    QCOMPARE(r.shards[1].runs_added, 1);
    QCOMPARE(r.shards[0].schema_version, RunStore::kSchemaVersion);
    QVERIFY(r.sweep_ids.empty());

    const RunStore m(main);
    QCOMPARE(m.list_runs().size(), std::size_t{4});
    for (const fs::path& p : shards) {
      const RunStore shard(p);
      for (const RunRecord& run : shard.list_runs()) {
        const auto merged = m.run_by_origin(run.origin);
        QVERIFY2(merged.has_value(), run.name.c_str());
        QVERIFY(merged->id != run.id);  // a's 1, 2 became 2, 3; b's 1 became 4
        QVERIFY(merged->id > 1);
        QCOMPARE(merged->name, run.name);
        QCOMPARE(merged->config_json, run.config_json);
        QCOMPARE(merged->summary_json, run.summary_json);
        QCOMPARE(merged->created, run.created);
        QCOMPARE(merged->status, run.status);
        QCOMPARE(merged->sweep_id, std::int64_t{0});
        const auto steps = shard.steps(run.id);
        QVERIFY(steps.size() > 5);
        QVERIFY(same_steps(m.steps(merged->id), steps));
        QVERIFY(!shard.evals(run.id).empty());
        QVERIFY(same_evals(m.evals(merged->id), shard.evals(run.id)));
        const auto model = shard.model(run.id);
        QVERIFY(model.has_value());
        const auto merged_model = m.model(merged->id);  // the CRC is checked on reading
        QVERIFY(merged_model.has_value());
        QCOMPARE(merged_model->parameters, model->parameters);
        QCOMPARE(merged_model->feature_mean, model->feature_mean);
        QCOMPARE(merged_model->step, model->step);
      }
    }
    QCOMPARE(m.run(4)->name, std::string("b1"));
  }

  void mergingAgainAddsNothing() {
    const fs::path main = path("main.sqlite");  // from the test above
    const StoreCounts before = counts(main);
    QCOMPARE(before.runs, std::size_t{4});
    const std::vector<fs::path> shards = {shard_a_, shard_b_, shard_a_};
    const MergeResult r = merge_shards(main, shards);
    QCOMPARE(r.runs_added(), 0);
    QCOMPARE(r.shards[0].runs_present, 2);
    QCOMPARE(r.shards[1].runs_present, 1);
    QCOMPARE(r.shards[2].runs_present, 2);
    QCOMPARE(counts(main), before);
  }

  void theSameShardTwiceInOneMergeCountsOnce() {
    const fs::path main = path("twice.sqlite");
    const std::vector<fs::path> shards = {shard_a_, shard_a_};
    const MergeResult r = merge_shards(main, shards);
    QCOMPARE(r.shards[0].runs_added, 2);
    QCOMPARE(r.shards[1].runs_added, 0);
    QCOMPARE(r.shards[1].runs_present, 2);
    QCOMPARE(counts(main).runs, std::size_t{2});
  }

  // As the Slurm generator makes them: one shard with the sweep row, copied per task, one run
  // in each. Two merges of two shards each end as one sweep of four runs.
  void aSweepSplitOverShardsRegroups() {
    const fs::path first = path("sweep-task-0.sqlite");
    std::int64_t sweep = 0;
    {
      RunStore s(first);
      sweep = s.create_sweep("split sweep", R"({"name":"split sweep","batch_sizes":[8,16,32,64]})");
    }
    std::vector<fs::path> shards = {first};
    for (int k = 1; k < 4; ++k) {
      shards.push_back(path("sweep-task-" + std::to_string(k) + ".sqlite"));
      fs::copy_file(first, shards.back());
    }
    for (int k = 0; k < 4; ++k)
      QCOMPARE(train_into(shards[static_cast<std::size_t>(k)], "split b=" + std::to_string(8 << k),
                          10 + static_cast<std::uint64_t>(k), sweep)
                   .status,
               RunStatus::completed);

    const fs::path main = path("sweeps.sqlite");
    QCOMPARE(train_into(main, "other", 5).status, RunStatus::completed);
    {
      RunStore m(main);
      m.create_sweep("unrelated", "{}");  // the merged sweep must not take id 1
    }
    const std::vector<fs::path> half1 = {shards[0], shards[1]};
    const std::vector<fs::path> half2 = {shards[2], shards[3]};
    const MergeResult r1 = merge_shards(main, half1);
    QCOMPARE(r1.shards[0].sweeps_added, 1);
    QCOMPARE(r1.shards[1].sweeps_joined, 1);
    QCOMPARE(r1.sweep_ids.size(), std::size_t{1});
    const MergeResult r2 = merge_shards(main, half2);
    QCOMPARE(r2.shards[0].sweeps_joined, 1);
    QCOMPARE(r2.shards[0].sweeps_added, 0);
    QCOMPARE(r2.sweep_ids, r1.sweep_ids);

    const RunStore m(main);
    QCOMPARE(m.list_sweeps().size(), std::size_t{2});
    const std::int64_t id = r1.sweep_ids.front();
    QCOMPARE(id, std::int64_t{2});
    QCOMPARE(m.sweep(id)->name, std::string("split sweep"));
    const auto runs = m.runs_in_sweep(id);
    QCOMPARE(runs.size(), std::size_t{4});
    for (int k = 0; k < 4; ++k)
      QCOMPARE(runs[static_cast<std::size_t>(k)].name, "split b=" + std::to_string(8 << k));
    // Renaming the sweep here does not split it on a later merge.
    RunStore(main).rename_sweep(id, "renamed");
    const fs::path fifth = path("sweep-task-4.sqlite");
    fs::copy_file(first, fifth);  // still holds only the sweep row and task 0's run...
    {
      // ...so give it a fresh run of the same sweep.
      RunStore s(fifth);
      for (const auto& run : s.list_runs()) s.delete_run(run.id);
    }
    QCOMPARE(train_into(fifth, "split b=128", 20, sweep).status, RunStatus::completed);
    const std::vector<fs::path> late = {fifth};
    QCOMPARE(merge_shards(main, late).sweep_ids, r1.sweep_ids);
    QCOMPARE(RunStore(main).runs_in_sweep(id).size(), std::size_t{5});
  }

  void runsStillRunningAreSkipped() {
    const fs::path shard = path("running.sqlite");
    {
      RunStore s(shard);
      s.create_run("still going", "{}", "cpu", "{}");  // this process is alive: stays running
    }
    QCOMPARE(train_into(shard, "done", 4).status, RunStatus::completed);
    const fs::path main = path("running-main.sqlite");
    const std::vector<fs::path> shards = {shard};
    const MergeResult r = merge_shards(main, shards);
    QCOMPARE(r.runs_added(), 1);
    QCOMPARE(r.shards[0].still_running, std::vector<std::string>{"still going"});
    QCOMPARE(RunStore(main).list_runs().front().name, std::string("done"));
  }

  // Each bad file is refused in one line naming it and the cause; a good shard given before it
  // is not merged either.
  void badShardsAreRefusedAndNothingIsWritten() {
    const fs::path main = path("guarded.sqlite");
    QCOMPARE(train_into(main, "mine", 7).status, RunStatus::completed);
    const StoreCounts before = counts(main);

    const fs::path garbage = path("garbage.sqlite");
    {
      std::ofstream out(garbage, std::ios::binary);
      for (int i = 0; i < 8192; ++i) out.put(static_cast<char>((i * 7919) % 251));
    }
    const fs::path truncated = path("truncated.sqlite");
    fs::copy_file(shard_a_, truncated);
    fs::resize_file(truncated, fs::file_size(truncated) / 2);
    const fs::path foreign = path("foreign.sqlite");
    sql(foreign, "CREATE TABLE people (name TEXT); INSERT INTO people VALUES ('ada');");
    const fs::path newer = path("newer.sqlite");
    fs::copy_file(shard_b_, newer);
    sql(newer, "PRAGMA user_version = " + std::to_string(RunStore::kSchemaVersion + 1));
    const fs::path empty = path("empty.sqlite");
    std::ofstream{empty};
    const fs::path missing = path("missing.sqlite");

    const struct {
      fs::path file;
      const char* cause;
    } cases[] = {
        {garbage, "not an SQLite database"}, {truncated, "damaged"},
        {foreign, "with tables people"},     {newer, "newer than this BatchLab reads"},
        {empty, "the file is empty"},        {missing, "no such file"},
        {main, "is the main store itself"},
    };
    for (const auto& c : cases) {
      const std::string e = merge_error(main, {shard_b_, c.file});
      QVERIFY2(e.rfind(c.file.string() + ": ", 0) == 0, e.c_str());
      QVERIFY2(e.find(c.cause) != std::string::npos, e.c_str());
      QVERIFY2(e.find('\n') == std::string::npos, e.c_str());
      QCOMPARE(counts(main), before);
    }
    // A store that did not exist before a refused merge does not exist after it either.
    const fs::path fresh = path("never-made.sqlite");
    QVERIFY(!merge_error(fresh, {shard_b_, garbage}).empty());
    QVERIFY(!fs::exists(fresh));
    // The shard itself is only read.
    QCOMPARE(RunStore(shard_b_).list_runs().size(), std::size_t{1});
  }

  // Stores made by hand with the tables of older versions, as store_schema.cpp's migrations
  // left them: v2 (no origins, the old steps column names samples and batch) and v3 (origins,
  // no models table). Both are read through the store's own migrations on an in-memory copy;
  // the files stay as they were, and merging them again adds nothing.
  void olderSchemaShardsAreRead() {
    const std::string v2_tables = R"sql(
      CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
        created TEXT NOT NULL, config TEXT NOT NULL, status TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '', device TEXT NOT NULL DEFAULT '',
        environment TEXT NOT NULL DEFAULT '{}', summary TEXT NOT NULL DEFAULT '{}',
        pid INTEGER, host TEXT, updated TEXT);
      CREATE TABLE steps (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL, epoch REAL, samples INTEGER, wall_s REAL, batch INTEGER,
        micro_batches INTEGER, lr REAL, loss REAL, samples_per_s REAL, step_ms REAL,
        data_ms REAL, compute_ms REAL, mem_parameters INTEGER, mem_gradients INTEGER,
        mem_optimizer INTEGER, mem_activations INTEGER, mem_batch INTEGER,
        mem_workspace INTEGER, grad_norm2 REAL, b_simple REAL,
        PRIMARY KEY (run_id, step)) WITHOUT ROWID;
      CREATE TABLE evals (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL, epoch REAL, val_loss REAL, val_accuracy REAL, train_loss REAL,
        wall_s REAL, PRIMARY KEY (run_id, step)) WITHOUT ROWID;
      CREATE TABLE sweeps (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
        created TEXT NOT NULL, config TEXT NOT NULL);
      ALTER TABLE runs ADD COLUMN sweep_id INTEGER REFERENCES sweeps(id) ON DELETE SET NULL;
      ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
      INSERT INTO sweeps VALUES (1, 'old sweep', '2024-01-02T03:04:05Z', '{"name":"old sweep"}');
      INSERT INTO runs (name, created, config, status, summary, host, sweep_id, tags)
        VALUES ('old run', '2024-01-02T03:04:06Z', '{"name":"old run"}', 'completed',
                '{"steps":2}', 'oldhost', 1, '["kept"]');
      INSERT INTO steps (run_id, step, epoch, samples, wall_s, batch, loss, compute_ms)
        VALUES (1, 1, 0.5, 16, 0.1, 16, 0.7, 1.5), (1, 2, 1.0, 32, 0.2, 16, 0.6, 1.25);
      INSERT INTO evals (run_id, step, epoch, val_loss, val_accuracy) VALUES (1, 2, 1.0, 0.65, 0.6);
    )sql";
    const fs::path v2 = path("v2.sqlite");
    sql(v2, v2_tables + "PRAGMA user_version = 2;");
    const fs::path v3 = path("v3.sqlite");
    const std::string origin = "0123456789abcdef0123456789abcdef";
    sql(v3, v2_tables + R"sql(
      ALTER TABLE steps RENAME COLUMN samples TO samples_seen;
      ALTER TABLE steps RENAME COLUMN batch TO batch_size;
      ALTER TABLE runs ADD COLUMN origin TEXT;
      CREATE UNIQUE INDEX runs_origin ON runs(origin);
      UPDATE runs SET origin = ')sql" +
                origin + R"sql(', name = 'v3 run';
      UPDATE sweeps SET created = '2025-01-01T00:00:00Z';
      PRAGMA user_version = 3;
    )sql");

    const fs::path main = path("old-main.sqlite");
    const std::vector<fs::path> shards = {v2, v3};
    const MergeResult r = merge_shards(main, shards);
    QCOMPARE(r.shards[0].schema_version, 2);
    QCOMPARE(r.shards[1].schema_version, 3);
    QCOMPARE(r.runs_added(), 2);
    QCOMPARE(r.shards[0].sweeps_added, 1);
    QCOMPARE(r.shards[1].sweeps_added, 1);  // created differs: another sweep
    {
      const RunStore m(main);
      const auto runs = m.runs_in_sweep(r.sweep_ids.front());
      QCOMPARE(runs.size(), std::size_t{1});
      QCOMPARE(runs[0].name, std::string("old run"));
      QCOMPARE(runs[0].tags, std::vector<std::string>{"kept"});
      QCOMPARE(runs[0].origin.size(), std::size_t{32});
      for (const auto& run : {runs[0], *m.run_by_origin(origin)}) {  // v3 keeps its origin
        const auto steps = m.steps(run.id);
        QCOMPARE(steps.size(), std::size_t{2});
        QCOMPARE(steps[1].samples_seen, std::int64_t{32});  // read from the old `samples`
        QCOMPARE(steps[1].batch_size, std::int64_t{16});    // and `batch`
        QCOMPARE(steps[1].compute_ms, 1.25);
        QCOMPARE(m.evals(run.id).size(), std::size_t{1});
        QVERIFY(!m.has_model(run.id));
      }
      QCOMPARE(m.run_by_origin(origin)->name, std::string("v3 run"));
    }
    const StoreCounts before = counts(main);
    QCOMPARE(merge_shards(main, shards).runs_added(), 0);  // stable origins: nothing again
    QCOMPARE(counts(main), before);
    // The old files were only read: still their version, still the old column names.
    for (const auto& [file, version] : {std::pair{v2, 2}, std::pair{v3, 3}}) {
      sqlite3* db = nullptr;
      QCOMPARE(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
      sqlite3_stmt* s = nullptr;
      QCOMPARE(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, nullptr), SQLITE_OK);
      QCOMPARE(sqlite3_step(s), SQLITE_ROW);
      QCOMPARE(sqlite3_column_int(s, 0), version);
      sqlite3_finalize(s);
      s = nullptr;
      const char* old_columns =
          version == 2 ? "SELECT samples, batch FROM steps" : "SELECT samples_seen FROM steps";
      QCOMPARE(sqlite3_prepare_v2(db, old_columns, -1, &s, nullptr), SQLITE_OK);
      sqlite3_finalize(s);
      sqlite3_close(db);
    }
  }

  void theCliMergesAndRefusesInOneLine() {
    using batchlab::testing::cli;
    const fs::path main = path("cli-main.sqlite");
    const auto ok = cli({"merge", QString::fromStdString(shard_a_.string()),
                         QString::fromStdString(shard_b_.string()), "--db",
                         QString::fromStdString(main.string())});
    QVERIFY2(ok.code == 0, qPrintable(ok.err));
    QVERIFY2(ok.out.contains("3 runs added to " + QString::fromStdString(main.string())),
             qPrintable(ok.out));
    const auto again = cli({"merge", QString::fromStdString(shard_a_.string()), "--db",
                            QString::fromStdString(main.string())});
    QCOMPARE(again.code, 0);
    QVERIFY2(again.out.contains("0 runs added") && again.out.contains("2 already in the store"),
             qPrintable(again.out));
    const fs::path foreign = path("cli-foreign.sqlite");
    sql(foreign, "CREATE TABLE t (x);");
    const auto bad = cli({"merge", QString::fromStdString(shard_b_.string()),
                          QString::fromStdString(foreign.string()), "--db",
                          QString::fromStdString(main.string())});
    QCOMPARE(bad.code, 2);
    QCOMPARE(bad.err.count('\n'), 1);
    QVERIFY2(
        bad.err.contains(QString::fromStdString(foreign.string()) + ": not a BatchLab run store"),
        qPrintable(bad.err));
    QCOMPARE(counts(main).runs, std::size_t{3});
  }
};

QTEST_GUILESS_MAIN(TestStoreMerge)
#include "test_store_merge.moc"
