// defines: format_bytes, format_duration, format_number, format_rate, format_count
// How numbers read in the GUI: the engine's one set of formats (core/format.h) as QStrings.
#pragma once

#include <cstdint>

#include <QString>

namespace batchlab {

QString format_bytes(std::int64_t bytes);  // "512 B", "18.3 KiB", "1.50 MiB", "512 MiB": 3 digits
// "3.2 ms", "24 ms", "4.2 s", "37.6 s", "3 min 05 s", "1 h 02 min"; "—" for NaN
QString format_duration(double seconds);
QString format_number(double value, int significant = 4);  // "0.1235", "1.235e+06"; "—" for NaN
QString format_rate(double samples_per_s);                 // "12.3k samples/s"; "—" for NaN
// "1 run", "1,200 runs": the noun in the number's form (English; no "run(s)" in the window).
QString format_count(long long n, const QString& one, const QString& many);

}  // namespace batchlab
