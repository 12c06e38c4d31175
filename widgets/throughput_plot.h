// defines: ThroughputPlot (samples/s per step and its moving average, per run)
// A legend under the axes names each run drawn (RunLegend).
#pragma once

#include <map>

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
  const RunLegend& runLegend() const { return legend_; }

 protected:
  void rebuild(const QCPRange& x_range, int buckets) override;
  bool dataXRange(QCPRange& range) const override;
  std::optional<Hit> nearest(const QPointF& pixel) const override;

 private:
  struct RunGraphs {
    QCPGraph* raw = nullptr;
    QCPGraph* avg = nullptr;
  };
  struct RunCache {
    int generation = -1;
    MinMaxPyramid raw;
    MinMaxPyramid avg;
  };
  std::map<std::int64_t, RunGraphs> graphs_;
  std::map<std::int64_t, RunCache> cache_;
  DecimatedSeries scratch_;
  RunLegend legend_;
  QCPItemText* spikes_note_ = nullptr;  // shown while a drawn run has evaluations
};

}  // namespace batchlab
