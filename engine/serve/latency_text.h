// defines: format_latency
// Request latencies and inference step times live below a millisecond, where core/format's
// format_duration (made for training times) prints "0.0 ms". Below 1 ms this writes
// microseconds to three digits ("2.13 µs", "850 µs"); from 1 ms on it is format_duration.
#pragma once

#include <cmath>
#include <string>

#include "engine/core/format.h"

namespace batchlab {

// text::latency (core/format_text.h), under the engine's name for it.
inline std::string format_latency(double seconds) { return text::latency(seconds); }

}  // namespace batchlab
