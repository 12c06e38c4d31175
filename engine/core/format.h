// defines: format_bytes, format_rate, format_duration, format_number, fit_column
// Human-readable numbers: the one set of formats of the CLI, the GUI (widgets/format.h wraps
// these) and the reports, so all three say the same. Three significant digits for bytes and
// rates, one unit chosen per value; "—" for a value that is missing.
#pragma once

#include <cstdint>
#include <string>

#include "engine/core/format_text.h"

namespace batchlab {

// "512 B", "86.3 KiB", "2.86 MiB", "135 KiB"
inline std::string format_bytes(std::int64_t bytes) {
  return text::bytes(bytes);
}
// "950", "45.2k", "1.97M"
inline std::string format_rate(double per_second) {
  return text::rate(per_second);
}
// "3.2 ms", "850 ms", "4.2 s", "37.6 s", "3 min 05 s", "1 h 02 min"
inline std::string format_duration(double seconds) {
  return text::duration(seconds);
}
// "0.8532", "1.2e-05", "1000", "12300" (to 3 digits); "—" for NaN
inline std::string format_number(double value, int significant = 4) {
  return text::number(value, significant);
}

// `text` as exactly `width` terminal columns (UTF-8 code points), padded with spaces. Too long, it
// is cut at the last space that fits and ends in " …", so a name never loses half a number
// ("sweep b=1024 …", not "sweep b=1024 lr=0"); a single word longer than the column is cut at
// width − 1 and ends in "…".
std::string fit_column(const std::string& text, std::size_t width);

}  // namespace batchlab
