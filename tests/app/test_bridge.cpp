// The bridge between the Trainer's thread and the GUI: one notification per drain, nothing
// lost or reordered, bounded when the GUI does not drain.
#include <QtTest>

#include <QSignalSpy>
#include <QThread>
#include <atomic>

#include "app/qt_event_bridge.h"

using namespace batchlab;

class TestBridge : public QObject {
  Q_OBJECT
 private slots:
  void notifiesOncePerDrain();
  void floodFromAWorkerArrivesInOrder();
  void pendingStepsAreBounded();
  void deviceMemoryKeepsTheLatestPerDevice();
};

void TestBridge::notifiesOncePerDrain() {
  QtEventBridge bridge;
  QSignalSpy spy(&bridge, &QtEventBridge::eventsAvailable);
  StepEvent s;
  for (int i = 0; i < 1000; ++i) bridge.on_step(s);
  QCOMPARE(spy.count(), 1);
  RunFinished f;
  f.status = RunStatus::stopped;
  bridge.on_run_finished(f);
  QCOMPARE(spy.count(), 1);
  QtEventBridge::Batch b = bridge.take();
  QCOMPARE(b.steps.size(), std::size_t{1000});
  QCOMPARE(b.finished.size(), std::size_t{1});
  QCOMPARE(b.finished[0].status, RunStatus::stopped);
  QVERIFY(bridge.take().empty());
  bridge.on_step(s);
  QCOMPARE(spy.count(), 2);  // empty → non-empty again
}

void TestBridge::deviceMemoryKeepsTheLatestPerDevice() {
  // Two devices over 1000 steps between drains: two entries, each the newest, however long
  // the GUI waits.
  QtEventBridge bridge;
  QSignalSpy spy(&bridge, &QtEventBridge::eventsAvailable);
  for (int step = 1; step <= 1000; ++step)
    for (int device = 0; device < 2; ++device) {
      DeviceMemoryEvent d;
      d.run_id = 5;
      d.step = step;
      d.device = device;
      d.memory[static_cast<std::size_t>(MemCategory::activations)] = step * 10 + device;
      bridge.on_extension(d);
    }
  QCOMPARE(spy.count(), 1);
  QtEventBridge::Batch b = bridge.take();
  QVERIFY(!b.empty());
  QCOMPARE(b.device_memory.size(), std::size_t{2});
  for (const DeviceMemoryEvent& d : b.device_memory) {
    QCOMPARE(d.step, std::int64_t{1000});
    QCOMPARE(d.memory[static_cast<std::size_t>(MemCategory::activations)],
             std::int64_t{10000 + d.device});
  }
  QVERIFY(bridge.take().empty());
}

void TestBridge::floodFromAWorkerArrivesInOrder() {
  QtEventBridge bridge;
  std::atomic<int> notifications{0};
  connect(
      &bridge, &QtEventBridge::eventsAvailable, this, [&] { ++notifications; },
      Qt::DirectConnection);
  const std::int64_t n = 300'000;
  QThread* worker = QThread::create([&] {
    StepEvent s;
    s.run_id = 1;
    for (std::int64_t i = 1; i <= n; ++i) {
      s.step = i;
      bridge.on_step(s);
    }
  });
  worker->start();
  std::vector<std::int64_t> got;
  got.reserve(n);
  while (!worker->isFinished() || got.size() < static_cast<std::size_t>(n)) {
    for (const auto& e : bridge.take().steps) got.push_back(e.step);
    QThread::usleep(200);
    if (worker->isFinished() && got.size() < static_cast<std::size_t>(n)) {
      for (const auto& e : bridge.take().steps) got.push_back(e.step);
      break;
    }
  }
  worker->wait();
  delete worker;
  QCOMPARE(got.size(), static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) QCOMPARE(got[static_cast<std::size_t>(i)], i + 1);
  QCOMPARE(bridge.droppedSteps(), std::size_t{0});
  QVERIFY(notifications.load() < n / 10);  // far fewer notifications than events
}

void TestBridge::pendingStepsAreBounded() {
  QtEventBridge bridge;
  StepEvent s;
  const std::size_t extra = 1000;
  for (std::size_t i = 0; i < QtEventBridge::kMaxPendingSteps + extra; ++i) bridge.on_step(s);
  QCOMPARE(bridge.highWater(), QtEventBridge::kMaxPendingSteps);
  QCOMPARE(bridge.droppedSteps(), extra);
  const auto b = bridge.take();
  QCOMPARE(b.steps.size(), QtEventBridge::kMaxPendingSteps);
  QCOMPARE(b.dropped_steps, extra);
  // Other events are never dropped: a run's end always arrives.
  bridge.on_run_finished(RunFinished{});
  QCOMPARE(bridge.take().finished.size(), std::size_t{1});
}

QTEST_GUILESS_MAIN(TestBridge)
#include "test_bridge.moc"
