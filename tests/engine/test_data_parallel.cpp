// Data-parallel training (engine/parallel/, DESIGN §7): R replicas at a global batch B give the
// single-device update within float32 rounding (accumulation on and off, overlap on and off,
// uneven splits), replicas stay bit-identical, shards differ by at most a row, step events carry
// the replicas and a compute / all-reduce / idle split that adds up, the step allocates nothing,
// and configs asking for impossible replica counts are refused naming parallel.replicas.
#include <QtTest>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <numeric>

#include "backend_test_data.h"
#include "engine/backend/backend.h"
#include "engine/core/errors.h"
#include "engine/core/extension_event.h"
#include "engine/experiment/config_io.h"
#include "engine/parallel/data_parallel.h"
#include "engine/parallel/shard_split.h"
#include "engine/train/trainer.h"
#include "forwarding_backend.h"

// Every operator new of the process is counted while g_counting is set, so a step that
// allocates (a vector, a std::function, a thread) shows up, whoever does it.
namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_news{0};
}  // namespace

void* operator new(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

using namespace batchlab;

namespace {

double max_relative_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]) / (1.0 + std::fabs(a[i])));
  return worst;
}

struct Recorder : EventSink {
  RunStarted started;
  std::vector<StepEvent> steps;
  std::vector<LogEvent> logs;
  std::vector<DeviceMemoryEvent> devices;
  void on_run_started(const RunStarted& s) override { started = s; }
  void on_step(const StepEvent& e) override { steps.push_back(e); }
  void on_eval(const EvalEvent&) override {}
  void on_log(const LogEvent& e) override { logs.push_back(e); }
  void on_run_finished(const RunFinished&) override {}
  void on_extension(const ExtensionEvent& e) override {
    if (const auto* d = dynamic_cast<const DeviceMemoryEvent*>(&e)) devices.push_back(*d);
  }
};

struct Outcome {
  RunFinished finished;
  Recorder rec;
  std::vector<float> params;
};

RunConfig config(int replicas, int k, std::int64_t batch, bool overlap, bool adam = false) {
  RunConfig c;
  c.seed = 5;
  c.device = "cpu";
  c.model.hidden = {24, 16};
  c.model.activation = Activation::tanh;
  c.optimizer.kind = adam ? OptimizerKind::adam : OptimizerKind::sgd;
  c.optimizer.lr = adam ? 0.01 : 0.1;
  c.optimizer.momentum = 0.9;
  c.batch.size = batch;
  c.batch.accumulate = k;
  c.stop.epochs.reset();
  c.stop.max_steps = 6;
  c.eval.every_epochs.reset();
  c.threads = 2;
  c.parallel.replicas = replicas;
  c.parallel.overlap = overlap;
  return c;
}

Outcome run(const RunConfig& c, const DatasetSplit& data, Backend* prototype = nullptr) {
  std::unique_ptr<Backend> own;
  if (!prototype) {
    own = make_cpu_backend(c.threads, 0);
    prototype = own.get();
  }
  Outcome o;
  TrainerInputs in;
  in.run_id = 1;
  in.config = &c;
  in.data = &data;
  in.backend = prototype;
  in.sink = &o.rec;
  o.finished = train(in);
  if (o.finished.status == RunStatus::completed) o.params = prototype->parameters();
  return o;
}

DatasetSplit classification_data() {
  DatasetSplit d;
  d.train = testdata::random_classification(640, 6, 4, 3);
  d.val = testdata::random_classification(70, 6, 4, 4);
  return d;
}

// Steps a DataParallelBackend by hand on rows [0, batch) as the Trainer would.
void step(DataParallelBackend& b, const Dataset& d, std::span<const std::int64_t> rows, int k) {
  const auto n = static_cast<std::int64_t>(rows.size());
  const std::int64_t micro = (n + k - 1) / k;
  b.zero_grad();
  for (std::int64_t start = 0; start < n; start += micro) {
    const std::int64_t m = std::min(micro, n - start);
    b.stage_batch(d, rows.subspan(static_cast<std::size_t>(start), static_cast<std::size_t>(m)));
    if (start + m >= n) b.sync_next_backward();
    b.forward_backward(static_cast<float>(static_cast<double>(m) / static_cast<double>(n)));
  }
  (void)b.grad_norm2();
  b.apply_update(0.05);
}

// A backend that cannot make replicas (as the CUDA backend today).
class NoReplicas final : public testing::ForwardingBackend {
 public:
  std::unique_ptr<Backend> make_replica(int, int) const override { return nullptr; }
};

}  // namespace

class TestDataParallel : public QObject {
  Q_OBJECT

 private slots:
  void shardsDifferByAtMostOneRow() {
    for (int replicas = 1; replicas <= 6; ++replicas) {
      std::vector<std::int64_t> sizes(static_cast<std::size_t>(replicas));
      for (std::int64_t rows = 0; rows <= 40; ++rows) {
        // One pass: the rows are all there, evenly.
        shard_sizes(rows, 0, sizes);
        QCOMPARE(std::accumulate(sizes.begin(), sizes.end(), std::int64_t{0}), rows);
        auto [lo, hi] = std::minmax_element(sizes.begin(), sizes.end());
        QVERIFY(*hi - *lo <= 1);
        // A step of several uneven passes: the leftover rows rotate, so the totals stay even.
        std::vector<std::int64_t> total(sizes.size(), 0);
        int rotation = 0;
        for (int pass = 0; pass < 5; ++pass) {
          rotation = shard_sizes(rows, rotation, sizes);
          for (std::size_t r = 0; r < sizes.size(); ++r) total[r] += sizes[r];
        }
        std::tie(lo, hi) = std::minmax_element(total.begin(), total.end());
        QVERIFY2(
            *hi - *lo <= 1,
            qPrintable(
                QString("R=%1 rows=%2: totals %3..%4").arg(replicas).arg(rows).arg(*lo).arg(*hi)));
      }
    }
    QVERIFY(describe_split(32, 1, 3).find("11, 11, 10") != std::string::npos);
    QVERIFY(describe_split(32, 1, 3).find("uneven") != std::string::npos);
    QVERIFY(describe_split(32, 2, 4).find("uneven") == std::string::npos);
  }

  void replicasGiveTheSingleDeviceUpdate_data() {
    QTest::addColumn<int>("replicas");
    QTest::addColumn<int>("k");
    QTest::addColumn<int>("batch");
    QTest::addColumn<bool>("overlap");
    QTest::addColumn<bool>("adam");
    for (const int r : {1, 2, 4})
      for (const int k : {1, 2})
        for (const bool overlap : {true, false})
          QTest::newRow(qPrintable(QString("R=%1 k=%2 overlap=%3").arg(r).arg(k).arg(overlap)))
              << r << k << 32 << overlap << false;
    for (const int k : {1, 2})
      for (const bool overlap : {true, false})
        QTest::newRow(qPrintable(QString("R=3 uneven k=%1 overlap=%2").arg(k).arg(overlap)))
            << 3 << k << 32 << overlap << false;
    QTest::newRow("R=2 b=96 gemm shards") << 2 << 1 << 96 << true << false;
    QTest::newRow("R=3 b=96 k=4 adam") << 3 << 4 << 96 << true << true;
    QTest::newRow("R=4 b=6 k=3 stand-ins") << 4 << 3 << 6 << true << false;
  }
  void replicasGiveTheSingleDeviceUpdate() {
    QFETCH(int, replicas);
    QFETCH(int, k);
    QFETCH(int, batch);
    QFETCH(bool, overlap);
    QFETCH(bool, adam);
    const DatasetSplit data = classification_data();
    // The reference: one device, no accumulation, the same global batch.
    const Outcome one = run(config(1, 1, batch, true, adam), data);
    const Outcome many = run(config(replicas, k, batch, overlap, adam), data);
    QCOMPARE(many.finished.status, RunStatus::completed);
    QCOMPARE(many.rec.steps.size(), std::size_t{6});
    for (std::size_t i = 0; i < 6; ++i) {
      QVERIFY2(std::fabs(many.rec.steps[i].loss - one.rec.steps[i].loss) < 1e-5,
               qPrintable(QString("step %1: loss %2 vs %3")
                              .arg(i + 1)
                              .arg(many.rec.steps[i].loss)
                              .arg(one.rec.steps[i].loss)));
      const double g1 = one.rec.steps[i].grad_norm2, gr = many.rec.steps[i].grad_norm2;
      QVERIFY2(std::fabs(gr - g1) <= 1e-5 * g1,
               qPrintable(QString("|g|² %1 vs %2").arg(gr).arg(g1)));
    }
    const double diff = max_relative_diff(one.params, many.params);
    QVERIFY2(diff < 1e-5, qPrintable(QString("parameters differ by %1").arg(diff)));
    // Not trivially equal: the run moved the parameters.
    auto fresh = make_cpu_backend(1, 0);
    fresh->prepare(mlp_spec_for(config(1, 1, batch, true), data.train), OptimizerConfig{}, 1, 5);
    QVERIFY(max_relative_diff(fresh->parameters(), many.params) > 1e-3);
  }

  void replicasStayBitIdentical() {
    const Dataset d = testdata::random_classification(96, 6, 4, 7);
    const auto rows = testdata::all_rows(d);
    for (const bool overlap : {true, false}) {
      auto prototype = make_cpu_backend(4, 0);
      auto b = make_data_parallel(*prototype, 3, overlap);
      OptimizerConfig opt;
      opt.kind = OptimizerKind::adam;
      b->prepare(testdata::spec_for(d, {32, 16}), opt, 48, 9);
      for (int s = 0; s < 5; ++s) step(*b, d, std::span(rows).first(47), 2);
      const auto p0 = b->replica(0).parameters();
      for (int r = 1; r < 3; ++r) {
        const auto pr = b->replica(r).parameters();
        QCOMPARE(pr.size(), p0.size());
        QVERIFY2(std::memcmp(pr.data(), p0.data(), p0.size() * sizeof(float)) == 0,
                 qPrintable(QString("replica %1 drifted (overlap %2)").arg(r).arg(overlap)));
      }
    }
  }

  void stepEventsSplitTheStepTime() {
    const DatasetSplit data = classification_data();
    for (const int replicas : {2, 3}) {
      RunConfig c = config(replicas, 2, 32, true);
      c.stop.max_steps = 10;
      const Outcome o = run(c, data);
      QCOMPARE(o.finished.status, RunStatus::completed);
      QVERIFY2(o.rec.started.device.find(std::to_string(replicas) + " replicas of cpu") == 0,
               o.rec.started.device.c_str());
      // The split is said once, at the start, uneven or not.
      QVERIFY(!o.rec.logs.empty());
      QVERIFY(o.rec.logs[0].message.find("data-parallel over " + std::to_string(replicas)) == 0);
      QCOMPARE(o.rec.logs[0].message.find("uneven") != std::string::npos, 32 % replicas != 0);
      const std::int64_t busiest = (32 + replicas - 1) / replicas;
      for (const StepEvent& s : o.rec.steps) {
        QCOMPARE(s.replicas, replicas);
        QCOMPARE(s.replica_batch, busiest);
        QCOMPARE(s.batch_size, std::int64_t{32});
        QVERIFY(s.compute_ms > 0 && s.allreduce_ms >= 0 && s.idle_ms >= 0);
        QVERIFY2(s.data_ms + s.compute_ms + s.allreduce_ms + s.idle_ms <= s.step_ms + 0.05,
                 qPrintable(QString("data %1 + compute %2 + all-reduce %3 + idle %4 > step %5")
                                .arg(s.data_ms)
                                .arg(s.compute_ms)
                                .arg(s.allreduce_ms)
                                .arg(s.idle_ms)
                                .arg(s.step_ms)));
        // Every buffer exists before the first step: the totals never move.
        QCOMPARE(s.memory, o.rec.steps[0].memory);
      }
      // One memory event per replica per step, summing to the step's total, as predicted.
      QCOMPARE(o.rec.devices.size(), o.rec.steps.size() * static_cast<std::size_t>(replicas));
      MemoryBytes sum{};
      for (int r = 0; r < replicas; ++r) {
        const DeviceMemoryEvent& d = o.rec.devices[static_cast<std::size_t>(r)];
        QCOMPARE(d.device, r);
        QCOMPARE(d.memory, o.rec.devices[static_cast<std::size_t>(r + replicas)].memory);
        for (std::size_t cat = 0; cat < sum.size(); ++cat) sum[cat] += d.memory[cat];
      }
      QCOMPARE(sum, o.rec.steps[0].memory);
      QCOMPARE(total_bytes(o.rec.started.predicted), total_bytes(o.rec.steps[0].memory));
    }
    // One device: the same fields, the whole batch on it, nothing reduced.
    const Outcome one = run(config(1, 1, 32, true), data);
    for (const StepEvent& s : one.rec.steps) {
      QCOMPARE(s.replicas, 1);
      QCOMPARE(s.replica_batch, std::int64_t{32});
      QCOMPARE(s.allreduce_ms, 0.0);
      QCOMPARE(s.idle_ms, 0.0);
    }
    QVERIFY(one.rec.devices.empty());
  }

  void theStepAllocatesNothing() {
    const Dataset d = testdata::random_classification(64, 6, 4, 7);
    const auto rows = testdata::all_rows(d);
    // Shards of up to 8 rows take the CPU backend's streaming kernels, which allocate nothing
    // (Eigen's GEMM mallocs packing panels above that): what is left is ours.
    for (const int replicas : {2, 4}) {
      for (const int k : {1, 2}) {
        for (const bool overlap : {true, false}) {
          auto prototype = make_cpu_backend(replicas, 0);
          auto b = make_data_parallel(*prototype, replicas, overlap);
          b->prepare(testdata::spec_for(d, {32, 16}), OptimizerConfig{}, 32, 3);
          const auto batch = std::span(rows).first(static_cast<std::size_t>(8 * replicas));
          step(*b, d, batch, k);  // the first step may touch what it likes
          const MemoryBytes before = b->memory().current();
          const std::int64_t peak = b->memory().peak();
          g_news = 0;
          g_counting = true;
          for (int s = 0; s < 5; ++s) step(*b, d, batch, k);
          g_counting = false;
          QVERIFY2(g_news == 0, qPrintable(QString("R=%1 k=%2 overlap=%3: %4 allocations in "
                                                   "five steps")
                                               .arg(replicas)
                                               .arg(k)
                                               .arg(overlap)
                                               .arg(g_news.load())));
          QCOMPARE(b->memory().current(), before);
          QCOMPARE(b->memory().peak(), peak);
        }
      }
    }
  }

  void gradientsBeforeTheReductionAreTheirSum() {
    const Dataset d = testdata::random_regression(40, 5, 2, 8);
    const auto rows = testdata::all_rows(d);
    auto single = make_cpu_backend(1, 0);
    auto prototype = make_cpu_backend(2, 0);
    auto b = make_data_parallel(*prototype, 2, true);
    const MlpSpec spec = testdata::spec_for(d, {12});
    single->prepare(spec, OptimizerConfig{}, 40, 4);
    b->prepare(spec, OptimizerConfig{}, 40, 4);
    for (Backend* x : {single.get(), static_cast<Backend*>(b.get())}) {
      x->zero_grad();
      x->stage_batch(d, std::span(rows).first(25));
      x->forward_backward(25.0f / 40.0f);
    }
    // Mid-step (no sync yet): what the noise scale reads.
    QVERIFY(max_relative_diff(single->gradients(), b->gradients()) < 1e-6);
    QVERIFY(std::fabs(b->grad_norm2() - single->grad_norm2()) < 1e-5 * single->grad_norm2());
    for (Backend* x : {single.get(), static_cast<Backend*>(b.get())}) {
      x->stage_batch(d, std::span(rows).subspan(25, 15));
      x->forward_backward(15.0f / 40.0f);  // no sync_next_backward: reduced at apply_update
      x->apply_update(0.1);
    }
    QVERIFY(max_relative_diff(single->parameters(), b->parameters()) < 1e-6);
    QVERIFY(b->replica_step().allreduce_ms > 0);
    // Evaluation is split too, and sums back.
    for (Backend* x : {single.get(), static_cast<Backend*>(b.get())}) x->stage_batch(d, rows);
    const EvalTotals a = single->evaluate_staged(), e = b->evaluate_staged();
    QCOMPARE(e.rows, a.rows);
    QVERIFY(std::fabs(e.loss_sum - a.loss_sum) < 1e-4 * std::fabs(a.loss_sum));
  }

  void aBackendWithoutReplicasFailsTheRun() {
    const DatasetSplit data = classification_data();
    NoReplicas prototype;
    const Outcome o = run(config(2, 1, 32, true), data, &prototype);
    QCOMPARE(o.finished.status, RunStatus::failed);
    QVERIFY2(o.finished.reason.find("cannot make data-parallel replicas") != std::string::npos,
             o.finished.reason.c_str());
  }

  void configsNameParallelReplicas() {
    const auto error_of = [](const std::string& text) -> std::string {
      try {
        run_config_from_json(nlohmann::json::parse(text), "cfg");
      } catch (const ConfigError& e) {
        return e.what();
      }
      return "";
    };
    const std::string base = R"({"dataset": {"kind": "spirals"}, "batch": {"size": 32}, )";
    QVERIFY(error_of(base + R"("parallel": {"replicas": 2}})").empty());
    QVERIFY(error_of(base + R"("parallel": {"replicas": 3, "overlap": false}})").empty());
    for (const char* bad : {R"("parallel": {"replicas": 0}})", R"("parallel": {"replicas": 33}})",
                            R"("parallel": {"replicas": -1}})"}) {
      const std::string err = error_of(base + bad);
      QVERIFY2(err.find("cfg: parallel.replicas: ") == 0, err.c_str());
    }
    QVERIFY(error_of(base + R"("parallel": {"replicas": 33}})").find("batch of 32") !=
            std::string::npos);
    std::string err = error_of(base + R"("parallel": {"replica": 2}})");
    QVERIFY2(err.find("parallel.replica: unknown key") != std::string::npos, err.c_str());
    err = error_of(base + R"("parallel": {"replicas": "two"}})");
    QVERIFY2(err.find("parallel.replicas") != std::string::npos, err.c_str());
    err = error_of(base + R"("parallel": {"replicas": 2, "devices": [0]}})");
    QVERIFY2(err.find("parallel.devices") != std::string::npos, err.c_str());
    err = error_of(base + R"("device": "cuda", "parallel": {"replicas": 2}})");
    QVERIFY2(err.find("parallel.replicas") != std::string::npos, err.c_str());
    err = error_of(R"({"dataset": {"kind": "spirals"}, "batch": {"strategy": "stochastic"},
                       "parallel": {"replicas": 2}})");
    QVERIFY2(err.find("parallel.replicas") != std::string::npos, err.c_str());

    // Written and read back, and reachable with --set.
    RunConfig c;
    c.parallel.replicas = 4;
    c.parallel.overlap = false;
    c.parallel.devices = {0, 1, 2, 3};
    nlohmann::json j = run_config_to_json(c);
    const RunConfig back = run_config_from_json(j, "round trip");
    QCOMPARE(back.parallel.replicas, 4);
    QCOMPARE(back.parallel.overlap, false);
    QCOMPARE(back.parallel.devices, (std::vector<int>{0, 1, 2, 3}));
    apply_set(j, "parallel.replicas=2");
    j["parallel"]["devices"] = nlohmann::json::array();
    QCOMPARE(run_config_from_json(j, "set").parallel.replicas, 2);
    QCOMPARE(RunConfig{}.parallel.replicas, 1);
  }
};

QTEST_APPLESS_MAIN(TestDataParallel)
#include "test_data_parallel.moc"
