// defines: RunSession (the GUI side of the runs: bridge drain, series, runs table, the store)
// Drains the bridge at most every kDrainIntervalMs (a single-shot timer armed by the bridge's
// one notification), applies the batch to the series model and the runs table, then emits
// updated() once so the plots re-decimate and queue a single repaint each. Runs already in
// the store are listed at load; their points are read (on a worker thread, with its own
// RunStore connection) the first time they are ticked.
// Runs of a sweep sit in its group in the runs table, named from the store's sweeps rows.
// Threading: GUI thread only, except the store reads, which copy results back by signal.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <vector>

#include <QObject>
#include <QTimer>

#include "app/qt_event_bridge.h"
#include "widgets/runs_table_model.h"
#include "widgets/series_model.h"

namespace batchlab {

class RunSession final : public QObject {
  Q_OBJECT
 public:
  // The most steps of a stored run read into the plots (RunStore::steps decimates on read).
  static constexpr std::int64_t kLoadedSteps = 10000;
  static constexpr int kDrainIntervalMs = 33;

  explicit RunSession(QObject* parent = nullptr);

  QtEventBridge& bridge() { return bridge_; }
  SeriesModel& series() { return series_; }
  RunsTableModel& table() { return table_; }

  // Lists the runs of the store at `path` (replacing those of any previous store). Returns
  // false with the reason in `error` when the store cannot be opened.
  bool loadStore(const std::filesystem::path& path, QString& error);
  const std::filesystem::path& storePath() const { return store_path_; }
  // Lists the store's runs the table does not hold yet (after a merge into it) and returns
  // their ids; rows already listed keep their ticks and points. False with `error` when the
  // store cannot be read.
  bool listNewRuns(std::vector<std::int64_t>& added, QString& error);

  // Reads run `id` from the store again and lists it (a run another part of the window recorded:
  // the Inference window's serving runs). False with `error` when the store cannot be read.
  bool reloadRun(std::int64_t id, QString& error);
  // Applies whatever the bridge holds now (also what the drain timer does).
  void drainNow();
  // Number of store reads still running.
  int pendingLoads() const { return static_cast<int>(loading_.size()); }
  std::int64_t lastRunId() const { return last_run_id_; }
  // The longest a drain has held the GUI thread, in milliseconds: the window's own cost.
  double slowestDrainMs() const { return slowest_drain_ms_; }

 signals:
  void updated();
  void runStarted(const batchlab::RunStarted& started);
  void progress(const batchlab::StepEvent& last_step);
  // The parameters of a run after `step` (only when the controller asks for snapshots).
  void parameterSnapshot(std::int64_t run_id, std::int64_t step,
                         const std::vector<float>& parameters);
  void runFinished(const batchlab::RunFinished& finished);
  void logMessage(const QString& text, int level);
  void storeError(const QString& message);

 private:
  void onEventsAvailable();
  void onVisibilityToggled(std::int64_t id, bool visible);
  void loadSeries(std::int64_t id);
  // Gives a live sweep's group its stored name and size (RunStore::sweep).
  void nameSweep(std::int64_t sweep_id);

  QtEventBridge bridge_;
  SeriesModel series_;
  RunsTableModel table_;
  QTimer drain_timer_;
  std::filesystem::path store_path_;
  std::set<std::int64_t> live_;     // started in this session: their points come as events
  std::set<std::int64_t> loading_;  // store reads in flight
  std::int64_t last_run_id_ = 0;
  double slowest_drain_ms_ = 0;
};

}  // namespace batchlab
