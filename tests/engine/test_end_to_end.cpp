// Real runs through execute_run and the bundled presets: the numbers a user would see.
#include <QtTest>

#include <filesystem>

#include "engine/data/load_dataset.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/memory_limits.h"
#include "engine/experiment/run_executor.h"
#include "engine/experiment/run_store.h"

using namespace batchlab;

class TestEndToEnd : public QObject {
  Q_OBJECT

 private slots:
  void spiralsPresetLearnsTheSpirals() {
    QTemporaryDir dir;
    const std::filesystem::path db = dir.filePath("runs.sqlite").toStdString();
    const RunConfig c = load_run_config("spirals-mlp");
    ExecuteOptions opts;
    opts.store_path = db;
    const RunFinished f = execute_run(c, opts);
    QVERIFY2(f.status == RunStatus::completed || f.status == RunStatus::target_reached,
             f.reason.c_str());
    qInfo("spirals-mlp: val accuracy %.4f after %lld steps, %.2f s", f.summary.final_val_accuracy,
          static_cast<long long>(f.summary.steps), f.summary.time_s);
    QVERIFY2(f.summary.final_val_accuracy >= 0.95,
             qPrintable(QString("val accuracy %1").arg(f.summary.final_val_accuracy)));

    // Everything the run emitted is in the store.
    RunStore store(db);
    const auto rec = store.run(f.run_id);
    QVERIFY(rec.has_value());
    QCOMPARE(rec->status, f.status);
    QCOMPARE(static_cast<std::int64_t>(store.steps(f.run_id).size()), f.summary.steps);
    QVERIFY(!store.evals(f.run_id).empty());
    // The device's memory is recorded for a GPU run ("auto" takes one where there is one), for
    // the sweep plots' device-memory line, and not invented for the CPU, which has no fixed amount.
    MemoryLimits limits;
    limits.add(*rec);
    QVERIFY2(limits.device_mib.has_value() == (rec->device.rfind("cuda", 0) == 0),
             rec->environment_json.c_str());
    if (limits.device_mib) QVERIFY(*limits.device_mib > 256.0);
    QVERIFY(!limits.budget_mib.has_value());  // the preset sets no budget
  }

  void fashionMnistReachesEightyPercentInOneEpoch() {
    const std::string dir = kFashionMnistDir;
    if (!std::filesystem::exists(dir + "/train-images-idx3-ubyte.gz"))
      QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
    RunConfig c = load_run_config("fashion-mnist-mlp");
    QCOMPARE(c.dataset.train_limit, 10000);
    QCOMPARE(*c.stop.epochs, 1.0);
    const RunFinished f = execute_run(c, ExecuteOptions{});
    qInfo("fashion-mnist-mlp: val accuracy %.4f after %lld steps, %.2f s, %.0f samples/s",
          f.summary.final_val_accuracy, static_cast<long long>(f.summary.steps), f.summary.time_s,
          f.summary.samples_per_s_median);
    QVERIFY2(f.status == RunStatus::completed, f.reason.c_str());
    QVERIFY2(f.summary.final_val_accuracy >= 0.80,
             qPrintable(QString("val accuracy %1").arg(f.summary.final_val_accuracy)));
  }
};

QTEST_GUILESS_MAIN(TestEndToEnd)
#include "test_end_to_end.moc"
