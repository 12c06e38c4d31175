// The loss surface of a two-parameter model (y = w·x + b on a one-input regression set): its
// values are the training loss (checked against the mean squared error written out here), its
// minimum is the least-squares line, and the view draws each run's path and widens the map when
// a path leaves it.
#include <QSignalSpy>
#include <QtTest>

#include <cmath>

#include "engine/data/load_dataset.h"
#include "engine/train/trainer.h"
#include "widgets/loss_surface.h"
#include "widgets/loss_surface_view.h"

using namespace batchlab;

namespace {

RunConfig linear_config() {
  RunConfig c;
  c.seed = 2;
  c.dataset.kind = "linear";
  c.dataset.samples = 400;
  c.dataset.features = 1;
  c.model.hidden = {};
  return c;
}

double direct_mse(const Dataset& d, double w, double b) {
  double sum = 0;
  for (std::int64_t r = 0; r < d.rows; ++r) {
    const double e = w * d.x[static_cast<std::size_t>(r)] + b - d.targets[static_cast<std::size_t>(r)];
    sum += e * e;
  }
  return sum / static_cast<double>(d.rows);
}

}  // namespace

class TestLossSurface : public QObject {
  Q_OBJECT
 private slots:
  void valuesAreTheTrainingLoss();
  void minimumIsTheLeastSquaresLine();
  void viewDrawsPathsAndWidensForThem();
  void aModelWithMoreParametersSaysSo();
};

void TestLossSurface::valuesAreTheTrainingLoss() {
  const RunConfig c = linear_config();
  const DatasetSplit data = load_dataset(c.dataset, c.seed);
  const MlpSpec spec = mlp_spec_for(c, data.train);
  QCOMPARE(mlp_parameter_count(spec), std::int64_t{2});
  const LossSurface s = compute_loss_surface(spec, data.train, -3, 3, -2, 2, 21);
  // The engine's regression loss may carry a constant factor (½·MSE); whatever it is, it is
  // the same at every point, and it is 1 or ½.
  const double ratio = s.at(3, 4) / direct_mse(data.train, s.p0(3), s.p1(4));
  QVERIFY2(std::abs(ratio - 1) < 1e-4 || std::abs(ratio - 0.5) < 1e-4, qPrintable(QString::number(ratio)));
  for (const auto& [i, j] : {std::pair{0, 0}, {20, 20}, {10, 5}, {17, 2}, {5, 19}})
    QVERIFY(std::abs(s.at(i, j) / direct_mse(data.train, s.p0(i), s.p1(j)) - ratio) < 1e-4);
}

void TestLossSurface::minimumIsTheLeastSquaresLine() {
  const RunConfig c = linear_config();
  const DatasetSplit data = load_dataset(c.dataset, c.seed);
  const MlpSpec spec = mlp_spec_for(c, data.train);
  const auto best = least_squares_line(data.train);
  QVERIFY(best.has_value());
  const int n = 61;
  const LossSurface s = compute_loss_surface(spec, data.train, best->first - 2, best->first + 2,
                                             best->second - 2, best->second + 2, n);
  const auto lowest = std::min_element(s.loss.begin(), s.loss.end()) - s.loss.begin();
  const int i = static_cast<int>(lowest % n), j = static_cast<int>(lowest / n);
  const double cell = 4.0 / (n - 1);
  QVERIFY2(std::abs(s.p0(i) - best->first) <= cell && std::abs(s.p1(j) - best->second) <= cell,
           qPrintable(QStringLiteral("grid min (%1, %2), least squares (%3, %4)")
                          .arg(s.p0(i)).arg(s.p1(j)).arg(best->first).arg(best->second)));
}

void TestLossSurface::viewDrawsPathsAndWidensForThem() {
  const RunConfig c = linear_config();
  const DatasetSplit data = load_dataset(c.dataset, c.seed);
  const MlpSpec spec = mlp_spec_for(c, data.train);
  LossSurfaceView view;
  view.resize(500, 400);
  QSignalSpy ready(&view, &LossSurfaceView::surfaceReady);
  view.setModel(spec, data.train, {0.0, 0.0});
  QVERIFY(ready.wait(10000));
  QVERIFY(view.surface().has_value());
  view.addPoint(1, 0.1, 0.05);
  view.addPoint(1, 0.2, 0.1);
  view.addPoint(2, -0.1, 0.02);
  QCOMPARE(view.path(1).size(), std::size_t{2});
  QCOMPARE(view.path(2).size(), std::size_t{1});
  // A step far outside the map: the map is recomputed to hold it.
  view.addPoint(1, 25.0, -18.0);
  QTRY_VERIFY_WITH_TIMEOUT(view.surface() && view.surface()->p0_hi >= 25.0 &&
                               view.surface()->p1_lo <= -18.0 && !view.computing(),
                           10000);
}

void TestLossSurface::aModelWithMoreParametersSaysSo() {
  RunConfig c = linear_config();
  c.model.hidden = {4};
  const DatasetSplit data = load_dataset(c.dataset, c.seed);
  const MlpSpec spec = mlp_spec_for(c, data.train);
  LossSurfaceView view;
  view.setModel(spec, data.train, {0, 0});
  QVERIFY(!view.computing());
  QVERIFY(!view.surface().has_value());
  view.addPoint(1, 0, 0);
  QVERIFY(view.path(1).empty());
  QVERIFY_THROWS_EXCEPTION(std::exception, compute_loss_surface(spec, data.train, 0, 1, 0, 1, 3));
}

QTEST_MAIN(TestLossSurface)
#include "test_loss_surface.moc"
