// Offline batch inference on the CPU backend: at every batch size its predictions and accuracy
// are the trained model's own evaluation of the same rows (a backend prepared for training),
// its memory is exactly what the memory model predicts for inference (no gradients, no
// optimizer state), and a batch size that does not fit is a result, not a crash.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "backend_test_data.h"
#include "engine/backend/backend.h"
#include "engine/core/errors.h"
#include "engine/metrics/memory_model.h"
#include "engine/serve/offline_infer.h"

using namespace batchlab;

namespace {

MlpSpec spec_for(const Dataset& d, std::vector<std::int64_t> hidden) {
  MlpSpec s;
  s.inputs = d.features;
  s.hidden = std::move(hidden);
  s.outputs = d.outputs;
  s.task = d.task;
  return s;
}

// A few optimizer steps, so the parameters are a trained model's rather than an initialiser's.
std::vector<float> trained(Backend& b, const Dataset& d) {
  std::vector<std::int64_t> rows(static_cast<std::size_t>(d.rows));
  std::iota(rows.begin(), rows.end(), 0);
  OptimizerConfig opt;
  opt.kind = OptimizerKind::adam;
  opt.lr = 0.01;
  for (int step = 0; step < 20; ++step) {
    b.stage_batch(d, rows);
    b.zero_grad();
    b.forward_backward(1.0f);
    b.apply_update(opt.lr);
  }
  return b.parameters();
}

BackendFactory cpu(std::int64_t budget = 0) {
  return [budget] { return make_cpu_backend(1, budget); };
}

}  // namespace

class TestInfer : public QObject {
  Q_OBJECT

 private slots:
  void predictionsEqualTheTrainedModelsEvaluation() {
    const Dataset data = testdata::random_classification(300, 5, 4, 9);
    const MlpSpec spec = spec_for(data, {32, 16});
    OptimizerConfig opt;
    opt.kind = OptimizerKind::adam;
    auto train = make_cpu_backend(1, 0);
    train->prepare(spec, opt, data.rows, 1);
    const std::vector<float> params = trained(*train, data);

    // The reference: the training-prepared backend evaluates all rows in one batch.
    std::vector<std::int64_t> rows(static_cast<std::size_t>(data.rows));
    std::iota(rows.begin(), rows.end(), 0);
    train->stage_batch(data, rows);
    const EvalTotals totals = train->evaluate_staged();
    const std::vector<float> logits = train->outputs();  // outputs × rows, column-major
    QCOMPARE(logits.size(), static_cast<std::size_t>(data.rows * spec.outputs));

    InferOptions options;
    options.batch_sizes = {1, 7, 64, 1024};
    options.min_seconds = 0.0;
    options.min_batches = 2;
    options.keep_outputs = true;
    const InferResult r = run_batch_inference(spec, params, 1, data, options, cpu());
    QCOMPARE(r.points.size(), std::size_t{4});
    for (const InferPoint& p : r.points) {
      QVERIFY(p.fits);
      QCOMPARE(p.rows, data.rows);
      QCOMPARE(p.accuracy, static_cast<double>(totals.correct) / static_cast<double>(data.rows));
      float worst = 0.0f;
      for (std::int64_t i = 0; i < data.rows; ++i) {
        const float* ref = logits.data() + i * spec.outputs;
        const auto want = static_cast<std::int32_t>(std::max_element(ref, ref + spec.outputs) - ref);
        QCOMPARE(p.predictions[static_cast<std::size_t>(i)], want);
        for (std::int64_t k = 0; k < spec.outputs; ++k)
          worst = std::max(worst, std::fabs(p.outputs[static_cast<std::size_t>(i * spec.outputs + k)] - ref[k]));
      }
      QVERIFY2(worst < 1e-4f, qPrintable(QString("batch %1: logits differ by %2").arg(p.batch_size).arg(worst)));
      QVERIFY(p.timed_batches >= 2);
      QVERIFY(p.samples_per_s > 0 && std::isfinite(p.step_ms));
    }
  }

  // Measured equals the memory model category by category, and inference holds no gradient or
  // optimizer state; activations grow with the batch, parameters do not.
  void inferenceMemoryIsTheModels() {
    const Dataset data = testdata::random_classification(100, 12, 3, 4);
    const MlpSpec spec = spec_for(data, {64, 64, 32});
    InferOptions options;
    options.batch_sizes = {1, 16, 256};
    options.min_seconds = 0.0;
    options.min_batches = 1;
    const InferResult r = run_batch_inference(spec, {}, 3, data, options, cpu());
    for (const InferPoint& p : r.points) {
      QVERIFY(p.memory == p.predicted);
      QVERIFY(p.predicted == predict_mlp_inference_memory(spec, p.batch_size));
      QCOMPARE(p.memory[static_cast<std::size_t>(MemCategory::gradients)], std::int64_t{0});
      QCOMPARE(p.memory[static_cast<std::size_t>(MemCategory::optimizer)], std::int64_t{0});
      QCOMPARE(p.memory[static_cast<std::size_t>(MemCategory::parameters)],
               4 * mlp_parameter_count(spec));
    }
    const auto act = [&](std::size_t i) {
      return r.points[i].memory[static_cast<std::size_t>(MemCategory::activations)];
    };
    QCOMPARE(act(2), act(0) * 256);
    QVERIFY(r.points[2].memory[static_cast<std::size_t>(MemCategory::parameters)] ==
            r.points[0].memory[static_cast<std::size_t>(MemCategory::parameters)]);
  }

  void regressionReportsMse() {
    const Dataset data = testdata::random_regression(50, 3, 2, 5);
    const MlpSpec spec = spec_for(data, {8});
    InferOptions options;
    options.batch_sizes = {4};
    options.min_seconds = 0.0;
    options.min_batches = 1;
    options.keep_outputs = true;
    const InferResult r = run_batch_inference(spec, {}, 1, data, options, cpu());
    const InferPoint& p = r.points.front();
    QVERIFY(std::isnan(p.accuracy));
    double squared = 0;
    for (std::size_t i = 0; i < p.outputs.size(); ++i) {
      const double d = p.outputs[i] - data.targets[i];
      squared += d * d;
    }
    QCOMPARE(p.mse, squared / static_cast<double>(p.outputs.size()));
    QVERIFY(p.predictions.empty());
  }

  // A budget that holds batch 1 but not batch 4096: the big one is a result that says so.
  void aBatchThatDoesNotFitIsAResult() {
    const Dataset data = testdata::random_classification(64, 32, 2, 1);
    const MlpSpec spec = spec_for(data, {256});
    const std::int64_t budget = total_bytes(predict_mlp_inference_memory(spec, 64));
    InferOptions options;
    options.batch_sizes = {1, 4096, 8};
    options.min_seconds = 0.0;
    options.min_batches = 1;
    const InferResult r = run_batch_inference(spec, {}, 1, data, options, cpu(budget));
    QCOMPARE(r.points.size(), std::size_t{3});
    QVERIFY(r.points[0].fits);
    QVERIFY(!r.points[1].fits);
    QVERIFY(!r.points[1].error.empty());
    QVERIFY(r.points[2].fits);
  }

  void mismatchedInputsAreErrors() {
    const Dataset data = testdata::random_classification(10, 3, 2, 1);
    MlpSpec spec = spec_for(data, {4});
    spec.inputs = 5;
    bool threw = false;
    try {
      run_batch_inference(spec, {}, 1, data, {}, cpu());
    } catch (const Error& e) {
      threw = std::string(e.what()).find("5 inputs") != std::string::npos;
    }
    QVERIFY(threw);
  }
};

QTEST_APPLESS_MAIN(TestInfer)
#include "test_infer.moc"
