// The data-parallel scaling model (metrics/scaling_model.h): R = 1 is the measurement, the ring
// all-reduce matches numbers worked by hand, strong scaling stops at one sample per device,
// rows past B_noise are marked, and `batchlab-cli scale` prints it labelled as a model.
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>

#include "check_helpers.h"
#include "cli_process.h"
#include "engine/core/errors.h"
#include "engine/metrics/scaling_model.h"

using namespace batchlab;
using batchlab::testing::error_of;
namespace fs = std::filesystem;

namespace {

StepEvent step_with(std::int64_t batch, double compute_ms) {
  StepEvent e;
  e.batch_size = batch;
  e.compute_ms = compute_ms;
  return e;
}

bool close(double a, double b) {
  return std::fabs(a - b) <= 1e-12 * std::max(1.0, std::fabs(b));
}

ScalingInputs hand_inputs() {
  ScalingInputs in;
  in.compute_s_per_sample = 1e-5;  // 10 µs per sample
  in.gradient_bytes = 1e6;         // 1 MB
  in.batch = 100;
  in.bytes_per_s = 1e9;  // 1 GB/s
  in.latency_s = 1e-5;   // 10 µs
  in.max_replicas = 1024;
  return in;
}

}  // namespace

class TestScalingModel : public QObject {
  Q_OBJECT

 private slots:
  // Warm-up steps are left out; the median of compute/batch is what R = 1 predicts.
  void replicaOneIsTheMeasurement() {
    std::vector<StepEvent> steps;
    for (int i = 0; i < 5; ++i) steps.push_back(step_with(64, 500.0));  // warm-up: slow
    for (const double ms : {3.2, 3.0, 3.1, 9.0, 3.3, 2.9, 3.2}) steps.push_back(step_with(64, ms));
    std::size_t used = 0;
    const double c = compute_seconds_per_sample(steps, &used);
    QCOMPARE(used, std::size_t{7});
    QVERIFY(close(c, 3.2e-3 / 64));  // the median of the seven, per sample
    ScalingInputs in = hand_inputs();
    in.compute_s_per_sample = c;
    in.batch = 64;
    for (const auto mode : {ScalingMode::weak, ScalingMode::strong}) {
      const auto rows = predict_scaling(in, mode);
      QCOMPARE(rows.front().replicas, 1);
      QVERIFY(close(rows.front().step_s, 3.2e-3));  // the measured median compute time
      QCOMPARE(rows.front().allreduce_s, 0.0);
      QCOMPARE(rows.front().efficiency, 1.0);
      QVERIFY(close(rows.front().samples_per_s, 64 / 3.2e-3));
    }
    // Few steps: half of them at most are taken as warm-up; none usable gives NaN.
    const std::vector<StepEvent> two = {step_with(8, 100.0), step_with(8, 1.0)};
    QVERIFY(close(compute_seconds_per_sample(two), 1e-3 / 8));
    QVERIFY(std::isnan(compute_seconds_per_sample(std::vector<StepEvent>{})));
    const std::vector<StepEvent> unmeasured = {step_with(8, kNaN), step_with(0, 1.0)};
    QVERIFY(std::isnan(compute_seconds_per_sample(unmeasured)));
  }

  // 2(R−1)/R · G/W + 2(R−1)·α, worked by hand for G = 1 MB, W = 1 GB/s, α = 10 µs.
  void ringAllReduceByHand() {
    QCOMPARE(ring_allreduce_seconds(1, 1e6, 1e9, 1e-5), 0.0);
    QVERIFY(close(ring_allreduce_seconds(2, 1e6, 1e9, 1e-5), 1.0e-3 + 2e-5));
    QVERIFY(close(ring_allreduce_seconds(4, 1e6, 1e9, 1e-5), 1.5e-3 + 6e-5));
    QVERIFY(close(ring_allreduce_seconds(1024, 1e6, 1e9, 1e-5),
                  2.0 * 1023 / 1024 * 1e-3 + 2 * 1023 * 1e-5));

    // Weak scaling, B = 100 per device: compute 1 ms at every R.
    const auto weak = predict_scaling(hand_inputs(), ScalingMode::weak);
    QCOMPARE(weak.size(), std::size_t{11});  // 1, 2, 4, …, 1024
    QCOMPARE(weak.back().replicas, 1024);
    const ScalingRow& r4 = weak[2];
    QCOMPARE(r4.replicas, 4);
    QCOMPARE(r4.per_device_batch, std::int64_t{100});
    QCOMPARE(r4.global_batch, std::int64_t{400});
    QVERIFY(close(r4.compute_s, 1e-3));
    QVERIFY(close(r4.allreduce_s, 1.56e-3));
    QVERIFY(close(r4.step_s, 2.56e-3));
    QVERIFY(close(r4.samples_per_s, 400 / 2.56e-3));  // 156250
    QVERIFY(close(r4.efficiency, 1e-3 / 2.56e-3));    // 0.390625

    // Strong scaling, global B = 100: R = 4 computes 25 samples per device.
    const auto strong = predict_scaling(hand_inputs(), ScalingMode::strong);
    const ScalingRow& s4 = strong[2];
    QCOMPARE(s4.per_device_batch, std::int64_t{25});
    QCOMPARE(s4.global_batch, std::int64_t{100});
    QVERIFY(close(s4.step_s, 0.25e-3 + 1.56e-3));
    QVERIFY(close(s4.efficiency, 1e-3 / (4 * 1.81e-3)));
    // An uneven split waits for the largest share: ⌈100/8⌉ = 13.
    QCOMPARE(strong[3].per_device_batch, std::int64_t{13});

    // A max that is not a power of two ends the list.
    ScalingInputs in = hand_inputs();
    in.max_replicas = 12;
    std::vector<int> rs;
    for (const auto& r : predict_scaling(in, ScalingMode::weak)) rs.push_back(r.replicas);
    QCOMPARE(rs, (std::vector<int>{1, 2, 4, 8, 12}));
  }

  void strongScalingStopsAtOneSamplePerDevice() {
    ScalingInputs in = hand_inputs();
    in.batch = 64;
    const auto rows = predict_scaling(in, ScalingMode::strong);
    QCOMPARE(rows.size(), std::size_t{7});  // 1 … 64
    QCOMPARE(rows.back().replicas, 64);
    QCOMPARE(rows.back().per_device_batch, std::int64_t{1});
    in.batch = 100;  // 128 > 100: the last row is 64, two samples per device
    QCOMPARE(predict_scaling(in, ScalingMode::strong).back().replicas, 64);
    in.batch = 1;
    QCOMPARE(predict_scaling(in, ScalingMode::strong).size(), std::size_t{1});
  }

  void rowsPastBNoiseAreMarked() {
    ScalingInputs in = hand_inputs();  // B = 100
    for (const auto& r : predict_scaling(in, ScalingMode::weak)) QVERIFY(!r.past_b_noise);
    in.b_noise = 300;
    const auto weak = predict_scaling(in, ScalingMode::weak);
    QVERIFY(!weak[0].past_b_noise);  // 100
    QVERIFY(!weak[1].past_b_noise);  // 200
    QVERIFY(weak[2].past_b_noise);   // 400
    QVERIFY(weak.back().past_b_noise);
    for (const auto& r : predict_scaling(in, ScalingMode::strong)) QVERIFY(!r.past_b_noise);
    in.b_noise = 50;  // the run's own batch is past it already
    for (const auto& r : predict_scaling(in, ScalingMode::strong)) QVERIFY(r.past_b_noise);
  }

  void linkPresetsAndBadInputs() {
    QVERIFY(find_link_preset("infiniband") != nullptr);
    QCOMPARE(find_link_preset("nvlink")->gbit_per_s, 3600.0);
    QVERIFY(find_link_preset("token-ring") == nullptr);
    QCOMPARE(link_preset_names(), std::string("nvlink, pcie, 100gbe, infiniband"));
    for (const auto& p : kLinkPresets) QVERIFY(p.gbit_per_s > 0 && p.latency_us > 0);
    ScalingInputs in = hand_inputs();
    in.compute_s_per_sample = 0;
    QVERIFY(error_of([&] { predict_scaling(in, ScalingMode::weak); }).find("compute time") !=
            std::string::npos);
    in = hand_inputs();
    in.bytes_per_s = 0;
    QVERIFY(!error_of([&] { predict_scaling(in, ScalingMode::weak); }).empty());
  }

  // A real run, then the CLI's tables: labelled as a model, weak rows to 1024, strong rows to
  // one sample per device, B_noise said to be unmeasured, bad input refused with exit 2.
  void theCliPrintsTheModelOfAStoredRun() {
    using batchlab::testing::cli;
    QTemporaryDir dir;
    const QString db = dir.filePath("runs.sqlite");
    const auto run = cli({"run", "spirals-mlp", "--db", db, "--set", "batch.size=32", "--set",
                          "stop.epochs=1", "--set", "stop.target=null", "--device", "cpu"});
    QVERIFY2(run.code == 0, qPrintable(run.err + run.out));
    const auto r = cli({"scale", "1", "--db", db, "--link", "pcie", "--max-replicas", "256"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("model, not a measurement"), qPrintable(r.out));
    QVERIFY(r.out.contains("weak scaling"));
    QVERIFY(r.out.contains("strong scaling"));
    QVERIFY(r.out.contains("link: pcie, 252 Gbit/s"));
    QVERIFY(r.out.contains("B_noise: not measured"));
    QVERIFY(r.out.contains("batch 32"));
    // Weak: 1, 2, …, 256 (9 rows); strong: 1 … 32 (6 rows); each row starts with R.
    int rows = 0;
    for (const QString& line : r.out.split('\n'))
      if (QRegularExpression("^\\s*\\d+\\s+\\d+\\s+\\d+\\s").match(line).hasMatch()) ++rows;
    QCOMPARE(rows, 9 + 6);
    const auto edited =
        cli({"scale", "1", "--db", db, "--bandwidth-gbps", "10", "--latency-us", "50"});
    QCOMPARE(edited.code, 0);
    QVERIFY(edited.out.contains("10 Gbit/s, 50 µs per message (edited)"));
    const auto link = cli({"scale", "1", "--db", db, "--link", "carrier-pigeon"});
    QCOMPARE(link.code, 2);
    QVERIFY2(link.err.contains("--link: unknown link \"carrier-pigeon\" (known: nvlink"),
             qPrintable(link.err));
    const auto missing = cli({"scale", "7", "--db", db});
    QCOMPARE(missing.code, 2);
    QVERIFY2(missing.err.contains("run 7 is not in the store"), qPrintable(missing.err));
    QCOMPARE(missing.err.count('\n'), 1);
  }
};

QTEST_GUILESS_MAIN(TestScalingModel)
#include "test_scaling_model.moc"
