#include "app/qt_event_bridge.h"

#include <algorithm>
#include <utility>

namespace batchlab {

QtEventBridge::Batch QtEventBridge::take() {
  Batch out;
  std::lock_guard lock(mutex_);
  std::swap(out, pending_);
  notified_ = false;
  return out;
}

std::size_t QtEventBridge::highWater() const {
  std::lock_guard lock(mutex_);
  return high_water_;
}

std::size_t QtEventBridge::droppedSteps() const {
  std::lock_guard lock(mutex_);
  return dropped_total_;
}

bool QtEventBridge::mark_pending_locked() {
  if (notified_) return false;
  notified_ = true;
  return true;
}

void QtEventBridge::notify(bool needed) {
  // Emitted outside the lock: the queued connection posts an event and returns at once.
  if (needed) emit eventsAvailable();
}

void QtEventBridge::on_run_started(const RunStarted& e) {
  bool needed = false;
  {
    std::lock_guard lock(mutex_);
    pending_.started.push_back(e);
    needed = mark_pending_locked();
  }
  notify(needed);
}

void QtEventBridge::on_step(const StepEvent& e) {
  bool needed = false;
  {
    std::lock_guard lock(mutex_);
    if (pending_.steps.size() >= kMaxPendingSteps) {
      ++pending_.dropped_steps;
      ++dropped_total_;
    } else {
      pending_.steps.push_back(e);
      high_water_ = std::max(high_water_, pending_.steps.size());
    }
    needed = mark_pending_locked();
  }
  notify(needed);
}

void QtEventBridge::on_eval(const EvalEvent& e) {
  bool needed = false;
  {
    std::lock_guard lock(mutex_);
    pending_.evals.push_back(e);
    needed = mark_pending_locked();
  }
  notify(needed);
}

void QtEventBridge::on_extension(const ExtensionEvent& e) {
  if (const auto* device = dynamic_cast<const DeviceMemoryEvent*>(&e)) {
    bool needed = false;
    {
      std::lock_guard lock(mutex_);
      auto& latest = pending_.device_memory;
      const auto same = std::find_if(latest.begin(), latest.end(), [&](const DeviceMemoryEvent& d) {
        return d.run_id == device->run_id && d.device == device->device;
      });
      if (same != latest.end())
        *same = *device;
      else
        latest.push_back(*device);
      needed = mark_pending_locked();
    }
    notify(needed);
    return;
  }
  const auto* snapshot = dynamic_cast<const ParameterSnapshotEvent*>(&e);
  if (!snapshot) return;
  bool needed = false;
  {
    std::lock_guard lock(mutex_);
    if (pending_.snapshots.size() >= kMaxPendingSnapshots) return;
    pending_.snapshots.push_back(*snapshot);
    needed = mark_pending_locked();
  }
  notify(needed);
}

void QtEventBridge::on_log(const LogEvent& e) {
  bool needed = false;
  {
    std::lock_guard lock(mutex_);
    pending_.logs.push_back(e);
    needed = mark_pending_locked();
  }
  notify(needed);
}

void QtEventBridge::on_run_finished(const RunFinished& e) {
  bool needed = false;
  {
    std::lock_guard lock(mutex_);
    pending_.finished.push_back(e);
    needed = mark_pending_locked();
  }
  notify(needed);
}

}  // namespace batchlab
