#include "widgets/sweep_plots.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <qcustomplot.h>

namespace batchlab {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

double nan() {
  return std::numeric_limits<double>::quiet_NaN();
}

QFont title_font(const QCustomPlot& plot) {
  QFont font = plot.font();
  font.setPixelSize(12);
  font.setBold(true);
  return font;
}

void log2_batch_axis(QCustomPlot& plot, double lo, double hi) {
  plot.xAxis->setScaleType(QCPAxis::stLogarithmic);
  auto ticker = QSharedPointer<QCPAxisTickerLog>::create();
  ticker->setLogBase(2.0);
  ticker->setSubTickCount(0);
  plot.xAxis->setTicker(ticker);
  plot.xAxis->setNumberFormat(QStringLiteral("g"));
  plot.xAxis->setNumberPrecision(6);
  plot.xAxis->setRange(lo / 1.5, hi * 1.5);
  plot.xAxis->setLabel(QStringLiteral("batch size (log₂ axis)"));
}

struct Metric {
  QString title;
  QString axis;
  double (*value)(const SweepRunPoint&);
};

bool has_accuracy(std::span<const SweepRunPoint> runs) {
  return std::any_of(runs.begin(), runs.end(), [](const SweepRunPoint& r) {
    return std::isfinite(r.summary.best_val_accuracy);
  });
}

Metric metric_for(std::span<const SweepRunPoint> runs, SweepPlotKind kind) {
  switch (kind) {
    case SweepPlotKind::throughput:
      return {QStringLiteral("Throughput"), QStringLiteral("samples/s (median step)"),
              [](const SweepRunPoint& r) { return r.summary.samples_per_s_median; }};
    case SweepPlotKind::peak_memory:
      return {QStringLiteral("Peak memory"), QStringLiteral("peak memory (MiB)"),
              [](const SweepRunPoint& r) {
                return r.summary.peak_memory_bytes > 0
                           ? static_cast<double>(r.summary.peak_memory_bytes) / kMiB
                           : nan();
              }};
    case SweepPlotKind::steps_to_target:
      return {QStringLiteral("Steps to target"), QStringLiteral("steps to target"),
              [](const SweepRunPoint& r) {
                return r.summary.steps_to_target ? static_cast<double>(*r.summary.steps_to_target)
                                                 : nan();
              }};
    case SweepPlotKind::time_to_target:
      return {QStringLiteral("Time to target"), QStringLiteral("time to target (s)"),
              [](const SweepRunPoint& r) {
                return r.summary.time_to_target_s ? *r.summary.time_to_target_s : nan();
              }};
    case SweepPlotKind::val_metric:
      if (has_accuracy(runs))
        return {QStringLiteral("Best validation accuracy"), QStringLiteral("best val accuracy"),
                [](const SweepRunPoint& r) { return r.summary.best_val_accuracy; }};
      return {QStringLiteral("Best validation loss"), QStringLiteral("best val loss"),
              [](const SweepRunPoint& r) { return r.summary.best_val_loss; }};
  }
  return {};
}

}  // namespace

void legend_below(QCustomPlot& plot, int columns) {
  auto* row = new QCPLayoutGrid;
  plot.plotLayout()->addElement(plot.plotLayout()->rowCount(), 0, row);
  row->setMargins(QMargins(5, 0, 5, 5));
  row->addElement(0, 0, plot.legend);
  plot.legend->setFillOrder(QCPLegend::foRowsFirst);  // `columns` items a row
  plot.legend->setWrap(columns);
  plot.legend->setBorderPen(Qt::NoPen);
  plot.plotLayout()->setRowStretchFactor(plot.plotLayout()->rowCount() - 1, 0.001);
  plot.legend->setVisible(true);
  // A legend item clips its text to the width measured with the screen's font; the PDF engine
  // sets the text wider than that, so each item gets a third more room than measured.
  const QFontMetrics metrics(plot.legend->font());
  for (int i = 0; i < plot.legend->itemCount(); ++i)
    if (auto* item = qobject_cast<QCPPlottableLegendItem*>(plot.legend->item(i)))
      item->setMinimumSize(metrics.horizontalAdvance(item->plottable()->name()) * 4 / 3 +
                               plot.legend->iconSize().width() + 12,
                           0);
}

void style_plot_fonts(QCustomPlot& plot) {
  QFont font = plot.font();
  // Sizes in pixels, not points: the legend measures its items with the screen's DPI and the
  // PDF draws them at its own, and with points a mismatch clips the legend text.
  font.setPixelSize(11);
  for (QCPAxis* axis : {plot.xAxis, plot.yAxis}) {
    axis->setTickLabelFont(font);
    axis->setLabelFont(font);
  }
  plot.legend->setFont(font);
}

void build_sweep_plot(QCustomPlot& target, std::span<const SweepRunPoint> runs, SweepPlotKind kind,
                      const std::optional<ScalingFit>& fit_result,
                      std::optional<double> budget_mib) {
  QCustomPlot* plot = &target;
  const Metric metric = metric_for(runs, kind);
  plot->plotLayout()->insertRow(0);
  auto* title = new QCPTextElement(plot, metric.title, title_font(*plot));
  plot->plotLayout()->addElement(0, 0, title);
  plot->yAxis->setLabel(metric.axis);

  double lo = 0.0;
  double hi = 0.0;
  std::vector<BatchPoint> points;
  std::vector<double> failed;  // batch sizes of runs that ran out of memory or diverged
  for (const SweepRunPoint& r : runs) {
    if (r.batch <= 0.0) continue;
    lo = lo == 0.0 ? r.batch : std::min(lo, r.batch);
    hi = std::max(hi, r.batch);
    if (r.status == RunStatus::out_of_memory || r.status == RunStatus::diverged)
      failed.push_back(r.batch);
    else
      points.push_back({r.batch, metric.value(r)});
  }
  log2_batch_axis(*plot, std::max(lo, 1.0), std::max(hi, 1.0));

  const std::vector<BatchAggregate> agg = aggregate_by_batch(points);
  QVector<double> xs, ys;
  QCPErrorBarsDataContainer spread;
  double ymin = std::numeric_limits<double>::infinity();
  double ymax = -ymin;
  for (const BatchAggregate& a : agg) {
    xs << a.batch;
    ys << a.mean;
    spread.append(QCPErrorBarsData(a.mean - a.min, a.max - a.mean));
    ymin = std::min(ymin, a.min);
    ymax = std::max(ymax, a.max);
  }
  QCPGraph* graph = plot->addGraph();
  graph->setName(QStringLiteral("measured (mean of repeats)"));
  graph->setPen(QPen(QColor(31, 119, 180), 1.6));
  graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
  graph->setData(xs, ys, true);
  if (std::any_of(agg.begin(), agg.end(), [](const BatchAggregate& a) { return a.count > 1; })) {
    auto* bars = new QCPErrorBars(plot->xAxis, plot->yAxis);
    bars->setName(QStringLiteral("min–max over repeats"));
    bars->setDataPlottable(graph);
    bars->setData(QSharedPointer<QCPErrorBarsDataContainer>::create(spread));
  }

  if (kind == SweepPlotKind::steps_to_target && fit_result) {
    QVector<double> fx, fy;
    for (int i = 0; i <= 60; ++i) {
      const double b =
          std::exp2(std::log2(lo / 1.5) + (std::log2(hi * 1.5) - std::log2(lo / 1.5)) * i / 60.0);
      fx << b;
      fy << fit_result->steps_at(b);
    }
    QCPGraph* fit = plot->addGraph();
    fit->setName(QStringLiteral("fit: S_min = %1, B_noise = %2")
                     .arg(fit_result->s_min, 0, 'g', 3)
                     .arg(fit_result->b_noise, 0, 'g', 3));
    fit->setPen(QPen(QColor(214, 39, 40), 1.2, Qt::DashLine));
    fit->setData(fx, fy, true);
    ymin = std::min(ymin, fit_result->s_min);
  }
  if (kind == SweepPlotKind::peak_memory && budget_mib) {
    QCPGraph* line = plot->addGraph();
    line->setName(QStringLiteral("memory budget"));
    line->setPen(QPen(Qt::darkGray, 1.0, Qt::DotLine));
    line->setData({lo / 1.5, hi * 1.5}, {*budget_mib, *budget_mib}, true);
    ymax = std::max(ymax, *budget_mib);
  }
  if (!std::isfinite(ymin)) {
    ymin = 0.0;
    ymax = 1.0;
  }
  const double pad = std::max((ymax - ymin) * 0.12, std::abs(ymax) * 0.02 + 1e-9);
  plot->yAxis->setRange(ymin - pad, ymax + pad);
  if (!failed.empty()) {
    QCPGraph* marks = plot->addGraph();
    marks->setName(QStringLiteral("out of memory / diverged"));
    marks->setLineStyle(QCPGraph::lsNone);
    marks->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCross, QColor(200, 0, 0), 9));
    QVector<double> fy(static_cast<int>(failed.size()), ymin - pad * 0.6);
    marks->setData(QVector<double>(failed.begin(), failed.end()), fy);
  }
  if (plot->graphCount() > 1)
    legend_below(*plot, 1);
  else
    plot->legend->setVisible(false);
}

}  // namespace batchlab
