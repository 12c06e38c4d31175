// The time-to-target fit T = α + β/B + γ·B: recovers known coefficients and the fastest batch
// size, with and without noise; keeps every coefficient ≥ 0 (the non-negative optimum, not a
// clipped one); refuses fewer than three batch sizes in words; counts repeats as points.
#include <QtTest>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "check_helpers.h"
#include "engine/core/errors.h"
#include "engine/core/rng.h"
#include "engine/metrics/scaling_fit.h"
#include "engine/metrics/time_fit.h"

using namespace batchlab;
using batchlab::testing::error_of;
using batchlab::testing::relative_error;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// A sweep whose steps follow S = 500(1 + 128/B) and whose steps take 2 ms + 10 µs per sample:
// α = 500(0.002 + 1e-5·128) = 1.64 s, β = 500·128·0.002 = 128 s, γ = 500·1e-5 = 0.005 s,
// fastest at B* = √(128/0.005) = 160.
constexpr double kSMin = 500.0, kBNoise = 128.0, kT0 = 0.002, kC = 1e-5;
constexpr double kAlpha = kSMin * (kT0 + kC * kBNoise);
constexpr double kBeta = kSMin * kBNoise * kT0;
constexpr double kGamma = kSMin * kC;
const double kFastest = std::sqrt(kBeta / kGamma);

// T(B) = S(B)·t(B), computed as the product (not from α, β, γ), powers of two from..to.
std::vector<BatchPoint> sweep(double t0, double c, std::int64_t from, std::int64_t to) {
  std::vector<BatchPoint> points;
  for (std::int64_t b = from; b <= to; b *= 2) {
    const auto batch = static_cast<double>(b);
    points.push_back({batch, steps_model(kSMin, kBNoise, batch) * (t0 + c * batch)});
  }
  return points;
}

}  // namespace

class TestTimeFit : public QObject {
  Q_OBJECT

 private slots:
  void exactOnNoiseFreePoints() {
    const TimeToTargetFit fit = fit_time_to_target(sweep(kT0, kC, 8, 4096));
    QVERIFY2(relative_error(fit.alpha, kAlpha) < 1e-9, qPrintable(QString::number(fit.alpha)));
    QVERIFY2(relative_error(fit.beta, kBeta) < 1e-9, qPrintable(QString::number(fit.beta)));
    QVERIFY2(relative_error(fit.gamma, kGamma) < 1e-9, qPrintable(QString::number(fit.gamma)));
    QVERIFY(fit.r2 > 1.0 - 1e-12);
    QCOMPARE(fit.points_used, 10);
    QCOMPARE(fit.batch_sizes, 10);
    QCOMPARE(fit.smallest_batch, 8.0);
    QCOMPARE(fit.largest_batch, 4096.0);
    QVERIFY(fit.fastest_batch().has_value());
    QVERIFY(relative_error(*fit.fastest_batch(), kFastest) < 1e-9);
    // The minimum: T(B*) = α + 2√(βγ), below its neighbours.
    const double t_min = fit.time_at(*fit.fastest_batch());
    QVERIFY(relative_error(t_min, kAlpha + 2.0 * std::sqrt(kBeta * kGamma)) < 1e-9);
    QVERIFY(t_min < fit.time_at(kFastest * 0.9) && t_min < fit.time_at(kFastest * 1.1));
    // Three batch sizes determine the three coefficients exactly.
    const TimeToTargetFit three = fit_time_to_target(sweep(kT0, kC, 16, 64));
    QVERIFY(relative_error(three.gamma, kGamma) < 1e-9);
    QVERIFY(relative_error(*three.fastest_batch(), kFastest) < 1e-9);
  }

  // ±2% multiplicative noise (uniform), three repeats per batch size, 50 noise draws: α, β, γ and
  // B* each within 5% every time. α is the least determined (at most half of T, near B*): at ±3%
  // its worst error is about 4%, too near the bound for a test.
  void recoversCoefficientsFromNoisyRepeats() {
    double worst_a = 0, worst_b = 0, worst_g = 0, worst_star = 0;
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
      Rng rng(seed);
      std::vector<BatchPoint> points;
      for (const auto& p : sweep(kT0, kC, 8, 4096))
        for (int r = 0; r < 3; ++r) points.push_back({p.batch, p.value * rng.uniform(0.98, 1.02)});
      const TimeToTargetFit fit = fit_time_to_target(points);
      QCOMPARE(fit.points_used, 30);
      QVERIFY2(fit.r2 > 0.99, qPrintable(QString("r² %1").arg(fit.r2)));
      QVERIFY(fit.fastest_batch().has_value());
      worst_a = std::max(worst_a, relative_error(fit.alpha, kAlpha));
      worst_b = std::max(worst_b, relative_error(fit.beta, kBeta));
      worst_g = std::max(worst_g, relative_error(fit.gamma, kGamma));
      worst_star = std::max(worst_star, relative_error(*fit.fastest_batch(), kFastest));
    }
    qInfo("worst relative error over 50 noisy sweeps: alpha %.4f, beta %.4f, gamma %.4f, B* %.4f",
          worst_a, worst_b, worst_g, worst_star);
    QVERIFY(worst_a < 0.05);
    QVERIFY(worst_b < 0.05);
    QVERIFY(worst_g < 0.05);
    QVERIFY(worst_star < 0.05);
  }

  // No per-sample cost (c = 0, so γ = 0): larger batches are always faster.
  void zeroGammaStaysZero() {
    const TimeToTargetFit exact = fit_time_to_target(sweep(kT0, 0.0, 8, 4096));
    QVERIFY2(exact.gamma == 0.0, qPrintable(QString::number(exact.gamma)));
    QVERIFY(!exact.fastest_batch().has_value());
    QVERIFY(relative_error(exact.beta, kSMin * kBNoise * kT0) < 1e-9);
    // With noise the unconstrained γ goes negative for some draws; the fit never does, and where
    // γ is 0 there is no fastest batch.
    int zero = 0;
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
      Rng rng(seed);
      std::vector<BatchPoint> points;
      for (const auto& p : sweep(kT0, 0.0, 8, 4096))
        for (int r = 0; r < 2; ++r) points.push_back({p.batch, p.value * rng.uniform(0.97, 1.03)});
      const TimeToTargetFit fit = fit_time_to_target(points);
      QVERIFY(fit.alpha >= 0.0 && fit.beta >= 0.0 && fit.gamma >= 0.0);
      if (fit.gamma == 0.0) {
        ++zero;
        QVERIFY(!fit.fastest_batch().has_value());
      }
    }
    qInfo("gamma held at 0 in %d of 50 noisy sweeps without a per-sample cost", zero);
    QVERIFY(zero > 0);
  }

  // Times that bend down at large B (T = 2 + 100/B − 1e-4·B) have an unconstrained γ < 0. The
  // non-negative optimum is then the best T = α + β/B, which the steps fit (a + b/B, the same
  // 1/T² weights) computes independently: the two must agree.
  void negativeGammaGivesTheBestTwoTermFit() {
    std::vector<BatchPoint> points;
    for (double b = 8; b <= 4096; b *= 2) points.push_back({b, 2.0 + 100.0 / b - 1e-4 * b});
    const TimeToTargetFit fit = fit_time_to_target(points);
    QVERIFY2(fit.gamma == 0.0, qPrintable(QString::number(fit.gamma)));
    QVERIFY(!fit.fastest_batch().has_value());
    const ScalingFit two = fit_steps_to_target(points);
    QVERIFY2(relative_error(fit.alpha, two.s_min) < 1e-9,
             qPrintable(QString("%1 vs %2").arg(fit.alpha).arg(two.s_min)));
    QVERIFY(relative_error(fit.beta, two.s_min * two.b_noise) < 1e-9);
  }

  void needsThreeBatchSizes() {
    const std::vector<BatchPoint> none;
    const std::vector<BatchPoint> two = {{64, 3.0}, {128, 2.5}};
    const std::vector<BatchPoint> two_with_repeats = {
        {64, 3.0}, {64, 3.1}, {128, 2.5}, {128, 2.4}, {256, kNaN}};
    for (const auto* pts : {&none, &two, &two_with_repeats}) {
      const std::string err = error_of([&] { fit_time_to_target(*pts); });
      QVERIFY2(err.find("three or more batch sizes, got") != std::string::npos, err.c_str());
      QVERIFY2(err.find("never reached the target") != std::string::npos, err.c_str());
    }
    const std::string err = error_of([&] { fit_time_to_target(two_with_repeats); });
    QVERIFY2(err.find("got 2 (4 usable points)") != std::string::npos, err.c_str());
  }

  // Repeats are separate points, not averaged first: doubling both repeats at B = 16 leaves
  // their mean alone but doubles their weight, which pulls the fit towards their mean there.
  void repeatsAreSeparatePoints() {
    std::vector<BatchPoint> points = sweep(kT0, kC, 8, 512);
    const BatchPoint slow{16, points[1].value * 1.3};
    points.push_back(slow);
    const TimeToTargetFit once = fit_time_to_target(points);
    points.push_back(points[1]);
    points.push_back(slow);
    const TimeToTargetFit twice = fit_time_to_target(points);
    QCOMPARE(once.points_used, 8);
    QCOMPARE(twice.points_used, 10);
    QCOMPARE(twice.batch_sizes, 7);
    QVERIFY2(twice.time_at(16) > once.time_at(16) * 1.001,
             qPrintable(QString("%1 vs %2").arg(twice.time_at(16)).arg(once.time_at(16))));
  }
};

QTEST_APPLESS_MAIN(TestTimeFit)
#include "test_time_fit.moc"
