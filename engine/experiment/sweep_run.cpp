// run_sweep: the expanded runs one after another through execute_run, and the ETA that the
// finished runs refine.
#include "engine/experiment/sweep_run.h"

#include <algorithm>
#include <cmath>
#include <span>
#include <utility>

#include "engine/core/errors.h"
#include "engine/core/stopwatch.h"
#include "engine/experiment/run_executor.h"
#include "engine/experiment/run_store.h"

namespace batchlab {
namespace {

// Catches the dataset size of each run as it starts, for the ETA; forwards nothing.
class RowsCapture final : public EventSink {
 public:
  void on_run_started(const RunStarted& e) override {
    train_rows = e.train_rows;
    val_rows = e.val_rows;
  }
  std::int64_t train_rows = 0;
  std::int64_t val_rows = 0;
};

// The step-time model behind the ETA: the calibration, when there is one, refitted with the
// measured step time and set-up time of every finished run.
class EtaModel {
 public:
  explicit EtaModel(StepTimeModel start)
      : model_(std::move(start)), timings_(model_.samples), calibration_(model_.basis) {}

  // A run of `batch` has finished; `wall_s` is its whole time, set-up included.
  void add_run(std::int64_t batch, const RunSummary& s, double wall_s, const RowsCapture& rows) {
    if (s.steps >= 3 && std::isfinite(s.samples_per_s_median) && s.samples_per_s_median > 0) {
      timings_.push_back({batch, static_cast<double>(batch) / s.samples_per_s_median});
      setups_.push_back(std::max(0.0, wall_s - s.time_s));
    }
    if (rows.train_rows <= 0 || timings_.empty()) return;
    StepTimeModel refit = fit_step_time(timings_);
    double setup_sum = 0.0;
    for (double v : setups_) setup_sum += v;
    refit.setup_s =
        setups_.empty() ? model_.setup_s : setup_sum / static_cast<double>(setups_.size());
    refit.eval_row_s = model_.eval_row_s;
    refit.train_rows = rows.train_rows;
    refit.val_rows = rows.val_rows;
    refit.basis = calibration_.empty() ? "" : calibration_ + " and ";
    refit.basis +=
        std::to_string(setups_.size()) + " finished run" + (setups_.size() == 1 ? "" : "s");
    model_ = std::move(refit);
  }

  // Seconds for plans[from...]; NaN while the model or the dataset size is unknown.
  double remaining_seconds(const std::vector<SweepRunPlan>& plans, std::size_t from) const {
    if (!model_.known() || model_.train_rows <= 0) return kNaN;
    return estimate_sweep(std::span(plans).subspan(from), model_).total_s;
  }

  const StepTimeModel& model() const { return model_; }

 private:
  StepTimeModel model_;
  std::vector<StepTimeSample> timings_;
  std::vector<double> setups_;
  std::string calibration_;  // the calibration's basis, kept in front of the runs' count
};

}  // namespace

SweepResult run_sweep(const SweepConfig& sweep, const SweepOptions& options,
                      const SweepProgressFn& progress) {
  const std::vector<SweepRunPlan> plans = expand_sweep(sweep, options.source);
  SweepResult result;
  result.planned = static_cast<int>(plans.size());
  EtaModel eta(options.step_time.value_or(StepTimeModel{}));

  if (!options.store_path.empty()) {
    RunStore store(options.store_path);
    result.sweep_id = store.create_sweep(sweep.name.empty() ? "sweep" : sweep.name,
                                         sweep_config_to_json(sweep).dump());
  }
  RowsCapture rows;
  FanOutSink sinks;
  sinks.add(&rows);
  sinks.add(options.extra_sink);

  const auto report = [&](SweepProgress::Event event, std::size_t i, const RunFinished* finished) {
    if (!progress) return;
    SweepProgress p;
    p.event = event;
    p.index = static_cast<int>(i);
    p.total = result.planned;
    p.plan = &plans[i];
    p.finished = finished;
    p.sweep_id = result.sweep_id;
    p.eta_s = eta.remaining_seconds(plans, event == SweepProgress::Event::run_starting ? i : i + 1);
    progress(p);
  };

  for (std::size_t i = 0; i < plans.size(); ++i) {
    if (options.control && options.control->stop_requested()) {
      result.stopped = true;
      break;
    }
    const SweepRunPlan& plan = plans[i];
    report(SweepProgress::Event::run_starting, i, nullptr);

    ExecuteOptions run_options;
    run_options.store_path = options.store_path;
    run_options.extra_sink = &sinks;
    run_options.control = options.control;
    run_options.source = options.source;
    run_options.sweep_id = result.sweep_id;
    run_options.snapshots = options.snapshots;
    Stopwatch clock;
    RunFinished finished;
    try {
      finished = execute_run(plan.config, run_options);
    } catch (const Error& e) {
      if (result.runs.empty()) {
        // Nothing ran: bad input, and the store goes back to how it was.
        if (result.sweep_id != 0) RunStore(options.store_path).delete_sweep(result.sweep_id);
        throw;
      }
      finished = RunFinished{};
      finished.status = RunStatus::failed;
      finished.reason = e.what();
    }

    // What this run measured refines the ETA of the ones after it.
    eta.add_run(plan.batch_size, finished.summary, clock.seconds(), rows);

    result.runs.push_back({plan, finished});
    report(SweepProgress::Event::run_finished, i, &result.runs.back().finished);
    if (options.control && options.control->stop_requested()) {
      result.stopped = true;
      break;
    }
  }
  result.step_time = eta.model();
  return result;
}

}  // namespace batchlab
