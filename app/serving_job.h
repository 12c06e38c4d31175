// defines: ServeSample, ServeSweepSample, ServingJob (one serving simulation or serving sweep
//          off the GUI thread, for the Inference window)
// The job does what `batchlab-cli serve` does — load the model (a run config or a stored run),
// prepare the backend for inference at the largest batch, simulate — on a pool thread, and hands
// the GUI plain values through queued signals: one ServeSample per report window (≈10 a second
// of clock time), a latency histogram with each sample, one ServeSweepSample per sweep point,
// then the ServeResult (or the sweep's best setting). Nothing the simulation does per request
// crosses the thread: per-request latencies land in the job's own histogram.
// Like `serve`, the job records its result in the store as a run of kind serving (its points,
// the report windows, the best setting; engine/serve/serve_store.h) and says so by recorded().
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QVector>

#include "engine/core/run_control.h"
#include "engine/serve/serve_result.h"
#include "engine/serve/serve_sweep.h"
#include "engine/serve/serving_config.h"

namespace batchlab {

struct ServeSample {
  double t_s = 0;
  double p50_ms = 0, p99_ms = 0;
  double throughput = 0;  // served per second in the window
  double offered = 0;     // arrived per second in the window
  std::int64_t queue_depth = 0;
  std::int64_t batch_limit = 0;
  double mean_batch = 0;
};

struct ServeSweepSample {
  BatchMode mode = BatchMode::dynamic;
  std::int64_t max_batch = 0;
  double max_delay_ms = 0;
  double rate = 0;
  double throughput = 0;
  double p99_ms = 0;
  bool saturated = false;
  bool meets_objective = false;
};

// Latency histogram bins: log-spaced from 10 µs to 10 s, kBinsPerDecade per decade.
struct LatencyBins {
  static constexpr int kBinsPerDecade = 8;
  static constexpr int kBins = 6 * kBinsPerDecade;
  static constexpr double kLowest_s = 1e-5;
  static int bin_of(double seconds);
  static double lower_ms(int bin);  // the bin's lower edge, in ms
  static double upper_ms(int bin);
};

class ServingJob final : public QObject {
  Q_OBJECT
 public:
  explicit ServingJob(QObject* parent = nullptr);
  ~ServingJob() override;  // stops a job in flight and waits for it

  // Starts `config` (validated: the caller read it with serving_config_from_json or built it
  // from one). `store`: the run store a stored-run model (config.model.run_id) is read from.
  // The result is recorded in `store` too unless `record` is false.
  void start(const ServingConfig& config, const std::filesystem::path& store, bool record = true);
  void stop();
  bool running() const { return watcher_.isRunning(); }
  // Blocks until the job in flight has ended (tests; closing the window).
  void wait();

 signals:
  void described(const QString& text);  // "spirals-mlp (fresh) on cpu, 400 validation rows"
  void sample(const batchlab::ServeSample& s, const QVector<qint64>& latency_bins);
  void sweepPoint(const batchlab::ServeSweepSample& p);
  // The result, with the latency histogram of every served request.
  void finished(const batchlab::ServeResult& result, const QVector<qint64>& latency_bins);
  // The whole sweep (every point's result), just before sweepFinished: what a lesson judges.
  void sweepResult(const batchlab::ServeSweepResult& result);
  void sweepFinished(int points, int best_point);  // best_point: −1 when none meets the SLO
  void failed(const QString& message);
  // The run the result was recorded as, in the store start() was given.
  void recorded(qint64 run_id);

 private:
  QFutureWatcher<void> watcher_;
  std::shared_ptr<RunControl> control_;
};

}  // namespace batchlab

Q_DECLARE_METATYPE(batchlab::ServeSample)
Q_DECLARE_METATYPE(batchlab::ServeSweepSample)
Q_DECLARE_METATYPE(batchlab::ServeResult)
Q_DECLARE_METATYPE(batchlab::ServeSweepResult)
