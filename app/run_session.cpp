#include "app/run_session.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include "engine/experiment/run_store.h"

namespace batchlab {

RunSession::RunSession(QObject* parent) : QObject(parent) {
  qRegisterMetaType<batchlab::RunStarted>("batchlab::RunStarted");
  qRegisterMetaType<batchlab::StepEvent>("batchlab::StepEvent");
  qRegisterMetaType<batchlab::RunFinished>("batchlab::RunFinished");
  drain_timer_.setSingleShot(true);
  drain_timer_.setInterval(kDrainIntervalMs);
  connect(&drain_timer_, &QTimer::timeout, this, &RunSession::drainNow);
  // Queued: the bridge emits from the worker thread.
  connect(&bridge_, &QtEventBridge::eventsAvailable, this, &RunSession::onEventsAvailable,
          Qt::QueuedConnection);
  connect(&table_, &RunsTableModel::visibilityToggled, this, &RunSession::onVisibilityToggled);
}

void RunSession::onEventsAvailable() {
  if (!drain_timer_.isActive()) drain_timer_.start();
}

void RunSession::drainNow() {
  drain_timer_.stop();
  QElapsedTimer clock;
  clock.start();
  QtEventBridge::Batch batch = bridge_.take();
  if (batch.empty()) return;
  for (const auto& e : batch.started) {
    live_.insert(e.run_id);
    last_run_id_ = std::max(last_run_id_, e.run_id);
    series_.on_started(e);
    series_.set_visible(e.run_id, true);
    RunRow row;
    row.id = e.run_id;
    row.sweep_id = e.sweep_id;
    if (e.sweep_id != 0 && !table_.hasSweepInfo(e.sweep_id)) nameSweep(e.sweep_id);
    row.name = QString::fromStdString(e.name);
    row.status = RunStatus::running;
    row.batch = starting_batch(e);  // kept while it runs: what reopening the store shows
    row.batch_scheduled = e.config.batch.schedule.kind != ScheduleKind::constant;
    row.replicas = std::max(1, e.config.parallel.replicas);
    row.lr = e.config.optimizer.lr;
    row.visible = true;
    table_.upsert(row);
    emit runStarted(e);
  }
  series_.append(batch.steps);
  for (const auto& e : batch.evals) series_.append(e);
  for (const auto& d : batch.device_memory) series_.set_device_memory(d.run_id, d.device, d.memory);
  // One table update per run and drain, not per step.
  std::set<std::int64_t> touched;
  for (std::size_t i = 0; i < batch.steps.size(); ++i)
    if (i == 0 || batch.steps[i].run_id != batch.steps[i - 1].run_id)
      touched.insert(batch.steps[i].run_id);
  for (const auto& e : batch.evals) touched.insert(e.run_id);
  for (const std::int64_t id : touched) {
    const RunRow* current = table_.find(id);
    const RunSeries* run = series_.find(id);
    if (!current || !run) continue;
    RunRow row = *current;
    if (!run->samples_per_s_avg.empty()) row.samples_per_s = run->samples_per_s_avg.back();
    row.peak_memory = run->peak_memory;
    if (!run->val_accuracy.empty()) row.val_accuracy = run->val_accuracy.back();
    table_.upsert(row);
  }
  if (!batch.steps.empty()) emit progress(batch.steps.back());
  for (const auto& e : batch.snapshots) emit parameterSnapshot(e.run_id, e.step, e.parameters);
  for (const auto& e : batch.logs)
    emit logMessage(QString::fromStdString(e.message), static_cast<int>(e.level));
  for (const auto& e : batch.finished) {
    if (const RunRow* current = table_.find(e.run_id)) {
      RunRow row = *current;
      row.status = e.status;
      row.reason = QString::fromStdString(e.reason);
      apply_summary(row, e.summary);
      table_.upsert(row);
    }
    emit runFinished(e);
  }
  slowest_drain_ms_ = std::max(slowest_drain_ms_, static_cast<double>(clock.nsecsElapsed()) / 1e6);
  emit updated();
}

bool RunSession::loadStore(const std::filesystem::path& path, QString& error) {
  std::vector<RunRecord> records;
  std::vector<SweepRecord> sweeps;
  try {
    RunStore store(path);
    records = store.list_runs();
    sweeps = store.list_sweeps();
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
    return false;
  }
  store_path_ = path;
  // Runs of another store share ids with this one's: start from a clean slate.
  table_.clear();
  series_.clear();
  live_.clear();
  for (const auto& sweep : sweeps) table_.setSweepInfo(sweep.id, sweep_info_from_record(sweep));
  for (const auto& record : records) table_.upsert(row_from_record(record));
  emit updated();
  return true;
}

bool RunSession::reloadRun(std::int64_t id, QString& error) {
  try {
    const RunStore store(store_path_);
    if (const auto record = store.run(id)) table_.upsert(row_from_record(*record));
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
    return false;
  }
  emit updated();
  return true;
}

bool RunSession::listNewRuns(std::vector<std::int64_t>& added, QString& error) {
  std::vector<RunRecord> records;
  std::vector<SweepRecord> sweeps;
  try {
    const RunStore store(store_path_);
    records = store.list_runs();
    sweeps = store.list_sweeps();
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
    return false;
  }
  // Sweeps first: a new run's row goes into its group, which needs the sweep's name.
  for (const auto& sweep : sweeps)
    if (!table_.hasSweepInfo(sweep.id))
      table_.setSweepInfo(sweep.id, sweep_info_from_record(sweep));
  for (const auto& record : records) {
    if (table_.find(record.id)) continue;
    table_.upsert(row_from_record(record));
    added.push_back(record.id);
  }
  if (!added.empty()) emit updated();
  return true;
}

void RunSession::nameSweep(std::int64_t sweep_id) {
  // One row, read once per sweep when its first run starts: cheap enough for the GUI thread.
  try {
    if (store_path_.empty()) return;
    const RunStore store(store_path_);
    if (const auto record = store.sweep(sweep_id))
      table_.setSweepInfo(sweep_id, sweep_info_from_record(*record));
  } catch (const std::exception&) {
    // No name then: the group reads "sweep <id>", which is still right.
  }
}

void RunSession::onVisibilityToggled(std::int64_t id, bool visible) {
  series_.set_visible(id, visible);
  const RunSeries* run = series_.find(id);
  if (visible && !live_.count(id) && (!run || run->empty())) loadSeries(id);
  emit updated();
}

void RunSession::loadSeries(std::int64_t id) {
  if (loading_.count(id) || store_path_.empty()) return;
  loading_.insert(id);
  struct Loaded {
    std::vector<StepEvent> steps;
    std::vector<EvalEvent> evals;
    QString error;
  };
  const std::filesystem::path path = store_path_;
  auto* watcher = new QFutureWatcher<Loaded>(this);
  connect(watcher, &QFutureWatcher<Loaded>::finished, this, [this, watcher, id, path] {
    Loaded loaded = watcher->result();
    watcher->deleteLater();
    loading_.erase(id);
    if (path != store_path_) return;  // the store changed meanwhile
    if (!loaded.error.isEmpty()) {
      emit storeError(loaded.error);
      return;
    }
    series_.load(id, loaded.steps, loaded.evals);
    RunSeries& run = series_.ensure(id);
    if (const RunRow* row = table_.find(id)) {
      run.name = row->name.toStdString();
      run.visible = row->visible;
      if (row->batch > 0 && run.batch_size == 0) run.batch_size = row->batch;
      run.predicted_total = row->predicted_memory;  // the memory plot's dashed line
    }
    emit updated();
  });
  watcher->setFuture(QtConcurrent::run([path, id] {
    Loaded out;
    try {
      const RunStore store(path);
      // Decimated on read: a 10⁷-step run loads as kLoadedSteps points spread over it (the
      // plots draw at most a few thousand per axis anyway); a live run keeps every step.
      out.steps = store.steps(id, RunSession::kLoadedSteps);
      out.evals = store.evals(id);
    } catch (const std::exception& e) {
      out.error = QString::fromUtf8(e.what());
    }
    return out;
  }));
}

}  // namespace batchlab
