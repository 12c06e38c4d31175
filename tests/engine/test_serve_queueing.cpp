// The serving simulation against queueing theory and its own bookkeeping, on the virtual clock
// with given service times (deterministic, no model): batch-1 Poisson serving is an M/D/1
// queue, every request is accounted for exactly once, latency is wait + compute, and an
// overloaded server says it saturated, ends on time and keeps its memory bounded.
#include <QtTest>

#include <cmath>

#include "check_helpers.h"
#include "engine/serve/serving_sim.h"

using namespace batchlab;
using batchlab::testing::relative_error;

namespace {

ServeOptions poisson(double rate, double duration_s, BatchMode mode = BatchMode::realtime) {
  ServeOptions o;
  o.workload.arrivals = ArrivalKind::poisson;
  o.workload.rate = rate;
  o.workload.duration_s = duration_s;
  o.workload.seed = 7;
  o.batcher.mode = mode;
  o.virtual_clock = true;
  return o;
}

// M/D/1 (Pollaczek–Khinchine with a deterministic service time 1/μ): W_q = ρ / (2μ(1 − ρ)).
double md1_mean_wait(double rho, double service_s) {
  return rho * service_s / (2.0 * (1.0 - rho));
}

void check_accounting(const ServeResult& r) {
  QCOMPARE(r.served + r.dropped + r.rejected + r.unfinished, r.arrived);
  std::int64_t in_batches = 0, batches = 0;
  for (std::size_t n = 0; n < r.batch_histogram.size(); ++n) {
    in_batches += static_cast<std::int64_t>(n) * r.batch_histogram[n];
    batches += r.batch_histogram[n];
  }
  QCOMPARE(in_batches, r.served);
  QCOMPARE(batches, r.batches);
}

}  // namespace

class TestServeQueueing : public QObject {
  Q_OBJECT

 private slots:
  void batchOnePoissonMatchesMD1_data() {
    QTest::addColumn<double>("rho");
    QTest::newRow("rho 0.5") << 0.5;
    QTest::newRow("rho 0.8") << 0.8;
  }
  void batchOnePoissonMatchesMD1() {
    QFETCH(double, rho);
    const double service = 1e-3;  // μ = 1000 requests/s
    LinearServiceTimes fixed(service, 0.0);
    // ~400 000 requests: the mean wait at ρ = 0.8 is then known to a few percent.
    const ServeResult r = simulate_serving(poisson(rho / service, 500.0), fixed);
    const double want = md1_mean_wait(rho, service);
    QVERIFY2(relative_error(r.mean_wait_s, want) < 0.10,
             qPrintable(QString("mean wait %1 ms, M/D/1 says %2 ms")
                            .arg(r.mean_wait_s * 1e3)
                            .arg(want * 1e3)));
    QVERIFY(relative_error(r.mean_compute_s, service) < 1e-9);  // sums of clock differences
    QVERIFY(!r.saturated);
    QCOMPARE(r.unfinished, std::int64_t{0});
    QVERIFY(relative_error(r.utilization, rho) < 0.02);
    QVERIFY(relative_error(r.throughput, rho / service) < 0.02);
    check_accounting(r);
  }

  // Every arrival ends one way, and every served request's latency is its queue wait plus its
  // batch's compute, with the wait never negative — in every mode, with and without a cap.
  void everyRequestIsAccountedFor_data() {
    QTest::addColumn<int>("mode");
    QTest::addColumn<qint64>("cap");
    QTest::addColumn<int>("policy");
    for (const BatchMode m :
         {BatchMode::realtime, BatchMode::fixed, BatchMode::dynamic, BatchMode::adaptive})
      for (const qint64 cap : {qint64{0}, qint64{5}})
        for (const QueuePolicy p : {QueuePolicy::reject, QueuePolicy::drop})
          QTest::newRow(qPrintable(QString("%1 cap %2 %3")
                                       .arg(QString::fromUtf8(to_string(m).data()))
                                       .arg(cap)
                                       .arg(QString::fromUtf8(to_string(p).data()))))
              << static_cast<int>(m) << cap << static_cast<int>(p);
  }
  void everyRequestIsAccountedFor() {
    QFETCH(int, mode);
    QFETCH(qint64, cap);
    QFETCH(int, policy);
    ServeOptions o = poisson(3000.0, 3.0, static_cast<BatchMode>(mode));
    o.batcher.max_batch = 8;
    o.batcher.max_delay_s = 1e-3;
    o.batcher.queue_cap = cap;
    o.batcher.policy = static_cast<QueuePolicy>(policy);
    o.batcher.slo_p99_s = 5e-3;
    LinearServiceTimes service(0.5e-3, 0.1e-3);
    std::int64_t seen = 0;
    double worst = 0.0;
    bool negative = false;
    const ServeResult r = simulate_serving(o, service, {.on_request = [&](const RequestRecord& q) {
      ++seen;
      worst = std::max(worst, std::fabs(q.latency() - (q.wait() + q.compute())));
      negative |= q.wait() < 0 || q.compute() <= 0;
      negative |= std::fabs(q.compute() - (0.5e-3 + 0.1e-3 * static_cast<double>(q.batch_size))) > 1e-12;
    }});
    check_accounting(r);
    QCOMPARE(seen, r.served);
    QVERIFY(worst < 1e-12);
    QVERIFY(!negative);
    QVERIFY(r.arrived > 8000);
    if (cap > 0) {
      QVERIFY(r.max_queue_depth <= cap);
      if (static_cast<QueuePolicy>(policy) == QueuePolicy::drop)
        QCOMPARE(r.rejected, std::int64_t{0});
      else
        QCOMPARE(r.dropped, std::int64_t{0});
    } else {
      QCOMPARE(r.dropped + r.rejected, std::int64_t{0});
    }
  }

  // λ three times the capacity: the run says so, names the rate it kept up with, still ends at
  // duration + drain, and its queue stays under the bound it was given.
  void overloadSaturatesEndsOnTimeAndStaysBounded() {
    ServeOptions o = poisson(3000.0, 5.0);
    o.queue_bound = 2000;
    LinearServiceTimes service(1e-3, 0.0);
    const ServeResult r = simulate_serving(o, service);
    QVERIFY(r.saturated);
    QVERIFY2(relative_error(r.saturated_at, 1000.0) < 0.02, qPrintable(QString::number(r.saturated_at)));
    QVERIFY(QString::fromStdString(saturation_text(r)).startsWith("saturated at ≈ 1.00k req/s"));
    QVERIFY(r.hit_queue_bound);
    QVERIFY(r.max_queue_depth <= 2000);
    QVERIFY(r.rejected > 0);
    QVERIFY(r.unfinished > 0);
    QVERIFY(r.elapsed_s <= 5.0 + 1.25 + 1e-3);  // drain: max(1 s, duration / 4)
    check_accounting(r);

    // Below capacity the same server is not saturated.
    const ServeResult calm = simulate_serving(poisson(700.0, 5.0), service);
    QVERIFY(!calm.saturated);
    QCOMPARE(calm.saturated_at, 0.0);
    QVERIFY(saturation_text(calm).empty());
  }

  // A fixed batcher at low load waits for its batch: not a saturated server, and the remainder
  // runs once arrivals stop.
  void fixedBatchesWaitAndFlushAtTheEnd() {
    ServeOptions o = poisson(50.0, 4.0, BatchMode::fixed);
    o.batcher.max_batch = 16;
    LinearServiceTimes service(1e-3, 0.0);
    std::int64_t smaller = 0;
    const ServeResult r = simulate_serving(o, service, {.on_request = [&](const RequestRecord& q) {
      smaller += q.batch_size != 16;
    }});
    QVERIFY(!r.saturated);
    QCOMPARE(r.unfinished, std::int64_t{0});
    QCOMPARE(r.served, r.arrived);
    QVERIFY(smaller < 16);  // only the last batch is short
    QVERIFY(r.mean_wait_s > 0.1);  // ~ half of 16 / 50 s
  }

  void stopEndsTheRunEarly() {
    RunControl control;
    control.request_stop();
    LinearServiceTimes service(1e-3, 0.0);
    const ServeResult r = simulate_serving(poisson(100.0, 10.0), service, {.sink = nullptr, .control = &control, .on_request = {}});
    QVERIFY(r.stopped);
    QCOMPARE(r.served, std::int64_t{0});
  }

  void impossibleOptionsAreErrors() {
    LinearServiceTimes service(1e-3, 0.0);
    QVERIFY(!batchlab::testing::error_of([&] { simulate_serving(poisson(0.0, 1.0), service); }).empty());
    ServeOptions adaptive = poisson(100.0, 1.0, BatchMode::adaptive);
    QVERIFY(batchlab::testing::error_of([&] { simulate_serving(adaptive, service); })
                .find("objective") != std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestServeQueueing)
#include "test_serve_queueing.moc"
