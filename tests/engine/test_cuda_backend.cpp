// The CUDA backend against the CPU backend, its reference: starting weights, forward outputs and
// loss, every gradient tensor and 50 training steps of loss, for hidden widths {1, 17, 64, 256,
// 1000} × batches {1, 3, 64, 1000}, in float32 and (looser) TF32; the optimizers; accumulation;
// CUDA graphs against eager launches; deferred results; device-resident data; out-of-memory with
// a budget and with an allocation no GPU can satisfy; the Trainer and `--device auto` end to end.
// Every test skips, naming the reason, without a usable GPU or in a build without CUDA.
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "backend_test_data.h"
#include "engine/backend/backend.h"
#include "engine/backend/cuda_backend.h"
#include "engine/core/errors.h"
#include "engine/data/load_dataset.h"
#include "engine/experiment/run_executor.h"
#include "engine/metrics/memory_model.h"
#include "engine/train/trainer.h"

#ifdef BATCHLAB_HAVE_CUDA
#include <cuda_runtime.h>
#endif

using namespace batchlab;

namespace {

constexpr std::uint64_t kSeed = 11;
constexpr double kLr = 0.01;

// How far the GPU may be from the CPU, each relative to the CPU value's scale. Float32 differs
// only in summation order (cuBLAS against Eigen); TF32 rounds GEMM inputs to 10 mantissa bits.
struct Bounds {
  double output;  // forward outputs, against the largest |output|
  double loss;    // one forward's mean loss
  double grad;    // each gradient tensor, against its largest |value|
  double train;   // each of 50 training losses, against max(|loss|, 0.1)
};
constexpr Bounds kFloat32{2e-5, 1e-5, 1e-4, 1e-3};
constexpr Bounds kTf32{1e-2, 5e-3, 2e-2, 3e-2};

std::unique_ptr<Backend> make_gpu(bool tf32 = false, bool graphs = true, int loss_every = 16,
                                  std::int64_t budget = 0, bool resident = true) {
  CudaOptions o;
  o.tf32 = tf32;
  o.graphs = graphs;
  o.loss_every = loss_every;
  o.budget_bytes = budget;
  o.resident_data = resident;
  return make_cuda_backend(o);
}

OptimizerConfig momentum_sgd(double lr = kLr) {
  OptimizerConfig o;
  o.lr = lr;
  o.momentum = 0.9;
  return o;
}

// Rows step·B … step·B + B − 1, wrapping around the dataset.
std::vector<std::int64_t> rows_for(std::int64_t step, std::int64_t batch, std::int64_t n) {
  std::vector<std::int64_t> rows(static_cast<std::size_t>(batch));
  for (std::int64_t j = 0; j < batch; ++j)
    rows[static_cast<std::size_t>(j)] = (step * batch + j) % n;
  return rows;
}

double max_abs(const std::vector<float>& v, std::int64_t from = 0, std::int64_t count = -1) {
  if (count < 0) count = static_cast<std::int64_t>(v.size()) - from;
  double m = 0;
  for (std::int64_t i = from; i < from + count; ++i)
    m = std::max(m, std::abs(static_cast<double>(v[static_cast<std::size_t>(i)])));
  return m;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b, std::int64_t from = 0,
                    std::int64_t count = -1) {
  if (count < 0) count = static_cast<std::int64_t>(b.size()) - from;
  double m = 0;
  for (std::int64_t i = from; i < from + count; ++i) {
    const auto k = static_cast<std::size_t>(i);
    m = std::max(m, std::abs(static_cast<double>(a[k]) - static_cast<double>(b[k])));
  }
  return m;
}

bool close(double gpu, double cpu, double tol, double floor = 1e-12) {
  return std::abs(gpu - cpu) <= tol * std::max(std::abs(cpu), floor);
}

std::string describe(const char* what, double gpu, double cpu) {
  char text[256];
  std::snprintf(text, sizeof text, "%s: gpu %.9g, cpu %.9g", what, gpu, cpu);
  return text;
}

// ReLU's kink makes the two backends disagree outright on a unit whose pre-activation rounds to
// the other side of 0; with a million units per layer that happens. Wide layers therefore use
// the smooth activations; ReLU is covered where such a tie is vanishingly rare.
Activation activation_for(std::int64_t width, int batch_index) {
  static const Activation all[] = {Activation::relu, Activation::tanh, Activation::sigmoid,
                                   Activation::gelu};
  static const Activation smooth[] = {Activation::tanh, Activation::sigmoid, Activation::gelu};
  return width <= 64 ? all[batch_index % 4] : smooth[batch_index % 3];
}

// The whole comparison for one model and batch size; `d` has random (never zero) features.
void check_against_cpu(const Dataset& d, const MlpSpec& spec, std::int64_t batch, bool tf32) {
  const Bounds& bound = tf32 ? kTf32 : kFloat32;
  auto cpu = make_cpu_backend(0, 0);
  auto gpu = make_gpu(tf32);
  cpu->prepare(spec, momentum_sgd(), batch, kSeed);
  gpu->prepare(spec, momentum_sgd(), batch, kSeed);
  // One initialiser, one seed: the very same starting weights.
  QVERIFY(gpu->parameters() == cpu->parameters());

  // Forward: outputs, loss, hits.
  const auto rows = rows_for(0, batch, d.rows);
  cpu->stage_batch(d, rows);
  gpu->stage_batch(d, rows);
  const EvalTotals ec = cpu->evaluate_staged();
  const EvalTotals eg = gpu->evaluate_staged();
  const auto oc = cpu->outputs();
  const auto og = gpu->outputs();
  QCOMPARE(og.size(), oc.size());
  QCOMPARE(og.size(), static_cast<std::size_t>(spec.outputs * batch));
  QVERIFY2(max_abs_diff(og, oc) <= bound.output * max_abs(oc) + 1e-7,
           describe("outputs, max difference", max_abs_diff(og, oc), max_abs(oc)).c_str());
  QVERIFY2(close(eg.loss_sum, ec.loss_sum, bound.loss),
           describe("evaluation loss", eg.loss_sum, ec.loss_sum).c_str());
  QCOMPARE(eg.rows, ec.rows);
  QVERIFY2(std::llabs(eg.correct - ec.correct) <= 1 + batch / 100,  // argmax near-ties
           describe("correct", static_cast<double>(eg.correct), static_cast<double>(ec.correct))
               .c_str());

  // Backward: the loss and every gradient tensor.
  cpu->zero_grad();
  gpu->zero_grad();
  const double lc = cpu->forward_backward(1.0f);
  const double lg = gpu->forward_backward(1.0f);
  QVERIFY2(close(lg, lc, bound.loss), describe("loss", lg, lc).c_str());
  const auto gc = cpu->gradients();
  const auto gg = gpu->gradients();
  const double global = max_abs(gc);
  QVERIFY(global > 0);
  for (const ParamEntry& e : mlp_layout(spec)) {
    const double scale = max_abs(gc, e.offset, e.size());
    const double diff = max_abs_diff(gg, gc, e.offset, e.size());
    QVERIFY2(diff <= bound.grad * scale + 1e-7 * global,
             describe((e.name + " gradient, max difference").c_str(), diff, scale).c_str());
  }
  const double nc = cpu->grad_norm2();
  const double ng = gpu->grad_norm2();
  QVERIFY2(close(ng, nc, bound.grad), describe("|g|²", ng, nc).c_str());

  // 50 steps of momentum SGD on rotating batches: the loss curves agree step by step.
  for (std::int64_t step = 0; step < 50; ++step) {
    const auto r = rows_for(step, batch, d.rows);
    cpu->stage_batch(d, r);
    gpu->stage_batch(d, r);
    cpu->zero_grad();
    gpu->zero_grad();
    const double c = cpu->forward_backward(1.0f);
    const double g = gpu->forward_backward(1.0f);
    QVERIFY2(std::isfinite(g) && close(g, c, bound.train, 0.1),
             describe(("loss at step " + std::to_string(step + 1)).c_str(), g, c).c_str());
    cpu->apply_update(kLr);
    gpu->apply_update(kLr);
  }
}

// One training step; returns the loss (and the norm through `norm2`).
double train_step(Backend& b, const Dataset& d, const std::vector<std::int64_t>& rows, double lr,
                  double* norm2 = nullptr) {
  b.stage_batch(d, rows);
  b.zero_grad();
  const double loss = b.forward_backward(1.0f);
  const double n = b.grad_norm2();
  if (norm2) *norm2 = n;
  b.apply_update(lr);
  return loss;
}

// Records what the Trainer sends.
class Recorder : public EventSink {
 public:
  std::vector<StepEvent> steps;
  std::vector<EvalEvent> evals;
  void on_step(const StepEvent& e) override { steps.push_back(e); }
  void on_eval(const EvalEvent& e) override { evals.push_back(e); }
};

RunFinished run_trainer(const RunConfig& c, const DatasetSplit& data, Backend& backend,
                        Recorder& rec) {
  TrainerInputs in;
  in.run_id = 1;
  in.config = &c;
  in.data = &data;
  in.backend = &backend;
  in.sink = &rec;
  return train(in);
}

}  // namespace

class CudaBackendTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    const GpuProbe probe = probe_gpus(0);
    if (!probe.built_with_cuda)
      QSKIP("built without CUDA (nvcc was not found at configure time): no CUDA backend to test");
    if (probe.gpus.empty())
      QSKIP(qPrintable(QString::fromStdString("no usable GPU: " + probe.reason)));
    if (!probe.gpus.front().unusable.empty())
      QSKIP(qPrintable(QString::fromStdString("cuda:0 (" + probe.gpus.front().name +
                                              ") is unusable: " + probe.gpus.front().unusable)));
    qInfo("testing on %s", make_gpu()->device_name().c_str());
  }

  void matches_cpu_float32_data() {
    QTest::addColumn<qint64>("width");
    QTest::addColumn<qint64>("batch");
    for (qint64 width : {1, 17, 64, 256, 1000})
      for (qint64 batch : {1, 3, 64, 1000})
        QTest::addRow("width %lld batch %lld", width, batch) << width << batch;
    // Beyond the grid: more rows than one bias-gradient chunk (1024), the last chunk partial.
    QTest::addRow("width 17 batch 2500") << qint64{17} << qint64{2500};
  }
  void matches_cpu_float32() {
    QFETCH(qint64, width);
    QFETCH(qint64, batch);
    const Dataset d = testdata::random_classification(2000, 24, 10, 100 + width + batch);
    const int batch_index = batch == 1 ? 0 : batch == 3 ? 1 : batch == 64 ? 2 : 3;
    const MlpSpec spec = testdata::spec_for(d, {width, width}, activation_for(width, batch_index));
    check_against_cpu(d, spec, batch, false);
  }

  // TF32 (tensor cores, Ampere and later) within its looser bounds, and visibly in use there.
  void matches_cpu_tf32_data() {
    QTest::addColumn<qint64>("width");
    QTest::addColumn<qint64>("batch");
    for (qint64 width : {17, 256, 1000})
      for (qint64 batch : {3, 1000})
        QTest::addRow("width %lld batch %lld", width, batch) << width << batch;
  }
  void matches_cpu_tf32() {
    QFETCH(qint64, width);
    QFETCH(qint64, batch);
    const Dataset d = testdata::random_classification(2000, 24, 10, 200 + width + batch);
    const MlpSpec spec = testdata::spec_for(d, {width, width}, Activation::gelu);
    check_against_cpu(d, spec, batch, true);
  }
  void tf32_switch_changes_the_gemms() {
    const GpuProbe probe = probe_gpus(0);
    if (probe.gpus.front().cc_major < 8) QSKIP("TF32 needs compute capability 8.0 or later");
    const Dataset d = testdata::random_classification(1000, 512, 10, 3);
    const MlpSpec spec = testdata::spec_for(d, {1000}, Activation::tanh);
    std::vector<float> grads[2];
    for (int tf32 = 0; tf32 < 2; ++tf32) {
      auto gpu = make_gpu(tf32 == 1);
      gpu->prepare(spec, momentum_sgd(), 1000, kSeed);
      gpu->stage_batch(d, testdata::all_rows(d));
      gpu->zero_grad();
      gpu->forward_backward(1.0f);
      grads[tf32] = gpu->gradients();
    }
    QVERIFY2(grads[0] != grads[1], "cuda.tf32 = true gave bit-identical gradients");
  }

  void regression_matches_cpu_data() {
    QTest::addColumn<qint64>("width");
    QTest::addColumn<qint64>("batch");
    for (qint64 width : {17, 256})
      for (qint64 batch : {3, 64})
        QTest::addRow("width %lld batch %lld", width, batch) << width << batch;
  }
  void regression_matches_cpu() {
    QFETCH(qint64, width);
    QFETCH(qint64, batch);
    const Dataset d = testdata::random_regression(500, 7, 3, 300 + width + batch);
    check_against_cpu(d, testdata::spec_for(d, {width}, Activation::tanh), batch, false);
  }

  void optimizers_match_cpu_data() {
    QTest::addColumn<int>("kind");
    QTest::newRow("sgd") << 0;
    QTest::newRow("momentum") << 1;
    QTest::newRow("nesterov + weight decay") << 2;
    QTest::newRow("adam + weight decay") << 3;
  }
  void optimizers_match_cpu() {
    QFETCH(int, kind);
    OptimizerConfig opt;
    opt.momentum = kind == 0 ? 0.0 : 0.9;
    opt.nesterov = kind == 2;
    opt.weight_decay = kind >= 2 ? 1e-3 : 0.0;
    if (kind == 3) opt.kind = OptimizerKind::adam;
    const double lr = kind == 3 ? 1e-3 : 0.05;
    const Dataset d = testdata::random_classification(640, 20, 5, 21);
    const MlpSpec spec = testdata::spec_for(d, {64}, Activation::tanh);
    auto cpu = make_cpu_backend(0, 0);
    auto gpu = make_gpu();
    cpu->prepare(spec, opt, 32, kSeed);
    gpu->prepare(spec, opt, 32, kSeed);
    const auto start = cpu->parameters();
    for (std::int64_t step = 0; step < 10; ++step) {
      const auto rows = rows_for(step, 32, d.rows);
      const double c = train_step(*cpu, d, rows, lr);
      const double g = train_step(*gpu, d, rows, lr);
      QVERIFY2(close(g, c, 1e-4), describe("loss", g, c).c_str());
    }
    const auto pc = cpu->parameters();
    const auto pg = gpu->parameters();
    QVERIFY(max_abs_diff(pc, start) > 1e-3);  // the updates did something
    const double tol = kind == 3 ? 1e-3 : 1e-4;
    QVERIFY2(max_abs_diff(pg, pc) <= tol * max_abs(pc),
             describe("parameters, max difference", max_abs_diff(pg, pc), max_abs(pc)).c_str());
  }

  // k micro-batches with grad_scale = rows/B give the big-batch gradient, as on the CPU.
  void accumulated_micro_batches_equal_one_batch() {
    const Dataset d = testdata::random_classification(64, 10, 3, 12);
    const MlpSpec spec = testdata::spec_for(d, {12, 8}, Activation::sigmoid);
    const auto rows = testdata::all_rows(d);
    auto whole = make_gpu();
    whole->prepare(spec, momentum_sgd(), 64, 4);
    whole->stage_batch(d, rows);
    whole->zero_grad();
    const double loss = whole->forward_backward(1.0f);
    auto halves = make_gpu();
    halves->prepare(spec, momentum_sgd(), 32, 4);
    double half_losses = 0;
    for (int repeat = 0; repeat < 3; ++repeat) {  // the third pass runs from captured graphs
      halves->zero_grad();
      half_losses = 0;
      for (int h = 0; h < 2; ++h) {
        halves->stage_batch(d, std::span(rows).subspan(static_cast<std::size_t>(32 * h), 32));
        half_losses += 0.5 * halves->forward_backward(0.5f);
      }
    }
    QVERIFY(cuda_stats(*halves).graph_launches > 0);
    QVERIFY(std::abs(half_losses - loss) < 1e-6);
    const auto g1 = whole->gradients();
    const auto g2 = halves->gradients();
    const double scale = max_abs(g1);
    QVERIFY(scale > 0);
    for (std::size_t i = 0; i < g1.size(); ++i)
      QVERIFY(std::abs(g1[i] - g2[i]) <= 1e-6 * scale + 1e-5 * std::abs(g1[i]));
  }

  // Replaying captured graphs is bit for bit the eager path, through batch-size changes (a
  // shape is captured on its second run, per input slot).
  void graph_replay_equals_no_graph() {
    const Dataset d = testdata::random_classification(1000, 24, 10, 5);
    const MlpSpec spec = testdata::spec_for(d, {64, 64}, Activation::gelu);
    auto graphs = make_gpu(false, true);
    auto eager = make_gpu(false, false);
    graphs->prepare(spec, momentum_sgd(), 64, kSeed);
    eager->prepare(spec, momentum_sgd(), 64, kSeed);
    std::int64_t seen = 0;
    for (std::int64_t step = 0; step < 50; ++step) {
      const std::int64_t n = step % 5 == 4 ? 37 : 64;  // a short batch every fifth step
      std::vector<std::int64_t> rows(static_cast<std::size_t>(n));
      for (std::int64_t j = 0; j < n; ++j) rows[static_cast<std::size_t>(j)] = (seen + j) % d.rows;
      seen += n;
      double ng = 0;
      double ne = 0;
      const double lg = train_step(*graphs, d, rows, kLr, &ng);
      const double le = train_step(*eager, d, rows, kLr, &ne);
      QCOMPARE(lg, le);
      QCOMPARE(ng, ne);
    }
    QVERIFY(graphs->parameters() == eager->parameters());
    const CudaStats with = cuda_stats(*graphs);
    const CudaStats without = cuda_stats(*eager);
    // Four shapes (64 and 37 rows, each in both input slots): each runs eagerly once, is
    // captured on its second run and replayed after that.
    QCOMPARE(with.graph_captures, std::int64_t{4});
    QCOMPARE(with.eager_passes, std::int64_t{4});
    QCOMPARE(with.graph_launches, std::int64_t{46});
    QCOMPARE(without.graph_captures, std::int64_t{0});
    QCOMPARE(without.eager_passes, std::int64_t{50});
  }

  // Deferred mode hands over exactly the synchronous losses and norms, with device times, and
  // refuses to run further ahead than its ring.
  void deferred_results_equal_synchronous_ones() {
    const Dataset d = testdata::random_classification(640, 20, 5, 31);
    const MlpSpec spec = testdata::spec_for(d, {64, 64}, Activation::tanh);
    OptimizerConfig adam;
    adam.kind = OptimizerKind::adam;
    auto sync = make_gpu();
    auto deferred = make_gpu(false, true, 8);
    sync->prepare(spec, adam, 32, kSeed);
    deferred->prepare(spec, adam, 32, kSeed);
    QCOMPARE(deferred->enable_deferred_results(), 8);
    std::vector<double> losses, norms;
    std::vector<StepResult> got;
    std::size_t queued = 0;
    for (std::int64_t step = 0; step < 40; ++step) {
      const auto rows = rows_for(step, 32, d.rows);
      double norm = 0;
      losses.push_back(train_step(*sync, d, rows, 1e-3, &norm));
      norms.push_back(norm);
      deferred->stage_batch(d, rows);
      deferred->zero_grad();
      QVERIFY(std::isnan(deferred->forward_backward(1.0f)));
      QVERIFY(std::isnan(deferred->grad_norm2()));
      deferred->apply_update(1e-3);
      ++queued;
      for (const StepResult& r : deferred->drain_steps(queued - got.size() == 8)) got.push_back(r);
    }
    for (const StepResult& r : deferred->drain_steps(true)) got.push_back(r);
    QCOMPARE(got.size(), std::size_t{40});
    for (std::size_t i = 0; i < got.size(); ++i) {
      QCOMPARE(got[i].loss, losses[i]);
      QCOMPARE(got[i].grad_norm2, norms[i]);
      QVERIFY(got[i].step_ms > 0);
      QVERIFY(got[i].compute_ms > 0 && got[i].compute_ms <= got[i].step_ms + 1e-3);
      QVERIFY(std::isfinite(got[i].data_ms) && got[i].data_ms >= 0);
    }
    QVERIFY(deferred->parameters() == sync->parameters());

    for (int step = 0; step < 8; ++step) train_step(*deferred, d, rows_for(step, 32, d.rows), 1e-3);
    QVERIFY_THROWS_EXCEPTION(std::logic_error, deferred->zero_grad());
    QCOMPARE(deferred->drain_steps(true).size(), std::size_t{8});
  }

  // A diverging run's NaN arrives through drain_steps at the step where it happened.
  void deferred_divergence_shows_in_the_results() {
    const Dataset d = testdata::random_regression(256, 4, 1, 41);
    const MlpSpec spec = testdata::spec_for(d, {16}, Activation::tanh);
    OptimizerConfig sgd;
    sgd.momentum = 0.0;
    auto sync = make_gpu();
    auto deferred = make_gpu(false, true, 4);
    sync->prepare(spec, sgd, 32, kSeed);
    deferred->prepare(spec, sgd, 32, kSeed);
    deferred->enable_deferred_results();
    int sync_nan_at = -1;
    int deferred_nan_at = -1;
    int step = 0;
    for (; step < 200 && (sync_nan_at < 0 || deferred_nan_at < 0); ++step) {
      const auto rows = rows_for(step, 32, d.rows);
      if (sync_nan_at < 0 && !std::isfinite(train_step(*sync, d, rows, 1e6))) sync_nan_at = step;
      train_step(*deferred, d, rows, 1e6);
      const auto results = deferred->drain_steps(true);
      QCOMPARE(results.size(), std::size_t{1});
      if (deferred_nan_at < 0 && !std::isfinite(results[0].loss)) deferred_nan_at = step;
    }
    QVERIFY2(sync_nan_at >= 0, "lr 1e6 did not diverge");
    QCOMPARE(deferred_nan_at, sync_nan_at);
  }

  // Datasets kept on the device give the very batches the host path stages.
  void resident_data_gathers_the_same_batches() {
    const Dataset train = testdata::random_classification(500, 24, 10, 8);
    const Dataset val = testdata::random_classification(100, 24, 10, 9);
    const MlpSpec spec = testdata::spec_for(train, {32}, Activation::relu);
    auto host = make_gpu(false, true, 16, 0, false);
    auto resident = make_gpu();
    host->prepare(spec, momentum_sgd(), 64, kSeed);
    resident->prepare(spec, momentum_sgd(), 64, kSeed);
    host->attach_data(train, val);  // resident_data = false: keeps nothing
    resident->attach_data(train, val);
    QVERIFY(!cuda_stats(*host).resident_data);
    QVERIFY(cuda_stats(*resident).resident_data);
    const auto batch = static_cast<int>(MemCategory::batch);
    const std::int64_t dataset_bytes = (500 + 100) * (24 * 4 + 4);
    QVERIFY(resident->memory().current()[batch] >= host->memory().current()[batch] + dataset_bytes);
    for (std::int64_t step = 0; step < 20; ++step) {
      const auto rows = rows_for(step * 7, 64, train.rows);  // not contiguous across steps
      QCOMPARE(train_step(*resident, train, rows, kLr), train_step(*host, train, rows, kLr));
    }
    QVERIFY(resident->parameters() == host->parameters());
    const auto val_rows = testdata::all_rows(val);
    for (std::int64_t start = 0; start < val.rows; start += 64) {
      const auto part = std::span(val_rows).subspan(
          static_cast<std::size_t>(start),
          static_cast<std::size_t>(std::min<std::int64_t>(64, val.rows - start)));
      host->stage_batch(val, part);
      resident->stage_batch(val, part);
      const EvalTotals a = host->evaluate_staged();
      const EvalTotals b = resident->evaluate_staged();
      QCOMPARE(b.loss_sum, a.loss_sum);
      QCOMPARE(b.correct, a.correct);
    }
    QVERIFY_THROWS_EXCEPTION(Error,
                             resident->stage_batch(train, std::vector<std::int64_t>{0, 500}));
    // A label outside the classes is caught when the data go to the device, not later.
    Dataset bad = train;
    bad.labels[7] = 10;
    auto fresh = make_gpu();
    fresh->prepare(spec, momentum_sgd(), 64, kSeed);
    QVERIFY_THROWS_EXCEPTION(DataError, fresh->attach_data(bad, val));
  }

  // A budget smaller than the model ends in OutOfMemoryError naming the bytes asked, with nothing
  // left held; a generous one is honoured and reported.
  // Forward only: no gradient or optimizer bytes on the device, activations in the inference
  // layout, and the outputs of the CPU backend's inference with the same parameters.
  void inference_preparation_matches_cpu() {
    const Dataset d = testdata::random_classification(300, 24, 10, 9);
    const MlpSpec spec = testdata::spec_for(d, {64, 32, 48});
    auto gpu = make_gpu();
    auto cpu = make_cpu_backend(1, 0);
    gpu->prepare_inference(spec, 200, kSeed);
    cpu->prepare_inference(spec, 200, kSeed);
    const MemoryBytes m = gpu->memory().current();
    QCOMPARE(m[static_cast<int>(MemCategory::gradients)], std::int64_t{0});
    QCOMPARE(m[static_cast<int>(MemCategory::optimizer)], std::int64_t{0});
    QCOMPARE(m[static_cast<int>(MemCategory::activations)],
             predict_mlp_inference_memory(spec, 200)[static_cast<int>(MemCategory::activations)]);
    QCOMPARE(gpu->parameters(), cpu->parameters());
    std::vector<std::int64_t> rows(200);
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<std::int64_t>(i);
    gpu->stage_batch(d, rows);
    cpu->stage_batch(d, rows);
    std::vector<float> og(static_cast<std::size_t>(10 * 200)), oc(og.size());
    gpu->infer_staged(og);
    cpu->infer_staged(oc);
    QVERIFY2(
        max_abs_diff(og, oc) <= 1e-4 * max_abs(oc) + 1e-6,
        describe("inference outputs, max difference", max_abs_diff(og, oc), max_abs(oc)).c_str());
    QVERIFY_THROWS_EXCEPTION(std::logic_error, gpu->forward_backward(1.0f));
    QVERIFY(gpu->gradients().empty());
  }

  void budget_overrun_is_out_of_memory() {
    const Dataset d = testdata::random_classification(64, 24, 10, 2);
    const MlpSpec spec = testdata::spec_for(d, {256, 256});
    auto tight =
        make_gpu(false, true, 16, std::int64_t{1} << 20);  // 1 MiB: less than cuBLAS's workspace
    try {
      tight->prepare(spec, momentum_sgd(), 64, kSeed);
      QFAIL("a 1 MiB budget was not enforced");
    } catch (const OutOfMemoryError& e) {
      QVERIFY(e.requested > 0);
      QCOMPARE(e.limit, std::int64_t{1} << 20);
      QVERIFY2(std::string(e.what()).find("memory budget") != std::string::npos, e.what());
    }
    QCOMPARE(tight->memory().total(), std::int64_t{0});
    auto roomy = make_gpu(false, true, 16, std::int64_t{256} << 20);
    roomy->prepare(spec, momentum_sgd(), 64, kSeed);
    QVERIFY(roomy->memory().total() > 0 && roomy->memory().total() <= (std::int64_t{256} << 20));
  }

  // An allocation no GPU can satisfy is refused by cudaMalloc itself: OutOfMemoryError with the
  // bytes asked, everything allocated before it given back, and the device still usable.
  void impossible_allocation_is_out_of_memory_and_the_device_recovers() {
    const Dataset d = testdata::random_classification(64, 24, 10, 3);
    MlpSpec big;
    big.inputs = 4096;
    big.hidden = {4096};
    big.outputs = 10;
    big.task = Task::classification;
#ifdef BATCHLAB_HAVE_CUDA
    std::size_t free_before = 0, total = 0;
    QCOMPARE(cudaMemGetInfo(&free_before, &total), cudaSuccess);
#endif
    {
      auto gpu = make_gpu();
      const std::int64_t max_rows = std::int64_t{1} << 38;  // terabytes of per-row buffers
      try {
        gpu->prepare(big, momentum_sgd(), max_rows, kSeed);
        QFAIL("a multi-terabyte prepare succeeded");
      } catch (const OutOfMemoryError& e) {
        QVERIFY2(e.requested >= max_rows, e.what());
        QVERIFY2(std::string(e.what()).find("device allocation") != std::string::npos, e.what());
      }
      QCOMPARE(gpu->memory().total(), std::int64_t{0});
#ifdef BATCHLAB_HAVE_CUDA
      // The ~200 MB of parameters, gradients and momentum allocated before the refusal are back
      // (the margin is for this backend's cuBLAS handle and streams).
      std::size_t free_after = 0;
      QCOMPARE(cudaMemGetInfo(&free_after, &total), cudaSuccess);
      QVERIFY2(free_after + (std::size_t{128} << 20) >= free_before,
               ("free device memory fell from " + std::to_string(free_before >> 20) + " to " +
                std::to_string(free_after >> 20) + " MiB")
                   .c_str());
#endif
      // The same backend, and the device, go on working: a step that matches the CPU.
      const MlpSpec small = testdata::spec_for(d, {32}, Activation::tanh);
      gpu->prepare(small, momentum_sgd(), 64, kSeed);
      auto cpu = make_cpu_backend(0, 0);
      cpu->prepare(small, momentum_sgd(), 64, kSeed);
      const auto rows = testdata::all_rows(d);
      const double g = train_step(*gpu, d, rows, kLr);
      const double c = train_step(*cpu, d, rows, kLr);
      QVERIFY2(close(g, c, 1e-5), describe("loss after the refusal", g, c).c_str());
    }
  }

  // The Trainer on the GPU: the same run as on the CPU, with device timings in every step, and
  // a budget overrun reported as out_of_memory.
  void trainer_runs_on_the_gpu_like_on_the_cpu() {
    RunConfig c;
    c.seed = 7;
    c.dataset.kind = "blobs";
    c.dataset.samples = 600;
    c.dataset.classes = 3;
    c.model.hidden = {16};
    c.model.activation = Activation::tanh;
    c.optimizer.lr = 0.05;
    c.batch.size = 32;
    c.stop.epochs = 2.0;
    c.threads = 1;
    c.cuda.loss_every = 4;
    const DatasetSplit data = load_dataset(c.dataset, c.seed);
    auto cpu = make_cpu_backend(1, 0);
    c.device = "cuda";
    auto gpu = make_backend(c);
    QVERIFY2(gpu->device_name().rfind("cuda:0 (", 0) == 0, gpu->device_name().c_str());
    Recorder rc, rg;
    const RunFinished fc = run_trainer(c, data, *cpu, rc);
    const RunFinished fg = run_trainer(c, data, *gpu, rg);
    QCOMPARE(fg.status, RunStatus::completed);
    QCOMPARE(fg.summary.steps, fc.summary.steps);
    QCOMPARE(rg.steps.size(), rc.steps.size());
    QCOMPARE(rg.evals.size(), rc.evals.size());
    for (std::size_t i = 0; i < rg.steps.size(); ++i) {
      const StepEvent& g = rg.steps[i];
      QCOMPARE(g.step, static_cast<std::int64_t>(i + 1));
      QVERIFY2(close(g.loss, rc.steps[i].loss, 1e-3, 0.1),
               describe("trainer loss", g.loss, rc.steps[i].loss).c_str());
      QVERIFY(g.step_ms > 0 && g.compute_ms > 0 && g.data_ms >= 0);
      QVERIFY(std::isfinite(g.grad_norm2) && g.grad_norm2 > 0);
    }
    QVERIFY(std::abs(fg.summary.final_val_accuracy - fc.summary.final_val_accuracy) <= 0.02);
    QVERIFY(cuda_stats(*gpu).resident_data);  // the Trainer attached the datasets

    c.memory_budget_mb = 1.0;
    auto starved = make_backend(c);
    Recorder rs;
    const RunFinished fs = run_trainer(c, data, *starved, rs);
    QCOMPARE(fs.status, RunStatus::out_of_memory);
    QVERIFY(fs.summary.oom_requested_bytes.value_or(0) > 0);
    QVERIFY(rs.steps.empty());
  }

  void auto_takes_the_gpu_and_says_so() {
    RunConfig c;
    c.device = "auto";
    std::string choice;
    auto backend = make_backend(c, &choice);
    QVERIFY2(backend->device_name().rfind("cuda:", 0) == 0, backend->device_name().c_str());
    QVERIFY2(choice.find("device auto: took cuda:0") == 0, choice.c_str());
    c.device = "cuda:99";
    QVERIFY_THROWS_EXCEPTION(Error, make_backend(c));
  }
};

QTEST_APPLESS_MAIN(CudaBackendTest)
#include "test_cuda_backend.moc"
