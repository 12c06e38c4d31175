// The batchers as a user of Triton or Clipper expects them: real-time serves one at a time,
// fixed waits for its batch, dynamic runs full or preferred batches at once and never makes a
// request wait past max delay (plus the batch already running), serving batch 1 at low load and
// full batches at high load; adaptive moves its limit until the p99 objective holds.
#include <QtTest>

#include <algorithm>
#include <cmath>

#include "engine/serve/aimd_limit.h"
#include "engine/serve/batcher.h"
#include "engine/serve/serving_sim.h"

using namespace batchlab;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

BatcherConfig dynamic(std::int64_t max_batch, double delay_s, std::vector<std::int64_t> preferred = {}) {
  BatcherConfig b;
  b.mode = BatchMode::dynamic;
  b.max_batch = max_batch;
  b.max_delay_s = delay_s;
  b.preferred = std::move(preferred);
  return b;
}

ServeOptions poisson(double rate, double duration_s, const BatcherConfig& b) {
  ServeOptions o;
  o.workload.rate = rate;
  o.workload.duration_s = duration_s;
  o.workload.seed = 3;
  o.batcher = b;
  o.virtual_clock = true;
  return o;
}

struct Bounds {
  std::int64_t largest_batch = 0;
  double longest_wait = 0.0;
  double longest_compute = 0.0;
};

Bounds observe(const ServeOptions& o, ServiceTimes& service, ServeResult& r) {
  Bounds b;
  r = simulate_serving(o, service, {.on_request = [&](const RequestRecord& q) {
    b.largest_batch = std::max(b.largest_batch, q.batch_size);
    b.longest_wait = std::max(b.longest_wait, q.wait());
    b.longest_compute = std::max(b.longest_compute, q.compute());
  }});
  return b;
}

}  // namespace

class TestServeBatcher : public QObject {
  Q_OBJECT

 private slots:
  void decisions() {
    BatcherConfig realtime;
    realtime.mode = BatchMode::realtime;
    QCOMPARE(decide_batch(realtime, 1, 10, 0.0, 0.0, false).dispatch, std::int64_t{1});
    QCOMPARE(decide_batch(realtime, 1, 0, 0.0, 0.0, false).dispatch, std::int64_t{0});

    BatcherConfig fixed;
    fixed.mode = BatchMode::fixed;
    QCOMPARE(decide_batch(fixed, 8, 7, 0.0, 5.0, false).dispatch, std::int64_t{0});
    QVERIFY(std::isinf(decide_batch(fixed, 8, 7, 0.0, 5.0, false).wake_at));
    QCOMPARE(decide_batch(fixed, 8, 9, 0.0, 5.0, false).dispatch, std::int64_t{8});
    QCOMPARE(decide_batch(fixed, 8, 3, 0.0, 5.0, true).dispatch, std::int64_t{3});  // flush

    // Triton: 7 queued with preferred sizes 4 and 8 runs 4 now (the largest it can fill).
    const BatcherConfig pref = dynamic(16, 0.010, {4, 8});
    QCOMPARE(decide_batch(pref, 16, 7, 0.0, 0.0, false).dispatch, std::int64_t{4});
    QCOMPARE(decide_batch(pref, 16, 9, 0.0, 0.0, false).dispatch, std::int64_t{8});
    QCOMPARE(decide_batch(pref, 16, 20, 0.0, 0.0, false).dispatch, std::int64_t{16});
    // 3 queued fill no preferred size: wait until the oldest has waited 10 ms, then run all 3.
    const BatchDecision wait = decide_batch(pref, 16, 3, 1.0, 1.004, false);
    QCOMPARE(wait.dispatch, std::int64_t{0});
    QCOMPARE(wait.wake_at, 1.010);
    QCOMPARE(decide_batch(pref, 16, 3, 1.0, 1.010, false).dispatch, std::int64_t{3});
    // No delay: whatever is queued runs at once, up to max batch.
    QCOMPARE(decide_batch(dynamic(16, 0.0), 16, 3, 0.0, 0.0, false).dispatch, std::int64_t{3});
    QCOMPARE(decide_batch(dynamic(16, 0.0), 16, 40, 0.0, 0.0, false).dispatch, std::int64_t{16});
    // Adaptive uses the limit it is given, ignoring preferred sizes.
    BatcherConfig adaptive = dynamic(64, 0.0, {4});
    adaptive.mode = BatchMode::adaptive;
    QCOMPARE(decide_batch(adaptive, 6, 40, 0.0, 0.0, false).dispatch, std::int64_t{6});
    QCOMPARE(decide_batch(adaptive, 6, 5, 0.0, 0.0, false).dispatch, std::int64_t{5});
    (void)kInf;
  }

  // Below saturation no request waits longer than max delay plus one batch already running,
  // and no batch exceeds max batch.
  void dynamicNeverExceedsMaxBatchOrMaxDelay_data() {
    QTest::addColumn<double>("rate");
    QTest::addColumn<double>("delay_ms");
    QTest::addColumn<qint64>("max_batch");
    QTest::newRow("light, 2 ms") << 200.0 << 2.0 << qint64{32};
    QTest::newRow("busy, 2 ms") << 4000.0 << 2.0 << qint64{32};
    QTest::newRow("busy, preferred") << 4000.0 << 5.0 << qint64{16};
    QTest::newRow("heavy, 1 ms") << 9000.0 << 1.0 << qint64{64};
  }
  void dynamicNeverExceedsMaxBatchOrMaxDelay() {
    QFETCH(double, rate);
    QFETCH(double, delay_ms);
    QFETCH(qint64, max_batch);
    LinearServiceTimes service(1e-3, 0.02e-3);  // capacity at 64: ~28 000 req/s
    ServeResult r;
    const Bounds b = observe(poisson(rate, 20.0, dynamic(max_batch, delay_ms * 1e-3,
                                                         QTest::currentDataTag() == QByteArray("busy, preferred")
                                                             ? std::vector<std::int64_t>{4, 8}
                                                             : std::vector<std::int64_t>{})),
                             service, r);
    QVERIFY(!r.saturated);
    QVERIFY(b.largest_batch <= max_batch);
    QVERIFY2(b.longest_wait <= delay_ms * 1e-3 + b.longest_compute + 1e-12,
             qPrintable(QString("waited %1 ms; delay %2 ms + compute %3 ms")
                            .arg(b.longest_wait * 1e3)
                            .arg(delay_ms)
                            .arg(b.longest_compute * 1e3)));
  }

  void dynamicServesBatchOneAtLowLoadAndFillsAtHighLoad() {
    LinearServiceTimes service(1e-3, 0.1e-3);  // batch of 8: 1.8 ms; capacity 4 400 req/s
    ServeResult low;
    observe(poisson(20.0, 30.0, dynamic(8, 0.5e-3)), service, low);
    QVERIFY2(static_cast<double>(low.batch_histogram[1]) >= 0.97 * static_cast<double>(low.batches),
             qPrintable(QString("batch 1 in %1 of %2 batches").arg(low.batch_histogram[1]).arg(low.batches)));
    ServeResult high;
    const Bounds b = observe(poisson(4200.0, 10.0, dynamic(8, 0.5e-3)), service, high);
    QVERIFY(b.largest_batch <= 8);
    QVERIFY2(high.mean_batch > 7.0, qPrintable(QString::number(high.mean_batch)));
    QVERIFY2(static_cast<double>(high.batch_histogram[8]) > 0.7 * static_cast<double>(high.batches),  // at rho 0.95 the queue still empties now and then
             qPrintable(QString("full in %1 of %2 batches").arg(high.batch_histogram[8]).arg(high.batches)));
  }

  void realtimeIsAlwaysBatchOne() {
    BatcherConfig b;
    b.mode = BatchMode::realtime;
    b.max_batch = 64;
    LinearServiceTimes service(1e-3, 0.0);
    ServeResult r;
    const Bounds bounds = observe(poisson(800.0, 5.0, b), service, r);
    QCOMPARE(bounds.largest_batch, std::int64_t{1});
    QCOMPARE(r.batches, r.served);
  }

  // AIMD: additive increase while p99 holds, ×0.9 when missed; a backlog with batches that
  // still fit the objective grows the limit instead.
  void aimdSteps() {
    BatcherConfig b;
    b.mode = BatchMode::adaptive;
    b.max_batch = 40;
    b.slo_p99_s = 0.010;
    AimdLimit a(b);
    QCOMPARE(a.limit(), std::int64_t{1});
    for (int i = 0; i < 29; ++i) a.update(0.005, 0.002, false);
    QCOMPARE(a.limit(), std::int64_t{30});
    a.update(0.020, 0.004, false);
    QCOMPARE(a.limit(), std::int64_t{27});
    a.update(0.020, 0.004, true);  // backlog, batches fit: more capacity
    QCOMPARE(a.limit(), std::int64_t{28});
    a.update(0.020, 0.015, true);  // the batch alone misses: smaller
    QCOMPARE(a.limit(), std::int64_t{25});
    for (int i = 0; i < 100; ++i) a.update(0.001, 0.001, false);
    QCOMPARE(a.limit(), std::int64_t{40});  // never above max batch
    QCOMPARE(a.settled(), std::int64_t{40});
    for (int i = 0; i < 100; ++i) a.update(1.0, 1.0, false);
    QCOMPARE(a.limit(), std::int64_t{1});  // never below 1
  }

  // Overloaded at batch 1 (capacity 500 req/s against 3 000 offered), the adaptive batcher
  // grows its limit until the queue drains and ends holding the objective.
  void adaptiveGrowsOutOfABacklogAndHoldsTheObjective() {
    BatcherConfig b;
    b.mode = BatchMode::adaptive;
    b.max_batch = 128;
    b.slo_p99_s = 0.020;
    b.adapt_window = 100;
    LinearServiceTimes service(2e-3, 0.05e-3);
    ServeOptions o = poisson(3000.0, 30.0, b);
    std::vector<double> late;
    const ServeResult r = simulate_serving(o, service, {.on_request = [&](const RequestRecord& q) {
      if (q.arrival > 20.0) late.push_back(q.latency());
    }});
    QVERIFY(!r.saturated);
    QVERIFY(r.settled_limit >= 8);  // capacity of a batch of 8: 3 300 req/s
    std::sort(late.begin(), late.end());
    const double p99 = late[static_cast<std::size_t>(0.99 * static_cast<double>(late.size()))];
    QVERIFY2(p99 <= b.slo_p99_s, qPrintable(QString("p99 over the last 10 s: %1 ms").arg(p99 * 1e3)));
  }

  // With a queue delay to fill its batches, a large limit makes requests wait for company the
  // objective cannot afford: the limit comes down and settles where the p99 holds.
  void adaptiveSettlesUnderTheObjective() {
    BatcherConfig b;
    b.mode = BatchMode::adaptive;
    b.max_batch = 64;
    b.max_delay_s = 0.030;  // a batch may wait 30 ms to fill: far over the objective
    b.slo_p99_s = 0.010;
    b.adapt_window = 100;
    LinearServiceTimes service(1e-3, 0.05e-3);
    ServeOptions o = poisson(1000.0, 60.0, b);
    std::vector<double> late;
    const ServeResult r = simulate_serving(o, service, {.on_request = [&](const RequestRecord& q) {
      if (q.arrival > 40.0) late.push_back(q.latency());
    }});
    // Filling L requests at 1 000 req/s takes L ms: the p99 holds only for small limits.
    QVERIFY2(r.settled_limit >= 2 && r.settled_limit <= 10,
             qPrintable(QString("settled on %1").arg(r.settled_limit)));
    std::sort(late.begin(), late.end());
    const double p99 = late[static_cast<std::size_t>(0.99 * static_cast<double>(late.size()))];
    QVERIFY2(p99 <= 1.2 * b.slo_p99_s, qPrintable(QString("p99 over the last 20 s: %1 ms").arg(p99 * 1e3)));
    QVERIFY(r.limit_updates > 100);
  }
};

QTEST_APPLESS_MAIN(TestServeBatcher)
#include "test_serve_batcher.moc"
