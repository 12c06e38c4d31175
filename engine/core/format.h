// defines: format_bytes, format_rate, format_duration, format_number, fit_column
// Human-readable numbers shared by the CLI, the GUI and reports, so all three say the same.
#pragma once

#include <cstdint>
#include <string>

namespace batchlab {

std::string format_bytes(std::int64_t bytes);                  // "3.2 MiB"
std::string format_rate(double per_second);                    // "45.2k"
std::string format_duration(double seconds);                   // "0:12", "1:02:03", "850 ms"
std::string format_number(double value, int significant = 4);  // "0.8532", "1.2e-05", "–" for NaN

// `text` as exactly `width` terminal columns (UTF-8 code points), padded with spaces. Too long, it
// is cut at the last space that fits and ends in " …", so a name never loses half a number
// ("sweep b=1024 …", not "sweep b=1024 lr=0"); a single word longer than the column is cut at
// width − 1 and ends in "…".
std::string fit_column(const std::string& text, std::size_t width);

}  // namespace batchlab
