#include "app/model_view_dock.h"

#include <QLabel>
#include <QStackedWidget>
#include <QtConcurrent>

#include "app/run_session.h"
#include "engine/data/load_dataset.h"
#include "engine/experiment/config_io.h"
#include "engine/train/trainer.h"
#include "widgets/decision_boundary_view.h"
#include "widgets/loss_surface_view.h"

namespace batchlab {

ModelViewDock::ModelViewDock(RunSession& session, QWidget* parent)
    : QDockWidget(tr("Model"), parent) {
  setObjectName(QStringLiteral("modelDock"));
  setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
              QDockWidget::DockWidgetClosable);
  stack_ = new QStackedWidget(this);
  note_ = new QLabel(tr("The model is drawn here while a run trains a 2-D classification set "
                        "(its decision boundary) or a model with two parameters (its loss "
                        "surface)."),
                     stack_);
  note_->setWordWrap(true);
  note_->setAlignment(Qt::AlignCenter);
  note_->setMargin(12);
  boundary_ = new DecisionBoundaryView(stack_);
  surface_ = new LossSurfaceView(stack_);
  stack_->addWidget(note_);
  stack_->addWidget(boundary_);
  stack_->addWidget(surface_);
  setWidget(stack_);
  connect(&session, &RunSession::runStarted, this, &ModelViewDock::onRunStarted);
  connect(&session, &RunSession::parameterSnapshot, this, &ModelViewDock::onSnapshot);
  connect(&loader_, &QFutureWatcher<DatasetSplit>::finished, this, &ModelViewDock::onDataLoaded);
}

ModelViewDock::~ModelViewDock() { loader_.waitForFinished(); }

void ModelViewDock::setPlotStyle(const PlotStyle& style) {
  boundary_->setPlotStyle(style);
  surface_->setPlotStyle(style);
}

void ModelViewDock::showKind(Kind kind, const QString& why) {
  kind_ = kind;
  if (!why.isEmpty()) note_->setText(why);
  stack_->setCurrentWidget(kind == Kind::boundary  ? static_cast<QWidget*>(boundary_)
                           : kind == Kind::surface ? static_cast<QWidget*>(surface_)
                                                   : note_);
}

void ModelViewDock::onRunStarted(const RunStarted& e) {
  run_id_ = e.run_id;
  config_ = e.config;
  keep_every_early_ = e.parameters == 2;
  // Worth loading only what can be drawn: the synthetic sets (fast to make; 2-D or not is
  // known once made) and any set when the model has two parameters.
  const bool maybe_2d = e.task == Task::classification && is_synthetic_dataset(e.config.dataset.kind);
  if (!maybe_2d && e.parameters != 2) {
    showKind(Kind::none, why_not(e.parameters, QString::fromStdString(e.dataset_name)));
    return;
  }
  // The same data and architecture as the map on screen: keep it and its paths (a sweep's runs
  // from one start compare on one map); the newest run's snapshots are drawn from now on.
  const auto j = run_config_to_json(e.config);
  const std::string key =
      j["dataset"].dump() + "|" + j["model"].dump() + "|" + std::to_string(e.config.seed);
  if (key == data_key_) {
    // Its data is loaded or loading: the run joins the map (its early snapshots wait too).
    if (data_ && kind_ != Kind::none) emit drawableRunStarted();
    return;
  }
  early_.clear();
  data_key_ = key;
  data_.reset();
  spec_.reset();
  surface_started_ = false;
  loader_.waitForFinished();
  const RunConfig config = e.config;
  loader_.setFuture(QtConcurrent::run([config] {
    return load_dataset(config.dataset, config.seed, "model view");
  }));
}

QString ModelViewDock::why_not(std::int64_t parameters, const QString& dataset) const {
  return tr("Run #%1 has %L2 parameters on %3: the model view draws the decision boundary of "
            "a 2-D classification set and the loss surface of a two-parameter model.")
      .arg(run_id_)
      .arg(parameters)
      .arg(dataset);
}

void ModelViewDock::onDataLoaded() {
  try {
    data_ = loader_.result();
  } catch (const std::exception& e) {
    showKind(Kind::none, tr("The model view could not load the data: %1").arg(e.what()));
    return;
  }
  const MlpSpec spec = mlp_spec_for(config_, data_->train);
  const std::int64_t parameters = mlp_parameter_count(spec);
  if (parameters == 2) {
    showKind(Kind::surface);
  } else if (spec.task == Task::classification && spec.inputs == 2) {
    showKind(Kind::boundary);
    boundary_->setData(data_->train);
  } else {
    data_.reset();
    data_key_.clear();
    showKind(Kind::none, why_not(parameters, QString::fromStdString(config_.dataset.kind)));
    return;
  }
  spec_ = spec;
  emit drawableRunStarted();
  auto early = std::move(early_);
  early_.clear();
  for (auto& [run, step, values] : early) onSnapshot(run, step, values);
}

void ModelViewDock::onSnapshot(std::int64_t run_id, std::int64_t step,
                               const std::vector<float>& parameters) {
  if (!spec_) {
    // Before the data: a path needs every point of every run on the map (two-parameter models
    // are tiny); a boundary only the newest run's newest, after its start.
    if (!keep_every_early_) {
      std::erase_if(early_, [&](const auto& e) { return std::get<0>(e) != run_id; });
      if (early_.size() >= 2) early_.pop_back();
    }
    if (early_.size() < kMaxEarlySnapshots) early_.emplace_back(run_id, step, parameters);
    return;
  }
  // A boundary shows the newest run; paths show every run on the map.
  if (kind_ == Kind::boundary && run_id != run_id_) return;
  if (kind_ == Kind::surface && parameters.size() == 2) {
    if (!surface_started_) {
      surface_->setModel(*spec_, data_->train, {parameters[0], parameters[1]});
      surface_started_ = true;
    }
    surface_->addPoint(run_id, parameters[0], parameters[1]);
  } else if (kind_ == Kind::boundary) {
    boundary_->setSnapshot(*spec_, parameters, step);
  }
}

}  // namespace batchlab
