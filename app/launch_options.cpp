#include "app/launch_options.h"

#include <cstdio>
#include <cstdlib>

#include <QApplication>
#include <QCommandLineParser>
#include <QPixmap>
#include <QTimer>

#include "app/main_window.h"
#include "app/run_controller.h"
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
