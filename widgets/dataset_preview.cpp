#include "widgets/dataset_preview.h"

#include <QLabel>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "qcustomplot.h"
#include "widgets/image_grid.h"
#include "widgets/sweep_plots.h"

namespace batchlab {
namespace {

QColor class_colour(int label) {
  // ColorBrewer Set1: classes must not be mistaken for runs, which use Tableau 10.
  static constexpr QRgb kSet1[] = {0xe41a1c, 0x377eb8, 0x4daf4a, 0x984ea3, 0xff7f00,
                                   0xa65628, 0xf781bf, 0x999999, 0xdede00, 0x00ced1};
  return QColor::fromRgb(kSet1[static_cast<unsigned>(label) % 10]);
}

}  // namespace

DatasetPreview::DatasetPreview(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  title_ = new QLabel(this);
  title_->setWordWrap(true);
  layout->addWidget(title_);
  pages_ = new QStackedWidget(this);
  layout->addWidget(pages_);

  scatter_ = new QCustomPlot(pages_);
  scatter_->setMinimumHeight(200);
  scatter_->xAxis->setLabel(tr("feature 0"));
  scatter_->yAxis->setLabel(tr("feature 1"));
  scatter_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  // The class legend in its own row under the axes, never over the points it names.
  legend_below(*scatter_, 4);
  scatter_->legend->setVisible(false);
  grid_ = new ImageGrid(pages_);
  message_ = new QLabel(pages_);
  message_->setWordWrap(true);
  message_->setAlignment(Qt::AlignCenter);
  message_->setMinimumHeight(80);
  pages_->addWidget(scatter_);
  pages_->addWidget(grid_);
  pages_->addWidget(message_);
  pages_->setCurrentWidget(message_);

  debounce_ = new QTimer(this);
  debounce_->setSingleShot(true);
  debounce_->setInterval(200);
  connect(debounce_, &QTimer::timeout, this, &DatasetPreview::start);
  connect(&watcher_, &QFutureWatcher<Result>::finished, this, &DatasetPreview::onFinished);
}

DatasetPreview::~DatasetPreview() {
  // The worker holds copies only; waiting keeps the pool from outliving the window quietly.
  watcher_.waitForFinished();
}

void DatasetPreview::showDataset(const DatasetConfig& config, std::uint64_t seed) {
  pending_ = config;
  seed_ = seed;
  ++generation_;
  debounce_->start();
}

QString DatasetPreview::message() const {
  return message_->text();
}

void DatasetPreview::start() {
  if (watcher_.isRunning()) {
    // The running request's result will be discarded; ask again when it ends.
    debounce_->start();
    return;
  }
  mode_ = Mode::loading;
  message_->setText(tr("Loading preview…"));
  if (pages_->currentWidget() == message_) message_->setStyleSheet({});
  const DatasetConfig config = pending_;
  const std::uint64_t seed = seed_;
  const int generation = generation_;
  watcher_.setFuture(QtConcurrent::run([config, seed, generation] {
    Result r;
    r.generation = generation;
    try {
      r.sample = make_preview_sample(config, seed);
    } catch (const std::exception& e) {
      r.error = QString::fromUtf8(e.what());
    }
    return r;
  }));
}

void DatasetPreview::onFinished() {
  Result r = watcher_.result();
  if (r.generation != generation_) return;  // overtaken: the debounce timer asks again
  if (!r.error.isEmpty()) {
    mode_ = Mode::error;
    sample_ = {};
    title_->setText(tr("No preview"));
    message_->setText(r.error);
    message_->setStyleSheet(QStringLiteral("color: #c0392b;"));
    pages_->setCurrentWidget(message_);
    emit updated();
    return;
  }
  sample_ = std::move(r.sample);
  title_->setText(sample_.title);
  if (!sample_.images.empty()) {
    mode_ = Mode::images;
    grid_->setImages(sample_.images, sample_.image_labels, sample_.class_names);
    pages_->setCurrentWidget(grid_);
  } else {
    mode_ = Mode::scatter;
    showScatter();
    pages_->setCurrentWidget(scatter_);
  }
  emit updated();
}

void DatasetPreview::showScatter() {
  scatter_->clearGraphs();
  scatter_->xAxis->setLabel(sample_.x_label);
  scatter_->yAxis->setLabel(sample_.y_label);
  const int classes = sample_.regression ? 1 : std::max<int>(1, sample_.class_names.size());
  std::vector<QVector<double>> xs(static_cast<std::size_t>(classes));
  std::vector<QVector<double>> ys(static_cast<std::size_t>(classes));
  for (std::size_t i = 0; i < sample_.points.size(); ++i) {
    const int c = std::clamp(sample_.labels[i], 0, classes - 1);
    xs[static_cast<std::size_t>(c)].push_back(sample_.points[i][0]);
    ys[static_cast<std::size_t>(c)].push_back(sample_.points[i][1]);
  }
  scatter_->legend->setVisible(!sample_.regression && classes <= 10);
  QFont legend_font = font();
  legend_font.setPointSizeF(legend_font.pointSizeF() * 0.8);
  scatter_->legend->setFont(legend_font);
  for (int c = 0; c < classes; ++c) {
    QCPGraph* g = scatter_->addGraph();
    g->setLineStyle(QCPGraph::lsNone);
    const QColor colour = sample_.regression ? QColor(0x377eb8) : class_colour(c);
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, colour, colour, 3.5));
    g->setData(xs[static_cast<std::size_t>(c)], ys[static_cast<std::size_t>(c)]);
    g->setName(sample_.regression ? QString() : sample_.class_names.value(c));
    if (sample_.regression) g->removeFromLegend();
  }
  scatter_->rescaleAxes();
  scatter_->xAxis->scaleRange(1.08);
  scatter_->yAxis->scaleRange(1.08);
  scatter_->replot();
}

}  // namespace batchlab
