// defines: ProgressLine (the one-line live display on a terminal), install_interrupt_handler,
//          interrupt_requested
// Redraws at most ten times a second on stderr with \r, and only when stderr is a terminal, so
// logs and pipes get no control characters. The line is erased when the run finishes.
// Ctrl-C asks the run to stop (stored as `stopped`) instead of killing the process.
// An info message already printed is not printed again: a sweep's runs each log the same
// "device auto: no usable GPU …", which the terminal needs once (the store keeps every run's).
#pragma once

#include <cstdio>
#include <set>
#include <string>

#include "engine/core/event_sink.h"
#include "engine/core/run_control.h"
#include "engine/core/stopwatch.h"

namespace batchlab::cli {

// Routes SIGINT/SIGTERM to `control` (through a flag polled by ProgressLine on every step).
void install_interrupt_handler();
bool interrupt_requested();

class ProgressLine final : public EventSink {
 public:
  ProgressLine(RunControl& control, bool enabled);
  // Drawn before the line, e.g. "run 3/8 b=64: " in a sweep.
  void set_prefix(std::string prefix) { prefix_ = std::move(prefix); }
  bool enabled() const { return enabled_; }
  void on_run_started(const RunStarted& e) override;
  void on_step(const StepEvent& e) override;
  void on_eval(const EvalEvent& e) override;
  void on_log(const LogEvent& e) override;
  void on_run_finished(const RunFinished& e) override;

 private:
  void draw(const StepEvent& e);
  void clear();

  RunControl& control_;
  bool enabled_;
  std::string prefix_;
  bool drawn_ = false;
  std::set<std::string> said_;  // info messages printed so far
  Stopwatch since_draw_;
  double epochs_ = 0.0;
  std::int64_t planned_steps_ = 0;
  double last_val_accuracy_ = kNaN;
  double ema_rate_ = 0.0;
  int rate_count_ = 0;
};

}  // namespace batchlab::cli
