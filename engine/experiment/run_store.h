// defines: RunStore (SQLite, WAL), RunRecord, SweepRecord, default_store_path, summary_to_json,
//          summary_from_json
// Schema (DESIGN §4), version kept in PRAGMA user_version with forward migrations (a v1
// or v2 store is upgraded in place when opened):
//   runs(id, name, created, config, status, reason, device, environment, summary, pid, host,
//        updated, sweep_id, tags, origin)          sweep_id, tags: since v2; origin: since v3
//   sweeps(id, name, created, config)                                               since v2
//   steps(run_id, kStepFields' names: step, epoch, samples_seen, batch_size, …)
//         (core/step_fields.h; before v3 samples_seen and batch_size were samples and batch)
//   evals(run_id, step, epoch, val_loss, val_accuracy, train_loss, wall_s)
//   models(run_id, spec, step, parameters, standardization, crc32)               since v4
//   steps: replicas, replica_batch, allreduce_ms, idle_ms                           since v5
//   runs.kind ('train', 'inference', 'serving'); serving_points, serving_windows,
//   inference_points (experiment/serving_record.h)                                  since v6
// Opening a store marks runs left `running` by a process that no longer exists (same host, pid
// gone) as `interrupted`.
// Threading: one RunStore per thread; SQLite's WAL lets a reader (the GUI) and a writer (a CLI
// run) share the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/core/events.h"
#include "engine/experiment/serving_record.h"
#include "engine/experiment/stored_model.h"

struct sqlite3;

namespace batchlab {

struct RunRecord {
  std::int64_t id = 0;
  std::string name;
  std::string created;  // ISO 8601 UTC
  std::string config_json;
  RunStatus status = RunStatus::running;
  std::string reason;
  std::string device;
  std::string environment_json;
  std::string summary_json;       // RunSummary as JSON; "{}" while running
  std::int64_t sweep_id = 0;      // the sweep it belongs to; 0: none
  std::vector<std::string> tags;  // as set by set_tags, in that order
  // 32 hex digits, random, made when the run is created (or when a pre-v3 store is upgraded):
  // the run's identity across stores, where `id` is only this store's row number.
  std::string origin;
  RunKind kind = RunKind::train;  // since v6; runs stored before were training runs
};

struct SweepRecord {
  std::int64_t id = 0;
  std::string name;
  std::string created;      // ISO 8601 UTC
  std::string config_json;  // the sweep config (sweep_config_to_json)
};

class RunStore {
 public:
  static constexpr int kSchemaVersion = 6;

  // Creates the file and its folders when missing. Throws Error naming the path when the file
  // cannot be opened or is not a BatchLab store.
  explicit RunStore(const std::filesystem::path& path);
  ~RunStore();
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // sweep_id 0: a run on its own; else the id create_sweep returned (Error when unknown).
  std::int64_t create_run(const std::string& name, const std::string& config_json,
                          const std::string& device, const std::string& environment_json,
                          std::int64_t sweep_id = 0, RunKind kind = RunKind::train);
  // One transaction for the whole span.
  void append_steps(std::span<const StepEvent> steps);
  void append_evals(std::span<const EvalEvent> evals);
  // summary_json, when given, is stored in place of finished.summary (an inference or serving
  // run's summary: serving_summary_json, inference_summary_json).
  void finish_run(const RunFinished& finished, const std::string& summary_json = {});

  std::vector<RunRecord> list_runs() const;
  std::optional<RunRecord> run(std::int64_t id) const;
  // The run with this origin (RunRecord::origin), as a merge from another store looks it up.
  std::optional<RunRecord> run_by_origin(const std::string& origin) const;
  std::vector<StepEvent> steps(std::int64_t run_id) const;
  // At most about `max_points` of the run's steps, evenly spread over its step range, the first
  // and the last always among them: what a plot needs of a 10⁷-step run, read in index seeks
  // (one per point) rather than a scan of every row. A run with no more steps than that reads
  // whole.
  std::vector<StepEvent> steps(std::int64_t run_id, std::int64_t max_points) const;
  std::vector<EvalEvent> evals(std::int64_t run_id) const;
  // The run's trained model (one per run; saving again replaces it). The parameters are a blob
  // of little-endian float32 with a CRC-32 over it: model() returns nullopt when the run has no
  // model and throws Error "<store>: run N: the stored model is damaged (…)" when it does not
  // read back whole.
  void save_model(std::int64_t run_id, const StoredModel& model);
  std::optional<StoredModel> model(std::int64_t run_id) const;
  bool has_model(std::int64_t run_id) const;

  // Inference and serving results (schema v6), each written in one transaction; saving again
  // replaces the run's rows. The points of a serving run come back in point order, its windows
  // by point then time, inference rows by batch size.
  void save_inference(std::int64_t run_id, std::span<const InferenceRow> rows);
  std::vector<InferenceRow> inference(std::int64_t run_id) const;
  void save_serving(std::int64_t run_id, std::span<const ServingPointRow> points,
                    std::span<const ServingWindowRow> windows);
  std::vector<ServingPointRow> serving_points(std::int64_t run_id) const;
  std::vector<ServingWindowRow> serving_windows(std::int64_t run_id) const;

  // Deletes the run with its steps, evaluations, model and serving rows, in one transaction.
  void delete_run(std::int64_t id);
  void rename_run(std::int64_t id, const std::string& name);
  // Replaces the run's tags. Tags are trimmed; an empty one throws Error, repeats are dropped.
  void set_tags(std::int64_t id, const std::vector<std::string>& tags);

  // Sweeps: a named group of runs with the config that expanded to them.
  std::int64_t create_sweep(const std::string& name, const std::string& config_json);
  std::vector<SweepRecord> list_sweeps() const;
  std::optional<SweepRecord> sweep(std::int64_t id) const;
  // The sweep's runs in the order they were created.
  std::vector<RunRecord> runs_in_sweep(std::int64_t sweep_id) const;
  void rename_sweep(std::int64_t id, const std::string& name);
  // Deletes the sweep and, in the same transaction, every run in it with their steps, evals and
  // models.
  void delete_sweep(std::int64_t id);

  // How many runs the last open marked interrupted.
  int interrupted_at_open() const { return interrupted_at_open_; }

 private:
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  int interrupted_at_open_ = 0;
};

// $BATCHLAB_DB, else $XDG_DATA_HOME/batchlab/runs.sqlite, else ~/.local/share/batchlab/runs.sqlite.
std::filesystem::path default_store_path();

// RunSummary ↔ JSON (the runs.summary column and the CLI's export).
std::string summary_to_json(const RunSummary& summary);
RunSummary summary_from_json(const std::string& json);

}  // namespace batchlab
