// defines: MemoryPlot (memory by category, one stacked bar per visible run or per device)
// A run over several devices (data-parallel replicas) gets one bar per device, side by side and
// named d0, d1 …, so an uneven split or a device that holds more shows at once. Each bar
// stacks the latest step's bytes by category (parameters, gradients, optimizer,
// activations, batch, workspace); the memory model's prediction for that run is a dashed line
// across its bar, and the device total a dashed line across the plot when the device reports
// one. Runs sit side by side, so batch 32 and batch 512 compare at a glance. The unit (KiB, MiB,
// GiB) follows the largest bar. A memory budget (the experiment's memory_budget_mb, given by the
// window) is a labelled dotted line, kept in view unless it would flatten the bars.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "widgets/live_plot.h"

namespace batchlab {

class MemoryPlot final : public LivePlot {
  Q_OBJECT
 public:
  explicit MemoryPlot(const SeriesModel& model, QWidget* parent = nullptr);

  QCPBars* categoryBars(MemCategory category) const {
    return bars_[static_cast<std::size_t>(category)];
  }
  // Bytes per unit of the value axis (1024, 1024², 1024³).
  double unitBytes() const { return unit_; }
  // Run ids in bar order (bar k sits at x = k + 1); a run over several devices appears once
  // per device, shownDevices() saying which (-1: the run as a whole).
  const std::vector<std::int64_t>& shownRuns() const { return shown_; }
  const std::vector<int>& shownDevices() const { return shown_devices_; }
  // The memory budget in MiB (as RunConfig::memory_budget_mb); nullopt: none.
  void setBudget(std::optional<double> budget_mib);
  std::optional<double> budget() const { return budget_mib_; }
  // The budget's line and label as last drawn (null: none).
  QCPItemStraightLine* budgetLine() const { return budget_line_; }
  QCPItemText* budgetLabel() const { return budget_label_; }

 protected:
  void rebuild(const QCPRange& x_range, int buckets) override;
  bool dataXRange(QCPRange& range) const override;
  std::optional<Hit> nearest(const QPointF& pixel) const override;
  void fitValueAxis() override;
  void styleChanged() override;

 private:
  void clearItems();

  std::array<QCPBars*, kMemCategoryCount> bars_{};
  QCPGraph* predicted_legend_ = nullptr;
  std::vector<QCPAbstractItem*> items_;
  std::vector<std::int64_t> shown_;
  std::vector<int> shown_devices_;
  QSharedPointer<QCPAxisTickerText> ticker_;
  double unit_ = 1024.0 * 1024.0;
  double top_ = 0;           // largest bar or prediction, in axis units
  double device_total_ = 0;  // in axis units, 0: unknown
  std::optional<double> budget_mib_;
  double budget_ = 0;  // in axis units when it is in view, else 0
  QCPItemStraightLine* budget_line_ = nullptr;
  QCPItemText* budget_label_ = nullptr;
};

}  // namespace batchlab
