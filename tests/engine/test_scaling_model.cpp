// The data-parallel scaling model (metrics/scaling_model.h): R = 1 is the measurement, the ring
// all-reduce matches numbers worked by hand, strong scaling stops at one sample per device,
// rows past B_noise are marked, `batchlab-cli scale` prints it labelled as a model, and on this
// machine the model fed from a one-replica run predicts the measured two-replica step.
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "backend_test_data.h"
#include "check_helpers.h"
#include "cli_process.h"
#include "engine/backend/backend.h"
#include "engine/core/errors.h"
#include "engine/core/event_sink.h"
#include "engine/metrics/scaling_model.h"
#include "engine/model/mlp_spec.h"
#include "engine/train/trainer.h"

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

struct StepRecorder : EventSink {
  std::vector<StepEvent> steps;
  void on_run_started(const RunStarted&) override {}
  void on_step(const StepEvent& e) override { steps.push_back(e); }
  void on_eval(const EvalEvent&) override {}
  void on_log(const LogEvent&) override {}
  void on_run_finished(const RunFinished&) override {}
};

// A small MLP whose step is a few milliseconds of compute on one core: long enough that waking
// a thread (µs) is noise, short enough that the test's six runs take about a second.
RunConfig timed_config(int replicas) {
  RunConfig c;
  c.seed = 3;
  c.device = "cpu";
  c.model.hidden = {256, 256};
  c.optimizer.kind = OptimizerKind::sgd;
  c.optimizer.lr = 0.01;
  c.batch.size = 256;
  c.stop.epochs.reset();
  c.stop.max_steps = 100;
  c.eval.every_epochs.reset();
  // One core per replica: the R = 1 run is one replica's share of the machine, the device the
  // model multiplies (two replicas with two threads each would fight over two cores).
  c.threads = replicas;
  c.parallel.replicas = replicas;
  return c;
}

std::vector<StepEvent> timed_run(const RunConfig& c, const DatasetSplit& data) {
  auto backend = make_cpu_backend(c.threads, 0);
  StepRecorder rec;
  TrainerInputs in;
  in.run_id = 1;
  in.config = &c;
  in.data = &data;
  in.backend = backend.get();
  in.sink = &rec;
  const RunFinished f = train(in);
  if (f.status != RunStatus::completed) qFatal("timed run: %s", f.reason.c_str());
  return rec.steps;
}

// Median step_ms after the warm-up steps the model also leaves out.
double median_step_s(const std::vector<StepEvent>& steps) {
  std::vector<double> ms;
  for (std::size_t i = std::min(kWarmupSteps, steps.size() / 2); i < steps.size(); ++i)
    ms.push_back(steps[i].step_ms);
  std::nth_element(ms.begin(), ms.begin() + static_cast<std::ptrdiff_t>(ms.size() / 2), ms.end());
  return ms[ms.size() / 2] * 1e-3;
}

// The 1-minute load average (/proc/loadavg); 0 where there is none.
double load_average() {
  double load = 0.0;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load) != 1) load = 0.0;
    std::fclose(f);
  }
  return load;
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
    // Data-parallel steps: compute_ms is the slowest replica's, over its replica_batch rows.
    std::vector<StepEvent> parallel = {step_with(64, 2.0), step_with(64, 2.0)};
    for (auto& s : parallel) {
      s.replicas = 2;
      s.replica_batch = 32;
    }
    QVERIFY(close(compute_seconds_per_sample(parallel), 2e-3 / 32));
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
    QCOMPARE(link_preset_names(), std::string("nvlink, pcie, 100gbe, infiniband, host"));
    for (const auto& p : kLinkPresets) QVERIFY(p.gbit_per_s > 0 && p.latency_us > 0);
    ScalingInputs in = hand_inputs();
    in.compute_s_per_sample = 0;
    QVERIFY(error_of([&] { predict_scaling(in, ScalingMode::weak); }).find("compute time") !=
            std::string::npos);
    in = hand_inputs();
    in.bytes_per_s = 0;
    QVERIFY(!error_of([&] { predict_scaling(in, ScalingMode::weak); }).empty());
  }

  // Issue 12's check: a real one-replica run's compute per sample and gradient size, over the
  // host-memory link, predict a real two-replica run's median step within 25 % (strong scaling:
  // the same global batch, half of it per replica). Each side is measured five times,
  // alternating, and the fastest median kept: other processes on a shared machine only ever add
  // time, and two replicas need two free cores at once, so one disturbed run says nothing about
  // the model.
  void twoReplicasOnThisMachineAgreeWithTheModel() {
    if (std::thread::hardware_concurrency() < 2)
      QSKIP("one core: two replicas would take turns, which the model does not describe");
    DatasetSplit data;
    data.train = testdata::random_classification(2048, 32, 10, 21);
    data.val = testdata::random_classification(64, 32, 10, 22);
    const RunConfig one = timed_config(1);
    const RunConfig two = timed_config(2);
    double c = kNaN, measured = kNaN;
    for (int round = 0; round < 5; ++round) {
      const double c_round = compute_seconds_per_sample(timed_run(one, data));
      const double two_round = median_step_s(timed_run(two, data));
      c = std::isnan(c) ? c_round : std::min(c, c_round);
      measured = std::isnan(measured) ? two_round : std::min(measured, two_round);
    }
    const LinkPreset* host = find_link_preset("host");
    QVERIFY(host != nullptr);
    ScalingInputs in;
    in.compute_s_per_sample = c;
    in.gradient_bytes =
        4.0 * static_cast<double>(mlp_parameter_count(mlp_spec_for(one, data.train)));
    in.batch = one.batch.size;
    in.bytes_per_s = host->gbit_per_s * 1e9 / 8.0;
    in.latency_s = host->latency_us * 1e-6;
    in.max_replicas = 2;
    const auto rows = predict_scaling(in, ScalingMode::strong);
    QCOMPARE(rows.size(), std::size_t{2});
    const double predicted = rows[1].step_s;
    const double error = (predicted - measured) / measured;
    const QString numbers =
        QString(
            "R=1: %1 ms compute per step of %2 (%3 µs per sample); R=2 measured %4 ms, "
            "model %5 ms (compute %6 + all-reduce %7), error %8 %")
            .arg(c * 1e3 * static_cast<double>(in.batch), 0, 'f', 3)
            .arg(in.batch)
            .arg(c * 1e6, 0, 'f', 3)
            .arg(measured * 1e3, 0, 'f', 3)
            .arg(predicted * 1e3, 0, 'f', 3)
            .arg(rows[1].compute_s * 1e3, 0, 'f', 3)
            .arg(rows[1].allreduce_s * 1e3, 0, 'f', 3)
            .arg(100.0 * error, 0, 'f', 1);
    qInfo("%s", qPrintable(numbers));
    // Two replicas need two free cores at once. When other processes keep more cores busy than
    // there are (the 1-minute load average counts this test's own two threads too), a miss
    // measures them, not the model: said and skipped, never passed.
    const double load = load_average();
    const double cores = std::thread::hardware_concurrency();
    if (std::fabs(error) > 0.25 && load > cores + 0.5)
      QSKIP(qPrintable(QString("the machine is oversubscribed (load average %1 on %2 cores); %3")
                           .arg(load, 0, 'f', 1)
                           .arg(cores)
                           .arg(numbers)));
    QVERIFY2(std::fabs(error) <= 0.25, qPrintable(numbers));
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
