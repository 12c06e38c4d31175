#include "engine/core/format.h"

#include <cmath>
#include <cstdio>
#include <vector>

namespace batchlab {

namespace {

// Three significant digits for a value already scaled to its unit: "9.53", "95.3", "953".
std::string three_digits(double v, const char* unit) {
  char buf[32];
  const double a = std::fabs(v);
  std::snprintf(buf, sizeof buf, "%.*f%s", a < 9.995 ? 2 : a < 99.95 ? 1 : 0, v, unit);
  return buf;
}

}  // namespace

std::string text::bytes(std::int64_t bytes) {
  if (bytes < 0) return kMissing;
  if (bytes < 1024) return std::to_string(bytes) + " B";
  const char* units[] = {" KiB", " MiB", " GiB", " TiB"};
  double v = static_cast<double>(bytes) / 1024.0;
  int u = 0;
  // 1023.7 KiB would print as "1024 KiB": step up once the rounded value reaches 1024.
  while (v >= 1023.5 && u < 3) {
    v /= 1024.0;
    ++u;
  }
  return three_digits(v, units[u]);
}

std::string text::rate(double v) {
  if (!std::isfinite(v) || v < 0) return kMissing;
  const char* units[] = {"", "k", "M", "G"};
  int u = 0;
  while (v >= 999.5 && u < 3) {
    v /= 1000.0;
    ++u;
  }
  return three_digits(v, units[u]);
}

std::string text::duration(double s) {
  if (!std::isfinite(s) || s < 0) return kMissing;
  char buf[40];
  // Small synthetic sets reach their target in milliseconds: "0.0 s" would hide them.
  if (s == 0) return "0 s";
  if (s < 0.9995) {
    const double ms = s * 1e3;
    std::snprintf(buf, sizeof buf, "%.*f ms", ms < 9.95 ? 1 : 0, ms);
    return buf;
  }
  if (s < 59.95) {
    std::snprintf(buf, sizeof buf, "%.1f s", s);
    return buf;
  }
  const auto total = static_cast<long long>(std::llround(s));
  if (total < 3600)
    std::snprintf(buf, sizeof buf, "%lld min %02lld s", total / 60, total % 60);
  else
    std::snprintf(buf, sizeof buf, "%lld h %02lld min", total / 3600, (total % 3600) / 60);
  return buf;
}

std::string text::number(double v, int significant) {
  if (!std::isfinite(v)) return std::isnan(v) ? kMissing : (v > 0 ? "inf" : "-inf");
  char buf[32];
  // %g writes 1000 as "1e+03" at three digits: whole numbers up to 10¹⁵ are written out,
  // rounded to the digits asked for ("1000", "12300").
  if (const double a = std::fabs(v); a >= std::pow(10.0, significant) && a < 1e15) {
    const double unit = std::pow(10.0, std::floor(std::log10(a)) + 1 - significant);
    std::snprintf(buf, sizeof buf, "%.0f", std::round(v / unit) * unit);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.*g", significant, v);
  return buf;
}

std::string fit_column(const std::string& text, std::size_t width) {
  // Byte offsets of each code point's start: continuation bytes are 10xxxxxx.
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < text.size(); ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  std::string out;
  std::size_t columns = starts.size();
  if (columns <= width) {
    out = text;
  } else if (width > 0) {
    // Keep at most width − 2 code points before " …"; cut at the last space among them.
    std::size_t keep = 0;
    for (std::size_t c = 1; c + 2 <= width && c < starts.size(); ++c)
      if (text[starts[c]] == ' ') keep = c;
    if (keep > 0) {
      out = text.substr(0, starts[keep]) + " …";
      columns = keep + 2;
    } else {
      out = text.substr(0, starts[width - 1]) + "…";
      columns = width;
    }
  }
  if (columns < width) out.append(width - columns, ' ');
  return out;
}

std::string text::latency(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return kMissing;
  if (seconds == 0 || seconds >= 0.9995e-3) return duration(seconds);
  return number(seconds * 1e6, 3) + " µs";
}

}  // namespace batchlab
