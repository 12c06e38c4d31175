#include "widgets/format.h"

#include <algorithm>
#include <cmath>

#include <QLocale>

#include "engine/core/format_text.h"

namespace batchlab {

// The engine's formats (core/format.h), so the window, the CLI and the reports agree.
QString format_bytes(std::int64_t bytes) {
  return QString::fromStdString(text::bytes(bytes));
}

QString format_duration(double seconds) {
  return QString::fromStdString(text::duration(seconds));
}

QString format_number(double value, int significant) {
  return QString::fromStdString(text::number(value, significant));
}

QString format_rate(double samples_per_s) {
  if (!std::isfinite(samples_per_s)) return QString::fromUtf8(kMissing);
  return QString::fromStdString(text::rate(samples_per_s)) + QStringLiteral(" samples/s");
}

QString format_count(long long n, const QString& one, const QString& many) {
  return QLocale(QLocale::English).toString(n) + QLatin1Char(' ') + (n == 1 ? one : many);
}

}  // namespace batchlab
