#include "app/report/report_plots.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <qcustomplot.h>

#include "app/report/report_data.h"
#include "widgets/run_palette.h"
#include "widgets/scaling_plot.h"
#include "widgets/sweep_plots.h"

namespace batchlab {

namespace {

std::unique_ptr<QCustomPlot> bare_plot() {
  auto plot = std::make_unique<QCustomPlot>();
  plot->setAttribute(Qt::WA_DontShowOnScreen);
  plot->resize(520, 360);
  style_plot_fonts(*plot);
  return plot;
}

}  // namespace

const std::vector<SweepPlotKind>& sweep_plot_kinds() {
  static const std::vector<SweepPlotKind> kinds{
      SweepPlotKind::throughput, SweepPlotKind::peak_memory, SweepPlotKind::steps_to_target,
      SweepPlotKind::time_to_target, SweepPlotKind::val_metric};
  return kinds;
}

bool has_sweep_plots(const ReportData& data) {
  std::set<double> batches;
  for (const ReportRun& r : data.runs)
    if (r.batch > 0.0) batches.insert(r.batch);
  return batches.size() >= 2;
}

std::unique_ptr<QCustomPlot> make_sweep_plot(const ReportData& data, SweepPlotKind kind) {
  auto plot = bare_plot();
  std::vector<SweepRunPoint> points;
  for (const ReportRun& r : data.runs)
    points.push_back(
        {r.record.id, r.batch, r.record.status, r.summary, stop_target_of(r.record.config_json)});
  SweepOverlays overlays;
  overlays.steps_fit = data.fit;
  overlays.time_fit = data.time_fit;
  overlays.limits = data.limits;
  build_sweep_plot(*plot, points, kind, overlays);
  return plot;
}

std::unique_ptr<QCustomPlot> make_loss_plot(const ReportData& data) {
  auto plot = bare_plot();
  plot->resize(720, 420);
  plot->xAxis->setLabel(QStringLiteral("step"));
  plot->yAxis->setLabel(QStringLiteral("training loss, smoothed (EMA 0.9, log axis)"));
  plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
  plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
  plot->yAxis->setNumberFormat(QStringLiteral("g"));
  for (const ReportRun& r : data.runs) {
    QVector<double> xs, ys;
    // About 400 points per run: enough for the shape, small enough for the file.
    // Smoothed as the loss plot's default (debiased EMA): raw step losses of small batches are
    // too noisy to compare curves by eye.
    const std::size_t stride = std::max<std::size_t>(1, r.steps.size() / 400);
    double ema = 0.0;
    double weight = 0.0;
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
      const double loss = r.steps[i].loss;
      if (!std::isfinite(loss) || loss <= 0.0) continue;
      ema = 0.9 * ema + 0.1 * loss;
      weight = 0.9 * weight + 0.1;
      if (i % stride == 0 || i + 1 == r.steps.size()) {
        xs << static_cast<double>(r.steps[i].step);
        ys << ema / weight;
      }
    }
    QCPGraph* g = plot->addGraph();
    g->setName(QStringLiteral("run %1 · B=%2").arg(r.record.id).arg(r.batch));
    g->setPen(QPen(run_colour(r.record.id), 1.2));
    g->setData(xs, ys, true);
  }
  plot->rescaleAxes();
  legend_below(*plot, 4);
  return plot;
}

std::vector<const ReportRun*> scaling_model_runs(const ReportData& data) {
  std::vector<const ReportRun*> out;
  for (const ReportRun& r : data.runs)
    if (r.scaling && out.size() < kReportScalingRuns) out.push_back(&r);
  return out;
}

std::unique_ptr<QCustomPlot> make_scaling_plot(const ReportRun& run) {
  auto plot = bare_plot();
  plot->resize(720, 420);
  plot->setObjectName(QStringLiteral("scaling model of run %1").arg(run.record.id));
  const LinkPreset* link = find_link_preset(kReportScalingLink);
  build_scaling_plot(*plot, *run.scaling,
                     QStringLiteral("%1, %2 Gbit/s, %3 µs")
                         .arg(QString::fromLatin1(kReportScalingLink))
                         .arg(link->gbit_per_s)
                         .arg(link->latency_us));
  return plot;
}

}  // namespace batchlab
