// defines: SweepRunPoint, SweepPlotKind, style_plot_fonts, legend_below, build_sweep_plot
// A metric against batch size on a log₂ axis (DESIGN §3), shared by the sweep summary view and
// the exported reports: the mean over repeats with min–max error bars, runs that ran out of
// memory or diverged as red crosses along the bottom, on steps-to-target the fitted
// S = S_min(1 + B_noise/B) with S_min and B_noise in the legend.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "engine/core/events.h"
#include "engine/metrics/scaling_fit.h"

class QCustomPlot;

namespace batchlab {

struct SweepRunPoint {
  std::int64_t id = 0;
  double batch = 0.0;
  RunStatus status = RunStatus::completed;
  RunSummary summary;
};

enum class SweepPlotKind { throughput, peak_memory, steps_to_target, time_to_target, val_metric };

// 11 px text (pixel sizes, so a plot drawn into a PDF measures as it draws).
void style_plot_fonts(QCustomPlot& plot);
// The legend in its own row under the axes, `columns` items a row, so it never covers a point.
void legend_below(QCustomPlot& plot, int columns);
// Fills an empty plot. budget_mib: a horizontal line on the peak-memory plot.
void build_sweep_plot(QCustomPlot& plot, std::span<const SweepRunPoint> runs, SweepPlotKind kind,
                      const std::optional<ScalingFit>& fit, std::optional<double> budget_mib);

}  // namespace batchlab
