// The CPU backend's loss and analytic gradients against an independent reference: a plain
// double-precision MLP written here, differentiated by central differences. A wrong sign, a
// missing 1/B, a transposed weight or a wrong activation derivative all show up as a mismatch.
#include <QTest>
#include <algorithm>
#include <cmath>
#include <vector>

#include "backend_test_data.h"
#include "engine/backend/backend.h"
#include "engine/core/errors.h"

using namespace batchlab;

namespace {

double act(Activation a, double z) {
  switch (a) {
    case Activation::relu:
      return z > 0 ? z : 0;
    case Activation::tanh:
      return std::tanh(z);
    case Activation::sigmoid:
      return 1.0 / (1.0 + std::exp(-z));
    case Activation::gelu:
      return 0.5 * z * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (z + 0.044715 * z * z * z)));
  }
  return 0;
}

struct Reference {
  double loss = 0;
  double min_abs_hidden_z = INFINITY;  // how close a ReLU kink is to the evaluation point
};

// Mean loss of the MLP with parameters `p` (laid out as mlp_layout says) over every row of d.
Reference reference_loss(const MlpSpec& spec, const std::vector<double>& p, const Dataset& d) {
  const auto layout = mlp_layout(spec);
  Reference ref;
  for (std::int64_t r = 0; r < d.rows; ++r) {
    std::vector<double> a(d.row(r), d.row(r) + d.features);
    for (std::size_t l = 0; l < layout.size() / 2; ++l) {
      const ParamEntry& w = layout[2 * l];
      const ParamEntry& b = layout[2 * l + 1];
      std::vector<double> z(static_cast<std::size_t>(w.rows));
      for (std::int64_t o = 0; o < w.rows; ++o) {
        double s = p[static_cast<std::size_t>(b.offset + o)];
        for (std::int64_t i = 0; i < w.cols; ++i)
          s += p[static_cast<std::size_t>(w.offset + o * w.cols + i)] *
               a[static_cast<std::size_t>(i)];
        z[static_cast<std::size_t>(o)] = s;
      }
      const bool hidden = 2 * l + 2 < layout.size();
      if (hidden) {
        for (double& v : z) {
          ref.min_abs_hidden_z = std::min(ref.min_abs_hidden_z, std::abs(v));
          v = act(spec.activation, v);
        }
      }
      a = z;
    }
    if (spec.task == Task::classification) {
      const double m = *std::max_element(a.begin(), a.end());
      double sum = 0;
      for (double v : a) sum += std::exp(v - m);
      ref.loss +=
          m + std::log(sum) - a[static_cast<std::size_t>(d.labels[static_cast<std::size_t>(r)])];
    } else {
      double sq = 0;
      for (std::size_t o = 0; o < a.size(); ++o) {
        const double diff = a[o] - d.targets[static_cast<std::size_t>(r) * a.size() + o];
        sq += diff * diff;
      }
      ref.loss += sq / static_cast<double>(a.size());
    }
  }
  ref.loss /= static_cast<double>(d.rows);
  return ref;
}

std::vector<double> to_double(const std::vector<float>& v) {
  return {v.begin(), v.end()};
}

std::vector<double> numeric_gradient(const MlpSpec& spec, std::vector<double> p, const Dataset& d) {
  constexpr double h = 1e-6;
  std::vector<double> g(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double keep = p[i];
    p[i] = keep + h;
    const double up = reference_loss(spec, p, d).loss;
    p[i] = keep - h;
    const double down = reference_loss(spec, p, d).loss;
    p[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

// Float analytic against double numeric: 1e-3 relative, with a floor at 1e-5 of the largest
// component so exact zeros (dead ReLU units) compare cleanly.
void compare_gradients(const std::vector<float>& analytic, const std::vector<double>& numeric) {
  QCOMPARE(analytic.size(), numeric.size());
  double scale = 0;
  for (double v : numeric) scale = std::max(scale, std::abs(v));
  QVERIFY2(scale > 1e-3, "the reference gradient is vanishingly small: the check would be empty");
  for (std::size_t i = 0; i < numeric.size(); ++i) {
    const double err = std::abs(static_cast<double>(analytic[i]) - numeric[i]);
    const double tol = 1e-3 * std::abs(numeric[i]) + 1e-5 * scale;
    if (err > tol)
      QFAIL(qPrintable(QString("parameter %1: analytic %2, numeric %3 (tolerance %4)")
                           .arg(i)
                           .arg(static_cast<double>(analytic[i]), 0, 'g', 9)
                           .arg(numeric[i], 0, 'g', 9)
                           .arg(tol, 0, 'g', 3)));
  }
}

OptimizerConfig plain_sgd() {
  OptimizerConfig o;
  o.momentum = 0;
  return o;
}

}  // namespace

class GradCheck : public QObject {
  Q_OBJECT

 private slots:
  void gradients_match_finite_differences_data() {
    QTest::addColumn<int>("activation");
    QTest::addColumn<bool>("classification");
    QTest::addColumn<int>("init");
    for (Activation a : {Activation::relu, Activation::tanh, Activation::sigmoid, Activation::gelu})
      for (bool cls : {true, false}) {
        const auto name =
            QString("%1/%2")
                .arg(QString::fromUtf8(to_string(a).data(), static_cast<int>(to_string(a).size())))
                .arg(cls ? "cross-entropy" : "mse");
        QTest::newRow(qPrintable(name))
            << static_cast<int>(a) << cls << static_cast<int>(cls ? Init::he : Init::xavier);
      }
  }

  void gradients_match_finite_differences() {
    QFETCH(int, activation);
    QFETCH(bool, classification);
    QFETCH(int, init);
    const Dataset d = classification ? testdata::random_classification(7, 3, 3, 11)
                                     : testdata::random_regression(7, 3, 3, 12);
    const MlpSpec spec =
        testdata::spec_for(d, {5, 4}, static_cast<Activation>(activation), static_cast<Init>(init));
    auto backend = make_cpu_backend(1, 0);
    backend->prepare(spec, plain_sgd(), d.rows, 5);
    // Non-zero biases, so their gradients and their part in the forward pass are exercised.
    auto params = backend->parameters();
    for (const ParamEntry& e : mlp_layout(spec))
      if (e.cols == 1)
        for (std::int64_t i = 0; i < e.size(); ++i)
          params[static_cast<std::size_t>(e.offset + i)] = 0.1f * static_cast<float>(i % 3) - 0.05f;
    backend->set_parameters(params);

    backend->stage_batch(d, testdata::all_rows(d));
    backend->zero_grad();
    const double loss = backend->forward_backward(1.0f);

    const auto p = to_double(backend->parameters());
    const Reference ref = reference_loss(spec, p, d);
    QVERIFY2(ref.min_abs_hidden_z > 1e-4, "a pre-activation sits on the ReLU kink");
    QVERIFY(std::abs(loss - ref.loss) <= 1e-5 * std::max(1.0, std::abs(ref.loss)));
    compare_gradients(backend->gradients(), numeric_gradient(spec, p, d));
  }

  // Zero weights make every logit 0: cross-entropy is exactly ln(classes), the MSE the mean
  // square of the targets, and evaluate_staged agrees with forward_backward.
  void zero_network_gives_known_losses() {
    const Dataset cls = testdata::random_classification(6, 3, 4, 3);
    auto backend = make_cpu_backend(1, 0);
    MlpSpec spec = testdata::spec_for(cls, {5});
    backend->prepare(spec, plain_sgd(), cls.rows, 1);
    backend->set_parameters(std::vector<float>(backend->parameters().size(), 0.0f));
    backend->stage_batch(cls, testdata::all_rows(cls));
    QVERIFY(std::abs(backend->evaluate_staged().loss_sum / 6 - std::log(4.0)) < 1e-6);
    QVERIFY(std::abs(backend->forward_backward(1.0f) - std::log(4.0)) < 1e-6);

    const Dataset reg = testdata::random_regression(6, 3, 2, 4);
    spec = testdata::spec_for(reg, {5});
    backend->prepare(spec, plain_sgd(), reg.rows, 1);
    backend->set_parameters(std::vector<float>(backend->parameters().size(), 0.0f));
    backend->stage_batch(reg, testdata::all_rows(reg));
    double mean_sq = 0;
    for (float t : reg.targets) mean_sq += static_cast<double>(t) * t;
    mean_sq /= static_cast<double>(reg.targets.size());
    QVERIFY(std::abs(backend->forward_backward(1.0f) - mean_sq) < 1e-5);
    const EvalTotals totals = backend->evaluate_staged();
    QCOMPARE(totals.rows, std::int64_t{6});
    QVERIFY(std::abs(totals.loss_sum / 6 - mean_sq) < 1e-5);
  }

  // Logits in the thousands: a naive exp overflows to inf/NaN; log-sum-exp stays exact.
  void cross_entropy_is_stable_for_huge_logits() {
    const Dataset d = testdata::random_classification(5, 3, 3, 21, 1000.0);
    const MlpSpec spec = testdata::spec_for(d, {4}, Activation::tanh);
    auto backend = make_cpu_backend(1, 0);
    backend->prepare(spec, plain_sgd(), d.rows, 2);
    auto params = backend->parameters();
    for (float& v : params) v *= 300.0f;  // saturated tanh, output weights ~100s
    backend->set_parameters(params);
    backend->stage_batch(d, testdata::all_rows(d));
    backend->zero_grad();
    const double loss = backend->forward_backward(1.0f);
    const double expected = reference_loss(spec, to_double(backend->parameters()), d).loss;
    QVERIFY2(expected > 10, "the test needs a badly wrong, large-logit network");
    QVERIFY(std::isfinite(loss));
    QVERIFY(std::abs(loss - expected) <= 1e-5 * expected);
    for (float g : backend->gradients()) QVERIFY(std::isfinite(g));
  }

  // forward_backward adds grad_scale·∇ to what is there; zero_grad clears it.
  void gradients_accumulate_scaled() {
    const Dataset d = testdata::random_classification(8, 3, 3, 31);
    const MlpSpec spec = testdata::spec_for(d, {5, 4}, Activation::gelu);
    auto backend = make_cpu_backend(1, 0);
    backend->prepare(spec, plain_sgd(), d.rows, 9);
    backend->stage_batch(d, testdata::all_rows(d));
    backend->zero_grad();
    backend->forward_backward(1.0f);
    const auto once = backend->gradients();
    backend->forward_backward(0.5f);
    const auto sum = backend->gradients();
    for (std::size_t i = 0; i < once.size(); ++i)
      QVERIFY(std::abs(sum[i] - 1.5f * once[i]) <= 1e-6f * (1.0f + std::abs(once[i])));
    backend->zero_grad();
    for (float g : backend->gradients()) QCOMPARE(g, 0.0f);
    QCOMPARE(backend->grad_norm2(), 0.0);
  }

  void grad_norm2_is_the_sum_of_squares() {
    const Dataset d = testdata::random_regression(8, 3, 2, 41);
    auto backend = make_cpu_backend(1, 0);
    backend->prepare(testdata::spec_for(d, {6}), plain_sgd(), d.rows, 3);
    backend->stage_batch(d, testdata::all_rows(d));
    backend->zero_grad();
    backend->forward_backward(1.0f);
    double expected = 0;
    for (float g : backend->gradients()) expected += static_cast<double>(g) * g;
    QVERIFY(expected > 0);
    QVERIFY(std::abs(backend->grad_norm2() - expected) <= 1e-6 * expected);
  }
};

QTEST_APPLESS_MAIN(GradCheck)
#include "test_gradcheck.moc"
