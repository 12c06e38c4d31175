// defines: RunsTableModel (the runs as a two-level tree: a group row per sweep, its runs below)
// Top level, newest first: the runs without a sweep and one group row per sweep, placed by its
// newest run (where the sweep's latest run appeared). A group's children are its runs in the
// order they ran. Column 0 holds a run's colour and the checkbox that shows or hides it in every
// plot (visibilityToggled); a group's checkbox ticks or unticks all its runs and reads partly
// checked when only some are. The status cell of a run that ended diverged, out_of_memory or
// failed is red and its tooltip carries the reason; a group's cells sum its runs up.
// New runs and groups arrive by row insertion (a group may move up when its sweep runs again),
// changes by dataChanged: only clear() resets, so a view keeps its expansion and selection.
// Index layout: a top-level index has internalId 0; a run inside a group has its sweep id.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include <QAbstractItemModel>
#include <QString>

#include "widgets/run_row.h"
#include "widgets/sweep_group.h"

namespace batchlab {

class RunsTableModel final : public QAbstractItemModel {
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

  using QAbstractItemModel::QAbstractItemModel;

  QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
  QModelIndex parent(const QModelIndex& child) const override;
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role) override;

  // Inserts a new run (into its sweep's group when row.sweep_id is set, creating the group) or
  // replaces the row with the same id. A run stays in the group it first came with.
  void upsert(const RunRow& row);
  const RunRow* find(std::int64_t id) const;
  int runCount() const { return static_cast<int>(rows_.size()); }
  // Every run in display order: top level newest first, a group's runs in the order they ran.
  std::vector<std::int64_t> runIds() const;
  // The run at `index` (any column); 0 for a group row or an invalid index.
  std::int64_t idAt(const QModelIndex& index) const;
  // The sweep id of a group row; 0 for a run row (ask find(idAt(i))->sweep_id for its sweep).
  std::int64_t sweepIdAt(const QModelIndex& index) const;
  QModelIndex indexOf(std::int64_t run_id) const;       // column 0; invalid when absent
  QModelIndex groupIndex(std::int64_t sweep_id) const;  // column 0; invalid when no such group
  std::vector<std::int64_t> sweepRunIds(std::int64_t sweep_id) const;  // in the order they ran
  // A group first seen with a running run (a sweep running now) opens expanded in a view; one
  // loaded finished from the store stays collapsed.
  bool startsExpanded(const QModelIndex& group) const;

  void setVisible(std::int64_t id, bool visible);
  // Ticks the sweep's runs and unticks every other run, so the plots and the sweep summary show
  // that sweep alone (a run of another experiment at the same batch size would skew it).
  void showOnlySweep(std::int64_t sweep_id);
  // Name, created time and planned run count of a sweep; may come before or after its runs.
  void setSweepInfo(std::int64_t sweep_id, const SweepInfo& info);
  void setSweepName(std::int64_t sweep_id, const QString& name);
  bool hasSweepInfo(std::int64_t sweep_id) const { return sweeps_.count(sweep_id) > 0; }
  QString sweepName(std::int64_t sweep_id) const;  // "sweep <id>" when no name is known
  // Removes every run and group (a model reset).
  void clear();
  // The price per device-hour the cost columns use; 0 leaves them empty.
  void setPricePerHour(double price);
  double pricePerHour() const { return price_per_hour_; }
  // A cost as shown: two decimals, "< 0.01" for a fraction of a cent, "—" when unknown.
  static QString cost_text(double cost);

 signals:
  void visibilityToggled(std::int64_t id, bool visible);

 private:
  struct TopItem {
    std::int64_t newest = 0;    // the run id, or a group's newest run id: the sort key
    std::int64_t sweep_id = 0;  // non-zero: a group row
  };
  struct Group {
    std::vector<std::int64_t> runs;  // ascending: the order they ran
    // Its top-level sort key; trails runs.back() between a new run's insertion and the move
    // that follows it, so parent() stays right while the views handle the insertion.
    std::int64_t key = 0;
  };

  const RunRow* runAt(const QModelIndex& index) const;
  std::vector<const RunRow*> groupRuns(std::int64_t sweep_id) const;
  int topRowOf(std::int64_t newest, std::int64_t sweep_id) const;
  int topInsertPosition(std::int64_t newest) const;
  void insertIntoGroup(const RunRow& row);
  void emitRowChanged(const QModelIndex& first);
  QVariant runData(const RunRow& r, int column, int role) const;
  QVariant groupData(std::int64_t sweep_id, int column, int role) const;
  QString format_cost(double seconds) const;

  std::vector<TopItem> top_;              // newest first
  std::map<std::int64_t, RunRow> rows_;   // every run, by id
  std::map<std::int64_t, Group> groups_;  // by sweep id
  std::map<std::int64_t, SweepInfo> sweeps_;
  std::set<std::int64_t> expand_;  // groups first seen running
  double price_per_hour_ = 0;
};

}  // namespace batchlab
