// defines: RunOptions, cmd_run, SweepCliOptions, cmd_sweep, FindBatchOptions, cmd_find_batch,
//          cmd_devices, cmd_datasets, cmd_presets, cmd_runs, ExportOptions, cmd_export,
//          store_path_or_default, ServingCliOptions, add_infer_options, cmd_infer,
//          add_serve_options, cmd_serve, load_serving_input, MergeOptions, cmd_merge,
//          open_serving_run, ScaleOptions, cmd_scale (the batchlab-cli subcommands of DESIGN §6 and their options)
// Exit codes: 0 the run completed, reached its target or was stopped; 1 the run failed; 2 bad
// input (config, data, arguments: nothing was stored); 3 the run diverged or ran out of memory
// (a result, stored as such). A sweep exits with the worst of its runs: 1 if any failed, else 3
// if any diverged or ran out of memory, else 0. find-batch: 0 a batch fits, 3 not even batch 1
// fits, 2 bad input, 1 a trial failed for another reason. infer: 0, or 3 when a batch size does
// not fit in memory. serve: 0 (a saturated server is a result, and says so), 3 when the
// largest batch does not fit. merge: 0, or 2 when a shard is refused (nothing merged). scale: 0,
// or 2 for an unknown run or a run without measured steps.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}
namespace batchlab {
struct ServingConfig;
class ServingRunWriter;
enum class RunKind;
struct ServingModel;
}  // namespace batchlab

namespace batchlab::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitResult = 3;

struct RunOptions {
  std::string config;  // preset name or path
  std::vector<std::string> sets;
  std::string db;
  std::string jsonl;  // "", a path, or "-" for stdout
  std::string device;
  bool no_store = false;
  // Price per device-hour for the cost in the summary line; unset: $BATCHLAB_PRICE_PER_HOUR,
  // else no cost is printed.
  std::optional<double> price_per_hour;
  // The stored run joins this sweep of the store (--db): a Slurm array task's run joins the
  // sweep row its shard was made with (experiment/slurm_script.h). 0: a run on its own.
  std::int64_t sweep_id = 0;
};
int cmd_run(const RunOptions& o);

struct SweepCliOptions {
  std::string sweep;              // sweep preset name or path
  std::vector<std::string> sets;  // base.key=value, repeats=3, batch_sizes=[...]
  std::string db;
  std::string jsonl;     // "", a path, or "-" for stdout
  std::string device;    // overrides base.device
  bool dry_run = false;  // list the runs and the ETA; train nothing, store nothing
  // --slurm OUT_DIR: write a Slurm job array for the sweep instead of running it
  // (experiment/slurm_script.h); the other fields are its #SBATCH options, "" / 0 when unset.
  std::string slurm_dir;
  std::string partition, gres, time, mem;
  int cpus_per_task = 0;
};
int cmd_sweep(const SweepCliOptions& o);

struct FindBatchOptions {
  std::string config;  // preset name or path
  std::vector<std::string> sets;
  std::optional<double> budget_mb;
  std::string mode = "power";  // power | binsearch
  std::int64_t initial = 1;
  int steps = 3;
  std::string device;
};
int cmd_find_batch(const FindBatchOptions& o);

int cmd_devices();
int cmd_datasets();
int cmd_presets();
int cmd_runs(const std::string& db);

struct ExportOptions {
  std::string db;
  std::string runs;            // "1,2,5"
  std::int64_t sweep = 0;      // every run of this sweep (after --runs' runs); 0: none
  std::string format = "csv";  // csv | json | csv-bundle (out is then a folder)
  std::string out;
};
int cmd_export(const ExportOptions& o);

// infer and serve (cmd_infer.cpp, cmd_serve.cpp): the model is CONFIG|PRESET (a serving preset
// or file, or a run preset or config) or --run ID; every other value option sets one key of the
// serving config (engine/serve/serving_config.h) and is kept as typed, so that a bad value is
// reported as one line naming the option.
struct ServingCliOptions {
  std::string config;
  std::int64_t run_id = 0;
  std::string db;     // the store of --run and of the results
  std::string jsonl;  // "", a path, or "-" for stdout
  std::string device;
  bool virtual_clock = false;
  bool no_store = false;  // do not record the results (a run of kind inference or serving)
  std::map<std::string, std::string> values;  // "--rate" → "500", as given
};
// Registers the options on the subcommand; main.cpp creates the subcommands. Both use one table
// of options (cmd_serve.cpp), so a key is set, checked and named the same way by both.
void add_infer_options(CLI::App& cmd, ServingCliOptions& o);
void add_serve_options(CLI::App& cmd, ServingCliOptions& o);
int cmd_infer(const ServingCliOptions& o);
int cmd_serve(const ServingCliOptions& o);
// The run of kind `kind` the results go to (nullptr with --no-store); on a store that cannot be
// opened prints one line and returns nullptr with `ok` false.
std::unique_ptr<ServingRunWriter> open_serving_run(const ServingCliOptions& o, RunKind kind,
                                                   const ServingConfig& config,
                                                   const std::string& device, bool& ok);
// The serving config with the options applied and its model loaded; on bad input prints one
// line on stderr (naming the option, key, file or line) and returns false.
bool load_serving_input(const ServingCliOptions& o, ServingConfig& config, ServingModel& model);

struct MergeOptions {
  std::vector<std::string> shards;
  std::string db;  // the main store
};
int cmd_merge(const MergeOptions& o);

struct ScaleOptions {
  std::int64_t run_id = 0;
  std::string db;
  std::string link = "infiniband";       // a kLinkPresets name (metrics/scaling_model.h)
  std::optional<double> bandwidth_gbps;  // replaces the preset's, Gbit/s per direction
  std::optional<double> latency_us;      // replaces the preset's, µs per message
  int max_replicas = 1024;
};
int cmd_scale(const ScaleOptions& o);

// The store path --db names, else the default (BATCHLAB_DB, XDG_DATA_HOME, ~/.local/share).
std::string store_path_or_default(const std::string& db);

}  // namespace batchlab::cli
