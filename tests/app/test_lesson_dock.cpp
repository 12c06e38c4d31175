// The Lesson panel as a class uses it: every bundled lesson opens at its first question, a broken
// lesson file is refused with one line naming the file and the field (the open lesson stays),
// the class's prediction is recorded, the step runs (shortened here with rehearsal overrides;
// the rule is the lesson's own) and the answer is shown beside the prediction, Back / Next walk
// the steps, the summary becomes a PDF handout, and presenting keeps the panel, in large text,
// with the step's own plots.
#include <QAction>
#include <QDockWidget>
#include <QFile>
#include <QLabel>
#include <QSignalSpy>
#include <QtTest>

#include "app/inference_window.h"
#include "app/lesson_dock.h"
#include "app/lesson_serving_dock.h"
#include "app/presentation_mode.h"
#include "app/run_session.h"
#include "app_test_support.h"
#include "widgets/runs_table_model.h"
#include "engine/lesson/lesson_io.h"
#include "widgets/loss_plot.h"
#include "widgets/memory_plot.h"
#include "window_test_base.h"

using namespace batchlab;
using namespace batchlab::testing;

class TestLessonDock : public WindowTestBase {
  Q_OBJECT
 private slots:
  void init() { resetFixture(); }
  void everyBundledLessonOpensAtItsFirstQuestion();
  void aBrokenLessonIsRefusedNamingTheField();
  void predictRunAndCompare();
  void presentingKeepsThePanelLarge();
  void servingStepRunsInTheInferenceView();
};

void TestLessonDock::everyBundledLessonOpensAtItsFirstQuestion() {
  auto w = makeWindow();
  LessonDock* dock = w->lessonDock();
  const auto lessons = list_lessons();
  QVERIFY(lessons.size() >= 5);
  for (const PresetInfo& p : lessons) {
    QString error;
    QVERIFY2(dock->openLesson(QString::fromStdString(p.name), error), qPrintable(error));
    QCOMPARE(dock->stepIndex(), 0);
    const std::string first = dock->lesson()->steps.front().prediction.question;
    QVERIFY2(dock->questionText().contains(QString::fromStdString(first).toHtmlEscaped().left(30)),
             qPrintable(dock->questionText()));
  }
}

void TestLessonDock::aBrokenLessonIsRefusedNamingTheField() {
  auto w = makeWindow();
  LessonDock* dock = w->lessonDock();
  QString error;
  QVERIFY(dock->openLesson("memory-wall", error));
  const QString path = dir_->filePath("broken.json");
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(R"({"title": "Broken", "question": "?", "steps": [{"title": "s",
    "runs": [{"preset": "spirals-mlp"}], "plots": ["loss"],
    "prediction": {"question": "q", "choices": [{"text": "only one", "batch": 8}]},
    "point_at": "p", "takeaway": "t", "outcome": {"kind": "throughput_knee"}}]})");
  f.close();
  QVERIFY(!dock->openLesson(path, error));
  QVERIFY2(error.contains("broken.json") && error.contains("choices"), qPrintable(error));
  QVERIFY2(!error.contains('\n'), qPrintable(error));
  QCOMPARE(QString::fromStdString(dock->lesson()->name), QStringLiteral("memory-wall"));
}

void TestLessonDock::predictRunAndCompare() {
  auto w = makeWindow();
  LessonDock* dock = w->lessonDock();
  QString error;
  QVERIFY2(dock->openLesson("memory-wall", error), qPrintable(error));
  dock->setRehearsalOverrides({"stop.max_steps=3"});
  dock->predict(1);  // "B = 256"
  QCOMPARE(dock->record().predictions[0], 1);
  QSignalSpy finished(dock, &LessonDock::stepFinished);
  dock->runStep();
  QVERIFY(dock->running());
  QVERIFY(!w->runAction()->isEnabled());  // no second run beside the lesson's
  QVERIFY(finished.wait(120000));
  QVERIFY(w->runAction()->isEnabled());
  QVERIFY(dock->record().answers[0].has_value());
  const QString answer = dock->answerText();
  QVERIFY2(answer.contains("Answer:") && answer.contains("Takeaway"), qPrintable(answer));
  QVERIFY2(answer.contains("The class predicted"), qPrintable(answer));
  // Its runs went through the window's bridge: they are in the runs table.
  QTRY_VERIFY_WITH_TIMEOUT(w->session()->table().runCount() >= 3, 5000);

  QSignalSpy changed(dock, &LessonDock::stepChanged);
  dock->goToStep(1);
  QCOMPARE(dock->stepIndex(), 1);
  QCOMPARE(changed.count(), 1);
  dock->goToStep(0);  // Back: the answer is still there
  QVERIFY(dock->answerText().contains("Answer:"));
  dock->goToStep(2);  // past the last step: the summary
  const QString summary = dock->summaryHtml();
  QVERIFY2(summary.contains("Prediction: B = 256"), qPrintable(summary));
  QVERIFY2(summary.contains("not run"), qPrintable(summary));  // step 2 was not run
  const QString pdf = dir_->filePath("handout.pdf");
  QVERIFY2(dock->exportHandout(pdf, error), qPrintable(error));
  QFile out(pdf);
  QVERIFY(out.open(QIODevice::ReadOnly));
  QVERIFY(out.size() > 1000);
  QVERIFY(out.read(5) == "%PDF-");
  // One page: one page object in the file.
  out.seek(0);
  const QByteArray all = out.readAll();
  QCOMPARE(all.count("/Type /Page") - all.count("/Type /Pages"), 1);
}

void TestLessonDock::presentingKeepsThePanelLarge() {
  auto w = makeWindow();
  LessonDock* dock = w->lessonDock();
  QString error;
  QVERIFY(dock->openLesson("memory-wall", error));
  dock->show();
  w->presentation()->enter();
  QApplication::processEvents();
  QVERIFY(dock->isVisible());
  QVERIFY(!w->findChild<QDockWidget*>(QStringLiteral("experimentDock"))->isVisible());
  auto* question = dock->findChild<QLabel*>(QStringLiteral("lessonQuestion"));
  QVERIFY(question->font().pointSizeF() >= 18.0);
  // The step names the memory plot: it is the one presented.
  QVERIFY(w->memoryPlot()->isVisible());
  QVERIFY(!w->lossPlot()->isVisible());
  w->presentation()->leave();
  QVERIFY(question->font().pointSizeF() < 18.0);
}

// Lesson 6: the serving step's sweep runs in the Inference view docked beside the panel (its
// ServingJob, so the curves move as points end), the panel judges the sweep it hands back and
// names the setting; presenting keeps both docks and draws the curves in the large style.
void TestLessonDock::servingStepRunsInTheInferenceView() {
  auto w = makeWindow();
  LessonDock* dock = w->lessonDock();
  QString error;
  QVERIFY2(dock->openLesson("batch-vs-realtime", error), qPrintable(error));
  dock->show();
  QVERIFY(dock->servingStep());
  LessonServingDock* serving = w->lessonServing();
  QVERIFY(serving->isVisibleTo(w.get()));  // the step names serving_latency_throughput
  w->presentation()->enter();
  QApplication::processEvents();
  QVERIFY(serving->isVisible() && dock->isVisible());
  QSignalSpy points(&serving->view()->job(), &ServingJob::sweepPoint);
  QSignalSpy finished(dock, &LessonDock::stepFinished);
  dock->predict(4);  // dynamic batches of up to 64
  dock->runStep();
  QVERIFY(dock->running());
  QVERIFY(!w->runAction()->isEnabled());
  QVERIFY(finished.wait(120000));
  QVERIFY(!dock->running());
  QVERIFY(points.count() >= 10);  // every point reached the view as it ended
  const auto& answer = dock->record().answers[0];
  QVERIFY(answer.has_value());
  QVERIFY2(answer->choice >= 1, answer->sentence.c_str());  // a batcher, not real-time
  const QString text = dock->answerText();
  QVERIFY2(text.contains("Answer:") && text.contains("served the most") &&
               text.contains("req/s at p99"),
           qPrintable(text));
  // The view drew the curves (one graph per setting) and named the same best.
  QVERIFY(serving->view()->sweepPlot()->graphCount() >= 5);
  QVERIFY2(serving->view()->summaryText().contains("Best under the p99 objective"),
           qPrintable(serving->view()->summaryText()));
  QVERIFY(serving->view()->sweepPlot()->xAxis->labelFont().pointSizeF() >= 18.0);
  w->presentation()->leave();
}

QTEST_MAIN(TestLessonDock)
#include "test_lesson_dock.moc"
