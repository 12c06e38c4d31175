// The decision-boundary view: its 200 × 200 grid is the model's own prediction (checked at
// sampled cells against the engine's offline inference on those exact points, for a model
// trained on moons), it is computed off the GUI thread, at most every 200 ms however fast
// snapshots come, and the newest snapshot is the one drawn.
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QtTest>

#include "engine/backend/backend.h"
#include "engine/core/rng.h"
#include "engine/data/load_dataset.h"
#include "engine/serve/offline_infer.h"
#include "engine/train/trainer.h"
#include "qcustomplot.h"
#include "widgets/boundary_grid.h"
#include "widgets/decision_boundary_view.h"

using namespace batchlab;

namespace {

struct Trained {
  DatasetSplit data;
  MlpSpec spec;
  std::vector<float> parameters;
};

Trained train_moons(double epochs) {
  RunConfig c;
  c.seed = 3;
  c.dataset.kind = "moons";
  c.dataset.samples = 600;
  c.model.hidden = {16, 16};
  c.optimizer.lr = 0.05;
  c.batch.size = 32;
  c.stop.epochs = epochs;
  c.eval.every_epochs.reset();
  c.threads = 1;
  Trained t;
  t.data = load_dataset(c.dataset, c.seed);
  t.spec = mlp_spec_for(c, t.data.train);
  auto backend = make_cpu_backend(1, 0);
  EventSink none;
  TrainerInputs in;
  in.config = &c;
  in.data = &t.data;
  in.backend = backend.get();
  in.sink = &none;
  train(in);
  t.parameters = backend->parameters();
  return t;
}

}  // namespace

class TestDecisionBoundary : public QObject {
  Q_OBJECT
 private slots:
  void gridIsTheModelsOwnPrediction();
  void gridSeparatesATrainedModelsClasses();
  void snapshotsAreComputedOffTheGuiThreadAndThrottled();
  void aSetThatIsNot2dSaysSo();
};

void TestDecisionBoundary::gridIsTheModelsOwnPrediction() {
  const Trained t = train_moons(5);
  const GridRange range = grid_range_for(t.data.train);
  const BoundaryGrid g = predict_boundary_grid(t.spec, t.parameters, range, 200, 200);
  QCOMPARE(g.nx, 200);
  QCOMPARE(g.cls.size(), std::size_t{40000});
  // 300 random cells, their centres as a dataset, predicted by the offline inference path.
  Rng rng(11);
  Dataset probe;
  probe.task = Task::classification;
  probe.features = 2;
  probe.outputs = t.spec.outputs;
  std::vector<std::pair<int, int>> cells;
  for (int k = 0; k < 300; ++k) {
    const int i = static_cast<int>(rng.below(200)), j = static_cast<int>(rng.below(200));
    cells.emplace_back(i, j);
    probe.x.push_back(static_cast<float>(g.cellX(i)));
    probe.x.push_back(static_cast<float>(g.cellY(j)));
    probe.labels.push_back(0);
  }
  probe.rows = static_cast<std::int64_t>(cells.size());
  InferOptions o;
  o.batch_sizes = {64};
  o.min_seconds = 0;
  o.min_batches = 1;
  const InferResult r = run_batch_inference(t.spec, t.parameters, 1, probe, o,
                                            [] { return make_cpu_backend(1, 0); });
  const auto& predicted = r.points.at(0).predictions;
  QCOMPARE(predicted.size(), cells.size());
  for (std::size_t k = 0; k < cells.size(); ++k)
    QCOMPARE(g.at(cells[k].first, cells[k].second), predicted[k]);
}

void TestDecisionBoundary::gridSeparatesATrainedModelsClasses() {
  const Trained t = train_moons(30);
  const BoundaryGrid g = predict_boundary_grid(t.spec, t.parameters, grid_range_for(t.data.train), 200, 200);
  // The training points fall in the region of their own class far more often than chance.
  std::int64_t right = 0;
  for (std::int64_t n = 0; n < t.data.train.rows; ++n) {
    const float* p = t.data.train.row(n);
    const int i = std::clamp(static_cast<int>((p[0] - g.x0) / (g.x1 - g.x0) * g.nx), 0, g.nx - 1);
    const int j = std::clamp(static_cast<int>((p[1] - g.y0) / (g.y1 - g.y0) * g.ny), 0, g.ny - 1);
    right += g.at(i, j) == t.data.train.labels[static_cast<std::size_t>(n)];
  }
  const double fraction = static_cast<double>(right) / static_cast<double>(t.data.train.rows);
  QVERIFY2(fraction > 0.85, qPrintable(QString::number(fraction)));
  // Both classes own some of the plane.
  QVERIFY(std::count(g.cls.begin(), g.cls.end(), 0) > 2000);
  QVERIFY(std::count(g.cls.begin(), g.cls.end(), 1) > 2000);
}

void TestDecisionBoundary::snapshotsAreComputedOffTheGuiThreadAndThrottled() {
  const Trained t = train_moons(2);
  DecisionBoundaryView view;
  view.resize(500, 400);
  view.setData(t.data.train);
  QSignalSpy ready(&view, &DecisionBoundaryView::gridReady);
  QElapsedTimer clock;
  clock.start();
  double slowest_call_ms = 0;
  // A snapshot every 10 ms for 1.2 s: far faster than the view may redraw.
  for (std::int64_t step = 1; clock.elapsed() < 1200; ++step) {
    QElapsedTimer call;
    call.start();
    view.setSnapshot(t.spec, t.parameters, step);
    slowest_call_ms = std::max(slowest_call_ms, call.nsecsElapsed() / 1e6);
    QTest::qWait(10);
  }
  const std::int64_t last_step = view.computing() ? -1 : view.gridStep();
  QTRY_VERIFY_WITH_TIMEOUT(!view.computing(), 5000);
  QTest::qWait(2 * DecisionBoundaryView::kMinIntervalMs + 50);
  QTRY_VERIFY_WITH_TIMEOUT(!view.computing(), 5000);
  // Handing in a snapshot never waits for the 40 000-cell forward pass.
  QVERIFY2(slowest_call_ms < 20, qPrintable(QString::number(slowest_call_ms)));
  // At most one grid per 200 ms (1.2 s of snapshots, plus the last pending one).
  QVERIFY2(ready.count() >= 2 && ready.count() <= 1200 / DecisionBoundaryView::kMinIntervalMs + 2,
           qPrintable(QString::number(ready.count())));
  // The newest snapshot is the one the view ends on.
  QVERIFY(view.gridStep() >= last_step);
  QCOMPARE(ready.last().at(0).toLongLong(), view.gridStep());
  QVERIFY(view.grid().has_value());
  QCOMPARE(view.grid()->nx, DecisionBoundaryView::kGrid);
  // Each class is drawn in its own colour: the map's gradient gives class 0 and class 1
  // different colours over its data range (once both landed on one level: one flat colour).
  QCPColorMap* map = nullptr;
  for (int i = 0; i < view.plot()->plottableCount(); ++i)
    if (auto* m = qobject_cast<QCPColorMap*>(view.plot()->plottable(i))) map = m;
  QVERIFY(map);
  const QCPRange range = map->dataRange();
  QVERIFY(map->gradient().color(0, range) != map->gradient().color(1, range));
  QCOMPARE(map->data()->cell(0, 0), static_cast<double>(view.grid()->at(0, 0)));
}

void TestDecisionBoundary::aSetThatIsNot2dSaysSo() {
  Dataset d;
  d.task = Task::classification;
  d.features = 5;
  d.rows = 3;
  d.outputs = 2;
  d.x.assign(15, 0.f);
  d.labels = {0, 1, 0};
  DecisionBoundaryView view;
  view.setData(d);
  MlpSpec s;
  s.inputs = 5;
  s.outputs = 2;
  view.setSnapshot(s, std::vector<float>(static_cast<std::size_t>(mlp_parameter_count(s))), 1);
  QVERIFY(!view.computing());
  auto* title = qobject_cast<QCPTextElement*>(view.plot()->plotLayout()->element(0, 0));
  QVERIFY(title && title->text().contains("2-D"));
}

QTEST_MAIN(TestDecisionBoundary)
#include "test_decision_boundary.moc"
