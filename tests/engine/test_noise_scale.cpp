// The gradient noise scale (DESIGN §3, McCandlish et al. 2018 appendix A): the estimator's
// algebra, a known answer on linear regression measured live by the Trainer with the real
// backend, that measuring leaves the update unchanged and costs nothing when disabled, the
// summary field and its JSON round trip, the config rules, and the plain-words hint.
#include <QtTest>

#include <cmath>

#include "engine/backend/backend.h"
#include "engine/core/errors.h"
#include "engine/core/rng.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/run_executor.h"
#include "engine/experiment/run_store.h"
#include "engine/metrics/noise_scale.h"
#include "engine/train/trainer.h"
#include "forwarding_backend.h"

using namespace batchlab;

namespace {

struct Recorder : EventSink {
  std::vector<StepEvent> steps;
  void on_run_started(const RunStarted&) override {}
  void on_step(const StepEvent& e) override { steps.push_back(e); }
  void on_eval(const EvalEvent&) override {}
  void on_run_finished(const RunFinished&) override {}
};

// Forwards to the CPU backend and counts the calls that measuring could add.
class CountingBackend final : public batchlab::testing::ForwardingBackend {
 public:
  int forward_backwards = 0;
  int norms = 0;
  double forward_backward(float grad_scale) override {
    ++forward_backwards;
    return inner().forward_backward(grad_scale);
  }
  double grad_norm2() override {
    ++norms;
    return inner().grad_norm2();
  }
};

struct Outcome {
  RunFinished finished;
  Recorder rec;
  std::vector<float> params;
  int forward_backwards = 0;
  int norms = 0;
};

Outcome run(const RunConfig& c, const DatasetSplit& data) {
  CountingBackend backend;
  Outcome o;
  TrainerInputs in;
  in.config = &c;
  in.data = &data;
  in.backend = &backend;
  in.sink = &o.rec;
  o.finished = train(in);
  o.params = backend.parameters();
  o.forward_backwards = backend.forward_backwards;
  o.norms = backend.norms;
  return o;
}

// The known answer. A linear model ŷ = w·x + b with MSE loss L = mean (ŷ − y)² on x ~ N(0, I_d),
// y = w*·x + ε, ε ~ N(0, σ²). With δ = w − w* and the bias b, the residual is r = δ·x + b − ε
// and the per-example gradient is g = (2r·x, 2r). Taking expectations over x and ε (odd moments
// vanish, E[(δ·x)² x xᵀ] = |δ|² I + 2δδᵀ by Isserlis):
//   E[g] = (2δ, 2b)                          → |G|² = 4(|δ|² + b²)
//   E[g_w g_wᵀ] = 4((|δ|² + b² + σ²) I + 2δδᵀ),   E[g_b²] = 4(|δ|² + b² + σ²)
//   tr Σ = tr E[g gᵀ] − |G|² = 4((d + 2)|δ|² + (d + 1)σ² + d·b²)
// so B_simple = tr Σ / |G|² = ((d + 2)|δ|² + (d + 1)σ² + d·b²) / (|δ|² + b²).
double exact_b_simple(int d, double delta2, double b, double sigma) {
  return ((d + 2) * delta2 + (d + 1) * sigma * sigma + d * b * b) / (delta2 + b * b);
}

constexpr int kD = 8;
constexpr double kSigma = 1.0;

// A config for the linear model that keeps its weights where they start: lr so small that the
// float32 parameters cannot move, so tr Σ and |G|² stay those of the initial weights.
RunConfig frozen_linear(NoiseScaleMethod method, int k, std::int64_t batch, std::int64_t steps,
                        double ema = 0.999) {
  RunConfig c;
  c.seed = 3;
  c.dataset.kind = "linear";
  c.model.hidden = {};
  c.optimizer.lr = 1e-12;
  c.optimizer.momentum = 0.0;
  c.batch.size = batch;
  c.batch.accumulate = k;
  c.stop.epochs.reset();
  c.stop.max_steps = steps;
  c.eval.every_epochs.reset();
  c.noise_scale.enabled = true;
  c.noise_scale.method = method;
  c.noise_scale.ema = ema;
  c.threads = 1;
  validate_run_config(c, "test");
  return c;
}

// Rows x ~ N(0, I), y = w*·x + N(0, σ²), with w* = w₀ − δ for the weights w₀ the backend starts
// from (δ_i = 0.25, so |δ|² = 0.5): the exact B_simple is then known whatever the init draws.
DatasetSplit linear_data(const RunConfig& c, std::int64_t rows, std::uint64_t seed,
                         double* delta2) {
  MlpSpec spec;
  spec.inputs = kD;
  spec.outputs = 1;
  spec.task = Task::regression;
  auto probe = make_cpu_backend(1, 0);
  probe->prepare(spec, c.optimizer, 1, c.seed);
  const std::vector<float> w0 = probe->parameters();  // layer0.weight (1 × d), then the bias
  DatasetSplit split;
  Dataset& d = split.train;
  d.name = "linear known answer";
  d.task = Task::regression;
  d.rows = rows;
  d.features = kD;
  d.outputs = 1;
  d.x.resize(static_cast<std::size_t>(rows * kD));
  d.targets.resize(static_cast<std::size_t>(rows));
  Rng rng(seed);
  *delta2 = 0.0;
  std::vector<double> w_star(kD);
  for (int i = 0; i < kD; ++i) {
    w_star[static_cast<std::size_t>(i)] = w0[static_cast<std::size_t>(i)] - 0.25;
    *delta2 += 0.25 * 0.25;
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    double y = 0.0;
    for (int i = 0; i < kD; ++i) {
      const double x = rng.normal();
      d.x[static_cast<std::size_t>(r * kD + i)] = static_cast<float>(x);
      y += w_star[static_cast<std::size_t>(i)] * x;
    }
    d.targets[static_cast<std::size_t>(r)] = static_cast<float>(y + rng.normal(0.0, kSigma));
  }
  return split;
}

}  // namespace

class TestNoiseScale : public QObject {
  Q_OBJECT

 private slots:
  void estimatorRecoversExactExpectations() {
    // Feed the expected squared norms E|G_B|² = |G|² + tr Σ / B: both parts come back exactly.
    const double g2 = 3.0;
    const double trace = 450.0;
    const auto at = [&](double b) { return g2 + trace / b; };
    const NoiseScaleSample s = noise_scale_sample(at(16), 16, at(64), 64);
    QVERIFY(std::fabs(s.g2 - g2) < 1e-12);
    QVERIFY(std::fabs(s.trace_sigma - trace) < 1e-9);

    NoiseScaleEstimator e(0.9);
    QVERIFY(std::isnan(e.b_simple()));  // nothing measured yet
    for (int i = 0; i < 5; ++i) e.add(at(16), 16, at(64), 64);
    QVERIFY(std::fabs(e.b_simple() - 150.0) < 1e-9);
    QVERIFY(std::fabs(e.g2() - g2) < 1e-12);  // bias-corrected from the first sample
    QVERIFY(std::fabs(e.trace_sigma() - trace) < 1e-9);
    QCOMPARE(e.samples(), std::int64_t{5});
    e.add(1.0, 8, 1.0, 8);  // equal batch sizes say nothing: ignored
    QCOMPARE(e.samples(), std::int64_t{5});
    e.reset();
    QVERIFY(std::isnan(e.b_simple()));
  }

  void estimatorIsARatioOfAverages() {
    // Two samples, B_simple 100 (|G|² = 1) and 10 (|G|² = 9, tr Σ = 90): with ema 0.5 the EMAs
    // are 0.25·1 + 0.5·9 and 0.25·100 + 0.5·90 → 70 / 4.75, not the mean of 100 and 10.
    NoiseScaleEstimator e(0.5);
    const auto at = [](double g2, double trace, double b) { return g2 + trace / b; };
    e.add(at(1, 100, 4), 4, at(1, 100, 32), 32);
    e.add(at(9, 90, 4), 4, at(9, 90, 32), 32);
    QVERIFY(std::fabs(e.b_simple() - 70.0 / 4.75) < 1e-9);
    // A negative |G|² average (noise early on) gives no estimate rather than a negative one.
    NoiseScaleEstimator early(0.0);
    early.add(1.0, 4, 2.0, 32);
    QVERIFY(std::isnan(early.b_simple()));
  }

  void linearRegressionKnownAnswer_data() {
    QTest::addColumn<int>("method");
    QTest::addColumn<int>("k");
    QTest::addColumn<int>("batch");
    QTest::addColumn<int>("dataSeed");
    QTest::newRow("micro 4×64, seed 1") << int(NoiseScaleMethod::micro) << 4 << 256 << 1;
    QTest::newRow("micro 2×32, seed 2") << int(NoiseScaleMethod::micro) << 2 << 64 << 2;
    QTest::newRow("halves 128, seed 3") << int(NoiseScaleMethod::halves) << 1 << 128 << 3;
    QTest::newRow("halves 34, seed 4") << int(NoiseScaleMethod::halves) << 1 << 34 << 4;
  }
  void linearRegressionKnownAnswer() {
    QFETCH(int, method);
    QFETCH(int, k);
    QFETCH(int, batch);
    QFETCH(int, dataSeed);
    // One sample of the estimator scatters by tens of percent; a slow average over 20000 steps
    // brings its spread to about 2% (simulated), so 15% is a real test, not luck.
    const RunConfig c =
        frozen_linear(static_cast<NoiseScaleMethod>(method), k, batch, 20000, 0.9999);
    double delta2 = 0.0;
    const DatasetSplit data =
        linear_data(c, 1 << 16, static_cast<std::uint64_t>(dataSeed), &delta2);
    const Outcome o = run(c, data);
    QCOMPARE(o.finished.status, RunStatus::completed);

    // The weights did not move, so the exact answer at the initial weights holds throughout.
    const double bias = o.params.back();
    QVERIFY(std::fabs(bias) < 1e-6);
    const double exact = exact_b_simple(kD, delta2, bias, kSigma);
    QVERIFY(std::fabs(exact - 28.0) < 1e-3);  // (10·0.5 + 9) / 0.5
    const double estimate = o.rec.steps.back().b_simple;
    qInfo("B_simple estimate %.2f, exact %.2f", estimate, exact);
    QVERIFY2(std::fabs(estimate - exact) < 0.15 * exact,
             qPrintable(QString("estimate %1, exact %2").arg(estimate).arg(exact)));
    QCOMPARE(o.finished.summary.b_simple, estimate);
    // Every step measured; the split is visible as the passes a step took.
    QVERIFY(std::isfinite(o.rec.steps[100].b_simple));
    QCOMPARE(o.rec.steps[0].micro_batches, k > 1 ? k : 2);
  }

  void halvesLeaveTheUpdateUnchanged() {
    RunConfig c = frozen_linear(NoiseScaleMethod::halves, 1, 96, 30);
    c.optimizer.lr = 0.02;
    c.optimizer.momentum = 0.9;
    double delta2 = 0.0;
    const DatasetSplit data = linear_data(c, 4000, 9, &delta2);
    const Outcome on = run(c, data);
    c.noise_scale.enabled = false;
    const Outcome off = run(c, data);
    QCOMPARE(on.rec.steps.size(), off.rec.steps.size());
    for (std::size_t i = 0; i < on.rec.steps.size(); ++i)
      QVERIFY(std::fabs(on.rec.steps[i].loss - off.rec.steps[i].loss) <
              1e-5 * (1 + std::fabs(off.rec.steps[i].loss)));
    for (std::size_t i = 0; i < on.params.size(); ++i)
      QVERIFY(std::fabs(on.params[i] - off.params[i]) < 1e-5 * (1 + std::fabs(off.params[i])));
    // It did train: from |δ|² + σ² = 1.5 towards the noise floor σ² = 1.
    QVERIFY2(
        off.rec.steps.back().loss < 0.8 * off.rec.steps[0].loss,
        qPrintable(
            QString("loss %1 → %2").arg(off.rec.steps[0].loss).arg(off.rec.steps.back().loss)));
  }

  void costsNothingWhenDisabled() {
    RunConfig c = frozen_linear(NoiseScaleMethod::halves, 1, 64, 40);
    double delta2 = 0.0;
    const DatasetSplit data = linear_data(c, 2000, 5, &delta2);
    c.noise_scale.enabled = false;
    const Outcome off = run(c, data);
    // One pass and one norm (for StepEvent.grad_norm2) per step, as before the noise scale.
    QCOMPARE(off.forward_backwards, 40);
    QCOMPARE(off.norms, 40);
    for (const auto& s : off.rec.steps) QVERIFY(std::isnan(s.b_simple));
    QVERIFY(std::isnan(off.finished.summary.b_simple));

    c.noise_scale.enabled = true;
    c.noise_scale.every = 4;  // steps 4, 8, ..., 40 measure: two passes and one more norm each
    const Outcome some = run(c, data);
    QCOMPARE(some.forward_backwards, 40 + 10);
    QCOMPARE(some.norms, 40 + 10);
    int finite = 0;
    for (const auto& s : some.rec.steps) {
      if (s.step % 4 != 0) QVERIFY(std::isnan(s.b_simple));  // not measured
      finite += std::isfinite(s.b_simple) ? 1 : 0;
    }
    QVERIFY(finite >= 5);  // an early |G|² average can still be negative: no estimate then

    RunConfig m = frozen_linear(NoiseScaleMethod::micro, 4, 64, 40);
    const Outcome micro = run(m, data);
    QCOMPARE(micro.forward_backwards, 40 * 4);  // accumulation's own passes, nothing added
    QCOMPARE(micro.norms, 40 * 2);
  }

  void summaryCarriesTheLastEstimate() {
    RunSummary s;
    s.b_simple = 183.25;
    QCOMPARE(summary_from_json(summary_to_json(s)).b_simple, 183.25);
    const std::string none = summary_to_json(RunSummary{});
    QVERIFY2(none.find("\"b_simple\":null") != std::string::npos, none.c_str());
    QVERIFY(std::isnan(summary_from_json(none).b_simple));
  }

  void configRulesAndRoundTrip() {
    const auto error_of = [](const std::string& text) -> std::string {
      try {
        run_config_from_json(nlohmann::json::parse(text), "cfg.json");
      } catch (const ConfigError& e) {
        return e.what();
      }
      return {};
    };
    QVERIFY(error_of(R"({"dataset": {"kind": "moons"}, "noise_scale": {"enabled": true,
        "method": "micro"}})")
                .find("cfg.json: noise_scale.method: micro measures a micro-batch") == 0);
    QVERIFY(error_of(R"({"dataset": {"kind": "moons"}, "batch": {"accumulate": 4},
        "noise_scale": {"enabled": true}})")
                .find("cfg.json: noise_scale.method: with batch.accumulate 4 use \"micro\"") == 0);
    QVERIFY(
        error_of(R"({"dataset": {"kind": "moons"}, "batch": {"strategy": "stochastic"},
        "noise_scale": {"enabled": true}})")
            .find("cfg.json: noise_scale.enabled: the noise scale needs batches of at least 2") ==
        0);
    QVERIFY(error_of(R"({"dataset": {"kind": "moons"}, "noise_scale": {"ema": 1}})")
                .find("noise_scale.ema: must be in [0, 1), got 1") != std::string::npos);
    QVERIFY(error_of(R"({"dataset": {"kind": "moons"}, "noise_scale": {"every": 0}})")
                .find("noise_scale.every: must be at least 1") != std::string::npos);
    QVERIFY(error_of(R"({"dataset": {"kind": "moons"}, "noise_scale": {"method": "thirds"}})")
                .find("expected one of micro, halves") != std::string::npos);
    QVERIFY(error_of(R"({"dataset": {"kind": "moons"}, "noise_scale": {"enable": true}})")
                .find("did you mean noise_scale.enabled?") != std::string::npos);

    RunConfig c;
    c.batch.accumulate = 4;
    c.noise_scale = {true, NoiseScaleMethod::micro, 0.9, 5};
    const RunConfig back = run_config_from_json(run_config_to_json(c), "roundtrip");
    QVERIFY(back.noise_scale.enabled);
    QCOMPARE(back.noise_scale.method, NoiseScaleMethod::micro);
    QCOMPARE(back.noise_scale.ema, 0.9);
    QCOMPARE(back.noise_scale.every, std::int64_t{5});
    nlohmann::json j = run_config_to_json(RunConfig{});
    QCOMPARE(j["noise_scale"]["enabled"].get<bool>(), false);  // off unless asked for
    apply_set(j, "noise_scale.enabled=true");
    QVERIFY(run_config_from_json(j, "--set").noise_scale.enabled);
  }

  void presetsContrastNoisyAndClean() {
    const auto b_simple_of = [](const char* preset) {
      const RunConfig c = load_run_config(std::string(BATCHLAB_SOURCE_DIR "/resources/presets/") +
                                          preset + ".json");
      return execute_run(c, ExecuteOptions{}).summary.b_simple;
    };
    const double clean = b_simple_of("noise-scale-clean");
    const double noisy = b_simple_of("noise-scale-noisy");
    // Clean targets: B_simple ≈ d + 2 = 10 (see exact_b_simple with σ = 0); noisy: far above.
    QVERIFY2(clean > 6 && clean < 16, qPrintable(QString::number(clean)));
    QVERIFY2(noisy > 100, qPrintable(QString::number(noisy)));
  }

  void hintInPlainWords() {
    QCOMPARE(QString::fromStdString(noise_scale_hint(183.4, 1024)),
             QString("B_simple ≈ 180: batches far above this buy little progress per example "
                     "(batch 1024 is 5.6× larger; a smaller batch would need fewer examples)"));
    const std::string below = noise_scale_hint(183.4, 32);
    QVERIFY2(below.find("B_simple ≈ 180: batch 32 is well below it") == 0, below.c_str());
    const std::string near = noise_scale_hint(183.4, 128);
    QVERIFY2(near.find("B_simple ≈ 180: batch 128 is near it") == 0, near.c_str());
    QVERIFY(noise_scale_hint(3.46, 2).find("B_simple ≈ 3.5: batch 2 is near it") == 0);
    QVERIFY(noise_scale_hint(12345, 64).find("B_simple ≈ 12000: batch 64 is well below") == 0);
    QVERIFY(noise_scale_hint(std::nan(""), 64).empty());
    QVERIFY(noise_scale_hint(-5, 64).empty());
  }
};

QTEST_APPLESS_MAIN(TestNoiseScale)
#include "test_noise_scale.moc"
