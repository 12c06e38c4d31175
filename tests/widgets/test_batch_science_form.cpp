// The experiment form's batch-science parts: the noise-scale fields (refused at the field when
// out of range or inconsistent with accumulation) and the chosen preset's description.
#include <QtTest>

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>

#include "engine/experiment/config_io.h"
#include "widgets/experiment_form.h"

using namespace batchlab;

class TestBatchScienceForm : public QObject {
  Q_OBJECT
 private slots:
  void noiseScaleFieldsRoundTrip();
  void noiseScaleFieldsShowOnlyWhenEnabled();
  void badEmaIsRefusedAtTheField();
  void methodMustMatchAccumulation();
  void presetDescriptionIsShown();

 private:
  static void type(ExperimentForm& form, const char* key, const QString& text) {
    auto* edit = qobject_cast<QLineEdit*>(form.editor(key));
    QVERIFY2(edit, key);
    edit->setText(text);
  }
  static void enableNoise(ExperimentForm& form, bool on) {
    auto* box = qobject_cast<QCheckBox*>(form.editor("noise_scale.enabled"));
    QVERIFY(box);
    box->setChecked(on);
  }
};

void TestBatchScienceForm::noiseScaleFieldsRoundTrip() {
  ExperimentForm form;
  RunConfig c = form.config();
  c.batch.accumulate = 4;
  c.noise_scale.enabled = true;
  c.noise_scale.method = NoiseScaleMethod::micro;
  c.noise_scale.ema = 0.9;
  c.noise_scale.every = 3;
  form.setConfig(c);
  QVERIFY2(form.valid(), qPrintable(form.problem()));
  const RunConfig back = form.config();
  QVERIFY(back.noise_scale.enabled);
  QCOMPARE(back.noise_scale.method, NoiseScaleMethod::micro);
  QCOMPARE(back.noise_scale.ema, 0.9);
  QCOMPARE(back.noise_scale.every, std::int64_t{3});
  // Ticking the box off turns the measurement off in the config.
  enableNoise(form, false);
  QVERIFY(!form.config().noise_scale.enabled);
}

void TestBatchScienceForm::noiseScaleFieldsShowOnlyWhenEnabled() {
  ExperimentForm form;
  form.show();
  enableNoise(form, false);
  QVERIFY(!form.editor("noise_scale.ema")->isVisible());
  QVERIFY(!form.editor("noise_scale.method")->isVisible());
  enableNoise(form, true);
  QVERIFY(form.editor("noise_scale.ema")->isVisible());
  QVERIFY(form.editor("noise_scale.method")->isVisible());
  QVERIFY(form.editor("noise_scale.every")->isVisible());
}

void TestBatchScienceForm::badEmaIsRefusedAtTheField() {
  ExperimentForm form;
  enableNoise(form, true);
  QVERIFY2(form.valid(), qPrintable(form.problem()));
  type(form, "noise_scale.ema", "1.5");
  QVERIFY(!form.valid());
  QVERIFY2(form.fieldError("noise_scale.ema").contains("below 1"),
           qPrintable(form.fieldError("noise_scale.ema")));
  type(form, "noise_scale.ema", "smooth");
  QVERIFY(!form.fieldError("noise_scale.ema").isEmpty());
  type(form, "noise_scale.ema", "0.95");
  QVERIFY2(form.valid(), qPrintable(form.problem()));
  type(form, "noise_scale.every", "0");
  QVERIFY(!form.valid());
  QVERIFY(!form.fieldError("noise_scale.every").isEmpty());
}

void TestBatchScienceForm::methodMustMatchAccumulation() {
  ExperimentForm form;
  enableNoise(form, true);
  auto* method = qobject_cast<QComboBox*>(form.editor("noise_scale.method"));
  QVERIFY(method);
  method->setCurrentText("micro");
  QVERIFY(!form.valid());
  // The engine's cross-field rule lands on the method field.
  QVERIFY2(form.fieldError("noise_scale.method").contains("batch.accumulate"),
           qPrintable(form.fieldError("noise_scale.method")));
  type(form, "batch.accumulate", "2");
  QVERIFY2(form.valid(), qPrintable(form.problem()));
  QVERIFY(form.fieldError("noise_scale.method").isEmpty());
}

void TestBatchScienceForm::presetDescriptionIsShown() {
  ExperimentForm form;
  form.show();
  QString error;
  QVERIFY2(form.loadPreset("noise-scale-noisy", {}, error), qPrintable(error));
  QString expected;
  for (const auto& p : list_presets())
    if (p.name == "noise-scale-noisy") expected = QString::fromStdString(p.description);
  QVERIFY(expected.contains("B_simple"));
  bool shown = false;
  for (QLabel* l : form.findChildren<QLabel*>())
    if (l->text() == expected && l->isVisible()) shown = true;
  QVERIFY2(shown, "the preset's description is not on screen");
  // The preset turns the measurement on, and the form shows it.
  QVERIFY(qobject_cast<QCheckBox*>(form.editor("noise_scale.enabled"))->isChecked());
  QCOMPARE(form.config().noise_scale.ema, 0.99);
}

QTEST_MAIN(TestBatchScienceForm)
#include "test_batch_science_form.moc"
