#include "app/report/report_serving.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <qcustomplot.h>

#include "app/report/report_data.h"
#include "engine/core/format_text.h"
#include "widgets/format.h"
#include "widgets/run_palette.h"
#include "widgets/sweep_plots.h"

namespace batchlab {

namespace {

QString esc(const QString& s) { return s.toHtmlEscaped(); }
QString ms(double v) { return QString::fromStdString(text::latency(v * 1e-3)); }
QString rate(double v) {
  return std::isfinite(v) ? QString::fromStdString(text::rate(v)) : QString(kMissing);
}
QString th(const QString& t) { return QStringLiteral("<th>%1</th>").arg(esc(t)); }
QString td(const QString& t) { return QStringLiteral("<td>%1</td>").arg(esc(t)); }
QString num(const QString& t) { return QStringLiteral("<td align=\"right\">%1</td>").arg(esc(t)); }

const char* const kTable =
    "<table class=\"grid\" border=\"1\" cellspacing=\"0\" cellpadding=\"3\">";

double objective_of(const ReportServing& s) {
  double o = 0;
  for (const auto& p : s.points) o = std::max(o, p.objective_ms);
  return o;
}

// One curve per setting: its points by rate, as the sweep ran them.
std::map<QString, std::vector<const ServingPointRow*>> curves_of(const ReportServing& s) {
  std::map<QString, std::vector<const ServingPointRow*>> curves;
  for (const auto& p : s.points) curves[serving_setting_text(p)].push_back(&p);
  for (auto& [name, pts] : curves)
    std::sort(pts.begin(), pts.end(), [](auto* a, auto* b) { return a->rate < b->rate; });
  return curves;
}

std::unique_ptr<QCustomPlot> bare_plot(int w, int h) {
  auto plot = std::make_unique<QCustomPlot>();
  plot->setAttribute(Qt::WA_DontShowOnScreen);
  plot->resize(w, h);
  style_plot_fonts(*plot);
  return plot;
}

QString points_table(const ReportServing& s) {
  QString html = QString::fromLatin1(kTable) + QStringLiteral("<tr>");
  for (const char* h : {"setting", "offered req/s", "served req/s", "p50", "p90", "p99", "max",
                        "queue wait", "compute", "mean batch", "lost", ""})
    html += th(QString::fromUtf8(h));
  html += QStringLiteral("</tr>");
  for (const auto& p : s.points) {
    QString note;
    if (p.best) note = QStringLiteral("★ best");
    else if (p.saturated) note = QStringLiteral("saturated at ≈ %1").arg(rate(p.saturated_at));
    else if (p.meets_objective) note = QStringLiteral("meets");
    html += QStringLiteral("<tr>") + td(serving_setting_text(p)) + num(rate(p.rate)) +
            num(rate(p.throughput)) + num(ms(p.p50_ms)) + num(ms(p.p90_ms)) + num(ms(p.p99_ms)) +
            num(ms(p.max_ms)) + num(ms(p.mean_wait_ms)) + num(ms(p.mean_compute_ms)) +
            num(format_number(p.mean_batch, 3)) + num(QString::number(p.lost())) + td(note) +
            QStringLiteral("</tr>");
  }
  return html + QStringLiteral("</table>");
}

QString best_line(const ReportServing& s) {
  const double objective = objective_of(s);
  if (const ServingPointRow* b = best_serving_point(s.points))
    return QStringLiteral("<p><b>Best under p99 ≤ %1:</b> %2 at %3 req/s (p99 %4).</p>")
        .arg(esc(ms(objective)), esc(serving_setting_text(*b)), esc(rate(b->throughput)),
             esc(ms(b->p99_ms)));
  if (objective > 0)
    return QStringLiteral("<p><b>No setting met p99 ≤ %1</b> with nothing lost at the loads "
                          "tried.</p>")
        .arg(esc(ms(objective)));
  return QStringLiteral("<p>No p99 objective was given, so no best setting is named.</p>");
}

QString inference_table(const ReportInference& in) {
  QString html = QString::fromLatin1(kTable) + QStringLiteral("<tr>");
  for (const char* h : {"batch", "samples/s", "step (median)", "accuracy", "memory measured",
                        "memory model"})
    html += th(QString::fromUtf8(h));
  html += QStringLiteral("</tr>");
  for (const auto& r : in.rows) {
    html += QStringLiteral("<tr>") + num(QString::number(r.batch_size));
    if (!r.fits) {
      html += QStringLiteral("<td colspan=\"5\">did not fit: %1</td></tr>")
                  .arg(esc(QString::fromStdString(r.error)));
      continue;
    }
    html += num(rate(r.samples_per_s)) + num(ms(r.step_ms)) +
            num(std::isfinite(r.accuracy) ? QStringLiteral("%1 %").arg(r.accuracy * 100, 0, 'f', 2)
                                          : QString(kMissing)) +
            num(format_bytes(r.memory_bytes)) + num(format_bytes(r.predicted_bytes)) +
            QStringLiteral("</tr>");
  }
  return html + QStringLiteral("</table>");
}

}  // namespace

QString serving_setting_text(const ServingPointRow& p) {
  if (p.mode == "realtime") return QStringLiteral("real-time serving (batch 1)");
  if (p.mode == "fixed") return QStringLiteral("fixed batching (batch %1)").arg(p.max_batch);
  const QString limit = p.mode == "adaptive" ? QStringLiteral("batch limit ≤ %1").arg(p.max_batch)
                                             : QStringLiteral("max batch %1").arg(p.max_batch);
  return QStringLiteral("%1 batching, %2, max delay %3")
      .arg(QString::fromStdString(p.mode), limit, ms(p.max_delay_ms));
}

const ServingPointRow* histogram_point(const ReportServing& run) {
  if (const ServingPointRow* b = best_serving_point(run.points)) return b;
  const ServingPointRow* most = nullptr;
  for (const auto& p : run.points)
    if (!most || p.throughput > most->throughput) most = &p;
  return most;
}

QString report_serving_html(const ReportData& d) {
  if (d.serving.empty() && d.inference.empty()) return {};
  QString html = QStringLiteral("<h2>Inference and serving</h2>");
  for (const ReportServing& s : d.serving) {
    html += QStringLiteral("<h3>Serving: run #%1 %2</h3>")
                .arg(s.record.id)
                .arg(esc(QString::fromStdString(s.record.name)));
    html += best_line(s) + points_table(s);
    html += QStringLiteral(
        "<p>Latency = queue wait + compute. Lost = dropped + rejected + still queued when the "
        "run ended. A saturated point's load was above what the server could do: its queue "
        "grew.</p>");
  }
  for (const ReportInference& in : d.inference) {
    html += QStringLiteral("<h3>Offline inference: run #%1 %2</h3>")
                .arg(in.record.id)
                .arg(esc(QString::fromStdString(in.record.name)));
    html += QStringLiteral("<p>Forward passes only: no gradients, no optimizer state.</p>") +
            inference_table(in);
  }
  return html;
}

QString report_serving_compare_html(const ReportData& d) {
  if (d.serving.empty() && d.inference.empty()) return {};
  QString html = QStringLiteral("<h2>Inference and serving</h2>") + QString::fromLatin1(kTable) +
                 QStringLiteral("<tr>");
  for (const char* h : {"run", "points", "p99 objective", "best setting", "served req/s", "p99",
                        "highest served req/s", "saturated points"})
    html += th(QString::fromUtf8(h));
  html += QStringLiteral("</tr>");
  for (const ReportServing& s : d.serving) {
    const ServingPointRow* b = best_serving_point(s.points);
    double highest = 0;
    int saturated = 0;
    for (const auto& p : s.points) {
      highest = std::max(highest, p.throughput);
      saturated += p.saturated;
    }
    const double objective = objective_of(s);
    html += QStringLiteral("<tr>") +
            td(QStringLiteral("#%1 %2").arg(s.record.id).arg(QString::fromStdString(s.record.name))) +
            num(QString::number(s.points.size())) +
            num(objective > 0 ? ms(objective) : QString(kMissing)) +
            td(b ? serving_setting_text(*b) : QStringLiteral("none meets it")) +
            num(b ? rate(b->throughput) : QString(kMissing)) +
            num(b ? ms(b->p99_ms) : QString(kMissing)) + num(rate(highest)) +
            num(QString::number(saturated)) + QStringLiteral("</tr>");
  }
  html += QStringLiteral("</table>");
  for (const ReportInference& in : d.inference)
    html += QStringLiteral("<h3>Offline inference: run #%1 %2</h3>")
                .arg(in.record.id)
                .arg(esc(QString::fromStdString(in.record.name))) +
            inference_table(in);
  return html;
}

std::unique_ptr<QCustomPlot> make_serving_curve_plot(const ReportServing& run) {
  auto plot = bare_plot(720, 380);
  plot->setObjectName(QStringLiteral("latency against throughput, run %1").arg(run.record.id));
  plot->xAxis->setLabel(QStringLiteral("throughput (requests served per second)"));
  plot->yAxis->setLabel(QStringLiteral("p99 latency (ms, log axis)"));
  plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
  plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
  plot->legend->setVisible(true);
  plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
  double lo = 1e300, hi = 0, xmax = 0;
  int i = 0;
  for (const auto& [name, pts] : curves_of(run)) {
    QCPGraph* g = plot->addGraph();
    g->setName(name);
    g->setPen(QPen(run_colour(++i), 2.5));
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 7));
    for (const ServingPointRow* p : pts) {
      if (!(p->p99_ms > 0)) continue;  // nothing served: no percentile to draw
      g->addData(p->throughput, p->p99_ms);
      lo = std::min(lo, p->p99_ms);
      hi = std::max(hi, p->p99_ms);
      xmax = std::max(xmax, p->throughput);
    }
  }
  const double objective = objective_of(run);
  if (objective > 0) {
    auto* line = new QCPItemStraightLine(plot.get());
    line->point1->setCoords(0, objective);
    line->point2->setCoords(1, objective);
    line->setPen(QPen(QColor(200, 30, 30), 2, Qt::DashLine));
    auto* label = new QCPItemText(plot.get());
    label->position->setCoords(0, objective);
    label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
    label->setText(QStringLiteral("  p99 objective %1").arg(ms(objective)));
    label->setColor(QColor(200, 30, 30));
    lo = std::min(lo, objective);
    hi = std::max(hi, objective);
  }
  if (const ServingPointRow* b = best_serving_point(run.points)) {
    auto* mark = new QCPItemText(plot.get());
    mark->position->setCoords(b->throughput, b->p99_ms);
    mark->setPositionAlignment(Qt::AlignHCenter | Qt::AlignTop);
    mark->setText(QStringLiteral("★ best"));
    mark->setFont(QFont(plot->font().family(), 11, QFont::Bold));
  }
  if (hi > 0) plot->yAxis->setRange(lo / 1.6, hi * 1.6);
  plot->xAxis->setRange(0, xmax > 0 ? xmax * 1.08 : 1);
  return plot;
}

std::unique_ptr<QCustomPlot> make_batch_histogram_plot(const ReportServing& run) {
  auto plot = bare_plot(720, 300);
  plot->setObjectName(QStringLiteral("batch sizes formed, run %1").arg(run.record.id));
  const ServingPointRow* p = histogram_point(run);
  plot->xAxis->setLabel(p ? QStringLiteral("batch size formed — %1 at %2 req/s offered")
                                .arg(serving_setting_text(*p), rate(p->rate))
                          : QStringLiteral("batch size formed"));
  plot->yAxis->setLabel(QStringLiteral("batches"));
  auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
  bars->setPen(Qt::NoPen);
  bars->setBrush(run_colour(run.record.id));
  bars->setWidth(0.8);
  double top = 0;
  std::size_t last = 1;
  if (p)
    for (std::size_t n = 1; n < p->batch_histogram.size(); ++n) {
      bars->addData(static_cast<double>(n), static_cast<double>(p->batch_histogram[n]));
      top = std::max(top, static_cast<double>(p->batch_histogram[n]));
      if (p->batch_histogram[n] > 0) last = n;
    }
  plot->xAxis->setRange(0.3, static_cast<double>(last) + 0.7);
  plot->yAxis->setRange(0, top > 0 ? top * 1.1 : 1);
  return plot;
}

std::unique_ptr<QCustomPlot> make_inference_plot(const ReportData& d) {
  bool any = false;
  for (const ReportInference& in : d.inference)
    for (const auto& r : in.rows) any |= r.fits && std::isfinite(r.samples_per_s);
  if (!any) return nullptr;
  auto plot = bare_plot(720, 340);
  plot->setObjectName(QStringLiteral("inference samples per second against batch size"));
  plot->yAxis->setLabel(QStringLiteral("samples/s, forward only"));
  plot->legend->setVisible(d.inference.size() > 1);
  double top = 0, lo = 1e300, hi = 0;
  for (const ReportInference& in : d.inference) {
    QCPGraph* g = plot->addGraph();
    g->setName(QStringLiteral("run #%1").arg(in.record.id));
    g->setPen(QPen(run_colour(in.record.id), 2.5));
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 7));
    for (const auto& r : in.rows) {
      if (!r.fits || !std::isfinite(r.samples_per_s)) continue;
      g->addData(static_cast<double>(r.batch_size), r.samples_per_s);
      top = std::max(top, r.samples_per_s);
      lo = std::min(lo, static_cast<double>(r.batch_size));
      hi = std::max(hi, static_cast<double>(r.batch_size));
    }
  }
  log2_batch_axis(*plot, lo, hi);
  plot->xAxis->setLabel(QStringLiteral("inference batch size (log₂ axis)"));
  plot->yAxis->setRange(0, top * 1.1);
  return plot;
}

}  // namespace batchlab
