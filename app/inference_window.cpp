#include "app/inference_window.h"

#include <algorithm>
#include <cmath>

#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QStackedLayout>
#include <QVBoxLayout>

#include "engine/core/errors.h"
#include "engine/core/format_text.h"
#include "engine/experiment/preset_lookup.h"
#include "engine/serve/latency_text.h"
#include "qcustomplot.h"
#include "widgets/plot_style.h"
#include "widgets/sweep_plots.h"

namespace batchlab {
namespace {

constexpr BatchMode kModes[] = {BatchMode::realtime, BatchMode::fixed, BatchMode::dynamic,
                                BatchMode::adaptive};
constexpr ArrivalKind kArrivals[] = {ArrivalKind::poisson, ArrivalKind::constant,
                                     ArrivalKind::bursts};

QString rate_text(double per_s) {
  return QString::fromStdString(text::rate(per_s)) + QStringLiteral(" req/s");
}

QString latency_text(double seconds) { return QString::fromStdString(format_latency(seconds)); }

// "dynamic, max 32, delay 2 ms": one sweep setting, as its curve's legend names it.
QString setting_text(BatchMode mode, std::int64_t max_batch, double max_delay_ms) {
  QString s = QString::fromLatin1(to_string(mode).data());
  if (mode == BatchMode::realtime) return s;
  s += QStringLiteral(", max %1").arg(max_batch);
  if (mode == BatchMode::fixed) return s;
  if (max_delay_ms > 0) s += QStringLiteral(", delay %1 ms").arg(max_delay_ms, 0, 'g', 3);
  return s;
}

QCustomPlot* new_plot(QWidget* parent, const QString& title, const QString& x, const QString& y) {
  auto* p = new QCustomPlot(parent);
  p->setMinimumSize(280, 200);
  p->plotLayout()->insertRow(0);
  p->plotLayout()->addElement(0, 0, new QCPTextElement(p, title, QFont(p->font().family(), -1, QFont::Bold)));
  p->xAxis->setLabel(x);
  p->yAxis->setLabel(y);
  p->setNoAntialiasingOnDrag(true);
  return p;
}

QCPItemStraightLine* horizontal_line(QCustomPlot* p, QColor colour) {
  auto* line = new QCPItemStraightLine(p);
  QPen pen(colour, 1.5, Qt::DashLine);
  line->setPen(pen);
  line->setVisible(false);
  return line;
}

void place_horizontal(QCPItemStraightLine* line, double y) {
  line->point1->setCoords(0, y);
  line->point2->setCoords(1, y);
  line->setVisible(std::isfinite(y) && y > 0);
}

}  // namespace

InferenceWindow::InferenceWindow(std::function<std::optional<RunConfig>()> form_model,
                                 std::filesystem::path store, QWidget* parent)
    : QWidget(parent, Qt::Window), form_model_(std::move(form_model)), store_(std::move(store)) {
  setWindowTitle(tr("BatchLab — Inference"));
  setObjectName(QStringLiteral("inferenceWindow"));
  auto* layout = new QHBoxLayout(this);
  auto* panel = new QWidget(this);
  panel_ = panel;
  buildControls(panel);
  layout->addWidget(panel, 0);
  auto* area = new QWidget(this);
  buildPlots(area);
  layout->addWidget(area, 1);

  connect(&job_, &ServingJob::described, description_, &QLabel::setText);
  connect(&job_, &ServingJob::sample, this, &InferenceWindow::onSample);
  connect(&job_, &ServingJob::finished, this, &InferenceWindow::onFinished);
  connect(&job_, &ServingJob::sweepPoint, this, &InferenceWindow::onSweepPoint);
  connect(&job_, &ServingJob::sweepFinished, this, &InferenceWindow::onSweepFinished);
  connect(&job_, &ServingJob::failed, this, [this](const QString& m) {
    summary_->setText(tr("Could not serve: %1").arg(m));
    updateEnabled();
  });
  resize(1200, 760);
  updateEnabled();
}

InferenceWindow::~InferenceWindow() = default;

void InferenceWindow::setControlsVisible(bool visible) { panel_->setVisible(visible); }

void InferenceWindow::buildControls(QWidget* panel) {
  auto* v = new QVBoxLayout(panel);
  auto* form = new QFormLayout;
  v->addLayout(form);
  model_ = new QComboBox(panel);
  model_->addItem(tr("The experiment form's model (fresh)"), QVariant::fromValue<qint64>(0));
  model_->setToolTip(tr("A fresh model has the form's architecture and seed; a stored run's is "
                        "the one it trained (kept in the run store when the run ended)"));
  form->addRow(tr("Model"), model_);

  preset_box_ = new QComboBox(panel);
  preset_box_->addItem(tr("(none)"));
  for (const PresetInfo& p : list_presets(PresetKind::serving))
    preset_box_->addItem(QString::fromStdString(p.name));
  connect(preset_box_, &QComboBox::activated, this, [this](int index) {
    if (index == 0) {
      preset_.reset();
      sweep_box_->setChecked(false);
      updateEnabled();
      return;
    }
    QString error;
    if (!loadPreset(preset_box_->itemText(index), error)) summary_->setText(error);
  });
  form->addRow(tr("Serving preset"), preset_box_);

  rate_ = new QDoubleSpinBox(panel);
  rate_->setRange(1, 1e7);
  rate_->setDecimals(0);
  rate_->setValue(1000);
  rate_->setSuffix(tr(" req/s"));
  rate_->setToolTip(tr("Offered load λ: requests per second arriving at the server"));
  form->addRow(tr("Offered rate"), rate_);
  arrivals_ = new QComboBox(panel);
  arrivals_->addItems({tr("Poisson (random)"), tr("constant"), tr("bursts of 32")});
  form->addRow(tr("Arrivals"), arrivals_);
  duration_ = new QDoubleSpinBox(panel);
  duration_->setRange(0.5, 3600);
  duration_->setValue(5);
  duration_->setSuffix(tr(" s"));
  form->addRow(tr("Duration"), duration_);

  mode_ = new QComboBox(panel);
  mode_->addItems({tr("real-time (batch 1)"), tr("fixed batch"), tr("dynamic batching"),
                   tr("adaptive (holds the p99)")});
  mode_->setCurrentIndex(2);
  form->addRow(tr("Batcher"), mode_);
  max_batch_ = new QSpinBox(panel);
  max_batch_->setRange(1, 65536);
  max_batch_->setValue(32);
  form->addRow(tr("Max batch"), max_batch_);
  max_delay_ = new QDoubleSpinBox(panel);
  max_delay_->setRange(0, 10000);
  max_delay_->setDecimals(2);
  max_delay_->setSuffix(tr(" ms"));
  max_delay_->setToolTip(tr("How long the oldest request may wait for its batch to fill"));
  form->addRow(tr("Max queue delay"), max_delay_);
  slo_ = new QDoubleSpinBox(panel);
  slo_->setRange(0, 100000);
  slo_->setDecimals(2);
  slo_->setValue(10);
  slo_->setSuffix(tr(" ms"));
  slo_->setSpecialValueText(tr("none"));
  slo_->setToolTip(tr("Latency objective on the p99: drawn on the plots; adaptive holds it; a "
                      "sweep names the best setting under it"));
  form->addRow(tr("p99 objective"), slo_);
  virtual_clock_ = new QCheckBox(tr("Virtual clock (deterministic)"), panel);
  virtual_clock_->setToolTip(tr("Each batch size's service time is measured once on the backend, "
                                "then the run is simulated, faster than real time and the same "
                                "every time; unticked, requests really wait and batches really "
                                "run"));
  form->addRow(QString(), virtual_clock_);
  sweep_box_ = new QCheckBox(tr("Sweep the preset's rates and settings"), panel);
  sweep_box_->setToolTip(tr("Runs every setting of the serving preset's sweep at every offered "
                            "rate and draws the latency–throughput curves"));
  form->addRow(QString(), sweep_box_);

  auto* buttons = new QHBoxLayout;
  serve_button_ = new QPushButton(tr("Serve"), panel);
  serve_button_->setDefault(true);
  stop_button_ = new QPushButton(tr("Stop"), panel);
  buttons->addWidget(serve_button_);
  buttons->addWidget(stop_button_);
  v->addLayout(buttons);
  connect(serve_button_, &QPushButton::clicked, this, &InferenceWindow::serve);
  connect(stop_button_, &QPushButton::clicked, this, &InferenceWindow::stop);
  connect(mode_, &QComboBox::currentIndexChanged, this, &InferenceWindow::updateEnabled);
  connect(slo_, &QDoubleSpinBox::valueChanged, this, &InferenceWindow::setObjectiveLines);

  description_ = new QLabel(panel);
  description_->setWordWrap(true);
  v->addWidget(description_);
  summary_ = new QLabel(panel);
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  summary_->setObjectName(QStringLiteral("servingSummary"));
  v->addWidget(summary_, 1, Qt::AlignTop);
  panel->setMaximumWidth(380);
}

void InferenceWindow::buildPlots(QWidget* area) {
  auto* stack = new QStackedLayout(area);
  live_area_ = new QWidget(area);
  auto* grid = new QGridLayout(live_area_);
  grid->setContentsMargins(0, 0, 0, 0);
  latency_ = new_plot(live_area_, tr("Latency"), tr("time (s)"), tr("latency (ms)"));
  p50_ = latency_->addGraph();
  p50_->setName(tr("p50"));
  p99_ = latency_->addGraph();
  p99_->setName(tr("p99"));
  latency_slo_ = horizontal_line(latency_, QColor(200, 30, 30));
  latency_->legend->setVisible(true);
  histogram_ = new_plot(live_area_, tr("Latency histogram"), tr("latency (ms, log axis)"),
                        tr("requests"));
  histogram_->xAxis->setScaleType(QCPAxis::stLogarithmic);
  histogram_->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
  // A step line over the log-spaced bins: each bin's count held across its own width.
  bars_ = histogram_->addGraph();
  bars_->setLineStyle(QCPGraph::lsStepLeft);
  throughput_ = new_plot(live_area_, tr("Throughput"), tr("time (s)"), tr("requests per second"));
  served_ = throughput_->addGraph();
  served_->setName(tr("served"));
  offered_ = throughput_->addGraph();
  offered_->setName(tr("offered"));
  throughput_->legend->setVisible(true);
  queue_ = new_plot(live_area_, tr("Queue"), tr("time (s)"), tr("requests waiting"));
  depth_ = queue_->addGraph();
  depth_->setName(tr("queue depth"));
  limit_ = queue_->addGraph(queue_->xAxis, queue_->yAxis2);
  limit_->setName(tr("batch limit (right)"));
  limit_->setLineStyle(QCPGraph::lsStepLeft);
  queue_->yAxis2->setVisible(true);
  queue_->yAxis2->setLabel(tr("batch limit"));
  queue_->legend->setVisible(true);
  grid->addWidget(latency_, 0, 0);
  grid->addWidget(histogram_, 0, 1);
  grid->addWidget(throughput_, 1, 0);
  grid->addWidget(queue_, 1, 1);
  stack->addWidget(live_area_);

  sweep_ = new_plot(area, tr("Latency against throughput"), tr("throughput (req/s served)"),
                    tr("p99 latency (ms, log axis)"));
  sweep_->yAxis->setScaleType(QCPAxis::stLogarithmic);
  sweep_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
  sweep_->legend->setVisible(true);
  sweep_slo_ = horizontal_line(sweep_, QColor(200, 30, 30));
  stack->addWidget(sweep_);
  setPlotStyle(default_plot_style());
}

void InferenceWindow::setPlotStyle(const PlotStyle& style) {
  style_ = std::make_unique<PlotStyle>(style);
  for (auto& [name, g] : curves_) styleCurve(g, g->property("curve").toLongLong());
  for (QCPItemStraightLine* line : {latency_slo_, sweep_slo_}) {
    QPen pen = line->pen();
    pen.setWidthF(std::max(1.5, style.detail_width));
    line->setPen(pen);
  }
  const std::vector<std::pair<QCPGraph*, int>> graphs = {
      {p50_, 0}, {p99_, 1}, {served_, 0}, {offered_, 1}, {depth_, 0}, {limit_, 1}};
  for (const auto& [g, colour] : graphs)
    g->setPen(QPen(style.runColour(colour + 1), style.line_width));
  offered_->setPen(QPen(style.runColour(2), style.detail_width, Qt::DashLine));
  bars_->setPen(QPen(style.runColour(1), style.detail_width));
  QColor fill = style.runColour(1);
  fill.setAlpha(90);
  bars_->setBrush(fill);
  for (QCustomPlot* p : {latency_, histogram_, throughput_, queue_, sweep_}) {
    style_plot_fonts(*p);
    if (style.font_pt > 0) {
      for (QCPAxis* a : p->axisRect()->axes()) {
        a->setLabelFont(style.font(a->labelFont()));
        a->setTickLabelFont(style.font(a->tickLabelFont()));
      }
      p->legend->setFont(style.legendFont(p->legend->font()));
    }
  }
  replotAll();
}

void InferenceWindow::setStoredRuns(const std::vector<std::pair<std::int64_t, QString>>& runs) {
  const qint64 current = model_->currentData().toLongLong();
  while (model_->count() > 1) model_->removeItem(1);
  for (const auto& [id, label] : runs) model_->addItem(label, QVariant::fromValue<qint64>(id));
  const int again = model_->findData(QVariant::fromValue<qint64>(current));
  model_->setCurrentIndex(std::max(again, 0));
}

bool InferenceWindow::loadPreset(const QString& name_or_path, QString& error) {
  try {
    showConfig(load_serving_config(name_or_path.toStdString()));
    const int index = preset_box_->findText(name_or_path);
    if (index >= 0) preset_box_->setCurrentIndex(index);
    return true;
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
    return false;
  }
}

bool InferenceWindow::serveConfig(const ServingConfig& config, QString& error) {
  if (job_.running()) {
    error = tr("a serving job is running: stop it first");
    return false;
  }
  showConfig(config);
  model_->setCurrentIndex(0);  // the config's own model, not a stored run
  serve();
  return true;
}

void InferenceWindow::showConfig(const ServingConfig& c) {
  {
    preset_ = c;
    rate_->setValue(c.rate_given ? c.workload.rate : rate_->value());
    for (int i = 0; i < static_cast<int>(std::size(kArrivals)); ++i)
      if (kArrivals[i] == c.workload.arrivals) arrivals_->setCurrentIndex(i);
    if (std::isfinite(c.workload.duration_s)) duration_->setValue(c.workload.duration_s);
    for (int i = 0; i < static_cast<int>(std::size(kModes)); ++i)
      if (kModes[i] == c.batcher.mode) mode_->setCurrentIndex(i);
    max_batch_->setValue(static_cast<int>(c.batcher.max_batch));
    max_delay_->setValue(c.batcher.max_delay_s * 1e3);
    slo_->setValue(c.batcher.slo_p99_s * 1e3);
    virtual_clock_->setChecked(c.virtual_clock);
    sweep_box_->setChecked(!c.sweep.empty());
    description_->setText(QString::fromStdString(c.description));
    updateEnabled();
  }
}

void InferenceWindow::styleCurve(QCPGraph* g, std::int64_t index) const {
  const PlotStyle style = style_ ? *style_ : default_plot_style();
  g->setPen(QPen(style.runColour(index), style.line_width));
  g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, style.marker_size));
}

ServingConfig InferenceWindow::config() const {
  ServingConfig c = preset_.value_or(ServingConfig{});
  if (c.name.empty()) c.name = "inference window";
  const qint64 run_id = model_->currentData().toLongLong();
  if (run_id > 0) {
    c.model = ServingModelSource{};
    c.model.run_id = run_id;
  } else if (!preset_ || (c.model.preset.empty() && !c.model.config)) {
    c.model = ServingModelSource{};
    if (auto form = form_model_ ? form_model_() : std::nullopt) c.model.config = *form;
  }
  c.workload.rate = rate_->value();
  c.rate_given = true;
  c.workload.arrivals = kArrivals[arrivals_->currentIndex()];
  if (c.workload.arrivals == ArrivalKind::bursts) c.workload.burst_size = 32;
  c.workload.duration_s = duration_->value();
  c.batcher.mode = kModes[mode_->currentIndex()];
  c.batcher.max_batch = max_batch_->value();
  c.batcher.max_delay_s = max_delay_->value() / 1e3;
  c.batcher.slo_p99_s = slo_->value() / 1e3;
  c.virtual_clock = virtual_clock_->isChecked();
  if (!sweep_box_->isChecked()) c.sweep = ServeSweepGrid{};
  return c;
}

void InferenceWindow::serve() {
  if (job_.running()) return;
  const ServingConfig c = config();
  if (!c.model.config && c.model.preset.empty() && c.model.run_id == 0) {
    summary_->setText(tr("No model: the experiment form is not valid, and no stored run is "
                         "chosen"));
    return;
  }
  if (c.batcher.mode == BatchMode::adaptive && c.batcher.slo_p99_s <= 0) {
    summary_->setText(tr("The adaptive batcher needs a p99 objective to hold"));
    return;
  }
  clearPlots();
  static_cast<QStackedLayout*>(sweep_->parentWidget()->layout())
      ->setCurrentWidget(c.sweep.empty() ? live_area_ : static_cast<QWidget*>(sweep_));
  summary_->setText(c.sweep.empty() ? tr("Serving…") : tr("Sweeping…"));
  job_.start(c, store_);
  updateEnabled();
}

void InferenceWindow::stop() { job_.stop(); }

void InferenceWindow::clearPlots() {
  for (QCPGraph* g : {p50_, p99_, served_, offered_, depth_, limit_}) g->data()->clear();
  bars_->data()->clear();
  for (auto& [name, g] : curves_) sweep_->removeGraph(g);
  if (best_mark_) sweep_->removeItem(best_mark_);
  best_mark_ = nullptr;
  curves_.clear();
  sweep_points_.clear();
  setObjectiveLines();
  replotAll();
}

void InferenceWindow::setObjectiveLines() {
  const double slo_ms = slo_->value();
  place_horizontal(latency_slo_, slo_ms);
  place_horizontal(sweep_slo_, slo_ms);
  latency_->replot(QCustomPlot::rpQueuedReplot);
  sweep_->replot(QCustomPlot::rpQueuedReplot);
}

void InferenceWindow::onSample(const ServeSample& s, const QVector<qint64>& bins) {
  if (std::isfinite(s.p50_ms)) p50_->addData(s.t_s, s.p50_ms);
  if (std::isfinite(s.p99_ms)) p99_->addData(s.t_s, s.p99_ms);
  served_->addData(s.t_s, s.throughput);
  offered_->addData(s.t_s, s.offered);
  depth_->addData(s.t_s, static_cast<double>(s.queue_depth));
  limit_->addData(s.t_s, static_cast<double>(s.batch_limit));
  drawHistogram(bins);
  summary_->setText(tr("t = %1 s · p99 %2 · served %3 · queue %4 · mean batch %5")
                        .arg(s.t_s, 0, 'f', 1)
                        .arg(std::isfinite(s.p99_ms) ? latency_text(s.p99_ms / 1e3) : tr("—"))
                        .arg(rate_text(s.throughput))
                        .arg(s.queue_depth)
                        .arg(s.mean_batch, 0, 'f', 1));
  replotAll();
}

void InferenceWindow::drawHistogram(const QVector<qint64>& bins) {
  int first = -1, last = -1;
  for (int b = 0; b < bins.size(); ++b)
    if (bins[b] > 0) {
      if (first < 0) first = b;
      last = b;
    }
  QVector<double> keys, values;
  if (first >= 0) {
    // One empty bin either side, so the outline starts and ends on the axis.
    first = std::max(first - 1, 0);
    last = std::min<int>(last + 1, static_cast<int>(bins.size()) - 1);
    for (int b = first; b <= last; ++b) {
      keys.push_back(LatencyBins::lower_ms(b));
      values.push_back(static_cast<double>(bins[b]));
    }
    keys.push_back(LatencyBins::upper_ms(last));
    values.push_back(0);
  }
  bars_->setData(keys, values, true);
}

void InferenceWindow::onFinished(const ServeResult& r, const QVector<qint64>& bins) {
  drawHistogram(bins);
  QString text = tr("%1 served of %2 arrived (%3 dropped, %4 rejected, %5 unfinished)\n"
                    "latency p50 %6 · p90 %7 · p99 %8 · max %9\n"
                    "mean wait %10 + compute %11\n"
                    "throughput %12 · mean batch %13 · utilisation %14 %")
                     .arg(r.served)
                     .arg(r.arrived)
                     .arg(r.dropped)
                     .arg(r.rejected)
                     .arg(r.unfinished)
                     .arg(latency_text(r.p50_s), latency_text(r.p90_s), latency_text(r.p99_s),
                          latency_text(r.max_s), latency_text(r.mean_wait_s),
                          latency_text(r.mean_compute_s), rate_text(r.throughput))
                     .arg(r.mean_batch, 0, 'f', 1)
                     .arg(100.0 * r.utilization, 0, 'f', 0);
  if (r.saturated) text += QStringLiteral("\n") + QString::fromStdString(saturation_text(r));
  if (r.settled_limit > 0) text += tr("\nadaptive batch limit settled at %1").arg(r.settled_limit);
  if (const double slo = slo_->value() / 1e3; slo > 0 && r.served > 0)
    text += r.p99_s <= slo ? tr("\np99 objective %1: met").arg(latency_text(slo))
                           : tr("\np99 objective %1: missed").arg(latency_text(slo));
  if (r.stopped) text += tr("\nstopped early");
  summary_->setText(text);
  replotAll();
  updateEnabled();
}

void InferenceWindow::onSweepPoint(const ServeSweepSample& p) {
  sweep_points_.push_back(p);
  const QString name = setting_text(p.mode, p.max_batch, p.max_delay_ms);
  QCPGraph*& g = curves_[name];
  if (!g) {
    g = sweep_->addGraph();
    g->setName(name);
    g->setProperty("curve", static_cast<qlonglong>(curves_.size()));  // its colour, kept
    styleCurve(g, static_cast<std::int64_t>(curves_.size()));
  }
  // Saturated points sit at their served rate, far above the objective: drawn, not hidden.
  if (p.p99_ms > 0) g->addData(p.throughput, p.p99_ms);
  summary_->setText(tr("%1 point%2: %3 at %4 → p99 %5")
                        .arg(sweep_points_.size())
                        .arg(sweep_points_.size() == 1 ? "" : "s")
                        .arg(name, rate_text(p.rate), latency_text(p.p99_ms / 1e3)));
  replotAll();
}

void InferenceWindow::onSweepFinished(int points, int best) {
  QString text = tr("%1 points").arg(points);
  if (best >= 0 && best < static_cast<int>(sweep_points_.size())) {
    const ServeSweepSample& b = sweep_points_[static_cast<std::size_t>(best)];
    text += tr("\nBest under the p99 objective of %1: %2 at %3 (p99 %4, %5 served)")
                .arg(latency_text(slo_->value() / 1e3),
                     setting_text(b.mode, b.max_batch, b.max_delay_ms), rate_text(b.rate),
                     latency_text(b.p99_ms / 1e3), rate_text(b.throughput));
    best_mark_ = new QCPItemText(sweep_);
    best_mark_->position->setCoords(b.throughput, b.p99_ms);
    best_mark_->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
    best_mark_->setText(tr("  best under the objective"));
    if (style_ && style_->font_pt > 0) best_mark_->setFont(style_->font(best_mark_->font()));
  } else if (slo_->value() > 0) {
    text += tr("\nNo setting meets the p99 objective of %1 with nothing lost")
                .arg(latency_text(slo_->value() / 1e3));
  }
  summary_->setText(text);
  replotAll();
  updateEnabled();
}

QString InferenceWindow::summaryText() const { return summary_->text(); }

void InferenceWindow::updateEnabled() {
  const bool busy = job_.running();
  serve_button_->setEnabled(!busy);
  stop_button_->setEnabled(busy);
  const BatchMode mode = kModes[std::max(0, mode_->currentIndex())];
  max_batch_->setEnabled(mode != BatchMode::realtime);
  max_delay_->setEnabled(mode == BatchMode::dynamic || mode == BatchMode::adaptive);
  sweep_box_->setEnabled(preset_ && !preset_->sweep.empty());
  if (!sweep_box_->isEnabled()) sweep_box_->setChecked(false);
}

void InferenceWindow::replotAll() {
  for (QCustomPlot* p : {latency_, throughput_, queue_, histogram_, sweep_}) {
    p->rescaleAxes(true);
    if (p == latency_ && slo_->value() > 0)
      p->yAxis->setRangeUpper(std::max(p->yAxis->range().upper, slo_->value() * 1.2));
    if (p == sweep_ && slo_->value() > 0)
      // A log axis: room of a factor 1.5 below the lowest point and 2 above the objective.
      p->yAxis->setRange(std::min(p->yAxis->range().lower / 1.5, slo_->value() / 2),
                         std::max(p->yAxis->range().upper * 1.5, slo_->value() * 2));
    if (p != sweep_ && p != histogram_) p->yAxis->setRangeLower(0);
    p->replot(QCustomPlot::rpQueuedReplot);
  }
}

void InferenceWindow::closeEvent(QCloseEvent* event) {
  job_.stop();
  job_.wait();
  event->accept();
}

}  // namespace batchlab
