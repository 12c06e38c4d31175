// defines: SweepSummaryView
// A sweep's metrics against batch size (DESIGN §3): throughput, peak memory (with the memory
// model and the limits), steps and time to target (with the fitted S = S_min(1 + B_noise/B) and
// T = α + β/B + γ·B), best validation metric; error bars over repeats, out-of-memory and
// diverged runs marked. The plots are those of the reports.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include <QWidget>

#include "engine/metrics/scaling_fit.h"
#include "engine/metrics/time_fit.h"
#include "widgets/sweep_plots.h"

class QCustomPlot;
class QGridLayout;
class QLabel;

namespace batchlab {

class SweepSummaryView final : public QWidget {
  Q_OBJECT
 public:
  explicit SweepSummaryView(QWidget* parent = nullptr);

  // Replaces what the view shows. Fewer than two batch sizes: a line saying so, no plots.
  // `limits`: the budget and device memory lines of the peak-memory plot.
  void setRuns(std::vector<SweepRunPoint> runs, MemoryLimits limits = {});
  QCustomPlot* plot(SweepPlotKind kind) const;
  const std::optional<ScalingFit>& fit() const { return fit_; }
  const std::optional<TimeToTargetFit>& timeFit() const { return time_fit_; }
  QString note() const;  // the lines above the plots: the fits, or why there are none

 private:
  static constexpr std::array<SweepPlotKind, 5> kKinds{
      SweepPlotKind::throughput, SweepPlotKind::peak_memory, SweepPlotKind::val_metric,
      SweepPlotKind::steps_to_target, SweepPlotKind::time_to_target};
  QGridLayout* grid_;
  QLabel* note_;
  std::array<QCustomPlot*, kKinds.size()> plots_{};
  std::optional<ScalingFit> fit_;
  std::optional<TimeToTargetFit> time_fit_;
};

}  // namespace batchlab
