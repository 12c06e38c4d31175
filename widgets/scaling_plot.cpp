#include "widgets/scaling_plot.h"

#include <cmath>

#include <qcustomplot.h>
#include <QVBoxLayout>

#include "widgets/format.h"
#include "widgets/sweep_plots.h"

namespace batchlab {
namespace {

// Weak and strong in the first two run colours of the default palette's spirit: blue, orange.
const QColor kWeak(31, 119, 180);
const QColor kStrong(255, 127, 14);

QCPGraph* add_curve(QCustomPlot& plot, QCPAxis* value_axis, const QString& name, QColor colour,
                    Qt::PenStyle style, QCPScatterStyle::ScatterShape marker) {
  QCPGraph* g = plot.addGraph(plot.xAxis, value_axis);
  g->setName(name);
  QPen pen(colour, 2.0);
  pen.setStyle(style);
  g->setPen(pen);
  g->setScatterStyle(QCPScatterStyle(marker, colour, 6));
  return g;
}

// Three significant digits from µs to s: a small model computes a sample in microseconds.
QString short_time(double s) {
  if (s < 1e-3) return QStringLiteral("%1 µs").arg(s * 1e6, 0, 'g', 3);
  if (s < 1) return QStringLiteral("%1 ms").arg(s * 1e3, 0, 'g', 3);
  return QStringLiteral("%1 s").arg(s, 0, 'g', 3);
}

}  // namespace

ScalingPlotParts build_scaling_plot(QCustomPlot& plot, const ScalingInputs& in,
                                    const QString& link) {
  ScalingPlotParts parts;
  parts.weak = predict_scaling(in, ScalingMode::weak);  // throws for a model it cannot make
  parts.strong = predict_scaling(in, ScalingMode::strong);

  plot.clearGraphs();
  plot.clearItems();
  plot.plotLayout()->clear();
  plot.plotLayout()->addElement(0, 0, new QCPAxisRect(&plot));
  auto* rect = static_cast<QCPAxisRect*>(plot.plotLayout()->element(0, 0));
  plot.xAxis = rect->axis(QCPAxis::atBottom);
  plot.yAxis = rect->axis(QCPAxis::atLeft);
  plot.xAxis2 = rect->axis(QCPAxis::atTop);
  plot.yAxis2 = rect->axis(QCPAxis::atRight);
  plot.legend = new QCPLegend;
  rect->insetLayout()->addElement(plot.legend, Qt::AlignRight | Qt::AlignTop);
  plot.legend->setVisible(true);
  style_plot_fonts(plot);

  auto* title = new QCPTextElement(
      &plot, QStringLiteral("Scaling over R replicas — %1\n%2")
                 .arg(QString::fromLatin1(kScalingModelWords),
                      QStringLiteral("from one run: %1 per sample, batch %2, gradient %3; link %4")
                          .arg(short_time(in.compute_s_per_sample))
                          .arg(in.batch)
                          .arg(format_bytes(static_cast<std::int64_t>(in.gradient_bytes)))
                          .arg(link)));
  QFont tf = plot.font();
  tf.setPixelSize(12);
  tf.setBold(true);
  title->setFont(tf);
  plot.plotLayout()->insertRow(0);
  plot.plotLayout()->addElement(0, 0, title);

  // R on a log₂ axis, 1 … 1024 (or the model's last row).
  plot.xAxis->setScaleType(QCPAxis::stLogarithmic);
  auto ticker = QSharedPointer<QCPAxisTickerLog>::create();
  ticker->setLogBase(2.0);
  ticker->setSubTickCount(0);
  plot.xAxis->setTicker(ticker);
  plot.xAxis->setNumberFormat(QStringLiteral("g"));
  plot.xAxis->setNumberPrecision(6);
  plot.xAxis->setLabel(QStringLiteral("replicas R (log₂ axis)"));
  const double r_max = parts.weak.back().replicas;
  plot.xAxis->setRange(0.8, r_max * 1.25);

  plot.yAxis->setScaleType(QCPAxis::stLogarithmic);
  plot.yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
  plot.yAxis->setNumberFormat(QStringLiteral("gb"));
  plot.yAxis->setLabel(QStringLiteral("predicted samples/s (log axis)"));
  plot.yAxis2->setVisible(true);
  plot.yAxis2->setLabel(QStringLiteral("scaling efficiency (%)"));
  plot.yAxis2->setRange(0.0, 105.0);

  parts.weak_rate = add_curve(plot, plot.yAxis, QStringLiteral("weak: samples/s"), kWeak,
                              Qt::SolidLine, QCPScatterStyle::ssDisc);
  parts.strong_rate = add_curve(plot, plot.yAxis, QStringLiteral("strong: samples/s"), kStrong,
                                Qt::SolidLine, QCPScatterStyle::ssDisc);
  parts.weak_efficiency = add_curve(plot, plot.yAxis2, QStringLiteral("weak: efficiency"), kWeak,
                                    Qt::DashLine, QCPScatterStyle::ssCircle);
  parts.strong_efficiency = add_curve(plot, plot.yAxis2, QStringLiteral("strong: efficiency"),
                                      kStrong, Qt::DashLine, QCPScatterStyle::ssCircle);
  double lo = 0.0, hi = 0.0;
  const auto fill = [&](const std::vector<ScalingRow>& rows, QCPGraph* rate, QCPGraph* eff) {
    QVector<double> r, sps, e;
    for (const auto& row : rows) {
      r << row.replicas;
      sps << row.samples_per_s;
      e << 100.0 * row.efficiency;
      lo = lo == 0.0 ? row.samples_per_s : std::min(lo, row.samples_per_s);
      hi = std::max(hi, row.samples_per_s);
    }
    rate->setData(r, sps, true);
    eff->setData(r, e, true);
  };
  fill(parts.weak, parts.weak_rate, parts.weak_efficiency);
  fill(parts.strong, parts.strong_rate, parts.strong_efficiency);
  plot.yAxis->setRange(lo / 1.6, hi * 1.6);

  // Weak scaling's global batch R·B passes B_noise at R = B_noise / B: past it, more replicas
  // buy throughput but little progress per example (McCandlish et al. 2018).
  parts.note = new QCPItemText(&plot);
  parts.note->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
  parts.note->position->setType(QCPItemPosition::ptAxisRectRatio);
  parts.note->position->setCoords(0.02, 0.98);
  parts.note->setClipToAxisRect(true);
  parts.note->setColor(QColor(90, 90, 90));
  if (!std::isfinite(in.b_noise)) {
    parts.note->setText(
        QStringLiteral("B_noise not measured: turn on the noise scale to see "
                       "where more replicas stop paying"));
  } else {
    const double cross = in.b_noise / static_cast<double>(in.batch);
    QString text = QStringLiteral("B_noise ≈ %1").arg(format_number(in.b_noise, 3));
    if (cross >= 1.0 && cross <= r_max) {
      parts.b_noise_replicas = cross;
      parts.b_noise_line = new QCPItemStraightLine(&plot);
      parts.b_noise_line->setPen(QPen(QColor(200, 30, 30), 1.5, Qt::DotLine));
      parts.b_noise_line->point1->setCoords(cross, 1.0);
      parts.b_noise_line->point2->setCoords(cross, 2.0);
      text += QStringLiteral(": weak scaling's global batch R·B passes it at R ≈ %1 (dotted)")
                  .arg(format_number(cross, 3));
    } else if (cross < 1.0) {
      text += QStringLiteral(": the run's batch %1 is past it already").arg(in.batch);
    } else {
      text += QStringLiteral(": not reached by R = %1").arg(r_max);
    }
    parts.note->setText(text);
  }
  return parts;
}

ScalingPlot::ScalingPlot(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  plot_ = new QCustomPlot(this);
  plot_->setObjectName(QStringLiteral("scalingPlot"));
  plot_->setMinimumSize(480, 320);
  layout->addWidget(plot_);
}

bool ScalingPlot::setInputs(const ScalingInputs& in, const QString& link, QString& error) {
  try {
    parts_ = build_scaling_plot(*plot_, in, link);
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
    parts_ = {};
    plot_->clearGraphs();
    plot_->clearItems();
    plot_->replot();
    return false;
  }
  plot_->replot();
  return true;
}

}  // namespace batchlab
