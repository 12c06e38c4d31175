// Parameter snapshots (train/parameter_snapshot.h): off unless asked; when asked, the initial
// parameters (step 0) and then after each step as the policy allows, each the backend's own
// parameters at that point, and always after the last step; a minimum interval thins them, a
// size limit refuses big models, and a small model gets every step whatever the interval says.
#include <QtTest>

#include <cmath>

#include "engine/backend/backend.h"
#include "engine/data/load_dataset.h"
#include "engine/model/mlp_init.h"
#include "engine/train/parameter_snapshot.h"
#include "engine/train/trainer.h"

using namespace batchlab;

namespace {

struct Snapshots : EventSink {
  std::vector<ParameterSnapshotEvent> got;
  std::int64_t steps = 0;
  void on_run_started(const RunStarted&) override {}
  void on_step(const StepEvent&) override { ++steps; }
  void on_eval(const EvalEvent&) override {}
  void on_run_finished(const RunFinished&) override {}
  void on_extension(const ExtensionEvent& e) override {
    if (const auto* s = dynamic_cast<const ParameterSnapshotEvent*>(&e)) got.push_back(*s);
  }
};

RunConfig config(std::vector<int> hidden, std::int64_t steps) {
  RunConfig c;
  c.seed = 5;
  c.dataset.kind = "linear";
  c.dataset.samples = 200;
  c.dataset.features = 1;
  c.model.hidden = std::move(hidden);
  c.optimizer.lr = 0.05;
  c.batch.size = 16;
  c.stop.epochs.reset();
  c.stop.max_steps = steps;
  c.eval.every_epochs.reset();
  c.threads = 1;
  return c;
}

Snapshots run(const RunConfig& c, const SnapshotPolicy& policy) {
  const DatasetSplit data = load_dataset(c.dataset, c.seed);
  auto backend = make_cpu_backend(1, 0);
  Snapshots sink;
  TrainerInputs in;
  in.config = &c;
  in.data = &data;
  in.backend = backend.get();
  in.sink = &sink;
  in.snapshots = policy;
  train(in);
  return sink;
}

}  // namespace

class TestParameterSnapshot : public QObject {
  Q_OBJECT
 private slots:
  void offByDefault();
  void everyStepFromTheInitialParameters();
  void intervalThinsThemAndSmallModelsGetEveryStep();
  void bigModelsGetNone();
};

void TestParameterSnapshot::offByDefault() {
  const Snapshots s = run(config({}, 10), SnapshotPolicy{});
  QCOMPARE(s.steps, std::int64_t{10});
  QVERIFY(s.got.empty());
}

void TestParameterSnapshot::everyStepFromTheInitialParameters() {
  const RunConfig c = config({}, 30);
  SnapshotPolicy p;
  p.enabled = true;
  const Snapshots s = run(c, p);
  QCOMPARE(s.got.size(), std::size_t{31});
  for (std::size_t i = 0; i < s.got.size(); ++i) {
    QCOMPARE(s.got[i].step, static_cast<std::int64_t>(i));
    QCOMPARE(s.got[i].parameters.size(), std::size_t{2});  // y = w·x + b
  }
  // Step 0 is the initialisation from the seed; training then moves the parameters.
  const DatasetSplit data = load_dataset(c.dataset, c.seed);
  const MlpSpec spec = mlp_spec_for(c, data.train);
  std::vector<float> init(2);
  init_mlp_parameters(spec, c.seed, init);
  QCOMPARE(s.got.front().parameters, init);
  QVERIFY(s.got.back().parameters != init);
}

void TestParameterSnapshot::intervalThinsThemAndSmallModelsGetEveryStep() {
  SnapshotPolicy p;
  p.enabled = true;
  p.min_interval_s = 3600;  // one an hour: the start, the first step and the last one only
  const Snapshots thin = run(config({8}, 40), p);
  QCOMPARE(thin.got.size(), std::size_t{3});
  QCOMPARE(thin.got[0].step, std::int64_t{0});
  QCOMPARE(thin.got[1].step, std::int64_t{1});
  QCOMPARE(thin.got[2].step, std::int64_t{40});  // a view ends on the trained model
  p.every_step_max_parameters = 2;  // a two-parameter model: every step regardless
  const Snapshots every = run(config({}, 40), p);
  QCOMPARE(every.got.size(), std::size_t{41});
}

void TestParameterSnapshot::bigModelsGetNone() {
  SnapshotPolicy p;
  p.enabled = true;
  p.max_parameters = 10;  // 1-8-1 has 25 parameters
  const Snapshots s = run(config({8}, 10), p);
  QVERIFY(s.got.empty());
  QCOMPARE(s.steps, std::int64_t{10});
}

QTEST_MAIN(TestParameterSnapshot)
#include "test_parameter_snapshot.moc"
