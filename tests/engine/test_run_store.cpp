// The run store and its sink: what goes in comes back, a killed writer leaves a readable file
// with its run marked interrupted, and files that are not stores are refused by name.
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <signal.h>
#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_helpers.h"
#include "engine/core/errors.h"
#include "engine/core/step_fields.h"
#include "engine/experiment/exporter.h"
#include "engine/experiment/jsonl_sink.h"
#include "engine/experiment/run_store.h"
#include "engine/experiment/store_sink.h"
#include "engine/model/mlp_spec.h"

using namespace batchlab;
using batchlab::testing::error_of;
using namespace std::chrono_literals;

namespace {

StepEvent make_step(std::int64_t run_id, std::int64_t step) {
  StepEvent e;
  e.run_id = run_id;
  e.step = step;
  e.epoch = 0.01 * static_cast<double>(step);
  e.samples_seen = 64 * step;
  e.batch_size = 64;
  e.micro_batches = 2;
  e.lr = 0.05;
  e.loss = 2.0 / static_cast<double>(step);
  e.samples_per_s = 1000.0 + static_cast<double>(step);
  e.step_ms = 1.5;
  e.data_ms = 0.25;
  e.compute_ms = 1.25;
  e.wall_s = 0.002 * static_cast<double>(step);
  e.memory = {100, 200, 300, 400, 500, 600 + step};
  e.grad_norm2 = step % 2 ? kNaN : 0.5;
  e.b_simple = step % 3 ? kNaN : 123.0;
  e.replicas = 1 + static_cast<int>(step % 4);
  e.replica_batch = 64 / e.replicas + (64 % e.replicas ? 1 : 0);
  e.allreduce_ms = 0.125 * static_cast<double>(step % 3);
  e.idle_ms = 0.0625;
  return e;
}

// NaN compares unequal to itself; for stored values "both NaN" is a match.
bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

bool same_step(const StepEvent& a, const StepEvent& b) {
  return a.run_id == b.run_id && a.step == b.step && same(a.epoch, b.epoch) &&
         a.samples_seen == b.samples_seen && a.batch_size == b.batch_size &&
         a.micro_batches == b.micro_batches && same(a.lr, b.lr) && same(a.loss, b.loss) &&
         same(a.samples_per_s, b.samples_per_s) && same(a.step_ms, b.step_ms) &&
         same(a.data_ms, b.data_ms) && same(a.compute_ms, b.compute_ms) &&
         same(a.wall_s, b.wall_s) && a.memory == b.memory && same(a.grad_norm2, b.grad_norm2) &&
         same(a.b_simple, b.b_simple) && a.replicas == b.replicas &&
         a.replica_batch == b.replica_batch && same(a.allreduce_ms, b.allreduce_ms) &&
         same(a.idle_ms, b.idle_ms);
}

std::string pragma(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* s = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
    out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

void sql(const std::string& path, const char* statement) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  char* err = nullptr;
  if (sqlite3_exec(db, statement, nullptr, nullptr, &err) != SQLITE_OK) {
    qWarning("sql: %s: %s", statement, err ? err : "?");
    sqlite3_free(err);
  }
  sqlite3_close(db);
}

// Exactly the tables the first schema made (raw SQL, not the store's code), for the migration
// tests.
constexpr const char* kVersionOneTables = R"sql(
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, created TEXT NOT NULL,
        config TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
        device TEXT NOT NULL DEFAULT '', environment TEXT NOT NULL DEFAULT '{}',
        summary TEXT NOT NULL DEFAULT '{}', pid INTEGER, host TEXT, updated TEXT);
      CREATE TABLE steps (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL, epoch REAL, samples INTEGER, wall_s REAL, batch INTEGER,
        micro_batches INTEGER, lr REAL, loss REAL, samples_per_s REAL, step_ms REAL,
        data_ms REAL, compute_ms REAL, mem_parameters INTEGER, mem_gradients INTEGER,
        mem_optimizer INTEGER, mem_activations INTEGER, mem_batch INTEGER, mem_workspace INTEGER,
        grad_norm2 REAL, b_simple REAL, PRIMARY KEY (run_id, step)) WITHOUT ROWID;
      CREATE TABLE evals (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL, epoch REAL, val_loss REAL, val_accuracy REAL, train_loss REAL,
        wall_s REAL, PRIMARY KEY (run_id, step)) WITHOUT ROWID;
      CREATE INDEX runs_status ON runs(status);
)sql";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

RunSummary full_summary() {
  RunSummary s;
  s.steps = 1234;
  s.samples = 78976;
  s.epochs = 3.5;
  s.time_s = 12.25;
  s.samples_per_s_median = 6400.5;
  s.peak_memory_bytes = 9876543210;
  s.final_train_loss = 0.125;
  s.final_val_loss = 0.25;
  s.final_val_accuracy = 0.9375;
  s.best_val_loss = 0.2;
  s.best_val_accuracy = kNaN;
  s.steps_to_target = 1000;
  s.samples_to_target = 64000;
  s.epochs_to_target = 2.75;
  s.time_to_target_s = 10.5;
  return s;
}

}  // namespace

class TestRunStore : public QObject {
  Q_OBJECT

 private slots:
  void createAppendFinishRoundTrip() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("nested/folder/runs.sqlite").toStdString();
    RunStore store(path);
    QVERIFY(std::filesystem::exists(path));
    const auto id = store.create_run("b64", R"({"seed":1})", "cpu (Eigen)", R"({"os":"linux"})");
    const auto other = store.create_run("b128", "{}", "cpu", "");
    QVERIFY(id > 0 && other > id);

    auto rec = store.run(id);
    QVERIFY(rec);
    QCOMPARE(rec->name, std::string("b64"));
    QCOMPARE(rec->status, RunStatus::running);
    QCOMPARE(rec->config_json, std::string(R"({"seed":1})"));
    QCOMPARE(rec->device, std::string("cpu (Eigen)"));
    QCOMPARE(rec->environment_json, std::string(R"({"os":"linux"})"));
    QCOMPARE(rec->summary_json, std::string("{}"));
    QVERIFY2(std::regex_match(rec->created, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")),
             rec->created.c_str());
    QCOMPARE(store.run(other)->environment_json, std::string("{}"));

    // Written out of order and in two batches; read back in step order.
    const std::vector<StepEvent> written = {make_step(id, 3), make_step(id, 1), make_step(id, 2)};
    store.append_steps(std::span(written).subspan(0, 2));
    store.append_steps(std::span(written).subspan(2));
    store.append_steps(std::vector<StepEvent>{make_step(other, 1)});
    EvalEvent ev{id, 3, 0.03, 0.5, 0.875, 0.6, 0.006};
    EvalEvent ev_regression{id, 1, 0.01, 0.7, kNaN, 0.9, 0.002};
    store.append_evals(std::vector<EvalEvent>{ev, ev_regression});

    const auto steps = store.steps(id);
    QCOMPARE(steps.size(), std::size_t{3});
    for (std::int64_t i = 0; i < 3; ++i) QVERIFY(same_step(steps[i], make_step(id, i + 1)));
    QVERIFY(std::isnan(steps[0].grad_norm2));  // NaN stored as NULL comes back as NaN
    QCOMPARE(steps[1].grad_norm2, 0.5);
    QCOMPARE(store.steps(other).size(), std::size_t{1});
    const auto evals = store.evals(id);
    QCOMPARE(evals.size(), std::size_t{2});
    QCOMPARE(evals[0].step, std::int64_t{1});
    QVERIFY(std::isnan(evals[0].val_accuracy));
    QCOMPARE(evals[1].val_accuracy, 0.875);
    QCOMPARE(evals[1].train_loss, 0.6);
    QCOMPARE(evals[1].wall_s, 0.006);

    RunFinished fin{id, RunStatus::target_reached, "reached val_accuracy 0.9", full_summary()};
    store.finish_run(fin);
    rec = store.run(id);
    QCOMPARE(rec->status, RunStatus::target_reached);
    QCOMPARE(rec->reason, fin.reason);
    const RunSummary back = summary_from_json(rec->summary_json);
    QCOMPARE(back.steps_to_target, std::optional<std::int64_t>(1000));
    QCOMPARE(back.peak_memory_bytes, std::int64_t{9876543210});

    const auto runs = store.list_runs();
    QCOMPARE(runs.size(), std::size_t{2});
    QCOMPARE(runs[0].id, id);
    QCOMPARE(runs[1].status, RunStatus::running);

    store.rename_run(other, "renamed");
    QCOMPARE(store.run(other)->name, std::string("renamed"));
    store.delete_run(id);
    QVERIFY(!store.run(id));
    QVERIFY(store.steps(id).empty());
    QVERIFY(store.evals(id).empty());
    QCOMPARE(store.list_runs().size(), std::size_t{1});
    QVERIFY(error_of([&] {
              store.finish_run(fin);
            }).find("run " + std::to_string(id) + " is not in the store") != std::string::npos);
    QVERIFY(!error_of([&] { store.rename_run(999, "x"); }).empty());
  }

  void schemaVersionAndWal() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("runs.sqlite").toStdString();
    { RunStore store(path); }
    QCOMPARE(pragma(path, "PRAGMA user_version"), std::to_string(RunStore::kSchemaVersion));
    QCOMPARE(pragma(path, "PRAGMA journal_mode"), std::string("wal"));
    QCOMPARE(
        pragma(path, "SELECT count(*) FROM sqlite_master WHERE name IN ('runs','steps','evals')"),
        std::string("3"));
    { RunStore again(path); }  // reopening an up-to-date store changes nothing
    QCOMPARE(pragma(path, "PRAGMA user_version"), std::to_string(RunStore::kSchemaVersion));

    sql(path, "PRAGMA user_version = 7");
    const std::string err = error_of([&] { RunStore newer(path); });
    QVERIFY2(err.find(path + ": the run store has schema version 7, newer") == 0, err.c_str());
  }

  void sweepsTagsAndDeletes() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("runs.sqlite").toStdString();
    RunStore store(path);
    const auto sweep = store.create_sweep("spirals", R"({"batch_sizes":[8,16]})");
    const auto other_sweep = store.create_sweep("other", "{}");
    QVERIFY(sweep > 0 && other_sweep > sweep);
    const auto rec = store.sweep(sweep);
    QVERIFY(rec);
    QCOMPARE(rec->name, std::string("spirals"));
    QCOMPARE(rec->config_json, std::string(R"({"batch_sizes":[8,16]})"));
    QVERIFY(std::regex_match(rec->created, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
    QCOMPARE(store.list_sweeps().size(), std::size_t{2});
    QVERIFY(!store.sweep(999));

    const auto lone = store.create_run("lone", "{}", "cpu", "{}");
    const auto a = store.create_run("spirals b=8", "{}", "cpu", "{}", sweep);
    const auto b = store.create_run("spirals b=16", "{}", "cpu", "{}", sweep);
    const auto c = store.create_run("other b=8", "{}", "cpu", "{}", other_sweep);
    QCOMPARE(store.run(lone)->sweep_id, std::int64_t{0});
    QCOMPARE(store.run(a)->sweep_id, sweep);
    const auto in_sweep = store.runs_in_sweep(sweep);
    QCOMPARE(in_sweep.size(), std::size_t{2});
    QCOMPARE(in_sweep[0].id, a);
    QCOMPARE(in_sweep[1].id, b);
    QCOMPARE(in_sweep[1].name, std::string("spirals b=16"));
    QVERIFY(store.runs_in_sweep(999).empty());
    std::string err = error_of([&] { store.create_run("x", "{}", "cpu", "{}", 999); });
    QCOMPARE(err, path + ": sweep 999 is not in the store");

    // Tags: trimmed, repeats dropped, order kept; an empty one is refused, the old ones stay.
    QVERIFY(store.run(a)->tags.empty());
    store.set_tags(a, {" fast ", "baseline", "fast"});
    QCOMPARE(store.run(a)->tags, (std::vector<std::string>{"fast", "baseline"}));
    err = error_of([&] { store.set_tags(a, {"ok", "  "}); });
    QCOMPARE(err, path + ": run " + std::to_string(a) + ": a tag cannot be empty");
    QCOMPARE(store.run(a)->tags, (std::vector<std::string>{"fast", "baseline"}));
    QVERIFY(error_of([&] { store.set_tags(999, {"x"}); }).find("run 999 is not in the store") !=
            std::string::npos);
    store.set_tags(b, {"päper, \"fig 3\""});
    QCOMPARE(store.list_runs()[2].tags, (std::vector<std::string>{"päper, \"fig 3\""}));
    store.set_tags(a, {});
    QVERIFY(store.run(a)->tags.empty());

    store.rename_sweep(sweep, "spirals v2");
    QCOMPARE(store.sweep(sweep)->name, std::string("spirals v2"));
    QVERIFY(!error_of([&] { store.rename_sweep(999, "x"); }).empty());

    // Deleting a sweep takes its runs, their steps and evaluations, and nothing else.
    for (auto id : {lone, a, b, c}) {
      store.append_steps(std::vector<StepEvent>{make_step(id, 1), make_step(id, 2)});
      store.append_evals(std::vector<EvalEvent>{EvalEvent{id, 2, 0.02, 0.5, 0.5, 0.5, 0.0}});
    }
    store.delete_sweep(sweep);
    QVERIFY(!store.sweep(sweep));
    QVERIFY(!store.run(a) && !store.run(b));
    QVERIFY(store.steps(a).empty() && store.evals(b).empty());
    QCOMPARE(store.list_runs().size(), std::size_t{2});
    QCOMPARE(store.steps(lone).size(), std::size_t{2});
    QCOMPARE(store.runs_in_sweep(other_sweep).size(), std::size_t{1});
    QCOMPARE(pragma(path, "SELECT count(*) FROM steps"), std::string("4"));
    QCOMPARE(pragma(path, "SELECT count(*) FROM evals"), std::string("2"));

    // A tags column edited by hand is reported, naming the run.
    sql(path, ("UPDATE runs SET tags = 'oops' WHERE id = " + std::to_string(lone)).c_str());
    err = error_of([&] { store.run(lone); });
    QVERIFY2(
        err.find("run " + std::to_string(lone) + ": tags are not a JSON list") != std::string::npos,
        err.c_str());
  }

  // A store written by the first schema (raw SQL, exactly v1's tables) opens, gains sweeps and
  // tags, and keeps every run, step and evaluation.
  void migratesVersionOneStore() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("v1.sqlite").toStdString();
    sql(path, kVersionOneTables);
    sql(path, R"sql(
      INSERT INTO runs (name, created, config, status, reason, device, summary)
        VALUES ('old run', '2024-05-01T10:00:00Z', '{"seed":3}', 'completed', '', 'cpu',
                '{"steps":2,"final_val_accuracy":0.75}');
      INSERT INTO steps (run_id, step, epoch, samples, loss) VALUES (1, 1, 0.5, 32, 0.9);
      INSERT INTO steps (run_id, step, epoch, samples, loss) VALUES (1, 2, 1.0, 64, 0.7);
      INSERT INTO evals (run_id, step, epoch, val_loss, val_accuracy) VALUES (1, 2, 1.0, 0.6, 0.75);
      PRAGMA user_version = 1;
    )sql");
    QCOMPARE(pragma(path, "PRAGMA user_version"), std::string("1"));

    {
      RunStore store(path);
      QCOMPARE(pragma(path, "PRAGMA user_version"), std::to_string(RunStore::kSchemaVersion));
      const auto runs = store.list_runs();
      QCOMPARE(runs.size(), std::size_t{1});
      QCOMPARE(runs[0].name, std::string("old run"));
      QCOMPARE(runs[0].status, RunStatus::completed);
      QCOMPARE(runs[0].config_json, std::string(R"({"seed":3})"));
      QCOMPARE(runs[0].sweep_id, std::int64_t{0});
      QVERIFY(runs[0].tags.empty());
      QCOMPARE(summary_from_json(runs[0].summary_json).final_val_accuracy, 0.75);
      QCOMPARE(store.steps(1).size(), std::size_t{2});
      QCOMPARE(store.steps(1)[1].loss, 0.7);
      QCOMPARE(store.evals(1).size(), std::size_t{1});

      // The v2 features work on the upgraded file.
      const auto sweep = store.create_sweep("after upgrade", "{}");
      const auto id = store.create_run("new", "{}", "cpu", "{}", sweep);
      QCOMPARE(store.runs_in_sweep(sweep).size(), std::size_t{1});
      QCOMPARE(store.runs_in_sweep(sweep)[0].id, id);
      store.set_tags(1, {"legacy"});
      QCOMPARE(store.run(1)->tags, std::vector<std::string>{"legacy"});
    }
    RunStore again(path);  // an up-to-date store is opened as is
    QCOMPARE(pragma(path, "PRAGMA user_version"), std::to_string(RunStore::kSchemaVersion));
    QCOMPARE(again.list_runs().size(), std::size_t{2});
    QCOMPARE(again.list_sweeps().size(), std::size_t{1});
  }

  // A v2 store (steps columns still `samples` and `batch`, no run origins) opens: its columns
  // take kStepFields' names, its steps read back whole, and each run gets its own origin.
  void migratesVersionTwoStore() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("v2.sqlite").toStdString();
    sql(path, kVersionOneTables);
    sql(path, R"sql(
      CREATE TABLE sweeps (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
        created TEXT NOT NULL, config TEXT NOT NULL);
      ALTER TABLE runs ADD COLUMN sweep_id INTEGER;
      ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
      INSERT INTO runs (name, created, config, status) VALUES ('a', '2025-01-01T00:00:00Z', '{}', 'completed');
      INSERT INTO runs (name, created, config, status) VALUES ('b', '2025-01-01T00:00:00Z', '{}', 'completed');
      INSERT INTO steps (run_id, step, epoch, samples, wall_s, batch, micro_batches, loss, mem_batch)
        VALUES (1, 1, 0.25, 48, 0.5, 48, 3, 0.9, 777);
      INSERT INTO steps (run_id, step, epoch, samples, wall_s, batch, micro_batches, loss)
        VALUES (2, 1, 0.5, 16, 0.1, 16, 1, 1.1);
      PRAGMA user_version = 2;
    )sql");

    std::string origin_a;
    {
      RunStore store(path);
      QCOMPARE(pragma(path, "PRAGMA user_version"), std::to_string(RunStore::kSchemaVersion));
      const auto s = store.steps(1);
      QCOMPARE(s.size(), std::size_t{1});
      QCOMPARE(s[0].samples_seen, std::int64_t{48});
      QCOMPARE(s[0].batch_size, std::int64_t{48});
      QCOMPARE(s[0].micro_batches, 3);
      QCOMPARE(s[0].memory[static_cast<std::size_t>(MemCategory::batch)], std::int64_t{777});
      QCOMPARE(store.steps(2)[0].batch_size, std::int64_t{16});
      // v5 on top: a single-device step, as one replica holding its whole batch.
      QCOMPARE(s[0].replicas, 1);
      QCOMPARE(s[0].replica_batch, std::int64_t{48});
      QCOMPARE(s[0].allreduce_ms, 0.0);

      const auto a = store.run(1), b = store.run(2);
      const std::regex hex32("[0-9a-f]{32}");
      QVERIFY2(std::regex_match(a->origin, hex32), a->origin.c_str());
      QVERIFY2(std::regex_match(b->origin, hex32), b->origin.c_str());
      QVERIFY(a->origin != b->origin);
      QCOMPARE(store.run_by_origin(b->origin)->id, std::int64_t{2});
      QVERIFY(!store.run_by_origin("0123").has_value());
      origin_a = a->origin;

      // A run made after the upgrade gets an origin of its own too.
      const auto c = store.create_run("c", "{}", "cpu", "{}");
      QVERIFY(std::regex_match(store.run(c)->origin, hex32));
      QVERIFY(store.run(c)->origin != a->origin && store.run(c)->origin != b->origin);
    }
    RunStore again(path);  // origins are kept, not made anew on each open
    QCOMPARE(again.run(1)->origin, origin_a);
    // v4 on top: the upgraded store keeps models like a new one.
    QVERIFY(!again.model(1).has_value());
    QCOMPARE(pragma(path, "SELECT count(*) FROM sqlite_master WHERE name = 'models'"),
             std::string("1"));
  }

  // A v4 store (models, no data-parallel columns) opens: its steps gain replicas = 1, the whole
  // batch as the replica batch and no all-reduce or idle time, its models stay, and data-parallel
  // steps written after the upgrade read back whole.
  void migratesVersionFourStore() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("v4.sqlite").toStdString();
    sql(path, kVersionOneTables);
    sql(path, R"sql(
      CREATE TABLE sweeps (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
        created TEXT NOT NULL, config TEXT NOT NULL);
      ALTER TABLE runs ADD COLUMN sweep_id INTEGER;
      ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE steps RENAME COLUMN samples TO samples_seen;
      ALTER TABLE steps RENAME COLUMN batch TO batch_size;
      ALTER TABLE runs ADD COLUMN origin TEXT;
      CREATE UNIQUE INDEX runs_origin ON runs(origin);
      CREATE TABLE models (run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        spec TEXT NOT NULL, step INTEGER NOT NULL, parameters BLOB NOT NULL,
        standardization BLOB NOT NULL, crc32 INTEGER NOT NULL);
      INSERT INTO runs (name, created, config, status, origin)
        VALUES ('v4 run', '2026-01-01T00:00:00Z', '{}', 'completed',
                '00112233445566778899aabbccddeeff');
      INSERT INTO steps (run_id, step, epoch, samples_seen, wall_s, batch_size, micro_batches,
                         loss, step_ms, data_ms, compute_ms)
        VALUES (1, 1, 0.1, 64, 0.2, 64, 2, 0.8, 3.0, 0.5, 2.5);
      INSERT INTO models (run_id, spec, step, parameters, standardization, crc32)
        VALUES (1, '{}', 1, x'00', x'', 0);
      PRAGMA user_version = 4;
    )sql");
    QCOMPARE(pragma(path, "PRAGMA user_version"), std::string("4"));
    {
      RunStore store(path);
      QCOMPARE(pragma(path, "PRAGMA user_version"), std::to_string(RunStore::kSchemaVersion));
      QCOMPARE(RunStore::kSchemaVersion, 6);
      // v6: every run stored before was a training run; the serving tables are there, empty.
      QCOMPARE(store.run(1)->kind, RunKind::train);
      QCOMPARE(pragma(path, "SELECT count(*) FROM serving_points"), std::string("0"));
      QVERIFY(store.inference(1).empty());
      const auto s = store.steps(1);
      QCOMPARE(s.size(), std::size_t{1});
      QCOMPARE(s[0].batch_size, std::int64_t{64});
      QCOMPARE(s[0].compute_ms, 2.5);
      QCOMPARE(s[0].replicas, 1);
      QCOMPARE(s[0].replica_batch, std::int64_t{64});
      QCOMPARE(s[0].allreduce_ms, 0.0);
      QCOMPARE(s[0].idle_ms, 0.0);
      QCOMPARE(store.run(1)->origin, std::string("00112233445566778899aabbccddeeff"));
      QCOMPARE(pragma(path, "SELECT count(*) FROM models"), std::string("1"));

      StepEvent e = make_step(1, 2);
      e.replicas = 3;
      e.replica_batch = 22;
      e.allreduce_ms = 0.75;
      e.idle_ms = 0.125;
      store.append_steps(std::vector<StepEvent>{e});
      const auto both = store.steps(1);
      QCOMPARE(both.size(), std::size_t{2});
      QVERIFY(same_step(both[1], e));
    }
    RunStore again(path);  // up to date now: opened as is
    QCOMPARE(again.steps(1).size(), std::size_t{2});
    QCOMPARE(again.steps(1)[1].replicas, 3);
  }

  // One table of step fields: the store's steps columns, the CSV header and the JSONL keys are
  // its names, and each memory field is "mem_" plus its category's name.
  void stepFieldNamesAgreeEverywhere() {
    int memory_fields = 0;
    for (const auto& f : kStepFields) {
      if (!f.is_memory()) continue;
      QCOMPARE(std::string(f.name), "mem_" + std::string(memory_category_name(f.category())));
      QCOMPARE(static_cast<int>(f.category()), memory_fields++);
    }
    QCOMPARE(memory_fields, kMemCategoryCount);

    QTemporaryDir dir;
    const std::string path = dir.filePath("fields.sqlite").toStdString();
    RunStore store(path);
    const auto id = store.create_run("fields", "{}", "cpu", "{}");
    const StepEvent e = make_step(id, 3);
    store.append_steps(std::span(&e, 1));

    std::vector<std::string> expected = {"run_id"};
    for (const auto& f : kStepFields) expected.emplace_back(f.name);
    std::vector<std::string> columns;
    {
      sqlite3* db = nullptr;
      sqlite3_open(path.c_str(), &db);
      sqlite3_stmt* s = nullptr;
      sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('steps') ORDER BY cid", -1, &s,
                         nullptr);
      while (sqlite3_step(s) == SQLITE_ROW)
        columns.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
      sqlite3_finalize(s);
      sqlite3_close(db);
    }
    // The same names; the order is v1's CREATE TABLE (every query names its columns).
    std::sort(columns.begin(), columns.end());
    std::sort(expected.begin(), expected.end());
    QCOMPARE(columns, expected);

    std::ostringstream csv;
    write_steps_csv(csv, store, {*store.run(id)});
    std::string header = csv.str().substr(0, csv.str().find('\n'));
    std::string want = "run_id,run_name";
    for (const auto& f : kStepFields) want += "," + std::string(f.name);
    QCOMPARE(header, want);

    const auto j = to_json(e);
    std::vector<std::string> keys;
    for (const auto& [k, v] : j.items()) keys.push_back(k);
    std::vector<std::string> want_keys = {"type", "run_id"};
    for (const auto& f : kStepFields) {
      if (!f.is_memory())
        want_keys.emplace_back(f.name);
      else if (f.category() == MemCategory{})
        want_keys.emplace_back("memory");
    }
    QCOMPARE(keys, want_keys);
    for (const auto& f : kStepFields) {
      if (f.is_memory())
        QCOMPARE(j["memory"][std::string(memory_category_name(f.category()))].get<std::int64_t>(),
                 step_field_int(e, f));
      else if (f.type() == FieldType::integer)
        QCOMPARE(j[std::string(f.name)].get<std::int64_t>(), step_field_int(e, f));
    }
    // A value round-trips through the table's setter and getter.
    StepEvent copy;
    for (const auto& f : kStepFields)
      set_step_field(copy, f, step_field_int(e, f), step_field_real(e, f));
    copy.run_id = e.run_id;
    QVERIFY(same_step(copy, e));
  }

  // A trained model round-trips whole; saving again replaces it; a damaged blob or spec is
  // refused by name; deleting the run deletes its model.
  void modelsRoundTripAndDamageIsRefused() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("models.sqlite").toStdString();
    RunStore store(path);
    const auto id = store.create_run("m", "{}", "cpu", "{}");
    QVERIFY(!store.model(id).has_value());
    QVERIFY(!store.has_model(id));
    StoredModel m;
    m.spec.inputs = 3;
    m.spec.hidden = {4, 5};
    m.spec.outputs = 2;
    m.spec.activation = Activation::tanh;
    m.spec.task = Task::classification;
    for (std::int64_t i = 0; i < mlp_parameter_count(m.spec); ++i)
      m.parameters.push_back(0.25f * static_cast<float>(i) - 3.0f);
    m.feature_mean = {1.0f, 2.0f, 3.0f};
    m.feature_std = {0.5f, 0.25f, 4.0f};
    m.step = 77;
    store.save_model(id, m);
    QVERIFY(store.has_model(id));
    const auto back = store.model(id);
    QVERIFY(back.has_value());
    QCOMPARE(back->parameters, m.parameters);
    QCOMPARE(back->feature_mean, m.feature_mean);
    QCOMPARE(back->feature_std, m.feature_std);
    QCOMPARE(back->step, std::int64_t{77});
    QCOMPARE(back->spec.hidden, m.spec.hidden);
    QCOMPARE(back->spec.activation, Activation::tanh);
    QCOMPARE(mlp_spec_to_json(back->spec), mlp_spec_to_json(m.spec));

    m.step = 78;  // saving again replaces
    m.feature_mean.clear();
    m.feature_std.clear();
    store.save_model(id, m);
    QCOMPARE(store.model(id)->step, std::int64_t{78});
    QVERIFY(store.model(id)->feature_mean.empty());

    StoredModel wrong = m;
    wrong.parameters.pop_back();
    QVERIFY(error_of([&] { store.save_model(id, wrong); }).find("parameters") != std::string::npos);
    QVERIFY(error_of([&] { store.save_model(999, m); }).find("run 999") != std::string::npos);

    // A flipped byte: the checksum says so, naming the store and the run.
    sql(path, ("UPDATE models SET parameters = zeroblob(length(parameters)) WHERE run_id = " +
               std::to_string(id))
                  .c_str());
    std::string err = error_of([&] { store.model(id); });
    QVERIFY2(err.find(path) != std::string::npos &&
                 err.find("run " + std::to_string(id)) != std::string::npos &&
                 err.find("damaged") != std::string::npos,
             err.c_str());
    store.save_model(id, m);
    sql(path, ("UPDATE models SET spec = '{\"inputs\": 3}' WHERE run_id = " + std::to_string(id))
                  .c_str());
    err = error_of([&] { store.model(id); });
    QVERIFY2(err.find("damaged") != std::string::npos, err.c_str());

    store.delete_run(id);
    QCOMPARE(pragma(path, "SELECT count(*) FROM models"), std::string("0"));
  }

  void summaryJsonRoundTrip() {
    const RunSummary s = full_summary();
    const std::string text = summary_to_json(s);
    QVERIFY2(text.find("\"best_val_accuracy\":null") != std::string::npos, text.c_str());
    QVERIFY(text.find("diverged_step") == std::string::npos);  // unset optionals are omitted
    const RunSummary b = summary_from_json(text);
    QCOMPARE(b.steps, s.steps);
    QCOMPARE(b.samples, s.samples);
    QCOMPARE(b.epochs, s.epochs);
    QCOMPARE(b.time_s, s.time_s);
    QCOMPARE(b.samples_per_s_median, s.samples_per_s_median);
    QCOMPARE(b.final_train_loss, s.final_train_loss);
    QCOMPARE(b.final_val_loss, s.final_val_loss);
    QCOMPARE(b.final_val_accuracy, s.final_val_accuracy);
    QCOMPARE(b.best_val_loss, s.best_val_loss);
    QVERIFY(std::isnan(b.best_val_accuracy));
    QCOMPARE(b.samples_to_target, s.samples_to_target);
    QCOMPARE(b.epochs_to_target, s.epochs_to_target);
    QCOMPARE(b.time_to_target_s, s.time_to_target_s);
    QVERIFY(!b.diverged_step);
    QVERIFY(!b.oom_requested_bytes);
    RunSummary diverged;
    diverged.diverged_step = 17;
    diverged.oom_requested_bytes = 1LL << 40;
    const RunSummary d = summary_from_json(summary_to_json(diverged));
    QCOMPARE(d.diverged_step, std::optional<std::int64_t>(17));
    QCOMPARE(d.oom_requested_bytes, std::optional<std::int64_t>(1LL << 40));
    QVERIFY(std::isnan(summary_from_json("{}").final_val_loss));
    QVERIFY(!error_of([] { summary_from_json("[1,2"); }).empty());
  }

  void notAStoreIsRefusedByName() {
    QTemporaryDir dir;
    const std::string text_path = dir.filePath("notes.txt").toStdString();
    std::string text;
    for (int i = 0; i < 200; ++i) text += "these are not the runs you are looking for\n";
    std::ofstream(text_path) << text;
    std::string err = error_of([&] { RunStore s(text_path); });
    QCOMPARE(err, text_path + ": not a BatchLab run store (the file is not an SQLite database)");
    QCOMPARE(read_file(text_path), text);  // untouched

    const std::string other_db = dir.filePath("other.sqlite").toStdString();
    sql(other_db, "CREATE TABLE photos (id INTEGER, file TEXT)");
    err = error_of([&] { RunStore s(other_db); });
    QCOMPARE(err, other_db + ": not a BatchLab run store (an SQLite database with tables photos)");

    err = error_of([&] { RunStore s(dir.path().toStdString()); });
    QVERIFY2(err.find("is a folder") != std::string::npos, err.c_str());
  }

  void liveRunIsNotMarkedInterrupted() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("runs.sqlite").toStdString();
    RunStore writer(path);
    const auto id = writer.create_run("live", "{}", "cpu", "{}");
    RunStore reader(path);  // same host, our pid is alive: the run is still going
    QCOMPARE(reader.interrupted_at_open(), 0);
    QCOMPARE(reader.run(id)->status, RunStatus::running);
  }

  // A CLI run killed with SIGKILL mid-training: the file stays readable, the steps flushed before
  // the kill are there, and the next open marks the run interrupted.
  void killedWriterLeavesInterruptedRun() {
#if defined(__SANITIZE_THREAD__)
    QSKIP(
        "ThreadSanitizer cannot start threads in a child forked from a threaded process "
        "(QtTest's watchdog); this test runs in normal builds");
#endif
    QTemporaryDir dir;
    const std::string path = dir.filePath("runs.sqlite").toStdString();
    void* shared = mmap(nullptr, sizeof(std::atomic<std::int64_t>), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    QVERIFY(shared != MAP_FAILED);
    auto* produced = new (shared) std::atomic<std::int64_t>(0);

    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) {
      try {
        std::int64_t run_id = 0;
        {
          RunStore store(path);
          run_id = store.create_run("victim", "{}", "cpu", "{}");
        }
        StoreSink sink(path);
        for (std::int64_t i = 1; i <= 20000; ++i) {  // ~20 s at most: the parent kills it first
          sink.on_step(make_step(run_id, i));
          produced->store(i);
          usleep(1000);
        }
      } catch (...) {
        _exit(3);
      }
      _exit(0);
    }

    // Let it write for about a second, counting from its first step.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (produced->load() == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    std::this_thread::sleep_for(1000ms);
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    QVERIFY2(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the writer ended on its own");
    const std::int64_t made = produced->load();
    munmap(shared, sizeof(std::atomic<std::int64_t>));

    RunStore store(path);
    QCOMPARE(store.interrupted_at_open(), 1);
    const auto runs = store.list_runs();
    QCOMPARE(runs.size(), std::size_t{1});
    QCOMPARE(runs[0].status, RunStatus::interrupted);
    QCOMPARE(runs[0].reason, "the process writing this run stopped unexpectedly (pid " +
                                 std::to_string(child) + ")");
    const auto steps = store.steps(runs[0].id);
    const auto stored = static_cast<std::int64_t>(steps.size());
    qInfo("child produced %lld steps, %lld reached the store", static_cast<long long>(made),
          static_cast<long long>(stored));
    QVERIFY(made > 100);
    // Flushes every 250 ms: a kill loses the last quarter-second or so, never the earlier steps.
    QVERIFY(stored > 0 && stored <= made);
    QVERIFY2(stored >= made / 2, "most produced steps should have been stored");
    QCOMPARE(steps.back().step, stored);  // a prefix 1..n, no holes
    QVERIFY(same_step(steps.back(), make_step(runs[0].id, stored)));
    QCOMPARE(summary_from_json(runs[0].summary_json).steps, stored);

    RunStore again(path);  // marked once, not again
    QCOMPARE(again.interrupted_at_open(), 0);
  }

  void readerSeesProgressWhileWriterWrites() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("runs.sqlite").toStdString();
    std::int64_t id = 0;
    {
      RunStore store(path);
      id = store.create_run("concurrent", "{}", "cpu", "{}");
    }
    constexpr std::int64_t kSteps = 3000;
    std::atomic<bool> done{false};
    std::string writer_error;
    std::thread writer([&] {
      try {
        StoreSink sink(path);
        for (std::int64_t i = 1; i <= kSteps; ++i) {
          sink.on_step(make_step(id, i));
          if (i % 5 == 0) std::this_thread::sleep_for(1ms);
          if (i % 500 == 0) sink.on_eval(EvalEvent{id, i, 0.0, 0.5, 0.5, 0.5, 0.0});
        }
        sink.on_run_finished(RunFinished{id, RunStatus::completed, "", RunSummary{}});
      } catch (const std::exception& e) {
        writer_error = e.what();
      }
      done = true;
    });

    RunStore reader(path);
    std::size_t last = 0;
    int partial_reads = 0;
    std::string reader_error;
    while (!done) {
      try {
        const std::size_t n = reader.steps(id).size();
        if (n < last) reader_error = "step count went backwards";
        if (n > 0 && n < static_cast<std::size_t>(kSteps)) ++partial_reads;
        last = n;
        reader.list_runs();
      } catch (const std::exception& e) {
        reader_error = e.what();
      }
      std::this_thread::sleep_for(10ms);
    }
    writer.join();
    QVERIFY2(writer_error.empty(), writer_error.c_str());
    QVERIFY2(reader_error.empty(), reader_error.c_str());
    QVERIFY2(partial_reads > 0, "the reader never saw the run in progress");
    // on_run_finished returned only once everything was written.
    QCOMPARE(reader.steps(id).size(), static_cast<std::size_t>(kSteps));
    QCOMPARE(reader.evals(id).size(), std::size_t{6});
    QCOMPARE(reader.run(id)->status, RunStatus::completed);
  }

  void storeSinkRefusesBadPathUpFront() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("junk.bin").toStdString();
    std::ofstream(path) << std::string(4096, 'x');
    QVERIFY(error_of([&] { StoreSink sink(path); }).find(path) == 0);
  }

  void defaultStorePathFollowsEnvironment() {
    const QByteArray old_db = qgetenv("BATCHLAB_DB"), old_xdg = qgetenv("XDG_DATA_HOME");
    qputenv("BATCHLAB_DB", "/tmp/x/mine.sqlite");
    const auto explicit_db = default_store_path();
    qunsetenv("BATCHLAB_DB");
    qputenv("XDG_DATA_HOME", "/data/home");
    const auto xdg = default_store_path();
    qunsetenv("XDG_DATA_HOME");
    const auto fallback = default_store_path();
    if (!old_db.isEmpty()) qputenv("BATCHLAB_DB", old_db);
    if (!old_xdg.isEmpty()) qputenv("XDG_DATA_HOME", old_xdg);
    QCOMPARE(explicit_db.string(), std::string("/tmp/x/mine.sqlite"));
    QCOMPARE(xdg.string(), std::string("/data/home/batchlab/runs.sqlite"));
    QVERIFY(fallback.string().ends_with("/.local/share/batchlab/runs.sqlite"));
  }
};

QTEST_APPLESS_MAIN(TestRunStore)
#include "test_run_store.moc"
