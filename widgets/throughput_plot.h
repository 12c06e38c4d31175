// defines: ThroughputPlot (samples/s per step and its moving average, per run)
// A legend under the axes names each run drawn (RunLegend). With "compute / rest" ticked each
// run also gets a dashed line: the samples/s its forward and backward passes alone would give.
// The shaded band down to the solid line is what the rest of each step costs — loading the
// batch, and for data-parallel replicas the all-reduce, the wait for the slowest replica and the
// update — so the cost of communication reads in the plot's own unit.
#pragma once

#include <map>

class QCheckBox;

#include "widgets/live_plot.h"
#include "widgets/run_legend.h"

namespace batchlab {

// Tick labels with SI suffixes: 750k, 1.25M.
class SiTicker final : public QCPAxisTicker {
 protected:
  QString getTickLabel(double tick, const QLocale& locale, QChar format_char,
                       int precision) override;
};

class ThroughputPlot final : public LivePlot {
  Q_OBJECT
 public:
  explicit ThroughputPlot(const SeriesModel& model, QWidget* parent = nullptr);

  QCPGraph* rawGraph(std::int64_t run_id) const;
  QCPGraph* averageGraph(std::int64_t run_id) const;
  QCPGraph* computeGraph(std::int64_t run_id) const;  // null until split on for that run
  void setSplit(bool on);
  bool split() const { return split_; }
  QCheckBox* splitToggle() const { return split_box_; }
  const RunLegend& runLegend() const { return legend_; }

 signals:
  void splitChanged(bool on);

 protected:
  void rebuild(const QCPRange& x_range, int buckets) override;
  bool dataXRange(QCPRange& range) const override;
  std::optional<Hit> nearest(const QPointF& pixel) const override;

 private:
  struct RunGraphs {
    QCPGraph* raw = nullptr;
    QCPGraph* avg = nullptr;
    QCPGraph* compute = nullptr;
  };
  struct RunCache {
    int generation = -1;
    MinMaxPyramid raw;
    MinMaxPyramid avg;
    MinMaxPyramid compute;
  };
  std::map<std::int64_t, RunGraphs> graphs_;
  std::map<std::int64_t, RunCache> cache_;
  DecimatedSeries scratch_;
  RunLegend legend_;
  QCPItemText* spikes_note_ = nullptr;  // shown while a drawn run has evaluations
  QCheckBox* split_box_ = nullptr;
  bool split_ = false;
};

}  // namespace batchlab
