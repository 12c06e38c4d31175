// Inference and serving results in the run store (schema v6): rows written are the rows read,
// a v5 store migrates (its runs become training runs), `serve` and `infer` record their results
// as runs of their own kind (nothing with --no-store or bad input), delete and merge carry the
// rows, the serving config round-trips through the JSON the store keeps, and the window
// recorder stays bounded over a long simulation.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "cli_process.h"
#include "engine/experiment/run_store.h"
#include "engine/experiment/store_merge.h"
#include "engine/serve/serve_events.h"
#include "engine/serve/serve_store.h"
#include "engine/serve/serving_config.h"

using namespace batchlab;
using batchlab::testing::cli;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

ServingPointRow point(int i, bool best) {
  ServingPointRow p;
  p.point = i;
  p.mode = i == 0 ? "realtime" : "dynamic";
  p.rate = 1000.0 * (i + 1);
  p.max_batch = i == 0 ? 1 : 32;
  p.max_delay_ms = i == 0 ? 0.0 : 2.0;
  p.objective_ms = 10.0;
  p.arrived = 100 + i;
  p.served = 90 + i;
  p.dropped = 4;
  p.rejected = 3;
  p.unfinished = 3 + i;
  p.throughput = 900.5 + i;
  p.p50_ms = 1.25;
  p.p90_ms = 2.5;
  p.p99_ms = i == 2 ? ServingPointRow::kNaN : 7.75;  // nothing served: no percentile
  p.max_ms = 9.0;
  p.mean_ms = 1.5;
  p.mean_wait_ms = 0.5;
  p.mean_compute_ms = 1.0;
  p.mean_batch = 3.5;
  p.utilization = 0.75;
  p.saturated = i == 2;
  p.saturated_at = i == 2 ? 2500.0 : 0.0;
  p.settled_limit = 0;
  p.meets_objective = best;
  p.best = best;
  p.batch_histogram = {0, 5, 0, 7};
  return p;
}

void check_equal(const ServingPointRow& a, const ServingPointRow& b) {
  QCOMPARE(a.point, b.point);
  QCOMPARE(a.mode, b.mode);
  QCOMPARE(a.max_batch, b.max_batch);
  QCOMPARE(a.lost(), b.lost());
  QCOMPARE(a.served, b.served);
  QCOMPARE(a.arrived, b.arrived);
  QVERIFY(same(a.rate, b.rate) && same(a.max_delay_ms, b.max_delay_ms));
  QVERIFY(same(a.throughput, b.throughput) && same(a.p50_ms, b.p50_ms));
  QVERIFY(same(a.p90_ms, b.p90_ms) && same(a.p99_ms, b.p99_ms) && same(a.max_ms, b.max_ms));
  QVERIFY(same(a.mean_ms, b.mean_ms) && same(a.mean_wait_ms, b.mean_wait_ms));
  QVERIFY(same(a.mean_compute_ms, b.mean_compute_ms) && same(a.mean_batch, b.mean_batch));
  QVERIFY(same(a.utilization, b.utilization) && same(a.saturated_at, b.saturated_at));
  QCOMPARE(a.saturated, b.saturated);
  QCOMPARE(a.meets_objective, b.meets_objective);
  QCOMPARE(a.best, b.best);
  QCOMPARE(a.batch_histogram, b.batch_histogram);
  QVERIFY(same(a.objective_ms, b.objective_ms));
}

void exec(const fs::path& db, const char* sql) {
  sqlite3* h = nullptr;
  QCOMPARE(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(h, sql, nullptr, nullptr, &err);
  QVERIFY2(rc == SQLITE_OK, err ? err : "");
  sqlite3_close(h);
}

}  // namespace

class TestServingStore : public QObject {
  Q_OBJECT

 private slots:
  void rows_read_back_as_written() {
    QTemporaryDir dir;
    const fs::path db = dir.filePath("s.sqlite").toStdString();
    RunStore store(db);
    const std::int64_t id = store.create_run("serve x", "{}", "cpu", "{}", 0, RunKind::serving);
    QCOMPARE(store.run(id)->kind, RunKind::serving);
    const std::vector<ServingPointRow> points = {point(0, false), point(1, true), point(2, false)};
    const std::vector<ServingWindowRow> windows = {{0, 0.1, 950, 1.0, 2.0, 1.0, 3, 1},
                                                   {0, 0.2, 960, 1.1, 2.1, 1.0, 2, 1},
                                                   {1, 0.1, 990, 1.3, 4.0, 3.5, 9, 32}};
    store.save_serving(id, points, windows);
    store.save_serving(id, points, windows);  // saving again replaces, never duplicates
    const auto back = store.serving_points(id);
    QCOMPARE(back.size(), points.size());
    for (std::size_t i = 0; i < points.size(); ++i) check_equal(back[i], points[i]);
    QCOMPARE(best_serving_point(back)->point, 1);
    const auto w = store.serving_windows(id);
    QCOMPARE(w.size(), windows.size());
    QCOMPARE(w[2].point, 1);
    QCOMPARE(w[2].batch_limit, std::int64_t{32});
    QCOMPARE(w[1].t_s, 0.2);

    const std::int64_t inf = store.create_run("infer x", "{}", "cpu", "{}", 0, RunKind::inference);
    std::vector<InferenceRow> rows(2);
    rows[0].batch_size = 1;
    rows[0].rows = 400;
    rows[0].samples_per_s = 5e4;
    rows[0].step_ms = 0.02;
    rows[0].accuracy = 0.9;
    rows[0].memory_bytes = 1000;
    rows[0].predicted_bytes = 1000;
    rows[1].batch_size = 4096;
    rows[1].fits = false;
    rows[1].error = "needs 2 GiB, budget 1 GiB";
    store.save_inference(inf, rows);
    const auto ib = store.inference(inf);
    QCOMPARE(ib.size(), std::size_t{2});
    QCOMPARE(ib[0].samples_per_s, 5e4);
    QCOMPARE(ib[0].memory_bytes, std::int64_t{1000});
    QVERIFY(!ib[1].fits);
    QCOMPARE(ib[1].error, rows[1].error);
    QVERIFY(std::isnan(ib[1].samples_per_s));

    // The summary a list of runs shows, from the rows.
    const json sj = json::parse(serving_summary_json(points));
    QCOMPARE(sj["points"].get<int>(), 3);
    QCOMPARE(sj["best"]["mode"].get<std::string>(), std::string("dynamic"));
    QCOMPARE(sj["saturated_points"].get<int>(), 1);
    const json ij = json::parse(inference_summary_json(rows));
    QCOMPARE(ij["best_batch"].get<int>(), 1);  // 4096 did not fit
    QCOMPARE(ij["batch_sizes"], json::array({1, 4096}));

    // Deleting a run takes its rows along.
    store.delete_run(id);
    store.delete_run(inf);
    QVERIFY(store.serving_points(id).empty());
    QVERIFY(store.serving_windows(id).empty());
    QVERIFY(store.inference(inf).empty());
  }

  void a_v5_store_migrates_its_runs_to_training_runs() {
    QTemporaryDir dir;
    const fs::path db = dir.filePath("v5.sqlite").toStdString();
    {
      RunStore store(db);
      store.create_run("old", "{}", "cpu", "{}");
    }
    // Back to what version 5 wrote: no kind, no inference or serving tables.
    exec(db,
         "ALTER TABLE runs DROP COLUMN kind; DROP TABLE serving_points; "
         "DROP TABLE serving_windows; DROP TABLE inference_points; PRAGMA user_version = 5;");
    RunStore store(db);
    const auto runs = store.list_runs();
    QCOMPARE(runs.size(), std::size_t{1});
    QCOMPARE(runs[0].kind, RunKind::train);
    const std::int64_t id = store.create_run("new", "{}", "cpu", "{}", 0, RunKind::serving);
    store.save_serving(id, std::vector<ServingPointRow>{point(0, true)}, {});
    QCOMPARE(store.serving_points(id).size(), std::size_t{1});
  }

  void serve_and_infer_record_their_results() {
    QTemporaryDir dir;
    const QString db = dir.filePath("cli.sqlite");
    // Given service times: deterministic, and the virtual clock is quick.
    const auto serve = cli({"serve", "spirals-mlp", "--db", db, "--service-ms", "1",
                            "--service-ms-per-row", "0.05", "--duration-s", "2", "--sweep-rates",
                            "200,800,2000", "--sweep-modes", "realtime,dynamic", "--max-batch",
                            "16", "--max-delay-ms", "2", "--slo-p99-ms", "10"});
    QVERIFY2(serve.code == 0, qPrintable(serve.err));
    QVERIFY2(serve.out.contains("recorded as run 1 in"), qPrintable(serve.out));
    const auto infer = cli({"infer", "spirals-mlp", "--db", db, "--batch-sizes", "1,32",
                            "--min-seconds", "0.02"});
    QVERIFY2(infer.code == 0, qPrintable(infer.err));
    QVERIFY2(infer.out.contains("recorded as run 2 in"), qPrintable(infer.out));

    RunStore store(db.toStdString());
    const auto runs = store.list_runs();
    QCOMPARE(runs.size(), std::size_t{2});
    QCOMPARE(runs[0].kind, RunKind::serving);
    QCOMPARE(runs[0].status, RunStatus::completed);
    QCOMPARE(runs[1].kind, RunKind::inference);
    const auto points = store.serving_points(runs[0].id);
    QCOMPARE(points.size(), std::size_t{6});  // 2 modes × 3 rates
    const ServingPointRow* best = best_serving_point(points);
    QVERIFY(best);
    // The store names the same best setting the CLI printed.
    const QString printed = best->mode == "realtime" ? "best under p99 ≤ 10 ms: real-time"
                                                     : "best under p99 ≤ 10 ms: dynamic";
    QVERIFY2(serve.out.contains(printed), qPrintable(serve.out));
    for (const auto& p : points) {
      QCOMPARE(p.arrived, p.served + p.lost());
      QVERIFY(p.max_batch == (p.mode == "realtime" ? 1 : 16));
      std::int64_t batches_served = 0;
      for (std::size_t n = 1; n < p.batch_histogram.size(); ++n)
        batches_served += static_cast<std::int64_t>(n) * p.batch_histogram[n];
      QCOMPARE(batches_served, p.served);
    }
    QVERIFY(!store.serving_windows(runs[0].id).empty());
    // The config kept is a serving config that reads back.
    const ServingConfig back = serving_config_from_json(json::parse(runs[0].config_json),
                                                        "stored", {});
    QCOMPARE(back.sweep.rates.size(), std::size_t{3});
    QCOMPARE(back.batcher.max_batch, std::int64_t{16});

    const auto rows = store.inference(runs[1].id);
    QCOMPARE(rows.size(), std::size_t{2});
    QVERIFY(rows[0].samples_per_s > 0 && rows[1].samples_per_s > 0);
    QCOMPARE(rows[0].memory_bytes, rows[0].predicted_bytes);
    QVERIFY(json::parse(runs[1].summary_json)["best_samples_per_s"].get<double>() > 0);
  }

  void no_store_and_bad_input_record_nothing() {
    QTemporaryDir dir;
    const QString db = dir.filePath("none.sqlite");
    const auto quiet = cli({"serve", "spirals-mlp", "--db", db, "--no-store", "--service-ms", "1",
                            "--rate", "100", "--duration-s", "1"});
    QVERIFY2(quiet.code == 0, qPrintable(quiet.err));
    QVERIFY(!quiet.out.contains("recorded as run"));
    const auto bad = cli({"serve", "spirals-mlp", "--db", db, "--rate", "-5"});
    QCOMPARE(bad.code, 2);
    const auto bad_infer = cli({"infer", "spirals-mlp", "--db", db, "--batch-sizes", "0"});
    QCOMPARE(bad_infer.code, 2);
    if (fs::exists(db.toStdString())) QVERIFY(RunStore(db.toStdString()).list_runs().empty());
  }

  void merge_carries_serving_rows() {
    QTemporaryDir dir;
    const fs::path shard = dir.filePath("shard.sqlite").toStdString();
    const fs::path main = dir.filePath("main.sqlite").toStdString();
    {
      RunStore s(shard);
      const std::int64_t id = s.create_run("serve", "{}", "cpu", "{}", 0, RunKind::serving);
      s.save_serving(id, std::vector<ServingPointRow>{point(0, false), point(1, true)},
                     std::vector<ServingWindowRow>{{1, 0.5, 1, 1, 1, 1, 1, 1}});
      RunFinished f;
      f.run_id = id;
      s.finish_run(f, "{}");
    }
    {
      RunStore m(main);
      m.create_run("already here", "{}", "cpu", "{}");  // so the ids differ
    }
    const fs::path shards[] = {shard};
    const MergeResult r = merge_shards(main, shards);
    QCOMPARE(r.runs_added(), 1);
    RunStore m(main);
    const std::int64_t id = r.run_ids.at(0);
    QCOMPARE(m.run(id)->kind, RunKind::serving);
    const auto points = m.serving_points(id);
    QCOMPARE(points.size(), std::size_t{2});
    check_equal(points[1], point(1, true));
    QCOMPARE(m.serving_windows(id).size(), std::size_t{1});
  }

  void the_stored_config_round_trips() {
    for (const char* preset : {"realtime-vs-dynamic", "batch-inference-throughput"}) {
      qputenv("BATCHLAB_PRESET_DIR", QByteArray(BATCHLAB_SOURCE_DIR) + "/resources/presets");
      const ServingConfig c = load_serving_config(preset);
      const json j = serving_config_to_json(c);
      const json again = serving_config_to_json(serving_config_from_json(j, "stored", {}));
      QCOMPARE(again.dump(), j.dump());
    }
  }

  // best_under_objective: the most served wins; a tie at the top rate goes to the setting that
  // met the objective at more rates (not to whichever p99 came out lower this time).
  void the_best_setting_breaks_ties_by_how_widely_it_met() {
    const auto pt = [](BatchMode mode, std::int64_t max_batch, double rate, double served,
                       double p99_ms) {
      ServeSweepPoint p;
      p.mode = mode;
      p.max_batch = max_batch;
      p.max_delay_s = mode == BatchMode::dynamic ? 1e-3 : 0.0;
      p.rate = rate;
      p.result.served = 100;
      p.result.throughput = served;
      p.result.p99_s = p99_ms * 1e-3;
      return p;
    };
    std::vector<ServeSweepPoint> points = {
        pt(BatchMode::fixed, 64, 1000, 1000, 71.0),      // a fixed batch waits to fill
        pt(BatchMode::fixed, 64, 32000, 32100, 3.7),     // lower p99 at the top rate …
        pt(BatchMode::dynamic, 64, 1000, 1000, 1.2),
        pt(BatchMode::dynamic, 64, 32000, 32050, 4.2)};  // … but dynamic met it at both rates
    QCOMPARE(best_under_objective(points, 0.010), std::optional<std::size_t>(3));
    // Clearly more served still wins outright.
    points[1].result.throughput = 33000;
    QCOMPARE(best_under_objective(points, 0.010), std::optional<std::size_t>(1));
    // Met at as many rates: the lower p99.
    points[1].result.throughput = 32100;
    points[0].result.p99_s = 0.002;
    QCOMPARE(best_under_objective(points, 0.010), std::optional<std::size_t>(1));
    QCOMPARE(best_under_objective(points, 0.001), std::optional<std::size_t>());
  }

  void the_window_recorder_stays_bounded() {
    ServingWindowRecorder rec;
    for (int i = 0; i < 100000; ++i) {
      ServeWindowEvent w;
      w.t_s = 0.01 * (i + 1);
      rec.on_extension(w);
    }
    const auto& w = rec.windows();
    QVERIFY2(w.size() <= ServingWindowRecorder::kMaxPerPoint + 1, qPrintable(QString::number(w.size())));
    QVERIFY(w.size() >= ServingWindowRecorder::kMaxPerPoint / 2);
    QCOMPARE(w.front().t_s, 0.01);
    QVERIFY(w.back().t_s > 0.95 * 1000.0);  // the whole run is still covered
    for (std::size_t i = 1; i < w.size(); ++i) QVERIFY(w[i].t_s > w[i - 1].t_s);
    // The next sweep point starts its own windows.
    rec.on_extension(ServeSweepPointEvent{});
    ServeWindowEvent next;
    next.t_s = 0.5;
    rec.on_extension(next);
    QCOMPARE(rec.windows().back().point, 1);
  }
};

QTEST_GUILESS_MAIN(TestServingStore)
#include "test_serving_store.moc"
