// A run keeps its trained model in the store: the model served later is the one that was
// evaluated (same validation accuracy from a forward-only backend), runs that did not train
// keep none, and the model survives reopening the store.
#include <QTemporaryDir>
#include <QtTest>

#include <numeric>

#include "engine/backend/backend.h"
#include "engine/data/load_dataset.h"
#include "engine/experiment/run_executor.h"
#include "engine/experiment/run_store.h"

using namespace batchlab;

namespace {

RunConfig spirals(double epochs) {
  RunConfig c;
  c.name = "kept";
  c.seed = 5;
  c.dataset.kind = "spirals";
  c.dataset.samples = 600;
  c.model.hidden = {16, 16};
  c.optimizer.kind = OptimizerKind::adam;
  c.optimizer.lr = 0.01;
  c.batch.size = 32;
  c.stop.epochs = epochs;
  c.eval.every_epochs = 1.0;
  c.threads = 1;
  c.device = "cpu";
  return c;
}

}  // namespace

class TestStoredModel : public QObject {
  Q_OBJECT

 private slots:
  void aFinishedRunKeepsTheModelItWasEvaluatedWith() {
    QTemporaryDir dir;
    const std::string db = dir.filePath("runs.sqlite").toStdString();
    const RunConfig c = spirals(3);
    ExecuteOptions o;
    o.store_path = db;
    const RunFinished f = execute_run(c, o);
    QCOMPARE(f.status, RunStatus::completed);

    const auto model = RunStore(db).model(f.run_id);  // a fresh connection: what a restart sees
    QVERIFY(model.has_value());
    QCOMPARE(model->step, f.summary.steps);
    QCOMPARE(model->spec.hidden, (std::vector<std::int64_t>{16, 16}));
    QCOMPARE(static_cast<std::int64_t>(model->parameters.size()), mlp_parameter_count(model->spec));
    QCOMPARE(model->feature_mean.size(), std::size_t{2});

    // Forward-only on the validation split with the stored parameters: the run's last accuracy.
    const DatasetSplit data = load_dataset(c.dataset, c.seed);
    auto backend = make_cpu_backend(1, 0);
    backend->prepare_inference(model->spec, data.val.rows, 0);
    backend->set_parameters(model->parameters);
    std::vector<std::int64_t> rows(static_cast<std::size_t>(data.val.rows));
    std::iota(rows.begin(), rows.end(), 0);
    backend->stage_batch(data.val, rows);
    const EvalTotals t = backend->evaluate_staged();
    QCOMPARE(static_cast<double>(t.correct) / static_cast<double>(t.rows),
             f.summary.final_val_accuracy);
  }

  void runsThatDidNotTrainKeepNone() {
    QTemporaryDir dir;
    const std::string db = dir.filePath("runs.sqlite").toStdString();
    RunConfig c = spirals(1);
    c.memory_budget_mb = 0.001;  // not even the parameters fit
    ExecuteOptions o;
    o.store_path = db;
    const RunFinished f = execute_run(c, o);
    QCOMPARE(f.status, RunStatus::out_of_memory);
    QVERIFY(!RunStore(db).has_model(f.run_id));
  }
};

QTEST_GUILESS_MAIN(TestStoredModel)
#include "test_stored_model.moc"
