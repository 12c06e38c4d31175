// defines: LaunchOptions, add_launch_options, read_launch_options, has_display, Automation
// `batchlab --preset NAME --run --screenshot PATH.png --quit-when-done` runs a preset in the
// real window and saves a screenshot of the whole window once the run has ended and the plots
// show its last points: for the README and for checks. `--sweep NAME` does the same for a
// sweep preset (or sweep JSON): with --run it runs the whole sweep and the screenshot shows the
// Sweep summary; without, it opens the Sweep dialog and the screenshot shows the dialog once its
// preview has an ETA.
#pragma once

#include <filesystem>

#include <QObject>
#include <QString>
#include <QList>
#include <QStringList>

class QCommandLineParser;

namespace batchlab {

class MainWindow;

struct LaunchOptions {
  QString preset;    // name or path; empty: the last experiment (or the default preset)
  QString sweep;     // sweep preset name or path; empty: none
  QStringList sets;  // --set key=value, applied to the preset
  bool run = false;
  QString screenshot;  // PNG written when the run ends
  bool quit_when_done = false;
  std::filesystem::path store;  // --db; empty: remembered or default
  QString settings_file;        // --settings INI; empty: the user's settings
  bool expand_sweeps = false;   // open every sweep group in the runs table (for screenshots)
  bool present = false;         // --present: start in presentation mode
  QString lesson;               // --lesson NAME|PATH: open it; with --step K, run step K (1-based)
  QList<qint64> plot_runs;      // --plot-runs ID,...: tick these stored runs (their points load)
  QString inference;            // --inference PRESET: open the Inference window on a serving preset
  QString latency_log;          // --latency-log PATH: the GUI thread's timer gaps, once a second
  int lesson_step = 0;          // 0: open the lesson at its first step and run nothing
};

void add_launch_options(QCommandLineParser& parser);
LaunchOptions read_launch_options(const QCommandLineParser& parser);

// True when Qt can open a window: DISPLAY or WAYLAND_DISPLAY set, or a platform chosen with
// QT_QPA_PLATFORM (offscreen, vnc, ...).
bool has_display();
// The one line printed instead of Qt's platform-plugin abort.
inline constexpr const char* kNoDisplayMessage =
    "batchlab: no display found — run it under xvfb-run (xvfb-run batchlab …) or use "
    "batchlab-cli for headless runs";

// Drives the window for --preset/--run/--screenshot/--quit-when-done. Exit codes as
// batchlab-cli's: 0 the run completed, reached its target or was stopped; 1 it failed (or the
// screenshot could not be written); 2 bad input (preset, config or data: nothing stored);
// 3 it diverged or ran out of memory.
class Automation final : public QObject {
  Q_OBJECT
 public:
  Automation(MainWindow& window, LaunchOptions options, QObject* parent = nullptr);
  // Loads the preset and starts the run. False (with a message on stderr) when the preset
  // cannot be loaded or the run cannot start.
  bool start();
  int exitCode() const { return exit_code_; }

 private:
  bool startSweep();
  bool startLesson();
  void plotStoredRuns();
  bool startInference();
  void onIdle();
  void finish();

  MainWindow& window_;
  LaunchOptions options_;
  int exit_code_ = 0;
  QWidget* shot_target_ = nullptr;  // what the screenshot grabs; null: the window
};

}  // namespace batchlab
