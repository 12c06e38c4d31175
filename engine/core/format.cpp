#include "engine/core/format.h"

#include <cmath>
#include <cstdio>
#include <vector>

namespace batchlab {

std::string format_bytes(std::int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (std::fabs(v) >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string format_rate(double v) {
  if (!std::isfinite(v)) return "–";
  char buf[32];
  if (v >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
  else if (v >= 1e3)
    std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "–";
  char buf[32];
  if (s < 1.0) {
    std::snprintf(buf, sizeof buf, "%.0f ms", s * 1e3);
    return buf;
  }
  const auto total = static_cast<long long>(std::llround(s));
  const long long h = total / 3600, m = (total / 60) % 60, sec = total % 60;
  if (h > 0)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", h, m, sec);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", m, sec);
  return buf;
}

std::string format_number(double v, int significant) {
  if (!std::isfinite(v)) return std::isnan(v) ? "–" : (v > 0 ? "inf" : "-inf");
  char buf[32];
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

}  // namespace batchlab
