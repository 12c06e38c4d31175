#include "widgets/loss_plot.h"

#include <cmath>
#include <limits>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>

#include "widgets/format.h"

namespace batchlab {

QString x_axis_label(XAxisKind kind) {
  switch (kind) {
    case XAxisKind::step:
      return QStringLiteral("step");
    case XAxisKind::samples:
      return QStringLiteral("samples seen");
    case XAxisKind::epoch:
      return QStringLiteral("epoch");
    case XAxisKind::wall:
      return QStringLiteral("wall time (s)");
  }
  return {};
}

LossPlot::LossPlot(const SeriesModel& model, QWidget* parent)
    : LivePlot(model, tr("Loss — per step (line), validation (●)"), parent),
      legend_(plot()) {
  x_choice_ = new QComboBox(this);
  for (int k = 0; k < kXAxisKindCount; ++k)
    x_choice_->addItem(x_axis_label(static_cast<XAxisKind>(k)));
  x_choice_->setToolTip(tr("What the x axis counts"));
  smoothing_ = new QSlider(Qt::Horizontal, this);
  smoothing_->setRange(0, 99);
  smoothing_->setValue(60);
  smoothing_->setMaximumWidth(180);
  smoothing_->setToolTip(tr("Exponential moving average weight, debiased (as in TensorBoard)"));
  smoothing_label_ = new QLabel(this);
  smoothing_label_->setMinimumWidth(smoothing_label_->fontMetrics().horizontalAdvance("0.99 "));
  log_y_ = new QCheckBox(tr("log y"), this);

  controls()->addWidget(new QLabel(tr("x:"), this));
  controls()->addWidget(x_choice_);
  controls()->addSpacing(12);
  controls()->addWidget(new QLabel(tr("smoothing:"), this));
  controls()->addWidget(smoothing_);
  controls()->addWidget(smoothing_label_);
  controls()->addSpacing(12);
  controls()->addWidget(log_y_);
  controls()->addStretch(1);

  plot()->yAxis->setLabel(tr("loss (mean per sample)"));
  plot()->xAxis->setLabel(x_axis_label(XAxisKind::step));
  smoothing_label_->setText(QString::number(smoothing(), 'f', 2));

  use_count_ticks(plot()->xAxis, true);
  connect(x_choice_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int k) {
    const auto kind = static_cast<XAxisKind>(k);
    plot()->xAxis->setLabel(x_axis_label(kind));
    use_count_ticks(plot()->xAxis, kind == XAxisKind::step || kind == XAxisKind::samples);
    resetView();  // the old range means nothing on the new axis
    emit viewSettingsChanged();
  });
  connect(smoothing_, &QSlider::valueChanged, this, [this] {
    smoothing_label_->setText(QString::number(smoothing(), 'f', 2));
    refresh();
    emit viewSettingsChanged();
  });
  connect(log_y_, &QCheckBox::toggled, this, [this](bool on) {
    programmatic([&] {
      plot()->yAxis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
      if (on)
        plot()->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
      else
        plot()->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
      fitValueAxis();
    });
    refresh();
    emit viewSettingsChanged();
  });
}

void LossPlot::setXAxis(XAxisKind kind) {
  x_choice_->setCurrentIndex(static_cast<int>(kind));
}
XAxisKind LossPlot::xAxis() const {
  return static_cast<XAxisKind>(x_choice_->currentIndex());
}
void LossPlot::setSmoothing(double weight) {
  smoothing_->setValue(static_cast<int>(std::lround(weight * 100)));
}
double LossPlot::smoothing() const {
  return smoothing_->value() / 100.0;
}
void LossPlot::setLogY(bool on) {
  log_y_->setChecked(on);
}
bool LossPlot::logY() const {
  return log_y_->isChecked();
}

QCPGraph* LossPlot::rawGraph(std::int64_t run_id) const {
  const auto it = graphs_.find(run_id);
  return it == graphs_.end() ? nullptr : it->second.raw;
}
QCPGraph* LossPlot::smoothGraph(std::int64_t run_id) const {
  const auto it = graphs_.find(run_id);
  return it == graphs_.end() ? nullptr : it->second.smooth;
}
QCPGraph* LossPlot::validationGraph(std::int64_t run_id) const {
  const auto it = graphs_.find(run_id);
  return it == graphs_.end() ? nullptr : it->second.val;
}

LossPlot::RunGraphs& LossPlot::graphsFor(const RunSeries& run) {
  auto [it, inserted] = graphs_.try_emplace(run.run_id);
  if (inserted) {
    // Pens follow in rebuild, from the style.
    it->second.raw = plot()->addGraph();
    it->second.smooth = plot()->addGraph();
    it->second.val = plot()->addGraph();
  }
  return it->second;
}

void LossPlot::dropStaleGraphs() {
  for (auto it = graphs_.begin(); it != graphs_.end();) {
    if (model().find(it->first)) {
      ++it;
      continue;
    }
    plot()->removeGraph(it->second.raw);
    plot()->removeGraph(it->second.smooth);
    plot()->removeGraph(it->second.val);
    cache_.erase(it->first);
    it = graphs_.erase(it);
  }
}

LossPlot::RunCache& LossPlot::cacheFor(const RunSeries& run) const {
  RunCache& cache = cache_[run.run_id];
  const double weight = smoothing();
  if (cache.generation != run.generation || cache.smoothed.size() > run.loss.size()) {
    cache = RunCache{-1, -1, DebiasedEma(0.0), {}, {}, {}};
    cache.generation = run.generation;
  }
  if (cache.weight != weight) {
    cache.weight = weight;
    cache.ema = DebiasedEma(weight);
    cache.smoothed.clear();
    cache.smooth_pyramid.clear();
  }
  // Only the points that arrived since the last refresh are smoothed: the EMA is causal.
  for (std::size_t i = cache.smoothed.size(); i < run.loss.size(); ++i)
    cache.smoothed.push_back(std::isfinite(run.loss[i]) ? cache.ema.push(run.loss[i])
                                                        : std::numeric_limits<double>::quiet_NaN());
  cache.raw_pyramid.extend(run.loss);
  cache.smooth_pyramid.extend(cache.smoothed);
  return cache;
}

const Column& LossPlot::smoothed(const RunSeries& run) const {
  return cacheFor(run).smoothed;
}

void LossPlot::rebuild(const QCPRange& x_range, int buckets) {
  dropStaleGraphs();
  const PlotStyle& st = style();
  const XAxisKind kind = xAxis();
  const bool smooth_on = smoothing() > 0;
  std::vector<const RunSeries*> named;  // runs with a curve, for the legend
  for (const auto& [id, run] : model().runs()) {
    RunGraphs& g = graphsFor(run);
    g.raw->setVisible(run.visible);
    g.smooth->setVisible(run.visible && smooth_on);
    g.val->setVisible(run.visible);
    if (!run.visible) continue;
    const QColor colour = st.runColour(id);
    QColor raw_colour = colour;
    if (smooth_on) raw_colour.setAlpha(st.faint_alpha);
    g.raw->setPen(QPen(raw_colour, smooth_on ? st.thin_width : st.line_width));
    if (run.steps.size() > 0) named.push_back(&run);

    const RunCache& cache = cacheFor(run);
    const Column& xs = run.steps.get(kind);
    decimate_min_max(xs, run.loss, x_range.lower, x_range.upper, buckets, scratch_,
                     &cache.raw_pyramid);
    set_graph_data(g.raw, scratch_);
    // Antialiasing a dense zigzag costs far more than it shows; keep it for sparse views.
    g.raw->setAntialiased(!smooth_on && static_cast<int>(scratch_.x.size()) < buckets);
    if (smooth_on) {
      decimate_min_max(xs, cache.smoothed, x_range.lower, x_range.upper, buckets, scratch_,
                       &cache.smooth_pyramid);
      set_graph_data(g.smooth, scratch_);
      // A dense zigzag is a band either way; a thin pen draws it many times faster.
      const bool sparse = static_cast<int>(scratch_.x.size()) < buckets;
      g.smooth->setAntialiased(sparse);
      g.smooth->setPen(QPen(colour, sparse ? st.line_width : st.thin_width));
    }
    decimate_min_max(run.evals.get(kind), run.val_loss, x_range.lower, x_range.upper, buckets,
                     scratch_);
    set_graph_data(g.val, scratch_);
    // Hundreds of circles read as a smear and cost tens of milliseconds to draw: past a few
    // per 8 pixels, validation becomes a dotted line.
    const bool dense = static_cast<int>(scratch_.x.size()) > buckets / 8;
    g.val->setLineStyle(dense ? QCPGraph::lsLine : QCPGraph::lsNone);
    g.val->setScatterStyle(dense ? QCPScatterStyle(QCPScatterStyle::ssNone)
                                 : QCPScatterStyle(QCPScatterStyle::ssCircle,
                                                   QPen(colour.darker(120), st.detail_width),
                                                   Qt::white, st.marker_size));
    g.val->setPen(QPen(colour.darker(130), st.detail_width, Qt::DotLine));
  }
  const std::vector<QString> labels = run_legend_labels(named);
  std::vector<RunLegend::Entry> entries;
  for (std::size_t i = 0; i < named.size(); ++i)
    entries.push_back({QPen(st.runColour(named[i]->run_id), st.line_width), labels[i]});
  legend_.setEntries(std::move(entries));
}

bool LossPlot::dataXRange(QCPRange& range) const {
  bool found = false;
  const XAxisKind kind = xAxis();
  for (const auto& [id, run] : model().runs()) {
    if (!run.visible) continue;
    for (const Column* xs : {&run.steps.get(kind), &run.evals.get(kind)}) {
      if (xs->empty()) continue;
      const QCPRange r(xs->front(), xs->back());
      range = found ? QCPRange(std::min(range.lower, r.lower), std::max(range.upper, r.upper)) : r;
      found = true;
    }
  }
  return found;
}

std::optional<LivePlot::Hit> LossPlot::nearest(const QPointF& pixel) const {
  const XAxisKind kind = xAxis();
  const double key = plot()->xAxis->pixelToCoord(pixel.x());
  const bool smooth_on = smoothing() > 0;
  std::optional<Hit> best;
  double best_dist = 30.0;  // pixels: farther than this is not "under the cursor"
  auto consider = [&](double x, double y, auto&& describe) {
    const double dx = plot()->xAxis->coordToPixel(x) - pixel.x();
    const double dy = plot()->yAxis->coordToPixel(y) - pixel.y();
    const double dist = std::hypot(dx, dy);
    if (dist < best_dist) {
      best_dist = dist;
      best = Hit{x, y, describe()};
    }
  };
  for (const auto& [id, run] : model().runs()) {
    if (!run.visible) continue;
    const QString who = QStringLiteral("#%1 %2").arg(id).arg(QString::fromStdString(run.name));
    const Column& shown = smooth_on ? smoothed(run) : run.loss;
    const long i = nearest_finite_index(run.steps.get(kind), shown, key);
    if (i >= 0) {
      const auto u = static_cast<std::size_t>(i);
      consider(run.steps.get(kind)[u], shown[u], [&] {
        QString text = QStringLiteral("%1\nstep %2 · epoch %3 · %4 samples · %5\ntrain loss %6")
                           .arg(who)
                           .arg(run.steps.get(XAxisKind::step)[u], 0, 'f', 0)
                           .arg(run.steps.get(XAxisKind::epoch)[u], 0, 'f', 3)
                           .arg(run.steps.get(XAxisKind::samples)[u], 0, 'f', 0)
                           .arg(format_duration(run.steps.get(XAxisKind::wall)[u]))
                           .arg(format_number(run.loss[u], 6));
        if (smooth_on) text += QStringLiteral(" (smoothed %1)").arg(format_number(shown[u], 6));
        return text;
      });
    }
    const long j = nearest_finite_index(run.evals.get(kind), run.val_loss, key);
    if (j >= 0) {
      const auto u = static_cast<std::size_t>(j);
      consider(run.evals.get(kind)[u], run.val_loss[u], [&] {
        QString text = QStringLiteral("%1\nvalidation at step %2 · epoch %3\nval loss %4")
                           .arg(who)
                           .arg(run.evals.get(XAxisKind::step)[u], 0, 'f', 0)
                           .arg(run.evals.get(XAxisKind::epoch)[u], 0, 'f', 3)
                           .arg(format_number(run.val_loss[u], 6));
        if (std::isfinite(run.val_accuracy[u]))
          text += QStringLiteral(" · accuracy %1 %").arg(run.val_accuracy[u] * 100, 0, 'f', 2);
        return text;
      });
    }
  }
  return best;
}

}  // namespace batchlab
