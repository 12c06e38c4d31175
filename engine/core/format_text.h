// defines: kMissing, text::bytes, text::rate, text::duration, text::number, text::latency
// The one set of number formats (core/format.h explains them), under names that do not clash
// with the GUI's QString wrappers of the same formats (widgets/format.h includes only this).
#pragma once

#include <cstdint>
#include <string>

namespace batchlab {

inline constexpr const char* kMissing = "—";  // a value that is missing or not a number

namespace text {
std::string bytes(std::int64_t bytes);
std::string rate(double per_second);
std::string duration(double seconds);
std::string number(double value, int significant);
// A latency: "850 µs" below a millisecond, else as duration ("8.1 ms", "1.2 s").
std::string latency(double seconds);
}  // namespace text

}  // namespace batchlab
