// RunController on its worker thread: a run to completion with its metrics in the table,
// pause / resume / stop within a step, the queue, refused configs, and shutdown mid-run.
#include <QtTest>

#include <QSignalSpy>
#include <cmath>

#include "app/run_controller.h"
#include "app/run_session.h"
#include "app_test_support.h"

using namespace batchlab;
using namespace batchlab::testing;

class TestController : public QObject {
  Q_OBJECT
 private slots:
  void init();
  void runsToCompletionAndTheTableShowsIt();
  void pauseResumeAndStopActWithinAStep();
  void runWhileRunningQueuesTheNext();
  void badInputIsRefusedBeforeTheStore();
  void shutdownMidRunStoresStopped();

 private:
  std::size_t stepsSoFar() {
    session_->drainNow();
    const RunSeries* r = session_->series().find(session_->lastRunId());
    return r ? r->steps.size() : 0;
  }

  std::unique_ptr<QTemporaryDir> dir_;
  std::filesystem::path store_;
  std::unique_ptr<RunSession> session_;
  std::unique_ptr<RunController> controller_;
};

void TestController::init() {
  controller_.reset();
  session_.reset();
  dir_ = std::make_unique<QTemporaryDir>();
  QVERIFY(dir_->isValid());
  store_ = dir_->filePath("runs.sqlite").toStdString();
  session_ = std::make_unique<RunSession>();
  QString error;
  QVERIFY2(session_->loadStore(store_, error), qPrintable(error));
  controller_ = std::make_unique<RunController>(&session_->bridge());
  controller_->setStorePath(store_);
}

void TestController::runsToCompletionAndTheTableShowsIt() {
  QSignalSpy idle(controller_.get(), &RunController::idle);
  QSignalSpy finished(session_.get(), &RunSession::runFinished);
  controller_->submit(tiny_config(3));
  QVERIFY(controller_->busy());
  QVERIFY(idle.wait(60000));
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 5000);
  QCOMPARE(session_->table().runCount(), 1);
  const RunRow* row = session_->table().find(session_->lastRunId());
  QVERIFY(row);
  QCOMPARE(row->status, RunStatus::completed);
  QCOMPARE(row->batch, std::int64_t{32});
  QVERIFY(row->visible);
  QVERIFY(std::isfinite(row->samples_per_s) && row->samples_per_s > 0);
  QVERIFY(row->peak_memory > 0);
  QVERIFY(row->val_accuracy > 0 && row->val_accuracy <= 1);
  // What the plots draw is exactly what the store holds.
  const RunSeries* series = session_->series().find(row->id);
  RunStore store(store_);
  QCOMPARE(series->steps.size(), store.steps(row->id).size());
  QCOMPARE(series->val_loss.size(), store.evals(row->id).size());
  QCOMPARE(series->steps.size(), std::size_t{30});  // 320 rows / 32 = 10 steps × 3 epochs
  QCOMPARE(store.run(row->id)->status, RunStatus::completed);
  QCOMPARE(controller_->lastFinished()->status, RunStatus::completed);
}

void TestController::pauseResumeAndStopActWithinAStep() {
  QSignalSpy idle(controller_.get(), &RunController::idle);
  controller_->submit(long_config());
  QTRY_VERIFY_WITH_TIMEOUT(stepsSoFar() > 20, 20000);
  controller_->pause();
  QVERIFY(controller_->paused());
  QTest::qWait(150);  // the step in flight, if any, lands
  const std::size_t at_pause = stepsSoFar();
  QTest::qWait(400);
  QCOMPARE(stepsSoFar(), at_pause);
  controller_->resume();
  QVERIFY(!controller_->paused());
  QTRY_VERIFY_WITH_TIMEOUT(stepsSoFar() > at_pause + 20, 20000);
  controller_->stop();
  QVERIFY(idle.wait(20000));
  QCOMPARE(controller_->lastFinished()->status, RunStatus::stopped);
  const auto record = only_run(store_);
  QVERIFY(record);
  QCOMPARE(record->status, RunStatus::stopped);
  session_->drainNow();
  QCOMPARE(session_->table().find(record->id)->status, RunStatus::stopped);
  // Stopped while paused also ends promptly.
  controller_->submit(long_config());
  QTRY_VERIFY_WITH_TIMEOUT(stepsSoFar() > 5, 20000);
  controller_->pause();
  controller_->stop();
  QVERIFY(idle.wait(20000));
  QCOMPARE(controller_->lastFinished()->status, RunStatus::stopped);
}

void TestController::runWhileRunningQueuesTheNext() {
  QSignalSpy idle(controller_.get(), &RunController::idle);
  RunConfig a = tiny_config(2);
  a.name = "first";
  RunConfig b = tiny_config(2);
  b.name = "second";
  b.batch.size = 64;
  controller_->submit(a);
  controller_->submit(b);
  QCOMPARE(controller_->queued(), 1);
  QVERIFY(idle.wait(60000));
  QCOMPARE(idle.count(), 1);  // idle only once both have run
  session_->drainNow();
  QCOMPARE(session_->table().runCount(), 2);
  const RunRow* newest = session_->table().find(session_->table().runIds().at(0));
  QCOMPARE(newest->name, QString("second"));
  QCOMPARE(newest->batch, std::int64_t{64});
  QCOMPARE(newest->status, RunStatus::completed);
}

void TestController::badInputIsRefusedBeforeTheStore() {
  QSignalSpy rejected(controller_.get(), &RunController::runRejected);
  QSignalSpy idle(controller_.get(), &RunController::idle);
  RunConfig c = tiny_config();
  c.dataset.kind = "csv";
  c.dataset.path = dir_->filePath("missing.csv").toStdString();
  controller_->submit(c);
  QVERIFY(idle.wait(20000));
  QCOMPARE(rejected.count(), 1);
  QVERIFY2(rejected.first().at(0).toString().contains("missing.csv"),
           qPrintable(rejected.first().at(0).toString()));
  RunStore store(store_);
  QVERIFY(store.list_runs().empty());
}

void TestController::shutdownMidRunStoresStopped() {
  controller_->submit(long_config());
  controller_->submit(tiny_config());  // queued: must not start after shutdown
  QTRY_VERIFY_WITH_TIMEOUT(stepsSoFar() > 5, 20000);
  controller_->shutdown();
  QVERIFY(!controller_->busy());
  QCOMPARE(controller_->queued(), 0);
  const auto record = only_run(store_);
  QVERIFY(record);
  QCOMPARE(record->status, RunStatus::stopped);
}

QTEST_MAIN(TestController)
#include "test_controller.moc"
