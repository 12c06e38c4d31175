// defines: MainWindow (the workbench: experiment dock, tiled live plots, runs table, toolbar)
// Wires the pieces together and owns nothing clever: RunController runs, RunSession turns
// events into series and table rows, the plots draw from the series. The toolbar's Run is
// enabled only while the form is valid (its tooltip says why not); Run during a run queues.
// Closing mid-run stops the run, waits for the worker, and the store records it `stopped`.
// The live plots are a list (plots_): a new view adds its plot with addPlot and is refreshed,
// restyled and repainted with the others.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include <QMainWindow>
#include <QTimer>

#include "app/shard_import.h"

class QDockWidget;

namespace batchlab {

class AppSettings;
class BatchFinderDialog;
class ExperimentForm;
class LivePlot;
class LossPlot;
class MemoryPlot;
class MessageBanner;
class LessonDock;
class LessonServingDock;
class ModelViewDock;
class InferenceWindow;
class PresentationMode;
class RunController;
class RunProgress;
class RunSession;
class RunsTableView;
class ScalingDialog;
class SchedulePlot;
class SweepDialog;
class SweepSummaryDock;
struct PlotStyle;
struct SweepStatus;
class ThroughputPlot;
struct RunFinished;
struct RunStarted;

class MainWindow final : public QMainWindow {
  Q_OBJECT
 public:
  // `settings` must outlive the window. A non-empty `store_override` (--db, tests) wins over
  // the remembered store path and is not remembered.
  MainWindow(AppSettings& settings, const std::filesystem::path& store_override,
             QWidget* parent = nullptr);
  ~MainWindow() override;

  ExperimentForm* form() const { return form_; }
  RunController* controller() const { return controller_; }
  RunSession* session() const { return session_; }
  LossPlot* lossPlot() const { return loss_; }
  ThroughputPlot* throughputPlot() const { return throughput_; }
  MemoryPlot* memoryPlot() const { return memory_; }
  SchedulePlot* schedulePlot() const { return schedule_; }
  // Every live plot, in refresh order.
  std::vector<LivePlot*> livePlots() const;
  // One look for every live plot (a presentation mode hands in high_contrast_plot_style()).
  void setPlotStyle(const PlotStyle& style);
  RunsTableView* runsView() const { return runs_view_; }
  MessageBanner* banner() const { return banner_; }
  RunProgress* progress() const { return progress_; }
  QAction* runAction() const { return run_; }
  QAction* pauseAction() const { return pause_; }
  QAction* stopAction() const { return stop_; }
  QAction* findBatchAction() const { return find_batch_; }
  QAction* sweepAction() const { return sweep_; }
  SweepSummaryDock* sweepSummary() const { return sweep_summary_; }
  // The running model drawn: decision boundary (2-D classification) or loss surface (2 params).
  ModelViewDock* modelView() const { return model_dock_; }
  // Run ▸ Lesson… (Ctrl+L): the guided lessons.
  LessonDock* lessonDock() const { return lesson_dock_; }
  // Where a lesson's serving step draws its sweep: the Inference view, docked beside the panel.
  LessonServingDock* lessonServing() const { return lesson_serving_; }
  // F5 / Esc: full screen, the lesson's or the loss and throughput plots large, high contrast.
  PresentationMode* presentation() const { return presentation_; }

  // Run: starts the form's experiment, or queues it behind the running one.
  void runExperiment();
  // Find batch size: a finder window for the form's experiment, whose answer goes back into
  // the form's batch size.
  BatchFinderDialog* openBatchFinder();
  // Sweep…: a sweep dialog over the form's experiment; Start hands the sweep to the controller
  // (at once, or queued behind the run in progress).
  SweepDialog* openSweepDialog();
  // Inference…: the serving view, with the store's trained runs as models to serve.
  InferenceWindow* openInference();
  QAction* inferenceAction() const { return inference_; }
  // File ▸ Import shards…: merges the store shards at `paths` into the window's store and
  // shows what was added (status bar) or why a shard was refused (banner and status bar).
  ShardImportResult importShards(const QStringList& paths);
  QAction* importShardsAction() const { return import_shards_; }
  // Run ▸ Scaling model…: the data-parallel scaling model of run `run_id` (0: the selected
  // run, else the newest ticked one), in a dialog of its own.
  ScalingDialog* openScalingModel(std::int64_t run_id = 0);
  QAction* scalingAction() const { return scaling_; }
  // The run the runs table's current row is, else the newest ticked run; 0 when none.
  std::int64_t selectedRunId() const;
  // Every action with a shortcut, one "Name<TAB>Keys" line each, as Help ▸ Keyboard shortcuts
  // lists them (read from the actions themselves, so the list cannot go stale).
  QString shortcutsText() const;
  // Drains pending events and redraws every plot now (for screenshots).
  void flushAndRepaint();

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void createActions();
  void createMenus();
  void showShortcuts();
  void showAbout();
  void createDocks();
  QWidget* createPlots();
  void restoreSettings();
  void saveSettings();
  void openStore(const std::filesystem::path& path);
  void chooseStore();
  void chooseShards();
  void showSettings();
  void updateActions();
  // Appends `plot` to the live plots and hands it back.
  template <typename Plot>
  Plot* addPlot(Plot* plot) {
    plots_.push_back({plot, false});
    return plot;
  }
  void refreshPlots();
  void refreshNextPlot();
  void onRunFinished(const RunFinished& finished);
  // The lesson's step changed: its plots are the presented ones.
  void applyLessonStep();
  void onSweepFinished(const SweepStatus& status);

  AppSettings& settings_;
  bool store_overridden_ = false;
  RunSession* session_ = nullptr;
  RunController* controller_ = nullptr;
  ExperimentForm* form_ = nullptr;
  LossPlot* loss_ = nullptr;
  ThroughputPlot* throughput_ = nullptr;
  MemoryPlot* memory_ = nullptr;
  SchedulePlot* schedule_ = nullptr;
  RunsTableView* runs_view_ = nullptr;
  MessageBanner* banner_ = nullptr;
  RunProgress* progress_ = nullptr;
  QAction* run_ = nullptr;
  QAction* pause_ = nullptr;
  QAction* stop_ = nullptr;
  QAction* find_batch_ = nullptr;
  QAction* sweep_ = nullptr;
  QAction* inference_ = nullptr;
  InferenceWindow* inference_window_ = nullptr;
  SweepSummaryDock* sweep_summary_ = nullptr;
  PresentationMode* presentation_ = nullptr;
  QAction* open_store_ = nullptr;
  QAction* import_shards_ = nullptr;
  QAction* scaling_ = nullptr;
  QAction* settings_action_ = nullptr;
  QAction* export_report_ = nullptr;
  QAction* compare_ = nullptr;
  QByteArray default_state_;
  QDockWidget* experiment_dock_ = nullptr;
  QDockWidget* runs_dock_ = nullptr;
  ModelViewDock* model_dock_ = nullptr;
  LessonDock* lesson_dock_ = nullptr;
  LessonServingDock* lesson_serving_ = nullptr;
  QTimer plot_turn_;
  struct PlotSlot {
    LivePlot* plot = nullptr;
    bool dirty = false;  // needs a refresh at one of the next plot turns
  };
  std::vector<PlotSlot> plots_;
  std::size_t next_plot_ = 0;  // where the next plot turn starts looking for a dirty plot
};

}  // namespace batchlab
