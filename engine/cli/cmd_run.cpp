#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "commands.h"
#include "engine/core/errors.h"
#include "engine/core/format.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/jsonl_sink.h"
#include "engine/experiment/run_executor.h"
#include "engine/experiment/run_store.h"
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

void print_summary(std::FILE* out, const RunFinished& f, const std::string& name) {
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
  std::fprintf(out, "%s\n", line.c_str());
  if (!f.reason.empty() && f.status != RunStatus::completed)
    std::fprintf(out, "  %s\n", f.reason.c_str());
}

}  // namespace

int cmd_run(const RunOptions& o) {
  std::vector<std::string> sets = o.sets;
  if (!o.device.empty()) sets.push_back("device=" + o.device);
  RunConfig config;
  try {
    config = load_run_config(o.config, sets);
  } catch (const Error& e) {
    std::fprintf(stderr, "batchlab-cli: %s\n", e.what());
    return kExitBadInput;
  }

  std::ofstream jsonl_file;
  std::unique_ptr<JsonlSink> jsonl;
  if (o.jsonl == "-") {
    jsonl = std::make_unique<JsonlSink>(std::cout);
  } else if (!o.jsonl.empty()) {
    jsonl_file.open(o.jsonl, std::ios::trunc);
    if (!jsonl_file) {
      std::fprintf(stderr, "batchlab-cli: %s: cannot write the event stream\n", o.jsonl.c_str());
      return kExitBadInput;
    }
    jsonl = std::make_unique<JsonlSink>(jsonl_file);
  }

  RunControl control;
  install_interrupt_handler();
  ProgressLine progress(control, ::isatty(STDERR_FILENO) != 0);
  FanOutSink sinks;
  sinks.add(&progress);
  sinks.add(jsonl.get());

  ExecuteOptions opts;
  if (!o.no_store) opts.store_path = store_path_or_default(o.db);
  opts.extra_sink = &sinks;
  opts.control = &control;
  opts.source = o.config;

  RunFinished finished;
  try {
    finished = execute_run(config, opts);
  } catch (const Error& e) {
    std::fprintf(stderr, "batchlab-cli: %s\n", e.what());
    return kExitBadInput;
  }
  // With the event stream on stdout, keep stdout pure JSON lines.
  print_summary(o.jsonl == "-" ? stderr : stdout, finished,
                config.name.empty() ? o.config : config.name);
  return exit_code_for(finished.status);
}

}  // namespace batchlab::cli
