#include "widgets/runs_table_model.h"

#include <cmath>

#include <QBrush>
#include <QLocale>
#include <nlohmann/json.hpp>

#include "engine/metrics/cost.h"
#include "widgets/format.h"
#include "widgets/run_palette.h"

namespace batchlab {

QString status_text(RunStatus status) {
  QString text =
      QString::fromUtf8(to_string(status).data(), static_cast<qsizetype>(to_string(status).size()));
  return text.replace(QLatin1Char('_'), QLatin1Char(' '));
}

bool is_failure(RunStatus status) {
  return status == RunStatus::diverged || status == RunStatus::out_of_memory ||
         status == RunStatus::failed;
}

void apply_summary(RunRow& row, const RunSummary& summary) {
  if (std::isfinite(summary.samples_per_s_median)) row.samples_per_s = summary.samples_per_s_median;
  if (summary.peak_memory_bytes > 0) row.peak_memory = summary.peak_memory_bytes;
  if (std::isfinite(summary.final_val_accuracy)) row.val_accuracy = summary.final_val_accuracy;
  if (std::isfinite(summary.final_val_loss)) row.val_loss = summary.final_val_loss;
  row.to_target.clear();
  if (summary.time_s > 0) row.time_s = summary.time_s;
  row.time_to_target_s = summary.time_to_target_s;
  if (summary.steps_to_target) {
    const QLocale c(QLocale::English);
    row.to_target = QStringLiteral("%1 steps")
                        .arg(c.toString(static_cast<qlonglong>(*summary.steps_to_target)));
    if (summary.time_to_target_s)
      row.to_target += QStringLiteral(" · %1").arg(format_duration(*summary.time_to_target_s));
  }
}

RunRow row_from_record(const RunRecord& record) {
  RunRow row;
  row.id = record.id;
  row.name = QString::fromStdString(record.name);
  row.status = record.status;
  row.reason = QString::fromStdString(record.reason);
  // Read the two columns leniently: a config written by an older version still lists its run.
  const auto config = nlohmann::json::parse(record.config_json, nullptr, false);
  if (config.is_object()) {
    const auto batch = config.find("batch");
    if (batch != config.end() && batch->is_object() && batch->contains("size") &&
        (*batch)["size"].is_number())
      row.batch = (*batch)["size"].get<std::int64_t>();
    const auto opt = config.find("optimizer");
    if (opt != config.end() && opt->is_object() && opt->contains("lr") && (*opt)["lr"].is_number())
      row.lr = (*opt)["lr"].get<double>();
  }
  if (!record.summary_json.empty()) {
    try {
      apply_summary(row, summary_from_json(record.summary_json));
    } catch (const std::exception&) {
      // A damaged summary leaves the metric cells empty; the run still lists.
    }
  }
  return row;
}

int RunsTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int RunsTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunsTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal) return {};
  static const char* const kTitles[ColumnCount] = {
      "",        "run",       "status", "batch",         "lr", "samples/s", "peak memory",
      "val acc", "to target", "cost",   "cost to target"};
  static const char* const kTips[ColumnCount] = {
      "Show the run in the plots; the swatch is its colour everywhere",
      "Run id and name",
      "How the run ended (hover for the reason)",
      "Effective batch size B (samples per update)",
      "Learning rate",
      "Median training throughput (moving average while running)",
      "Largest memory use by the run",
      "Final validation accuracy",
      "Steps and time to reach the stop target",
      "Wall time × the price per device-hour (set the price in Settings)",
      "Time to the stop target × the price per device-hour"};
  if (role == Qt::DisplayRole) return QString::fromLatin1(kTitles[section]);
  if (role == Qt::ToolTipRole) return QString::fromLatin1(kTips[section]);
  return {};
}

QVariant RunsTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount()) return {};
  const RunRow& r = rows_[static_cast<std::size_t>(index.row())];
  const int col = index.column();
  if (col == ColShow) {
    if (role == Qt::CheckStateRole) return r.visible ? Qt::Checked : Qt::Unchecked;
    if (role == Qt::DecorationRole) return run_colour(r.id);
    if (role == Qt::ToolTipRole) return tr("Show run #%1 in the plots").arg(r.id);
    return {};
  }
  if (role == Qt::ToolTipRole && (col == ColStatus || col == ColName) && !r.reason.isEmpty())
    return r.reason;
  if (role == Qt::ForegroundRole && col == ColStatus) {
    if (is_failure(r.status)) return QBrush(QColor(0xc0392b));
    if (r.status == RunStatus::running) return QBrush(QColor(0x1f5fa8));
    if (r.status == RunStatus::stopped || r.status == RunStatus::interrupted)
      return QBrush(QColor(0x8a6d3b));
    return QBrush(QColor(0x2e7d32));
  }
  if (role == Qt::TextAlignmentRole && col >= ColBatch && col != ColToTarget)
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
  if (role != Qt::DisplayRole) return {};
  switch (col) {
    case ColName:
      return QStringLiteral("#%1 %2").arg(r.id).arg(r.name);
    case ColStatus:
      return status_text(r.status);
    case ColBatch:
      return r.batch > 0 ? QVariant(static_cast<qlonglong>(r.batch)) : QVariant();
    case ColLr:
      return format_number(r.lr, 4);
    case ColThroughput:
      return std::isfinite(r.samples_per_s)
                 ? QLocale(QLocale::English)
                       .toString(static_cast<qlonglong>(std::llround(r.samples_per_s)))
                 : QStringLiteral("—");
    case ColPeakMemory:
      return r.peak_memory > 0 ? format_bytes(r.peak_memory) : QStringLiteral("—");
    case ColValAccuracy:
      return std::isfinite(r.val_accuracy)
                 ? QStringLiteral("%1 %").arg(r.val_accuracy * 100, 0, 'f', 2)
                 : QStringLiteral("—");
    case ColToTarget:
      return r.to_target.isEmpty() ? QStringLiteral("—") : r.to_target;
    case ColCost:
      return format_cost(r.time_s);
    case ColCostToTarget:
      return r.time_to_target_s ? format_cost(*r.time_to_target_s) : QStringLiteral("—");
    default:
      return {};
  }
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

void RunsTableModel::setPricePerHour(double price) {
  price_per_hour_ = std::isfinite(price) && price > 0 ? price : 0;
  if (rowCount() > 0) emit dataChanged(index(0, ColCost), index(rowCount() - 1, ColCostToTarget));
}

Qt::ItemFlags RunsTableModel::flags(const QModelIndex& index) const {
  Qt::ItemFlags f = QAbstractTableModel::flags(index);
  if (index.column() == ColShow) f |= Qt::ItemIsUserCheckable;
  return f;
}

bool RunsTableModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (!index.isValid() || index.column() != ColShow || role != Qt::CheckStateRole) return false;
  RunRow& r = rows_[static_cast<std::size_t>(index.row())];
  const bool visible = value.toInt() == Qt::Checked;
  if (r.visible == visible) return true;
  r.visible = visible;
  emit dataChanged(index, index, {Qt::CheckStateRole});
  emit visibilityToggled(r.id, visible);
  return true;
}

void RunsTableModel::upsert(const RunRow& row) {
  const int existing = rowOf(row.id);
  if (existing >= 0) {
    rows_[static_cast<std::size_t>(existing)] = row;
    emit dataChanged(index(existing, 0), index(existing, ColumnCount - 1));
    return;
  }
  // Newest (largest id) first.
  int at = 0;
  while (at < rowCount() && rows_[static_cast<std::size_t>(at)].id > row.id) ++at;
  beginInsertRows({}, at, at);
  rows_.insert(rows_.begin() + at, row);
  endInsertRows();
}

const RunRow* RunsTableModel::find(std::int64_t id) const {
  const int r = rowOf(id);
  return r < 0 ? nullptr : &rows_[static_cast<std::size_t>(r)];
}

int RunsTableModel::rowOf(std::int64_t id) const {
  for (std::size_t i = 0; i < rows_.size(); ++i)
    if (rows_[i].id == id) return static_cast<int>(i);
  return -1;
}

std::int64_t RunsTableModel::idAt(int row) const {
  return row >= 0 && row < rowCount() ? rows_[static_cast<std::size_t>(row)].id : 0;
}

void RunsTableModel::setVisible(std::int64_t id, bool visible) {
  const int r = rowOf(id);
  if (r < 0) return;
  setData(index(r, ColShow), visible ? Qt::Checked : Qt::Unchecked, Qt::CheckStateRole);
}

void RunsTableModel::clear() {
  beginResetModel();
  rows_.clear();
  endResetModel();
}

}  // namespace batchlab
