// defines: RunRow, RunsTableModel (one row per run: colour, name, status, metrics), row_from_record
// Newest run first. Column 0 holds the run's colour and the checkbox that shows or hides it in
// every plot; toggling it emits visibilityToggled. The status cell of a run that ended
// diverged, out_of_memory or failed is red and its tooltip carries the reason.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <QAbstractTableModel>
#include <QString>

#include "engine/core/events.h"
#include "engine/experiment/run_store.h"

namespace batchlab {

struct RunRow {
  std::int64_t id = 0;
  QString name;
  RunStatus status = RunStatus::running;
  QString reason;
  std::int64_t batch = 0;
  double lr = kNaN;
  double samples_per_s = kNaN;  // median when finished, moving average while running
  std::int64_t peak_memory = 0;
  double val_accuracy = kNaN;
  double val_loss = kNaN;
  QString to_target;     // "1,240 steps · 3.2 s"; empty: not reached or no target
  double time_s = kNaN;  // wall time of a finished run, for its cost
  std::optional<double> time_to_target_s;  // for its cost to target
  bool visible = false;
};

// A row for a run read from the store (status, reason, batch, lr and the stored summary).
RunRow row_from_record(const RunRecord& record);
// Fills the metric columns from a finished run's summary.
void apply_summary(RunRow& row, const RunSummary& summary);
// "completed", "target reached", "out of memory", ...
QString status_text(RunStatus status);
bool is_failure(RunStatus status);

class RunsTableModel final : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column {
    ColShow,
    ColName,
    ColStatus,
    ColBatch,
    ColLr,
    ColThroughput,
    ColPeakMemory,
    ColValAccuracy,
    ColToTarget,
    ColCost,
    ColCostToTarget,
    ColumnCount
  };

  using QAbstractTableModel::QAbstractTableModel;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role) override;

  // Inserts a new run (keeping newest first) or replaces the row with the same id.
  void upsert(const RunRow& row);
  const RunRow* find(std::int64_t id) const;
  int rowOf(std::int64_t id) const;  // -1: absent
  std::int64_t idAt(int row) const;
  void setVisible(std::int64_t id, bool visible);
  void clear();
  // The price per device-hour the cost columns use; 0 leaves them empty.
  void setPricePerHour(double price);
  double pricePerHour() const { return price_per_hour_; }
  // A cost as shown: two decimals, "< 0.01" for a fraction of a cent, "—" when unknown.
  static QString cost_text(double cost);

 signals:
  void visibilityToggled(std::int64_t id, bool visible);

 private:
  QString format_cost(double seconds) const;

  std::vector<RunRow> rows_;
  double price_per_hour_ = 0;
};

}  // namespace batchlab
