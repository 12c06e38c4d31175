// defines: ModelViewDock (the model itself as it learns: decision boundary or loss surface)
// A dock beside the experiment form that draws the running model, from the parameter snapshots
// the controller asks the Trainer for: for a 2-D classification set, the decision boundary
// behind the points; for a two-parameter model, the loss surface with each run's path. It loads
// the run's dataset itself (on a pool thread, with the run's config and seed, so the rows and
// their standardisation are the Trainer's) and keeps the paths of every run on the same model
// and data, so a sweep's runs from one start are compared on one map. Other runs: it says why
// there is nothing to draw.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <QDockWidget>
#include <QFutureWatcher>

#include "engine/core/events.h"
#include "engine/data/dataset.h"
#include "engine/model/mlp_spec.h"

class QLabel;
class QStackedWidget;

namespace batchlab {

class DecisionBoundaryView;
class LossSurfaceView;
class RunSession;
struct PlotStyle;

class ModelViewDock final : public QDockWidget {
  Q_OBJECT
 public:
  ModelViewDock(RunSession& session, QWidget* parent = nullptr);
  ~ModelViewDock() override;

  enum class Kind { none, boundary, surface };
  Kind kind() const { return kind_; }
  DecisionBoundaryView* boundary() const { return boundary_; }
  LossSurfaceView* surface() const { return surface_; }
  void setPlotStyle(const PlotStyle& style);

 signals:
  // A run whose model can be drawn has started (the window raises the dock then).
  void drawableRunStarted();

 private:
  void onRunStarted(const RunStarted& e);
  void onSnapshot(std::int64_t run_id, std::int64_t step, const std::vector<float>& parameters);
  void onDataLoaded();
  void showKind(Kind kind, const QString& why = {});
  QString why_not(std::int64_t parameters, const QString& dataset) const;

  QStackedWidget* stack_ = nullptr;
  QLabel* note_ = nullptr;
  DecisionBoundaryView* boundary_ = nullptr;
  LossSurfaceView* surface_ = nullptr;
  Kind kind_ = Kind::none;
  std::int64_t run_id_ = 0;
  RunConfig config_;              // of the newest run
  bool surface_started_ = false;  // the loss surface has its model (from the first snapshot)
  std::optional<MlpSpec> spec_;
  std::string data_key_;  // the dataset config and model of the map now drawn
  std::optional<DatasetSplit> data_;
  QFutureWatcher<DatasetSplit> loader_;
  // Snapshots that came before the data: every one for a path (keep_every_early_), else the
  // first (the start) and the newest.
  static constexpr std::size_t kMaxEarlySnapshots = 100000;
  std::vector<std::tuple<std::int64_t, std::int64_t, std::vector<float>>> early_;  // run, step
  bool keep_every_early_ = false;
};

}  // namespace batchlab
