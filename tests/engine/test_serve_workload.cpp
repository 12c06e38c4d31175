// Workloads and the numbers a serving run reports: arrival processes have the rate and shape
// they promise, a trace plays back exactly and a bad line is named by file and line, and the
// latency histogram's percentiles are within its stated 0.8 % of the exact ones.
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "check_helpers.h"
#include "engine/core/rng.h"
#include "engine/serve/arrivals.h"
#include "engine/serve/latency_histogram.h"
#include "engine/serve/serving_sim.h"

using namespace batchlab;
using batchlab::testing::error_of;
using batchlab::testing::relative_error;

namespace {

std::vector<double> all_arrivals(const WorkloadConfig& w) {
  ArrivalStream s(w);
  std::vector<double> t;
  while (!std::isinf(s.peek())) {
    t.push_back(s.peek());
    s.pop();
  }
  return t;
}

std::string write_trace(const QTemporaryDir& dir, const char* name, const std::string& text) {
  const std::string path = dir.filePath(name).toStdString();
  std::ofstream(path) << text;
  return path;
}

}  // namespace

class TestServeWorkload : public QObject {
  Q_OBJECT

 private slots:
  void poissonHasItsRateAndExponentialGaps() {
    WorkloadConfig w;
    w.rate = 2000.0;
    w.duration_s = 50.0;
    const auto t = all_arrivals(w);
    QVERIFY(relative_error(static_cast<double>(t.size()), 100000.0) < 0.02);
    // Exponential gaps: the coefficient of variation is 1.
    double sum = 0, sum2 = 0;
    for (std::size_t i = 1; i < t.size(); ++i) {
      const double g = t[i] - t[i - 1];
      QVERIFY(g >= 0);
      sum += g;
      sum2 += g * g;
    }
    const double n = static_cast<double>(t.size() - 1);
    const double mean = sum / n;
    const double cv = std::sqrt(sum2 / n - mean * mean) / mean;
    QVERIFY2(std::fabs(cv - 1.0) < 0.02, qPrintable(QString::number(cv)));
    QVERIFY(t.back() < 50.0);
    // Same seed, same times; another seed, others.
    QCOMPARE(all_arrivals(w), t);
    w.seed = 2;
    QVERIFY(all_arrivals(w) != t);
  }

  void constantAndBurstsKeepTheMeanRate() {
    WorkloadConfig w;
    w.arrivals = ArrivalKind::constant;
    w.rate = 100.0;
    w.duration_s = 1.0;
    const auto c = all_arrivals(w);
    QCOMPARE(c.size(), std::size_t{100});
    QCOMPARE(c[0], 0.0);
    QCOMPARE(c[37], 0.37);
    w.arrivals = ArrivalKind::bursts;
    w.burst_size = 10;
    const auto b = all_arrivals(w);
    QCOMPARE(b.size(), std::size_t{100});  // 10 bursts of 10 in one second
    for (std::size_t i = 0; i < b.size(); ++i) QCOMPARE(b[i], static_cast<double>(i / 10) * 0.1);
  }

  void traceReadsAndPlaysBack() {
    QTemporaryDir dir;
    const auto path = write_trace(dir, "ok.csv", "arrival_s\n0\n0.001, client a\n\n# pause\n0.5\n0.5\n2\n");
    const auto times = read_arrival_trace(path);
    QCOMPARE(times, (std::vector<double>{0, 0.001, 0.5, 0.5, 2}));
    ServeOptions o;
    o.workload.arrivals = ArrivalKind::trace;
    o.workload.duration_s = std::numeric_limits<double>::infinity();
    o.trace = times;
    o.batcher.mode = BatchMode::realtime;
    o.virtual_clock = true;
    LinearServiceTimes service(0.01, 0.0);
    std::vector<double> arrivals;
    const ServeResult r = simulate_serving(o, service, {.on_request = [&](const RequestRecord& q) {
      arrivals.push_back(q.arrival);
    }});
    QCOMPARE(arrivals, times);
    QCOMPARE(r.served, std::int64_t{5});
    // The two requests at 0.5 s: the second waits for the first.
    QCOMPARE(r.max_s, 0.02);
  }

  void badTraceLinesAreNamedByFileAndLine() {
    QTemporaryDir dir;
    const auto bad = write_trace(dir, "bad.csv", "0.1\n0.2\nsoon\n");
    QCOMPARE(error_of([&] { read_arrival_trace(bad); }),
             bad + ":3: expected an arrival time in seconds, got \"soon\"");
    const auto back = write_trace(dir, "back.csv", "0.1\n0.3\n0.2\n");
    QVERIFY(error_of([&] { read_arrival_trace(back); }).starts_with(back + ":3: arrival times must not decrease"));
    const auto negative = write_trace(dir, "neg.csv", "t\n-1\n");
    QVERIFY(error_of([&] { read_arrival_trace(negative); }).starts_with(negative + ":2: "));
    const auto empty = write_trace(dir, "empty.csv", "# nothing\n");
    QVERIFY(error_of([&] { read_arrival_trace(empty); }).find("no times") != std::string::npos);
    QVERIFY(error_of([&] { read_arrival_trace(dir.filePath("none.csv").toStdString()); })
                .find("cannot read") != std::string::npos);
  }

  void histogramPercentilesAreWithinTheirResolution() {
    Rng rng(11);
    LatencyHistogram h;
    std::vector<double> exact;
    for (int i = 0; i < 100000; ++i) {
      const double v = std::exp(rng.normal(std::log(2e-3), 1.0));  // ~2 ms, spread over decades
      exact.push_back(v);
      h.add(v);
    }
    std::sort(exact.begin(), exact.end());
    for (const double q : {0.5, 0.9, 0.99, 0.999}) {
      const double want = exact[static_cast<std::size_t>(std::ceil(q * 100000.0)) - 1];
      QVERIFY2(relative_error(h.percentile(q), want) < 0.008,
               qPrintable(QString("q %1: %2 vs %3").arg(q).arg(h.percentile(q)).arg(want)));
    }
    QCOMPARE(h.max(), exact.back());
    QCOMPARE(h.min(), exact.front());
    QCOMPARE(h.count(), std::int64_t{100000});
    h.reset();
    QVERIFY(std::isnan(h.percentile(0.5)));
    h.add(5e-8);  // below the finest bucket's width: still exact via min/max clamping
    QCOMPARE(h.percentile(0.99), 5e-8);
  }
};

QTEST_APPLESS_MAIN(TestServeWorkload)
#include "test_serve_workload.moc"
