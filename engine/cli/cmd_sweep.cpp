// batchlab-cli sweep: expand a sweep config, run it (or only list it with --dry-run, or write it
// as a Slurm job array with --slurm), then print a table per run and the fitted
// S = S_min(1 + B_noise/B).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>

#include "commands.h"
#include "engine/core/errors.h"
#include "engine/core/format.h"
#include "engine/experiment/slurm_script.h"
#include "engine/experiment/sweep.h"
#include "engine/metrics/scaling_fit.h"
#include "engine/metrics/sweep_findings.h"
#include "engine/metrics/time_fit.h"
#include "event_stream.h"
#include "progress_line.h"

namespace batchlab::cli {
namespace {

std::string eta_text(double seconds) {
  return std::isfinite(seconds) ? "at most " + format_duration(seconds) : std::string("unknown");
}

std::string count(std::size_t n, const char* noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

std::string shape(const SweepConfig& s) {
  const std::size_t lrs = s.learning_rates.empty() ? 1 : s.learning_rates.size();
  return count(s.batch_sizes.size(), "batch size") + " × " + count(lrs, "learning rate") + " × " +
         count(static_cast<std::size_t>(s.repeats), "repeat");
}

int dry_run(const SweepConfig& sweep, const std::vector<SweepRunPlan>& plans) {
  std::printf("sweep \"%s\": %zu runs (%s); dry run, nothing is trained or stored\n",
              sweep.name.c_str(), plans.size(), shape(sweep).c_str());
  // Calibrating loads the data and trains a few steps: bad data shows up here, not mid-sweep.
  const StepTimeModel model = calibrate_step_time(sweep);
  const SweepEstimate est = estimate_sweep(plans, model);
  std::printf("%4s  %-48s %7s %9s %6s %10s %10s\n", "#", "name", "batch", "lr", "seed", "max steps",
              "estimate");
  for (std::size_t i = 0; i < plans.size(); ++i) {
    const auto& p = plans[i];
    const auto& e = est.runs[i];
    std::printf("%4zu  %-48.48s %7lld %9s %6llu %10s %10s\n", i + 1, p.config.name.c_str(),
                static_cast<long long>(p.batch_size), format_number(p.scaled_lr, 4).c_str(),
                static_cast<unsigned long long>(p.seed),
                e.steps > 0 ? std::to_string(e.steps).c_str() : kMissing,
                format_duration(e.seconds).c_str());
  }
  std::printf("ETA: %s for %s on %lld training rows\n", eta_text(est.total_s).c_str(),
              count(plans.size(), "run").c_str(), static_cast<long long>(model.train_rows));
  if (model.known())
    std::printf(
        "  step time t(B) = %s µs + %s µs·B per update, calibrated from %s; set-up %s per "
        "run;\n  runs that reach the target stop sooner, so the sweep usually takes less\n",
        format_number(model.overhead_s * 1e6, 3).c_str(),
        format_number(model.per_sample_s * 1e6, 3).c_str(), model.basis.c_str(),
        format_duration(model.setup_s).c_str());
  else
    std::printf("  no step time could be measured (%s)\n", model.basis.c_str());
  return kExitOk;
}

// Pads to a width in characters, not bytes: "—" and "→" are three bytes of UTF-8 each, which
// printf's field widths would count.
std::string cell(const std::string& text, std::size_t width, bool left = false) {
  std::size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
  const std::string pad(width > chars ? width - chars : 0, ' ');
  return left ? text + pad : pad + text;
}

void print_table(std::FILE* out, const SweepResult& r, bool show_seed) {
  std::string head = cell("#", 4) + cell("run", 6) + cell("batch", 8) + cell("lr", 10);
  if (show_seed) head += cell("seed", 6);
  head += "  " + cell("status", 15, true) + cell("samples/s", 10) + cell("peak mem", 11) +
          cell("val acc", 9) + cell("steps→target", 14) + cell("time→target", 13);
  std::fprintf(out, "\n%s\n", head.c_str());
  for (const auto& o : r.runs) {
    const auto& s = o.finished.summary;
    std::string row =
        cell(std::to_string(o.plan.index + 1), 4) +
        cell(o.finished.run_id > 0 ? std::to_string(o.finished.run_id) : kMissing, 6) +
        cell(std::to_string(o.plan.batch_size), 8) + cell(format_number(o.plan.scaled_lr, 4), 10);
    if (show_seed) row += cell(std::to_string(o.plan.seed), 6);
    row += "  " + cell(std::string(to_string(o.finished.status)), 15, true) +
           cell(format_rate(s.samples_per_s_median), 10) +
           cell(s.peak_memory_bytes > 0 ? format_bytes(s.peak_memory_bytes) : kMissing, 11) +
           cell(format_number(s.final_val_accuracy, 4), 9) +
           cell(s.steps_to_target ? std::to_string(*s.steps_to_target) : kMissing, 14) +
           cell(s.time_to_target_s ? format_duration(*s.time_to_target_s) : kMissing, 13);
    std::fprintf(out, "%s\n", row.c_str());
  }
}

void print_findings(std::FILE* out, const SweepResult& r) {
  std::vector<OutcomePoint> outcomes;
  std::set<std::int64_t> batches;
  for (const auto& o : r.runs) {
    outcomes.push_back(
        {static_cast<double>(o.plan.batch_size), o.finished.status, o.finished.summary});
    batches.insert(o.plan.batch_size);
  }
  // The same findings the report states (metrics/sweep_findings).
  const SweepFindings found = sweep_findings(outcomes);
  const std::vector<BatchPoint>& to_target = found.steps_to_target;
  const std::vector<BatchPoint>& time_to_target = found.time_to_target;
  if (const auto& f = found.fastest) {
    if (f->runs > 1)
      std::fprintf(out,
                   "fastest to target: B = %.0f, %s on average (%d of %d repeats reached it)\n",
                   f->batch, format_duration(f->mean_s).c_str(), f->reached, f->runs);
    else
      std::fprintf(out, "fastest to target: B = %.0f, %s\n", f->batch,
                   format_duration(f->mean_s).c_str());
  }
  if (to_target.size() >= 2) {
    try {
      const ScalingFit fit = fit_steps_to_target(to_target);
      std::fprintf(out,
                   "fit S = S_min(1 + B_noise/B) to steps-to-target: S_min = %s steps, "
                   "B_noise = %s (R² = %s, %d points at %d batch sizes)\n",
                   format_number(fit.s_min, 3).c_str(), format_number(fit.b_noise, 3).c_str(),
                   format_number(fit.r2, 3).c_str(), fit.points_used, fit.batch_sizes);
    } catch (const Error& e) {
      std::fprintf(out, "fit: %s\n", e.what());
    }
  } else {
    std::fprintf(out, "fit: needs steps-to-target from two or more runs, got %zu\n",
                 to_target.size());
  }
  // Time to target needs three batch sizes that got there (three terms); below that, say nothing
  // beyond the steps fit's own line.
  std::set<double> reached;
  for (const auto& p : time_to_target) reached.insert(p.batch);
  if (reached.size() >= 3) {
    try {
      const TimeToTargetFit fit = fit_time_to_target(time_to_target);
      if (const auto best = fit.fastest_batch())
        std::fprintf(out,
                     "fit T = α + β/B + γ·B to time-to-target: fastest at B ≈ %s (T ≈ %s%s; "
                     "R² = %s)\n",
                     format_number(*best, 3).c_str(), format_duration(fit.time_at(*best)).c_str(),
                     *best < fit.smallest_batch || *best > fit.largest_batch
                         ? ", outside the batch sizes tried"
                         : "",
                     format_number(fit.r2, 3).c_str());
      else
        std::fprintf(out,
                     "fit T = α + β/B + γ·B to time-to-target: no fastest batch size inside the "
                     "fit (%s batches keep getting faster; R² = %s)\n",
                     fit.gamma == 0 ? "larger" : "smaller", format_number(fit.r2, 3).c_str());
    } catch (const Error& e) {
      std::fprintf(out, "time fit: %s\n", e.what());
    }
  }
  if (batches.size() >= 2)
    if (const auto knee = found.knee)
      std::fprintf(out,
                   "throughput knee: B = %.0f (the smallest batch within 10%% of the best "
                   "samples/s)\n",
                   *knee);
}

// --slurm: the files only; Slurm schedules, retries and places the tasks.
int write_slurm(const SweepCliOptions& o, const SweepConfig& sweep,
                const std::vector<SweepRunPlan>& plans) {
  SlurmOptions so;
  so.out_dir = o.slurm_dir;
  // The tasks run this very executable, by absolute path: a cluster node's PATH may hold
  // another BatchLab, or none.
  std::error_code ec;
  so.cli = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) so.cli = "batchlab-cli";
  so.merge_db = o.db;
  so.partition = o.partition;
  so.gres = o.gres;
  so.time = o.time;
  so.mem = o.mem;
  so.cpus_per_task = o.cpus_per_task;
  const SlurmSweepFiles files = write_slurm_sweep(sweep, plans, so);
  std::printf(
      "sweep \"%s\": %zu runs (%s) written as a Slurm job array to %s; nothing is "
      "submitted\n",
      sweep.name.c_str(), plans.size(), shape(sweep).c_str(), files.out_dir.c_str());
  std::printf("  %s … %s, listed in %s\n", files.run_files.front().c_str(),
              files.run_files.back().filename().c_str(), files.run_list.c_str());
  std::printf("  %s, one store shard per task in %s/shards\n", files.script.c_str(),
              files.out_dir.c_str());
  std::printf("submit it, then merge the shards once every task has ended:\n");
  std::printf("%s\n%s\n", files.sbatch_line.c_str(), files.merge_line.c_str());
  return kExitOk;
}

int exit_code(const SweepResult& r) {
  bool failed = false, result = false;
  for (const auto& o : r.runs) {
    failed |= o.finished.status == RunStatus::failed;
    result |=
        o.finished.status == RunStatus::diverged || o.finished.status == RunStatus::out_of_memory;
  }
  return failed ? kExitFailed : result ? kExitResult : kExitOk;
}

}  // namespace

int cmd_sweep(const SweepCliOptions& o) {
  std::vector<std::string> sets = o.sets;
  if (!o.device.empty()) sets.push_back("base.device=" + o.device);
  SweepConfig sweep;
  std::vector<SweepRunPlan> plans;
  try {
    sweep = load_sweep_config(o.sweep, sets);
    plans = expand_sweep(sweep, o.sweep);
    if (!o.slurm_dir.empty()) return write_slurm(o, sweep, plans);
    if (o.dry_run) return dry_run(sweep, plans);
  } catch (const Error& e) {
    std::fprintf(stderr, "batchlab-cli: %s\n", e.what());
    return kExitBadInput;
  }

  EventStream jsonl;
  if (!jsonl.open(o.jsonl)) return kExitBadInput;
  // With the event stream on stdout, keep stdout pure JSON lines.
  std::FILE* out = o.jsonl == "-" ? stderr : stdout;

  RunControl control;
  install_interrupt_handler();
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  ProgressLine progress(control, terminal);
  FanOutSink sinks;
  sinks.add(&progress);
  sinks.add(jsonl.sink());

  SweepOptions opts;
  opts.store_path = store_path_or_default(o.db);
  opts.extra_sink = &sinks;
  opts.control = &control;
  opts.source = o.sweep;
  try {
    // On a terminal the ETA is shown from the first run on, so measure the step time first.
    if (terminal) opts.step_time = calibrate_step_time(sweep, {.control = &control});
  } catch (const Error& e) {
    std::fprintf(stderr, "batchlab-cli: %s\n", e.what());
    return kExitBadInput;
  }

  const std::string total = std::to_string(plans.size());
  const auto on_progress = [&](const SweepProgress& p) {
    if (interrupt_requested() && !control.stop_requested()) control.request_stop();
    const std::string where =
        "run " + std::to_string(p.index + 1) + "/" + total + " " + std::string(p.plan->label);
    if (p.event == SweepProgress::Event::run_starting) {
      if (p.index == 0)
        std::fprintf(out, "sweep \"%s\" (id %lld): %s runs (%s), store %s\n", sweep.name.c_str(),
                     static_cast<long long>(p.sweep_id), total.c_str(), shape(sweep).c_str(),
                     opts.store_path.c_str());
      progress.set_prefix(where + ": ");
      if (terminal)
        std::fprintf(stderr, "%s: sweep ETA %s\n", where.c_str(), eta_text(p.eta_s).c_str());
      return;
    }
    const RunFinished& f = *p.finished;
    const auto& s = f.summary;
    std::string line = where + ": " + std::string(to_string(f.status)) + " after " +
                       std::to_string(s.steps) + " steps (" + format_duration(s.time_s) + ")";
    if (std::isfinite(s.samples_per_s_median))
      line.append(", ").append(format_rate(s.samples_per_s_median)).append(" samples/s");
    if (std::isfinite(s.final_val_accuracy))
      line.append(", val acc ").append(format_number(s.final_val_accuracy, 4));
    if (s.steps_to_target)
      line.append(", target at step ").append(std::to_string(*s.steps_to_target));
    std::fprintf(out, "%s\n", line.c_str());
    if (f.status != RunStatus::completed && f.status != RunStatus::target_reached &&
        !f.reason.empty())
      std::fprintf(out, "  %s\n", f.reason.c_str());
    std::fflush(out);
  };

  SweepResult result;
  try {
    result = run_sweep(sweep, opts, on_progress);
  } catch (const Error& e) {
    std::fprintf(stderr, "batchlab-cli: %s\n", e.what());
    return kExitBadInput;
  }

  print_table(out, result, sweep.repeats > 1);
  std::fprintf(out, "\n");
  print_findings(out, result);
  if (result.stopped)
    std::fprintf(out, "stopped: %zu of %d runs ran\n", result.runs.size(), result.planned);
  std::fprintf(out,
               "sweep %lld stored in %s; export it with: batchlab-cli export --db %s --sweep %lld "
               "--format csv-bundle -o FOLDER\n",
               static_cast<long long>(result.sweep_id), opts.store_path.c_str(),
               opts.store_path.c_str(), static_cast<long long>(result.sweep_id));
  return exit_code(result);
}

}  // namespace batchlab::cli
