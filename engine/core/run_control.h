// defines: RunControl (pause / resume / stop from any thread)
// The Trainer polls stop_requested() and paused() between steps (two relaxed atomic loads) and
// only blocks in wait_while_paused(), so pause and stop act within one step.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace batchlab {

class RunControl {
 public:
  void request_stop() {
    stop_.store(true);
    wake();
  }
  void pause() { paused_.store(true); }
  void resume() {
    paused_.store(false);
    wake();
  }
  // Clears both flags for the next run.
  void reset() {
    stop_.store(false);
    paused_.store(false);
  }

  bool stop_requested() const { return stop_.load(std::memory_order_relaxed); }
  bool paused() const { return paused_.load(std::memory_order_relaxed); }

  // Blocks while paused; returns early on stop. Called by the Trainer only.
  void wait_while_paused() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return !paused_.load() || stop_.load(); });
  }

 private:
  void wake() {
    std::lock_guard lock(mutex_);
    cv_.notify_all();
  }

  std::atomic<bool> stop_{false};
  std::atomic<bool> paused_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
};

}  // namespace batchlab
