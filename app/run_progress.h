// defines: RunProgress (status bar: [sweep i/n · ETA] · device · step/epoch · progress bar · ETA ·
//          queue)
// Progress is the furthest of the known limits: planned steps (epochs or max_steps) and the
// time limit. ETA extrapolates from the run's own pace so far. During a sweep a leading label
// says which run of how many is going and how long the sweep has left at most (the engine's
// estimate, refined by every finished run).
#pragma once

#include <QWidget>

#include "engine/core/events.h"

class QLabel;
class QProgressBar;

namespace batchlab {

struct SweepStatus;

class RunProgress final : public QWidget {
  Q_OBJECT
 public:
  explicit RunProgress(QWidget* parent = nullptr);

  void onStarted(const RunStarted& e);
  void onStep(const StepEvent& e);
  void onFinished(const RunFinished& e);
  void setQueued(int queued);
  void setPaused(bool paused);
  // Shows where a sweep stands; a status with `done` set clears the label.
  void setSweep(const SweepStatus& status);
  QString sweepText() const;

  // Fraction done in [0, 1], or a negative number when unknown.
  double fraction() const { return fraction_; }
  QString stepText() const;
  QString etaText() const;

 private:
  QLabel* sweep_ = nullptr;
  QLabel* device_ = nullptr;
  QLabel* step_ = nullptr;
  QProgressBar* bar_ = nullptr;
  QLabel* eta_ = nullptr;
  QLabel* queued_ = nullptr;
  std::int64_t planned_steps_ = 0;
  double time_limit_s_ = 0;
  double fraction_ = -1;
  bool paused_ = false;
};

}  // namespace batchlab
