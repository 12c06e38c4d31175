#include "app/latency_probe.h"

#include <algorithm>

namespace batchlab {

bool LatencyProbe::start(const QString& path) {
  out_ = std::fopen(path.toLocal8Bit().constData(), "w");
  if (!out_) return false;
  std::fprintf(out_, "seconds,worst_gap_ms,mean_gap_ms\n");
  std::fflush(out_);
  timer_.setTimerType(Qt::PreciseTimer);
  timer_.setInterval(10);
  connect(&timer_, &QTimer::timeout, this, &LatencyProbe::tick);
  clock_.start();
  last_ns_ = second_start_ns_ = 0;
  timer_.start();
  return true;
}

LatencyProbe::~LatencyProbe() {
  if (out_) std::fclose(out_);
}

void LatencyProbe::tick() {
  const qint64 now = clock_.nsecsElapsed();
  const double gap_ms = static_cast<double>(now - last_ns_) / 1e6;
  last_ns_ = now;
  worst_ms_ = std::max(worst_ms_, gap_ms);
  sum_ms_ += gap_ms;
  ++gaps_;
  if (now - second_start_ns_ < 1'000'000'000) return;
  std::fprintf(out_, "%.1f,%.1f,%.2f\n", static_cast<double>(now) / 1e9, worst_ms_,
               sum_ms_ / gaps_);
  std::fflush(out_);
  second_start_ns_ = now;
  worst_ms_ = sum_ms_ = 0;
  gaps_ = 0;
}

}  // namespace batchlab
