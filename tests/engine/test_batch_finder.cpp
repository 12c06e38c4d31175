// The batch-size finder: with a budget on the CPU its answer is exactly the memory model's
// (largest B whose predicted total fits), it never goes beyond the training rows, it halves
// when the first size fails, gives each trial a fresh backend, and the CLI prints the findings
// with the documented exit codes.
#include <QtTest>

#include <cmath>
#include <set>

#include "engine/core/errors.h"
#include "engine/data/load_dataset.h"
#include "engine/experiment/batch_finder.h"
#include "engine/experiment/config_io.h"
#include "engine/metrics/memory_model.h"
#include "engine/train/trainer.h"
#include "forwarding_backend.h"

using namespace batchlab;

namespace {

RunConfig blobs_config(std::int64_t samples) {
  RunConfig c;
  c.seed = 2;
  c.dataset.kind = "blobs";
  c.dataset.samples = samples;
  c.dataset.classes = 3;
  c.dataset.features = 4;
  c.model.hidden = {64, 64};
  c.optimizer.momentum = 0.9;
  c.threads = 1;
  // The memory model's exact answer is the CPU's: "auto" would take a GPU where there is one,
  // whose cuBLAS workspace alone is larger than these budgets.
  c.device = "cpu";
  return c;
}

// The largest B with predicted total ≤ budget, from the model alone: static + B · per_row.
std::int64_t largest_by_model(const RunConfig& c, const Dataset& train, std::int64_t budget) {
  const MlpSpec spec = mlp_spec_for(c, train);
  const std::int64_t fixed = total_bytes(predict_mlp_memory(spec, c.optimizer, 0));
  return (budget - fixed) / mlp_bytes_per_row(spec);
}

std::int64_t budget_bytes(double mb) {
  return static_cast<std::int64_t>(mb * 1024.0 * 1024.0);  // as make_backend converts it
}

struct Cli {
  int code = -1;
  QString out;
  QString err;
};

Cli cli(const QStringList& args, const QMap<QString, QString>& extra_env = {}) {
  QProcess p;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.insert("BATCHLAB_PRESET_DIR", QString(BATCHLAB_SOURCE_DIR) + "/resources/presets");
  for (auto it = extra_env.begin(); it != extra_env.end(); ++it) env.insert(it.key(), it.value());
  p.setProcessEnvironment(env);
  p.start(BATCHLAB_CLI_PATH, args);
  if (!p.waitForFinished(120000)) {
    p.kill();
    return {};
  }
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2,
          QString::fromUtf8(p.readAllStandardOutput()),
          QString::fromUtf8(p.readAllStandardError())};
}

}  // namespace

class TestBatchFinder : public QObject {
  Q_OBJECT

 private slots:
  void budgetAnswerIsTheMemoryModelsExactly() {
    RunConfig c = blobs_config(20000);
    const DatasetSplit data = load_dataset(c.dataset, c.seed);
    const double mb = 0.35;
    const std::int64_t expected = largest_by_model(c, data.train, budget_bytes(mb));
    QVERIFY2(expected > 64 && expected < data.train.rows, qPrintable(QString::number(expected)));

    BatchFinderOptions o;
    o.mode = FinderMode::binsearch;
    o.budget_mb = mb;
    o.steps = 2;
    std::vector<std::int64_t> seen;
    const BatchFinderResult r =
        find_batch_size(c, o, [&](const BatchTrial& t) { seen.push_back(t.batch); });
    QCOMPARE(r.largest_fit, expected);
    QCOMPARE(r.smallest_failure, expected + 1);  // bisection ends on adjacent sizes
    QVERIFY(!r.limited_by_dataset);
    QCOMPARE(r.budget_bytes, budget_bytes(mb));
    QCOMPARE(seen.size(), r.trials.size());  // the callback saw every trial as it finished
    for (const BatchTrial& t : r.trials) {
      // The model predicts; the accountant measures: the same bytes, and the same verdict.
      QCOMPARE(t.fits, t.predicted_bytes <= r.budget_bytes);
      QCOMPARE(t.fits, t.batch <= expected);
      if (t.fits) {
        QCOMPARE(t.measured_peak_bytes, t.predicted_bytes);
        QCOMPARE(t.measured, t.predicted);
        QVERIFY(t.samples_per_s > 0);
      } else {
        QVERIFY(t.requested_bytes > 0);
        QVERIFY(t.measured_peak_bytes + t.requested_bytes > r.budget_bytes);
        QVERIFY(t.error.find("memory budget") != std::string::npos);
      }
    }
    // Doubling from 1 first, then bisection.
    QCOMPARE(r.trials[0].batch, std::int64_t{1});
    QCOMPARE(r.trials[1].batch, std::int64_t{2});

    // Power mode stops at the first failure: the largest power of two that fits.
    o.mode = FinderMode::power;
    const BatchFinderResult p = find_batch_size(c, o);
    std::int64_t pow2 = 1;
    while (pow2 * 2 <= expected) pow2 *= 2;
    QCOMPARE(p.largest_fit, pow2);
    QCOMPARE(p.smallest_failure, pow2 * 2);
    QCOMPARE(p.trials.back().batch, pow2 * 2);
  }

  void bestThroughputIsAmongTheTrials() {
    RunConfig c = blobs_config(3000);
    BatchFinderOptions o;
    o.budget_mb = 0.5;
    const BatchFinderResult r = find_batch_size(c, o);
    double best = 0;
    std::int64_t best_batch = 0;
    for (const auto& t : r.trials)
      if (t.fits && t.samples_per_s > best) {
        best = t.samples_per_s;
        best_batch = t.batch;
      }
    QCOMPARE(r.best_throughput_batch, best_batch);
    QCOMPARE(r.best_samples_per_s, best);
    QVERIFY(r.best_throughput_batch <= r.largest_fit);
  }

  void neverBeyondTheTrainingRows() {
    RunConfig c = blobs_config(300);  // 240 training rows after the 0.2 validation split
    BatchFinderOptions o;
    o.mode = FinderMode::binsearch;
    const BatchFinderResult r = find_batch_size(c, o);  // no budget: memory is no limit here
    QCOMPARE(r.train_rows, std::int64_t{240});
    QCOMPARE(r.largest_fit, std::int64_t{240});
    QVERIFY(r.limited_by_dataset);
    QCOMPARE(r.smallest_failure, std::int64_t{0});
    QCOMPARE(r.trials.back().batch, std::int64_t{240});  // 128 → 240, not 256
    for (const auto& t : r.trials) QVERIFY(t.batch <= 240);
    o.initial = 100000;  // clamped to the rows
    QCOMPARE(find_batch_size(c, o).trials.front().batch, std::int64_t{240});
  }

  void halvesWhenTheFirstSizeFails() {
    RunConfig c = blobs_config(20000);
    const DatasetSplit data = load_dataset(c.dataset, c.seed);
    BatchFinderOptions o;
    o.mode = FinderMode::binsearch;
    o.budget_mb = 0.35;
    o.initial = 4096;
    const BatchFinderResult r = find_batch_size(c, o);
    QCOMPARE(r.largest_fit, largest_by_model(c, data.train, budget_bytes(0.35)));
    QCOMPARE(r.trials[0].batch, std::int64_t{4096});
    QVERIFY(!r.trials[0].fits);
    QCOMPARE(r.trials[1].batch, std::int64_t{2048});
    // Not even one row: a static part larger than the budget.
    o.budget_mb = 0.01;
    const BatchFinderResult none = find_batch_size(c, o);
    QCOMPARE(none.largest_fit, std::int64_t{0});
    QCOMPARE(none.trials.back().batch, std::int64_t{1});
    QVERIFY(std::isnan(none.best_samples_per_s));
  }

  void freshBackendPerTrialAndRealOutOfMemory() {
    // A device that refuses more than 1000 rows the way a GPU does: from prepare(), with no
    // budget set. The finder must treat it as "does not fit" and free each backend before the
    // next trial asks for memory.
    class Refusing final : public batchlab::testing::ForwardingBackend {
     public:
      Refusing(int& live, int& peak_live) : live_(live) {
        peak_live = std::max(peak_live, ++live_);
      }
      ~Refusing() override { --live_; }
      std::string device_name() const override { return "refusing test device"; }
      void prepare(const MlpSpec& s, const OptimizerConfig& o, std::int64_t rows,
                   std::uint64_t seed) override {
        if (rows > 1000) throw OutOfMemoryError("device out of memory", rows * 100, 0, 0);
        inner().prepare(s, o, rows, seed);
      }

     private:
      int& live_;
    };
    RunConfig c = blobs_config(5000);
    const DatasetSplit data = load_dataset(c.dataset, c.seed);
    int live = 0;
    int peak_live = 0;
    int made = 0;
    BatchFinderOptions o;
    o.mode = FinderMode::binsearch;
    o.steps = 1;
    const BatchFinderResult r = find_batch_size(c, data, o, [&]() -> std::unique_ptr<Backend> {
      ++made;
      return std::make_unique<Refusing>(live, peak_live);
    });
    QCOMPARE(r.largest_fit, std::int64_t{1000});
    QCOMPARE(r.smallest_failure, std::int64_t{1001});
    QCOMPARE(r.device, std::string("refusing test device"));
    QCOMPARE(made, static_cast<int>(r.trials.size()));
    QCOMPARE(peak_live, 1);  // never two backends holding memory at once
    QCOMPARE(live, 0);
  }

  void stopsWhenAsked() {
    RunConfig c = blobs_config(5000);
    RunControl control;
    BatchFinderOptions o;
    const BatchFinderResult r = find_batch_size(
        c, o,
        [&](const BatchTrial& t) {
          if (t.batch == 4) control.request_stop();
        },
        &control);
    QVERIFY(r.stopped);
    QCOMPARE(r.trials.back().batch, std::int64_t{4});
  }

  void badInputThrowsBeforeAnyTrial() {
    RunConfig c = blobs_config(500);
    c.batch.size = 0;
    int trials = 0;
    BatchFinderOptions o;
    bool threw = false;
    try {
      find_batch_size(c, o, [&](const BatchTrial&) { ++trials; });
    } catch (const ConfigError& e) {
      threw = std::string(e.what()).find("batch.size") != std::string::npos;
    }
    QVERIFY(threw);
    QCOMPARE(trials, 0);
  }

  void cliPrintsTrialsAndFindings() {
    const RunConfig c = load_run_config(
        QString(BATCHLAB_SOURCE_DIR "/resources/presets/spirals-mlp.json").toStdString());
    const DatasetSplit data = load_dataset(c.dataset, c.seed);
    const std::int64_t expected = largest_by_model(c, data.train, budget_bytes(0.5));
    const Cli r = cli({"find-batch", "spirals-mlp", "--budget-mb", "0.5", "--mode", "binsearch",
                       "--steps", "1", "--set", "threads=1", "--device", "cpu"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QString("largest batch that fits: %1 (%2 does not fit in the budget")
                                .arg(expected)
                                .arg(expected + 1)),
             qPrintable(r.out));
    QVERIFY(r.out.contains("best throughput: batch "));
    QVERIFY(r.out.contains("measured peak"));
    QVERIFY(r.out.contains("out of memory"));

    const Cli all = cli({"find-batch", "spirals-mlp", "--steps", "1", "--set", "threads=1"});
    QCOMPARE(all.code, 0);
    QVERIFY2(all.out.contains("largest batch that fits: 1600 (every training row: limited by the "
                              "dataset, not by memory)"),
             qPrintable(all.out));

    const Cli none = cli({"find-batch", "spirals-mlp", "--budget-mb", "0.01"});
    QCOMPARE(none.code, 3);  // a result: nothing fits
    QVERIFY(none.out.contains("not even a batch of 1 fits"));

    const Cli bad_mode = cli({"find-batch", "spirals-mlp", "--mode", "halving"});
    QCOMPARE(bad_mode.code, 2);
    QVERIFY(bad_mode.err.contains("--mode"));
    const Cli bad_set = cli({"find-batch", "spirals-mlp", "--set", "model.hiden=[8]"});
    QCOMPARE(bad_set.code, 2);
    QCOMPARE(bad_set.err.trimmed().count('\n'), 0);
    QVERIFY(bad_set.err.contains("model.hiden"));
    QCOMPARE(cli({"find-batch", "--help"}).code, 0);
  }
};

QTEST_APPLESS_MAIN(TestBatchFinder)
#include "test_batch_finder.moc"
