// defines: LossPlot (training loss per step, smoothed as TensorBoard does, validation markers)
// Per run: the raw loss as a faint line, the debiased-EMA smoothed loss in the run's colour,
// and each evaluation's validation loss as a circle. The x axis is step, samples seen, epoch
// or wall time; the y axis can be logarithmic. A legend under the axes names each run drawn.
#pragma once

#include <map>

#include "widgets/decimate.h"
#include "widgets/live_plot.h"
#include "widgets/run_legend.h"
#include "widgets/smoothing.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;

namespace batchlab {

class LossPlot final : public LivePlot {
  Q_OBJECT
 public:
  explicit LossPlot(const SeriesModel& model, QWidget* parent = nullptr);

  void setXAxis(XAxisKind kind);
  XAxisKind xAxis() const;
  // EMA weight in [0, 0.99]; 0 shows the raw loss only.
  void setSmoothing(double weight);
  double smoothing() const;
  void setLogY(bool on);
  bool logY() const;

  // The display graphs of a run (null before its first refresh), for tests and export.
  QCPGraph* rawGraph(std::int64_t run_id) const;
  QCPGraph* smoothGraph(std::int64_t run_id) const;
  QCPGraph* validationGraph(std::int64_t run_id) const;
  const RunLegend& runLegend() const { return legend_; }

 signals:
  void viewSettingsChanged();

 protected:
  void rebuild(const QCPRange& x_range, int buckets) override;
  bool dataXRange(QCPRange& range) const override;
  std::optional<Hit> nearest(const QPointF& pixel) const override;

 private:
  struct RunGraphs {
    QCPGraph* raw = nullptr;
    QCPGraph* smooth = nullptr;
    QCPGraph* val = nullptr;
  };
  // Per run: the smoothed loss for the current weight and the decimation pyramids, all
  // extended with the points that arrived since the last refresh.
  struct RunCache {
    int generation = -1;
    double weight = -1;
    DebiasedEma ema;
    Column smoothed;
    MinMaxPyramid raw_pyramid;
    MinMaxPyramid smooth_pyramid;
  };
  RunGraphs& graphsFor(const RunSeries& run);
  RunCache& cacheFor(const RunSeries& run) const;
  const Column& smoothed(const RunSeries& run) const;
  void dropStaleGraphs();

  std::map<std::int64_t, RunGraphs> graphs_;
  mutable std::map<std::int64_t, RunCache> cache_;
  RunLegend legend_;
  DecimatedSeries scratch_;
  QComboBox* x_choice_ = nullptr;
  QSlider* smoothing_ = nullptr;
  QLabel* smoothing_label_ = nullptr;
  QCheckBox* log_y_ = nullptr;
};

// "step", "samples seen", "epoch", "wall time (s)".
QString x_axis_label(XAxisKind kind);

}  // namespace batchlab
