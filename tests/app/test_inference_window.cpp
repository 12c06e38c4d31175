// The Inference window (Run ▸ Inference…): a model served under load, watched live. On the
// virtual clock the simulation is deterministic and quick; the checks are what a user reads off
// the plots and the summary: latency percentiles over time, a histogram holding every served
// request, served against offered throughput, the queue, and for a serving sweep the
// latency–throughput curve of each setting with the best one under the p99 objective named.
#include <QCheckBox>
#include <QComboBox>
#include <QSignalSpy>
#include <QtTest>

#include "app/inference_window.h"
#include "app/run_session.h"
#include "app/serving_job.h"
#include "engine/experiment/run_store.h"
#include "app_test_support.h"
#include "qcustomplot.h"
#include "window_test_base.h"

using namespace batchlab;
using namespace batchlab::testing;

namespace {

qint64 total(const QVector<qint64>& bins) {
  qint64 n = 0;
  for (const qint64 b : bins) n += b;
  return n;
}

}  // namespace

class TestInferenceWindow : public WindowTestBase {
  Q_OBJECT
 private slots:
  void init() { resetFixture(); }
  void servesTheFormsModelAndDrawsEveryPlot();
  void aStoredRunsTrainedModelIsServed();
  void aServingSweepDrawsTheLatencyThroughputCurve();
  void stopEndsARealClockRunEarly();
  void adaptiveWithoutAnObjectiveIsRefused();
};

void TestInferenceWindow::servesTheFormsModelAndDrawsEveryPlot() {
  InferenceWindow w([] { return std::optional<RunConfig>(tiny_config()); }, store_);
  w.show();
  w.findChild<QCheckBox*>()->setChecked(true);  // the virtual clock: the first check box
  QVERIFY(w.config().virtual_clock);
  QSignalSpy done(&w.job(), &ServingJob::finished);
  QSignalSpy samples(&w.job(), &ServingJob::sample);
  w.serve();
  QVERIFY(done.wait(60000));
  const auto result = done.at(0).at(0).value<ServeResult>();
  const auto bins = done.at(0).at(1).value<QVector<qint64>>();
  QVERIFY(result.served > 0);
  QCOMPARE(result.arrived, result.served + result.dropped + result.rejected + result.unfinished);
  QCOMPARE(total(bins), result.served);  // the histogram holds every served request
  QVERIFY(samples.count() >= 10);          // ≈ 10 windows a second over 5 s of clock time
  QVERIFY(w.latencyPlot()->graph(0)->dataCount() > 0);  // p50
  QVERIFY(w.latencyPlot()->graph(1)->dataCount() > 0);  // p99
  QVERIFY(w.throughputPlot()->graph(0)->dataCount() > 0);
  QVERIFY(w.queuePlot()->graph(0)->dataCount() > 0);
  QVERIFY(w.histogramPlot()->graph(0)->dataCount() > 0);
  QVERIFY2(w.summaryText().contains("p99"), qPrintable(w.summaryText()));
  QVERIFY2(w.summaryText().contains("served of"), qPrintable(w.summaryText()));
  QVERIFY(w.serveButton()->isEnabled());
}

void TestInferenceWindow::aStoredRunsTrainedModelIsServed() {
  auto window = makeWindow();
  QVERIFY(runAndWait(*window, tiny_config(2)));
  window->flushAndRepaint();  // the run's end reaches the runs table
  InferenceWindow* w = window->openInference();
  auto* model = w->findChild<QComboBox*>();
  QCOMPARE(model->count(), 2);  // the form's model and the run just trained
  model->setCurrentIndex(1);
  QVERIFY(w->config().model.run_id > 0);
  w->findChild<QCheckBox*>()->setChecked(true);
  QSignalSpy described(&w->job(), &ServingJob::described);
  QSignalSpy done(&w->job(), &ServingJob::finished);
  QSignalSpy recorded(&w->job(), &ServingJob::recorded);
  w->serve();
  QVERIFY(done.wait(60000));
  QVERIFY2(described.count() == 1 && described.at(0).at(0).toString().contains("trained"),
           described.isEmpty() ? "no description" : qPrintable(described.at(0).at(0).toString()));
  // The result is a serving run in the store and in the window's runs table, beside the run
  // whose model it served; a serving run has no model, so it is not offered for serving.
  QCOMPARE(recorded.count(), 1);
  const qint64 id = recorded.at(0).at(0).toLongLong();
  const RunRow* row = window->session()->table().find(id);
  QVERIFY(row);
  QCOMPARE(row->kind, RunKind::serving);
  QVERIFY(row->samples_per_s > 0);
  QCOMPARE(RunStore(store_).serving_points(id).size(), std::size_t{1});
  window->openInference();
  QCOMPARE(model->count(), 2);
}

void TestInferenceWindow::aServingSweepDrawsTheLatencyThroughputCurve() {
  InferenceWindow w([] { return std::optional<RunConfig>(tiny_config()); }, store_);
  w.show();
  QString error;
  QVERIFY2(w.loadPreset("realtime-vs-dynamic", error), qPrintable(error));
  w.findChild<QCheckBox*>()->setChecked(true);  // virtual clock, so the sweep is quick
  const ServingConfig c = w.config();
  QVERIFY(!c.sweep.empty());
  QSignalSpy points(&w.job(), &ServingJob::sweepPoint);
  QSignalSpy done(&w.job(), &ServingJob::sweepFinished);
  w.serve();
  QVERIFY(done.wait(120000));
  // Two settings (real-time, dynamic) at six rates each.
  QCOMPARE(points.count(), 12);
  QCOMPARE(w.sweepPlot()->graphCount(), 2);
  for (int g = 0; g < 2; ++g) QVERIFY(w.sweepPlot()->graph(g)->dataCount() >= 5);
  QVERIFY(w.sweepPlot()->isVisible());
  QVERIFY(!w.latencyPlot()->isVisible());
  const int best = done.at(0).at(1).toInt();
  if (best >= 0)
    QVERIFY2(w.summaryText().contains("Best under the p99 objective"), qPrintable(w.summaryText()));
  else
    QVERIFY2(w.summaryText().contains("No setting meets"), qPrintable(w.summaryText()));
}

void TestInferenceWindow::stopEndsARealClockRunEarly() {
  InferenceWindow w([] { return std::optional<RunConfig>(tiny_config()); }, store_);
  QSignalSpy done(&w.job(), &ServingJob::finished);
  QSignalSpy samples(&w.job(), &ServingJob::sample);
  w.serve();  // the real clock, 5 s of arrivals
  QVERIFY(samples.wait(20000));
  w.stop();
  QVERIFY(done.wait(10000));
  const auto result = done.at(0).at(0).value<ServeResult>();
  QVERIFY(result.stopped);
  QVERIFY2(w.summaryText().contains("stopped early"), qPrintable(w.summaryText()));
}

void TestInferenceWindow::adaptiveWithoutAnObjectiveIsRefused() {
  InferenceWindow w([] { return std::optional<RunConfig>(tiny_config()); }, store_);
  auto boxes = w.findChildren<QComboBox*>();
  // Model, preset, arrivals, batcher: the batcher is the fourth.
  boxes.at(3)->setCurrentIndex(3);
  auto* slo = w.findChildren<QDoubleSpinBox*>().last();
  slo->setValue(0);
  w.serve();
  QVERIFY(!w.job().running());
  QVERIFY2(w.summaryText().contains("objective"), qPrintable(w.summaryText()));
}

QTEST_MAIN(TestInferenceWindow)
#include "test_inference_window.moc"
