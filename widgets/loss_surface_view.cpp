#include "widgets/loss_surface_view.h"

#include <algorithm>
#include <cmath>

#include <QVBoxLayout>
#include <QtConcurrent>

#include "qcustomplot.h"

namespace batchlab {

LossSurfaceView::LossSurfaceView(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  plot_ = new QCustomPlot(this);
  layout->addWidget(plot_);
  plot_->plotLayout()->insertRow(0);
  title_ = new QCPTextElement(plot_, tr("Loss surface"));
  plot_->plotLayout()->addElement(0, 0, title_);
  plot_->xAxis->setLabel(tr("weight w"));
  plot_->yAxis->setLabel(tr("bias b"));
  map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
  map_->setInterpolate(true);
  map_->setDataScaleType(QCPAxis::stLogarithmic);
  minimum_ = plot_->addGraph();
  minimum_->setLineStyle(QCPGraph::lsNone);
  connect(&watcher_, &QFutureWatcher<LossSurface>::finished, this, &LossSurfaceView::onComputed);
  restyle();
}

LossSurfaceView::~LossSurfaceView() { watcher_.waitForFinished(); }

void LossSurfaceView::setModel(const MlpSpec& spec, const Dataset& train,
                               std::pair<double, double> start) {
  for (auto& [id, curve] : paths_) plot_->removePlottable(curve);
  paths_.clear();
  minimum_->data()->clear();
  surface_.reset();
  if (mlp_parameter_count(spec) != 2) {
    spec_.reset();
    title_->setText(tr("Loss surface: needs a model with 2 parameters (this one has %L1)")
                        .arg(mlp_parameter_count(spec)));
    plot_->replot();
    return;
  }
  spec_ = spec;
  train_ = train;
  lo0_ = hi0_ = start.first;
  lo1_ = hi1_ = start.second;
  if (const auto best = least_squares_line(train)) {
    minimum_->addData(best->first, best->second);
    growSpanFor(best->first, best->second);
  }
  growSpanFor(start.first, start.second);
  compute();
}

void LossSurfaceView::growSpanFor(double p0, double p1) {
  // Keep a third of the span as margin around what must show, and never less than ±0.5.
  const auto widen = [](double& lo, double& hi, double v) {
    const bool inside = v >= lo && v <= hi;
    double a = std::min(lo, v), b = std::max(hi, v);
    if (!inside || b - a < 1.0) {
      const double mid = 0.5 * (a + b), half = std::max(0.5, 0.5 * (b - a));
      a = std::min(a, mid - half) - half / 3;
      b = std::max(b, mid + half) + half / 3;
    }
    const bool grew = a < lo || b > hi;
    lo = a;
    hi = b;
    return grew;
  };
  const bool grew0 = widen(lo0_, hi0_, p0);
  const bool grew1 = widen(lo1_, hi1_, p1);
  if ((grew0 || grew1) && surface_) compute();
}

void LossSurfaceView::compute() {
  if (!spec_) return;
  if (watcher_.isRunning()) {
    recompute_ = true;
    return;
  }
  recompute_ = false;
  watcher_.setFuture(QtConcurrent::run(
      [spec = *spec_, train = train_, lo0 = lo0_, hi0 = hi0_, lo1 = lo1_, hi1 = hi1_] {
        return compute_loss_surface(spec, train, lo0, hi0, lo1, hi1, kGrid);
      }));
}

void LossSurfaceView::onComputed() {
  try {
    surface_ = watcher_.result();
    const LossSurface& s = *surface_;
    // A new data object through setData, so the map redraws its cached image.
    auto* data = new QCPColorMapData(s.n, s.n, QCPRange(s.p0_lo, s.p0_hi), QCPRange(s.p1_lo, s.p1_hi));
    for (int j = 0; j < s.n; ++j)
      for (int i = 0; i < s.n; ++i) data->setCell(i, j, std::max(s.at(i, j), 1e-12));
    map_->setData(data, false);
    map_->rescaleDataRange(true);
    plot_->xAxis->setRange(s.p0_lo, s.p0_hi);
    plot_->yAxis->setRange(s.p1_lo, s.p1_hi);
    title_->setText(tr("Loss surface (contours of the training loss; × its minimum)"));
    emit surfaceReady();
  } catch (const std::exception& e) {
    title_->setText(tr("Loss surface: %1").arg(QString::fromUtf8(e.what())));
  }
  plot_->replot(QCustomPlot::rpQueuedReplot);
  if (recompute_) compute();
}

void LossSurfaceView::addPoint(std::int64_t run_id, double p0, double p1) {
  if (!spec_) return;
  QCPCurve*& curve = paths_[run_id];
  if (!curve) {
    curve = new QCPCurve(plot_->xAxis, plot_->yAxis);
    curve->setPen(QPen(style_.runColour(run_id), style_.line_width));
    curve->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, style_.dot_size));
    curve->setScatterSkip(0);
  }
  curve->addData(p0, p1);
  growSpanFor(p0, p1);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

std::vector<std::pair<double, double>> LossSurfaceView::path(std::int64_t run_id) const {
  std::vector<std::pair<double, double>> out;
  const auto it = paths_.find(run_id);
  if (it == paths_.end()) return out;
  for (auto p = it->second->data()->constBegin(); p != it->second->data()->constEnd(); ++p)
    out.emplace_back(p->key, p->value);
  return out;
}

void LossSurfaceView::setPlotStyle(const PlotStyle& style) {
  style_ = style;
  restyle();
}

void LossSurfaceView::restyle() {
  // Banded, so equal-loss levels read as contours; light colours, so the paths stand out.
  QCPColorGradient g(QCPColorGradient::gpGrayscale);
  g.clearColorStops();
  g.setColorStopAt(0.0, QColor(250, 250, 255));
  g.setColorStopAt(1.0, QColor(120, 140, 190));
  g.setLevelCount(14);
  map_->setGradient(g);
  minimum_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCross, Qt::black, style_.marker_size * 1.5));
  for (auto& [id, curve] : paths_) curve->setPen(QPen(style_.runColour(id), style_.line_width));
  QFont f = style_.font(font());
  for (QCPAxis* a : {plot_->xAxis, plot_->yAxis}) {
    a->setLabelFont(f);
    a->setTickLabelFont(f);
  }
  QFont t = f;
  t.setBold(true);
  title_->setFont(t);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace batchlab
