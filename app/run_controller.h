// defines: RunController (runs RunConfigs and sweeps one after another on a worker QThread),
//          SweepStatus
// submit() starts a run at once or queues it behind the one in progress; submitSweep() does the
// same for a whole sweep, which the worker runs through engine run_sweep (one run after another,
// each stored with the sweep's id; runs that diverge or run out of memory are results and the
// sweep goes on) and reports between runs with sweepProgress. The worker calls
// execute_run with the bridge as its extra sink, so every event reaches both the store and the
// GUI; the worker never touches a widget. pause(), resume() and stop() set RunControl's atomic
// flags, which the Trainer polls between steps. A config or data error raised before the run
// starts (nothing stored) comes back as runRejected. The destructor, like shutdown(), stops
// the run and joins the worker, so the store always records how the run ended (`stopped`).
// Threading: every public method is for the GUI thread.
#pragma once

#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <variant>

#include <QObject>
#include <QString>

#include "engine/core/event_sink.h"
#include "engine/core/events.h"
#include "engine/core/run_config.h"
#include "engine/core/run_control.h"
#include "engine/experiment/sweep.h"
#include "engine/train/parameter_snapshot.h"

class QThread;

namespace batchlab {

// Where a sweep stands, as the worker reports it between runs (never per step).
struct SweepStatus {
  QString name;
  std::int64_t sweep_id = 0;  // 0 until stored
  int index = 0;              // 0-based run of the sweep this is about
  int total = 0;
  bool starting = true;  // run `index` is starting (else it has just finished)
  QString label;         // "b=64 lr=0.05"
  std::int64_t batch = 0;
  RunStatus run_status = RunStatus::running;  // how run `index` ended (finished only)
  // At most this many seconds left (sweep_estimate.h); NaN while unknown.
  double eta_s = kNaN;
  bool done = false;     // the sweep is over (sweepFinished)
  bool stopped = false;  // done because Stop was pressed
  int runs_done = 0;     // runs that ran to some end
};

class RunController final : public QObject {
  Q_OBJECT
 public:
  // The worker thread's nice value (Linux): the GUI thread wins the CPU when both want it.
  static constexpr int kWorkerNice = 5;
  // The parameter snapshots the window's Model dock draws from: at most five a second, every
  // step for a model of a few parameters (a path across a loss surface).
  static SnapshotPolicy viewSnapshots();

  // `sink` receives every event of every run (it must outlive the controller).
  explicit RunController(EventSink* sink, QObject* parent = nullptr);
  ~RunController() override;

  void setStorePath(const std::filesystem::path& path) { store_path_ = path; }
  const std::filesystem::path& storePath() const { return store_path_; }

  // Starts `config` now, or after the runs already queued.
  void submit(const RunConfig& config);
  // Starts the sweep now, or after what is queued. `step_time`: the preview's calibration, so
  // the first ETA is known before a run has finished.
  void submitSweep(const SweepConfig& sweep, std::optional<StepTimeModel> step_time = {});
  void pause();
  void resume();
  void togglePause();
  // Stops the run in progress (stored `stopped`) and forgets the queued ones.
  void stop();
  // stop(), then waits for the worker to finish: for closing the window.
  void shutdown();

  bool busy() const { return thread_ != nullptr; }
  // A sweep is running now.
  bool sweeping() const { return busy() && current_is_sweep_; }
  bool paused() const { return busy() && control_.paused(); }
  int queued() const { return static_cast<int>(queue_.size()); }
  // How the last run that started ended, if any did.
  const std::optional<RunFinished>& lastFinished() const { return last_finished_; }

 signals:
  // Busy, paused or the queue changed.
  void stateChanged();
  // The config or its data was refused before the run started; nothing was stored.
  void runRejected(const QString& message);
  // The worker finished a run (also sent through the sink as on_run_finished).
  void runDone(const batchlab::RunFinished& finished);
  // Between the runs of a sweep: one starts or one ended.
  void sweepProgress(const batchlab::SweepStatus& status);
  // The sweep ended (all runs done, stopped, or its first run could not start: runRejected).
  void sweepFinished(const batchlab::SweepStatus& status);
  // Nothing runs and nothing is queued.
  void idle();

 private:
  struct SweepJob {
    SweepConfig sweep;
    std::optional<StepTimeModel> step_time;
  };
  using Job = std::variant<RunConfig, SweepJob>;
  struct Outcome {
    std::optional<RunFinished> finished;
    std::optional<SweepStatus> sweep;  // a sweep job: how it ended
    QString error;
  };
  void startNext();
  void onWorkerFinished(int generation);
  // The worker's body for one sweep; reports through queued calls on this object.
  void runSweepJob(const SweepJob& job, const std::shared_ptr<Outcome>& outcome, int generation);

  EventSink* sink_;
  std::filesystem::path store_path_;
  RunControl control_;
  std::deque<Job> queue_;
  bool current_is_sweep_ = false;
  QThread* thread_ = nullptr;
  std::shared_ptr<Outcome> outcome_;
  int generation_ = 0;
  std::optional<RunFinished> last_finished_;
};

}  // namespace batchlab
