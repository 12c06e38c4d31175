#include "widgets/memory_plot.h"

#include <algorithm>
#include <cmath>

#include "widgets/format.h"
#include "widgets/run_palette.h"  // memory_category_colour

namespace batchlab {
namespace {

constexpr double kKiB = 1024.0;
constexpr double kBarWidth = 0.6;
const QColor kDeviceColour(0xc0392b);
const QColor kBudgetColour(90, 90, 90);  // as the sweep summary's budget line

double pick_unit(double max_bytes, QString& name) {
  if (max_bytes >= kKiB * kKiB * kKiB) {
    name = QStringLiteral("GiB");
    return kKiB * kKiB * kKiB;
  }
  if (max_bytes >= kKiB * kKiB) {
    name = QStringLiteral("MiB");
    return kKiB * kKiB;
  }
  name = QStringLiteral("KiB");
  return kKiB;
}

}  // namespace

MemoryPlot::MemoryPlot(const SeriesModel& model, QWidget* parent)
    : LivePlot(model, tr("Memory by category (dashed: model)"), parent) {
  ticker_ = QSharedPointer<QCPAxisTickerText>::create();
  plot()->xAxis->setTicker(ticker_);
  plot()->xAxis->setLabel(tr("run (id, batch size)"));
  plot()->xAxis->grid()->setVisible(false);
  QCPBars* below = nullptr;
  for (int c = 0; c < kMemCategoryCount; ++c) {
    const auto category = static_cast<MemCategory>(c);
    auto* bars = new QCPBars(plot()->xAxis, plot()->yAxis);
    bars->setName(QString::fromUtf8(memory_category_name(category).data(),
                                    static_cast<qsizetype>(memory_category_name(category).size())));
    bars->setWidth(kBarWidth);
    bars->setPen(QPen(memory_category_colour(category).darker(130), 0.8));
    bars->setBrush(memory_category_colour(category));
    if (below) bars->moveAbove(below);
    below = bars;
    bars_[static_cast<std::size_t>(c)] = bars;
  }
  // A legend entry for the dashed prediction; the graph itself never holds data.
  predicted_legend_ = plot()->addGraph();
  predicted_legend_->setName(tr("predicted"));
  styleChanged();

  plot()->legend->setVisible(true);
  plot()->legend->setRowSpacing(0);
  plot()->legend->setColumnSpacing(8);
  plot()->legend->setBorderPen(Qt::NoPen);
  // Under the axis rect, three entries a row: never over the bars, never squeezed narrow.
  plot()->legend->setWrap(3);
  plot()->legend->setIconSize(14, 9);
  plot()->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);
  plot()->plotLayout()->addElement(2, 0, plot()->legend);
  plot()->plotLayout()->setRowStretchFactor(2, 0.001);
  plot()->legend->setMargins(QMargins(4, 0, 4, 2));
  plot()->yAxis->setLabel(tr("memory (MiB)"));
}

void MemoryPlot::styleChanged() {
  predicted_legend_->setPen(QPen(Qt::black, style().line_width, Qt::DashLine));
  // Swatches grow with a larger legend font (14 × 9 at the default).
  const int h = QFontMetrics(plot()->legend->font()).height();
  plot()->legend->setIconSize(std::max(14, h), std::max(9, h * 2 / 3));
}

void MemoryPlot::setBudget(std::optional<double> budget_mib) {
  if (budget_mib && !(*budget_mib > 0)) budget_mib.reset();
  if (budget_mib == budget_mib_) return;
  budget_mib_ = budget_mib;
  refresh();
}

void MemoryPlot::clearItems() {
  for (auto* item : items_) plot()->removeItem(item);
  items_.clear();
  budget_line_ = nullptr;
  budget_label_ = nullptr;
}

void MemoryPlot::rebuild(const QCPRange&, int) {
  clearItems();
  shown_.clear();
  shown_devices_.clear();
  double max_bytes = 0;
  std::int64_t device_total = 0;
  for (const auto& [id, run] : model().runs()) {
    const double total = static_cast<double>(total_bytes(run.memory));
    const auto predicted = static_cast<double>(run.predicted_bytes());
    if (!run.visible || (total <= 0 && predicted <= 0)) continue;
    device_total = std::max(device_total, run.device_total);
    if (run.device_memory.size() > 1) {
      // One bar per device; the device total is what one device holds, so is the scale.
      const double per_device_prediction = predicted / static_cast<double>(run.device_memory.size());
      for (std::size_t d = 0; d < run.device_memory.size(); ++d) {
        shown_.push_back(id);
        shown_devices_.push_back(static_cast<int>(d));
        max_bytes = std::max({max_bytes, static_cast<double>(total_bytes(run.device_memory[d])),
                              per_device_prediction});
      }
      continue;
    }
    shown_.push_back(id);
    shown_devices_.push_back(-1);
    max_bytes = std::max({max_bytes, total, predicted});
  }
  // The budget joins the view (and the unit) unless it would flatten the bars, as the device
  // line does; before any run it is all there is to show.
  const double budget_bytes = budget_mib_ ? *budget_mib_ * kKiB * kKiB : 0.0;
  const bool budget_in_view = budget_bytes > 0 && (max_bytes <= 0 || budget_bytes < max_bytes * 4);
  QString unit_name;
  unit_ = pick_unit(budget_in_view ? std::max(max_bytes, budget_bytes) : max_bytes, unit_name);
  plot()->yAxis->setLabel(tr("memory (%1)").arg(unit_name));
  top_ = max_bytes / unit_;
  budget_ = budget_in_view ? budget_bytes / unit_ : 0.0;
  const PlotStyle& st = style();
  const QFont text_font = st.font(plot()->font());

  ticker_->clear();
  // Many runs (a sweep) leave each bar too narrow for its labels: then only every n-th bar is
  // named on the axis and the totals above the bars are left out (the bars still show them).
  const QFontMetrics metrics(plot()->xAxis->tickLabelFont());
  const double per_bar =
      static_cast<double>(plot()->axisRect()->width()) / std::max<double>(1.0, shown_.size() + 1);
  const int tick_stride =
      std::max(1, static_cast<int>(std::ceil(metrics.horizontalAdvance(QStringLiteral("B=8888 ")) /
                                             std::max(1.0, per_bar))));
  const bool totals = metrics.horizontalAdvance(QStringLiteral("888 KiB ")) < per_bar;
  std::array<QVector<double>, kMemCategoryCount> values;
  QVector<double> keys;
  bool per_device = false;
  for (std::size_t k = 0; k < shown_.size(); ++k) {
    const RunSeries& run = *model().find(shown_[k]);
    const int device = shown_devices_[k];
    per_device |= device >= 0;
    const MemoryBytes& memory =
        device >= 0 ? run.device_memory[static_cast<std::size_t>(device)] : run.memory;
    const double key = static_cast<double>(k + 1);
    keys.push_back(key);
    if (static_cast<int>(k) % tick_stride == 0) {
      // A device's bar: its replica's batch (the busiest replica's rows) beside the global one.
      ticker_->addTick(key, device >= 0 ? QStringLiteral("#%1 d%2\nB=%3/%4")
                                              .arg(run.run_id)
                                              .arg(device)
                                              .arg(run.batch_size)
                                              .arg(run.device_memory.size())
                                        : QStringLiteral("#%1\nB=%2").arg(run.run_id).arg(run.batch_size));
    }
    for (int c = 0; c < kMemCategoryCount; ++c)
      values[static_cast<std::size_t>(c)].push_back(
          static_cast<double>(memory[static_cast<std::size_t>(c)]) / unit_);

    const QColor colour = st.runColour(run.run_id);
    if (totals) {
      auto* label = new QCPItemText(plot());
      label->setFont(text_font);
      label->position->setCoords(key, static_cast<double>(total_bytes(memory)) / unit_);
      label->setPositionAlignment(Qt::AlignBottom | Qt::AlignHCenter);
      label->setText(format_bytes(total_bytes(memory)));
      label->setColor(colour.darker(115));
      label->setClipToAxisRect(true);
      items_.push_back(label);
    }
    if (run.predicted_bytes() > 0) {
      // Every replica holds the same share of the model's prediction (trainer.cpp).
      const double p = static_cast<double>(run.predicted_bytes()) / unit_ /
                       (device >= 0 ? static_cast<double>(run.device_memory.size()) : 1.0);
      auto* line = new QCPItemLine(plot());
      line->start->setCoords(key - kBarWidth * 0.65, p);
      line->end->setCoords(key + kBarWidth * 0.65, p);
      line->setPen(QPen(colour.darker(110), st.line_width, Qt::DashLine));
      items_.push_back(line);
    }
  }
  for (int c = 0; c < kMemCategoryCount; ++c)
    bars_[static_cast<std::size_t>(c)]->setData(keys, values[static_cast<std::size_t>(c)], true);
  plot()->xAxis->setLabel(per_device ? tr("run (id, device, global batch / devices)")
                                     : tr("run (id, batch size)"));

  device_total_ = static_cast<double>(device_total) / unit_;
  if (device_total > 0) {
    auto* line = new QCPItemStraightLine(plot());
    line->point1->setCoords(0, device_total_);
    line->point2->setCoords(1, device_total_);
    line->setPen(QPen(kDeviceColour, st.detail_width, Qt::DashDotLine));
    items_.push_back(line);
    auto* label = new QCPItemText(plot());
    label->setFont(text_font);
    label->position->setType(QCPItemPosition::ptAxisRectRatio);
    label->position->setCoords(0.99, 0.02);
    label->setPositionAlignment(Qt::AlignTop | Qt::AlignRight);
    label->setText(tr("device total %1").arg(format_bytes(device_total)));
    label->setColor(kDeviceColour);
    items_.push_back(label);
  }
  if (budget_bytes > 0) {
    budget_label_ = new QCPItemText(plot());
    budget_label_->setFont(text_font);
    budget_label_->setColor(kBudgetColour);
    const QString text =
        tr("memory budget %1").arg(format_bytes(static_cast<std::int64_t>(budget_bytes)));
    items_.push_back(budget_label_);
    if (budget_in_view) {
      budget_line_ = new QCPItemStraightLine(plot());
      budget_line_->point1->setCoords(0, budget_);
      budget_line_->point2->setCoords(1, budget_);
      budget_line_->setPen(QPen(kBudgetColour, st.detail_width, Qt::DotLine));
      items_.push_back(budget_line_);
      // Just above its line at the left, away from the device label in the top right corner.
      budget_label_->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
      budget_label_->position->setTypeY(QCPItemPosition::ptPlotCoords);
      budget_label_->position->setCoords(0.01, budget_);
      budget_label_->setPositionAlignment(Qt::AlignBottom | Qt::AlignLeft);
      budget_label_->setText(text);
    } else {
      // Off the scale: named in the top right corner, under the device label if there is one.
      budget_label_->position->setType(QCPItemPosition::ptAxisRectRatio);
      budget_label_->position->setCoords(0.99, 0.02);
      budget_label_->setPositionAlignment(Qt::AlignTop | Qt::AlignRight);
      if (device_total > 0)
        budget_label_->setPadding(QMargins(0, QFontMetrics(text_font).height(), 0, 0));
      budget_label_->setText(text + tr(" (above this scale)"));
    }
  }
}

void MemoryPlot::fitValueAxis() {
  // Head room for the total printed above each bar: a line of text in axis units.
  const double text_px = QFontMetrics(style().font(plot()->font())).height() * 1.6;
  const double axis_px = std::max(40, plot()->axisRect()->height());
  double top = top_ > 0 ? top_ / std::max(0.5, 1.0 - text_px / axis_px) : 1.0;
  // The device line joins the view only when it would not flatten the bars.
  if (device_total_ > 0 && device_total_ < top_ * 4) top = std::max(top, device_total_ * 1.1);
  // The budget (in view only when it would not flatten them either) with room for its label.
  if (budget_ > 0) top = std::max(top, budget_ / std::max(0.5, 1.0 - text_px / axis_px));
  plot()->yAxis->setRange(0, top);
}

bool MemoryPlot::dataXRange(QCPRange& range) const {
  range = QCPRange(0.4, std::max<double>(static_cast<double>(shown_.size()), 1.0) + 0.6);
  return true;
}

std::optional<LivePlot::Hit> MemoryPlot::nearest(const QPointF& pixel) const {
  const double key = plot()->xAxis->pixelToCoord(pixel.x());
  const double k = std::round(key);
  if (std::abs(key - k) > kBarWidth / 2 || k < 1 || k > static_cast<double>(shown_.size()))
    return std::nullopt;
  const std::size_t slot = static_cast<std::size_t>(k) - 1;
  const RunSeries* run = model().find(shown_[slot]);
  if (!run) return std::nullopt;
  const int device = shown_devices_[slot];
  if (device >= static_cast<int>(run->device_memory.size())) return std::nullopt;
  const MemoryBytes& memory =
      device >= 0 ? run->device_memory[static_cast<std::size_t>(device)] : run->memory;
  QString text = QStringLiteral("#%1 %2 · batch %3")
                     .arg(run->run_id)
                     .arg(QString::fromStdString(run->name))
                     .arg(run->batch_size);
  if (device >= 0)
    text += tr("\ndevice %1 of %2 (busiest device: %3 rows a step)")
                .arg(device)
                .arg(run->device_memory.size())
                .arg(run->last_replica_batch);
  for (int c = kMemCategoryCount - 1; c >= 0; --c) {
    const auto category = static_cast<MemCategory>(c);
    text +=
        QStringLiteral("\n%1: %2")
            .arg(QString::fromUtf8(memory_category_name(category).data(),
                                   static_cast<qsizetype>(memory_category_name(category).size())))
            .arg(format_bytes(memory[static_cast<std::size_t>(c)]));
  }
  if (device >= 0) {
    const auto devices = static_cast<std::int64_t>(run->device_memory.size());
    text += tr("\ndevice total: %1 (all devices %2, peak %3)")
                .arg(format_bytes(total_bytes(memory)))
                .arg(format_bytes(total_bytes(run->memory)))
                .arg(format_bytes(run->peak_memory));
    if (run->predicted_bytes() > 0)
      text += tr("\npredicted per device: %1").arg(format_bytes(run->predicted_bytes() / devices));
  } else {
    text += QStringLiteral("\ntotal: %1 (peak %2)")
                .arg(format_bytes(total_bytes(memory)))
                .arg(format_bytes(run->peak_memory));
    if (run->predicted_bytes() > 0)
      text += QStringLiteral("\npredicted: %1").arg(format_bytes(run->predicted_bytes()));
  }
  return Hit{k, static_cast<double>(total_bytes(memory)) / unit_, text};
}

}  // namespace batchlab
