// The experiment form refuses invalid values at the field, with the reason, before Run; and
// the dataset preview draws the chosen set.
#include <QtTest>

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <filesystem>

#include "engine/data/load_dataset.h"
#include "widgets/dataset_preview.h"
#include "widgets/experiment_form.h"

using namespace batchlab;

class TestExperimentForm : public QObject {
  Q_OBJECT
 private slots:
  void defaultsAreValid();
  void textThatIsNotANumberIsRefusedAtTheField();
  void outOfRangeValuesNameTheirLimit();
  void crossFieldRulesComeFromTheEngine();
  void fixingTheFieldMakesTheFormValidAgain();
  void hiddenFieldsDoNotBlock();
  void configRoundTripsThroughTheFields();
  void syntheticPreviewIsAScatterByClass();
  void fashionMnistPreviewIsAGridWithClassNames();
  void presetRowFollowsTheContents();

 private:
  static void type(ExperimentForm& form, const char* key, const QString& text) {
    auto* edit = qobject_cast<QLineEdit*>(form.editor(key));
    QVERIFY2(edit, key);
    edit->setText(text);
  }
  static QString reasonShown(ExperimentForm& form, const char* key) {
    // The reason label sits in the same row widget as the editor.
    for (auto* label : form.editor(key)->parentWidget()->findChildren<QLabel*>("fieldReason"))
      if (!label->isHidden()) return label->text();
    return {};
  }
};

void TestExperimentForm::defaultsAreValid() {
  ExperimentForm form;
  QVERIFY2(form.valid(), qPrintable(form.problem()));
  QCOMPARE(form.config().dataset.kind, std::string("spirals"));
}

void TestExperimentForm::textThatIsNotANumberIsRefusedAtTheField() {
  ExperimentForm form;
  QSignalSpy validity(&form, &ExperimentForm::validityChanged);
  type(form, "batch.size", "sixty-four");
  QVERIFY(!form.valid());
  QVERIFY2(form.fieldError("batch.size").contains("not a whole number"),
           qPrintable(form.fieldError("batch.size")));
  QCOMPARE(reasonShown(form, "batch.size"), form.fieldError("batch.size"));
  QVERIFY(form.editor("batch.size")->styleSheet().contains("#c0392b"));
  QVERIFY(form.problem().startsWith("batch.size: "));
  QCOMPARE(validity.count(), 1);
  QCOMPARE(validity.first().at(0).toBool(), false);
  type(form, "model.hidden", "64, wide");
  QVERIFY(form.fieldError("model.hidden").contains("“wide”"));
  type(form, "optimizer.lr", "0.1.2");
  QVERIFY(form.fieldError("optimizer.lr").contains("not a number"));
}

void TestExperimentForm::outOfRangeValuesNameTheirLimit() {
  ExperimentForm form;
  type(form, "batch.size", "0");
  QCOMPARE(form.fieldError("batch.size"), QString("must be at least 1"));
  type(form, "optimizer.lr", "-0.1");
  QCOMPARE(form.fieldError("optimizer.lr"), QString("must be greater than 0"));
  type(form, "optimizer.momentum", "1.5");
  QCOMPARE(form.fieldError("optimizer.momentum"), QString("must be below 1"));
  type(form, "dataset.validation", "1.2");
  QVERIFY(form.fieldError("dataset.validation").contains("test"));
  type(form, "memory_budget_mb", "-5");
  QCOMPARE(form.fieldError("memory_budget_mb"), QString("must be greater than 0"));
  QVERIFY(!form.valid());
}

void TestExperimentForm::crossFieldRulesComeFromTheEngine() {
  ExperimentForm form;
  type(form, "batch.size", "16");
  type(form, "batch.accumulate", "64");  // 16 samples cannot make 64 micro-batches
  QVERIFY(!form.valid());
  QVERIFY2(form.fieldError("batch.accumulate").contains("cannot split a batch of 16"),
           qPrintable(form.fieldError("batch.accumulate")));
  QVERIFY(form.fieldError("batch.size").isEmpty());
  type(form, "batch.accumulate", "2");
  QVERIFY2(form.valid(), qPrintable(form.problem()));
  // More replicas than rows in a batch: the engine's rule, shown at the replicas field.
  type(form, "parallel.replicas", "17");
  QVERIFY(!form.valid());
  QVERIFY2(!form.fieldError("parallel.replicas").isEmpty(), qPrintable(form.problem()));
  type(form, "parallel.replicas", "2");
  QVERIFY2(form.valid(), qPrintable(form.problem()));
  // No stop criterion at all: shown at the first stop field.
  type(form, "stop.epochs", "");
  type(form, "stop.max_steps", "");
  type(form, "stop.time_limit_s", "");
  QVERIFY(!form.valid());
  QVERIFY2(form.fieldError("stop.epochs").contains("no stop criterion"),
           qPrintable(form.problem()));
  type(form, "stop.epochs", "2");
  // An accuracy target on a regression set is refused at the target's metric.
  qobject_cast<QComboBox*>(form.editor("dataset.kind"))->setCurrentText("linear");
  qobject_cast<QComboBox*>(form.editor("stop.target.metric"))->setCurrentText("val_accuracy");
  type(form, "stop.target.value", "0.9");
  QVERIFY(!form.valid());
  QVERIFY2(form.fieldError("stop.target.metric").contains("regression"),
           qPrintable(form.problem()));
}

void TestExperimentForm::fixingTheFieldMakesTheFormValidAgain() {
  ExperimentForm form;
  type(form, "batch.size", "x");
  QVERIFY(!form.valid());
  QSignalSpy validity(&form, &ExperimentForm::validityChanged);
  type(form, "batch.size", "128");
  QVERIFY2(form.valid(), qPrintable(form.problem()));
  QCOMPARE(validity.count(), 1);
  QCOMPARE(validity.first().at(0).toBool(), true);
  QVERIFY(form.fieldError("batch.size").isEmpty());
  QVERIFY(reasonShown(form, "batch.size").isEmpty());
  QVERIFY(form.editor("batch.size")->styleSheet().isEmpty());
  QCOMPARE(form.config().batch.size, std::int64_t{128});
}

void TestExperimentForm::hiddenFieldsDoNotBlock() {
  ExperimentForm form;
  type(form, "dataset.samples", "lots");
  QVERIFY(!form.valid());
  // Fashion-MNIST has no sample count to generate: the field hides and stops mattering.
  qobject_cast<QComboBox*>(form.editor("dataset.kind"))->setCurrentText("fashion-mnist");
  QVERIFY2(form.valid() || !form.problem().startsWith("dataset.samples"),
           qPrintable(form.problem()));
  QVERIFY(form.fieldError("dataset.samples").isEmpty());
  // Batch size means nothing for the full-batch strategy either.
  qobject_cast<QComboBox*>(form.editor("dataset.kind"))->setCurrentText("spirals");
  type(form, "dataset.samples", "500");
  type(form, "batch.size", "?");
  qobject_cast<QComboBox*>(form.editor("batch.strategy"))->setCurrentText("full");
  QVERIFY2(form.valid(), qPrintable(form.problem()));
}

void TestExperimentForm::configRoundTripsThroughTheFields() {
  RunConfig c;
  c.name = "round trip";
  c.seed = 7;
  c.dataset.kind = "blobs";
  c.dataset.samples = 900;
  c.dataset.noise = 0.25;
  c.dataset.classes = 4;
  c.dataset.features = 3;
  c.model.hidden = {32, 16, 8};
  c.model.activation = Activation::tanh;
  c.optimizer.kind = OptimizerKind::adam;
  c.optimizer.lr = 0.003;
  c.optimizer.beta2 = 0.98;  // not on the form: must pass through untouched
  c.batch.size = 96;
  c.batch.accumulate = 2;
  c.parallel.replicas = 3;
  c.parallel.overlap = false;
  c.batch.sampling = Sampling::replacement;
  c.batch.drop_last = true;
  c.batch.schedule.kind = ScheduleKind::steps;  // not on the form either
  c.batch.schedule.epochs = {2, 4};
  c.stop.epochs.reset();
  c.stop.max_steps = 1234;
  c.stop.target = TargetConfig{TargetMetric::val_loss, 0.3};
  c.eval.every_epochs.reset();
  c.eval.every_steps = 50;
  c.memory_budget_mb = 256;
  ExperimentForm form;
  form.setConfig(c);
  QVERIFY2(form.valid(), qPrintable(form.problem()));
  const RunConfig back = form.config();
  QCOMPARE(back.name, c.name);
  QCOMPARE(back.seed, c.seed);
  QCOMPARE(back.dataset.kind, c.dataset.kind);
  QCOMPARE(back.dataset.samples, c.dataset.samples);
  QCOMPARE(back.dataset.noise, c.dataset.noise);
  QCOMPARE(back.dataset.classes, c.dataset.classes);
  QCOMPARE(back.dataset.features, c.dataset.features);
  QCOMPARE(back.model.hidden, c.model.hidden);
  QCOMPARE(back.model.activation, c.model.activation);
  QCOMPARE(back.optimizer.kind, c.optimizer.kind);
  QCOMPARE(back.optimizer.lr, c.optimizer.lr);
  QCOMPARE(back.optimizer.beta2, 0.98);
  QCOMPARE(back.batch.size, c.batch.size);
  QCOMPARE(back.batch.accumulate, c.batch.accumulate);
  QCOMPARE(back.parallel.replicas, 3);
  QCOMPARE(back.parallel.overlap, false);
  QCOMPARE(back.batch.sampling, c.batch.sampling);
  QCOMPARE(back.batch.drop_last, true);
  QCOMPARE(back.batch.schedule.kind, ScheduleKind::steps);
  QVERIFY(!back.stop.epochs);
  QCOMPARE(back.stop.max_steps, std::optional<std::int64_t>(1234));
  QVERIFY(back.stop.target && back.stop.target->metric == TargetMetric::val_loss);
  QCOMPARE(back.stop.target->value, 0.3);
  QVERIFY(!back.eval.every_epochs);
  QCOMPARE(back.eval.every_steps, std::optional<std::int64_t>(50));
  QCOMPARE(back.memory_budget_mb, std::optional<double>(256));
}

void TestExperimentForm::syntheticPreviewIsAScatterByClass() {
  ExperimentForm form;
  QSignalSpy ready(form.preview(), &DatasetPreview::updated);
  qobject_cast<QComboBox*>(form.editor("dataset.kind"))->setCurrentText("blobs");
  type(form, "dataset.classes", "3");
  type(form, "dataset.samples", "600");
  QVERIFY(ready.wait(5000));
  while (ready.wait(400)) {
  }  // the debounce may deliver an earlier request's result first
  QCOMPARE(form.preview()->mode(), DatasetPreview::Mode::scatter);
  const PreviewSample& s = form.preview()->sample();
  QCOMPARE(s.points.size(), std::size_t{600});
  QCOMPARE(s.class_names.size(), 3);
  QCOMPARE(*std::max_element(s.labels.begin(), s.labels.end()), 2);
  QVERIFY(s.title.contains("3 classes"));
  // The rows a run trains on, as the loader splits them (validation 0.2 by default).
  const RunConfig c = form.config();
  const DatasetSplit split = load_dataset(c.dataset, c.seed);
  QVERIFY2(s.title.contains(QStringLiteral("600 samples: %1 train, %2 validation")
                                .arg(split.train.rows)
                                .arg(split.val.rows)),
           qPrintable(s.title));
  type(form, "dataset.train_limit", "100");
  QVERIFY(ready.wait(5000));
  while (ready.wait(400)) {
  }
  QVERIFY2(form.preview()->sample().title.contains(QStringLiteral("100 train")),
           qPrintable(form.preview()->sample().title));
}

// The preset row names what the form holds: the preset after loading it, "(custom)" once a field
// differs, the preset again when the edit is undone, and the matching preset for a config restored
// from the last session.
void TestExperimentForm::presetRowFollowsTheContents() {
  ExperimentForm form;
  auto* preset = form.findChild<QComboBox*>();
  QVERIFY(preset);
  QString error;
  QVERIFY2(form.loadPreset(QStringLiteral("spirals-mlp"), {}, error), qPrintable(error));
  QCOMPARE(form.presetName(), QStringLiteral("spirals-mlp"));
  const QString lr = qobject_cast<QLineEdit*>(form.editor("optimizer.lr"))->text();
  type(form, "optimizer.lr", "0.123");
  QCOMPARE(form.presetName(), QString());
  QCOMPARE(preset->currentIndex(), 0);
  type(form, "optimizer.lr", lr);
  QCOMPARE(form.presetName(), QStringLiteral("spirals-mlp"));

  ExperimentForm restored;
  restored.setConfig(form.config());  // what the window does with the last session's config
  QCOMPARE(restored.presetName(), QStringLiteral("spirals-mlp"));
  QVERIFY(form.loadPreset(QStringLiteral("spirals-mlp"), {"optimizer.lr=0.5"}, error));
  QCOMPARE(form.presetName(), QString());  // loaded with --set: not the preset any more
}

void TestExperimentForm::fashionMnistPreviewIsAGridWithClassNames() {
  if (!std::filesystem::exists(kFashionMnistDir))
    QSKIP("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)");
  ExperimentForm form;
  QSignalSpy ready(form.preview(), &DatasetPreview::updated);
  qobject_cast<QComboBox*>(form.editor("dataset.kind"))->setCurrentText("fashion-mnist");
  QVERIFY(ready.wait(10000));
  while (ready.wait(500)) {
  }
  QCOMPARE(form.preview()->mode(), DatasetPreview::Mode::images);
  const PreviewSample& s = form.preview()->sample();
  QCOMPARE(s.class_names.first(), QString("T-shirt/top"));
  QCOMPARE(s.class_names.last(), QString("Ankle boot"));
  QCOMPARE(s.images.size(), std::size_t{10 * kPreviewImagesPerClass});
  QCOMPARE(s.images.front().width(), 28);
}

QTEST_MAIN(TestExperimentForm)
#include "test_experiment_form.moc"
