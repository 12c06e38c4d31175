// defines: InferenceWindow (View ▸ Inference: serve a model under load and watch its latency)
// Pick a model (the experiment form's, freshly initialised, or a stored run's trained one), a
// workload (offered rate, arrivals, duration) and a batcher (real-time, fixed, dynamic,
// adaptive; max batch, max delay, the p99 objective), press Serve, and watch live: latency
// percentiles over time against the objective line, the latency histogram, served against
// offered throughput, and the queue depth with the batch limit. A serving preset with a sweep
// of offered rates draws the latency–throughput curve of each setting instead, with the
// objective line and the best setting under it named. The simulation runs in a ServingJob off
// the GUI thread; closing the window stops it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <QVector>
#include <QWidget>

#include "app/serving_job.h"
#include "engine/core/run_config.h"

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;

namespace batchlab {

struct PlotStyle;

class InferenceWindow final : public QWidget {
  Q_OBJECT
 public:
  // `form_model` gives the experiment form's config now (the "form's model" choice); `store`
  // is where stored runs' models are read.
  InferenceWindow(std::function<std::optional<RunConfig>()> form_model,
                  std::filesystem::path store, QWidget* parent = nullptr);
  ~InferenceWindow() override;  // out of line: PlotStyle is only declared here

  // The stored runs a model can be served from: (run id, label), newest first.
  void setStoredRuns(const std::vector<std::pair<std::int64_t, QString>>& runs);
  void setStorePath(std::filesystem::path store) { store_ = std::move(store); }
  // Fills the controls from a serving preset (name or path); false with `error` when it does
  // not load.
  bool loadPreset(const QString& name_or_path, QString& error);
  // The config the controls describe (with the preset's sweep, if one is loaded).
  ServingConfig config() const;
  void setPlotStyle(const PlotStyle& style);
  // Serves `config` as it is (a lesson's serving step): the controls show it, the model is its
  // own. False with `error` when a job is already running.
  bool serveConfig(const ServingConfig& config, QString& error);
  // The controls panel at the left (a presented lesson hides it: the curves need the room).
  void setControlsVisible(bool visible);

  void serve();
  void stop();
  ServingJob& job() { return job_; }

  // For tests and screenshots.
  QCustomPlot* latencyPlot() const { return latency_; }
  QCustomPlot* histogramPlot() const { return histogram_; }
  QCustomPlot* throughputPlot() const { return throughput_; }
  QCustomPlot* queuePlot() const { return queue_; }
  QCustomPlot* sweepPlot() const { return sweep_; }
  QString summaryText() const;
  QPushButton* serveButton() const { return serve_button_; }

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildControls(QWidget* panel);
  void buildPlots(QWidget* area);
  void clearPlots();
  void onSample(const ServeSample& s, const QVector<qint64>& bins);
  void onFinished(const ServeResult& r, const QVector<qint64>& bins);
  void onSweepPoint(const ServeSweepSample& p);
  void onSweepFinished(int points, int best);
  void drawHistogram(const QVector<qint64>& bins);
  void setObjectiveLines();
  void updateEnabled();
  void replotAll();
  void showConfig(const ServingConfig& c);
  void styleCurve(QCPGraph* g, std::int64_t index) const;

  std::function<std::optional<RunConfig>()> form_model_;
  std::filesystem::path store_;
  ServingJob job_;
  std::optional<ServingConfig> preset_;  // the loaded serving preset (its model, infer, sweep)

  QComboBox* model_ = nullptr;
  QComboBox* preset_box_ = nullptr;
  QDoubleSpinBox* rate_ = nullptr;
  QComboBox* arrivals_ = nullptr;
  QDoubleSpinBox* duration_ = nullptr;
  QComboBox* mode_ = nullptr;
  QSpinBox* max_batch_ = nullptr;
  QDoubleSpinBox* max_delay_ = nullptr;
  QDoubleSpinBox* slo_ = nullptr;
  QCheckBox* virtual_clock_ = nullptr;
  QCheckBox* sweep_box_ = nullptr;
  QPushButton* serve_button_ = nullptr;
  QPushButton* stop_button_ = nullptr;
  QLabel* description_ = nullptr;
  QLabel* summary_ = nullptr;

  QWidget* panel_ = nullptr;
  QWidget* live_area_ = nullptr;
  QCustomPlot* latency_ = nullptr;
  QCustomPlot* histogram_ = nullptr;
  QCustomPlot* throughput_ = nullptr;
  QCustomPlot* queue_ = nullptr;
  QCustomPlot* sweep_ = nullptr;
  QCPGraph* p50_ = nullptr;
  QCPGraph* p99_ = nullptr;
  QCPGraph* served_ = nullptr;
  QCPGraph* offered_ = nullptr;
  QCPGraph* depth_ = nullptr;
  QCPGraph* limit_ = nullptr;
  QCPGraph* bars_ = nullptr;  // the latency histogram
  QCPItemStraightLine* latency_slo_ = nullptr;
  QCPItemStraightLine* sweep_slo_ = nullptr;
  QCPItemText* best_mark_ = nullptr;
  // Sweep curves: one graph per setting, keyed by its text.
  std::map<QString, QCPGraph*> curves_;
  std::vector<ServeSweepSample> sweep_points_;
  std::unique_ptr<PlotStyle> style_;  // the look of the sweep curves drawn later, too
};

}  // namespace batchlab
