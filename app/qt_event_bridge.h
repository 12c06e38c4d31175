// defines: QtEventBridge (EventSink → GUI thread, in batches)
// The Trainer calls the on_* methods on its worker thread; each copies the event into a pending
// batch under a mutex and returns. Only when the batch goes from empty to non-empty does the
// bridge emit eventsAvailable (a queued signal), so however fast the steps come the GUI's event
// queue holds at most one notification; the GUI then take()s the whole batch at its own pace
// (DESIGN §2). Steps beyond kMaxPendingSteps are dropped and counted rather than growing
// memory without bound if the GUI thread stalls; the store still receives every step.
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

#include <QObject>

#include "engine/core/event_sink.h"
#include "engine/core/extension_event.h"
#include "engine/train/parameter_snapshot.h"

namespace batchlab {

class QtEventBridge final : public QObject, public EventSink {
  Q_OBJECT
 public:
  static constexpr std::size_t kMaxPendingSteps = std::size_t{1} << 18;
  // Parameter snapshots waiting beyond this are dropped (oldest kept: a path's start matters).
  static constexpr std::size_t kMaxPendingSnapshots = std::size_t{1} << 14;

  struct Batch {
    std::vector<RunStarted> started;
    std::vector<StepEvent> steps;
    std::vector<EvalEvent> evals;
    std::vector<LogEvent> logs;
    std::vector<RunFinished> finished;
    std::vector<ParameterSnapshotEvent> snapshots;
    // The latest memory of each (run, device) since the last take(): one entry per pair, so
    // however many steps pass between drains this stays as small as the device count.
    std::vector<DeviceMemoryEvent> device_memory;
    std::size_t dropped_steps = 0;
    bool empty() const {
      return started.empty() && steps.empty() && evals.empty() && logs.empty() &&
             finished.empty() && snapshots.empty() && device_memory.empty();
    }
  };

  using QObject::QObject;

  // GUI thread: everything gathered since the last take().
  Batch take();
  // The most steps ever waiting at once, and how many were dropped, since construction.
  std::size_t highWater() const;
  std::size_t droppedSteps() const;

  // Worker thread.
  void on_run_started(const RunStarted& e) override;
  void on_step(const StepEvent& e) override;
  void on_eval(const EvalEvent& e) override;
  void on_log(const LogEvent& e) override;
  void on_run_finished(const RunFinished& e) override;
  // Parameter snapshots (the 2-D views) and per-device memory (the memory plot); other
  // extension kinds are not the window's.
  void on_extension(const ExtensionEvent& e) override;

 signals:
  void eventsAvailable();

 private:
  // Call with the mutex held; returns whether this push must notify the GUI.
  bool mark_pending_locked();
  void notify(bool needed);

  mutable std::mutex mutex_;
  Batch pending_;
  bool notified_ = false;
  std::size_t high_water_ = 0;
  std::size_t dropped_total_ = 0;
};

}  // namespace batchlab
