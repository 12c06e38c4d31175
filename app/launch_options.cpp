#include "app/launch_options.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QPixmap>
#include <QTimer>

#include "app/inference_window.h"
#include "app/lesson_dock.h"
#include "app/main_window.h"
#include "app/presentation_mode.h"
#include "app/run_controller.h"
#include "app/run_session.h"
#include "widgets/runs_table_model.h"
#include "widgets/series_model.h"
#include "app/sweep_dialog.h"
#include "engine/experiment/sweep.h"
#include "widgets/experiment_form.h"
#include "widgets/runs_table_model.h"
#include "widgets/runs_table_view.h"

namespace batchlab {

void add_launch_options(QCommandLineParser& parser) {
  parser.setApplicationDescription(
      QStringLiteral("BatchLab workbench: batch-size experiments with live plots.\n"
                     "Headless runs: batchlab-cli."));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addOptions({
      {"preset", "Load experiment preset NAME (or a config JSON path).", "NAME"},
      {"set", "Override a config key of the preset (repeatable): batch.size=512.", "KEY=VALUE"},
      {"sweep",
       "Open the Sweep dialog on sweep preset NAME (or a sweep JSON path); with --run, run the "
       "sweep at once.",
       "NAME"},
      {"run", "Start the experiment (or the --sweep) at once."},
      {"screenshot", "Save a PNG of the whole window when the run ends.", "PATH"},
      {"quit-when-done",
       "Quit when the run ends. Exit 0: completed, target reached or stopped; 1: failed; "
       "2: bad preset, config or data; 3: diverged or out of memory."},
      {"db", "Run store to use (default: BATCHLAB_DB or ~/.local/share/batchlab/runs.sqlite).",
       "PATH"},
      {"settings", "Read and write settings in this INI file instead of the user's.", "PATH"},
      {"expand-sweeps", "Open every sweep's group in the runs table (for screenshots)."},
      {"present", "Start in presentation mode (full screen, large plots; F5 toggles, Esc leaves)."},
      {"plot-runs",
       "Tick these stored runs so their points load into the plots; prints how long the load "
       "took (with --quit-when-done, quits once they are drawn).",
       "ID,..."},
      {"inference",
       "Open the Inference window on serving preset NAME; with --run, serve it as the preset "
       "says (its sweep included).",
       "NAME"},
      {"latency-log",
       "Append the GUI thread's worst 10 ms-timer gap to PATH once a second (for soak tests).",
       "PATH"},
      {"lesson", "Open lesson NAME (or a lesson JSON path) in the Lesson panel.", "NAME"},
      {"step",
       "With --lesson: run step K (1-based) without a prediction; the screenshot and "
       "--quit-when-done wait for its result.",
       "K"},
  });
}

LaunchOptions read_launch_options(const QCommandLineParser& parser) {
  LaunchOptions o;
  o.preset = parser.value("preset");
  o.sets = parser.values("set");
  o.sweep = parser.value("sweep");
  o.run = parser.isSet("run");
  o.screenshot = parser.value("screenshot");
  o.quit_when_done = parser.isSet("quit-when-done");
  o.store = parser.value("db").toStdString();
  o.settings_file = parser.value("settings");
  o.expand_sweeps = parser.isSet("expand-sweeps");
  o.present = parser.isSet("present");
  o.lesson = parser.value("lesson");
  o.latency_log = parser.value("latency-log");
  o.inference = parser.value("inference");
  for (const QString& id : parser.value("plot-runs").split(QLatin1Char(','), Qt::SkipEmptyParts))
    o.plot_runs.push_back(id.trimmed().toLongLong());
  o.lesson_step = parser.value("step").toInt();
  return o;
}

bool has_display() {
  for (const char* var : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}) {
    const char* v = std::getenv(var);
    if (v && *v) return true;
  }
  return false;
}

Automation::Automation(MainWindow& window, LaunchOptions options, QObject* parent)
    : QObject(parent), window_(window), options_(std::move(options)) {}

bool Automation::start() {
  if (!options_.plot_runs.isEmpty()) {
    plotStoredRuns();
    return true;
  }
  if (!options_.lesson.isEmpty()) return startLesson();
  if (!options_.inference.isEmpty()) return startInference();
  if (options_.present) window_.presentation()->enter();
  if (!options_.sweep.isEmpty()) return startSweep();
  if (!options_.preset.isEmpty()) {
    QString error;
    if (!window_.form()->loadPreset(options_.preset, options_.sets, error)) {
      std::fprintf(stderr, "batchlab: %s\n", error.toLocal8Bit().constData());
      exit_code_ = 2;
      return false;
    }
  }
  if (!options_.run) {
    // A picture of the window as configured, for docs: no run to wait for.
    if (!options_.screenshot.isEmpty() || options_.quit_when_done)
      QTimer::singleShot(300, this, &Automation::finish);
    return true;
  }
  if (!window_.form()->valid()) {
    std::fprintf(stderr, "batchlab: cannot run: %s\n",
                 window_.form()->problem().toLocal8Bit().constData());
    exit_code_ = 2;
    return false;
  }
  connect(window_.controller(), &RunController::runRejected, this, [this](const QString& m) {
    std::fprintf(stderr, "batchlab: the run could not start: %s\n", m.toLocal8Bit().constData());
    exit_code_ = 2;
  });
  connect(window_.controller(), &RunController::idle, this, &Automation::onIdle);
  window_.runExperiment();
  return true;
}

bool Automation::startSweep() {
  SweepConfig sweep;
  try {
    sweep = load_sweep_config(options_.sweep.toStdString(), [&] {
      std::vector<std::string> sets;
      for (const QString& s : options_.sets) sets.push_back(s.toStdString());
      return sets;
    }());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "batchlab: %s\n", e.what());
    exit_code_ = 2;
    return false;
  }
  if (!options_.run) {
    SweepDialog* dialog = window_.openSweepDialog();
    QString error;
    if (!dialog->loadPreset(options_.sweep, error)) {
      std::fprintf(stderr, "batchlab: %s\n", error.toLocal8Bit().constData());
      exit_code_ = 2;
      return false;
    }
    dialog->show();
    shot_target_ = dialog;
    if (!options_.screenshot.isEmpty() || options_.quit_when_done)
      connect(dialog, &SweepDialog::calibrated, this,
              [this] { QTimer::singleShot(150, this, &Automation::finish); });
    return true;
  }
  connect(window_.controller(), &RunController::runRejected, this, [this](const QString& m) {
    std::fprintf(stderr, "batchlab: the sweep could not start: %s\n", m.toLocal8Bit().constData());
    exit_code_ = 2;
  });
  connect(window_.controller(), &RunController::idle, this, &Automation::onIdle);
  window_.controller()->submitSweep(sweep);
  return true;
}

bool Automation::startInference() {
  InferenceWindow* w = window_.openInference();
  QString error;
  if (!w->loadPreset(options_.inference, error)) {
    std::fprintf(stderr, "batchlab: %s\n", error.toLocal8Bit().constData());
    exit_code_ = 2;
    return false;
  }
  w->show();
  shot_target_ = w;
  const auto done = [this] { QTimer::singleShot(300, this, &Automation::finish); };
  if (!options_.run) {
    if (!options_.screenshot.isEmpty() || options_.quit_when_done) done();
    return true;
  }
  connect(&w->job(), &ServingJob::finished, this, done);
  connect(&w->job(), &ServingJob::sweepFinished, this, done);
  connect(&w->job(), &ServingJob::failed, this, [this](const QString& m) {
    std::fprintf(stderr, "batchlab: %s\n", m.toLocal8Bit().constData());
    exit_code_ = 1;
    QTimer::singleShot(0, this, &Automation::finish);
  });
  w->serve();
  return true;
}

void Automation::plotStoredRuns() {
  // Timed from the tick to the plots drawn: the store's read (decimated), the series, a repaint.
  auto clock = std::make_shared<QElapsedTimer>();
  clock->start();
  for (const qint64 id : options_.plot_runs) window_.session()->table().setVisible(id, true);
  auto* poll = new QTimer(this);
  poll->setInterval(5);
  connect(poll, &QTimer::timeout, this, [this, poll, clock] {
    if (window_.session()->pendingLoads() > 0) return;
    poll->stop();
    window_.flushAndRepaint();
    std::size_t points = 0;
    for (const qint64 id : options_.plot_runs)
      if (const RunSeries* run = window_.session()->series().find(id)) points += run->steps.size();
    std::fprintf(stderr, "batchlab: plotted %lld run(s), %zu points, in %.3f s\n",
                 static_cast<long long>(options_.plot_runs.size()), points,
                 static_cast<double>(clock->nsecsElapsed()) / 1e9);
    if (!options_.screenshot.isEmpty() || options_.quit_when_done)
      QTimer::singleShot(0, this, &Automation::finish);
  });
  poll->start();
}

bool Automation::startLesson() {
  LessonDock* dock = window_.lessonDock();
  QString error;
  if (!dock->openLesson(options_.lesson, error)) {
    std::fprintf(stderr, "batchlab: %s\n", error.toLocal8Bit().constData());
    exit_code_ = 2;
    return false;
  }
  dock->show();
  const int steps = static_cast<int>(dock->lesson()->steps.size());
  if (options_.lesson_step < 0 || options_.lesson_step > steps) {
    std::fprintf(stderr, "batchlab: --step %d: the lesson \"%s\" has steps 1 to %d\n",
                 options_.lesson_step, dock->lesson()->title.c_str(), steps);
    exit_code_ = 2;
    return false;
  }
  if (options_.lesson_step > 0) dock->goToStep(options_.lesson_step - 1);
  if (options_.present) window_.presentation()->enter();
  if (options_.lesson_step == 0) {
    if (!options_.screenshot.isEmpty() || options_.quit_when_done)
      QTimer::singleShot(300, this, &Automation::finish);
    return true;
  }
  connect(dock, &LessonDock::stepFinished, this,
          [this] { QTimer::singleShot(300, this, &Automation::finish); });
  connect(dock, &LessonDock::failed, this, [this](const QString& m) {
    std::fprintf(stderr, "batchlab: %s\n", m.toLocal8Bit().constData());
    exit_code_ = 1;
    QTimer::singleShot(0, this, &Automation::finish);
  });
  dock->predict(kPredictionSkipped);
  dock->runStep();
  return true;
}

void Automation::onIdle() {
  if (const auto& f = window_.controller()->lastFinished(); f && exit_code_ == 0) {
    if (f->status == RunStatus::failed)
      exit_code_ = 1;
    else if (is_failure(f->status))
      exit_code_ = 3;
  }
  // Let the last queued events and the layout settle before the picture is taken.
  QTimer::singleShot(150, this, &Automation::finish);
}

void Automation::finish() {
  if (options_.expand_sweeps) window_.runsView()->expandAll();
  window_.flushAndRepaint();
  if (!options_.screenshot.isEmpty()) {
    const QPixmap shot = shot_target_ ? shot_target_->grab() : window_.grab();
    if (shot.isNull() || !shot.save(options_.screenshot, "PNG")) {
      std::fprintf(stderr, "batchlab: cannot write the screenshot %s\n",
                   options_.screenshot.toLocal8Bit().constData());
      exit_code_ = 1;
    } else {
      std::fprintf(stderr, "batchlab: screenshot saved to %s\n",
                   options_.screenshot.toLocal8Bit().constData());
    }
  }
  if (options_.quit_when_done) {
    window_.close();
    QApplication::exit(exit_code_);
  }
}

}  // namespace batchlab
