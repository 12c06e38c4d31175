// The Eigen backend as the Trainer uses it: reproducible from a seed, learns a separable
// problem, gives the big-batch gradient from accumulated micro-batches, initialises as He and
// Xavier say, and reports bad input with a message.
#include <QTest>
#include <cmath>
#include <string>

#include "backend_test_data.h"
#include "engine/backend/backend.h"
#include "engine/core/errors.h"

using namespace batchlab;

namespace {

OptimizerConfig momentum_sgd(double lr = 0.1) {
  OptimizerConfig o;
  o.lr = lr;
  o.momentum = 0.9;
  return o;
}

struct Moments {
  double mean = 0, stddev = 0, max_abs = 0;
};

Moments moments(const std::vector<float>& p, const ParamEntry& e) {
  Moments m;
  const auto n = static_cast<double>(e.size());
  for (std::int64_t i = 0; i < e.size(); ++i) m.mean += p[static_cast<std::size_t>(e.offset + i)];
  m.mean /= n;
  for (std::int64_t i = 0; i < e.size(); ++i) {
    const double v = p[static_cast<std::size_t>(e.offset + i)];
    m.stddev += (v - m.mean) * (v - m.mean);
    m.max_abs = std::max(m.max_abs, std::abs(v));
  }
  m.stddev = std::sqrt(m.stddev / n);
  return m;
}

// Twenty SGD steps on rotating mini-batches; returns the losses.
std::vector<double> train_steps(Backend& backend, const Dataset& d, int steps, std::int64_t batch) {
  std::vector<double> losses;
  std::vector<std::int64_t> rows(static_cast<std::size_t>(batch));
  for (int s = 0; s < steps; ++s) {
    for (std::int64_t j = 0; j < batch; ++j)
      rows[static_cast<std::size_t>(j)] = (s * batch + j) % d.rows;
    backend.stage_batch(d, rows);
    backend.zero_grad();
    losses.push_back(backend.forward_backward(1.0f));
    backend.apply_update(0.05);
  }
  return losses;
}

}  // namespace

class CpuBackendTest : public QObject {
  Q_OBJECT

 private slots:
  void device_name_says_eigen_and_threads() {
    auto backend = make_cpu_backend(1, 0);
    const std::string name = backend->device_name();
    QVERIFY2(name.rfind("cpu (Eigen 3.", 0) == 0, name.c_str());
    QVERIFY2(name.find(", 1 thread)") != std::string::npos, name.c_str());
    QCOMPARE(backend->device_total_bytes(), std::int64_t{0});
  }

  void same_seed_is_bit_identical_over_20_steps() {
    const Dataset d = testdata::random_classification(200, 20, 4, 7);
    const MlpSpec spec = testdata::spec_for(d, {32, 16}, Activation::gelu);
    auto a = make_cpu_backend(0, 0);
    auto b = make_cpu_backend(0, 0);
    a->prepare(spec, momentum_sgd(), 32, 42);
    b->prepare(spec, momentum_sgd(), 32, 42);
    QCOMPARE(a->parameters(), b->parameters());
    const auto la = train_steps(*a, d, 20, 32);
    const auto lb = train_steps(*b, d, 20, 32);
    QCOMPARE(la, lb);
    QCOMPARE(a->parameters(), b->parameters());
    QVERIFY(la.back() < la.front());

    auto c = make_cpu_backend(0, 0);
    c->prepare(spec, momentum_sgd(), 32, 43);
    QVERIFY(c->parameters() != a->parameters());
  }

  // Bigger than the threshold where products are split across threads: the same seed still
  // repeats exactly, and two threads agree with one to float rounding.
  void threaded_products_are_reproducible_and_correct() {
    const Dataset d = testdata::random_classification(512, 300, 10, 8);
    const MlpSpec spec = testdata::spec_for(d, {256, 128});
    std::vector<std::vector<float>> grads;
    for (int threads : {2, 2, 1}) {
      auto backend = make_cpu_backend(threads, 0);
      backend->prepare(spec, momentum_sgd(), 512, 3);
      backend->stage_batch(d, testdata::all_rows(d));
      backend->zero_grad();
      backend->forward_backward(1.0f);
      grads.push_back(backend->gradients());
    }
    QCOMPARE(grads[0], grads[1]);
    double scale = 0;
    for (float g : grads[2]) scale = std::max(scale, std::abs(static_cast<double>(g)));
    for (std::size_t i = 0; i < grads[2].size(); ++i)
      QVERIFY(std::abs(grads[0][i] - grads[2][i]) <= 1e-4 * scale);
  }

  void learns_a_separable_problem() {
    const Dataset d = testdata::two_blobs(64, 5);
    const MlpSpec spec = testdata::spec_for(d, {8}, Activation::tanh, Init::xavier);
    auto backend = make_cpu_backend(1, 0);
    backend->prepare(spec, momentum_sgd(), d.rows, 9);
    backend->stage_batch(d, testdata::all_rows(d));
    const EvalTotals before = backend->evaluate_staged();
    double loss = 0;
    for (int step = 0; step < 100; ++step) {
      backend->zero_grad();
      loss = backend->forward_backward(1.0f);
      backend->apply_update(0.1);
    }
    const EvalTotals after = backend->evaluate_staged();
    QCOMPARE(after.rows, d.rows);
    QCOMPARE(after.correct, d.rows);
    QVERIFY(after.loss_sum / 64 < 0.05);
    QVERIFY(after.loss_sum < 0.1 * before.loss_sum);
    QVERIFY(loss < 0.05);
  }

  void learns_a_linear_regression() {
    Dataset d = testdata::random_regression(128, 3, 1, 6);
    for (std::int64_t r = 0; r < d.rows; ++r)  // t = 2x₀ − x₁ + 0.5
      d.targets[static_cast<std::size_t>(r)] = 2 * d.row(r)[0] - d.row(r)[1] + 0.5f;
    auto backend = make_cpu_backend(1, 0);
    OptimizerConfig opt;
    opt.kind = OptimizerKind::adam;
    backend->prepare(testdata::spec_for(d, {16}), opt, d.rows, 2);
    backend->stage_batch(d, testdata::all_rows(d));
    const double first = backend->evaluate_staged().loss_sum / 128;
    for (int step = 0; step < 300; ++step) {
      backend->zero_grad();
      backend->forward_backward(1.0f);
      backend->apply_update(0.01);
    }
    const EvalTotals after = backend->evaluate_staged();
    QCOMPARE(after.correct, std::int64_t{0});  // no accuracy for regression
    QVERIFY(after.loss_sum / 128 < 0.01 * first);
  }

  // k micro-batches with grad_scale = rows/B give the big-batch gradient (DESIGN: accumulation
  // changes memory, not the maths).
  void two_half_batches_equal_one_batch() {
    const Dataset d = testdata::random_classification(64, 10, 3, 12);
    const MlpSpec spec = testdata::spec_for(d, {12, 8}, Activation::sigmoid);
    const auto rows = testdata::all_rows(d);
    auto whole = make_cpu_backend(1, 0);
    whole->prepare(spec, momentum_sgd(), 64, 4);
    whole->stage_batch(d, rows);
    whole->zero_grad();
    const double loss = whole->forward_backward(1.0f);

    auto halves = make_cpu_backend(1, 0);
    halves->prepare(spec, momentum_sgd(), 32, 4);
    halves->zero_grad();
    double half_losses = 0;
    for (int h = 0; h < 2; ++h) {
      halves->stage_batch(d, std::span(rows).subspan(static_cast<std::size_t>(32 * h), 32));
      half_losses += 0.5 * halves->forward_backward(0.5f);
    }
    QVERIFY(std::abs(half_losses - loss) < 1e-6);
    const auto g1 = whole->gradients();
    const auto g2 = halves->gradients();
    double scale = 0;
    for (float g : g1) scale = std::max(scale, std::abs(static_cast<double>(g)));
    QVERIFY(scale > 0);
    for (std::size_t i = 0; i < g1.size(); ++i)
      QVERIFY(std::abs(g1[i] - g2[i]) <= 1e-6 * scale + 1e-5 * std::abs(g1[i]));
  }

  // Micro-batches of up to 8 rows take the streaming kernels (small_products.h), bigger ones
  // Eigen's GEMM. Both must give the same loss, gradient and |g|², for widths that are not
  // multiples of the SIMD width, whether a micro-batch writes the gradient or adds to it.
  void small_batch_kernels_agree_with_the_gemm_path_data() {
    QTest::addColumn<bool>("classification");
    QTest::newRow("classification, relu") << true;
    QTest::newRow("regression, tanh") << false;
  }
  void small_batch_kernels_agree_with_the_gemm_path() {
    QFETCH(bool, classification);
    const Dataset d = classification ? testdata::random_classification(24, 37, 5, 17)
                                     : testdata::random_regression(24, 37, 3, 18);
    const MlpSpec spec =
        testdata::spec_for(d, {40, 19}, classification ? Activation::relu : Activation::tanh);
    const auto rows = testdata::all_rows(d);
    auto whole = make_cpu_backend(1, 0);
    whole->prepare(spec, momentum_sgd(), 24, 6);
    whole->stage_batch(d, rows);
    whole->zero_grad();
    const double loss = whole->forward_backward(1.0f);
    const auto g1 = whole->gradients();
    const double eval_loss = whole->evaluate_staged().loss_sum;
    double scale = 0;
    for (float g : g1) scale = std::max(scale, std::abs(static_cast<double>(g)));
    QVERIFY(scale > 0);

    for (std::int64_t chunk : {1, 3, 6, 8}) {
      auto small = make_cpu_backend(1, 0);
      small->prepare(spec, momentum_sgd(), chunk, 6);
      small->zero_grad();
      double losses = 0, eval_losses = 0;
      for (std::int64_t start = 0; start < 24; start += chunk) {
        small->stage_batch(d, std::span(rows).subspan(static_cast<std::size_t>(start),
                                                      static_cast<std::size_t>(chunk)));
        eval_losses += small->evaluate_staged().loss_sum;
        const float part = static_cast<float>(chunk) / 24.0f;
        losses += part * small->forward_backward(part);
      }
      QVERIFY2(std::abs(losses - loss) < 1e-5, qPrintable(QString::number(chunk)));
      QVERIFY(std::abs(eval_losses - eval_loss) < 1e-4);
      const auto g2 = small->gradients();
      double norm2 = 0;
      for (std::size_t i = 0; i < g1.size(); ++i) {
        QVERIFY2(std::abs(g1[i] - g2[i]) <= 1e-5 * scale,
                 qPrintable(QString("chunk %1, gradient %2: %3 vs %4")
                                .arg(chunk)
                                .arg(i)
                                .arg(g1[i])
                                .arg(g2[i])));
        norm2 += static_cast<double>(g2[i]) * g2[i];
      }
      QVERIFY(std::abs(small->grad_norm2() - norm2) <= 1e-6 * norm2);
    }
  }

  // zero_grad() only marks the gradient zero; what it held must never leak into what follows.
  void zero_grad_discards_the_previous_gradient() {
    const Dataset d = testdata::random_classification(4, 6, 3, 19);
    auto backend = make_cpu_backend(1, 0);
    backend->prepare(testdata::spec_for(d, {5}), momentum_sgd(0.1), 4, 2);
    backend->stage_batch(d, testdata::all_rows(d));
    backend->zero_grad();
    backend->forward_backward(1.0f);
    const auto g = backend->gradients();
    const double n = backend->grad_norm2();
    backend->zero_grad();
    backend->forward_backward(1.0f);
    QCOMPARE(backend->gradients(), g);  // written, not added to the stale values
    QCOMPARE(backend->grad_norm2(), n);

    // An update with no backward since zero_grad sees a zero gradient: buf = 0.9·buf only.
    const auto p0 = backend->parameters();
    backend->apply_update(0.1);  // buf = g, p1 = p0 − 0.1·g
    const auto p1 = backend->parameters();
    backend->zero_grad();
    for (float v : backend->gradients()) QCOMPARE(v, 0.0f);
    QCOMPARE(backend->grad_norm2(), 0.0);
    backend->apply_update(0.1);  // buf = 0.9·g, p2 = p1 − 0.09·g
    const auto p2 = backend->parameters();
    for (std::size_t i = 0; i < p0.size(); ++i) {
      const double step = static_cast<double>(p0[i]) - p1[i];
      QVERIFY(std::abs((static_cast<double>(p1[i]) - p2[i]) - 0.9 * step) <= 1e-6);
    }
    for (float v : backend->gradients()) QCOMPARE(v, 0.0f);
  }

  // apply_update() leaves its step to the next forward pass, which applies it block by block as
  // it reads the weights. The result must be bit for bit the step applied at once, whatever
  // reads the parameters in between, for every optimizer and both product paths.
  void deferred_update_equals_the_immediate_one_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<bool>("nesterov");
    QTest::addColumn<std::int64_t>("batch");
    const int sgd = static_cast<int>(OptimizerKind::sgd);
    const int adam = static_cast<int>(OptimizerKind::adam);
    QTest::newRow("momentum, batch 4") << sgd << false << std::int64_t{4};
    QTest::newRow("nesterov, batch 1") << sgd << true << std::int64_t{1};
    QTest::newRow("adam, batch 8") << adam << false << std::int64_t{8};
    QTest::newRow("momentum, batch 20") << sgd << false << std::int64_t{20};
  }
  void deferred_update_equals_the_immediate_one() {
    QFETCH(int, kind);
    QFETCH(bool, nesterov);
    QFETCH(std::int64_t, batch);
    const Dataset d = testdata::random_classification(40, 70, 4, 23);
    const MlpSpec spec = testdata::spec_for(d, {50, 30});
    OptimizerConfig opt = momentum_sgd(0.05);
    opt.kind = static_cast<OptimizerKind>(kind);
    opt.nesterov = nesterov;
    opt.weight_decay = 0.01;
    std::vector<std::vector<float>> finals;
    std::vector<std::vector<double>> losses;
    for (bool flush_each_step : {false, true}) {
      auto backend = make_cpu_backend(1, 0);
      backend->prepare(spec, opt, batch, 8);
      std::vector<std::int64_t> rows(static_cast<std::size_t>(batch));
      losses.emplace_back();
      for (int step = 0; step < 6; ++step) {
        for (std::int64_t j = 0; j < batch; ++j)
          rows[static_cast<std::size_t>(j)] = (step * batch + j) % d.rows;
        backend->stage_batch(d, rows);
        backend->zero_grad();
        losses.back().push_back(backend->forward_backward(1.0f));
        backend->apply_update(0.05 * (step + 1));  // a changing lr, as a warmup gives
        // set_parameters() applies the pending step first; handing back the parameters as
        // parameters() reports them must then change nothing.
        if (flush_each_step) backend->set_parameters(backend->parameters());
      }
      losses.back().push_back(backend->evaluate_staged().loss_sum);
      finals.push_back(backend->parameters());
    }
    QCOMPARE(losses[0], losses[1]);
    QCOMPARE(finals[0], finals[1]);
    QVERIFY(losses[0].front() != losses[0][5]);  // the steps did move the parameters
  }

  void evaluate_agrees_with_training_loss_and_counts_hits() {
    const Dataset d = testdata::random_classification(50, 6, 5, 13);
    auto backend = make_cpu_backend(1, 0);
    backend->prepare(testdata::spec_for(d, {7}), momentum_sgd(), 50, 1);
    backend->stage_batch(d, testdata::all_rows(d));
    const EvalTotals t = backend->evaluate_staged();
    backend->zero_grad();
    QVERIFY(std::abs(t.loss_sum / 50 - backend->forward_backward(1.0f)) < 1e-6);
    QCOMPARE(t.rows, std::int64_t{50});
    QVERIFY(t.correct >= 0 && t.correct <= 50);
    // Zero weights with a bias favouring class 3: every row predicts 3.
    auto p = backend->parameters();
    std::fill(p.begin(), p.end(), 0.0f);
    const auto layout = mlp_layout(backend_spec_of(d));
    p[static_cast<std::size_t>(layout.back().offset + 3)] = 1.0f;
    backend->set_parameters(p);
    std::int64_t threes = 0;
    for (auto l : d.labels) threes += l == 3;
    QCOMPARE(backend->evaluate_staged().correct, threes);
    // The logits the CUDA tests compare against: the bias alone, row after row.
    const std::vector<float> out = backend->outputs();
    QCOMPARE(out.size(), std::size_t{50 * 5});
    for (std::size_t i = 0; i < out.size(); ++i) QCOMPARE(out[i], i % 5 == 3 ? 1.0f : 0.0f);
  }

  void he_and_xavier_initialisation() {
    MlpSpec spec;
    spec.inputs = 400;
    spec.hidden = {300};
    spec.outputs = 100;
    auto backend = make_cpu_backend(1, 0);
    backend->prepare(spec, momentum_sgd(), 1, 77);
    auto layout = mlp_layout(spec);
    auto p = backend->parameters();
    Moments w0 = moments(p, layout[0]);
    QVERIFY(std::abs(w0.mean) < 0.002);
    QVERIFY(std::abs(w0.stddev / std::sqrt(2.0 / 400) - 1) < 0.02);
    QCOMPARE(moments(p, layout[1]).max_abs, 0.0);  // biases start at zero
    QVERIFY(std::abs(moments(p, layout[2]).stddev / std::sqrt(2.0 / 300) - 1) < 0.03);

    spec.init = Init::xavier;
    backend->prepare(spec, momentum_sgd(), 1, 77);
    p = backend->parameters();
    const double limit = std::sqrt(6.0 / (400 + 300));
    w0 = moments(p, layout[0]);
    QVERIFY(w0.max_abs <= limit);
    QVERIFY(w0.max_abs > 0.99 * limit);
    QVERIFY(std::abs(w0.stddev / (limit / std::sqrt(3.0)) - 1) < 0.02);
  }

  void bad_batches_are_reported() {
    const Dataset d = testdata::random_classification(10, 4, 3, 1);
    auto backend = make_cpu_backend(1, 0);
    backend->prepare(testdata::spec_for(d, {5}), momentum_sgd(), 4, 1);
    const std::vector<std::int64_t> too_many{0, 1, 2, 3, 4};
    QVERIFY_THROWS_EXCEPTION(Error, backend->stage_batch(d, too_many));
    const std::vector<std::int64_t> outside{0, 10};
    QVERIFY_THROWS_EXCEPTION(Error, backend->stage_batch(d, outside));
    const Dataset wide = testdata::random_classification(10, 5, 3, 1);
    QVERIFY_THROWS_EXCEPTION(DataError, backend->stage_batch(wide, std::vector<std::int64_t>{0}));
    Dataset bad_label = d;
    bad_label.labels[2] = 3;
    try {
      backend->stage_batch(bad_label, std::vector<std::int64_t>{1, 2});
      QFAIL("a label outside the classes was staged");
    } catch (const DataError& e) {
      QVERIFY2(std::string(e.what()).find("row 2 has label 3") != std::string::npos, e.what());
    }
    QVERIFY_THROWS_EXCEPTION(Error, backend->set_parameters(std::vector<float>(3, 0.0f)));
  }

 private:
  static MlpSpec backend_spec_of(const Dataset& d) { return testdata::spec_for(d, {7}); }
};

QTEST_APPLESS_MAIN(CpuBackendTest)
#include "test_cpu_backend.moc"
