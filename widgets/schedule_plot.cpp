#include "widgets/schedule_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <QHBoxLayout>
#include <QLabel>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent>

#include "engine/data/load_dataset.h"
#include "engine/experiment/config_io.h"
#include "engine/metrics/noise_scale.h"
#include "widgets/elided_label.h"

namespace batchlab {
namespace {

const QColor kPlanColour(120, 120, 120);

QCPGraph* legend_entry(QCustomPlot* plot, const QString& name, QCPAxis* value_axis) {
  // A graph without data: it only stands for its line style in the legend (pens: styleChanged).
  QCPGraph* g = plot->addGraph(plot->xAxis, value_axis);
  g->setName(name);
  g->addToLegend();
  return g;
}

QPen lr_pen(const QColor& colour, const PlotStyle& style) {
  return QPen(colour, style.detail_width, Qt::DashDotLine);
}

// An epoch's short last batch (1600 rows at B=256 end each epoch with 64): a one-step dip at
// an epoch's end, not part of the schedule.
bool is_epoch_tail(const std::vector<SchedulePoint>& plan, std::size_t i) {
  const SchedulePoint& p = plan[i];
  const bool one_step = i + 1 == plan.size() || plan[i + 1].step == p.step + 1;
  const bool epoch_end = std::abs(p.epoch - std::round(p.epoch)) < 1e-9;
  return i > 0 && p.batch_size < plan[i - 1].batch_size && one_step && epoch_end;
}

void set_lr_data(QCPGraph* graph, const std::vector<SchedulePoint>& plan) {
  QVector<QCPGraphData> data;
  data.reserve(static_cast<qsizetype>(plan.size()));
  for (const auto& p : plan) data.append(QCPGraphData(static_cast<double>(p.step), p.lr));
  graph->data()->set(data, true);
}

// A step line of batch sizes at one point per pixel, each the largest batch in its pixel: an
// epoch's short tail batch would otherwise draw a solid band under a long schedule. Zoomed in
// to a step per pixel, the tails show as they ran.
template <typename XCol, typename YCol>
void max_per_bucket(const XCol& x, const YCol& y, double lo, double hi, int buckets,
                    DecimatedSeries& out) {
  out.x.clear();
  out.y.clear();
  const std::size_t n = std::min(x.size(), y.size());
  if (n == 0 || !(hi >= lo) || buckets < 1) return;
  // A step line holds each value until the next point: start from the one holding at `lo`.
  std::size_t i = lower_index(x, n, lo);
  if (i > 0) --i;
  const double width = std::max((hi - lo) / buckets, 1e-12);
  long last_bucket = std::numeric_limits<long>::min();
  for (; i < n; ++i) {
    const double v = y[i];
    if (!std::isfinite(v)) continue;
    const long bucket = static_cast<long>(std::floor((x[i] - lo) / width));
    if (bucket == last_bucket) {
      out.y.back() = std::max(out.y.back(), v);
    } else {
      out.x.push_back(x[i]);
      out.y.push_back(v);
      last_bucket = bucket;
    }
    if (x[i] > hi) break;  // one point past the view keeps the line to the edge
  }
}

QString format_lr(double lr) {
  return QString::number(lr, 'g', 3);
}

}  // namespace

SchedulePlot::SchedulePlot(const SeriesModel& model, QWidget* parent)
    : LivePlot(model, tr("Batch size, learning rate and noise scale"), parent) {
  QCustomPlot* p = plot();
  p->setAutoAddPlottableToLegend(false);
  p->xAxis->setLabel(tr("step"));
  use_count_ticks(p->xAxis, true);
  p->yAxis->setLabel(tr("examples (log₂)"));
  auto ticker = QSharedPointer<QCPAxisTickerLog>::create();
  ticker->setLogBase(2);
  p->yAxis->setTicker(ticker);
  programmatic([&] {
    p->yAxis->setScaleType(QCPAxis::stLogarithmic);
    p->yAxis->setRange(1, 1024);
  });
  p->yAxis->setNumberFormat(QStringLiteral("g"));
  p->yAxis2->setVisible(true);
  p->yAxis2->setLabel(tr("learning rate"));

  plan_batch_ = p->addGraph();
  plan_batch_->setLineStyle(QCPGraph::lsStepLeft);
  plan_lr_ = p->addGraph(p->xAxis, p->yAxis2);
  plan_lr_->setLineStyle(QCPGraph::lsStepLeft);

  // The legend explains line styles once; colours are the runs' (as in the runs table).
  key_batch_ = legend_entry(p, tr("batch"), p->yAxis);
  key_lr_ = legend_entry(p, tr("learning rate (right)"), p->yAxis2);
  key_noise_ = legend_entry(p, tr("noise scale"), p->yAxis);
  styleChanged();
  plan_batch_->setName(tr("planned"));
  plan_batch_->addToLegend();
  p->legend->setVisible(true);
  // Two entries a row: the tile beside the loss plot is narrow.
  p->legend->setWrap(2);
  p->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  p->legend->setBorderPen(Qt::NoPen);
  p->legend->setIconSize(22, 10);
  // Below the axes rather than over the lines it explains.
  p->plotLayout()->addElement(2, 0, p->legend);
  p->plotLayout()->setRowStretchFactor(2, 0.001);
  p->legend->setMargins(QMargins(4, 0, 4, 2));

  // The plan's text can be long: elided in a narrow tile, whole in the tooltip.
  plan_label_ = new ElidedLabel(this);
  plan_tip_ =
      tr("The planned schedule (grey, dashed) of the form's experiment, or of the run that just "
         "started. Time limits and targets can end a run before the plan does.");
  plan_label_->setToolTip(plan_tip_);
  controls()->addWidget(plan_label_, 1);
  hint_label_ = new QLabel(this);
  hint_label_->setWordWrap(true);
  hint_label_->setContentsMargins(6, 0, 6, 2);
  hint_label_->setVisible(false);
  hint_label_->setToolTip(
      tr("B_simple, the gradient noise scale (McCandlish et al. 2018), approximates the "
         "critical batch size"));
  static_cast<QVBoxLayout*>(layout())->addWidget(hint_label_);

  debounce_ = new QTimer(this);
  debounce_->setSingleShot(true);
  debounce_->setInterval(250);
  connect(debounce_, &QTimer::timeout, this, &SchedulePlot::startPlanning);
  connect(&watcher_, &QFutureWatcher<RowCount>::finished, this, &SchedulePlot::onRowsCounted);
}

SchedulePlot::~SchedulePlot() {
  watcher_.waitForFinished();
}

void SchedulePlot::styleChanged() {
  const PlotStyle& st = style();
  plan_batch_->setPen(QPen(kPlanColour, st.detail_width, Qt::DashLine));
  plan_lr_->setPen(QPen(kPlanColour, st.detail_width * 0.8, Qt::DotLine));
  key_batch_->setPen(QPen(Qt::black, st.line_width));
  key_lr_->setPen(lr_pen(Qt::black, st));
  key_noise_->setPen(Qt::NoPen);
  key_noise_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, Qt::black, st.dot_size));
  // Line samples grow with a larger legend font (22 × 10 at the default).
  const int h = QFontMetrics(plot()->legend->font()).height();
  plot()->legend->setIconSize(std::max(22, h * 8 / 5), std::max(10, h * 2 / 3));
}

QCPGraph* SchedulePlot::batchGraph(std::int64_t run_id) const {
  const auto it = graphs_.find(run_id);
  return it == graphs_.end() ? nullptr : it->second.batch;
}
QCPGraph* SchedulePlot::lrGraph(std::int64_t run_id) const {
  const auto it = graphs_.find(run_id);
  return it == graphs_.end() ? nullptr : it->second.lr;
}
QCPGraph* SchedulePlot::noiseGraph(std::int64_t run_id) const {
  const auto it = graphs_.find(run_id);
  return it == graphs_.end() ? nullptr : it->second.noise;
}

void SchedulePlot::setPlan(std::vector<SchedulePoint> plan, const QString& origin) {
  // A plan given from outside (a run that started) wins over a form plan still being worked out.
  debounce_->stop();
  ++generation_;
  applyPlan(std::move(plan), origin);
}

void SchedulePlot::applyPlan(std::vector<SchedulePoint> plan, const QString& origin) {
  plan_ = std::move(plan);
  if (plan_.empty()) {
    plan_text_ = tr("No planned schedule (%1)").arg(origin);
  } else {
    // An epoch's short last batch (1600 rows at B=256 end each epoch with 64) is not part of
    // the schedule: leave it out of the range and say it once.
    std::int64_t lo = 0, hi = 0;
    bool tails = false;
    for (std::size_t i = 0; i < plan_.size(); ++i) {
      const SchedulePoint& p = plan_[i];
      if (is_epoch_tail(plan_, i)) {
        tails = true;
        continue;
      }
      lo = lo == 0 ? p.batch_size : std::min(lo, p.batch_size);
      hi = std::max(hi, p.batch_size);
    }
    const QString batch_range =
        lo == hi ? QString::number(lo) : QStringLiteral("%1 to %2").arg(lo).arg(hi);
    QString batch = batch_range;
    if (tails) batch += tr(" (shorter last batch per epoch)");
    const auto [lr_lo, lr_hi] = std::minmax_element(
        plan_.begin(), plan_.end(),
        [](const SchedulePoint& a, const SchedulePoint& b) { return a.lr < b.lr; });
    const QString lr = lr_lo->lr == lr_hi->lr
                           ? format_lr(lr_lo->lr)
                           : tr("%1 to %2").arg(format_lr(lr_lo->lr), format_lr(lr_hi->lr));
    plan_text_ = tr("Planned (%1): %2 steps, batch %3, LR %4")
                     .arg(origin)
                     .arg(plan_.back().step)
                     .arg(batch, lr);
    // The tile shows the short form (a narrow tile at 1280 × 800 must not cut it); the tooltip
    // and planText() keep the whole sentence.
    plan_short_ = tr("Plan (%1): %2 steps · B %3 · LR %4")
                      .arg(origin)
                      .arg(plan_.back().step)
                      .arg(batch_range, lr);
  }
  plan_label_->setFullText(plan_.empty() ? plan_text_ : plan_short_);
  plan_label_->setToolTip(plan_text_ + QStringLiteral("\n\n") + plan_tip_);
  plan_steps_.clear();
  plan_batches_.clear();
  for (std::size_t i = 0; i < plan_.size(); ++i) {
    plan_steps_.push_back(static_cast<double>(plan_[i].step));
    // Held through an epoch's tail: zoomed in, a constant batch would otherwise be a comb.
    plan_batches_.push_back(is_epoch_tail(plan_, i) ? plan_batches_.back()
                                                    : static_cast<double>(plan_[i].batch_size));
  }
  set_lr_data(plan_lr_, plan_);
  refresh();
  emit planChanged();
}

QString SchedulePlot::planText() const {
  return plan_text_;
}

void SchedulePlot::planFor(const RunConfig& config) {
  pending_ = config;
  debounce_->start();
}

void SchedulePlot::startPlanning() {
  const QString signature = QString::fromStdString(run_config_to_json(pending_)["dataset"].dump()) +
                            QString::number(pending_.seed);
  if (signature == rows_.signature && rows_.error.isEmpty()) {
    applyPlan(planned_schedule(pending_, rows_.rows), tr("form"));
    return;
  }
  // Only the row count needs the data; the plan itself is cheap arithmetic.
  const int generation = ++generation_;
  const DatasetConfig dataset = pending_.dataset;
  const auto seed = static_cast<std::uint64_t>(pending_.seed);
  watcher_.setFuture(QtConcurrent::run([generation, signature, dataset, seed] {
    RowCount out{generation, signature, 0, {}};
    try {
      out.rows = load_dataset(dataset, seed, "form").train.rows;
    } catch (const std::exception& e) {
      out.error = QString::fromUtf8(e.what());
    }
    return out;
  }));
}

void SchedulePlot::onRowsCounted() {
  const RowCount result = watcher_.result();
  if (result.generation != generation_) return;  // overtaken by a newer edit
  rows_ = result;
  if (!rows_.error.isEmpty()) {
    applyPlan({}, tr("form: %1").arg(rows_.error));
    return;
  }
  applyPlan(planned_schedule(pending_, rows_.rows), tr("form"));
}

void SchedulePlot::rebuild(const QCPRange& x_range, int buckets) {
  // The batch lines keep the largest batch of every 2 px: an epoch's one-step short tail
  // (1600 rows at B=256 end each epoch with 64) would otherwise draw a comb of vertical
  // strokes whenever a step is narrower than that. Zoomed in, the tails show.
  // Fewer steps in view than that: every step has its own bucket, drawn exactly.
  const int batch_buckets = x_range.size() > buckets / 2.0 ? std::max(1, buckets / 2) : buckets;
  for (auto it = graphs_.begin(); it != graphs_.end();) {
    if (model().find(it->first)) {
      ++it;
      continue;
    }
    plot()->removeGraph(it->second.batch);
    plot()->removeGraph(it->second.lr);
    plot()->removeGraph(it->second.noise);
    it = graphs_.erase(it);
  }
  const PlotStyle& st = style();
  for (const auto& [id, run] : model().runs()) {
    auto [it, inserted] = graphs_.try_emplace(id);
    RunGraphs& g = it->second;
    if (inserted) {
      g.batch = plot()->addGraph();
      g.batch->setLineStyle(QCPGraph::lsStepLeft);
      g.lr = plot()->addGraph(plot()->xAxis, plot()->yAxis2);
      g.lr->setLineStyle(QCPGraph::lsStepLeft);
      g.noise = plot()->addGraph();
      g.noise->setLineStyle(QCPGraph::lsNone);
    }
    for (QCPGraph* graph : {g.batch, g.lr, g.noise}) graph->setVisible(run.visible);
    if (!run.visible) continue;
    const QColor colour = st.runColour(id);
    g.batch->setPen(QPen(colour, st.line_width));
    g.lr->setPen(lr_pen(colour, st));
    g.noise->setPen(QPen(colour, st.thin_width));
    g.noise->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, colour, st.dot_size));
    const Column& xs = run.steps.get(XAxisKind::step);
    max_per_bucket(xs, run.step_batch, x_range.lower, x_range.upper, batch_buckets, scratch_);
    set_graph_data(g.batch, scratch_);
    decimate_min_max(xs, run.lr, x_range.lower, x_range.upper, buckets, scratch_);
    set_graph_data(g.lr, scratch_);
    decimate_min_max(xs, run.b_simple, x_range.lower, x_range.upper, buckets, scratch_);
    set_graph_data(g.noise, scratch_);
  }
  max_per_bucket(plan_steps_, plan_batches_, x_range.lower, x_range.upper, batch_buckets, scratch_);
  set_graph_data(plan_batch_, scratch_);
  updateHint();
}

void SchedulePlot::updateHint() {
  if (!hint_label_) return;  // a rebuild while the constructor is still setting up
  const QString hint = hintText();
  hint_label_->setText(hint);
  hint_label_->setVisible(!hint.isEmpty());
}

QString SchedulePlot::hintText() const {
  // The newest run that measured a noise scale: the one streaming, or the last one ticked.
  for (auto it = model().runs().rbegin(); it != model().runs().rend(); ++it) {
    const RunSeries& run = it->second;
    if (!run.visible || !std::isfinite(run.last_b_simple)) continue;
    const std::string hint = noise_scale_hint(run.last_b_simple, run.last_batch);
    if (hint.empty()) continue;
    return QStringLiteral("#%1: %2").arg(it->first).arg(QString::fromStdString(hint));
  }
  return {};
}

bool SchedulePlot::dataXRange(QCPRange& range) const {
  bool found = false;
  const auto widen = [&](const QCPRange& r) {
    range = found ? QCPRange(std::min(range.lower, r.lower), std::max(range.upper, r.upper)) : r;
    found = true;
  };
  for (const auto& [id, run] : model().runs()) {
    const auto& xs = run.steps.get(XAxisKind::step);
    if (run.visible && !xs.empty()) widen(QCPRange(xs.front(), xs.back()));
  }
  // The ticked runs decide, as in the other plots; the plan (the form's, or a run's that has
  // not stepped yet) only while there is none: a long plan would squeeze a short run.
  if (!found && !plan_.empty())
    widen(
        QCPRange(static_cast<double>(plan_.front().step), static_cast<double>(plan_.back().step)));
  return found;
}

void SchedulePlot::fitValueAxis() {
  LivePlot::fitValueAxis();
  // The batch axis spans whole powers of two, so a constant batch of 32 sits between labelled
  // ticks 16 and 64 (on its own tick 32) instead of on a 30–34 range with no tick at all.
  QCPAxis* y = plot()->yAxis;
  const QCPRange fitted = y->range();
  if (fitted.lower > 0 && fitted.upper > 0) {
    const double lo = std::exp2(std::floor(std::log2(fitted.lower * 1.0001)));
    const double hi = std::exp2(std::ceil(std::log2(fitted.upper / 1.0001)));
    programmatic([&] { y->setRange(std::max(lo, 0.5), hi); });
  }
  QCPAxis* y2 = plot()->yAxis2;
  bool found = false;
  QCPRange range;
  for (int i = 0; i < plot()->plottableCount(); ++i) {
    QCPAbstractPlottable* p = plot()->plottable(i);
    if (!p->visible() || p->valueAxis() != y2) continue;
    bool ok = false;
    const QCPRange r = p->getValueRange(ok);
    if (!ok) continue;
    range = found ? QCPRange(std::min(range.lower, r.lower), std::max(range.upper, r.upper)) : r;
    found = true;
  }
  if (!found) return;
  // From zero, so a warm-up ramp reads as a ramp; a constant LR sits at 90 % of the height.
  y2->setRange(0, std::max(range.upper, 1e-12) / 0.9);
}

std::optional<LivePlot::Hit> SchedulePlot::nearest(const QPointF& pixel) const {
  const double key = plot()->xAxis->pixelToCoord(pixel.x());
  std::optional<Hit> best;
  double best_dist = 30.0;
  for (const auto& [id, run] : model().runs()) {
    if (!run.visible) continue;
    const auto& xs = run.steps.get(XAxisKind::step);
    const long i = nearest_finite_index(xs, run.step_batch, key);
    if (i < 0) continue;
    const auto u = static_cast<std::size_t>(i);
    const double dist = std::hypot(plot()->xAxis->coordToPixel(xs[u]) - pixel.x(),
                                   plot()->yAxis->coordToPixel(run.step_batch[u]) - pixel.y());
    if (dist >= best_dist) continue;
    best_dist = dist;
    QString text = QStringLiteral("#%1 %2\nstep %3\nbatch %4, LR %5")
                       .arg(id)
                       .arg(QString::fromStdString(run.name))
                       .arg(xs[u], 0, 'f', 0)
                       .arg(run.step_batch[u], 0, 'f', 0)
                       .arg(format_lr(run.lr[u]));
    // The noise scale may be measured only every few steps: report the nearest measurement.
    const long j = nearest_finite_index(xs, run.b_simple, xs[u]);
    if (j >= 0)
      text += QStringLiteral("\nB_simple ≈ %1")
                  .arg(run.b_simple[static_cast<std::size_t>(j)], 0, 'f', 0);
    best = Hit{xs[u], run.step_batch[u], text};
  }
  if (!best && !plan_.empty()) {
    // Before a run: what the plan says at this step.
    auto it = std::upper_bound(
        plan_.begin(), plan_.end(), key,
        [](double k, const SchedulePoint& p) { return k < static_cast<double>(p.step); });
    if (it != plan_.begin()) --it;
    const double y = static_cast<double>(it->batch_size);
    const double dist = std::abs(plot()->yAxis->coordToPixel(y) - pixel.y());
    if (dist < 30.0)
      best = Hit{key, y,
                 QStringLiteral("planned from step %1\nbatch %2, LR %3")
                     .arg(it->step)
                     .arg(it->batch_size)
                     .arg(format_lr(it->lr))};
  }
  return best;
}

}  // namespace batchlab
