#include "widgets/runs_table_model.h"

#include <algorithm>
#include <cmath>

#include <QBrush>
#include <QDateTime>
#include <QFont>
#include <QLocale>

#include "engine/metrics/cost.h"
#include "widgets/format.h"
#include "widgets/run_palette.h"

namespace batchlab {

namespace {

QBrush status_brush(RunStatus status) {
  if (is_failure(status)) return QBrush(QColor(0xc0392b));
  if (status == RunStatus::running) return QBrush(QColor(0x1f5fa8));
  if (status == RunStatus::stopped || status == RunStatus::interrupted)
    return QBrush(QColor(0x8a6d3b));
  return QBrush(QColor(0x2e7d32));
}

// The colour of the status a sweep shows: what most needs a look wins.
RunStatus group_colour_status(const std::vector<const RunRow*>& runs) {
  RunStatus worst = RunStatus::completed;
  for (const RunRow* r : runs) {
    if (r->status == RunStatus::running) return RunStatus::running;
    if (is_failure(r->status)) worst = RunStatus::failed;
    if ((r->status == RunStatus::stopped || r->status == RunStatus::interrupted) &&
        worst != RunStatus::failed)
      worst = RunStatus::stopped;
  }
  return worst;
}

QString throughput_text(double samples_per_s) {
  return std::isfinite(samples_per_s)
             ? QLocale(QLocale::English)
                   .toString(static_cast<qlonglong>(std::llround(samples_per_s)))
             : QStringLiteral("—");
}

QString memory_text(std::int64_t bytes) {
  return bytes > 0 ? format_bytes(bytes) : QStringLiteral("—");
}

QString accuracy_text(double accuracy) {
  return std::isfinite(accuracy) ? QStringLiteral("%1 %").arg(accuracy * 100, 0, 'f', 2)
                                 : QStringLiteral("—");
}

// "1 run", "12 runs" (format_count, as everywhere in the window).
QString runs_text(long long n) {
  return format_count(n, QStringLiteral("run"), QStringLiteral("runs"));
}

// The largest finite value of `field` over the runs; NaN when none has one.
template <typename Get>
double best_of(const std::vector<const RunRow*>& runs, Get get) {
  double best = kNaN;
  for (const RunRow* r : runs)
    if (const double v = get(*r); std::isfinite(v) && !(v <= best)) best = v;
  return best;
}

}  // namespace

// ---- Structure ----

QModelIndex RunsTableModel::index(int row, int column, const QModelIndex& parent) const {
  if (!hasIndex(row, column, parent)) return {};
  if (!parent.isValid()) return createIndex(row, column, quintptr{0});
  return createIndex(row, column,
                     static_cast<quintptr>(top_[static_cast<std::size_t>(parent.row())].sweep_id));
}

QModelIndex RunsTableModel::parent(const QModelIndex& child) const {
  if (!child.isValid() || child.internalId() == 0) return {};
  const auto g = groups_.find(static_cast<std::int64_t>(child.internalId()));
  if (g == groups_.end()) return {};
  return createIndex(topRowOf(g->second.key, g->first), 0, quintptr{0});
}

int RunsTableModel::rowCount(const QModelIndex& parent) const {
  if (!parent.isValid()) return static_cast<int>(top_.size());
  // Only a group's first column has children (the usual tree-model convention).
  if (parent.internalId() != 0 || parent.column() != 0) return 0;
  const std::int64_t sweep = sweepIdAt(parent);
  return sweep ? static_cast<int>(groups_.at(sweep).runs.size()) : 0;
}

int RunsTableModel::columnCount(const QModelIndex&) const {
  return ColumnCount;
}

int RunsTableModel::topRowOf(std::int64_t newest, std::int64_t sweep_id) const {
  // Keys are run ids, so unique: a binary search over the descending keys finds the row.
  const auto it = std::lower_bound(top_.begin(), top_.end(), newest,
                                   [](const TopItem& t, std::int64_t v) { return t.newest > v; });
  if (it == top_.end() || it->newest != newest || it->sweep_id != sweep_id) return -1;
  return static_cast<int>(it - top_.begin());
}

int RunsTableModel::topInsertPosition(std::int64_t newest) const {
  return static_cast<int>(
      std::lower_bound(top_.begin(), top_.end(), newest,
                       [](const TopItem& t, std::int64_t v) { return t.newest > v; }) -
      top_.begin());
}

const RunRow* RunsTableModel::runAt(const QModelIndex& index) const {
  if (!index.isValid() || index.model() != this || index.row() < 0) return nullptr;
  const auto row = static_cast<std::size_t>(index.row());
  if (index.internalId() == 0) {
    if (row >= top_.size() || top_[row].sweep_id != 0) return nullptr;
    return &rows_.at(top_[row].newest);
  }
  const auto g = groups_.find(static_cast<std::int64_t>(index.internalId()));
  if (g == groups_.end() || row >= g->second.runs.size()) return nullptr;
  return &rows_.at(g->second.runs[row]);
}

std::vector<const RunRow*> RunsTableModel::groupRuns(std::int64_t sweep_id) const {
  std::vector<const RunRow*> out;
  if (const auto g = groups_.find(sweep_id); g != groups_.end())
    for (const std::int64_t id : g->second.runs) out.push_back(&rows_.at(id));
  return out;
}

std::int64_t RunsTableModel::idAt(const QModelIndex& index) const {
  const RunRow* r = runAt(index);
  return r ? r->id : 0;
}

std::int64_t RunsTableModel::sweepIdAt(const QModelIndex& index) const {
  if (!index.isValid() || index.model() != this || index.internalId() != 0 || index.row() < 0 ||
      static_cast<std::size_t>(index.row()) >= top_.size())
    return 0;
  return top_[static_cast<std::size_t>(index.row())].sweep_id;
}

QModelIndex RunsTableModel::indexOf(std::int64_t run_id) const {
  const auto it = rows_.find(run_id);
  if (it == rows_.end()) return {};
  const std::int64_t sweep = it->second.sweep_id;
  if (sweep == 0) return createIndex(topRowOf(run_id, 0), 0, quintptr{0});
  const std::vector<std::int64_t>& ids = groups_.at(sweep).runs;
  const auto pos = std::lower_bound(ids.begin(), ids.end(), run_id) - ids.begin();
  return createIndex(static_cast<int>(pos), 0, static_cast<quintptr>(sweep));
}

QModelIndex RunsTableModel::groupIndex(std::int64_t sweep_id) const {
  const auto g = groups_.find(sweep_id);
  if (g == groups_.end()) return {};
  return createIndex(topRowOf(g->second.key, sweep_id), 0, quintptr{0});
}

std::vector<std::int64_t> RunsTableModel::sweepRunIds(std::int64_t sweep_id) const {
  const auto g = groups_.find(sweep_id);
  return g == groups_.end() ? std::vector<std::int64_t>{} : g->second.runs;
}

std::vector<std::int64_t> RunsTableModel::runIds() const {
  std::vector<std::int64_t> out;
  out.reserve(rows_.size());
  for (const TopItem& t : top_) {
    if (t.sweep_id == 0) {
      out.push_back(t.newest);
    } else {
      const auto& ids = groups_.at(t.sweep_id).runs;
      out.insert(out.end(), ids.begin(), ids.end());
    }
  }
  return out;
}

bool RunsTableModel::startsExpanded(const QModelIndex& group) const {
  const std::int64_t sweep = sweepIdAt(group);
  return sweep != 0 && expand_.count(sweep) > 0;
}

const RunRow* RunsTableModel::find(std::int64_t id) const {
  const auto it = rows_.find(id);
  return it == rows_.end() ? nullptr : &it->second;
}

// ---- Changes ----

void RunsTableModel::upsert(const RunRow& row) {
  if (const auto it = rows_.find(row.id); it != rows_.end()) {
    const std::int64_t sweep = it->second.sweep_id;
    it->second = row;
    it->second.sweep_id = sweep;  // moving a run between groups is not a thing a run does
    emitRowChanged(indexOf(row.id));
    return;
  }
  if (row.sweep_id != 0) {
    insertIntoGroup(row);
    return;
  }
  const int at = topInsertPosition(row.id);
  beginInsertRows({}, at, at);
  rows_.emplace(row.id, row);
  top_.insert(top_.begin() + at, TopItem{row.id, 0});
  endInsertRows();
}

void RunsTableModel::insertIntoGroup(const RunRow& row) {
  const std::int64_t sweep = row.sweep_id;
  const auto g = groups_.find(sweep);
  if (g == groups_.end()) {
    // The sweep's first run here: a new group row, holding it, where that run belongs.
    const int at = topInsertPosition(row.id);
    beginInsertRows({}, at, at);
    rows_.emplace(row.id, row);
    groups_.emplace(sweep, Group{{row.id}, row.id});
    top_.insert(top_.begin() + at, TopItem{row.id, sweep});
    if (row.status == RunStatus::running) expand_.insert(sweep);
    endInsertRows();
    return;
  }
  Group& group = g->second;
  const int old_top = topRowOf(group.key, sweep);
  const int pos = static_cast<int>(std::lower_bound(group.runs.begin(), group.runs.end(), row.id) -
                                   group.runs.begin());
  beginInsertRows(createIndex(old_top, 0, quintptr{0}), pos, pos);
  rows_.emplace(row.id, row);
  group.runs.insert(group.runs.begin() + pos, row.id);
  endInsertRows();
  // A newer run moves the group up to where that run belongs among the top-level rows. Only
  // rows before it can be older than the new key: the ones after are older than the old key.
  const std::int64_t key = group.runs.back();
  if (key != group.key) {
    const int to = static_cast<int>(
        std::lower_bound(top_.begin(), top_.begin() + old_top, key,
                         [](const TopItem& t, std::int64_t v) { return t.newest > v; }) -
        top_.begin());
    const bool move = to != old_top;
    if (move) beginMoveRows({}, old_top, old_top, {}, to);
    std::rotate(top_.begin() + to, top_.begin() + old_top, top_.begin() + old_top + 1);
    top_[static_cast<std::size_t>(to)].newest = group.key = key;
    if (move) endMoveRows();
  }
  const QModelIndex index = groupIndex(sweep);
  emit dataChanged(index, index.siblingAtColumn(ColumnCount - 1));
}

void RunsTableModel::emitRowChanged(const QModelIndex& first) {
  if (!first.isValid()) return;
  emit dataChanged(first, first.siblingAtColumn(ColumnCount - 1));
  // A run's change is its group's too: the summary cells read every run.
  if (const QModelIndex group = parent(first); group.isValid())
    emit dataChanged(group, group.siblingAtColumn(ColumnCount - 1));
}

bool RunsTableModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (!index.isValid() || index.column() != ColShow || role != Qt::CheckStateRole) return false;
  const bool visible = value.toInt() == Qt::Checked;
  std::vector<std::int64_t> ids;
  if (const std::int64_t sweep = sweepIdAt(index))
    ids = groups_.at(sweep).runs;  // a copy: a slot of visibilityToggled may add runs meanwhile
  else if (const RunRow* r = runAt(index))
    ids.push_back(r->id);
  else
    return false;
  for (const std::int64_t id : ids) {
    RunRow& r = rows_.at(id);
    if (r.visible == visible) continue;
    r.visible = visible;
    const QModelIndex box = indexOf(id);
    emit dataChanged(box, box, {Qt::CheckStateRole});
    if (const QModelIndex group = parent(box); group.isValid())
      emit dataChanged(group, group, {Qt::CheckStateRole});
    emit visibilityToggled(id, visible);
  }
  return true;
}

void RunsTableModel::setVisible(std::int64_t id, bool visible) {
  const QModelIndex box = indexOf(id);
  if (box.isValid()) setData(box, visible ? Qt::Checked : Qt::Unchecked, Qt::CheckStateRole);
}

void RunsTableModel::showOnlySweep(std::int64_t sweep_id) {
  for (const std::int64_t id : runIds())
    if (const RunRow* row = find(id); row && row->sweep_id != sweep_id && row->visible)
      setVisible(id, false);
  if (const QModelIndex group = groupIndex(sweep_id); group.isValid())
    setData(group, Qt::Checked, Qt::CheckStateRole);
}

void RunsTableModel::setSweepInfo(std::int64_t sweep_id, const SweepInfo& info) {
  sweeps_[sweep_id] = info;
  if (const QModelIndex group = groupIndex(sweep_id); group.isValid())
    emit dataChanged(group, group.siblingAtColumn(ColumnCount - 1));
}

void RunsTableModel::setSweepName(std::int64_t sweep_id, const QString& name) {
  SweepInfo info = sweeps_[sweep_id];
  info.name = name;
  setSweepInfo(sweep_id, info);
}

QString RunsTableModel::sweepName(std::int64_t sweep_id) const {
  const auto it = sweeps_.find(sweep_id);
  return it != sweeps_.end() && !it->second.name.isEmpty()
             ? it->second.name
             : QStringLiteral("sweep %1").arg(sweep_id);
}

void RunsTableModel::clear() {
  beginResetModel();
  top_.clear();
  rows_.clear();
  groups_.clear();
  sweeps_.clear();
  expand_.clear();
  endResetModel();
}

void RunsTableModel::setPricePerHour(double price) {
  price_per_hour_ = std::isfinite(price) && price > 0 ? price : 0;
  const auto changed = [this](const QModelIndex& parent) {
    if (const int n = rowCount(parent); n > 0)
      emit dataChanged(index(0, ColCost, parent), index(n - 1, ColCostToTarget, parent));
  };
  changed({});
  for (int row = 0; row < rowCount(); ++row)
    if (sweepIdAt(index(row, 0))) changed(index(row, 0));
}

// ---- What the cells show ----

QVariant RunsTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) return {};
  static const char* const kTitles[ColumnCount] = {
      "",        "run",       "status", "batch",         "lr", "samples/s", "peak memory",
      "val acc", "to target", "cost",   "cost to target"};
  static const char* const kTips[ColumnCount] = {
      "Show the run in the plots; the swatch is its colour everywhere",
      "Run id and name; a sweep groups its runs",
      "How the run ended (hover for the reason)",
      "Effective batch size B (samples per update); a batch-size schedule shows where it "
      "starts (\"from 16\"), the batch-size plot each step's batch",
      "Learning rate",
      "Median training throughput (moving average while running)",
      "Largest memory use by the run",
      "Final validation accuracy",
      "Steps and time to reach the stop target",
      "Wall time × the price per device-hour (set the price in Settings)",
      "Time to the stop target × the price per device-hour"};
  if (role == Qt::DisplayRole) return QString::fromLatin1(kTitles[section]);
  if (role == Qt::ToolTipRole) return QString::fromUtf8(kTips[section]);
  return {};
}

QVariant RunsTableModel::data(const QModelIndex& index, int role) const {
  if (const std::int64_t sweep = sweepIdAt(index)) return groupData(sweep, index.column(), role);
  const RunRow* r = runAt(index);
  return r ? runData(*r, index.column(), role) : QVariant();
}

QVariant RunsTableModel::runData(const RunRow& r, int col, int role) const {
  if (col == ColShow) {
    if (role == Qt::CheckStateRole) return r.visible ? Qt::Checked : Qt::Unchecked;
    if (role == Qt::DecorationRole) return run_colour(r.id);
    if (role == Qt::ToolTipRole) return tr("Show run #%1 in the plots").arg(r.id);
    return {};
  }
  if (role == Qt::ToolTipRole && (col == ColStatus || col == ColName) && !r.reason.isEmpty())
    return r.reason;
  // Under its group a sweep's run drops the sweep's name from its own ("b=64 lr=0.05"): the
  // part that tells it apart fits the column; the tooltip keeps the whole name.
  const QString prefix = r.sweep_id ? sweepName(r.sweep_id) + QLatin1Char(' ') : QString();
  const bool shorten =
      !prefix.isEmpty() && r.name.startsWith(prefix) && r.name.size() > prefix.size();
  if (role == Qt::ToolTipRole && col == ColName && shorten) return r.name;
  if (role == Qt::ForegroundRole && col == ColStatus) return status_brush(r.status);
  if (role == Qt::TextAlignmentRole && col >= ColBatch && col != ColToTarget)
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
  if (role != Qt::DisplayRole) return {};
  switch (col) {
    case ColName:
      return QStringLiteral("#%1 %2").arg(r.id).arg(shorten ? r.name.mid(prefix.size()) : r.name);
    case ColStatus:
      return status_text(r.status);
    case ColBatch: {
      if (r.kind != RunKind::train) return r.kind_batch;
      if (r.batch <= 0) return {};
      // Data-parallel: the global batch and its split, "256 = 2 × 128" ("32 = 11+11+10" when
      // uneven, as the run's log says), so the per-device batch is read beside the global one.
      QString split;
      if (r.replicas > 1) {
        const std::int64_t base = r.batch / r.replicas, extra = r.batch % r.replicas;
        if (extra == 0) {
          split = QStringLiteral(" = %1 × %2").arg(r.replicas).arg(base);
        } else {
          QStringList parts;
          for (int i = 0; i < r.replicas; ++i) parts << QString::number(base + (i < extra ? 1 : 0));
          split = QStringLiteral(" = ") + parts.join(QLatin1Char('+'));
        }
      }
      // A schedule's starting batch, marked: the batch-size plot shows where it went.
      if (r.batch_scheduled) return QStringLiteral("from %1%2").arg(r.batch).arg(split);
      return split.isEmpty() ? QVariant(static_cast<qlonglong>(r.batch))
                             : QVariant(QString::number(r.batch) + split);
    }
    case ColLr:
      return format_number(r.lr, 4);
    case ColThroughput:
      // A serving run's throughput is requests served per second, and says so.
      return r.kind == RunKind::serving && std::isfinite(r.samples_per_s)
                 ? throughput_text(r.samples_per_s) + QStringLiteral(" req/s")
                 : throughput_text(r.samples_per_s);
    case ColPeakMemory:
      return memory_text(r.peak_memory);
    case ColValAccuracy:
      return accuracy_text(r.val_accuracy);
    case ColToTarget:
      if (!r.kind_result.isEmpty()) return r.kind_result;
      return r.to_target.isEmpty() ? QStringLiteral("—") : r.to_target;
    case ColCost:
      return format_cost(r.time_s);
    case ColCostToTarget:
      return r.time_to_target_s ? format_cost(*r.time_to_target_s) : QStringLiteral("—");
    default:
      return {};
  }
}

QVariant RunsTableModel::groupData(std::int64_t sweep_id, int col, int role) const {
  const std::vector<const RunRow*> runs = groupRuns(sweep_id);
  if (col == ColShow) {
    if (role == Qt::CheckStateRole) {
      const auto ticked =
          std::count_if(runs.begin(), runs.end(), [](const RunRow* r) { return r->visible; });
      if (ticked == 0) return Qt::Unchecked;
      return static_cast<std::size_t>(ticked) == runs.size() ? Qt::Checked : Qt::PartiallyChecked;
    }
    if (role == Qt::ToolTipRole) return tr("Show every run of the sweep in the plots");
    return {};
  }
  if (role == Qt::FontRole && col == ColName) {
    QFont bold;
    bold.setBold(true);
    return bold;
  }
  if (role == Qt::ToolTipRole && col == ColName) {
    const auto info = sweeps_.find(sweep_id);
    const QDateTime created = info == sweeps_.end()
                                  ? QDateTime()
                                  : QDateTime::fromString(info->second.created, Qt::ISODate);
    if (!created.isValid()) return tr("Sweep #%1 · %2").arg(sweep_id).arg(runs_text(runs.size()));
    return tr("Sweep #%1, created %2 · %3")
        .arg(sweep_id)
        .arg(created.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")))
        .arg(runs_text(runs.size()));
  }
  if (role == Qt::ToolTipRole && col == ColStatus) return sweep_status_tooltip(runs);
  if (role == Qt::ForegroundRole && col == ColStatus)
    return status_brush(group_colour_status(runs));
  if (role == Qt::TextAlignmentRole && col >= ColBatch && col != ColToTarget)
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
  if (role != Qt::DisplayRole) return {};
  switch (col) {
    case ColName:
      return QStringLiteral("%1 · %2").arg(sweepName(sweep_id), runs_text(runs.size()));
    case ColStatus: {
      const auto info = sweeps_.find(sweep_id);
      return sweep_status_text(runs, info == sweeps_.end() ? 0 : info->second.planned);
    }
    case ColBatch: {
      std::int64_t lo = 0, hi = 0;
      for (const RunRow* r : runs) {
        if (r->batch <= 0) continue;
        lo = lo == 0 ? r->batch : std::min(lo, r->batch);
        hi = std::max(hi, r->batch);
      }
      return hi > 0 ? range_text(QString::number(lo), QString::number(hi)) : QVariant();
    }
    case ColLr: {
      const double hi = best_of(runs, [](const RunRow& r) { return r.lr; });
      const double lo = -best_of(runs, [](const RunRow& r) { return -r.lr; });
      return std::isfinite(hi) ? range_text(format_number(lo, 4), format_number(hi, 4))
                               : QStringLiteral("—");
    }
    case ColThroughput:
      return throughput_text(best_of(runs, [](const RunRow& r) { return r.samples_per_s; }));
    case ColPeakMemory: {
      std::int64_t peak = 0;
      for (const RunRow* r : runs) peak = std::max(peak, r->peak_memory);
      return memory_text(peak);
    }
    case ColValAccuracy:
      return accuracy_text(best_of(runs, [](const RunRow& r) { return r.val_accuracy; }));
    case ColToTarget: {
      const auto reached = std::count_if(runs.begin(), runs.end(),
                                         [](const RunRow* r) { return !r->to_target.isEmpty(); });
      return reached ? tr("%1 of %2 reached").arg(reached).arg(runs.size()) : QStringLiteral("—");
    }
    case ColCost:
    case ColCostToTarget: {
      // The sweep's bill: the runs' costs summed over those whose time is known.
      double seconds = 0;
      bool any = false;
      for (const RunRow* r : runs) {
        const double s = col == ColCost ? r->time_s : r->time_to_target_s.value_or(kNaN);
        if (std::isfinite(s)) {
          seconds += s;
          any = true;
        }
      }
      return format_cost(any ? seconds : kNaN);
    }
    default:
      return {};
  }
}

Qt::ItemFlags RunsTableModel::flags(const QModelIndex& index) const {
  Qt::ItemFlags f = QAbstractItemModel::flags(index);
  if (index.isValid() && index.column() == ColShow) f |= Qt::ItemIsUserCheckable;
  if (index.isValid() && index.internalId() != 0) f |= Qt::ItemNeverHasChildren;
  return f;
}

QString RunsTableModel::format_cost(double seconds) const {
  const double cost = price_per_hour_ > 0 ? cost_of(seconds, price_per_hour_) : kNaN;
  return cost_text(cost);
}

QString RunsTableModel::cost_text(double cost) {
  // Money reads in cents: a short CPU run costs a fraction of one, which "7.79e-07" hides.
  if (!std::isfinite(cost)) return QStringLiteral("—");
  if (cost > 0 && cost < 0.01) return QStringLiteral("< 0.01");
  return QString::number(cost, 'f', 2);
}

}  // namespace batchlab
