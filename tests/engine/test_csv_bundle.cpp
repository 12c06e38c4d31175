// The CSV bundle as a spreadsheet user meets it: one row per run with the swept settings and the
// summary, every step and evaluation, row counts that match the store, text that survives
// commas and quotes, and a failed export that leaves nothing behind.
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "check_helpers.h"
#include "engine/core/errors.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/csv_bundle.h"
#include "engine/experiment/run_store.h"

using namespace batchlab;
using batchlab::testing::error_of;
namespace fs = std::filesystem;

namespace {

using Row = std::vector<std::string>;

// RFC 4180: quoted cells may hold commas, doubled quotes and newlines.
std::vector<Row> read_csv(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  std::vector<Row> rows;
  Row row;
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(cell);
      cell.clear();
    } else if (c == '\n') {
      row.push_back(cell);
      rows.push_back(row);
      row.clear();
      cell.clear();
    } else {
      cell += c;
    }
  }
  return rows;
}

// Column name → cell, for one data row.
std::map<std::string, std::string> by_name(const std::vector<Row>& rows, std::size_t i) {
  std::map<std::string, std::string> m;
  for (std::size_t c = 0; c < rows[0].size(); ++c) m[rows[0][c]] = rows[i].at(c);
  return m;
}

StepEvent step(std::int64_t run, std::int64_t i, std::int64_t batch) {
  StepEvent e;
  e.run_id = run;
  e.step = i;
  e.epoch = 0.1 * static_cast<double>(i);
  e.samples_seen = batch * i;
  e.batch_size = batch;
  e.lr = 0.01;
  e.loss = 1.0 / static_cast<double>(i);
  e.samples_per_s = 5000;
  e.memory = {1, 2, 3, 4, 5, 6};
  return e;
}

// Damages a store behind an open RunStore's back, so reading its steps fails mid-export.
void sqlite_drop_steps(const fs::path& db) {
  sqlite3* h = nullptr;
  sqlite3_open(db.c_str(), &h);
  sqlite3_exec(h, "DROP TABLE steps", nullptr, nullptr, nullptr);
  sqlite3_close(h);
}

std::vector<std::string> files_in(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(folder)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

class TestCsvBundle : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  fs::path db_;
  std::int64_t sweep_ = 0;
  std::vector<std::int64_t> runs_;  // b=8 (target), b=64 (oom), a lone run with an awkward name

  void addRun(const std::string& name, std::int64_t batch, std::int64_t sweep, int steps,
              RunStatus status, const RunSummary& summary) {
    RunStore store(db_);
    RunConfig c;
    c.batch.size = batch;
    c.optimizer.lr = 0.01;
    c.seed = 7;
    c.stop.target = TargetConfig{TargetMetric::val_accuracy, 0.9};
    const auto id = store.create_run(name, run_config_to_json(c).dump(), "cpu (test)", "{}", sweep);
    std::vector<StepEvent> s;
    for (int i = 1; i <= steps; ++i) s.push_back(step(id, i, batch));
    store.append_steps(s);
    std::vector<EvalEvent> ev;
    for (int i = 2; i <= steps; i += 2)
      ev.push_back(EvalEvent{id, i, 0.1 * i, 0.5, 0.8 + 0.01 * i, 0.6, 0.01 * i});
    store.append_evals(ev);
    store.finish_run(
        RunFinished{id, status, status == RunStatus::out_of_memory ? "over budget" : "", summary});
    runs_.push_back(id);
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    db_ = dir_.filePath("runs.sqlite").toStdString();
    sweep_ = RunStore(db_).create_sweep("spirals, \"v1\"", "{}");
    RunSummary reached;
    reached.steps = 10;
    reached.samples = 80;
    reached.epochs = 1.0;
    reached.time_s = 0.5;
    reached.samples_per_s_median = 5000;
    reached.peak_memory_bytes = 4096;
    reached.final_val_accuracy = 0.92;
    reached.best_val_accuracy = 0.93;
    reached.steps_to_target = 8;
    reached.samples_to_target = 64;
    reached.epochs_to_target = 0.8;
    reached.time_to_target_s = 0.4;
    addRun("spirals b=8", 8, sweep_, 10, RunStatus::target_reached, reached);
    RunSummary oom;
    oom.oom_requested_bytes = 1 << 20;
    addRun("spirals b=64", 64, sweep_, 0, RunStatus::out_of_memory, oom);
    addRun("lone, \"quoted\"\nrun", 32, 0, 5, RunStatus::completed, RunSummary{});
    RunStore(db_).set_tags(runs_[2], {"paper", "fig 3"});
  }

  void rowCountsMatchTheStore() {
    const fs::path out = dir_.filePath("bundle").toStdString();
    RunStore store(db_);
    const CsvBundleFiles files = export_csv_bundle(store, runs_, out);
    QCOMPARE(files.runs, out / "runs.csv");
    QCOMPARE(files_in(out), (std::vector<std::string>{"evals.csv", "runs.csv", "steps.csv"}));

    const auto runs = read_csv(files.runs);
    const auto steps = read_csv(files.steps);
    const auto evals = read_csv(files.evals);
    QCOMPARE(runs.size() - 1, store.list_runs().size());
    std::size_t stored_steps = 0, stored_evals = 0;
    for (auto id : runs_) {
      stored_steps += store.steps(id).size();
      stored_evals += store.evals(id).size();
    }
    QCOMPARE(steps.size() - 1, stored_steps);
    QCOMPARE(evals.size() - 1, stored_evals);
    QCOMPARE(stored_steps, std::size_t{15});
    for (const auto* table : {&runs, &steps, &evals})
      for (const auto& row : *table) QCOMPARE(row.size(), (*table)[0].size());  // rectangular
    QCOMPARE(steps[0][0], std::string("run_id"));
    QCOMPARE(steps[1][2], std::string("1"));  // step column
    QCOMPARE(evals[0][5], std::string("val_accuracy"));
  }

  void runRowsCarrySettingsAndSummary() {
    const fs::path out = dir_.filePath("summary").toStdString();
    const CsvBundleFiles files = export_csv_bundle(RunStore(db_), runs_, out);
    const auto rows = read_csv(files.runs);
    auto r = by_name(rows, 1);
    QCOMPARE(r["run_id"], std::to_string(runs_[0]));
    QCOMPARE(r["name"], std::string("spirals b=8"));
    QCOMPARE(r["sweep_id"], std::to_string(sweep_));
    QCOMPARE(r["sweep"], std::string("spirals, \"v1\""));
    QCOMPARE(r["status"], std::string("target_reached"));
    QCOMPARE(r["batch_size"], std::string("8"));
    QCOMPARE(r["lr"], std::string("0.01"));
    QCOMPARE(r["seed"], std::string("7"));
    QCOMPARE(r["hidden"], std::string("64-64"));
    QCOMPARE(r["target_metric"], std::string("val_accuracy"));
    QCOMPARE(r["target_value"], std::string("0.9"));
    QCOMPARE(r["samples_per_s_median"], std::string("5000"));
    QCOMPARE(r["peak_memory_bytes"], std::string("4096"));
    QCOMPARE(r["final_val_accuracy"], std::string("0.92"));
    QCOMPARE(r["steps_to_target"], std::string("8"));
    QCOMPARE(r["samples_to_target"], std::string("64"));
    QCOMPARE(r["time_to_target_s"], std::string("0.4"));
    QCOMPARE(r["final_val_loss"], std::string(""));  // NaN: an empty cell
    QCOMPARE(r["oom_requested_bytes"], std::string(""));

    r = by_name(rows, 2);
    QCOMPARE(r["status"], std::string("out_of_memory"));
    QCOMPARE(r["reason"], std::string("over budget"));
    QCOMPARE(r["oom_requested_bytes"], std::to_string(1 << 20));
    QCOMPARE(r["steps_to_target"], std::string(""));

    r = by_name(rows, 3);
    QCOMPARE(r["name"], std::string("lone, \"quoted\"\nrun"));
    QCOMPARE(r["sweep_id"], std::string(""));
    QCOMPARE(r["sweep"], std::string(""));
    QCOMPARE(r["tags"], std::string("paper;fig 3"));
  }

  void failedExportLeavesNothing() {
    RunStore store(db_);
    // An unknown run: nothing is written, not even the folder.
    const fs::path missing = dir_.filePath("never").toStdString();
    std::string err = error_of([&] { export_csv_bundle(store, {runs_[0], 4242}, missing); });
    QVERIFY2(err.find("no run with id 4242") != std::string::npos, err.c_str());
    QVERIFY(!fs::exists(missing));

    // -o naming a file.
    const fs::path file = dir_.filePath("a-file.csv").toStdString();
    std::ofstream(file) << "keep me\n";
    err = error_of([&] { export_csv_bundle(store, runs_, file); });
    QVERIFY2(err.find("is a file; the CSV bundle needs a folder") != std::string::npos,
             err.c_str());

    // One of the three targets cannot be replaced: none of them is written, no temporary stays.
    const fs::path blocked = dir_.filePath("blocked").toStdString();
    fs::create_directories(blocked / "steps.csv");
    err = error_of([&] { export_csv_bundle(store, runs_, blocked); });
    QVERIFY2(err.find("steps.csv: cannot replace") != std::string::npos, err.c_str());
    QCOMPARE(files_in(blocked), std::vector<std::string>{"steps.csv"});
    QVERIFY(fs::is_directory(blocked / "steps.csv"));

    // A store that fails while the files are being written (a table dropped underneath).
    const fs::path gone_db = dir_.filePath("gone.sqlite").toStdString();
    std::int64_t gone_id = 0;
    {
      RunStore g(gone_db);
      gone_id = g.create_run("r", "{}", "cpu", "{}");
    }
    RunStore g(gone_db);
    sqlite_drop_steps(gone_db);
    const fs::path partial = dir_.filePath("partial").toStdString();
    err = error_of([&] { export_csv_bundle(g, {gone_id}, partial); });
    QVERIFY2(err.find("cannot read steps") != std::string::npos, err.c_str());
    QVERIFY2(!fs::exists(partial), "the folder created for a failed export is removed");
  }

  void reexportReplacesTheWholeBundle() {
    const fs::path out = dir_.filePath("again").toStdString();
    RunStore store(db_);
    export_csv_bundle(store, runs_, out);
    export_csv_bundle(store, {runs_[2]}, out);
    QCOMPARE(read_csv(out / "runs.csv").size(), std::size_t{2});
    QCOMPARE(read_csv(out / "steps.csv").size(), std::size_t{6});
    QCOMPARE(read_csv(out / "evals.csv").size(), std::size_t{3});
    QCOMPARE(files_in(out), (std::vector<std::string>{"evals.csv", "runs.csv", "steps.csv"}));
  }
};

QTEST_APPLESS_MAIN(TestCsvBundle)
#include "test_csv_bundle.moc"
