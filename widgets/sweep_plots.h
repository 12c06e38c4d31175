// defines: SweepRunPoint, SweepPlotKind, SweepOverlays, style_plot_fonts, log2_batch_axis,
//          legend_below, build_sweep_plot, time_fit_text, stop_target_of
// A metric against batch size on a log₂ axis (DESIGN §3), shared by the sweep summary view and
// the exported reports: the mean over repeats with min–max error bars, runs that ran out of
// memory or diverged as red crosses along the bottom; on steps-to-target the fitted
// S = S_min(1 + B_noise/B) with S_min and B_noise in the legend, on time-to-target the fitted
// T = α + β/B + γ·B with its fastest batch size, on peak memory the memory model's prediction
// per batch size (out-of-memory runs included) and the budget and device-memory lines; on the
// validation metric, when the runs stopped at a target on it, the target line and a note (runs
// that stop at the target all end near it, whatever their batch size could have reached).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <QString>

#include "engine/core/events.h"
#include "engine/experiment/memory_limits.h"
#include "engine/metrics/scaling_fit.h"
#include "engine/metrics/time_fit.h"

class QCustomPlot;

namespace batchlab {

struct SweepRunPoint {
  std::int64_t id = 0;
  double batch = 0.0;
  RunStatus status = RunStatus::completed;
  RunSummary summary;
  std::optional<TargetConfig> target;  // the run's stop target, if it had one
};

// The stop target in a stored run's config JSON; nullopt when it has none or cannot be read.
std::optional<TargetConfig> stop_target_of(const std::string& config_json);

enum class SweepPlotKind { throughput, peak_memory, steps_to_target, time_to_target, val_metric };

// What the plots draw beyond the runs' own numbers; each applies to one kind of plot.
struct SweepOverlays {
  std::optional<ScalingFit> steps_fit;      // steps to target: the dashed S(B)
  std::optional<TimeToTargetFit> time_fit;  // time to target: the dashed T(B)
  MemoryLimits limits;                      // peak memory: budget and device memory lines
};

// 11 px text (pixel sizes, so a plot drawn into a PDF measures as it draws).
void style_plot_fonts(QCustomPlot& plot);
// A log₂ batch-size x axis with power-of-two ticks over lo…hi (a margin either side).
void log2_batch_axis(QCustomPlot& plot, double lo, double hi);
// The legend in its own row under the axes, `columns` items a row, so it never covers a point.
void legend_below(QCustomPlot& plot, int columns);
// Fills an empty plot.
void build_sweep_plot(QCustomPlot& plot, std::span<const SweepRunPoint> runs, SweepPlotKind kind,
                      const SweepOverlays& overlays);

// What the time fit says, for legends, notes and findings: "fastest at B ≈ 181 (T ≈ 2.4 s)",
// "(…), beyond the largest batch size measured" when B* is outside the sweep, or which way the
// time keeps falling when the fit has no interior minimum.
QString time_fit_text(const TimeToTargetFit& fit);

}  // namespace batchlab
