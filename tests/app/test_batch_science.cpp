// The window's batch-science parts end to end (offscreen): the schedule plot plans the form's
// experiment and then the run's, a run that measures the noise scale shows the plain-words hint,
// the runs table prices runs at the price set in Settings, and the batch-size finder finds the
// memory model's answer under a budget, stops on request, and hands its batch to the form.
#include <QtTest>

#include <QLabel>
#include <QSignalSpy>
#include <QTableWidget>

#include "app/app_settings.h"
#include "app/batch_finder_dialog.h"
#include "app/main_window.h"
#include "app/run_controller.h"
#include "app/run_progress.h"
#include "app/run_session.h"
#include "app/settings_dialog.h"
#include "app_test_support.h"
#include "engine/data/load_dataset.h"
#include "engine/experiment/run_executor.h"
#include "engine/metrics/cost.h"
#include "engine/metrics/memory_model.h"
#include "engine/train/run_plan.h"
#include "engine/train/trainer.h"
#include "widgets/experiment_form.h"
#include "widgets/message_banner.h"
#include "widgets/runs_table_model.h"
#include "widgets/schedule_plot.h"
#include "window_test_base.h"

using namespace batchlab;
using namespace batchlab::testing;

namespace {

// Noisy linear regression: the noise scale is large and positive from the first steps.
RunConfig noisy_regression() {
  RunConfig c = tiny_config(3);
  c.name = "noisy regression";
  c.dataset.kind = "linear";
  c.dataset.samples = 800;
  c.dataset.noise = 1.0;
  c.dataset.features = 8;
  c.model.hidden = {};
  c.optimizer.lr = 0.01;
  c.optimizer.momentum = 0;
  c.noise_scale.enabled = true;
  c.noise_scale.method = NoiseScaleMethod::halves;
  c.noise_scale.ema = 0.9;
  return c;
}

// Blobs with two hidden layers of 64: its memory grows by a known amount per row.
RunConfig blobs_config() {
  RunConfig c;
  c.name = "blobs finder";
  c.seed = 2;
  c.dataset.kind = "blobs";
  c.dataset.samples = 20000;
  c.dataset.classes = 3;
  c.dataset.features = 4;
  c.model.hidden = {64, 64};
  c.optimizer.momentum = 0.9;
  c.threads = 1;
  c.device = "cpu";
  return c;
}

}  // namespace

class TestBatchScience : public WindowTestBase {
  Q_OBJECT
 private slots:
  void init();
  void scheduleShowsThePlanThenTheRun();
  void statusBarShowsProgressOfAScheduledRun();
  void noiseScaleRunShowsTheHint();
  void runsTablePricesRuns();
  void finderFindsTheMemoryModelsAnswer();
  void finderStopsAndRefusesABadBudget();
  void finderAnswerGoesIntoTheForm();
};

void TestBatchScience::init() {
  resetFixture();
}

void TestBatchScience::scheduleShowsThePlanThenTheRun() {
  auto w = makeWindow();
  RunConfig c = tiny_config(3);
  c.batch.schedule.kind = ScheduleKind::steps;
  c.batch.schedule.epochs = {1.0, 2.0};
  c.batch.schedule.factor = 2.0;
  w->form()->setConfig(c);
  // 400 rows, 20 % held out: the plan is worked out on 320 training rows.
  const auto expected = planned_schedule(c, 320);
  SchedulePlot* plot = w->schedulePlot();
  QTRY_COMPARE_WITH_TIMEOUT(plot->plan().size(), expected.size(), 10000);
  QCOMPARE(plot->plan().back().step, expected.back().step);
  QVERIFY2(plot->planText().contains("form"), qPrintable(plot->planText()));
  QCOMPARE(plot->plannedBatchGraph()->dataCount(), static_cast<int>(expected.size()));

  QVERIFY(runAndWait(*w, c));
  w->flushAndRepaint();
  QVERIFY2(plot->planText().contains("run #"), qPrintable(plot->planText()));
  const std::int64_t id = w->session()->table().runIds().at(0);
  // The run followed its plan: the live batch line ends where the planned one does.
  QCPGraph* live = plot->batchGraph(id);
  QVERIFY(live != nullptr);
  QCOMPARE(live->data()->at(live->dataCount() - 1)->value,
           static_cast<double>(expected.back().batch_size));
  QCOMPARE(live->data()->at(live->dataCount() - 1)->key, static_cast<double>(expected.back().step));
  QVERIFY(plot->hintText().isEmpty());  // the noise scale was not measured
}

// A batch-size schedule used to leave the status bar's progress bar busy and its ETA blank
// (planned_steps = 0): fed by a real Trainer, it now shows step k / N, the fraction and an ETA.
void TestBatchScience::statusBarShowsProgressOfAScheduledRun() {
  RunConfig c = tiny_config(3);
  c.batch.schedule.kind = ScheduleKind::steps;
  c.batch.schedule.epochs = {1.0, 2.0};
  c.batch.schedule.factor = 2.0;
  const DatasetSplit data = load_dataset(c.dataset, c.seed, "test");
  const std::int64_t planned = plan_run(c, data.train.rows).steps;
  QVERIFY(planned > 0);

  struct ToStatusBar : EventSink {
    RunProgress progress;
    std::int64_t half = 0;
    double fraction_at_half = -1;
    QString step_at_half, eta_at_half;
    void on_run_started(const RunStarted& e) override {
      progress.onStarted(e);
      half = e.planned_steps / 2;
    }
    void on_step(const StepEvent& e) override {
      progress.onStep(e);
      if (e.step != half) return;
      fraction_at_half = progress.fraction();
      step_at_half = progress.stepText();
      eta_at_half = progress.etaText();
    }
    void on_eval(const EvalEvent&) override {}
    void on_run_finished(const RunFinished&) override {}
  } sink;
  auto backend = make_backend(c);
  TrainerInputs in;
  in.config = &c;
  in.data = &data;
  in.backend = backend.get();
  in.sink = &sink;
  QCOMPARE(train(in).status, RunStatus::completed);
  QVERIFY(sink.half > 0);
  QCOMPARE(sink.half, planned / 2);
  QVERIFY2(std::fabs(sink.fraction_at_half - 0.5) < 0.02, qPrintable(sink.step_at_half));
  QVERIFY2(sink.step_at_half.contains(QStringLiteral(" / %1").arg(planned)),
           qPrintable(sink.step_at_half));
  QVERIFY2(sink.eta_at_half.startsWith(QStringLiteral("ETA ")), qPrintable(sink.eta_at_half));
}

void TestBatchScience::noiseScaleRunShowsTheHint() {
  auto w = makeWindow();
  QVERIFY(runAndWait(*w, noisy_regression()));
  w->flushAndRepaint();
  const QString hint = w->schedulePlot()->hintText();
  QVERIFY2(hint.contains("B_simple ≈"), qPrintable(hint));
  QVERIFY2(hint.contains("batch 32"), qPrintable(hint));
  bool shown = false;
  for (QLabel* l : w->schedulePlot()->findChildren<QLabel*>())
    if (l->text() == hint && l->isVisible()) shown = true;
  QVERIFY2(shown, "the hint is not on screen");
  const std::int64_t id = w->session()->table().runIds().at(0);
  QVERIFY(w->schedulePlot()->noiseGraph(id)->dataCount() > 0);
}

void TestBatchScience::runsTablePricesRuns() {
  settings_->setPricePerHour(3.6);  // a thousandth per second: easy to check
  auto w = makeWindow();
  RunConfig c = tiny_config(3);
  c.stop.target = TargetConfig{TargetMetric::val_loss, 100.0};  // reached at the first eval
  QVERIFY(runAndWait(*w, c));
  w->flushAndRepaint();
  RunsTableModel& table = w->session()->table();
  QVERIFY2(table.runCount() == 1, qPrintable(w->banner()->text()));
  const RunRow* row = table.find(table.runIds().at(0));
  QVERIFY(row != nullptr);
  QVERIFY(row->time_s > 0);
  QVERIFY(row->time_to_target_s.has_value());
  const auto cell = [&](int col) {
    return table.data(table.index(0, col), Qt::DisplayRole).toString();
  };
  QCOMPARE(cell(RunsTableModel::ColCost), RunsTableModel::cost_text(row->time_s / 1000.0));
  QCOMPARE(cell(RunsTableModel::ColCostToTarget),
           RunsTableModel::cost_text(cost_of(*row->time_to_target_s, 3.6)));
  QCOMPARE(RunsTableModel::cost_text(0.371), QString("0.37"));
  QCOMPARE(RunsTableModel::cost_text(7.79e-7), QString("< 0.01"));
  QCOMPARE(RunsTableModel::cost_text(kNaN), QString("—"));
  QCOMPARE(table.headerData(RunsTableModel::ColCost, Qt::Horizontal, Qt::DisplayRole).toString(),
           QString("cost"));
  // No price: no cost.
  table.setPricePerHour(0);
  QCOMPARE(cell(RunsTableModel::ColCost), QString("—"));
  // The dialog edits the price; the settings keep it for the next start.
  SettingsDialog dialog(QString(), true);
  dialog.setPricePerHour(2.5);
  QCOMPARE(dialog.pricePerHour(), 2.5);
  settings_->setPricePerHour(dialog.pricePerHour());
  settings_->sync();
  QCOMPARE(AppSettings(dir_->filePath("settings.ini")).pricePerHour(), 2.5);
}

void TestBatchScience::finderFindsTheMemoryModelsAnswer() {
  const RunConfig c = blobs_config();
  const DatasetSplit data = load_dataset(c.dataset, c.seed);
  const double mb = 0.35;
  const auto budget = static_cast<std::int64_t>(mb * 1024.0 * 1024.0);
  const MlpSpec spec = mlp_spec_for(c, data.train);
  const std::int64_t expected =
      (budget - total_bytes(predict_mlp_memory(spec, c.optimizer, 0))) / mlp_bytes_per_row(spec);
  QVERIFY(expected > 64 && expected < data.train.rows);

  BatchFinderDialog dialog(c);
  dialog.show();
  dialog.setMode(FinderMode::binsearch);
  dialog.setBudgetMb(mb);
  dialog.setSteps(1);
  QSignalSpy done(&dialog, &BatchFinderDialog::searchFinished);
  QVERIFY(dialog.start());
  QVERIFY(dialog.running());
  QVERIFY(done.wait(120000));
  QVERIFY(dialog.result().has_value());
  QCOMPARE(dialog.result()->largest_fit, expected);
  // One row per trial, with the verdict and the model's bytes beside the measured ones.
  QTableWidget* t = dialog.trials();
  QCOMPARE(t->rowCount(), static_cast<int>(dialog.result()->trials.size()));
  for (int r = 0; r < t->rowCount(); ++r) {
    const BatchTrial& trial = dialog.result()->trials[static_cast<std::size_t>(r)];
    QCOMPARE(t->item(r, BatchFinderDialog::ColBatch)->text(), QString::number(trial.batch));
    QCOMPARE(t->item(r, BatchFinderDialog::ColFits)->text(),
             trial.fits ? QString("fits") : QString("out of memory"));
    QVERIFY(!t->item(r, BatchFinderDialog::ColPredicted)->text().isEmpty());
  }
  QVERIFY2(
      dialog.findings().contains(QString("fits in a budget of")) &&
          dialog.findings().contains(QString(": %1 (%2 does not)").arg(expected).arg(expected + 1)),
      qPrintable(dialog.findings()));
  QVERIFY2(dialog.findings().contains("Best throughput"), qPrintable(dialog.findings()));
  QCOMPARE(dialog.chosenBatch(), expected);
}

void TestBatchScience::finderStopsAndRefusesABadBudget() {
  BatchFinderDialog dialog(blobs_config());
  dialog.setBudgetMb(-3);
  QVERIFY(!dialog.start());
  QVERIFY(!dialog.running());
  // No budget: power doubles up to every row, many trials; stop right away.
  dialog.setBudgetMb(std::nullopt);
  dialog.setSteps(20);
  QSignalSpy done(&dialog, &BatchFinderDialog::searchFinished);
  QVERIFY(dialog.start());
  dialog.stop();
  QVERIFY(done.wait(120000));
  QVERIFY(dialog.result().has_value());
  QVERIFY(dialog.result()->stopped);
  QVERIFY2(dialog.findings().contains("Stopped"), qPrintable(dialog.findings()));
}

void TestBatchScience::finderAnswerGoesIntoTheForm() {
  auto w = makeWindow();
  w->form()->setConfig(tiny_config(3));
  QVERIFY(w->findBatchAction()->isEnabled());
  BatchFinderDialog* dialog = w->openBatchFinder();
  emit dialog->useBatch(48);
  QCOMPARE(w->form()->config().batch.size, std::int64_t{48});
  QVERIFY(w->form()->valid());
  delete dialog;
}

QTEST_MAIN(TestBatchScience)
#include "test_batch_science.moc"
