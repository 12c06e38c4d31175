#include "widgets/sweep_group.h"

#include <algorithm>

#include <QStringList>
#include <nlohmann/json.hpp>

#include "widgets/format.h"

namespace batchlab {

namespace {

// How often each status occurs, in a fixed order: the good news first, then what went wrong.
constexpr RunStatus kStatusOrder[] = {
    RunStatus::completed, RunStatus::target_reached, RunStatus::running, RunStatus::out_of_memory,
    RunStatus::diverged,  RunStatus::failed,         RunStatus::stopped, RunStatus::interrupted};

int count_of(const std::vector<const RunRow*>& runs, RunStatus status) {
  return static_cast<int>(std::count_if(runs.begin(), runs.end(),
                                        [&](const RunRow* r) { return r->status == status; }));
}

// "1 run", "12 runs" (format_count, as everywhere in the window).
QString runs_text(long long n) {
  return format_count(n, QStringLiteral("run"), QStringLiteral("runs"));
}

}  // namespace

SweepInfo sweep_info_from_record(const SweepRecord& record) {
  SweepInfo info;
  info.name = QString::fromStdString(record.name);
  info.created = QString::fromStdString(record.created);
  const auto config = nlohmann::json::parse(record.config_json, nullptr, false);
  if (!config.is_object()) return info;
  // sweep_config_to_json writes batch sizes as a list and learning rates as a (maybe empty) list.
  const auto sizes = config.find("batch_sizes");
  if (sizes == config.end() || !sizes->is_array() || sizes->empty()) return info;
  std::size_t rates = 1;
  if (const auto lrs = config.find("learning_rates"); lrs != config.end() && lrs->is_array())
    rates = std::max<std::size_t>(1, lrs->size());
  int repeats = 1;
  if (const auto r = config.find("repeats"); r != config.end() && r->is_number_integer())
    repeats = std::max(1, r->get<int>());
  info.planned = static_cast<int>(sizes->size() * rates) * repeats;
  return info;
}

QString sweep_status_text(const std::vector<const RunRow*>& runs, int planned) {
  const int n = static_cast<int>(runs.size());
  const int total = std::max(n, planned);
  for (int i = 0; i < n; ++i)
    if (runs[static_cast<std::size_t>(i)]->status == RunStatus::running)
      return QStringLiteral("running %1 of %2").arg(i + 1).arg(total);
  QStringList problems;
  for (const RunStatus s : {RunStatus::out_of_memory, RunStatus::diverged, RunStatus::failed,
                            RunStatus::stopped, RunStatus::interrupted})
    if (const int k = count_of(runs, s))
      problems << QStringLiteral("%1 %2").arg(k).arg(status_text(s));
  // Fewer runs than planned and nothing wrong: between two runs, or a sweep cut short.
  const QString count =
      n < planned ? QStringLiteral("%1 of %2 runs").arg(n).arg(planned) : runs_text(n);
  if (problems.isEmpty()) return n < planned ? count : QStringLiteral("completed");
  return count + QStringLiteral(" · ") + problems.join(QStringLiteral(" · "));
}

QString sweep_status_tooltip(const std::vector<const RunRow*>& runs) {
  QStringList parts;
  for (const RunStatus s : kStatusOrder)
    if (const int k = count_of(runs, s))
      parts << QStringLiteral("%1 %2").arg(k).arg(status_text(s));
  return parts.join(QStringLiteral(", "));
}

QString range_text(const QString& low, const QString& high) {
  return low == high ? low : low + QChar(0x2013) + high;
}

}  // namespace batchlab
