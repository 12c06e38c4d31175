// The sweep-summary maths: the fit of S = S_min(1 + B_noise/B) recovers known parameters, with
// and without noise, and refuses clearly when it cannot; repeats aggregate into error bars; the
// throughput knee is where the curve flattens.
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

using namespace batchlab;
using batchlab::testing::error_of;
using batchlab::testing::relative_error;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kSMin = 1000.0;
constexpr double kBNoise = 256.0;

std::vector<BatchPoint> curve(double s_min, double b_noise, std::int64_t from, std::int64_t to) {
  std::vector<BatchPoint> points;
  for (std::int64_t b = from; b <= to; b *= 2)
    points.push_back({static_cast<double>(b), steps_model(s_min, b_noise, static_cast<double>(b))});
  return points;
}

}  // namespace

class TestScalingFit : public QObject {
  Q_OBJECT

 private slots:
  void recoversExactParameters() {
    const auto points = curve(kSMin, kBNoise, 8, 4096);
    for (auto w : {FitWeighting::relative, FitWeighting::absolute}) {
      const ScalingFit fit = fit_steps_to_target(points, w);
      QVERIFY2(relative_error(fit.s_min, kSMin) < 1e-9, qPrintable(QString::number(fit.s_min)));
      QVERIFY2(relative_error(fit.b_noise, kBNoise) < 1e-9,
               qPrintable(QString::number(fit.b_noise)));
      QVERIFY(fit.r2 > 1.0 - 1e-12);
      QCOMPARE(fit.points_used, 10);
      QCOMPARE(fit.batch_sizes, 10);
      QCOMPARE(fit.weighting, w);
    }
    // Two batch sizes determine the curve exactly.
    const std::vector<BatchPoint> two = {{32, steps_model(kSMin, kBNoise, 32)},
                                         {1024, steps_model(kSMin, kBNoise, 1024)}};
    const ScalingFit fit = fit_steps_to_target(two);
    QVERIFY(relative_error(fit.b_noise, kBNoise) < 1e-9);
  }

  // ±3% multiplicative noise (steps-to-target measured at discrete evaluations wobble like this),
  // three repeats per batch size, over many noise draws: every fit is within 5%.
  void recoversParametersFromNoisyRepeats() {
    double worst_s = 0, worst_b = 0;
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
      Rng rng(seed);
      std::vector<BatchPoint> points;
      for (const auto& p : curve(kSMin, kBNoise, 8, 4096))
        for (int r = 0; r < 3; ++r) points.push_back({p.batch, p.value * rng.uniform(0.97, 1.03)});
      const ScalingFit fit = fit_steps_to_target(points);
      worst_s = std::max(worst_s, relative_error(fit.s_min, kSMin));
      worst_b = std::max(worst_b, relative_error(fit.b_noise, kBNoise));
      QCOMPARE(fit.points_used, 30);
      QVERIFY2(fit.r2 > 0.99, qPrintable(QString("r² %1").arg(fit.r2)));
    }
    qInfo("worst relative error over 50 noisy sweeps: S_min %.4f, B_noise %.4f", worst_s, worst_b);
    QVERIFY(worst_s < 0.05);
    QVERIFY(worst_b < 0.05);
  }

  // Without weights the small batches (thousands of steps) decide the fit; relative weighting
  // keeps the plateau (where S_min lives) accurate when every point has the same relative noise.
  void relativeWeightingKeepsThePlateauAccurate() {
    std::vector<BatchPoint> points = curve(kSMin, kBNoise, 1, 4096);
    for (std::size_t i = 0; i < points.size(); ++i) points[i].value *= i % 2 ? 1.04 : 0.96;
    const ScalingFit rel = fit_steps_to_target(points, FitWeighting::relative);
    const ScalingFit abs = fit_steps_to_target(points, FitWeighting::absolute);
    qInfo("S_min relative %.1f, absolute %.1f (true %.0f)", rel.s_min, abs.s_min, kSMin);
    QVERIFY(relative_error(rel.s_min, kSMin) < 0.05);
    QVERIFY(relative_error(rel.s_min, kSMin) < relative_error(abs.s_min, kSMin));
  }

  void skipsUnusablePoints() {
    auto points = curve(kSMin, kBNoise, 16, 1024);
    points.push_back({64, kNaN});  // a run that never reached its target
    points.push_back({0, 500});    // no batch size
    points.push_back({128, -3});   // nonsense
    const ScalingFit fit = fit_steps_to_target(points);
    QCOMPARE(fit.points_used, 7);
    QVERIFY(relative_error(fit.b_noise, kBNoise) < 1e-9);
  }

  void needsTwoBatchSizes() {
    const std::vector<BatchPoint> none;
    const std::vector<BatchPoint> one = {{64, 300}};
    const std::vector<BatchPoint> repeats_only = {{64, 300}, {64, 320}, {64, 290}};
    const std::vector<BatchPoint> one_usable = {{64, 300}, {128, kNaN}};
    for (const auto* pts : {&none, &one, &repeats_only, &one_usable}) {
      const std::string err = error_of([&] { fit_steps_to_target(*pts); });
      QVERIFY2(err.find("two or more batch sizes, got") != std::string::npos, err.c_str());
    }
    const std::string err = error_of([&] { fit_steps_to_target(repeats_only); });
    QVERIFY2(err.find("got 1 (3 usable points)") != std::string::npos, err.c_str());
  }

  void refusesCurvesWithoutDiminishingReturns() {
    // Steps that grow with the batch: every batch is past the critical one.
    const std::vector<BatchPoint> rising = {{64, 100}, {128, 110}, {256, 125}};
    std::string err = error_of([&] { fit_steps_to_target(rising); });
    QVERIFY2(err.find("do not fall as the batch grows (from B=64 to B=256)") != std::string::npos,
             err.c_str());
    QVERIFY(err.find("add smaller batch sizes") != std::string::npos);
    // Steps that fall faster than 1/B: perfect scaling throughout, B_noise beyond the range.
    const std::vector<BatchPoint> steep = {{8, 1000}, {16, 450}, {32, 200}};
    err = error_of([&] { fit_steps_to_target(steep); });
    QVERIFY2(err.find("perfect scaling") != std::string::npos, err.c_str());
    QVERIFY(err.find("add larger batch sizes") != std::string::npos);
  }

  void examplesCurveIsStepsTimesBatch() {
    ScalingFit fit;
    fit.s_min = kSMin;
    fit.b_noise = kBNoise;
    QCOMPARE(fit.e_min(), kSMin * kBNoise);
    for (double b : {1.0, 64.0, 256.0, 4096.0}) {
      QVERIFY(std::fabs(fit.examples_at(b) - fit.steps_at(b) * b) < 1e-6 * fit.examples_at(b));
      QCOMPARE(examples_model(fit.e_min(), kBNoise, b), fit.examples_at(b));
    }
    QCOMPARE(fit.steps_at(kBNoise), 2 * kSMin);  // at B = B_noise, twice the fewest steps
    QCOMPARE(fit.examples_at(kBNoise), 2 * fit.e_min());
  }

  void aggregatesRepeatsPerBatch() {
    const std::vector<BatchPoint> values = {{64, 10}, {16, 4}, {64, 14}, {16, kNaN},
                                            {64, 12}, {32, 7}, {kNaN, 1}};
    const auto g = aggregate_by_batch(values);
    QCOMPARE(g.size(), std::size_t{3});
    QCOMPARE(g[0].batch, 16.0);
    QCOMPARE(g[0].count, 1);
    QCOMPARE(g[0].mean, 4.0);
    QCOMPARE(g[0].std, 0.0);
    QCOMPARE(g[1].batch, 32.0);
    QCOMPARE(g[2].batch, 64.0);
    QCOMPARE(g[2].count, 3);
    QCOMPARE(g[2].mean, 12.0);
    QCOMPARE(g[2].std, 2.0);  // sample std of 10, 12, 14
    QCOMPARE(g[2].min, 10.0);
    QCOMPARE(g[2].max, 14.0);
    QVERIFY(aggregate_by_batch(std::vector<BatchPoint>{{8, kNaN}}).empty());
  }

  void throughputKneeIsWhereTheCurveFlattens() {
    const std::vector<BatchPoint> rate = {{8, 100},   {16, 190},  {32, 350},  {64, 560},
                                          {128, 640}, {256, 670}, {512, 660}, {128, 620}};
    // Best 670; 90% of it is 603; the mean at 128 is 630.
    QCOMPARE(throughput_knee(rate).value_or(-1), 128.0);
    QCOMPARE(throughput_knee(rate, 0.2).value_or(-1), 64.0);  // 560 ≥ 536
    QCOMPARE(throughput_knee(rate, 0.0).value_or(-1), 256.0);
    QVERIFY(!throughput_knee(std::vector<BatchPoint>{}).has_value());
    QVERIFY(!throughput_knee(std::vector<BatchPoint>{{8, kNaN}, {16, 0}}).has_value());
  }
};

QTEST_APPLESS_MAIN(TestScalingFit)
#include "test_scaling_fit.moc"
