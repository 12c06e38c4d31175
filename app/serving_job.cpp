#include "app/serving_job.h"

#include <cmath>
#include <mutex>

#include <QPointer>
#include <QtConcurrent>

#include "engine/core/errors.h"
#include "engine/core/event_sink.h"
#include "engine/serve/serve_events.h"
#include "engine/serve/serve_store.h"
#include "engine/serve/serve_sweep.h"
#include "engine/serve/serving_model.h"
#include "engine/serve/serving_runtime.h"
#include "engine/serve/serving_sim.h"

namespace batchlab {

int LatencyBins::bin_of(double seconds) {
  if (!(seconds > kLowest_s)) return 0;
  const int b = static_cast<int>(std::floor(std::log10(seconds / kLowest_s) * kBinsPerDecade));
  return std::min(b, kBins - 1);
}

double LatencyBins::lower_ms(int bin) {
  return kLowest_s * 1e3 * std::pow(10.0, static_cast<double>(bin) / kBinsPerDecade);
}

double LatencyBins::upper_ms(int bin) { return lower_ms(bin + 1); }

namespace {

// Runs on the pool thread: turns serve_window events into samples, with the latency bins the
// requests completed so far fill (on_request, same thread), and posts them to the job.
class SampleSink final : public EventSink {
 public:
  SampleSink(QPointer<ServingJob> job, std::vector<qint64>& bins, bool live)
      : job_(std::move(job)), bins_(bins), live_(live) {}
  void on_run_started(const RunStarted&) override {}
  void on_step(const StepEvent&) override {}
  void on_eval(const EvalEvent&) override {}
  void on_run_finished(const RunFinished&) override {}
  void on_extension(const ExtensionEvent& e) override {
    if (!live_ || e.type() != "serve_window") return;
    const auto& w = static_cast<const ServeWindowEvent&>(e);
    ServeSample s;
    s.t_s = w.t_s;
    s.p50_ms = w.served > 0 ? w.p50_ms : std::nan("");
    s.p99_ms = w.served > 0 ? w.p99_ms : std::nan("");
    s.throughput = w.throughput;
    s.offered = w.window_s > 0 ? static_cast<double>(w.arrived) / w.window_s : 0;
    s.queue_depth = w.queue_depth;
    s.batch_limit = w.batch_limit;
    s.mean_batch = w.mean_batch;
    const QVector<qint64> bins(bins_.begin(), bins_.end());
    QMetaObject::invokeMethod(job_, [job = job_, s, bins] {
      if (job) emit job->sample(s, bins);
    }, Qt::QueuedConnection);
  }

 private:
  QPointer<ServingJob> job_;
  std::vector<qint64>& bins_;
  bool live_;
};

}  // namespace

ServingJob::ServingJob(QObject* parent) : QObject(parent) {
  qRegisterMetaType<ServeSample>();
  qRegisterMetaType<ServeSweepSample>();
  qRegisterMetaType<ServeResult>();
  qRegisterMetaType<ServeSweepResult>();
}

ServingJob::~ServingJob() {
  stop();
  wait();
}

void ServingJob::stop() {
  if (control_) control_->request_stop();
}

void ServingJob::wait() { watcher_.waitForFinished(); }

void ServingJob::start(const ServingConfig& config, const std::filesystem::path& store,
                       bool record) {
  if (running()) return;
  control_ = std::make_shared<RunControl>();
  QPointer<ServingJob> self(this);
  // Every signal is posted from the pool thread and delivered on the GUI thread, where `self`
  // is checked: a window closed meanwhile receives nothing.
  const auto post = [self](auto&& f) {
    QMetaObject::invokeMethod(self, [self, f = std::forward<decltype(f)>(f)] {
      if (self) f(*self);
    }, Qt::QueuedConnection);
  };
  watcher_.setFuture(QtConcurrent::run([config, store, record, control = control_, post, self] {
    std::unique_ptr<ServingRunWriter> writer;
    try {
      const ServingModel model = load_serving_model(config.model, config.train_split, store, "");
      const ServeOptions options = serve_options_for(config, model);
      ServingRuntime runtime(model, config, largest_batch(config));
      const QString text = QStringLiteral("%1 on %2, %3 %4 rows")
                               .arg(QString::fromStdString(model.label),
                                    QString::fromStdString(runtime.device()))
                               .arg(model.rows().rows)
                               .arg(&model.rows() == &model.data.train ? QStringLiteral("training")
                                                                       : QStringLiteral("validation"));
      post([text](ServingJob& j) { emit j.described(text); });
      if (record && !store.empty())
        writer = std::make_unique<ServingRunWriter>(
            store, RunKind::serving,
            "serve " + (config.name.empty() ? model.label : config.name), config,
            runtime.device());

      std::vector<qint64> bins(LatencyBins::kBins, 0);
      SampleSink live(self, bins, config.sweep.empty());
      ServingWindowRecorder windows;
      FanOutSink sink;
      sink.add(&live);
      sink.add(&windows);
      const auto recorded = [&](const std::vector<ServingPointRow>& rows, bool stopped) {
        if (!writer) return;
        writer->finish_serving(rows, windows.windows(), stopped);
        const qint64 id = writer->run_id();
        // Closed now, not when the job's lambda unwinds: the result's signal, posted next, is
        // the job's last work, so the window sees it idle (running() false) when it arrives.
        writer.reset();
        post([id](ServingJob& j) { emit j.recorded(id); });
      };
      ServeObservers observers{
          .sink = &sink, .control = control.get(), .on_request = [&bins](const RequestRecord& r) {
            ++bins[static_cast<std::size_t>(LatencyBins::bin_of(r.latency()))];
          }};
      if (!config.sweep.empty()) {
        const auto on_point = [&](const ServeSweepPoint& p) {
          ServeSweepSample s;
          s.mode = p.mode;
          s.max_batch = p.max_batch;
          s.max_delay_ms = p.max_delay_s * 1e3;
          s.rate = p.rate;
          s.throughput = p.result.throughput;
          s.p99_ms = p.result.p99_s * 1e3;
          s.saturated = p.result.saturated;
          s.meets_objective = p.meets_objective;
          post([s](ServingJob& j) { emit j.sweepPoint(s); });
        };
        observers.on_request = {};
        const ServeSweepResult r =
            run_serve_sweep(options, config.sweep, runtime.service(), observers, on_point);
        recorded(serving_point_rows(r), r.stopped);
        const int points = static_cast<int>(r.points.size());
        const int best = r.best ? static_cast<int>(*r.best) : -1;
        post([r](ServingJob& j) { emit j.sweepResult(r); });
        post([points, best](ServingJob& j) { emit j.sweepFinished(points, best); });
        return;
      }
      const ServeResult r = simulate_serving(options, runtime.service(), observers);
      recorded(serving_point_rows(r, config.batcher.slo_p99_s), r.stopped);
      const QVector<qint64> last(bins.begin(), bins.end());
      post([r, last](ServingJob& j) { emit j.finished(r, last); });
    } catch (const OutOfMemoryError& e) {
      if (writer) writer->fail(e.what());
      const QString m = QStringLiteral("the largest batch does not fit: %1").arg(e.what());
      post([m](ServingJob& j) { emit j.failed(m); });
    } catch (const std::exception& e) {
      if (writer) {
        try {
          writer->fail(e.what());
        } catch (const std::exception&) {  // the store itself failed: its message is `e`
        }
      }
      const QString m = QString::fromUtf8(e.what());
      post([m](ServingJob& j) { emit j.failed(m); });
    }
  }));
}

}  // namespace batchlab
