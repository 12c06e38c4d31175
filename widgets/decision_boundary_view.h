// defines: DecisionBoundaryView (a 2-D classifier's predicted class over the plane, live)
// Behind the data points, the class the model predicts at every cell of a 200 × 200 grid
// (boundary_grid.h), redrawn as training goes: each parameter snapshot handed in is computed
// on a pool thread, never on the GUI thread and never by holding the trainer, at most one at a
// time and at most every 200 ms; a snapshot that arrives meanwhile replaces the waiting one
// (only the newest matters to the picture). Class colours are the plot style's palette, light
// for the regions and full for the points, so a point on the wrong side of the boundary shows.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QTimer>
#include <QWidget>

#include "engine/data/dataset.h"
#include "engine/model/mlp_spec.h"
#include "widgets/boundary_grid.h"
#include "widgets/plot_style.h"

class QCustomPlot;
class QCPColorMap;
class QCPGraph;
class QCPTextElement;

namespace batchlab {

class DecisionBoundaryView final : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kGrid = 200;
  static constexpr int kMinIntervalMs = 200;
  static constexpr std::int64_t kMaxPoints = 2000;  // drawn; the grid covers them all

  explicit DecisionBoundaryView(QWidget* parent = nullptr);
  ~DecisionBoundaryView() override;

  // The points drawn (the model's inputs: standardised when the run standardises); sets the
  // grid's range. Not a 2-feature classification set: the view says so and draws nothing.
  void setData(const Dataset& points);
  // A snapshot of the model's parameters after `step`; computed when the view gets to it.
  void setSnapshot(const MlpSpec& spec, std::vector<float> parameters, std::int64_t step);
  void setPlotStyle(const PlotStyle& style);

  QCustomPlot* plot() const { return plot_; }
  const std::optional<BoundaryGrid>& grid() const { return grid_; }
  std::int64_t gridStep() const { return grid_step_; }
  bool computing() const { return watcher_.isRunning(); }

 signals:
  void gridReady(std::int64_t step);

 private:
  struct Snapshot {
    MlpSpec spec;
    std::vector<float> parameters;
    std::int64_t step = 0;
  };
  void startNext();
  void onComputed();
  void drawGrid();
  void restyle();

  QCustomPlot* plot_ = nullptr;
  QCPColorMap* map_ = nullptr;
  QCPTextElement* title_ = nullptr;
  std::vector<QCPGraph*> classes_;
  PlotStyle style_ = default_plot_style();
  GridRange range_{-1, 1, -1, 1};
  int class_count_ = 0;
  bool usable_ = false;
  std::optional<Snapshot> pending_;
  std::int64_t computing_step_ = 0;
  QFutureWatcher<BoundaryGrid> watcher_;
  QElapsedTimer since_start_;
  QTimer later_;
  std::optional<BoundaryGrid> grid_;
  std::int64_t grid_step_ = -1;
};

}  // namespace batchlab
