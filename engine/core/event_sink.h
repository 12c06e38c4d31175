// defines: EventSink (the Trainer's only way out), FanOutSink
// Threading contract: every call comes from the thread that runs the Trainer, in order:
// on_run_started, then on_step / on_eval / on_log interleaved, then exactly one on_run_finished.
// on_step is on the hot path: implementations copy the struct and return; no I/O, no blocking.
// on_extension carries every other kind of event (core/extension_event.h: serving, per-device
// memory …) between on_run_started and on_run_finished; a sink that does not know a kind
// ignores it, which is the default.
#pragma once

#include <vector>

#include "engine/core/events.h"
#include "engine/core/extension_event.h"

namespace batchlab {

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void on_run_started(const RunStarted&) {}
  virtual void on_step(const StepEvent&) {}
  virtual void on_eval(const EvalEvent&) {}
  virtual void on_log(const LogEvent&) {}
  virtual void on_run_finished(const RunFinished&) {}
  virtual void on_extension(const ExtensionEvent&) {}
};

// Forwards every event to each sink in the order they were added. Does not own them.
class FanOutSink final : public EventSink {
 public:
  void add(EventSink* sink) {
    if (sink) sinks_.push_back(sink);
  }
  void on_run_started(const RunStarted& e) override {
    for (auto* s : sinks_) s->on_run_started(e);
  }
  void on_step(const StepEvent& e) override {
    for (auto* s : sinks_) s->on_step(e);
  }
  void on_eval(const EvalEvent& e) override {
    for (auto* s : sinks_) s->on_eval(e);
  }
  void on_log(const LogEvent& e) override {
    for (auto* s : sinks_) s->on_log(e);
  }
  void on_run_finished(const RunFinished& e) override {
    for (auto* s : sinks_) s->on_run_finished(e);
  }
  void on_extension(const ExtensionEvent& e) override {
    for (auto* s : sinks_) s->on_extension(e);
  }

 private:
  std::vector<EventSink*> sinks_;
};

}  // namespace batchlab
