// defines: format_latency
// Request latencies and inference step times live below a millisecond, where core/format's
// format_duration (made for training times) prints "0.0 ms". Below 1 ms this writes
// microseconds to three digits ("2.13 µs", "850 µs"); from 1 ms on it is format_duration.
#pragma once

#include <cmath>
#include <string>

#include "engine/core/format.h"

namespace batchlab {

inline std::string format_latency(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return kMissing;
  if (seconds == 0 || seconds >= 0.9995e-3) return format_duration(seconds);
  const double us = seconds * 1e6;
  return format_number(us, 3) + " µs";
}

}  // namespace batchlab
