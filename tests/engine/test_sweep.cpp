// Sweeps as a user meets them: a sweep file expands to the runs it says, in order and named so
// they can be told apart; a mistake names its dotted key; a sweep runs end to end into the store
// (through run_sweep and through batchlab-cli), an out-of-memory run is a result and the sweep
// goes on, a stop request stops it, and the ETA is a real estimate.
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "check_helpers.h"
#include "cli_process.h"
#include "engine/core/errors.h"
#include "engine/data/load_dataset.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/run_store.h"
#include "engine/experiment/sweep.h"
#include "engine/metrics/memory_model.h"
#include "engine/metrics/scaling_fit.h"
#include "engine/train/trainer.h"

using namespace batchlab;
using batchlab::testing::cli;
using batchlab::testing::CliResult;
using batchlab::testing::error_of;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Small spirals trained to 90% validation accuracy: every batch size gets there in a fraction
// of a second, with clearly fewer steps at larger batches; evaluated every tenth of an epoch
// so steps-to-target is resolved finely. On the CPU, whose memory is the model's exactly and
// whose steps are synchronous: "auto" would take a GPU where there is one.
json small_sweep() {
  return json::parse(R"({
    "name": "spirals",
    "base": {
      "device": "cpu",
      "seed": 3,
      "dataset": {"kind": "spirals", "samples": 1000, "noise": 0.08, "validation": 0.2},
      "model": {"hidden": [32, 32]},
      "optimizer": {"kind": "adam", "lr": 0.01},
      "stop": {"epochs": 30, "target": {"metric": "val_accuracy", "value": 0.9}},
      "eval": {"every_epochs": 0.1},
      "threads": 1
    },
    "batch_sizes": [4, 16, 64, 128]
  })");
}

SweepConfig parse(const json& j) {
  return sweep_config_from_json(j, "sweep.json");
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// A budget that fits every batch of `sweep` but the largest (which is clamped to the training
// rows, as the Trainer does): halfway between the two memory-model predictions.
double budget_mb_excluding_largest(const SweepConfig& sweep) {
  const RunConfig& base = sweep.base;
  const DatasetSplit data = load_dataset(base.dataset, base.seed);
  const MlpSpec spec = mlp_spec_for(base, data.train);
  std::vector<std::int64_t> sizes = sweep.batch_sizes;
  std::sort(sizes.begin(), sizes.end());
  const std::int64_t largest = std::min(sizes.back(), data.train.rows);
  const std::int64_t next = sizes[sizes.size() - 2];
  const double fits =
      static_cast<double>(total_bytes(predict_mlp_memory(spec, base.optimizer, next)));
  const double not_fits =
      static_cast<double>(total_bytes(predict_mlp_memory(spec, base.optimizer, largest)));
  return (fits + not_fits) / 2.0 / (1024.0 * 1024.0);
}

std::size_t csv_rows(const fs::path& path) {  // data rows; names here hold no newline
  std::ifstream in(path);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n - 1;
}

// Stops the run in flight once it has taken `after` steps.
class StopAfter final : public EventSink {
 public:
  StopAfter(RunControl& control, std::int64_t run_index, std::int64_t after)
      : control_(control), run_index_(run_index), after_(after) {}
  void on_run_started(const RunStarted&) override { ++started_; }
  void on_step(const StepEvent& e) override {
    if (started_ - 1 == run_index_ && e.step == after_) control_.request_stop();
  }

 private:
  RunControl& control_;
  std::int64_t run_index_, after_;
  std::int64_t started_ = 0;
};

// The sweep id each RunStarted carried.
class StartedSweepIds final : public EventSink {
 public:
  void on_run_started(const RunStarted& e) override { ids.push_back(e.sweep_id); }
  std::vector<std::int64_t> ids;
};

}  // namespace

class TestSweep : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;

 private slots:
  void initTestCase() { QVERIFY(dir_.isValid()); }

  // ---- expansion ----

  void expandsAListInTheOrderGiven() {
    json j = small_sweep();
    j["batch_sizes"] = {64, 8, 32};
    const auto plans = expand_sweep(parse(j));
    QCOMPARE(plans.size(), std::size_t{3});
    const std::vector<std::int64_t> order = {64, 8, 32};
    for (std::size_t i = 0; i < plans.size(); ++i) {
      QCOMPARE(plans[i].index, static_cast<int>(i));
      QCOMPARE(plans[i].batch_size, order[i]);
      QCOMPARE(plans[i].config.batch.size, order[i]);
      QCOMPARE(plans[i].config.seed, std::uint64_t{3});
      QCOMPARE(plans[i].config.optimizer.lr, 0.01);
      QCOMPARE(plans[i].config.dataset.kind, std::string("spirals"));
      QVERIFY(plans[i].config.stop.target.has_value());
    }
    QCOMPARE(plans[0].config.name, std::string("spirals b=64 lr=0.01"));
    QCOMPARE(plans[1].label, std::string("b=8 lr=0.01"));
  }

  void expandsPowersOfTwo() {
    json j = small_sweep();
    j["batch_sizes"] = {{"pow2_from", 8}, {"to", 128}};
    const SweepConfig s = parse(j);
    QCOMPARE(s.batch_sizes, (std::vector<std::int64_t>{8, 16, 32, 64, 128}));
    QCOMPARE(expand_sweep(s).back().config.batch.size, std::int64_t{128});
    QCOMPARE(pow2_batch_sizes(1, 1), std::vector<std::int64_t>{1});
    QCOMPARE(pow2_batch_sizes(4, 16), (std::vector<std::int64_t>{4, 8, 16}));
  }

  void learningRatesThenRepeatsVaryLrAndSeed() {
    json j = small_sweep();
    j["batch_sizes"] = {16, 32};
    j["learning_rates"] = {0.01, 0.1};
    j["repeats"] = 3;
    const auto plans = expand_sweep(parse(j));
    QCOMPARE(plans.size(), std::size_t{12});
    // Batch size outermost, then learning rate, then repeat.
    QCOMPARE(plans[0].config.name, std::string("spirals b=16 lr=0.01 seed=3"));
    QCOMPARE(plans[1].config.name, std::string("spirals b=16 lr=0.01 seed=4"));
    QCOMPARE(plans[2].config.name, std::string("spirals b=16 lr=0.01 seed=5"));
    QCOMPARE(plans[3].config.name, std::string("spirals b=16 lr=0.1 seed=3"));
    QCOMPARE(plans[6].config.name, std::string("spirals b=32 lr=0.01 seed=3"));
    QCOMPARE(plans[11].config.optimizer.lr, 0.1);
    QCOMPARE(plans[11].config.seed, std::uint64_t{5});
    QCOMPARE(plans[11].repeat, 2);
    std::set<std::string> names;
    for (const auto& p : plans) names.insert(p.config.name);
    QCOMPARE(names.size(), plans.size());
  }

  void lrScalingRuleIsAppliedPerBatchSize() {
    json j = small_sweep();
    j["batch_sizes"] = {16, 64};
    j["lr_scaling"] = {{"rule", "linear"}, {"base_batch", 16}, {"warmup_epochs", 1}};
    auto plans = expand_sweep(parse(j));
    QCOMPARE(plans[0].scaled_lr, 0.01);
    QCOMPARE(plans[1].scaled_lr, 0.04);            // 0.01 · 64/16
    QCOMPARE(plans[1].config.optimizer.lr, 0.01);  // the rule scales it as the run goes
    QCOMPARE(plans[1].config.batch.lr_scaling.rule, LrScalingRule::linear);
    QCOMPARE(plans[1].config.batch.lr_scaling.warmup_epochs, 1.0);
    QCOMPARE(plans[1].config.name, std::string("spirals b=64 lr=0.04"));
    j["lr_scaling"] = {{"rule", "sqrt"}, {"base_batch", 16}};
    plans = expand_sweep(parse(j));
    QCOMPARE(plans[1].scaled_lr, 0.02);  // 0.01 · √4
  }

  void jsonRoundTripKeepsTheSweep() {
    json j = small_sweep();
    j["batch_sizes"] = {{"pow2_from", 16}, {"to", 64}};
    j["learning_rates"] = {0.01, 0.03};
    j["lr_scaling"] = {{"rule", "sqrt"}, {"base_batch", 32}};
    j["repeats"] = 2;
    const SweepConfig s = parse(j);
    const json written = sweep_config_to_json(s);
    QCOMPARE(written["batch_sizes"], json({16, 32, 64}));  // stored as what ran
    const SweepConfig back = parse(written);
    const auto a = expand_sweep(s), b = expand_sweep(back);
    QCOMPARE(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
      QCOMPARE(run_config_to_json(a[i].config), run_config_to_json(b[i].config));
    QVERIFY(sweep_config_to_json(parse(small_sweep()))["lr_scaling"].is_null());
  }

  // ---- mistakes name their key ----

  void badSweepConfigsNameTheKey_data() {
    QTest::addColumn<QString>("patch");  // a JSON merge patch on small_sweep()
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown top key")
        << R"({"batch_size": 3})"
        << "sweep.json: batch_size: unknown key (did you mean batch_sizes?)";
    QTest::newRow("unknown base key")
        << R"({"base": {"optimizer": {"lrr": 1}}})"
        << "sweep.json: base.optimizer.lrr: unknown key (did you mean base.optimizer.lr?)";
    QTest::newRow("base key at the wrong level")
        << R"({"lr": 0.1})"
        << "lr: unknown key (did you mean base.optimizer.lr?)";
    QTest::newRow("base missing") << R"({"base": null})"
                                  << "sweep.json: base: required";
    QTest::newRow("no dataset in base") << R"({"base": {"dataset": null}})"
                                        << "sweep.json: base.dataset: required";
    QTest::newRow("sizes missing") << R"({"batch_sizes": null})"
                                   << "sweep.json: batch_sizes: required";
    QTest::newRow("sizes not a list") << R"({"batch_sizes": "big"})"
                                      << "sweep.json: batch_sizes: expected a list of batch sizes";
    QTest::newRow("size not an integer") << R"({"batch_sizes": [8, "x"]})"
                                         << "sweep.json: batch_sizes[1]: expected an integer";
    QTest::newRow("size zero") << R"({"batch_sizes": [8, 0]})"
                               << "sweep.json: batch_sizes[1]: must be at least 1, got 0";
    QTest::newRow("size twice") << R"({"batch_sizes": [8, 16, 8]})"
                                << "sweep.json: batch_sizes[2]: 8 is listed twice; use repeats";
    QTest::newRow("no sizes") << R"({"batch_sizes": []})"
                              << "sweep.json: batch_sizes: list at least one batch size";
    QTest::newRow("pow2 not a power")
        << R"({"batch_sizes": {"pow2_from": 3, "to": 64}})"
        << "sweep.json: batch_sizes.pow2_from: must be a power of two";
    QTest::newRow("pow2 backwards")
        << R"({"batch_sizes": {"pow2_from": 64, "to": 8}})"
        << "sweep.json: batch_sizes.to: must be at least pow2_from (64), got 8";
    QTest::newRow("pow2 without to") << R"({"batch_sizes": {"pow2_from": 8}})"
                                     << "sweep.json: batch_sizes.to: required";
    QTest::newRow("pow2 misspelt")
        << R"({"batch_sizes": {"pow2_from": 8, "too": 64}})"
        << "sweep.json: batch_sizes.too: unknown key (did you mean batch_sizes.to?)";
    QTest::newRow("negative lr") << R"({"learning_rates": [0.1, -1]})"
                                 << "sweep.json: learning_rates[1]: must be greater than 0";
    QTest::newRow("lr not a number") << R"({"learning_rates": [0.1, "fast"]})"
                                     << "sweep.json: learning_rates[1]: expected a number";
    QTest::newRow("no repeats") << R"({"repeats": 0})"
                                << "sweep.json: repeats: must be from 1 to 1000, got 0";
    QTest::newRow("unknown rule") << R"({"lr_scaling": {"rule": "cubic"}})"
                                  << "sweep.json: lr_scaling.rule: unknown value \"cubic\"";
    QTest::newRow("rule base batch") << R"({"lr_scaling": {"base_batch": 0}})"
                                     << "sweep.json: lr_scaling.base_batch: must be at least 1";
    QTest::newRow("full-batch base")
        << R"({"base": {"batch": {"strategy": "full"}}})"
        << "sweep.json: base.batch.strategy: a sweep sets every run's batch size";
    QTest::newRow("accumulate too large for one run")
        << R"({"base": {"batch": {"accumulate": 24}}})"
        << "sweep.json: base.batch.accumulate: cannot split a batch of 4 into 24 micro-batches "
           "(in the run b=4 lr=0.01)";
    QTest::newRow("target out of range")
        << R"({"base": {"stop": {"target": {"value": 1.5}}}})"
        << "sweep.json: base.stop.target.value: a val_accuracy target must be in (0, 1], got 1.5";
  }

  void badSweepConfigsNameTheKey() {
    QFETCH(QString, patch);
    QFETCH(QString, message);
    json j = small_sweep();
    j.merge_patch(json::parse(patch.toStdString()));  // a null in the patch deletes the key
    const std::string err = error_of([&] { parse(j); });
    QVERIFY2(err.find(message.toStdString()) != std::string::npos,
             qPrintable("got: " + QString::fromStdString(err)));
  }

  // ---- files, presets and --set ----

  void loadsByNameWithSetAssignments() {
    const fs::path presets = dir_.filePath("presets").toStdString();
    json j = small_sweep();
    j.erase("name");
    write_file(presets / "sweeps" / "mine.json", j.dump(2));
    write_file(presets / "sweeps" / "broken.json", "{\"base\": ");
    qputenv("BATCHLAB_PRESET_DIR", QByteArray::fromStdString(presets.string()));
    const SweepConfig s =
        load_sweep_config("mine", {"base.batch.accumulate=2", "repeats=2", "batch_sizes=[8,16]"});
    const auto listed = list_sweep_presets();
    const std::string set_error =
        error_of([] { load_sweep_config("mine", {"base.optimizer.lrr=0.1"}); });
    const std::string name_error = error_of([] { load_sweep_config("nope"); });
    const std::string broken_error = error_of([] { load_sweep_config("broken"); });
    const fs::path shipped = find_sweep_preset("spirals-batch-sizes");
    qunsetenv("BATCHLAB_PRESET_DIR");

    QCOMPARE(s.name, std::string("mine"));  // the file's stem when it names none
    QCOMPARE(s.repeats, 2);
    QCOMPARE(s.batch_sizes, (std::vector<std::int64_t>{8, 16}));
    QCOMPARE(s.base.batch.accumulate, 2);
    QCOMPARE(expand_sweep(s).size(), std::size_t{4});
    QCOMPARE(
        set_error,
        std::string("--set: base.optimizer.lrr: unknown key (did you mean base.optimizer.lr?)"));
    QVERIFY2(name_error.find(
                 "\"nope\" is neither a sweep file nor a sweep preset; sweep presets: ") == 0,
             name_error.c_str());
    QVERIFY2(name_error.find("mine") != std::string::npos &&
                 name_error.find("spirals-batch-sizes") != std::string::npos,
             name_error.c_str());
    QVERIFY2(broken_error.find("broken.json: line 1") != std::string::npos, broken_error.c_str());
    std::set<std::string> names;
    for (const auto& p : listed) names.insert(p.name);
    QVERIFY(names.contains("mine") && names.contains("spirals-batch-sizes"));
    QVERIFY(!names.contains("spirals-mlp"));  // run presets are not sweeps
    QVERIFY(fs::exists(shipped));
  }

  // The shipped sweep: 4 to 6 batch sizes, a validation-accuracy target, a description.
  void shippedSweepPresetIsSound() {
    for (const auto& p : list_sweep_presets()) {
      const SweepConfig s = load_sweep_config(p.name);
      QVERIFY2(p.description.size() > 40, p.name.c_str());
      const auto plans = expand_sweep(s);
      QVERIFY2(plans.size() >= 4 && plans.size() <= 6, p.name.c_str());
      QVERIFY(s.base.stop.target && s.base.stop.target->metric == TargetMetric::val_accuracy);
    }
    QVERIFY(!find_sweep_preset("spirals-batch-sizes").empty());
  }

  // ---- running ----

  void runsEndToEndIntoTheStore() {
    const fs::path db = dir_.filePath("e2e.sqlite").toStdString();
    json j = small_sweep();
    j["batch_sizes"] = {4, 16, 4096, 64};  // 4096 (the training rows, 800) will not fit
    SweepConfig sweep = parse(j);
    sweep.base.memory_budget_mb = budget_mb_excluding_largest(sweep);

    std::vector<SweepProgress> events;
    StartedSweepIds started;
    SweepOptions options;
    options.store_path = db;
    options.extra_sink = &started;
    const SweepResult result =
        run_sweep(sweep, options, [&](const SweepProgress& p) { events.push_back(p); });

    QVERIFY(result.sweep_id > 0);
    QCOMPARE(result.planned, 4);
    QVERIFY(!result.stopped);
    QCOMPARE(result.runs.size(), std::size_t{4});

    RunStore store(db);
    const auto sw = store.sweep(result.sweep_id);
    QVERIFY(sw);
    QCOMPARE(sw->name, std::string("spirals"));
    QCOMPARE(json::parse(sw->config_json), sweep_config_to_json(sweep));
    const auto runs = store.runs_in_sweep(result.sweep_id);
    QCOMPARE(runs.size(), std::size_t{4});
    std::vector<BatchPoint> to_target;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const auto& rec = runs[i];
      const auto& outcome = result.runs[i];
      QCOMPARE(rec.id, outcome.finished.run_id);
      QCOMPARE(rec.sweep_id, result.sweep_id);
      QCOMPARE(rec.name, outcome.plan.config.name);
      QCOMPARE(rec.status, outcome.finished.status);
      const RunSummary s = summary_from_json(rec.summary_json);
      QCOMPARE(started.ids.at(i), result.sweep_id);  // the GUI groups live runs by it
      // The memory model's total is stored with every run, the one that did not fit included.
      QVERIFY(s.predicted_memory_bytes > 0);
      if (outcome.plan.batch_size == 4096) {
        QVERIFY(static_cast<double>(s.predicted_memory_bytes) >
                *sweep.base.memory_budget_mb * 1024 * 1024);
        QCOMPARE(rec.status, RunStatus::out_of_memory);
        QVERIFY2(rec.reason.find("budget") != std::string::npos, rec.reason.c_str());
        QVERIFY(s.oom_requested_bytes.has_value());
        QVERIFY(!s.steps_to_target);
        continue;
      }
      QVERIFY2(rec.status == RunStatus::target_reached, rec.reason.c_str());
      QVERIFY(s.steps_to_target && *s.steps_to_target > 0);
      QCOMPARE(s.steps_to_target, outcome.finished.summary.steps_to_target);
      QVERIFY(s.samples_to_target && s.epochs_to_target && s.time_to_target_s);
      QCOMPARE(*s.samples_to_target, s.samples);  // the run stopped where it got there
      QCOMPARE(static_cast<std::int64_t>(store.steps(rec.id).size()), s.steps);
      QCOMPARE(s.predicted_memory_bytes, s.peak_memory_bytes);  // the CPU allocates the model
      to_target.push_back(
          {static_cast<double>(outcome.plan.batch_size), static_cast<double>(*s.steps_to_target)});
    }
    QCOMPARE(runs[2].status, RunStatus::out_of_memory);  // ... and the fourth still ran
    QCOMPARE(to_target.size(), std::size_t{3});
    qInfo("steps to target: b=4 %.0f, b=16 %.0f, b=64 %.0f", to_target[0].value, to_target[1].value,
          to_target[2].value);
    QVERIFY(to_target[0].value > to_target[2].value);  // fewer updates with the larger batch

    // Progress: starting/finished per run, in order, with an ETA once a run has been measured.
    QCOMPARE(events.size(), std::size_t{8});
    for (std::size_t i = 0; i < events.size(); ++i) {
      QCOMPARE(events[i].index, static_cast<int>(i / 2));
      QCOMPARE(events[i].total, 4);
      QCOMPARE(events[i].sweep_id, result.sweep_id);
      QCOMPARE(events[i].event,
               i % 2 ? SweepProgress::Event::run_finished : SweepProgress::Event::run_starting);
      QCOMPARE(events[i].finished != nullptr, i % 2 == 1);
    }
    QVERIFY(std::isnan(events[0].eta_s));  // no calibration, nothing measured yet
    QVERIFY(std::isfinite(events[2].eta_s) && events[2].eta_s > 0);
    QCOMPARE(events[7].eta_s, 0.0);  // nothing left after the last run
  }

  void stopRequestStopsTheSweep() {
    const fs::path db = dir_.filePath("stop.sqlite").toStdString();
    const SweepConfig sweep = parse(small_sweep());
    RunControl control;
    StopAfter stopper(control, /*run_index=*/1, /*after=*/2);
    SweepOptions options;
    options.store_path = db;
    options.control = &control;
    options.extra_sink = &stopper;
    const SweepResult result = run_sweep(sweep, options);
    QVERIFY(result.stopped);
    QCOMPARE(result.runs.size(), std::size_t{2});
    QCOMPARE(result.runs[1].finished.status, RunStatus::stopped);
    QCOMPARE(result.runs[1].finished.summary.steps, std::int64_t{2});
    const auto runs = RunStore(db).runs_in_sweep(result.sweep_id);
    QCOMPARE(runs.size(), std::size_t{2});
    QCOMPARE(runs[1].status, RunStatus::stopped);

    // A stop between runs (from the progress callback) starts no further run.
    RunControl between;
    options.control = &between;
    options.extra_sink = nullptr;
    const SweepResult r2 = run_sweep(sweep, options, [&](const SweepProgress& p) {
      if (p.event == SweepProgress::Event::run_finished) between.request_stop();
    });
    QVERIFY(r2.stopped);
    QCOMPARE(r2.runs.size(), std::size_t{1});
    QVERIFY(r2.runs[0].finished.status == RunStatus::target_reached);
  }

  void firstRunThatCannotStartLeavesTheStoreAsItWas() {
    const fs::path db = dir_.filePath("bad.sqlite").toStdString();
    { RunStore store(db); }
    json j = small_sweep();
    j["base"]["dataset"] = {{"kind", "csv"}, {"path", "/nonexistent/points.csv"}};
    j["base"]["stop"]["target"] = nullptr;
    const SweepConfig sweep = parse(j);
    SweepOptions options;
    options.store_path = db;
    const std::string err = error_of([&] { run_sweep(sweep, options); });
    QVERIFY2(err.find("/nonexistent/points.csv") != std::string::npos, err.c_str());
    RunStore store(db);
    QVERIFY(store.list_sweeps().empty());
    QVERIFY(store.list_runs().empty());
  }

  // ---- ETA ----

  void stepTimeModelFitsALine() {
    const std::vector<StepTimeSample> line = {
        {8, 1e-3 + 8e-6}, {64, 1e-3 + 64e-6}, {512, 1e-3 + 512e-6}};
    StepTimeModel m = fit_step_time(line);
    QVERIFY(m.known());
    QVERIFY(std::fabs(m.overhead_s - 1e-3) < 1e-12);
    QVERIFY(std::fabs(m.per_sample_s - 1e-6) < 1e-15);
    QCOMPARE(m.samples.size(), std::size_t{3});
    // One batch size: through the origin.
    m = fit_step_time(std::vector<StepTimeSample>{{100, 0.01}});
    QCOMPARE(m.overhead_s, 0.0);
    QCOMPARE(m.per_sample_s, 1e-4);
    // Noise that would make the cost per sample negative: flat.
    m = fit_step_time(std::vector<StepTimeSample>{{8, 0.002}, {64, 0.0019}});
    QCOMPARE(m.per_sample_s, 0.0);
    QVERIFY(m.overhead_s > 0.0019 && m.overhead_s < 0.002);
    QVERIFY(!fit_step_time(std::vector<StepTimeSample>{{8, 0.0}}).known());
  }

  void estimateFollowsStopCriteria() {
    StepTimeModel m = fit_step_time(std::vector<StepTimeSample>{{10, 0.002}, {100, 0.011}});
    m.train_rows = 1000;
    m.val_rows = 200;
    m.setup_s = 0.5;
    m.eval_row_s = 1e-5;
    RunConfig c;
    c.batch.size = 100;
    c.stop.epochs = 3.0;
    c.eval.every_epochs = 1.0;
    RunEstimate e = estimate_run(c, m);
    QCOMPARE(e.steps, std::int64_t{30});
    QCOMPARE(e.samples, std::int64_t{3000});
    // 30 steps of 11 ms, 3 + 1 evaluations of 200 rows at 10 µs, 0.5 s set-up.
    QVERIFY2(std::fabs(e.seconds - (0.5 + 30 * 0.011 + 4 * 200 * 1e-5)) < 1e-9,
             qPrintable(QString::number(e.seconds)));
    c.stop.max_steps = 12;
    QCOMPARE(estimate_run(c, m).steps, std::int64_t{12});
    c.stop.max_steps.reset();
    c.batch.size = 10;
    c.batch.schedule.kind = ScheduleKind::steps;  // 10 for one epoch, then 100
    c.batch.schedule.epochs = {1.0};
    c.batch.schedule.factor = 10;
    QCOMPARE(estimate_run(c, m).steps, std::int64_t{100 + 10 + 10});
    c.batch.schedule = BatchScheduleConfig{};
    c.stop.epochs.reset();
    c.stop.time_limit_s = 2.0;
    e = estimate_run(c, m);
    QCOMPARE(e.seconds, 2.5);  // the limit plus set-up
    c.stop.time_limit_s.reset();
    c.stop.target = TargetConfig{TargetMetric::val_accuracy, 0.9};
    e = estimate_run(c, m);
    QVERIFY(!e.bounded);
    QVERIFY(std::isnan(e.seconds));
    QVERIFY(std::isnan(estimate_run(RunConfig{}, StepTimeModel{}).seconds));
  }

  // Calibration trains a few real steps; its estimate for a run without a target must be the
  // right order of magnitude (a loose bound: the machine running the tests is shared).
  void calibratedEstimateIsTheRightOrderOfMagnitude() {
    json j = small_sweep();
    j["base"]["stop"] = {{"epochs", 3}};
    j["base"]["eval"] = {{"every_epochs", 1}};
    const SweepConfig sweep = parse(j);
    const StepTimeModel m = calibrate_step_time(sweep);
    QVERIFY(m.known());
    QCOMPARE(m.train_rows, std::int64_t{800});
    QCOMPARE(m.val_rows, std::int64_t{200});
    QVERIFY2(m.basis.find("B=4 and B=128") != std::string::npos, m.basis.c_str());
    QVERIFY(m.overhead_s >= 0 && m.per_sample_s >= 0);
    const auto plans = expand_sweep(sweep);
    const SweepEstimate est = estimate_sweep(plans, m);
    QCOMPARE(est.runs.size(), plans.size());
    QCOMPARE(est.runs[0].steps, std::int64_t{600});  // 3 epochs of ⌈800/4⌉
    QVERIFY(std::isfinite(est.total_s) && est.total_s > 0);

    const SweepResult r = run_sweep(sweep, SweepOptions{});
    double actual = 0;
    for (const auto& o : r.runs) actual += o.finished.summary.time_s;
    qInfo("estimated %.3f s, trained %.3f s (plus set-up)", est.total_s, actual);
    QVERIFY2(est.total_s < 20 * actual + 1.0 && est.total_s > actual / 20,
             qPrintable(QString("estimate %1 s, actual %2 s").arg(est.total_s).arg(actual)));
    QVERIFY(r.step_time.known());
    QVERIFY2(r.step_time.basis.find("finished run") != std::string::npos,
             r.step_time.basis.c_str());
  }

  // ---- through batchlab-cli ----

  void cliSweepThenExportBundle() {
    const QString db = dir_.filePath("cli.sqlite");
    json j = small_sweep();
    j["batch_sizes"] = {4, 16, 4096, 64};
    j["base"]["memory_budget_mb"] = budget_mb_excluding_largest(parse(j));
    const QString file = dir_.filePath("spirals-sweep.json");
    write_file(file.toStdString(), j.dump(2));

    const CliResult r = cli({"sweep", file, "--db", db});
    QVERIFY2(r.code == 3, qPrintable(QString("exit %1\n%2\n%3").arg(r.code).arg(r.out, r.err)));
    QVERIFY2(r.out.contains("run 3/4 b=4096 lr=0.01: out_of_memory"), qPrintable(r.out));
    QVERIFY2(r.out.contains("run 4/4 b=64 lr=0.01: target_reached"), qPrintable(r.out));
    QVERIFY(r.out.contains("steps→target"));
    QVERIFY2(r.out.contains("fit S = S_min(1 + B_noise/B) to steps-to-target: S_min = ") ||
                 r.out.contains("fit: cannot fit"),
             qPrintable(r.out));
    // Three batch sizes reached the target: the time fit has its three points.
    QVERIFY2(
        r.out.contains("fit T = α + β/B + γ·B to time-to-target: ") || r.out.contains("time fit: "),
        qPrintable(r.out));
    QVERIFY2(!r.err.contains('\r'), "the live progress line is for terminals only");

    RunStore store(db.toStdString());
    const auto sweeps = store.list_sweeps();
    QCOMPARE(sweeps.size(), std::size_t{1});
    const auto runs = store.runs_in_sweep(sweeps[0].id);
    QCOMPARE(runs.size(), std::size_t{4});
    QCOMPARE(runs[2].status, RunStatus::out_of_memory);
    int reached = 0;
    for (const auto& run : runs)
      reached += summary_from_json(run.summary_json).steps_to_target ? 1 : 0;
    QCOMPARE(reached, 3);

    const QString bundle = dir_.filePath("bundle");
    const CliResult ex = cli({"export", "--db", db, "--sweep", QString::number(sweeps[0].id),
                              "--format", "csv-bundle", "-o", bundle});
    QVERIFY2(ex.code == 0, qPrintable(ex.err));
    QVERIFY2(ex.out.contains("(4 runs)"), qPrintable(ex.out));
    const fs::path folder = bundle.toStdString();
    QCOMPARE(csv_rows(folder / "runs.csv"), std::size_t{4});
    std::size_t steps = 0, evals = 0;
    for (const auto& run : runs) {
      steps += store.steps(run.id).size();
      evals += store.evals(run.id).size();
    }
    QCOMPARE(csv_rows(folder / "steps.csv"), steps);
    QCOMPARE(csv_rows(folder / "evals.csv"), evals);

    const CliResult none = cli({"export", "--db", db, "--format", "csv-bundle", "-o", bundle});
    QCOMPARE(none.code, 2);
    QVERIFY(none.err.contains("--runs") && none.err.contains("--sweep"));
    const CliResult unknown = cli({"export", "--db", db, "--sweep", "77", "-o", bundle});
    QCOMPARE(unknown.code, 2);
    QVERIFY(unknown.err.contains("no sweep with id 77"));
  }

  void cliDryRunListsRunsAndEtaAndStoresNothing() {
    const QString db = dir_.filePath("dry.sqlite");
    const CliResult r = cli({"sweep", "spirals-batch-sizes", "--dry-run", "--db", db, "--set",
                             "repeats=2", "--set", "batch_sizes=[16,32]"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("4 runs (2 batch sizes × 1 learning rate × 2 repeats)"),
             qPrintable(r.out));
    QVERIFY(r.out.contains("spirals batch sizes b=16 lr=0.005 seed=1"));
    QVERIFY(r.out.contains("spirals batch sizes b=32 lr=0.005 seed=2"));
    QVERIFY2(r.out.contains("ETA: at most "), qPrintable(r.out));
    QVERIFY(r.out.contains("calibrated from 6 steps at B=16 and B=32"));
    QVERIFY(!QFile::exists(db));
  }

  void cliBadSweepIsOneLineAndStoresNothing() {
    const QString db = dir_.filePath("bad-cli.sqlite");
    { RunStore store(db.toStdString()); }
    const QString file = dir_.filePath("ok-sweep.json");
    write_file(file.toStdString(), small_sweep().dump());
    for (const auto& [args, culprit] : std::vector<std::pair<QStringList, QString>>{
             {{file, "--set", "base.optimizer.lrr=0.1"}, "base.optimizer.lrr"},
             {{file, "--set", "batch_sizes=[8,0]"}, "batch_sizes[1]"},
             {{"no-such-sweep"}, "spirals-batch-sizes"}}) {
      const CliResult r = cli(QStringList{"sweep"} + args + QStringList{"--db", db});
      QVERIFY2(r.code == 2, qPrintable(QString("exit %1: %2").arg(r.code).arg(r.err)));
      QCOMPARE(r.err.trimmed().split('\n').size(), 1);
      QVERIFY2(r.err.contains(culprit), qPrintable(r.err));
    }
    RunStore store(db.toStdString());
    QVERIFY(store.list_sweeps().empty());
    QVERIFY(store.list_runs().empty());
  }
};

QTEST_GUILESS_MAIN(TestSweep)
#include "test_sweep.moc"
