// Optimizer steps of the CPU backend against values worked out by hand, with PyTorch's
// semantics (torch.optim.SGD with dampening 0, torch.optim.Adam; weight decay is L2 added to
// the gradient). The model is the smallest MLP there is: y = w·x + b, no hidden layer, trained
// on one row x = 1, t = 0 starting from w = 1, b = 0. Its loss (w + b)² has gradient
// 2(w + b) for both parameters, so every step can be followed on paper:
//   SGD lr 0.1:      g = 2 → (0.8, −0.2);  g = 1.2 → (0.68, −0.32);  g = 0.72 → (0.608, −0.392)
//   momentum 0.9:    buf = 2 → (0.8, −0.2); buf = 1.8 + 1.2 = 3 → (0.5, −0.5);
//                    buf = 2.7 + 0 = 2.7 → (0.23, −0.77)
//   Nesterov 0.9:    step with g + 0.9·buf: 2 + 1.8 → (0.62, −0.38); ...
//   weight decay 0.5: g + 0.5·p, so w and b part ways.
//   Adam lr 0.1:     the first step moves each parameter by lr·sign(g) (m̂/√v̂ = ±1).
#include <QTest>
#include <cmath>

#include "backend_test_data.h"
#include "engine/backend/backend.h"
#include "engine/backend/elementwise.h"

using namespace batchlab;

namespace {

Dataset one_row() {
  Dataset d;
  d.name = "one-row";
  d.task = Task::regression;
  d.rows = 1;
  d.features = 1;
  d.outputs = 1;
  d.x = {1.0f};
  d.targets = {0.0f};
  return d;
}

struct Expected {
  double w, b;
};

}  // namespace

class CpuOptimizer : public QObject {
  Q_OBJECT

 private slots:
  void three_steps_match_hand_computation_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<double>("momentum");
    QTest::addColumn<bool>("nesterov");
    QTest::addColumn<double>("weight_decay");
    QTest::addColumn<QList<double>>("expected");  // w1, b1, w2, b2, w3, b3
    const int sgd = static_cast<int>(OptimizerKind::sgd);
    const int adam = static_cast<int>(OptimizerKind::adam);
    QTest::newRow("sgd") << sgd << 0.0 << false << 0.0
                         << QList<double>{0.8, -0.2, 0.68, -0.32, 0.608, -0.392};
    QTest::newRow("momentum") << sgd << 0.9 << false << 0.0
                              << QList<double>{0.8, -0.2, 0.5, -0.5, 0.23, -0.77};
    QTest::newRow("nesterov") << sgd << 0.9 << true << 0.0
                              << QList<double>{0.62, -0.38, 0.3668, -0.6332, 0.283352, -0.716648};
    QTest::newRow("sgd weight decay")
        << sgd << 0.0 << false << 0.5 << QList<double>{0.75, -0.2, 0.6025, -0.3, 0.511875, -0.3455};
    QTest::newRow("momentum weight decay")
        << sgd << 0.9 << false << 0.5
        << QList<double>{0.75, -0.2, 0.3775, -0.48, 0.043875, -0.6875};
    QTest::newRow("adam") << adam << 0.0 << false << 0.0
                          << QList<double>{0.9000000005,  -0.0999999995, 0.8011874206,
                                           -0.1988125794, 0.704871251,   -0.295128749};
    QTest::newRow("adam weight decay")
        << adam << 0.0 << false << 0.5
        << QList<double>{0.9000000004,  -0.0999999995, 0.8009986674,
                         -0.1985504272, 0.704037174,   -0.2939433505};
  }

  void three_steps_match_hand_computation() {
    QFETCH(int, kind);
    QFETCH(double, momentum);
    QFETCH(bool, nesterov);
    QFETCH(double, weight_decay);
    QFETCH(QList<double>, expected);

    const Dataset d = one_row();
    const MlpSpec spec = testdata::spec_for(d, {});
    OptimizerConfig opt;
    opt.kind = static_cast<OptimizerKind>(kind);
    opt.momentum = momentum;
    opt.nesterov = nesterov;
    opt.weight_decay = weight_decay;
    auto backend = make_cpu_backend(1, 0);
    backend->prepare(spec, opt, 1, 1);
    QCOMPARE(backend->parameters().size(), std::size_t{2});  // layer0.weight, layer0.bias
    backend->set_parameters(std::vector<float>{1.0f, 0.0f});
    backend->stage_batch(d, testdata::all_rows(d));
    for (int step = 0; step < 3; ++step) {
      backend->zero_grad();
      backend->forward_backward(1.0f);
      backend->apply_update(0.1);
      const auto p = backend->parameters();
      const double w = expected[2 * step];
      const double b = expected[2 * step + 1];
      if (std::abs(p[0] - w) > 2e-6 || std::abs(p[1] - b) > 2e-6)
        QFAIL(qPrintable(QString("step %1: got (%2, %3), expected (%4, %5)")
                             .arg(step + 1)
                             .arg(static_cast<double>(p[0]), 0, 'g', 9)
                             .arg(static_cast<double>(p[1]), 0, 'g', 9)
                             .arg(w, 0, 'g', 9)
                             .arg(b, 0, 'g', 9)));
    }
  }

  // Preparing again starts a fresh optimizer: zeroed momentum and Adam's step count back at 1.
  void prepare_resets_optimizer_state() {
    const Dataset d = one_row();
    OptimizerConfig opt;
    opt.kind = OptimizerKind::adam;
    auto backend = make_cpu_backend(1, 0);
    for (int round = 0; round < 2; ++round) {
      backend->prepare(testdata::spec_for(d, {}), opt, 1, 1);
      backend->set_parameters(std::vector<float>{1.0f, 0.0f});
      backend->stage_batch(d, testdata::all_rows(d));
      backend->zero_grad();
      backend->forward_backward(1.0f);
      backend->apply_update(0.1);
      QVERIFY(std::abs(backend->parameters()[0] - 0.9f) < 1e-6f);
    }
  }

  // The shared formula itself, away from the backend: the first Adam step has bias-corrected
  // m̂ = g and v̂ = g², so it moves by lr·g/(|g| + eps).
  void adam_first_step_is_sign_of_gradient() {
    const ew::AdamStep s = ew::make_adam_step(0.01, 1, 0.9, 0.999, 1e-8, 0.0);
    float p = 0.5f, m = 0.0f, v = 0.0f;
    ew::adam_step(p, m, v, -3.0f, s);
    QVERIFY(std::abs(p - 0.51f) < 1e-7f);
    QVERIFY(std::abs(m - (-0.3f)) < 1e-7f);
    QVERIFY(std::abs(v - 0.009f) < 1e-6f);  // 1 − 0.999f rounds in float
  }
};

QTEST_APPLESS_MAIN(CpuOptimizer)
#include "test_cpu_optimizer.moc"
