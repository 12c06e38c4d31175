// defines: sweep_plot_kinds, has_sweep_plots, make_sweep_plot, make_loss_plot,
//          scaling_model_runs, make_scaling_plot
// The report's plots as QCustomPlot objects that are never shown: the PDF writer draws them as
// vectors into its painter, the HTML writer renders them to PNG.
#pragma once

#include <memory>
#include <vector>

#include "widgets/sweep_plots.h"

class QCustomPlot;

namespace batchlab {

struct ReportData;
struct ReportRun;

const std::vector<SweepPlotKind>& sweep_plot_kinds();

// True when the runs span at least two batch sizes: a metric-vs-batch plot says something.
bool has_sweep_plots(const ReportData& data);
// Metric against batch size on a log₂ axis; mean with min–max error bars over repeats; runs that
// ran out of memory or diverged marked as red crosses along the bottom; the data's fits and memory
// limits drawn as the window's sweep summary draws them (SweepOverlays).
std::unique_ptr<QCustomPlot> make_sweep_plot(const ReportData& data, SweepPlotKind kind);
// Training loss against step, one line per run in its run colour.
std::unique_ptr<QCustomPlot> make_loss_plot(const ReportData& data);
// The runs the scaling section draws: those with scaling inputs, at most kReportScalingRuns of
// them (the first in report order), so a 40-run sweep does not add 40 pages of one model.
inline constexpr std::size_t kReportScalingRuns = 3;
std::vector<const ReportRun*> scaling_model_runs(const ReportData& data);
// The scaling model of one run (widgets/scaling_plot.h), titled "model, not a measurement".
std::unique_ptr<QCustomPlot> make_scaling_plot(const ReportRun& run);

}  // namespace batchlab
