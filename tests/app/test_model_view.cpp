// The Model dock draws the running model from the Trainer's parameter snapshots: a spirals run
// gets its decision boundary (computed off the GUI thread, after steps have run), a
// two-parameter linear model its loss surface with one path point per step from the start, two
// runs on the same model share the map with a path each, and a model it cannot draw says why.
#include <QSignalSpy>
#include <QtTest>

#include "app/model_view_dock.h"
#include "app/run_session.h"
#include "app_test_support.h"
#include "widgets/runs_table_model.h"
#include "widgets/decision_boundary_view.h"
#include "widgets/loss_surface_view.h"
#include "window_test_base.h"

using namespace batchlab;
using namespace batchlab::testing;

namespace {

RunConfig linear_two_parameters(std::int64_t batch) {
  RunConfig c;
  c.name = "line";
  c.seed = 1;
  c.dataset.kind = "linear";
  c.dataset.samples = 400;
  c.dataset.features = 1;
  c.model.hidden = {};
  c.optimizer.lr = 0.05;
  c.optimizer.momentum = 0;
  c.batch.size = batch;
  c.stop.epochs.reset();
  c.stop.max_steps = 60;
  c.eval.every_epochs.reset();
  c.threads = 1;
  c.device = "cpu";
  return c;
}

}  // namespace

class TestModelView : public WindowTestBase {
  Q_OBJECT
 private slots:
  void init() { resetFixture(); }
  void aSpiralsRunDrawsItsDecisionBoundary();
  void aTwoParameterRunDrawsItsPathOnTheLossSurface();
  void aModelItCannotDrawSaysWhy();
};

void TestModelView::aSpiralsRunDrawsItsDecisionBoundary() {
  auto w = makeWindow();
  QSignalSpy grids(w->modelView()->boundary(), &DecisionBoundaryView::gridReady);
  RunConfig c = tiny_config(40);
  QVERIFY(runAndWait(*w, c));
  // The last grid is of the trained model: the Trainer's final snapshot, whatever the interval.
  QTRY_VERIFY_WITH_TIMEOUT(w->modelView()->boundary()->gridStep() > 0 &&
                               !w->modelView()->boundary()->computing(),
                           10000);
  QCOMPARE(w->modelView()->kind(), ModelViewDock::Kind::boundary);
  QVERIFY(grids.count() > 0);
  QCOMPARE(w->modelView()->boundary()->grid()->nx, DecisionBoundaryView::kGrid);
}

void TestModelView::aTwoParameterRunDrawsItsPathOnTheLossSurface() {
  auto w = makeWindow();
  QVERIFY(runAndWait(*w, linear_two_parameters(1)));
  QTRY_COMPARE_WITH_TIMEOUT(w->modelView()->kind(), ModelViewDock::Kind::surface, 5000);
  LossSurfaceView* view = w->modelView()->surface();
  QTRY_VERIFY_WITH_TIMEOUT(view->surface().has_value() && !view->computing(), 10000);
  const auto runs = w->session()->table().runIds();
  QCOMPARE(runs.size(), std::size_t{1});
  // The start and then every one of the 60 steps.
  QTRY_COMPARE_WITH_TIMEOUT(view->path(runs[0]).size(), std::size_t{61}, 5000);
  // A second run on the same model and data joins the same map with its own path.
  QVERIFY(runAndWait(*w, linear_two_parameters(64)));
  w->flushAndRepaint();  // the second run's rows and snapshots drained
  const auto both = w->session()->table().runIds();
  QCOMPARE(both.size(), std::size_t{2});
  for (const std::int64_t id : both)
    QTRY_COMPARE_WITH_TIMEOUT(view->path(id).size(), std::size_t{61}, 5000);
  // Both start from the same point (the seed), the start every path is drawn from.
  QCOMPARE(view->path(both[0]).front(), view->path(both[1]).front());
}

void TestModelView::aModelItCannotDrawSaysWhy() {
  auto w = makeWindow();
  QVERIFY(runAndWait(*w, tiny_config(2)));
  QTRY_COMPARE_WITH_TIMEOUT(w->modelView()->kind(), ModelViewDock::Kind::boundary, 5000);
  RunConfig c = tiny_config(2);
  c.dataset.kind = "blobs";
  c.dataset.features = 5;
  c.dataset.classes = 3;
  QVERIFY(runAndWait(*w, c));
  QTRY_COMPARE_WITH_TIMEOUT(w->modelView()->kind(), ModelViewDock::Kind::none, 5000);
}

QTEST_MAIN(TestModelView)
#include "test_model_view.moc"
