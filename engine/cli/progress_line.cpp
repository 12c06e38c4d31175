#include "progress_line.h"

#include <atomic>
#include <cmath>
#include <csignal>
#include <string>

#include "engine/core/format.h"

namespace batchlab::cli {
namespace {
volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_signal(int) {
  g_interrupted = 1;
}
}  // namespace

void install_interrupt_handler() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

bool interrupt_requested() {
  return g_interrupted != 0;
}

ProgressLine::ProgressLine(RunControl& control, bool enabled)
    : control_(control), enabled_(enabled) {}

void ProgressLine::on_run_started(const RunStarted& e) {
  epochs_ = e.config.stop.epochs ? *e.config.stop.epochs : 0.0;
  planned_steps_ = e.planned_steps;
  // A sweep reuses the line for run after run: nothing carries over from the previous one.
  last_val_accuracy_ = kNaN;
  ema_rate_ = 0.0;
  rate_count_ = 0;
  if (enabled_)
    std::fprintf(stderr, "%s on %s: %lld training rows, %lld validation rows, %lld parameters\n",
                 e.name.c_str(), e.device.c_str(), static_cast<long long>(e.train_rows),
                 static_cast<long long>(e.val_rows), static_cast<long long>(e.parameters));
}

void ProgressLine::on_step(const StepEvent& e) {
  if (interrupt_requested() && !control_.stop_requested()) control_.request_stop();
  // A bias-corrected moving average, so the rate shown settles instead of flickering.
  ++rate_count_;
  ema_rate_ = 0.95 * ema_rate_ + 0.05 * e.samples_per_s;
  if (enabled_ && (since_draw_.seconds() >= 0.1 || !drawn_)) {
    draw(e);
    since_draw_.restart();
  }
}

void ProgressLine::draw(const StepEvent& e) {
  const double rate = ema_rate_ / (1.0 - std::pow(0.95, rate_count_));
  std::string eta = kMissing;
  if (planned_steps_ > 0 && e.step > 0) {
    const double per_step = e.wall_s / static_cast<double>(e.step);
    eta = format_duration(per_step * static_cast<double>(planned_steps_ - e.step));
  }
  std::string epoch = format_number(e.epoch, 3);
  if (epochs_ > 0) epoch.append("/").append(format_number(epochs_, 3));
  std::string steps = std::to_string(e.step);
  if (planned_steps_ > 0) steps.append("/").append(std::to_string(planned_steps_));
  // Built with append: GCC 12 warns falsely (-Wrestrict, bug 105329) on chains of operator+.
  std::string line = prefix_;
  line.append("step ").append(steps).append(" | epoch ").append(epoch);
  line.append(" | loss ").append(format_number(e.loss)).append(" | ");
  line.append(format_rate(rate)).append(" samples/s | ETA ").append(eta);
  if (std::isfinite(last_val_accuracy_))
    line.append(" | val acc ").append(format_number(last_val_accuracy_, 3));
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressLine::clear() {
  if (enabled_ && drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
  }
}

void ProgressLine::on_eval(const EvalEvent& e) {
  last_val_accuracy_ = e.val_accuracy;
}

void ProgressLine::on_log(const LogEvent& e) {
  if (e.level == LogLevel::info && !said_.insert(e.message).second) return;
  clear();
  std::fprintf(stderr, "%s\n", e.message.c_str());
}

void ProgressLine::on_run_finished(const RunFinished&) {
  clear();
}

}  // namespace batchlab::cli
