// defines: LossSurfaceView (a two-parameter model's loss as a contour map, with each run's path)
// The loss over the model's two parameters (loss_surface.h) as filled contours — a colour map
// banded into levels on a log scale, computed once per model on a pool thread — and on it, step
// by step, each run's path through parameter space in the run's colour, all from the same
// start. The view spans the start, the least-squares minimum (marked ×) and every path so far;
// when a path leaves the map the map is recomputed for the larger span.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include <QFutureWatcher>
#include <QWidget>

#include "engine/data/dataset.h"
#include "engine/model/mlp_spec.h"
#include "widgets/loss_surface.h"
#include "widgets/plot_style.h"

class QCustomPlot;
class QCPColorMap;
class QCPCurve;
class QCPGraph;
class QCPTextElement;

namespace batchlab {

class LossSurfaceView final : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kGrid = 80;

  explicit LossSurfaceView(QWidget* parent = nullptr);
  ~LossSurfaceView() override;

  // The model and the rows its loss is taken over; `start`: the parameters every run starts
  // from. Clears the paths. A model without exactly two parameters: the view says so.
  void setModel(const MlpSpec& spec, const Dataset& train, std::pair<double, double> start);
  // One step of run `run_id`: its parameters after the step.
  void addPoint(std::int64_t run_id, double p0, double p1);
  void setPlotStyle(const PlotStyle& style);

  QCustomPlot* plot() const { return plot_; }
  const std::optional<LossSurface>& surface() const { return surface_; }
  bool computing() const { return watcher_.isRunning(); }
  // The path of a run as drawn (tests): its points in order.
  std::vector<std::pair<double, double>> path(std::int64_t run_id) const;

 signals:
  void surfaceReady();

 private:
  void compute();
  void onComputed();
  void growSpanFor(double p0, double p1);
  void restyle();

  QCustomPlot* plot_ = nullptr;
  QCPColorMap* map_ = nullptr;
  QCPGraph* minimum_ = nullptr;
  QCPTextElement* title_ = nullptr;
  std::map<std::int64_t, QCPCurve*> paths_;
  PlotStyle style_ = default_plot_style();
  std::optional<MlpSpec> spec_;
  Dataset train_;
  double lo0_ = -1, hi0_ = 1, lo1_ = -1, hi1_ = 1;  // the span asked for
  bool recompute_ = false;  // the span grew while a map was being computed
  QFutureWatcher<LossSurface> watcher_;
  std::optional<LossSurface> surface_;
};

}  // namespace batchlab
