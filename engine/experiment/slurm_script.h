// defines: SlurmOptions, SlurmSweepFiles, check_slurm_options, slurm_array_script,
//          slurm_run_list, write_slurm_sweep
// A sweep as a Slurm job array (DESIGN §7): one array task per expanded run, each running
// `batchlab-cli run` on its own run file into its own store shard, merged afterwards with
// `batchlab-cli merge`. BatchLab writes files only; scheduling, retries and placement are Slurm's.
//
//   OUT_DIR/runs/000.json …     each run's full config (run_config_to_json), as `run` reads it
//   OUT_DIR/runs.tsv            index, name, batch_size, lr, seed: which task is which run
//   OUT_DIR/sweep.sbatch        #SBATCH --array=0-(N-1); task K runs runs/K.json (3 digits)
//   OUT_DIR/shards/task-K.sqlite  one store per task, made here with the sweep's row in it
//   OUT_DIR/logs/               task-K.jsonl event streams and Slurm's slurm-JOB_K.out
//
// How the shards regroup into one sweep: a sweep's runs are linked by runs.sweep_id to a row of
// the sweeps table, and the merge identifies a sweep row by its (created, config) pair
// (store_merge.cpp). So the sweep row is written once, into shards/task-0.sqlite, and that file
// is copied for every other task: every shard carries the identical row, and each task's
// `batchlab-cli run --sweep-id ID` puts its run in it. No new column, tag or config key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/experiment/sweep_config.h"

namespace batchlab {

struct SlurmOptions {
  std::filesystem::path out_dir;
  std::filesystem::path cli;  // the batchlab-cli the tasks run (made absolute)
  std::string merge_db;       // --db for the printed merge line; empty: the default store
  // #SBATCH lines, each written only when set.
  std::string partition;
  std::string gres;  // "gpu:1"
  std::string time;  // "HH:MM:SS", or any of Slurm's forms (MM, MM:SS, D-HH:MM:SS, ...)
  std::string mem;   // "16G", "4000M", "4000"
  int cpus_per_task = 0;
};

struct SlurmSweepFiles {
  std::filesystem::path out_dir;  // absolute
  std::vector<std::filesystem::path> run_files;
  std::filesystem::path run_list;
  std::filesystem::path script;
  std::vector<std::filesystem::path> shards;
  std::int64_t sweep_id = 0;  // the sweep's id inside every shard
  std::string sbatch_line;    // "sbatch OUT_DIR/sweep.sbatch"
  std::string merge_line;     // "CLI merge OUT_DIR/shards/*.sqlite [--db DB]"
};

// Throws ConfigError "--slurm: <option>: <reason>" for a value Slurm would reject or that would
// break the script (a newline, a space in a path, a malformed --time).
void check_slurm_options(const SlurmOptions& options);

// The job-array script for `runs` tasks; out_dir and cli must be absolute. Pure text.
std::string slurm_array_script(const std::string& sweep_name, std::size_t runs,
                               const SlurmOptions& options, std::int64_t sweep_id);
// runs.tsv: a header, then one row per run.
std::string slurm_run_list(const std::vector<SweepRunPlan>& plans);

// Writes everything above into options.out_dir, which must be missing or empty (a sweep's
// shards must not mix with another's). On failure removes what it wrote and throws Error.
SlurmSweepFiles write_slurm_sweep(const SweepConfig& sweep, const std::vector<SweepRunPlan>& plans,
                                  const SlurmOptions& options);

}  // namespace batchlab
