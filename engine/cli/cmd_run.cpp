#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "commands.h"
#include "event_stream.h"
#include "engine/core/errors.h"
#include "engine/core/format.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/run_executor.h"
#include "engine/experiment/run_store.h"
#include "engine/metrics/cost.h"
#include "engine/metrics/noise_scale.h"
#include "progress_line.h"

namespace batchlab::cli {

std::string store_path_or_default(const std::string& db) {
  return db.empty() ? default_store_path().string() : db;
}

namespace {

int exit_code_for(RunStatus s) {
  switch (s) {
    case RunStatus::completed:
    case RunStatus::target_reached:
    case RunStatus::stopped:
      return kExitOk;
    case RunStatus::diverged:
    case RunStatus::out_of_memory:
      return kExitResult;
    default:
      return kExitFailed;
  }
}

// --price-per-hour, else $BATCHLAB_PRICE_PER_HOUR, else none. A malformed variable is bad input.
std::optional<double> price_per_hour(const RunOptions& o) {
  if (o.price_per_hour) return o.price_per_hour;
  const char* env = std::getenv("BATCHLAB_PRICE_PER_HOUR");
  if (env == nullptr || *env == '\0') return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(env, &end);
  if (end == env || *end != '\0' || !std::isfinite(v) || v < 0)
    throw Error(std::string("BATCHLAB_PRICE_PER_HOUR: expected a price per device-hour such as "
                            "2.5, got \"") +
                env + "\"");
  return v;
}

void print_summary(std::FILE* out, const RunFinished& f, const RunConfig& config,
                   const std::string& name, std::optional<double> price) {
  const auto& s = f.summary;
  std::string line =
      (f.run_id > 0 ? "run " + std::to_string(f.run_id) + " " : std::string("run ")) + "(" + name +
      ") " + std::string(to_string(f.status)) + ": " + std::to_string(s.steps) + " steps, " +
      format_number(s.epochs, 3) + " epochs in " + format_duration(s.time_s) + ", " +
      format_rate(s.samples_per_s_median) + " samples/s median, peak memory " +
      format_bytes(s.peak_memory_bytes);
  if (std::isfinite(s.final_val_accuracy))
    line += ", val accuracy " + format_number(s.final_val_accuracy, 4);
  else if (std::isfinite(s.final_val_loss))
    line += ", val loss " + format_number(s.final_val_loss, 4);
  if (s.steps_to_target) line += ", target at step " + std::to_string(*s.steps_to_target);
  if (price) {
    const RunCost cost = run_cost(s, *price);
    line += ", cost " + format_number(cost.total, 3);
    if (cost.to_target) line += " (to target " + format_number(*cost.to_target, 3) + ")";
    line += " at " + format_number(*price, 4) + " per device-hour";
  }
  if (std::isfinite(s.b_simple)) line += ", B_simple " + format_number(s.b_simple, 3);
  std::fprintf(out, "%s\n", line.c_str());
  // With a constant batch the hint can name it; a schedule's batch moved during the run.
  const auto& b = config.batch;
  if (std::isfinite(s.b_simple) && b.strategy == BatchStrategy::mini &&
      b.schedule.kind == ScheduleKind::constant)
    std::fprintf(out, "  %s\n", noise_scale_hint(s.b_simple, b.size).c_str());
  if (!f.reason.empty() && f.status != RunStatus::completed)
    std::fprintf(out, "  %s\n", f.reason.c_str());
}

}  // namespace

int cmd_run(const RunOptions& o) {
  std::vector<std::string> sets = o.sets;
  if (!o.device.empty()) sets.push_back("device=" + o.device);
  RunConfig config;
  std::optional<double> price;
  try {
    price = price_per_hour(o);
    config = load_run_config(o.config, sets);
  } catch (const Error& e) {
    std::fprintf(stderr, "batchlab-cli: %s\n", e.what());
    return kExitBadInput;
  }

  EventStream jsonl;
  if (!jsonl.open(o.jsonl)) return kExitBadInput;

  RunControl control;
  install_interrupt_handler();
  ProgressLine progress(control, ::isatty(STDERR_FILENO) != 0);
  FanOutSink sinks;
  sinks.add(&progress);
  sinks.add(jsonl.sink());

  ExecuteOptions opts;
  if (!o.no_store) opts.store_path = store_path_or_default(o.db);
  opts.extra_sink = &sinks;
  opts.control = &control;
  opts.source = o.config;
  opts.sweep_id = o.sweep_id;

  RunFinished finished;
  try {
    finished = execute_run(config, opts);
  } catch (const Error& e) {
    std::fprintf(stderr, "batchlab-cli: %s\n", e.what());
    return kExitBadInput;
  }
  // With the event stream on stdout, keep stdout pure JSON lines.
  print_summary(o.jsonl == "-" ? stderr : stdout, finished, config,
                config.name.empty() ? o.config : config.name, price);
  return exit_code_for(finished.status);
}

}  // namespace batchlab::cli
