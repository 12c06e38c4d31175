#include "widgets/sweep_plots.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <qcustomplot.h>
#include <nlohmann/json.hpp>

#include "widgets/format.h"
#include "widgets/throughput_plot.h"

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


// One unit for a memory axis, chosen from its largest value, so the axis reads "86 KiB … 340 KiB"
// or "1.2 … 9.8 MiB" and never mixes units or shows 0.08 MiB.
struct MemoryUnit {
  double bytes = kMiB;
  QString name = QStringLiteral("MiB");
};
MemoryUnit memory_unit(double largest_bytes) {
  if (largest_bytes >= 1024.0 * kMiB) return {1024.0 * kMiB, QStringLiteral("GiB")};
  if (largest_bytes >= kMiB || largest_bytes <= 0.0) return {};
  return {1024.0, QStringLiteral("KiB")};
}

QString batch_text(double batch) {
  return batch >= 10.0 ? QString::number(std::llround(batch)) : QString::number(batch, 'g', 2);
}

// A curve sampled evenly on the log₂ axis from lo to hi, and at each measured batch size, so
// the curve passes through its own value there (what a reader compares the points with).
template <typename F>
void sample_curve(double lo, double hi, std::span<const BatchPoint> measured, F&& f,
                  QVector<double>& xs, QVector<double>& ys) {
  std::vector<double> keys;
  for (int i = 0; i <= 60; ++i)
    keys.push_back(std::exp2(std::log2(lo) + (std::log2(hi) - std::log2(lo)) * i / 60.0));
  for (const BatchPoint& p : measured) keys.push_back(p.batch);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (const double b : keys) {
    xs << b;
    ys << f(b);
  }
}

// A horizontal line across the plot, for a memory limit.
QCPGraph* limit_line(QCustomPlot& plot, const QString& name, double y, const QPen& pen, double lo,
                     double hi) {
  QCPGraph* line = plot.addGraph();
  line->setName(name);
  line->setPen(pen);
  line->setData({lo, hi}, {y, y}, true);
  return line;
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
      // In bytes here; build_sweep_plot scales to the axis unit.
      return {QStringLiteral("Peak memory"), QStringLiteral("peak memory"),
              [](const SweepRunPoint& r) {
                return r.summary.peak_memory_bytes > 0
                           ? static_cast<double>(r.summary.peak_memory_bytes)
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
      // Best here; the final value is drawn beside it (build_sweep_plot): a gap between the two
      // is a run that peaked and then got worse.
      if (has_accuracy(runs))
        return {QStringLiteral("Validation accuracy"), QStringLiteral("val accuracy"),
                [](const SweepRunPoint& r) { return r.summary.best_val_accuracy; }};
      return {QStringLiteral("Validation loss"), QStringLiteral("val loss"),
              [](const SweepRunPoint& r) { return r.summary.best_val_loss; }};
  }
  return {};
}

}  // namespace

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

std::optional<TargetConfig> stop_target_of(const std::string& config_json) {
  const auto j = nlohmann::json::parse(config_json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  const auto stop = j.find("stop");
  if (stop == j.end() || !stop->is_object()) return std::nullopt;
  const auto t = stop->find("target");
  if (t == stop->end() || !t->is_object()) return std::nullopt;
  const std::string metric = t->value("metric", std::string());
  const auto value = t->find("value");
  if (value == t->end() || !value->is_number()) return std::nullopt;
  for (TargetMetric m :
       {TargetMetric::val_accuracy, TargetMetric::val_loss, TargetMetric::train_loss})
    if (to_string(m) == metric) return TargetConfig{m, value->get<double>()};
  return std::nullopt;
}

QString time_fit_text(const TimeToTargetFit& fit) {
  if (const auto b = fit.fastest_batch()) {
    QString text = QStringLiteral("fastest at B ≈ %1 (T ≈ %2)")
                       .arg(batch_text(*b), format_duration(fit.time_at(*b)));
    if (*b > fit.largest_batch) text += QStringLiteral(", beyond the sweep");
    if (*b < fit.smallest_batch) text += QStringLiteral(", below the sweep");
    return text;
  }
  if (fit.beta > 0.0) return QStringLiteral("larger batches keep getting faster");
  if (fit.gamma > 0.0) return QStringLiteral("smaller batches keep getting faster");
  return QStringLiteral("the batch size does not change the time");
}

void legend_below(QCustomPlot& plot, int columns) {
  auto* row = new QCPLayoutGrid;
  plot.plotLayout()->addElement(plot.plotLayout()->rowCount(), 0, row);
  row->setMargins(QMargins(5, 0, 5, 5));
  row->addElement(0, 0, plot.legend);
  // foColumnsFirst fills a row up to `wrap` items, then starts the next row; setting the order
  // after the wrap rearranges the items already there.
  plot.legend->setWrap(columns);
  plot.legend->setFillOrder(QCPLegend::foColumnsFirst, true);
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
                      const SweepOverlays& overlays) {
  QCustomPlot* plot = &target;
  const Metric metric = metric_for(runs, kind);
  plot->plotLayout()->insertRow(0);
  auto* title = new QCPTextElement(plot, metric.title, title_font(*plot));
  plot->plotLayout()->addElement(0, 0, title);
  // Memory: one unit for the whole axis, the largest measured or predicted value's.
  const bool memory = kind == SweepPlotKind::peak_memory;
  double largest_bytes = 0.0;
  for (const SweepRunPoint& r : runs)
    largest_bytes = std::max({largest_bytes, static_cast<double>(r.summary.peak_memory_bytes),
                              static_cast<double>(r.summary.predicted_memory_bytes)});
  const MemoryUnit unit = memory_unit(largest_bytes);
  plot->yAxis->setLabel(memory ? metric.axis + QStringLiteral(" (%1)").arg(unit.name)
                               : metric.axis);
  // Rates as 1.97M, like every other rate in BatchLab, not as 1.97·10⁶ beside 750000.
  if (kind == SweepPlotKind::throughput) plot->yAxis->setTicker(QSharedPointer<SiTicker>::create());

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
      points.push_back({r.batch, memory ? metric.value(r) / unit.bytes : metric.value(r)});
  }
  lo = std::max(lo, 1.0);
  hi = std::max(hi, 1.0);
  log2_batch_axis(*plot, lo, hi);

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
  graph->setName(kind == SweepPlotKind::val_metric ? QStringLiteral("best (mean)")
                                                   : QStringLiteral("measured (mean)"));
  graph->setPen(QPen(QColor(31, 119, 180), 1.6));
  graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
  graph->setData(xs, ys, true);
  if (std::any_of(agg.begin(), agg.end(), [](const BatchAggregate& a) { return a.count > 1; })) {
    auto* bars = new QCPErrorBars(plot->xAxis, plot->yAxis);
    bars->setName(QStringLiteral("min–max over repeats"));
    bars->setDataPlottable(graph);
    bars->setData(QSharedPointer<QCPErrorBarsDataContainer>::create(spread));
  }

  if (kind == SweepPlotKind::val_metric) {
    const bool accuracy = has_accuracy(runs);
    std::vector<BatchPoint> finals;
    for (const SweepRunPoint& r : runs)
      if (r.batch > 0.0 && r.status != RunStatus::out_of_memory && r.status != RunStatus::diverged)
        finals.push_back(
            {r.batch, accuracy ? r.summary.final_val_accuracy : r.summary.final_val_loss});
    QVector<double> fx, fy;
    for (const BatchAggregate& a : aggregate_by_batch(finals)) {
      fx << a.batch;
      fy << a.mean;
      ymin = std::min(ymin, a.mean);
      ymax = std::max(ymax, a.mean);
    }
    if (!fx.isEmpty()) {
      QCPGraph* final_graph = plot->addGraph();
      final_graph->setName(QStringLiteral("final (mean)"));
      final_graph->setPen(QPen(QColor(44, 160, 44), 1.2, Qt::DashLine));
      final_graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, 5));
      final_graph->setData(fx, fy, true);
    }
  }

  const double x_lo = lo / 1.5;
  const double x_hi = hi * 1.5;
  if (kind == SweepPlotKind::val_metric) {
    // Runs that stop at a target on this metric all end near it: without the line and a word
    // the flat points read as "batch size does not matter".
    const bool accuracy = has_accuracy(runs);
    std::optional<double> stop;
    for (const SweepRunPoint& r : runs)
      if (r.target &&
          r.target->metric == (accuracy ? TargetMetric::val_accuracy : TargetMetric::val_loss)) {
        stop = r.target->value;
        break;
      }
    if (stop) {
      limit_line(*plot, QStringLiteral("stop target (%1)").arg(format_number(*stop, 3)), *stop,
                 QPen(QColor(90, 90, 90), 1.2, Qt::DashLine), x_lo, x_hi);
      ymin = std::min(ymin, *stop);
      ymax = std::max(ymax, *stop);
      auto* note = new QCPItemText(plot);
      note->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
      note->position->setType(QCPItemPosition::ptAxisRectRatio);
      note->position->setCoords(0.02, 0.02);
      note->setFont(title_font(*plot));
      note->setText(
          // Two short lines: the tile is a third of the window wide.
          QStringLiteral("Runs stopped at the target (dashed):\n"
                         "where they stopped, not their best."));
      note->setClipToAxisRect(true);
      QFont f = note->font();
      f.setBold(false);
      f.setPixelSize(10);
      note->setFont(f);
    }
  }
  if (kind == SweepPlotKind::steps_to_target && overlays.steps_fit) {
    const ScalingFit& f = *overlays.steps_fit;
    QVector<double> fx, fy;
    sample_curve(
        x_lo, x_hi, points, [&](double b) { return f.steps_at(b); }, fx, fy);
    QCPGraph* fit = plot->addGraph();
    fit->setName(QStringLiteral("fit: S_min = %1, B_noise = %2")
                     .arg(format_number(f.s_min, 3), format_number(f.b_noise, 3)));
    fit->setPen(QPen(QColor(214, 39, 40), 1.2, Qt::DashLine));
    fit->setData(fx, fy, true);
    ymin = std::min(ymin, f.s_min);
  }
  if (kind == SweepPlotKind::time_to_target && overlays.time_fit) {
    const TimeToTargetFit& f = *overlays.time_fit;
    QVector<double> fx, fy;
    sample_curve(
        x_lo, x_hi, points, [&](double b) { return f.time_at(b); }, fx, fy);
    QCPGraph* fit = plot->addGraph();
    fit->setName(QStringLiteral("fit: ") + time_fit_text(f));
    fit->setPen(QPen(QColor(214, 39, 40), 1.2, Qt::DashLine));
    fit->setData(fx, fy, true);
    if (const auto best = f.fastest_batch(); best && *best > x_lo && *best < x_hi)
      ymin = std::min(ymin, f.time_at(*best));
  }
  if (kind == SweepPlotKind::peak_memory) {
    // The memory model per batch size, out-of-memory runs included: their prediction is above
    // the budget, which is why they failed. Older stored runs have no prediction (0).
    std::vector<BatchPoint> predicted;
    for (const SweepRunPoint& r : runs)
      if (r.batch > 0.0 && r.summary.predicted_memory_bytes > 0)
        predicted.push_back(
            {r.batch, static_cast<double>(r.summary.predicted_memory_bytes) / unit.bytes});
    if (!predicted.empty()) {
      QVector<double> mx, my;
      for (const BatchAggregate& a : aggregate_by_batch(predicted)) {
        mx << a.batch;
        my << a.mean;
        ymin = std::min(ymin, a.mean);
        ymax = std::max(ymax, a.mean);
      }
      QCPGraph* model = plot->addGraph();
      model->setName(QStringLiteral("memory model"));
      model->setPen(QPen(QColor(255, 127, 14), 1.4, Qt::DashLine));
      model->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, QColor(255, 127, 14),
                                             QColor(255, 127, 14), 5));
      model->setData(mx, my, true);
    }
    const MemoryLimits& limits = overlays.limits;
    const double per_mib = kMiB / unit.bytes;  // the limits come in MiB
    if (limits.budget_mib) {
      const double budget = *limits.budget_mib * per_mib;
      limit_line(*plot,
                 QStringLiteral("memory budget (%1)")
                     .arg(format_bytes(static_cast<std::int64_t>(*limits.budget_mib * kMiB))),
                 budget, QPen(QColor(90, 90, 90), 1.2, Qt::DotLine), x_lo, x_hi);
      ymax = std::max(ymax, budget);
    }
    // An out-of-memory run did not fit: its mark stands at what the memory model says it
    // needed (above the budget line), not at the bytes it held when refused.
    QVector<double> oom_x, oom_y;
    for (const SweepRunPoint& r : runs)
      if (r.status == RunStatus::out_of_memory && r.batch > 0.0 &&
          r.summary.predicted_memory_bytes > 0) {
        oom_x << r.batch;
        oom_y << static_cast<double>(r.summary.predicted_memory_bytes) / unit.bytes;
        ymax = std::max(ymax, oom_y.back());
      }
    if (!oom_x.isEmpty()) {
      QCPGraph* oom = plot->addGraph();
      oom->setName(QStringLiteral("did not fit (memory model)"));
      oom->setLineStyle(QCPGraph::lsNone);
      oom->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCross, QColor(200, 0, 0), 9));
      oom->setData(oom_x, oom_y);
      failed.erase(
          std::remove_if(failed.begin(), failed.end(), [&](double b) { return oom_x.contains(b); }),
          failed.end());
    }
    if (limits.device_mib) {
      // A GPU's memory is often thousands of times a small model's peak: drawn to scale it would
      // flatten every point onto the axis, so then the legend gives it instead of the axis.
      const double data_top = std::isfinite(ymax) ? ymax : 0.0;
      const bool to_scale = *limits.device_mib * per_mib <= 4.0 * data_top;
      const QString size = format_bytes(static_cast<std::int64_t>(*limits.device_mib * kMiB));
      limit_line(*plot,
                 to_scale ? QStringLiteral("device memory (%1)").arg(size)
                          : QStringLiteral("device memory (%1, above this scale)").arg(size),
                 *limits.device_mib * per_mib, QPen(Qt::black, 1.2, Qt::DashDotDotLine), x_lo,
                 x_hi);
      if (to_scale) ymax = std::max(ymax, *limits.device_mib * per_mib);
    }
  }
  if (!std::isfinite(ymin) || !std::isfinite(ymax)) {  // nothing measured (a budget at most)
    ymin = 0.0;
    ymax = std::isfinite(ymax) ? ymax : 1.0;
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
    legend_below(*plot, 2);  // two columns: half the rows, so the axes keep their height
  else
    plot->legend->setVisible(false);
}

}  // namespace batchlab
