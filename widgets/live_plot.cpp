#include "widgets/live_plot.h"

#include <algorithm>
#include <cmath>

#include <QHBoxLayout>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>

namespace batchlab {

LivePlot::LivePlot(const SeriesModel& model, const QString& title, QWidget* parent)
    : QWidget(parent), model_(model) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->setSpacing(2);
  controls_ = new QHBoxLayout;
  controls_->setContentsMargins(6, 0, 6, 0);
  layout->addLayout(controls_);

  plot_ = new QCustomPlot(this);
  plot_->setMinimumSize(240, 160);
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->setNoAntialiasingOnDrag(true);
  // A decimated noisy series is a zigzag of long segments; stroking it as one polyline costs
  // hundreds of milliseconds, drawing the segments one by one a few.
  plot_->setPlottingHint(QCP::phFastPolylines, true);
  plot_->plotLayout()->insertRow(0);
  title_ = new QCPTextElement(plot_, title);
  title_text_ = title;
  plot_->plotLayout()->addElement(0, 0, title_);
  layout->addWidget(plot_, 1);

  tracer_ = new QCPItemTracer(plot_);
  tracer_->setStyle(QCPItemTracer::tsCircle);
  tracer_->setBrush(Qt::NoBrush);
  tracer_->setVisible(false);
  applyStyle();

  connect(plot_->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this,
          &LivePlot::onUserRangeChanged);
  connect(plot_->yAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this,
          &LivePlot::onUserRangeChanged);
  connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) { resetView(); });
  connect(plot_, &QCustomPlot::mouseMove, this, &LivePlot::onMouseMove);
  plot_->installEventFilter(this);
  connect(plot_, &QCustomPlot::afterReplot, this,
          [this] { slowest_replot_ms_ = std::max(slowest_replot_ms_, plot_->replotTime(false)); });
}

void LivePlot::setStyle(const PlotStyle& style) {
  style_ = style;
  applyStyle();
  elideTitle();  // its width depends on the font
  styleChanged();
  refresh();
}

void LivePlot::applyStyle() {
  const QFont base = font();
  QFont title_font = style_.font(base);
  title_font.setBold(true);
  title_->setFont(title_font);
  const QFont text = style_.font(base);
  for (QCPAxis* axis : plot_->axisRect()->axes()) {
    axis->setLabelFont(text);
    axis->setTickLabelFont(text);
  }
  plot_->legend->setFont(style_.legendFont(base));
  tracer_->setSize(style_.marker_size + 2);
  tracer_->setPen(QPen(Qt::black, style_.detail_width));
}

void LivePlot::elideTitle() {
  // A narrow tile shortens its title rather than cutting it at both ends.
  title_->setText(QFontMetrics(title_->font())
                      .elidedText(title_text_, Qt::ElideRight, std::max(40, width() - 16)));
}

int LivePlot::buckets() const {
  return std::max(100, plot_->axisRect()->width());
}

void LivePlot::refresh(bool now) {
  QCPRange range;
  const bool has_data = dataXRange(range);
  if (follow_ && has_data) {
    if (!(range.upper > range.lower)) range = QCPRange(range.lower - 0.5, range.upper + 0.5);
    programmatic([&] { plot_->xAxis->setRange(range); });
  }
  rebuild(plot_->xAxis->range(), buckets());
  // A short tile gets fewer value ticks: at 1280 × 800 five labels in 60 px overlap. About one
  // label per 28 px, two to five (asked of the current ticker, which subclasses may swap).
  const int ticks = std::clamp(plot_->axisRect()->height() / 28, 2, 5);
  for (QCPAxis* axis : {plot_->yAxis, plot_->yAxis2})
    if (axis->ticker()->tickCount() != ticks) axis->ticker()->setTickCount(ticks);
  if (follow_) programmatic([&] { fitValueAxis(); });
  plot_->replot(now ? QCustomPlot::rpRefreshHint : QCustomPlot::rpQueuedReplot);
}

void LivePlot::resetView() {
  follow_ = true;
  refresh();
}

void LivePlot::fitValueAxis() {
  QCPAxis* y = plot_->yAxis;
  bool found = false;
  QCPRange range;
  const QCP::SignDomain domain =
      y->scaleType() == QCPAxis::stLogarithmic ? QCP::sdPositive : QCP::sdBoth;
  for (int i = 0; i < plot_->plottableCount(); ++i) {
    QCPAbstractPlottable* p = plot_->plottable(i);
    if (!p->visible() || p->valueAxis() != y) continue;
    bool ok = false;
    const QCPRange r = p->getValueRange(ok, domain);
    if (!ok) continue;
    range = found ? QCPRange(std::min(range.lower, r.lower), std::max(range.upper, r.upper)) : r;
    found = true;
  }
  if (!found) return;
  if (y->scaleType() == QCPAxis::stLogarithmic) {
    y->setRange(range.lower / 1.15, range.upper * 1.15);
    return;
  }
  double pad = (range.upper - range.lower) * 0.05;
  if (!(pad > 0)) pad = std::max(std::abs(range.upper) * 0.1, 1e-9);
  y->setRange(range.lower - pad, range.upper + pad);
}

void LivePlot::onUserRangeChanged() {
  if (applying_) return;
  // A drag or a wheel zoom: keep the user's view and decimate for what they now see.
  follow_ = false;
  rebuild(plot_->xAxis->range(), buckets());
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

QString LivePlot::hoverAt(const QPoint& pos) {
  const auto hit = nearest(QPointF(pos));
  tracer_->setVisible(hit.has_value());
  if (hit) tracer_->position->setCoords(hit->x, hit->y);
  plot_->replot(QCustomPlot::rpQueuedReplot);
  return hit ? hit->text : QString();
}

void LivePlot::onMouseMove(QMouseEvent* event) {
  if (event->buttons() != Qt::NoButton) return;
  const QString text = hoverAt(event->pos());
  if (text.isEmpty())
    QToolTip::hideText();
  else
    QToolTip::showText(plot_->mapToGlobal(event->pos()), text, plot_);
}

void LivePlot::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  elideTitle();
  // The bucket count follows the width; re-decimate once the layout has settled.
  QTimer::singleShot(0, this, [this] { refresh(); });
}

bool LivePlot::eventFilter(QObject* watched, QEvent* event) {
  if (watched == plot_ && event->type() == QEvent::Leave && tracer_->visible()) {
    tracer_->setVisible(false);
    plot_->replot(QCustomPlot::rpQueuedReplot);
  }
  return QWidget::eventFilter(watched, event);
}

void use_count_ticks(QCPAxis* axis, bool counts) {
  if (!counts) {
    axis->setTicker(QSharedPointer<QCPAxisTicker>::create());
    return;
  }
  // Multiples of 1 (2, 5, 10, ...): never a "step 2.5".
  auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
  ticker->setTickStep(1.0);
  ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
  axis->setTicker(ticker);
}

void set_graph_data(QCPGraph* graph, const DecimatedSeries& points) {
  QVector<QCPGraphData> data(static_cast<qsizetype>(points.x.size()));
  for (qsizetype i = 0; i < data.size(); ++i)
    data[i] =
        QCPGraphData(points.x[static_cast<std::size_t>(i)], points.y[static_cast<std::size_t>(i)]);
  graph->data()->set(data, true);
}

}  // namespace batchlab
