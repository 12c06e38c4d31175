#include "app/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QScrollArea>
#include <QShortcut>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QToolBar>
#include <QVBoxLayout>

#include "app/app_settings.h"
#include "app/batch_finder_dialog.h"
#include "app/inference_window.h"
#include "app/lesson_dock.h"
#include "app/lesson_serving_dock.h"
#include "app/model_view_dock.h"
#include "app/presentation_mode.h"
#include "app/report/report_exporter.h"
#include "app/run_controller.h"
#include "app/run_progress.h"
#include "app/run_session.h"
#include "app/runs_menu.h"
#include "app/scaling_dialog.h"
#include "app/settings_dialog.h"
#include "app/sweep_dialog.h"
#include "app/sweep_summary_dock.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/run_store.h"
#include "engine/train/run_plan.h"
#include "widgets/experiment_form.h"
#include "widgets/format.h"
#include "widgets/loss_plot.h"
#include "widgets/memory_plot.h"
#include "widgets/message_banner.h"
#include "widgets/plot_style.h"
#include "widgets/runs_table_model.h"
#include "widgets/runs_table_view.h"
#include "widgets/schedule_plot.h"
#include "widgets/throughput_plot.h"

namespace batchlab {
namespace {
constexpr const char* kDefaultPreset = "spirals-mlp";
}  // namespace

MainWindow::MainWindow(AppSettings& settings, const std::filesystem::path& store_override,
                       QWidget* parent)
    : QMainWindow(parent), settings_(settings), store_overridden_(!store_override.empty()) {
  setWindowTitle(tr("BatchLab"));
  session_ = new RunSession(this);
  plot_turn_.setSingleShot(true);
  plot_turn_.setInterval(0);
  connect(&plot_turn_, &QTimer::timeout, this, &MainWindow::refreshNextPlot);
  controller_ = new RunController(&session_->bridge(), this);
  setCentralWidget(createPlots());
  createDocks();
  sweep_summary_ = new SweepSummaryDock(*session_, this);  // tabbed behind the runs table
  new RunsMenu(*session_, runs_view_);                     // rename, tag, delete
  createActions();
  createMenus();
  progress_ = new RunProgress(this);
  statusBar()->addPermanentWidget(progress_);
  default_state_ = saveState();

  connect(session_, &RunSession::updated, this, &MainWindow::refreshPlots);
  connect(session_, &RunSession::runStarted, progress_, &RunProgress::onStarted);
  connect(session_, &RunSession::progress, progress_, &RunProgress::onStep);
  connect(session_, &RunSession::runFinished, this, &MainWindow::onRunFinished);
  connect(session_, &RunSession::logMessage, this, [this](const QString& text, int level) {
    if (level == static_cast<int>(LogLevel::info))
      statusBar()->showMessage(text, 5000);
    else
      banner_->showMessage(text, MessageBanner::Kind::warning);
  });
  connect(session_, &RunSession::storeError, this, [this](const QString& message) {
    banner_->showMessage(tr("Run store: %1").arg(message), MessageBanner::Kind::error);
  });
  connect(controller_, &RunController::stateChanged, this, &MainWindow::updateActions);
  connect(controller_, &RunController::sweepProgress, progress_, &RunProgress::setSweep);
  connect(controller_, &RunController::sweepFinished, this, &MainWindow::onSweepFinished);
  connect(controller_, &RunController::runRejected, this, [this](const QString& message) {
    banner_->showMessage(tr("The run could not start: %1").arg(message),
                         MessageBanner::Kind::error);
    statusBar()->showMessage(tr("Run refused: %1").arg(message), 10000);
  });
  connect(form_, &ExperimentForm::validityChanged, this, &MainWindow::updateActions);
  // The schedule plot shows the plan of what Run would start, then of what did start; the
  // memory plot that experiment's memory budget, then the started run's.
  connect(form_, &ExperimentForm::configEdited, this, [this] {
    if (!form_->valid() || controller_->busy()) return;
    const RunConfig config = form_->config();
    schedule_->planFor(config);
    memory_->setBudget(config.memory_budget_mb);
  });
  connect(session_, &RunSession::runStarted, this, [this](const RunStarted& e) {
    schedule_->setPlan(planned_schedule(e.config, e.train_rows), tr("run #%1").arg(e.run_id));
    memory_->setBudget(e.config.memory_budget_mb);
    if (e.sweep_id == 0) runs_dock_->raise();  // a single run: its row is what to watch
  });

  restoreSettings();
  session_->table().setPricePerHour(settings_.pricePerHour());
  const std::filesystem::path remembered = settings_.storePath().toStdString();
  openStore(store_overridden_    ? store_override
            : remembered.empty() ? default_store_path()
                                 : remembered);
  updateActions();
}

MainWindow::~MainWindow() = default;

QWidget* MainWindow::createPlots() {
  auto* central = new QWidget(this);
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(4, 4, 4, 0);
  banner_ = new MessageBanner(central);
  layout->addWidget(banner_);
  loss_ = addPlot(new LossPlot(session_->series(), central));
  throughput_ = addPlot(new ThroughputPlot(session_->series(), central));
  memory_ = addPlot(new MemoryPlot(session_->series(), central));
  schedule_ = addPlot(new SchedulePlot(session_->series(), central));
  auto* upper = new QSplitter(Qt::Horizontal, central);
  upper->addWidget(loss_);
  upper->addWidget(schedule_);
  upper->setStretchFactor(0, 3);
  upper->setStretchFactor(1, 2);
  // 3 : 2 from the start too (setSizes scales to the space there is): the split must not depend
  // on how long the schedule's plan text happens to be at the first layout.
  upper->setSizes({3000, 2000});
  auto* lower = new QSplitter(Qt::Horizontal, central);
  lower->addWidget(throughput_);
  lower->addWidget(memory_);
  lower->setStretchFactor(0, 3);
  lower->setStretchFactor(1, 2);
  lower->setSizes({3000, 2000});
  auto* tiles = new QSplitter(Qt::Vertical, central);
  tiles->setObjectName(QStringLiteral("plotTiles"));
  tiles->addWidget(upper);
  tiles->addWidget(lower);
  tiles->setStretchFactor(0, 4);
  tiles->setStretchFactor(1, 3);
  layout->addWidget(tiles, 1);
  // Space pauses and resumes while the plots have focus; in the form it keeps typing spaces.
  auto* space = new QShortcut(QKeySequence(Qt::Key_Space), central);
  space->setContext(Qt::WidgetWithChildrenShortcut);
  connect(space, &QShortcut::activated, this, [this] { controller_->togglePause(); });
  return central;
}

void MainWindow::createDocks() {
  form_ = new ExperimentForm;
  auto* scroll = new QScrollArea;
  scroll->setWidget(form_);
  scroll->setWidgetResizable(true);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setMinimumWidth(form_->minimumSizeHint().width() + 24);
  auto* experiment = experiment_dock_ = new QDockWidget(tr("Experiment"), this);
  experiment->setObjectName(QStringLiteral("experimentDock"));
  experiment->setWidget(scroll);
  experiment->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
  addDockWidget(Qt::LeftDockWidgetArea, experiment);

  runs_view_ = new RunsTableView(&session_->table());
  auto* runs = runs_dock_ = new QDockWidget(tr("Runs"), this);
  runs->setObjectName(QStringLiteral("runsDock"));
  runs->setWidget(runs_view_);
  runs->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
  addDockWidget(Qt::BottomDockWidgetArea, runs);
  // The model view shares the form's place: the form matters before a run, the model during.
  model_dock_ = new ModelViewDock(*session_, this);
  addDockWidget(Qt::LeftDockWidgetArea, model_dock_);
  tabifyDockWidget(experiment, model_dock_);
  experiment->raise();
  connect(model_dock_, &ModelViewDock::drawableRunStarted, model_dock_, &QDockWidget::raise);
  // The lesson panel sits at the right, closed until a lesson is opened (Run ▸ Lesson…).
  lesson_dock_ = new LessonDock(session_->bridge(), [this] { return controller_->storePath(); }, this);
  addDockWidget(Qt::RightDockWidgetArea, lesson_dock_);
  lesson_dock_->hide();
  // A serving step's curves, left of the panel (the widest place a kept dock can have).
  lesson_serving_ = new LessonServingDock(*lesson_dock_, [this] { return controller_->storePath(); }, this);
  addDockWidget(Qt::RightDockWidgetArea, lesson_serving_);
  splitDockWidget(lesson_serving_, lesson_dock_, Qt::Horizontal);
  lesson_serving_->hide();
  connect(lesson_dock_, &LessonDock::stepChanged, this, &MainWindow::applyLessonStep);
  connect(lesson_dock_, &LessonDock::stepStarted, this, &MainWindow::updateActions);
  connect(lesson_dock_, &LessonDock::stepFinished, this, &MainWindow::updateActions);
  connect(lesson_dock_, &LessonDock::failed, this, [this](const QString& m) {
    banner_->showMessage(tr("Lesson: %1").arg(m), MessageBanner::Kind::error);
  });
  // The runs table spans the full width under the plots, as in DESIGN §5.
  setCorner(Qt::BottomLeftCorner, Qt::BottomDockWidgetArea);
  setCorner(Qt::BottomRightCorner, Qt::BottomDockWidgetArea);
}

void MainWindow::createActions() {
  auto* bar = addToolBar(tr("Run"));
  bar->setObjectName(QStringLiteral("runToolbar"));
  bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  bar->setMovable(false);
  run_ = bar->addAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("Run"));
  run_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  pause_ = bar->addAction(style()->standardIcon(QStyle::SP_MediaPause), tr("Pause"));
  pause_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
  stop_ = bar->addAction(style()->standardIcon(QStyle::SP_MediaStop), tr("Stop"));
  stop_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
  bar->addSeparator();
  find_batch_ = bar->addAction(style()->standardIcon(QStyle::SP_FileDialogContentsView),
                               tr("Find batch size"));
  find_batch_->setToolTip(tr("Search for the largest batch that fits in memory, and the fastest"));
  connect(find_batch_, &QAction::triggered, this, [this] { openBatchFinder()->show(); });
  inference_ = new QAction(style()->standardIcon(QStyle::SP_MediaSeekForward), tr("Inference…"), this);
  inference_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
  inference_->setToolTip(tr("Serve a model under load: latency against throughput, real-time "
                            "against dynamic batching"));
  connect(inference_, &QAction::triggered, this, [this] { openInference()->show(); });
  sweep_ = bar->addAction(style()->standardIcon(QStyle::SP_FileDialogListView), tr("Sweep…"));
  sweep_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
  connect(sweep_, &QAction::triggered, this, [this] { openSweepDialog()->open(); });
  bar->addAction(inference_);
  bar->addSeparator();
  open_store_ =
      bar->addAction(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("Open store…"));
  open_store_->setShortcut(QKeySequence::Open);
  import_shards_ = new QAction(tr("Import shards…"), this);
  import_shards_->setToolTip(
      tr("Merge run stores (for example a Slurm sweep's shards) into this one"));
  connect(import_shards_, &QAction::triggered, this, &MainWindow::chooseShards);
  scaling_ = new QAction(tr("Scaling model…"), this);
  scaling_->setToolTip(
      tr("Predicted throughput and efficiency of the selected run over 1 to 1024 "
         "replicas (a model, not a measurement)"));
  connect(scaling_, &QAction::triggered, this, [this] {
    if (ScalingDialog* d = openScalingModel()) d->show();
  });
  settings_action_ =
      bar->addAction(style()->standardIcon(QStyle::SP_FileDialogDetailedView), tr("Settings"));
  settings_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
  auto* reports = new ReportExporter(*session_, this);
  export_report_ = reports->action();
  export_report_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  compare_ = reports->compareAction();
  compare_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
  bar->addAction(export_report_);
  bar->addAction(compare_);
  bar->addSeparator();
  presentation_ = new PresentationMode(*this, livePlots());
  connect(presentation_, &PresentationMode::activeChanged, this, [this](bool on) {
    lesson_dock_->setPresentationFont(on ? 18.0 : 0.0);
    model_dock_->setPlotStyle(on ? high_contrast_plot_style() : default_plot_style());
    lesson_serving_->setPlotStyle(on ? high_contrast_plot_style() : default_plot_style());
    // At 18 pt the side panels need a third of the screen between them to read a question.
    for (QDockWidget* dock : {static_cast<QDockWidget*>(lesson_dock_),
                              static_cast<QDockWidget*>(model_dock_)})
      if (!on || dock->isVisible()) dock->setMinimumWidth(on ? 520 : 0);  // the kept ones
  });
  presentation_->toggleAction()->setIcon(style()->standardIcon(QStyle::SP_TitleBarMaxButton));
  bar->addAction(presentation_->toggleAction());
  for (QAction* a :
       {run_, pause_, stop_, sweep_, inference_, open_store_, settings_action_, export_report_,
        compare_})
    a->setShortcutContext(Qt::WindowShortcut);
  connect(reports, &ReportExporter::exported, this, [this](const QString& path) {
    statusBar()->showMessage(tr("Wrote %1").arg(path), 8000);
  });

  connect(run_, &QAction::triggered, this, &MainWindow::runExperiment);
  connect(pause_, &QAction::triggered, controller_, &RunController::togglePause);
  connect(stop_, &QAction::triggered, controller_, &RunController::stop);
  connect(open_store_, &QAction::triggered, this, &MainWindow::chooseStore);
  connect(settings_action_, &QAction::triggered, this, &MainWindow::showSettings);
}

void MainWindow::createMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(open_store_);
  file->addAction(import_shards_);
  file->addSeparator();
  file->addAction(export_report_);
  file->addAction(compare_);
  file->addSeparator();
  file->addAction(settings_action_);
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(
      QKeySequence(Qt::CTRL | Qt::Key_Q));  // StandardKey Quit is empty on some platforms
  quit->setShortcutContext(Qt::WindowShortcut);
  quit->setMenuRole(QAction::QuitRole);
  addAction(quit);  // Ctrl+Q still quits while presentation mode hides the menu bar

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  for (QAction* a : {run_, pause_, stop_}) run->addAction(a);
  run->addSeparator();
  run->addAction(sweep_);
  run->addAction(find_batch_);
  run->addAction(scaling_);
  run->addSeparator();
  run->addAction(inference_);
  QAction* lesson = run->addAction(tr("Lesson…"), this, [this] {
    lesson_dock_->show();
    lesson_dock_->raise();
  });
  lesson->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
  lesson->setShortcutContext(Qt::WindowShortcut);
  addAction(lesson);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (QDockWidget* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());
  view->addSeparator();
  view->addAction(tr("Reset layout"), this, [this] { restoreState(default_state_); });
  view->addSeparator();
  view->addAction(presentation_->toggleAction());

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  QAction* keys = help->addAction(tr("Keyboard shortcuts"), this, &MainWindow::showShortcuts);
  keys->setShortcut(QKeySequence(Qt::Key_F1));
  help->addAction(tr("About BatchLab"), this, &MainWindow::showAbout)
      ->setMenuRole(QAction::AboutRole);
}

QString MainWindow::shortcutsText() const {
  QStringList lines;
  for (QMenu* menu : menuBar()->findChildren<QMenu*>()) {
    for (QAction* a : menu->actions()) {
      if (a->shortcut().isEmpty()) continue;
      QString name = a->text();
      name.remove(QLatin1Char('&'));
      lines << QStringLiteral("%1\t%2").arg(name, a->shortcut().toString(QKeySequence::NativeText));
    }
  }
  lines << tr("Pause / resume (over the plots)\tSpace");
  lines.removeDuplicates();
  return lines.join(QLatin1Char('\n'));
}

void MainWindow::showShortcuts() {
  QString rows;
  for (const QString& line : shortcutsText().split(QLatin1Char('\n'))) {
    const QStringList cells = line.split(QLatin1Char('\t'));
    rows += QStringLiteral("<tr><td>%1</td><td>&nbsp;&nbsp;<b>%2</b></td></tr>")
                .arg(cells.value(0).toHtmlEscaped(), cells.value(1).toHtmlEscaped());
  }
  QMessageBox box(QMessageBox::NoIcon, tr("Keyboard shortcuts"),
                  QStringLiteral("<table>%1</table>").arg(rows), QMessageBox::Close, this);
  box.exec();
}

void MainWindow::showAbout() {
  QMessageBox::about(
      this, tr("About BatchLab"),
      tr("<h3>BatchLab %1</h3><p>A workbench for batch-size experiments: throughput, memory and "
         "loss against batch size, sweeps with the critical-batch-size fit, and reports.</p>"
         "<p>Built with Qt %2, QCustomPlot, Eigen, SQLite, nlohmann-json and CLI11. Headless "
         "runs: <tt>batchlab-cli</tt>.</p>")
          .arg(QApplication::applicationVersion(), QString::fromLatin1(qVersion())));
}

void MainWindow::updateActions() {
  const bool busy = controller_->busy();
  // While a lesson step runs its runs own the worker's place: no second run beside them.
  const bool lesson_running = lesson_dock_ && lesson_dock_->running();
  run_->setEnabled(form_->valid() && !lesson_running);
  find_batch_->setEnabled(form_->valid() && !lesson_running);
  sweep_->setEnabled(form_->valid() && !lesson_running);
  const QString sweep_keys = sweep_->shortcut().toString(QKeySequence::NativeText);
  if (!form_->valid())
    sweep_->setToolTip(tr("Cannot sweep: %1").arg(form_->problem()));
  else
    sweep_->setToolTip(
        tr("Run this experiment at several batch sizes and compare them (%1)").arg(sweep_keys));
  const QString keys = run_->shortcut().toString(QKeySequence::NativeText);
  if (!form_->valid())
    run_->setToolTip(tr("Cannot run: %1").arg(form_->problem()));
  else if (busy)
    run_->setToolTip(tr("Queue this experiment after the current run (%1)").arg(keys));
  else
    run_->setToolTip(tr("Run this experiment (%1)").arg(keys));
  pause_->setEnabled(busy);
  pause_->setText(controller_->paused() ? tr("Resume") : tr("Pause"));
  pause_->setIcon(
      style()->standardIcon(controller_->paused() ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
  pause_->setToolTip(
      tr("%1 (%2 or Space over the plots)")
          .arg(pause_->text(), pause_->shortcut().toString(QKeySequence::NativeText)));
  stop_->setEnabled(busy);
  stop_->setToolTip(tr("Stop the run; it is kept as `stopped` (%1)")
                        .arg(stop_->shortcut().toString(QKeySequence::NativeText)));
  // Run ids belong to a store: switching stores mid-run would mix two stores' ids.
  open_store_->setEnabled(!busy);
  open_store_->setToolTip(
      busy ? tr("The store can change once the run ends")
           : tr("Open another run store (%1)")
                 .arg(open_store_->shortcut().toString(QKeySequence::NativeText)));
  // A merge writes the store the worker is writing; and the runs table is the run's until it ends.
  import_shards_->setEnabled(!busy);
  import_shards_->setToolTip(busy ? tr("Shards can be imported once the run ends")
                                  : tr("Merge run stores (for example a Slurm sweep's shards) "
                                       "into this one"));
  progress_->setQueued(controller_->queued());
  progress_->setPaused(controller_->paused());
}

BatchFinderDialog* MainWindow::openBatchFinder() {
  auto* dialog = new BatchFinderDialog(form_->config(), this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  connect(dialog, &BatchFinderDialog::useBatch, this, [this](std::int64_t batch) {
    RunConfig c = form_->config();
    c.batch.strategy = BatchStrategy::mini;
    c.batch.size = batch;
    form_->setConfig(c);
    statusBar()->showMessage(tr("Batch size set to %1").arg(batch), 5000);
  });
  return dialog;
}

SweepDialog* MainWindow::openSweepDialog() {
  auto* dialog = new SweepDialog(form_->config(), this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setMachineBusy(controller_->busy());
  // The fields of the sweep last started come back (a base that no longer reads is skipped:
  // only the fields are wanted, over the form's experiment).
  if (const QString last = settings_.lastSweepJson(); !last.isEmpty()) {
    try {
      nlohmann::json j = nlohmann::json::parse(last.toStdString());
      j["base"] = run_config_to_json(form_->config());
      dialog->restoreFields(sweep_config_from_json(j, "settings"));
    } catch (const std::exception&) {
      // Fields from an older version: start from the suggestion instead.
    }
  }
  connect(dialog, &SweepDialog::startSweep, this,
          [this](const SweepConfig& sweep, const std::optional<StepTimeModel>& step_time) {
            const bool queued = controller_->busy();
            settings_.setLastSweepJson(QString::fromStdString(sweep_config_to_json(sweep).dump()));
            controller_->submitSweep(sweep, step_time);
            statusBar()->showMessage(
                queued ? tr("Sweep %1 queued after the current run")
                             .arg(QString::fromStdString(sweep.name))
                       : tr("Sweep %1 starting").arg(QString::fromStdString(sweep.name)),
                5000);
          });
  return dialog;
}

void MainWindow::runExperiment() {
  if (!form_->valid()) {
    statusBar()->showMessage(tr("Cannot run: %1").arg(form_->problem()), 8000);
    return;
  }
  const bool queued = controller_->busy();
  controller_->submit(form_->config());
  statusBar()->showMessage(queued ? tr("Queued after the current run") : tr("Starting…"), 4000);
}

void MainWindow::applyLessonStep() {
  // The step's plots are the ones shown large when presenting; its model views keep their dock.
  std::vector<LivePlot*> plots;
  bool model_view = false;
  bool serving = false;
  for (const PlotName name : lesson_dock_->stepPlots()) {
    if (name == PlotName::serving_latency_throughput) serving = true;
    LivePlot* p = nullptr;
    switch (name) {
      case PlotName::loss:
      case PlotName::accuracy: p = loss_; break;
      case PlotName::throughput: p = throughput_; break;
      case PlotName::memory: p = memory_; break;
      case PlotName::batch_size: p = schedule_; break;
      case PlotName::decision_boundary:
      case PlotName::loss_surface: model_view = true; break;
      default: break;  // the sweep plots live in the Sweep summary tab
    }
    if (p && std::find(plots.begin(), plots.end(), p) == plots.end()) plots.push_back(p);
  }
  if (plots.empty() && !model_view && !serving) plots = {loss_, throughput_};
  if (plots.size() > 2) plots.resize(2);
  presentation_->setPresentedPlots(plots);
  std::vector<QDockWidget*> kept = {lesson_dock_};
  if (serving) {
    // The curves take the room the training plots would have: most of the window's width.
    kept.push_back(lesson_serving_);
    lesson_serving_->show();
    resizeDocks({lesson_serving_}, {width() * 3 / 5}, Qt::Horizontal);
  }
  if (model_view) {
    kept.push_back(model_dock_);
    model_dock_->raise();
  }
  presentation_->setKeptDocks(kept);
}

InferenceWindow* MainWindow::openInference() {
  if (!inference_window_) {
    inference_window_ = new InferenceWindow(
        [this]() -> std::optional<RunConfig> {
          if (!form_->valid()) return std::nullopt;
          return form_->config();
        },
        controller_->storePath(), this);
    // A serving run the window recorded joins the runs table, as a training run does.
    connect(&inference_window_->job(), &ServingJob::recorded, this, [this](qint64 id) {
      QString error;
      if (!session_->reloadRun(id, error)) statusBar()->showMessage(error, 8000);
    });
  }
  // Runs that trained keep their model in the store: those can be served.
  std::vector<std::pair<std::int64_t, QString>> runs;
  const RunsTableModel& table = session_->table();
  for (const std::int64_t id : table.runIds()) {
    const RunRow* row = table.find(id);
    if (!row || row->kind != RunKind::train ||
        !(row->status == RunStatus::completed || row->status == RunStatus::stopped ||
          row->status == RunStatus::target_reached))
      continue;
    runs.emplace_back(id, tr("run #%1 %2 (trained, batch %3)").arg(id).arg(row->name).arg(row->batch));
  }
  std::sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  inference_window_->setStoredRuns(runs);
  inference_window_->setStorePath(controller_->storePath());
  return inference_window_;
}

std::vector<LivePlot*> MainWindow::livePlots() const {
  std::vector<LivePlot*> out;
  for (const PlotSlot& slot : plots_) out.push_back(slot.plot);
  return out;
}

void MainWindow::setPlotStyle(const PlotStyle& style) {
  for (const PlotSlot& slot : plots_) slot.plot->setStyle(style);
  model_dock_->setPlotStyle(style);
}

void MainWindow::refreshPlots() {
  // One plot per event-loop turn (a zero timer each), so input and timers get a look-in
  // between the repaints even when a flood of steps keeps every drain busy.
  for (PlotSlot& slot : plots_) slot.dirty = true;
  if (!plot_turn_.isActive()) plot_turn_.start();
}

void MainWindow::refreshNextPlot() {
  // Round robin from the plot after the last one refreshed: while updates keep coming faster
  // than the turns, every plot still gets its turn, not only the first.
  for (std::size_t k = 0; k < plots_.size(); ++k) {
    const std::size_t i = (next_plot_ + k) % plots_.size();
    if (!plots_[i].dirty) continue;
    plots_[i].dirty = false;
    next_plot_ = (i + 1) % plots_.size();
    plots_[i].plot->refresh(true);
    break;
  }
  for (const PlotSlot& slot : plots_)
    if (slot.dirty) {
      plot_turn_.start();
      break;
    }
}

void MainWindow::flushAndRepaint() {
  session_->drainNow();
  plot_turn_.stop();
  for (PlotSlot& slot : plots_) {
    slot.dirty = false;
    slot.plot->refresh(true);
    slot.plot->plot()->replot(QCustomPlot::rpImmediateRefresh);
  }
}

void MainWindow::onRunFinished(const RunFinished& finished) {
  progress_->onFinished(finished);
  const RunRow* row = session_->table().find(finished.run_id);
  const QString who =
      QStringLiteral("#%1 %2").arg(finished.run_id).arg(row ? row->name : QString());
  const QString how = status_text(finished.status);
  const bool in_sweep = row && row->sweep_id != 0;
  if (is_failure(finished.status) && in_sweep && finished.status != RunStatus::failed) {
    // Out of memory or diverged inside a sweep is a result the summary will show, not an error.
    banner_->showMessage(tr("Run %1 %2: %3 — the sweep goes on")
                             .arg(who, how, QString::fromStdString(finished.reason)),
                         MessageBanner::Kind::warning);
  } else if (is_failure(finished.status)) {
    banner_->showMessage(tr("Run %1 %2: %3").arg(who, how, QString::fromStdString(finished.reason)),
                         MessageBanner::Kind::error);
    statusBar()->showMessage(tr("Run %1 %2 (see the message above the plots)").arg(who, how), 8000);
  } else {
    statusBar()->showMessage(tr("Run %1 %2").arg(who, how), 8000);
  }
}

void MainWindow::onSweepFinished(const SweepStatus& status) {
  // The last run's end is still in the bridge: apply it first, so its own status message does
  // not replace the sweep's.
  session_->drainNow();
  progress_->setSweep(status);
  if (status.sweep_id == 0) return;  // it never started: runRejected said why
  const QString what =
      status.stopped ? tr("Sweep %1 stopped after %2 of %3 runs")
                           .arg(status.name)
                           .arg(status.runs_done)
                           .arg(status.total)
                     : tr("Sweep %1 finished: %2")
                           .arg(status.name, format_count(status.runs_done, tr("run"), tr("runs")));
  statusBar()->showMessage(what + tr(" · its metrics against batch size are in Sweep summary"),
                           10000);
  // The summary is what a sweep is for: bring it to the front with this sweep's runs alone.
  session_->table().showOnlySweep(status.sweep_id);
  sweep_summary_->refresh();
  sweep_summary_->raise();
  // Five plots need more than the runs table's strip: give the bottom docks ~45% of the height
  // unless the user has already made them that tall.
  // At 800 px that is too little for one row of plots (300 px each, the fit note above): then
  // 400 px, up to three fifths of the window.
  const int wanted = std::min(std::max(height() * 9 / 20, 400), height() * 3 / 5);
  if (sweep_summary_->height() < wanted) resizeDocks({sweep_summary_}, {wanted}, Qt::Vertical);
}

void MainWindow::openStore(const std::filesystem::path& path) {
  QString error;
  if (!session_->loadStore(path, error)) {
    banner_->showMessage(tr("Cannot open the run store: %1").arg(error),
                         MessageBanner::Kind::error);
    return;
  }
  controller_->setStorePath(path);
  setWindowTitle(tr("BatchLab — %1").arg(QString::fromStdString(path.string())));
  const int runs = session_->table().runCount();
  statusBar()->showMessage(
      tr("%1 in the store; tick one to plot it").arg(format_count(runs, tr("run"), tr("runs"))),
      8000);
}

void MainWindow::chooseStore() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Open run store"), QString::fromStdString(controller_->storePath().string()),
      tr("BatchLab store (*.sqlite *.db);;All files (*)"));
  if (path.isEmpty()) return;
  openStore(path.toStdString());
  if (!store_overridden_) settings_.setStorePath(path);
}

void MainWindow::chooseShards() {
  const QStringList paths = QFileDialog::getOpenFileNames(
      this, tr("Import store shards"),
      QString::fromStdString(controller_->storePath().parent_path().string()),
      tr("BatchLab store (*.sqlite *.db);;All files (*)"));
  if (!paths.isEmpty()) importShards(paths);
}

ShardImportResult MainWindow::importShards(const QStringList& paths) {
  ShardImportResult result = import_shards(*session_, paths);
  statusBar()->showMessage(result.message, 10000);
  if (!result.ok) banner_->showMessage(result.message, MessageBanner::Kind::error);
  return result;
}

std::int64_t MainWindow::selectedRunId() const {
  const RunsTableModel& table = session_->table();
  if (const std::int64_t id = table.idAt(runs_view_->currentIndex()); id > 0 && table.find(id))
    return id;
  std::int64_t newest = 0;
  for (const std::int64_t id : table.runIds())
    if (const RunRow* row = table.find(id); row && row->visible) newest = std::max(newest, id);
  return newest;
}

ScalingDialog* MainWindow::openScalingModel(std::int64_t run_id) {
  if (run_id == 0) run_id = selectedRunId();
  if (run_id == 0) {
    statusBar()->showMessage(tr("Scaling model: select a run in the runs table first"), 8000);
    return nullptr;
  }
  auto* dialog = new ScalingDialog(controller_->storePath(), run_id, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  return dialog;
}

void MainWindow::showSettings() {
  const QString current = store_overridden_
                              ? QString::fromStdString(controller_->storePath().string())
                              : settings_.storePath();
  SettingsDialog dialog(current, !controller_->busy() && !store_overridden_, this);
  dialog.setPricePerHour(settings_.pricePerHour());
  if (dialog.exec() != QDialog::Accepted) return;
  settings_.setPricePerHour(dialog.pricePerHour());
  session_->table().setPricePerHour(settings_.pricePerHour());
  if (dialog.resetLayout()) restoreState(default_state_);
  if (!store_overridden_ && !controller_->busy() && dialog.storePath() != settings_.storePath()) {
    settings_.setStorePath(dialog.storePath());
    openStore(dialog.storePath().isEmpty()
                  ? default_store_path()
                  : std::filesystem::path(dialog.storePath().toStdString()));
  }
}

void MainWindow::restoreSettings() {
  if (!restoreGeometry(settings_.geometry())) {
    // First start: the whole of a laptop screen, a generous window on a big one.
    const QRect available = screen()->availableGeometry();
    resize(available.size().boundedTo(QSize(1920, 1200)));
    move(available.center() - rect().center());
  }
  if (!restoreState(settings_.windowState())) {
    resizeDocks({experiment_dock_}, {std::max(340, width() / 4)}, Qt::Horizontal);
    resizeDocks({runs_dock_}, {std::max(150, height() / 5)}, Qt::Vertical);
  }
  // The lower pane opens on the runs table: the sweep summary is brought forward by a sweep
  // finishing, not by whichever tab was last in front.
  runs_dock_->raise();
  loss_->setXAxis(
      static_cast<XAxisKind>(std::clamp(settings_.lossXAxis(), 0, kXAxisKindCount - 1)));
  loss_->setSmoothing(settings_.lossSmoothing());
  loss_->setLogY(settings_.lossLogY());
  throughput_->setSplit(settings_.throughputSplit());
  const QString json = settings_.lastConfigJson();
  if (!json.isEmpty()) {
    try {
      form_->setConfig(run_config_from_json(nlohmann::json::parse(json.toStdString()), "settings"));
      return;
    } catch (const std::exception& e) {
      statusBar()->showMessage(tr("Last experiment not restored: %1").arg(e.what()), 8000);
    }
  }
  QString error;
  if (!form_->loadPreset(QString::fromLatin1(kDefaultPreset), {}, error))
    statusBar()->showMessage(tr("Default preset not loaded: %1").arg(error), 8000);
}

void MainWindow::saveSettings() {
  settings_.setWindow(saveGeometry(), saveState());
  settings_.setLastConfigJson(QString::fromStdString(run_config_to_json(form_->config()).dump()));
  settings_.setLossView(static_cast<int>(loss_->xAxis()), loss_->smoothing(), loss_->logY());
  settings_.setThroughputSplit(throughput_->split());
  settings_.sync();
}

void MainWindow::closeEvent(QCloseEvent* event) {
  presentation_->leave();  // the layout remembered is the one to come back to, not full screen
  saveSettings();
  if (controller_->busy()) {
    statusBar()->showMessage(tr("Stopping the run…"));
    QApplication::setOverrideCursor(Qt::WaitCursor);
    controller_->shutdown();  // the run ends `stopped` in the store before we go
    QApplication::restoreOverrideCursor();
  }
  session_->drainNow();
  event->accept();
}

}  // namespace batchlab
