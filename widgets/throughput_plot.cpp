#include "widgets/throughput_plot.h"

#include <cmath>

#include <QCheckBox>
#include <QHBoxLayout>

#include "widgets/format.h"

namespace batchlab {

QString SiTicker::getTickLabel(double tick, const QLocale&, QChar, int) {
  const double a = std::abs(tick);
  if (a >= 1e9) return QString::number(tick / 1e9, 'g', 3) + QLatin1Char('G');
  if (a >= 1e6) return QString::number(tick / 1e6, 'g', 3) + QLatin1Char('M');
  if (a >= 1e3) return QString::number(tick / 1e3, 'g', 3) + QLatin1Char('k');
  return QString::number(tick, 'g', 3);
}

ThroughputPlot::ThroughputPlot(const SeriesModel& model, QWidget* parent)
    : LivePlot(model, tr("Throughput — average (line), per step (faint)"), parent),
      legend_(plot()) {
  plot()->xAxis->setLabel(tr("step"));
  use_count_ticks(plot()->xAxis, true);
  plot()->yAxis->setLabel(tr("samples/s"));
  // Large rates read better as 1.2M than as 1.2·10⁶ in a narrow tile.
  plot()->yAxis->setTicker(QSharedPointer<SiTicker>::create());
  // Measured (spirals-mlp, evaluation every epoch): the step right after an evaluation runs
  // ~2.8x faster than the median, because the evaluation already applied that step's pending
  // optimizer update (the CPU backend fuses it into the next forward pass). Said in the plot,
  // so nobody reads the spikes as the batch getting faster.
  spikes_note_ = new QCPItemText(plot());
  spikes_note_->setPositionAlignment(Qt::AlignRight | Qt::AlignTop);
  spikes_note_->position->setType(QCPItemPosition::ptAxisRectRatio);
  spikes_note_->position->setCoords(0.99, 0.01);
  spikes_note_->setText(tr("spikes: steps right after an evaluation"));
  spikes_note_->setColor(QColor(90, 90, 90));
  spikes_note_->setClipToAxisRect(true);
  split_box_ = new QCheckBox(tr("compute / rest"), this);
  split_box_->setToolTip(
      tr("Dashed: the samples/s the forward and backward passes alone would give.\n"
         "The band down to the solid line is the rest of each step: loading the batch, and for\n"
         "data-parallel runs the gradient all-reduce, the wait for the slowest replica and the\n"
         "update."));
  controls()->addStretch(1);
  controls()->addWidget(split_box_);
  connect(split_box_, &QCheckBox::toggled, this, &ThroughputPlot::setSplit);
}

void ThroughputPlot::setSplit(bool on) {
  if (on == split_) return;
  split_ = on;
  split_box_->setChecked(on);
  refresh();
  emit splitChanged(on);
}

QCPGraph* ThroughputPlot::computeGraph(std::int64_t run_id) const {
  const auto it = graphs_.find(run_id);
  return it == graphs_.end() ? nullptr : it->second.compute;
}

QCPGraph* ThroughputPlot::rawGraph(std::int64_t run_id) const {
  const auto it = graphs_.find(run_id);
  return it == graphs_.end() ? nullptr : it->second.raw;
}
QCPGraph* ThroughputPlot::averageGraph(std::int64_t run_id) const {
  const auto it = graphs_.find(run_id);
  return it == graphs_.end() ? nullptr : it->second.avg;
}

void ThroughputPlot::rebuild(const QCPRange& x_range, int buckets) {
  for (auto it = graphs_.begin(); it != graphs_.end();) {
    if (model().find(it->first)) {
      ++it;
      continue;
    }
    plot()->removeGraph(it->second.raw);
    plot()->removeGraph(it->second.avg);
    if (it->second.compute) plot()->removeGraph(it->second.compute);
    cache_.erase(it->first);
    it = graphs_.erase(it);
  }
  const PlotStyle& st = style();
  bool evaluated = false;
  for (const auto& [id, run] : model().runs()) evaluated |= run.visible && run.evals.size() > 0;
  spikes_note_->setVisible(evaluated);
  spikes_note_->setFont(st.legendFont(font()));
  std::vector<const RunSeries*> named;  // runs with a curve, for the legend
  for (const auto& [id, run] : model().runs()) {
    auto [it, inserted] = graphs_.try_emplace(id);
    RunGraphs& g = it->second;
    if (inserted) {
      g.raw = plot()->addGraph();
      g.raw->setAntialiased(false);  // faint per-step noise: crisp and cheap
      g.avg = plot()->addGraph();
    }
    const bool split = split_ && run.visible && run.has_compute;
    if (split && !g.compute) g.compute = plot()->addGraph();
    g.raw->setVisible(run.visible);
    g.avg->setVisible(run.visible);
    if (g.compute) g.compute->setVisible(split);
    g.avg->setChannelFillGraph(split ? g.compute : nullptr);
    if (!run.visible) continue;
    QColor faint = st.runColour(id);
    faint.setAlpha(st.faint_alpha);
    g.raw->setPen(QPen(faint, st.thin_width));
    g.avg->setPen(QPen(st.runColour(id), st.line_width));
    if (!run.samples_per_s_avg.empty()) named.push_back(&run);
    RunCache& cache = cache_[id];
    if (cache.generation != run.generation) cache = RunCache{run.generation, {}, {}, {}};
    cache.raw.extend(run.samples_per_s);
    cache.avg.extend(run.samples_per_s_avg);
    const Column& xs = run.steps.get(XAxisKind::step);
    decimate_min_max(xs, run.samples_per_s, x_range.lower, x_range.upper, buckets, scratch_,
                     &cache.raw);
    set_graph_data(g.raw, scratch_);
    decimate_min_max(xs, run.samples_per_s_avg, x_range.lower, x_range.upper, buckets, scratch_,
                     &cache.avg);
    set_graph_data(g.avg, scratch_);
    g.avg->setAntialiased(static_cast<int>(scratch_.x.size()) < buckets);
    if (split) {
      QColor band = st.runColour(id);
      band.setAlpha(40);
      g.avg->setBrush(band);
      g.compute->setPen(QPen(st.runColour(id), st.line_width, Qt::DashLine));
      cache.compute.extend(run.compute_per_s_avg);
      decimate_min_max(xs, run.compute_per_s_avg, x_range.lower, x_range.upper, buckets, scratch_,
                       &cache.compute);
      set_graph_data(g.compute, scratch_);
    } else {
      g.avg->setBrush(Qt::NoBrush);
    }
  }
  const std::vector<QString> labels = run_legend_labels(named);
  std::vector<RunLegend::Entry> entries;
  for (std::size_t i = 0; i < named.size(); ++i)
    entries.push_back({QPen(st.runColour(named[i]->run_id), st.line_width), labels[i]});
  if (split_ && !entries.empty())
    entries.push_back({QPen(Qt::black, st.line_width, Qt::DashLine), tr("compute alone")});
  legend_.setEntries(std::move(entries));
}

bool ThroughputPlot::dataXRange(QCPRange& range) const {
  bool found = false;
  for (const auto& [id, run] : model().runs()) {
    const auto& xs = run.steps.get(XAxisKind::step);
    if (!run.visible || xs.empty()) continue;
    const QCPRange r(xs.front(), xs.back());
    range = found ? QCPRange(std::min(range.lower, r.lower), std::max(range.upper, r.upper)) : r;
    found = true;
  }
  return found;
}

std::optional<LivePlot::Hit> ThroughputPlot::nearest(const QPointF& pixel) const {
  const double key = plot()->xAxis->pixelToCoord(pixel.x());
  std::optional<Hit> best;
  double best_dist = 30.0;
  for (const auto& [id, run] : model().runs()) {
    if (!run.visible) continue;
    const auto& xs = run.steps.get(XAxisKind::step);
    // The average is what the eye follows; the raw value is reported beside it.
    const long i = nearest_finite_index(xs, run.samples_per_s_avg, key);
    if (i < 0) continue;
    const auto u = static_cast<std::size_t>(i);
    const double dist =
        std::hypot(plot()->xAxis->coordToPixel(xs[u]) - pixel.x(),
                   plot()->yAxis->coordToPixel(run.samples_per_s_avg[u]) - pixel.y());
    if (dist >= best_dist) continue;
    best_dist = dist;
    QString text = QStringLiteral("#%1 %2\nstep %3\n%4 (moving average %5)")
                       .arg(id)
                       .arg(QString::fromStdString(run.name))
                       .arg(xs[u], 0, 'f', 0)
                       .arg(format_rate(run.samples_per_s[u]))
                       .arg(format_rate(run.samples_per_s_avg[u]));
    if (split_ && u < run.compute_per_s_avg.size() && std::isfinite(run.compute_per_s_avg[u]) &&
        run.compute_per_s_avg[u] > 0) {
      // At the same batch the time per sample is the inverse of the rate.
      const double rest = 1.0 - run.samples_per_s_avg[u] / run.compute_per_s_avg[u];
      text += tr("\ncompute alone %1: the rest takes %2 % of the step")
                  .arg(format_rate(run.compute_per_s_avg[u]))
                  .arg(std::max(0.0, rest) * 100.0, 0, 'f', 0);
    }
    if (u < run.allreduce_ms.size())
      text += tr("\nall-reduce %1 ms · replicas idle %2 ms (this step)")
                  .arg(run.allreduce_ms[u], 0, 'f', 2)
                  .arg(run.idle_ms[u], 0, 'f', 2);
    best = Hit{xs[u], run.samples_per_s_avg[u], text};
  }
  return best;
}

}  // namespace batchlab
