// batchlab-cli: the headless face of the engine (DESIGN §6). Every error is one line on stderr.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "commands.h"

using namespace batchlab::cli;

int main(int argc, char** argv) {
  CLI::App app{
      "BatchLab — batch-size experiments from the command line.\n"
      "Runs the same engine as the batchlab workbench, without a screen."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("batchlab-cli ") + BATCHLAB_VERSION);

  RunOptions run;
  auto* run_cmd =
      app.add_subcommand("run", "Train one run from a preset name or a config JSON file");
  run_cmd
      ->add_option("config", run.config,
                   "preset name (see `batchlab-cli presets`) or path to a config JSON")
      ->required();
  run_cmd->add_option("--set", run.sets,
                      "override a config key: --set batch.size=512 (repeatable)");
  run_cmd->add_option(
      "--db", run.db,
      "run store (SQLite); default $BATCHLAB_DB or ~/.local/share/batchlab/runs.sqlite");
  run_cmd->add_option("--jsonl", run.jsonl,
                      "write every event as one JSON line to PATH, or - for stdout");
  run_cmd->add_option("--device", run.device,
                      "auto, cpu, cuda or cuda:N (overrides the config's device)");
  run_cmd->add_flag("--no-store", run.no_store, "do not record the run in the store");
  run_cmd
      ->add_option("--sweep-id", run.sweep_id,
                   "store the run in this sweep of the store (the Slurm array script's tasks "
                   "use it; see sweep --slurm)")
      ->check(CLI::PositiveNumber);
  double price_per_hour = 0.0;
  auto* price_opt =
      run_cmd
          ->add_option("--price-per-hour", price_per_hour,
                       "price of one device-hour: prints the run's cost and cost to target "
                       "(default $BATCHLAB_PRICE_PER_HOUR)")
          ->check(CLI::NonNegativeNumber);

  FindBatchOptions find;
  auto* find_cmd = app.add_subcommand(
      "find-batch", "Find the largest batch that fits in memory, and the fastest one");
  find_cmd
      ->add_option("config", find.config,
                   "preset name (see `batchlab-cli presets`) or path to a config JSON")
      ->required();
  find_cmd->add_option("--set", find.sets,
                       "override a config key: --set model.hidden=[512,512] (repeatable)");
  double budget_mb = 0.0;
  auto* budget_opt =
      find_cmd
          ->add_option("--budget-mb", budget_mb,
                       "memory budget in MiB (default: the config's memory_budget_mb, else the "
                       "device's own limit)")
          ->check(CLI::PositiveNumber);
  find_cmd
      ->add_option("--mode", find.mode,
                   "power: double until out of memory; binsearch: then bisect (default power)")
      ->check(CLI::IsMember({"power", "binsearch"}));
  find_cmd->add_option("--initial", find.initial, "first batch size tried (default 1)")
      ->check(CLI::PositiveNumber);
  find_cmd->add_option("--steps", find.steps, "timed training steps per trial (default 3)")
      ->check(CLI::Range(1, 1000));
  find_cmd->add_option("--device", find.device,
                       "auto, cpu, cuda or cuda:N (overrides the config's device)");

  SweepCliOptions sweep;
  auto* sweep_cmd = app.add_subcommand(
      "sweep", "Run a sweep over batch sizes (and learning rates, seeds) one run after another");
  sweep_cmd
      ->add_option("sweep", sweep.sweep,
                   "sweep preset name (see `batchlab-cli presets`) or path to a sweep JSON")
      ->required();
  sweep_cmd->add_option("--set", sweep.sets,
                        "override a sweep key: --set base.stop.epochs=5, --set repeats=3, "
                        "--set batch_sizes=[16,64] (repeatable)");
  sweep_cmd->add_option("--db", sweep.db, "run store; default as for `run`");
  sweep_cmd->add_option("--jsonl", sweep.jsonl,
                        "write every run's events as JSON lines to PATH, or - for stdout");
  sweep_cmd->add_option("--device", sweep.device, "auto, cpu, cuda or cuda:N (for every run)");
  sweep_cmd->add_flag("--dry-run", sweep.dry_run,
                      "list the runs and estimate the time (trains a few calibration steps); "
                      "stores nothing");
  auto* slurm_opt = sweep_cmd->add_option(
      "--slurm", sweep.slurm_dir,
      "write a Slurm job array to OUT_DIR instead of running: runs/NNN.json, runs.tsv, "
      "sweep.sbatch and one store shard per task; prints the sbatch and merge lines");
  // The #SBATCH options mean nothing without --slurm; CLI11 refuses them alone.
  sweep_cmd->add_option("--partition", sweep.partition, "Slurm partition (#SBATCH --partition)")
      ->needs(slurm_opt);
  sweep_cmd->add_option("--gres", sweep.gres, "generic resources per task, e.g. gpu:1")
      ->needs(slurm_opt);
  sweep_cmd->add_option("--time", sweep.time, "time limit per task, HH:MM:SS")->needs(slurm_opt);
  sweep_cmd->add_option("--cpus-per-task", sweep.cpus_per_task, "CPU cores per task")
      ->check(CLI::PositiveNumber)
      ->needs(slurm_opt);
  sweep_cmd->add_option("--mem", sweep.mem, "memory per task, e.g. 16G")->needs(slurm_opt);
  slurm_opt->excludes("--dry-run");

  ServingCliOptions infer;
  auto* infer_cmd = app.add_subcommand(
      "infer",
      "Batch inference: forward passes only over the dataset at each batch size; samples/s, "
      "step time, accuracy and memory (measured beside the memory model)");
  add_infer_options(*infer_cmd, infer);
  ServingCliOptions serve;
  auto* serve_cmd = app.add_subcommand(
      "serve",
      "Online serving: requests arrive at --rate, a batcher groups them, the model runs each "
      "batch; latency percentiles (queue wait + compute), throughput, batch sizes, saturation");
  add_serve_options(*serve_cmd, serve);

  MergeOptions merge;
  auto* merge_cmd = app.add_subcommand(
      "merge",
      "Import store shards (e.g. a Slurm array's, one per task) into the run store: runs with "
      "their steps, evaluations and models; sweeps split over shards become one; merging again "
      "adds nothing");
  merge_cmd->add_option("shards", merge.shards, "shard stores (SQLite) to import")->required();
  merge_cmd->add_option("--db", merge.db, "the run store to merge into; default as for `run`");

  ScaleOptions scale;
  auto* scale_cmd = app.add_subcommand(
      "scale",
      "Model (not a measurement) of a stored run's data-parallel scaling over R replicas: ring "
      "all-reduce over a chosen link, weak and strong scaling, where the batch passes B_noise");
  scale_cmd->add_option("run", scale.run_id, "run id (see `batchlab-cli runs`)")->required();
  scale_cmd->add_option("--db", scale.db, "run store; default as for `run`");
  scale_cmd->add_option("--link", scale.link, "nvlink, pcie, 100gbe, infiniband (default) or host (CPU replicas in one process)");
  double bandwidth_gbps = 0.0, latency_us = 0.0;
  auto* bandwidth_opt =
      scale_cmd
          ->add_option("--bandwidth-gbps", bandwidth_gbps,
                       "link bandwidth in Gbit/s per direction (replaces the preset's)")
          ->check(CLI::PositiveNumber);
  auto* latency_opt = scale_cmd
                          ->add_option("--latency-us", latency_us,
                                       "latency per message in µs (replaces the preset's)")
                          ->check(CLI::NonNegativeNumber);
  scale_cmd->add_option("--max-replicas", scale.max_replicas, "largest R (default 1024)")
      ->check(CLI::Range(1, 1 << 20));

  auto* devices_cmd = app.add_subcommand("devices", "List the devices this build can train on");
  auto* datasets_cmd = app.add_subcommand("datasets", "List the datasets a config can name");
  auto* presets_cmd = app.add_subcommand("presets", "List the bundled experiment presets");
  std::string runs_db;
  auto* runs_cmd = app.add_subcommand("runs", "List the runs in the store");
  runs_cmd->add_option("--db", runs_db, "run store; default as for `run`");

  // Reports draw their plots with Qt, which batchlab-cli does not link (it builds without Qt).
  auto* report_cmd = app.add_subcommand(
      "report", "PDF/HTML reports: made by the workbench executable, `batchlab --report`");
  report_cmd->allow_extras();

  ExportOptions ex;
  auto* export_cmd = app.add_subcommand(
      "export",
      "Export stored runs as CSV (steps), JSON (everything) or a CSV bundle (a folder with "
      "runs.csv, steps.csv and evals.csv)");
  export_cmd->add_option("--db", ex.db, "run store; default as for `run`");
  auto* runs_opt =
      export_cmd->add_option("--runs", ex.runs, "run ids, comma separated: --runs 3,4,7");
  auto* sweep_opt = export_cmd->add_option("--sweep", ex.sweep, "every run of this sweep id");
  export_cmd->add_option("--format", ex.format, "csv, json or csv-bundle")
      ->check(CLI::IsMember({"csv", "json", "csv-bundle"}));
  export_cmd->add_option("-o,--output", ex.out, "output file (a folder for csv-bundle)")
      ->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitBadInput;
  }

  // CLI11 2.1 has no std::optional options: an option counts as set when it was given.
  if (price_opt->count() > 0) run.price_per_hour = price_per_hour;
  if (budget_opt->count() > 0) find.budget_mb = budget_mb;
  if (bandwidth_opt->count() > 0) scale.bandwidth_gbps = bandwidth_gbps;
  if (latency_opt->count() > 0) scale.latency_us = latency_us;

  try {
    if (*run_cmd) return cmd_run(run);
    if (*sweep_cmd) return cmd_sweep(sweep);
    if (*find_cmd) return cmd_find_batch(find);
    if (*infer_cmd) return cmd_infer(infer);
    if (*serve_cmd) return cmd_serve(serve);
    if (*merge_cmd) return cmd_merge(merge);
    if (*scale_cmd) return cmd_scale(scale);
    if (*devices_cmd) return cmd_devices();
    if (*datasets_cmd) return cmd_datasets();
    if (*presets_cmd) return cmd_presets();
    if (*runs_cmd) return cmd_runs(runs_db);
    if (*report_cmd) {
      std::fprintf(stderr,
                   "batchlab-cli: reports are made by the workbench executable (no display "
                   "needed): batchlab --report --db PATH --runs ID,... | --sweep ID -o "
                   "OUT.pdf|OUT.html\n");
      return kExitBadInput;
    }
    if (*export_cmd) {
      if (runs_opt->count() == 0 && sweep_opt->count() == 0) {
        std::fprintf(stderr, "batchlab-cli: export: give --runs ID,... or --sweep ID\n");
        return kExitBadInput;
      }
      return cmd_export(ex);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "batchlab-cli: %s\n", e.what());
    return kExitBadInput;
  }
  return kExitBadInput;
}
