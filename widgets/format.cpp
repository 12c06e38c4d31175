#include "widgets/format.h"

#include <algorithm>
#include <cmath>

#include <QLocale>

namespace batchlab {

QString format_bytes(std::int64_t bytes) {
  if (bytes < 0) return QStringLiteral("—");
  if (bytes < 1024) return QStringLiteral("%1 B").arg(bytes);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes) / 1024.0;
  int u = 0;
  while (v >= 1024.0 && u < 3) {
    v /= 1024.0;
    ++u;
  }
  return QStringLiteral("%1 %2")
      .arg(v, 0, 'f',
           v < 10    ? 2
           : v < 100 ? 1
                     : 0)
      .arg(QLatin1String(units[u]));
}

QString format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return QStringLiteral("—");
  // Runs on small synthetic sets reach their target in milliseconds: "0.0 s" would hide them.
  if (seconds == 0) return QStringLiteral("0 s");
  if (seconds < 0.9995)
    return QStringLiteral("%1 ms").arg(std::max(1.0, std::round(seconds * 1000)));
  if (seconds < 10) return QStringLiteral("%1 s").arg(seconds, 0, 'f', 1);
  const auto total = static_cast<std::int64_t>(std::llround(seconds));
  if (total < 60) return QStringLiteral("%1 s").arg(total);
  if (total < 3600)
    return QStringLiteral("%1 min %2 s").arg(total / 60).arg(total % 60, 2, 10, QLatin1Char('0'));
  return QStringLiteral("%1 h %2 min")
      .arg(total / 3600)
      .arg((total % 3600) / 60, 2, 10, QLatin1Char('0'));
}

QString format_number(double value, int significant) {
  if (!std::isfinite(value)) return QStringLiteral("—");
  return QString::number(value, 'g', significant);
}

QString format_rate(double samples_per_s) {
  if (!std::isfinite(samples_per_s)) return QStringLiteral("—");
  const QLocale c(QLocale::English);
  if (samples_per_s >= 100)
    return c.toString(static_cast<qlonglong>(std::llround(samples_per_s))) + " samples/s";
  return QString::number(samples_per_s, 'f', 1) + " samples/s";
}

QString format_count(long long n, const QString& one, const QString& many) {
  return QLocale(QLocale::English).toString(n) + QLatin1Char(' ') + (n == 1 ? one : many);
}

}  // namespace batchlab
