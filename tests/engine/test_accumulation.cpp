// Gradient accumulation (DESIGN §3): k micro-batches of B/k give the update of one batch of B,
// within float32 tolerance, through the backend and through the Trainer; only activation memory
// changes, and it falls by k.
#include <QtTest>

#include <cmath>
#include <numeric>

#include "backend_test_data.h"
#include "engine/backend/backend.h"
#include "engine/metrics/memory_model.h"
#include "engine/train/trainer.h"

using namespace batchlab;

namespace {

// Largest |a−b| / (1 + |a|) over two parameter vectors.
double max_relative_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]) / (1.0 + std::fabs(a[i])));
  return worst;
}

MlpSpec spec_for(const Dataset& d) {
  MlpSpec s;
  s.inputs = d.features;
  s.hidden = {24, 16};
  s.outputs = d.outputs;
  s.activation = Activation::tanh;
  s.task = d.task;
  return s;
}

// One update of the rows [0, n) split into passes of `sizes`, from a backend freshly prepared
// with `seed`. Returns the parameters after the update; `grad` gets the gradient it used.
std::vector<float> one_update(const Dataset& d, const std::vector<std::int64_t>& sizes,
                              const OptimizerConfig& opt, std::vector<float>* grad = nullptr) {
  const std::int64_t n = std::accumulate(sizes.begin(), sizes.end(), std::int64_t{0});
  auto backend = make_cpu_backend(1, 0);
  backend->prepare(spec_for(d), opt, *std::max_element(sizes.begin(), sizes.end()), 11);
  std::vector<std::int64_t> rows(static_cast<std::size_t>(n));
  std::iota(rows.begin(), rows.end(), std::int64_t{0});
  backend->zero_grad();
  std::int64_t start = 0;
  for (const std::int64_t m : sizes) {
    backend->stage_batch(
        d, std::span<const std::int64_t>(rows.data() + start, static_cast<std::size_t>(m)));
    backend->forward_backward(static_cast<float>(static_cast<double>(m) / static_cast<double>(n)));
    start += m;
  }
  if (grad) *grad = backend->gradients();
  backend->apply_update(0.1);
  return backend->parameters();
}

struct Recorder : EventSink {
  std::vector<StepEvent> steps;
  RunStarted started;
  void on_run_started(const RunStarted& s) override { started = s; }
  void on_step(const StepEvent& e) override { steps.push_back(e); }
  void on_eval(const EvalEvent&) override {}
  void on_run_finished(const RunFinished&) override {}
};

struct TrainerRun {
  std::vector<float> params;
  Recorder rec;
  RunFinished finished;
};

TrainerRun train_steps(const DatasetSplit& data, int k, std::int64_t batch, std::int64_t steps) {
  RunConfig c;
  c.seed = 5;
  c.model.hidden = {24, 16};
  c.model.activation = Activation::tanh;
  c.optimizer.lr = 0.1;
  c.optimizer.momentum = 0.9;
  c.batch.size = batch;
  c.batch.accumulate = k;
  c.stop.epochs.reset();
  c.stop.max_steps = steps;
  c.eval.every_epochs.reset();
  c.threads = 1;
  auto backend = make_cpu_backend(1, 0);
  TrainerRun r;
  TrainerInputs in;
  in.config = &c;
  in.data = &data;
  in.backend = backend.get();
  in.sink = &r.rec;
  r.finished = train(in);
  r.params = backend->parameters();
  return r;
}

}  // namespace

class TestAccumulation : public QObject {
  Q_OBJECT

 private slots:
  void backendMicroBatchesGiveTheBigBatchUpdate_data() {
    QTest::addColumn<bool>("classification");
    QTest::addColumn<QString>("split");
    for (bool cls : {true, false}) {
      const char* task = cls ? "softmax" : "mse";
      QTest::newRow(qPrintable(QString("%1 4×12").arg(task))) << cls << "12,12,12,12";
      QTest::newRow(qPrintable(QString("%1 uneven").arg(task))) << cls << "17,17,14";
      QTest::newRow(qPrintable(QString("%1 singles").arg(task)))
          << cls << QString("1,").repeated(47) + "1";
    }
  }
  void backendMicroBatchesGiveTheBigBatchUpdate() {
    QFETCH(bool, classification);
    QFETCH(QString, split);
    const Dataset d = classification ? testdata::random_classification(48, 5, 3, 21)
                                     : testdata::random_regression(48, 5, 2, 21);
    std::vector<std::int64_t> sizes;
    for (const QString& part : split.split(',')) sizes.push_back(part.toLongLong());
    for (const bool adam : {false, true}) {
      OptimizerConfig opt;
      opt.kind = adam ? OptimizerKind::adam : OptimizerKind::sgd;
      opt.momentum = 0.9;
      std::vector<float> g_big;
      std::vector<float> g_acc;
      const auto big = one_update(d, {48}, opt, &g_big);
      const auto acc = one_update(d, sizes, opt, &g_acc);
      QCOMPARE(acc.size(), big.size());
      // The gradients agree to float32 rounding of a sum in a different order...
      const double g_diff = max_relative_diff(g_big, g_acc);
      QVERIFY2(g_diff < 2e-6, qPrintable(QString("gradient differs by %1").arg(g_diff)));
      // ...and so do the parameters after the update (SGD's step is proportional to the
      // gradient; Adam's first step ≈ lr·sign(g) is as sensitive to a wrong sign or direction).
      const double p_diff = max_relative_diff(big, acc);
      QVERIFY2(p_diff < 2e-6, qPrintable(QString("parameters differ by %1").arg(p_diff)));
      // And the update is not trivially zero.
      std::vector<float> start;
      {
        auto b = make_cpu_backend(1, 0);
        b->prepare(spec_for(d), opt, 48, 11);
        start = b->parameters();
      }
      QVERIFY(max_relative_diff(start, big) > 1e-3);
    }
  }

  void trainerAccumulatedStepsMatchTheBigBatch() {
    DatasetSplit data;
    data.train = testdata::random_classification(960, 6, 4, 3);
    const TrainerRun one = train_steps(data, 1, 96, 5);
    for (const int k : {2, 3, 4, 8}) {
      const TrainerRun acc = train_steps(data, k, 96, 5);
      QCOMPARE(acc.finished.status, RunStatus::completed);
      QCOMPARE(acc.rec.steps.size(), std::size_t{5});
      QCOMPARE(acc.rec.steps[0].micro_batches, k);
      QCOMPARE(acc.rec.steps[0].batch_size, std::int64_t{96});
      for (std::size_t i = 0; i < 5; ++i)
        QVERIFY2(std::fabs(acc.rec.steps[i].loss - one.rec.steps[i].loss) < 1e-5,
                 qPrintable(QString("k=%1 step %2: loss %3 vs %4")
                                .arg(k)
                                .arg(i + 1)
                                .arg(acc.rec.steps[i].loss)
                                .arg(one.rec.steps[i].loss)));
      // Five momentum steps: rounding differences may compound a little, not more.
      const double diff = max_relative_diff(one.params, acc.params);
      QVERIFY2(diff < 1e-5, qPrintable(QString("k=%1: parameters differ by %2").arg(k).arg(diff)));
    }
  }

  void activationMemoryFallsByK() {
    DatasetSplit data;
    data.train = testdata::random_classification(640, 6, 4, 3);
    const auto category = [](const MemoryBytes& m, MemCategory c) {
      return m[static_cast<int>(c)];
    };
    const TrainerRun one = train_steps(data, 1, 128, 2);
    const std::int64_t act1 = category(one.rec.steps[0].memory, MemCategory::activations);
    QVERIFY(act1 > 0);
    for (const int k : {2, 4, 8, 16}) {
      const TrainerRun acc = train_steps(data, k, 128, 2);
      const MemoryBytes& m = acc.rec.steps[0].memory;
      // 128 / k rows per pass: activations and the staged batch shrink exactly k times...
      QCOMPARE(category(m, MemCategory::activations) * k, act1);
      QCOMPARE(category(m, MemCategory::batch) * k,
               category(one.rec.steps[0].memory, MemCategory::batch));
      // ...while parameters, gradients and optimizer state do not change.
      for (MemCategory c :
           {MemCategory::parameters, MemCategory::gradients, MemCategory::optimizer})
        QCOMPARE(category(m, c), category(one.rec.steps[0].memory, c));
      // The memory model the GUI shows before the run agrees.
      QCOMPARE(total_bytes(acc.rec.started.predicted), total_bytes(m));
    }
  }
};

QTEST_APPLESS_MAIN(TestAccumulation)
#include "test_accumulation.moc"
