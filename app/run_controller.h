// defines: RunController (runs RunConfigs one after another on a worker QThread)
// submit() starts a run at once or queues it behind the one in progress. The worker calls
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

#include <QObject>
#include <QString>

#include "engine/core/event_sink.h"
#include "engine/core/events.h"
#include "engine/core/run_config.h"
#include "engine/core/run_control.h"

class QThread;

namespace batchlab {

class RunController final : public QObject {
  Q_OBJECT
 public:
  // The worker thread's nice value (Linux): the GUI thread wins the CPU when both want it.
  static constexpr int kWorkerNice = 5;

  // `sink` receives every event of every run (it must outlive the controller).
  explicit RunController(EventSink* sink, QObject* parent = nullptr);
  ~RunController() override;

  void setStorePath(const std::filesystem::path& path) { store_path_ = path; }
  const std::filesystem::path& storePath() const { return store_path_; }

  // Starts `config` now, or after the runs already queued.
  void submit(const RunConfig& config);
  void pause();
  void resume();
  void togglePause();
  // Stops the run in progress (stored `stopped`) and forgets the queued ones.
  void stop();
  // stop(), then waits for the worker to finish: for closing the window.
  void shutdown();

  bool busy() const { return thread_ != nullptr; }
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
  // Nothing runs and nothing is queued.
  void idle();

 private:
  struct Outcome {
    std::optional<RunFinished> finished;
    QString error;
  };
  void startNext();
  void onWorkerFinished(int generation);

  EventSink* sink_;
  std::filesystem::path store_path_;
  RunControl control_;
  std::deque<RunConfig> queue_;
  QThread* thread_ = nullptr;
  std::shared_ptr<Outcome> outcome_;
  int generation_ = 0;
  std::optional<RunFinished> last_finished_;
};

}  // namespace batchlab
