// defines: LessonDock (a guided lesson: predict, run, compare, take away; the handout)
// The classroom's path through the workbench. Open a lesson (bundled or a file); each step
// shows its prediction question full size with the choices, the teacher records the class's
// answer (or skips) and presses Run step; the step's runs go through the engine's lesson
// runner on a worker thread, their events into the same bridge the plots draw from, so the
// plots named by the step move live (and are the ones presentation mode shows). When the
// result is in, the dock shows the prediction beside what happened, with the numbers that
// decide it, what to point at and the takeaway. Back / Next walk the steps; the last step
// leads to the summary, exportable as a one-page PDF handout. A lesson file that does not load
// is refused with its one-line error; nothing else changes. A serving step (lesson 6) is handed
// to the window's serving runner (setServingRunner: the Inference view's ServingJob, so its
// latency–throughput curves move live) and judged when servingFinished brings the sweep back;
// with no runner it runs headless through the lesson runner like any other step.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <QDockWidget>
#include <QElapsedTimer>
#include <QFutureWatcher>

#include "engine/core/run_control.h"
#include "engine/lesson/lesson.h"
#include "engine/lesson/lesson_runner.h"
#include "engine/serve/serve_sweep.h"
#include "engine/serve/serving_config.h"

class QButtonGroup;
class QComboBox;
class QLabel;
class QPushButton;
class QStackedWidget;
class QVBoxLayout;

namespace batchlab {

class EventSink;

class LessonDock final : public QDockWidget {
  Q_OBJECT
 public:
  // `sink`: where the step's runs send their events (the window's bridge); `store`: where
  // they are kept (read when a step starts, so a store opened later is used).
  LessonDock(EventSink& sink, std::function<std::filesystem::path()> store,
             QWidget* parent = nullptr);
  ~LessonDock() override;

  // A bundled lesson's name or a lesson file. False with the file's one-line error otherwise;
  // the lesson shown (if any) stays.
  bool openLesson(const QString& name_or_path, QString& error);
  const std::optional<Lesson>& lesson() const { return lesson_; }
  int stepIndex() const { return step_; }
  // 0 … steps−1; steps: the summary.
  void goToStep(int index);
  // The class's answer for the current step (a choice index, or kPredictionSkipped).
  void predict(int choice);
  // Runs the current step (after a prediction or a skip).
  void runStep();
  void stop();
  bool running() const { return watcher_.isRunning() || serving_step_ >= 0; }
  // Who runs a serving step's sweep: true once started, false with `error`. The runner reports
  // back through servingFinished / servingFailed.
  using ServingRunner = std::function<bool(const ServingConfig&, QString& error)>;
  void setServingRunner(ServingRunner runner) { serving_runner_ = std::move(runner); }
  void servingFinished(const ServeSweepResult& sweep);
  void servingFailed(const QString& message);
  // True when the current step runs a serving sweep.
  bool servingStep() const;
  const LessonRecord& record() const { return record_; }
  // The plots the current step names, for the window to show (and present) them.
  std::vector<PlotName> stepPlots() const;
  // Appended to every run's overrides, as LessonRunOptions::extra_set (tests, rehearsals).
  void setRehearsalOverrides(std::vector<std::string> sets) { rehearsal_ = std::move(sets); }
  // The summary as HTML, and as a one-page PDF handout at `path` (false with `error`).
  QString summaryHtml() const;
  bool exportHandout(const QString& path, QString& error) const;
  // For tests: what the answer panel says now.
  QString answerText() const;
  QString questionText() const;
  // Fonts for a room: the question and choices at `pt` points (0: the dock's own font).
  void setPresentationFont(double pt);

 signals:
  void stepChanged(int index);
  void stepStarted(int index);
  void stepFinished(int index);
  void failed(const QString& message);

 private:
  void buildUi();
  void showStep();
  void showSummary();
  void showAnswer();
  void onStepDone();
  void acceptOutcome(StepOutcome outcome);
  void updateButtons();

  EventSink& sink_;
  std::function<std::filesystem::path()> store_;
  std::optional<Lesson> lesson_;
  LessonRecord record_;
  std::vector<std::optional<StepOutcome>> outcomes_;
  int step_ = 0;
  std::vector<std::string> rehearsal_;
  RunControl control_;
  QFutureWatcher<StepOutcome> watcher_;
  double presentation_pt_ = 0;
  ServingRunner serving_runner_;
  int serving_step_ = -1;  // the serving step whose sweep the runner is running; −1: none
  QElapsedTimer serving_clock_;

  QComboBox* chooser_ = nullptr;
  QLabel* title_ = nullptr;
  QLabel* where_ = nullptr;
  QStackedWidget* pages_ = nullptr;
  QWidget* step_page_ = nullptr;
  QLabel* question_ = nullptr;
  QVBoxLayout* choices_layout_ = nullptr;
  QButtonGroup* choices_ = nullptr;
  QPushButton* skip_ = nullptr;
  QPushButton* run_ = nullptr;
  QLabel* status_ = nullptr;
  QLabel* answer_ = nullptr;
  QLabel* summary_ = nullptr;
  QPushButton* handout_ = nullptr;
  QPushButton* back_ = nullptr;
  QPushButton* next_ = nullptr;
};

}  // namespace batchlab
