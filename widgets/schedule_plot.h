// defines: SchedulePlot (batch size, learning rate and gradient noise scale against step)
// Each run's batch size (left axis, log₂) and LR (right axis) as step lines, live from the step
// events, with its measured noise scale B_simple on the batch axis: both are numbers of
// examples, so where the batch line runs far above the B_simple dots the batch is wasteful.
// Under them, dashed and grey, the planned schedule (engine planned_schedule) of the config in
// the form or of the run that just started; an epoch's short last batch is not part of the
// schedule, so the planned line holds the batch through it (a constant batch is one line; the
// live lines show the tails as they ran). The x axis spans the ticked runs' steps, or the plan
// while no ticked run has a step. A line under the plot reads the latest B_simple in plain
// words (noise_scale_hint).
#pragma once

#include <map>
#include <vector>

#include <QFutureWatcher>

#include "engine/core/run_config.h"
#include "engine/train/run_plan.h"
#include "widgets/live_plot.h"

class QLabel;
class QTimer;

namespace batchlab {

class ElidedLabel;

class SchedulePlot final : public LivePlot {
  Q_OBJECT
 public:
  explicit SchedulePlot(const SeriesModel& model, QWidget* parent = nullptr);
  ~SchedulePlot() override;

  // Shows `plan` as the planned schedule; `origin` says whose it is ("run #3"). A form plan
  // still being worked out is dropped.
  void setPlan(std::vector<SchedulePoint> plan, const QString& origin);
  // Plans `config` after a short pause, counting its training rows on a worker thread (a file
  // dataset must be read for that); the dataset is only read again when it changes.
  void planFor(const RunConfig& config);
  const std::vector<SchedulePoint>& plan() const { return plan_; }
  // "planned: 1250 steps, batch 32 → 512" or why there is no plan.
  QString planText() const;
  // The plain-words noise-scale reading of the latest run that measured one; empty: none.
  QString hintText() const;

  QCPGraph* plannedBatchGraph() const { return plan_batch_; }
  QCPGraph* plannedLrGraph() const { return plan_lr_; }
  QCPGraph* batchGraph(std::int64_t run_id) const;
  QCPGraph* lrGraph(std::int64_t run_id) const;
  QCPGraph* noiseGraph(std::int64_t run_id) const;

 signals:
  void planChanged();

 protected:
  void rebuild(const QCPRange& x_range, int buckets) override;
  bool dataXRange(QCPRange& range) const override;
  std::optional<Hit> nearest(const QPointF& pixel) const override;
  void fitValueAxis() override;
  void styleChanged() override;

 private:
  struct RunGraphs {
    QCPGraph* batch = nullptr;
    QCPGraph* lr = nullptr;
    QCPGraph* noise = nullptr;
  };
  struct RowCount {
    int generation = 0;
    QString signature;
    std::int64_t rows = 0;
    QString error;
  };
  void applyPlan(std::vector<SchedulePoint> plan, const QString& origin);
  void startPlanning();
  void onRowsCounted();
  void updateHint();

  std::map<std::int64_t, RunGraphs> graphs_;
  DecimatedSeries scratch_;
  QCPGraph* plan_batch_ = nullptr;
  QCPGraph* plan_lr_ = nullptr;
  // Legend-only graphs (no data): what a batch, LR and noise-scale line look like.
  QCPGraph* key_batch_ = nullptr;
  QCPGraph* key_lr_ = nullptr;
  QCPGraph* key_noise_ = nullptr;
  std::vector<SchedulePoint> plan_;
  std::vector<double> plan_steps_;    // the plan's batch line as columns, for max_per_bucket
  std::vector<double> plan_batches_;  // epoch tails held at the batch before them
  QString plan_text_;
  QString plan_short_;  // what the tile shows
  ElidedLabel* plan_label_ = nullptr;
  QString plan_tip_;  // what the plan label's tooltip explains under the plan's text
  QLabel* hint_label_ = nullptr;
  // Planning the form's config: the pending config, the last row count and the worker.
  RunConfig pending_;
  int generation_ = 0;
  RowCount rows_;
  QTimer* debounce_ = nullptr;
  QFutureWatcher<RowCount> watcher_;
};

}  // namespace batchlab
