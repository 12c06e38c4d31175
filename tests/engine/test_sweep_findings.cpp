// What a sweep's runs say (metrics/sweep_findings), the one computation behind the CLI's
// findings lines and the report's: fastest to target from the mean over repeats, the throughput
// knee over measured runs only, and failed runs contributing no point.
#include <QtTest>

#include "engine/metrics/sweep_findings.h"

using namespace batchlab;

namespace {

OutcomePoint reached(double batch, double seconds, double rate = 1000.0) {
  OutcomePoint p;
  p.batch = batch;
  p.status = RunStatus::target_reached;
  p.summary.steps = 100;
  p.summary.samples_per_s_median = rate;
  p.summary.peak_memory_bytes = static_cast<std::int64_t>(batch) * 1000;
  p.summary.steps_to_target = 50;
  p.summary.time_to_target_s = seconds;
  return p;
}

OutcomePoint ended(double batch, RunStatus status) {
  OutcomePoint p;
  p.batch = batch;
  p.status = status;
  p.summary.steps = 40;
  p.summary.samples_per_s_median = 1e9;  // what a broken run might have recorded
  p.summary.peak_memory_bytes = 70 * 1024;
  p.summary.time_to_target_s = 0.001;
  p.summary.steps_to_target = 1;
  return p;
}

}  // namespace

class TestSweepFindings : public QObject {
  Q_OBJECT

 private slots:
  // One lucky repeat does not make a batch size the fastest: the mean over repeats does.
  void fastestIsTheLowestMeanOverRepeats() {
    const std::vector<OutcomePoint> runs = {reached(32, 10.0),  reached(32, 100.0),
                                            reached(64, 40.0),  reached(64, 42.0),
                                            reached(128, 60.0), reached(128, 61.0)};
    const SweepFindings f = sweep_findings(runs);
    QVERIFY(f.fastest.has_value());
    QCOMPARE(f.fastest->batch, 64.0);
    QCOMPARE(f.fastest->mean_s, 41.0);
    QCOMPARE(f.fastest->reached, 2);
    QCOMPARE(f.fastest->runs, 2);
    QCOMPARE(f.time_to_target.size(), std::size_t{6});
  }

  // A batch size where a repeat missed the target loses to one where every repeat got there;
  // only when none has all its repeats there do partial ones count.
  void everyRepeatMustReachTheTargetFirst() {
    OutcomePoint missed = reached(32, 0);
    missed.summary.time_to_target_s.reset();
    missed.summary.steps_to_target.reset();
    missed.status = RunStatus::completed;
    std::vector<OutcomePoint> runs = {reached(32, 5.0), missed, reached(64, 40.0)};
    QCOMPARE(sweep_findings(runs).fastest->batch, 64.0);
    runs = {reached(32, 5.0), missed};
    const SweepFindings partial = sweep_findings(runs);
    QCOMPARE(partial.fastest->batch, 32.0);
    QCOMPARE(partial.fastest->reached, 1);
    QCOMPARE(partial.fastest->runs, 2);
  }

  // Out of memory, diverged, failed and running runs are not data points of any kind.
  void failedRunsAreNotDataPoints() {
    const std::vector<OutcomePoint> runs = {
        reached(16, 30.0, 1000),         reached(32, 20.0, 1900),
        reached(64, 25.0, 2000),         ended(128, RunStatus::out_of_memory),
        ended(256, RunStatus::diverged), ended(512, RunStatus::failed),
        ended(8, RunStatus::running)};
    const SweepFindings f = sweep_findings(runs);
    QCOMPARE(f.throughput.size(), std::size_t{3});
    QCOMPARE(f.steps_to_target.size(), std::size_t{3});
    QCOMPARE(f.time_to_target.size(), std::size_t{3});
    for (const auto& p : f.throughput) QVERIFY(p.batch >= 16 && p.batch <= 64);
    QCOMPARE(f.fastest->batch, 32.0);
    QVERIFY(f.knee.has_value());
    QCOMPARE(*f.knee, 32.0);  // 1900 is within 10 % of 2000
    QVERIFY(!is_measurement(RunStatus::out_of_memory));
    QVERIFY(!is_measurement(RunStatus::diverged));
    QVERIFY(is_measurement(RunStatus::stopped));
  }

  // The knee is throughput_knee's over the measured runs with two or more steps.
  void kneeMatchesThroughputKnee() {
    std::vector<OutcomePoint> runs = {reached(8, 1, 500), reached(16, 1, 900), reached(32, 1, 1500),
                                      reached(64, 1, 1600)};
    OutcomePoint one_step = reached(128, 1, 5000);
    one_step.summary.steps = 1;
    runs.push_back(one_step);
    const SweepFindings f = sweep_findings(runs);
    QCOMPARE(f.throughput.size(), std::size_t{4});
    QCOMPARE(f.knee, throughput_knee(f.throughput));
    QCOMPARE(*f.knee, 32.0);
  }

  void nothingReachedNothingFastest() {
    OutcomePoint p = reached(16, 1.0);
    p.summary.time_to_target_s.reset();
    const std::vector<OutcomePoint> runs = {p};
    QVERIFY(!sweep_findings(runs).fastest.has_value());
    QVERIFY(!sweep_findings({}).knee.has_value());
  }
};

QTEST_APPLESS_MAIN(TestSweepFindings)
#include "test_sweep_findings.moc"
