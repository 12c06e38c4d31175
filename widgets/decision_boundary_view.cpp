#include "widgets/decision_boundary_view.h"

#include <algorithm>

#include <QVBoxLayout>
#include <QtConcurrent>

#include "qcustomplot.h"

namespace batchlab {
namespace {

QColor light(const QColor& c) {
  // A region colour: the class colour mixed 70 % with white, so points on top stay readable.
  return QColor::fromRgbF(0.3f * c.redF() + 0.7f, 0.3f * c.greenF() + 0.7f, 0.3f * c.blueF() + 0.7f);
}

}  // namespace

DecisionBoundaryView::DecisionBoundaryView(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  plot_ = new QCustomPlot(this);
  layout->addWidget(plot_);
  plot_->plotLayout()->insertRow(0);
  title_ = new QCPTextElement(plot_, tr("Decision boundary"));
  plot_->plotLayout()->addElement(0, 0, title_);
  plot_->xAxis->setLabel(tr("feature 1 (standardised)"));
  plot_->yAxis->setLabel(tr("feature 2 (standardised)"));
  map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
  map_->setInterpolate(false);
  map_->setTightBoundary(true);
  later_.setSingleShot(true);
  connect(&later_, &QTimer::timeout, this, &DecisionBoundaryView::startNext);
  connect(&watcher_, &QFutureWatcher<BoundaryGrid>::finished, this, &DecisionBoundaryView::onComputed);
  restyle();
}

DecisionBoundaryView::~DecisionBoundaryView() { watcher_.waitForFinished(); }

void DecisionBoundaryView::setData(const Dataset& points) {
  for (QCPGraph* g : classes_) plot_->removeGraph(g);
  classes_.clear();
  usable_ = points.task == Task::classification && points.features == 2 && points.rows > 0;
  if (!usable_) {
    title_->setText(tr("Decision boundary: needs a 2-D classification set (this one has %1 "
                       "features)").arg(points.features));
    plot_->replot();
    return;
  }
  class_count_ = static_cast<int>(points.outputs);
  range_ = grid_range_for(points);
  const std::int64_t stride = std::max<std::int64_t>(1, points.rows / kMaxPoints);
  for (int c = 0; c < class_count_; ++c) {
    QCPGraph* g = plot_->addGraph();
    g->setLineStyle(QCPGraph::lsNone);
    g->setName(c < static_cast<int>(points.class_names.size())
                   ? QString::fromStdString(points.class_names[static_cast<std::size_t>(c)])
                   : tr("class %1").arg(c));
    classes_.push_back(g);
  }
  for (std::int64_t i = 0; i < points.rows; i += stride) {
    const float* p = points.row(i);
    classes_[static_cast<std::size_t>(points.labels[static_cast<std::size_t>(i)])]->addData(p[0], p[1]);
  }
  plot_->xAxis->setRange(range_.x0, range_.x1);
  plot_->yAxis->setRange(range_.y0, range_.y1);
  restyle();
}

void DecisionBoundaryView::setSnapshot(const MlpSpec& spec, std::vector<float> parameters,
                                       std::int64_t step) {
  if (!usable_ || spec.inputs != 2 || spec.task != Task::classification) return;
  pending_ = Snapshot{spec, std::move(parameters), step};
  startNext();
}

void DecisionBoundaryView::startNext() {
  if (!pending_ || watcher_.isRunning()) return;  // onComputed starts the pending one
  if (since_start_.isValid() && since_start_.elapsed() < kMinIntervalMs) {
    if (!later_.isActive()) later_.start(kMinIntervalMs - static_cast<int>(since_start_.elapsed()));
    return;
  }
  Snapshot s = std::move(*pending_);
  pending_.reset();
  computing_step_ = s.step;
  since_start_.start();
  const GridRange range = range_;
  watcher_.setFuture(QtConcurrent::run([s = std::move(s), range] {
    return predict_boundary_grid(s.spec, s.parameters, range, kGrid, kGrid);
  }));
}

void DecisionBoundaryView::onComputed() {
  try {
    grid_ = watcher_.result();
    grid_step_ = computing_step_;
    drawGrid();
    emit gridReady(grid_step_);
  } catch (const std::exception& e) {
    title_->setText(tr("Decision boundary: %1").arg(QString::fromUtf8(e.what())));
    plot_->replot(QCustomPlot::rpQueuedReplot);
  }
  startNext();
}

void DecisionBoundaryView::drawGrid() {
  if (!grid_) return;
  const BoundaryGrid& g = *grid_;
  // A new data object handed over with setData: writing cells of the map's own data leaves
  // its cached image as it was (QCustomPlot 2.1 redraws the image only when told).
  auto* data = new QCPColorMapData(g.nx, g.ny, QCPRange(g.cellX(0), g.cellX(g.nx - 1)),
                                   QCPRange(g.cellY(0), g.cellY(g.ny - 1)));
  for (int j = 0; j < g.ny; ++j)
    for (int i = 0; i < g.nx; ++i) data->setCell(i, j, g.at(i, j));
  map_->setData(data, false);  // the map takes ownership
  // QCustomPlot picks a level by truncating (value − lower)·(levels − 1)/range: with the range
  // 0 … classes − 1, class c is level c exactly (a range of ±½ around the classes put two
  // classes on one level).
  map_->setDataRange(QCPRange(0, std::max(class_count_, 2) - 1));
  title_->setText(tr("Decision boundary after step %L1").arg(grid_step_));
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void DecisionBoundaryView::setPlotStyle(const PlotStyle& style) {
  style_ = style;
  restyle();
}

void DecisionBoundaryView::restyle() {
  // One flat colour per class: a gradient with a stop at each class's value and as many levels
  // as classes, so the map never blends two classes into a third colour.
  QCPColorGradient gradient;
  gradient.clearColorStops();
  const int n = std::max(class_count_, 2);
  for (int c = 0; c < n; ++c)
    gradient.setColorStopAt(n == 1 ? 0.0 : static_cast<double>(c) / (n - 1), light(style_.runColour(c + 1)));
  gradient.setLevelCount(n);
  map_->setGradient(gradient);
  for (std::size_t c = 0; c < classes_.size(); ++c) {
    const QColor colour = style_.runColour(static_cast<std::int64_t>(c) + 1);
    classes_[c]->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, colour.darker(115),
                                                 colour, style_.marker_size * 0.8));
  }
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
