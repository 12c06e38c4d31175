// Sweeps in the window: the Sweep dialog's preview (the expanded runs, named as they will be
// stored, and an ETA from a real calibration), its errors, a four-point sweep end to end through
// RunController (one batch size out of memory, the sweep goes on), Stop ending a sweep, and
// the window's Sweep… action starting a sweep of the form's experiment.
#include <QtTest>

#include <qcustomplot.h>
#include <QComboBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <cmath>

#include "app/run_controller.h"
#include "app/run_progress.h"
#include "app/run_session.h"
#include "app/sweep_dialog.h"
#include "app/sweep_summary_dock.h"
#include "app_test_support.h"
#include "engine/data/load_dataset.h"
#include "engine/metrics/memory_model.h"
#include "engine/train/trainer.h"
#include "widgets/experiment_form.h"
#include "widgets/message_banner.h"
#include "widgets/sweep_summary_view.h"
#include "window_test_base.h"

using namespace batchlab;
using namespace batchlab::testing;

namespace {

// tiny_config trained until 75% validation accuracy, which every batch size here reaches in
// well under a second.
RunConfig target_config() {
  RunConfig c = tiny_config(40);
  c.name = "tiny";
  c.optimizer.kind = OptimizerKind::adam;
  c.optimizer.lr = 0.01;
  c.stop.target = TargetConfig{TargetMetric::val_accuracy, 0.75};
  c.eval.every_epochs = 0.5;
  return c;
}

// Halfway between the memory model's total at `fits` rows and at `too_big` rows (in MiB).
double budget_between(const RunConfig& c, std::int64_t fits, std::int64_t too_big) {
  const DatasetSplit data = load_dataset(c.dataset, c.seed);
  const MlpSpec spec = mlp_spec_for(c, data.train);
  const auto bytes = [&](std::int64_t rows) {
    return static_cast<double>(total_bytes(predict_mlp_memory(spec, c.optimizer, rows)));
  };
  return (bytes(fits) + bytes(std::min(too_big, data.train.rows))) / 2.0 / (1024.0 * 1024.0);
}

// A session on the test's store and a controller feeding it: the window's machinery without
// the window.
struct Worker {
  explicit Worker(const std::filesystem::path& store) {
    session.loadStore(store, error);
    controller.setStorePath(store);
  }
  RunSession session;
  RunController controller{&session.bridge()};
  QString error;
};

QString cellText(const QTableWidget* t, int row, int column) {
  const QTableWidgetItem* item = t->item(row, column);
  return item ? item->text() : QString();
}

}  // namespace

class TestSweepDialog : public WindowTestBase {
  Q_OBJECT
 private slots:
  void init() { resetFixture(); }

  void previewListsTheExpandedRunsAndAnEta() {
    SweepDialog dialog(target_config());
    QSignalSpy calibrated(&dialog, &SweepDialog::calibrated);
    dialog.setName(QStringLiteral("demo"));
    dialog.setBatchSizes(QStringLiteral("8, 16 32;64"));
    dialog.setRepeats(2);
    dialog.refresh();
    QVERIFY2(dialog.valid(), qPrintable(dialog.problem()));
    QTableWidget* t = dialog.preview();
    QCOMPARE(t->rowCount(), 8);  // four batch sizes × two repeats
    // Exactly the runs the engine will run, under the names they will be stored with.
    const std::vector<SweepRunPlan> plans = expand_sweep(dialog.sweep());
    for (int r = 0; r < t->rowCount(); ++r) {
      QCOMPARE(cellText(t, r, SweepDialog::ColRun), QString::fromStdString(plans[r].config.name));
      QCOMPARE(cellText(t, r, SweepDialog::ColBatch), QString::number(plans[r].batch_size));
      QCOMPARE(cellText(t, r, SweepDialog::ColSeed), QString::number(plans[r].seed));
    }
    QCOMPARE(cellText(t, 0, SweepDialog::ColRun), QStringLiteral("demo b=8 lr=0.01 seed=1"));
    QVERIFY(dialog.startButton()->isEnabled());

    // The ETA comes from timing real steps on a worker thread; the window stays responsive.
    QVERIFY(calibrated.count() > 0 || calibrated.wait(30000));
    QVERIFY2(dialog.totalText().contains(QStringLiteral("at most")),
             qPrintable(dialog.totalText()));
    QVERIFY(dialog.stepTime() && dialog.stepTime()->known());
    const SweepEstimate estimate = estimate_sweep(plans, *dialog.stepTime());
    QVERIFY(std::isfinite(estimate.total_s) && estimate.total_s > 0);
    // 320 training rows for 40 epochs: 1,600 updates at B=8, 200 at B=64.
    QCOMPARE(cellText(t, 0, SweepDialog::ColSteps), QStringLiteral("1,600"));
    QCOMPARE(cellText(t, 6, SweepDialog::ColSteps), QStringLiteral("200"));
    QVERIFY(cellText(t, 0, SweepDialog::ColTime) != QStringLiteral("…"));
    QVERIFY(!dialog.totalText().contains(QStringLiteral("another run")));
    dialog.setMachineBusy(true);  // a run training beside the timing steps slows them
    QVERIFY(dialog.totalText().contains(QStringLiteral("timed while another run was training")));
    // No stop-target hint: this base has a target.
    QVERIFY(dialog.baseText().contains(QStringLiteral("val_accuracy ≥ 0.75")));
  }

  void pow2AndTheScalingRuleShowInThePreview() {
    SweepDialog dialog(target_config());
    dialog.setPow2(4, 32);
    dialog.setLrScaling(LrScalingRule::linear, 8, 0.0);
    dialog.refresh();
    QVERIFY2(dialog.valid(), qPrintable(dialog.problem()));
    QTableWidget* t = dialog.preview();
    QCOMPARE(t->rowCount(), 4);
    QCOMPARE(cellText(t, 0, SweepDialog::ColBatch), QStringLiteral("4"));
    QCOMPARE(cellText(t, 3, SweepDialog::ColBatch), QStringLiteral("32"));
    // Linear rule around base batch 8: lr × B/8.
    QCOMPARE(cellText(t, 0, SweepDialog::ColLr), QStringLiteral("0.005"));
    QCOMPARE(cellText(t, 3, SweepDialog::ColLr), QStringLiteral("0.04"));
    const SweepConfig s = dialog.sweep();
    QVERIFY(s.lr_scaling && s.lr_scaling->rule == LrScalingRule::linear);
  }

  void badFieldsNameTheFieldAndDisableStart() {
    SweepDialog dialog(target_config());
    dialog.setBatchSizes(QStringLiteral("8, x"));
    dialog.refresh();
    QVERIFY(!dialog.valid());
    QVERIFY2(dialog.problem().contains(QStringLiteral("batch_sizes")) &&
                 dialog.problem().contains(QStringLiteral("\"x\"")),
             qPrintable(dialog.problem()));
    QVERIFY(!dialog.startButton()->isEnabled());
    QCOMPARE(dialog.preview()->rowCount(), 0);

    dialog.setPow2(3, 16);
    dialog.refresh();
    QVERIFY2(dialog.problem().contains(QStringLiteral("power")), qPrintable(dialog.problem()));
    dialog.setBatchSizes(QStringLiteral("8, 8"));
    dialog.refresh();
    QVERIFY2(dialog.problem().contains(QStringLiteral("batch_sizes")),
             qPrintable(dialog.problem()));
    dialog.setBatchSizes(QStringLiteral("8"));
    dialog.setLearningRates(QStringLiteral("0.1, -1"));
    dialog.refresh();
    QVERIFY2(dialog.problem().contains(QStringLiteral("learning_rates")),
             qPrintable(dialog.problem()));
    dialog.setLearningRates(QString());
    dialog.refresh();
    QVERIFY2(dialog.valid(), qPrintable(dialog.problem()));
    QVERIFY(dialog.startButton()->isEnabled());
  }

  void savedSweepLoadsBackAsTheSameSweep() {
    SweepDialog dialog(target_config());
    dialog.setName(QStringLiteral("saved"));
    dialog.setBatchSizes(QStringLiteral("8, 32"));
    dialog.setRepeats(3);
    dialog.refresh();
    const QString path = dir_->filePath("saved.json");
    QString error;
    QVERIFY2(dialog.saveTo(path, error), qPrintable(error));
    const SweepConfig loaded = load_sweep_config(path.toStdString());
    QCOMPARE(sweep_config_to_json(loaded), sweep_config_to_json(dialog.sweep()));
    QCOMPARE(loaded.repeats, 3);
    // Opened from the file, the dialog names the file as its base, not the form.
    SweepDialog reopened(tiny_config());
    QVERIFY2(reopened.loadPreset(path, error), qPrintable(error));
    QCOMPARE(reopened.findChild<QComboBox*>()->currentText(), QStringLiteral("file: saved.json"));
    QCOMPARE(sweep_config_to_json(reopened.sweep()), sweep_config_to_json(loaded));
  }

  void presetReplacesTheBase() {
    SweepDialog dialog(target_config());
    QString error;
    QVERIFY2(dialog.loadPreset(QStringLiteral("spirals-batch-sizes"), error), qPrintable(error));
    QVERIFY2(dialog.valid(), qPrintable(dialog.problem()));
    const SweepConfig s = dialog.sweep();
    QCOMPARE(s.batch_sizes, (std::vector<std::int64_t>{8, 16, 32, 64, 128, 256}));
    QCOMPARE(s.base.dataset.samples, std::int64_t{2000});  // the preset's base, not the form's
    QCOMPARE(dialog.preview()->rowCount(), 6);
    QVERIFY(dialog.baseText().contains(QStringLiteral("fitted")));  // its description is shown
  }

  void fourPointSweepThroughTheController() {
    Worker worker(store_);
    QVERIFY2(worker.error.isEmpty(), qPrintable(worker.error));
    RunSession& session = worker.session;
    RunController& controller = worker.controller;

    SweepConfig sweep;
    sweep.name = "four";
    sweep.base = target_config();
    sweep.batch_sizes = {8, 16, 320, 32};  // 320 (every training row) will not fit the budget
    sweep.base.memory_budget_mb = budget_between(sweep.base, 32, 320);

    QSignalSpy progress(&controller, &RunController::sweepProgress);
    QSignalSpy finished(&controller, &RunController::sweepFinished);
    QSignalSpy done(&controller, &RunController::runDone);
    QSignalSpy idle(&controller, &RunController::idle);
    controller.submitSweep(sweep);
    QVERIFY(controller.sweeping());
    QVERIFY(idle.wait(120000));
    QCOMPARE(finished.count(), 1);
    const auto last = finished.at(0).at(0).value<SweepStatus>();
    QVERIFY(last.done && !last.stopped);
    QCOMPARE(last.runs_done, 4);
    QCOMPARE(last.total, 4);
    QVERIFY(last.sweep_id > 0);

    // Starting and finished for each run, in order, between runs only.
    QCOMPARE(progress.count(), 8);
    for (int i = 0; i < progress.count(); ++i) {
      const auto s = progress.at(i).at(0).value<SweepStatus>();
      QCOMPARE(s.index, i / 2);
      QCOMPARE(s.starting, i % 2 == 0);
      QCOMPARE(s.sweep_id, last.sweep_id);
      QCOMPARE(s.batch, sweep.batch_sizes[static_cast<std::size_t>(i / 2)]);
    }
    // Once a run has been measured the sweep's ETA is known; nothing is left at the end.
    QVERIFY(std::isfinite(progress.at(2).at(0).value<SweepStatus>().eta_s));
    QCOMPARE(progress.at(7).at(0).value<SweepStatus>().eta_s, 0.0);
    QCOMPARE(done.count(), 4);

    RunStore store(store_);
    const auto runs = store.runs_in_sweep(last.sweep_id);
    QCOMPARE(runs.size(), std::size_t{4});
    QCOMPARE(runs[2].status, RunStatus::out_of_memory);  // recorded, and the sweep went on
    for (const std::size_t i : {0u, 1u, 3u}) {
      QVERIFY2(runs[i].status == RunStatus::target_reached, runs[i].reason.c_str());
      QVERIFY(summary_from_json(runs[i].summary_json).steps_to_target.has_value());
    }
    // The window's table lists each run as the store has it.
    QTRY_VERIFY_WITH_TIMEOUT(session.table().find(runs[3].id) != nullptr, 5000);
    session.drainNow();
    for (const RunRecord& r : runs) {
      const RunRow* row = session.table().find(r.id);
      QVERIFY(row);
      QCOMPARE(row->status, r.status);
      QCOMPARE(row->name, QString::fromStdString(r.name));
      QCOMPARE(row->sweep_id, last.sweep_id);
    }
    // ... grouped under their sweep, in the order they ran, with the sweep's name.
    const RunsTableModel& table = session.table();
    QVERIFY(table.groupIndex(last.sweep_id).isValid());
    QCOMPARE(table.sweepRunIds(last.sweep_id),
             (std::vector<std::int64_t>{runs[0].id, runs[1].id, runs[2].id, runs[3].id}));
    QCOMPARE(table.sweepName(last.sweep_id), QStringLiteral("four"));
    const RunSummary s8 = summary_from_json(runs[0].summary_json);
    const RunSummary s32 = summary_from_json(runs[3].summary_json);
    QVERIFY(*s8.steps_to_target > *s32.steps_to_target);  // fewer updates at the larger batch
  }

  void stopEndsTheSweep() {
    Worker worker(store_);
    QVERIFY2(worker.error.isEmpty(), qPrintable(worker.error));
    RunSession& session = worker.session;
    RunController& controller = worker.controller;
    SweepConfig sweep;
    sweep.name = "endless";
    sweep.base = long_config();
    sweep.batch_sizes = {8, 16, 32};
    QSignalSpy finished(&controller, &RunController::sweepFinished);
    QSignalSpy idle(&controller, &RunController::idle);
    controller.submitSweep(sweep);
    QTRY_VERIFY_WITH_TIMEOUT(session.lastRunId() > 0, 20000);
    controller.stop();
    QVERIFY(idle.wait(20000));
    QCOMPARE(finished.count(), 1);
    const auto last = finished.at(0).at(0).value<SweepStatus>();
    QVERIFY(last.stopped);
    QCOMPARE(last.runs_done, 1);
    const auto runs = RunStore(store_).runs_in_sweep(last.sweep_id);
    QCOMPARE(runs.size(), std::size_t{1});  // no later run started
    QCOMPARE(runs[0].status, RunStatus::stopped);
  }

  // Closing the window mid-sweep stops the run in progress (stored `stopped`) and starts no
  // other; the window closes without hanging.
  void closingMidSweepStopsIt() {
    auto w = makeWindow();
    w->form()->setConfig(long_config());
    SweepDialog* dialog = w->openSweepDialog();
    dialog->setName(QStringLiteral("closed"));
    dialog->setBatchSizes(QStringLiteral("8, 16, 32"));
    dialog->refresh();
    dialog->startButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(w->controller()->sweeping() && w->session()->lastRunId() > 0, 20000);
    QVERIFY(w->close());
    QVERIFY(!w->controller()->busy());
    RunStore store(store_);
    const auto sweeps = store.list_sweeps();
    QCOMPARE(sweeps.size(), std::size_t{1});
    const auto runs = store.runs_in_sweep(sweeps[0].id);
    QCOMPARE(runs.size(), std::size_t{1});
    QCOMPARE(runs[0].status, RunStatus::stopped);
  }

  void badSweepIsRefusedAndStoresNothing() {
    Worker worker(store_);
    QVERIFY2(worker.error.isEmpty(), qPrintable(worker.error));
    RunController& controller = worker.controller;
    SweepConfig sweep;
    sweep.name = "missing data";
    sweep.base = target_config();
    sweep.base.dataset.kind = "csv";
    sweep.base.dataset.path = dir_->filePath("nowhere.csv").toStdString();
    sweep.batch_sizes = {8, 16};
    QSignalSpy rejected(&controller, &RunController::runRejected);
    QSignalSpy idle(&controller, &RunController::idle);
    controller.submitSweep(sweep);
    QVERIFY(idle.wait(20000));
    QCOMPARE(rejected.count(), 1);
    const QString message = rejected.at(0).at(0).toString();
    QVERIFY2(message.startsWith(QStringLiteral("sweep missing data: ")) &&
                 message.contains(QStringLiteral("nowhere.csv")),
             qPrintable(message));
    RunStore store(store_);
    QVERIFY(store.list_sweeps().empty());
    QVERIFY(store.list_runs().empty());
  }

  void windowSweepActionSweepsTheFormsExperiment() {
    auto w = makeWindow();
    // A run from before, ticked: the sweep's summary must not mix it in.
    QVERIFY(runAndWait(*w, target_config()));
    w->session()->drainNow();
    const std::int64_t earlier = w->session()->table().runIds().at(0);
    QVERIFY(w->session()->table().find(earlier)->visible);
    w->form()->setConfig(target_config());
    QVERIFY(w->sweepAction()->isEnabled());
    SweepDialog* dialog = w->openSweepDialog();
    QVERIFY(dialog->baseText().startsWith(QStringLiteral("spirals")));
    dialog->setName(QStringLiteral("from the form"));
    dialog->setBatchSizes(QStringLiteral("16, 32"));
    dialog->refresh();
    QCOMPARE(dialog->preview()->rowCount(), 2);
    // A third batch size that does not fit the budget: a result, said as a warning.
    RunConfig budgeted = target_config();
    budgeted.memory_budget_mb = budget_between(budgeted, 32, 320);
    delete dialog;
    w->form()->setConfig(budgeted);
    dialog = w->openSweepDialog();
    dialog->setName(QStringLiteral("from the form"));
    dialog->setBatchSizes(QStringLiteral("16, 32, 320"));
    dialog->refresh();
    QVERIFY2(dialog->valid(), qPrintable(dialog->problem()));
    QSignalSpy idle(w->controller(), &RunController::idle);
    // The status bar's sweep label as each report arrives (this slot runs after the window's).
    QStringList labels;
    connect(w->controller(), &RunController::sweepProgress, this,
            [&] { labels << w->progress()->sweepText(); });
    dialog->startButton()->click();
    QVERIFY(idle.wait(120000));
    QCOMPARE(labels.size(), 6);
    QVERIFY2(labels[0].startsWith(QStringLiteral("sweep from the form: run 1 of 3")),
             qPrintable(labels[0]));
    QVERIFY2(labels[3].contains(QStringLiteral("run 3 of 3")), qPrintable(labels[3]));
    QVERIFY2(w->banner()->text().contains(QStringLiteral("out of memory")) &&
                 w->banner()->text().endsWith(QStringLiteral("the sweep goes on")),
             qPrintable(w->banner()->text()));
    QVERIFY(w->progress()->sweepText().isEmpty());  // cleared when the sweep ends

    RunStore store(store_);
    const auto sweeps = store.list_sweeps();
    QCOMPARE(sweeps.size(), std::size_t{1});
    QCOMPARE(sweeps[0].name, std::string("from the form"));
    const auto runs = store.runs_in_sweep(sweeps[0].id);
    QCOMPARE(runs.size(), std::size_t{3});
    QCOMPARE(runs[1].name, std::string("from the form b=32 lr=0.01"));
    QCOMPARE(runs[2].status, RunStatus::out_of_memory);
    // The sweep's runs are ticked, so the summary shows them against batch size at once.
    // (The last run's end may reach the table a drain after the sweep's end: wait for it.)
    const auto throughput = [&] {
      return w->sweepSummary()->view()->plot(SweepPlotKind::throughput);
    };
    QTRY_VERIFY_WITH_TIMEOUT(throughput() && throughput()->graphCount() > 0, 5000);
    QVERIFY(w->sweepSummary()->isVisible());
    QVERIFY(!w->session()->table().find(earlier)->visible);  // only the sweep's runs are ticked
    for (const RunRecord& r : runs) QVERIFY(w->session()->table().find(r.id)->visible);

    // Sweep… again (even after a restart) starts from the fields of the sweep last started, over
    // whatever the form holds now.
    w->close();
    w = makeWindow();
    RunConfig changed = target_config();
    changed.optimizer.lr = 0.02;
    w->form()->setConfig(changed);
    SweepDialog* again = w->openSweepDialog();
    const SweepConfig restored = again->sweep();
    QCOMPARE(restored.name, std::string("from the form"));
    QCOMPARE(restored.batch_sizes, (std::vector<std::int64_t>{16, 32, 320}));
    QCOMPARE(restored.base.optimizer.lr, 0.02);
    delete again;
  }
};

QTEST_MAIN(TestSweepDialog)
#include "test_sweep_dialog.moc"
