// defines: LatencyProbe (how late the GUI thread's 10 ms timer fires, written once a second)
// `batchlab --latency-log PATH` (bench/soak/soak.sh): a 10 ms timer on the GUI thread whose
// gaps — the time between two firings — show how long the event loop was held. Each second one
// line "seconds,worst_gap_ms,mean_gap_ms" is appended, flushed at once, so a soak reads the
// window's fluidity over a whole session from outside (the window is fluid while the worst gap
// stays under 100 ms).
#pragma once

#include <cstdio>

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

namespace batchlab {

class LatencyProbe final : public QObject {
  Q_OBJECT
 public:
  // False when `path` cannot be written (the caller says so and goes on without it).
  bool start(const QString& path);
  ~LatencyProbe() override;

 private:
  void tick();

  std::FILE* out_ = nullptr;
  QTimer timer_;
  QElapsedTimer clock_;
  qint64 last_ns_ = 0;
  qint64 second_start_ns_ = 0;
  double worst_ms_ = 0;
  double sum_ms_ = 0;
  int gaps_ = 0;
};

}  // namespace batchlab
