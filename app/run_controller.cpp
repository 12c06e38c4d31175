#include "app/run_controller.h"

#include <QThread>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "engine/experiment/run_executor.h"

namespace batchlab {
namespace {

// Training saturates every core it is given; a slightly lower priority for the worker (and the
// threads it starts, which inherit it) keeps the window answering at once on a busy machine
// while costing nothing when the GUI is idle.
void lower_worker_priority() {
#ifdef __linux__
  // On Linux the nice value is per thread: PRIO_PROCESS with a thread id sets only this one.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), RunController::kWorkerNice);
#endif
}

}  // namespace

SnapshotPolicy RunController::viewSnapshots() {
  SnapshotPolicy p;
  p.enabled = true;
  p.min_interval_s = 0.2;
  p.max_parameters = std::int64_t{1} << 18;
  p.every_step_max_parameters = 16;
  return p;
}

RunController::RunController(EventSink* sink, QObject* parent) : QObject(parent), sink_(sink) {
  qRegisterMetaType<batchlab::RunFinished>("batchlab::RunFinished");
  qRegisterMetaType<batchlab::SweepStatus>("batchlab::SweepStatus");
}

RunController::~RunController() {
  shutdown();
}

void RunController::submit(const RunConfig& config) {
  queue_.push_back(config);
  if (!busy()) startNext();
  emit stateChanged();
}

void RunController::submitSweep(const SweepConfig& sweep, std::optional<StepTimeModel> step_time) {
  queue_.emplace_back(SweepJob{sweep, std::move(step_time)});
  if (!busy()) startNext();
  emit stateChanged();
}

void RunController::pause() {
  if (!busy()) return;
  control_.pause();
  emit stateChanged();
}

void RunController::resume() {
  control_.resume();
  emit stateChanged();
}

void RunController::togglePause() {
  if (paused())
    resume();
  else
    pause();
}

void RunController::stop() {
  queue_.clear();
  control_.request_stop();
  emit stateChanged();
}

void RunController::shutdown() {
  queue_.clear();
  if (!thread_) return;
  control_.request_stop();
  thread_->wait();
  // The queued finished() notification may not have been delivered yet; handle it here and
  // let the late one find a newer generation and do nothing.
  onWorkerFinished(generation_);
}

void RunController::startNext() {
  if (queue_.empty()) return;
  const Job job = std::move(queue_.front());
  queue_.pop_front();
  control_.reset();
  auto outcome = std::make_shared<Outcome>();
  outcome_ = outcome;
  const int generation = ++generation_;
  current_is_sweep_ = std::holds_alternative<SweepJob>(job);
  if (current_is_sweep_) {
    thread_ = QThread::create([this, sweep = std::get<SweepJob>(job), outcome, generation] {
      lower_worker_priority();
      runSweepJob(sweep, outcome, generation);
    });
  } else {
    ExecuteOptions options;
    options.store_path = store_path_;
    options.extra_sink = sink_;
    options.control = &control_;
    options.source = "experiment form";
    options.snapshots = viewSnapshots();
    thread_ = QThread::create([config = std::get<RunConfig>(job), options, outcome] {
      lower_worker_priority();
      try {
        outcome->finished = execute_run(config, options);
      } catch (const std::exception& e) {
        outcome->error = QString::fromUtf8(e.what());
      }
    });
  }
  thread_->setObjectName(QStringLiteral("batchlab-run"));
  connect(thread_, &QThread::finished, this, [this, generation] { onWorkerFinished(generation); });
  thread_->start();
}

// Runs on the worker thread: touches only the job, the outcome, control_ (atomic flags) and
// store_path_/sink_ (fixed while busy: the window refuses a store change mid-run).
void RunController::runSweepJob(const SweepJob& job, const std::shared_ptr<Outcome>& outcome,
                                int generation) {
  SweepOptions options;
  options.store_path = store_path_;
  options.extra_sink = sink_;
  options.control = &control_;
  options.source = "sweep " + job.sweep.name;
  options.step_time = job.step_time;
  options.snapshots = viewSnapshots();
  SweepStatus last;
  last.name = QString::fromStdString(job.sweep.name);
  // Between runs only: a queued call per run start and end, dropped if the controller has moved
  // on (a newer generation) or is gone.
  const auto report = [this, generation, &last](const SweepProgress& p) {
    last.sweep_id = p.sweep_id;
    last.index = p.index;
    last.total = p.total;
    last.starting = p.event == SweepProgress::Event::run_starting;
    last.label = QString::fromStdString(p.plan->label);
    last.batch = p.plan->batch_size;
    last.run_status = p.finished ? p.finished->status : RunStatus::running;
    last.eta_s = p.eta_s;
    if (p.finished) ++last.runs_done;
    const SweepStatus status = last;
    std::optional<RunFinished> finished;
    if (p.finished && p.finished->run_id != 0) finished = *p.finished;
    QMetaObject::invokeMethod(
        this,
        [this, generation, status, finished] {
          if (generation != generation_) return;
          if (finished) {
            last_finished_ = finished;
            emit runDone(*finished);
          }
          emit sweepProgress(status);
        },
        Qt::QueuedConnection);
  };
  try {
    const SweepResult result = run_sweep(job.sweep, options, report);
    last.sweep_id = result.sweep_id;
    last.total = result.planned;
    last.stopped = result.stopped;
    last.runs_done = static_cast<int>(result.runs.size());
    if (!result.runs.empty()) outcome->finished = result.runs.back().finished;
  } catch (const std::exception& e) {
    outcome->error = QStringLiteral("sweep %1: %2").arg(last.name, QString::fromUtf8(e.what()));
  }
  last.done = true;
  last.eta_s = 0.0;
  outcome->sweep = last;
}

void RunController::onWorkerFinished(int generation) {
  if (generation != generation_ || !thread_) return;
  thread_->wait();
  delete thread_;
  thread_ = nullptr;
  const std::shared_ptr<Outcome> outcome = std::move(outcome_);
  ++generation_;
  if (outcome && !outcome->error.isEmpty()) emit runRejected(outcome->error);
  if (outcome && outcome->sweep) {
    // Each run of the sweep was announced as it ended; the queued calls came before this one.
    if (outcome->finished) last_finished_ = outcome->finished;
    current_is_sweep_ = false;
    emit sweepFinished(*outcome->sweep);
  } else if (outcome && outcome->finished) {
    last_finished_ = outcome->finished;
    emit runDone(*outcome->finished);
  }
  current_is_sweep_ = false;
  startNext();
  emit stateChanged();
  if (!busy()) emit idle();
}

}  // namespace batchlab
