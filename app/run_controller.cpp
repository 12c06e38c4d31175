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

RunController::RunController(EventSink* sink, QObject* parent) : QObject(parent), sink_(sink) {
  qRegisterMetaType<batchlab::RunFinished>("batchlab::RunFinished");
}

RunController::~RunController() {
  shutdown();
}

void RunController::submit(const RunConfig& config) {
  queue_.push_back(config);
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
  const RunConfig config = queue_.front();
  queue_.pop_front();
  control_.reset();
  auto outcome = std::make_shared<Outcome>();
  outcome_ = outcome;
  ExecuteOptions options;
  options.store_path = store_path_;
  options.extra_sink = sink_;
  options.control = &control_;
  options.source = "experiment form";
  thread_ = QThread::create([config, options, outcome] {
    lower_worker_priority();
    try {
      outcome->finished = execute_run(config, options);
    } catch (const std::exception& e) {
      outcome->error = QString::fromUtf8(e.what());
    }
  });
  thread_->setObjectName(QStringLiteral("batchlab-run"));
  const int generation = ++generation_;
  connect(thread_, &QThread::finished, this, [this, generation] { onWorkerFinished(generation); });
  thread_->start();
}

void RunController::onWorkerFinished(int generation) {
  if (generation != generation_ || !thread_) return;
  thread_->wait();
  delete thread_;
  thread_ = nullptr;
  const std::shared_ptr<Outcome> outcome = std::move(outcome_);
  ++generation_;
  if (outcome && !outcome->error.isEmpty()) emit runRejected(outcome->error);
  if (outcome && outcome->finished) {
    last_finished_ = outcome->finished;
    emit runDone(*outcome->finished);
  }
  startNext();
  emit stateChanged();
  if (!busy()) emit idle();
}

}  // namespace batchlab
