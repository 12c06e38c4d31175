// defines: SweepDialog (the "Sweep…" window: batch sizes, learning rates, scaling rule and repeats
//          over a base experiment, with the expanded runs and a total ETA before anything runs)
// The base is the experiment form's config, or a sweep preset's. Every edit re-expands the sweep
// (engine expand_sweep, so the preview lists exactly the runs that will run, named as they will
// be stored) after a short pause; a field that does not parse, or a run that would be invalid,
// shows one red line and disables Start. The ETA needs this machine's step time: the dialog
// calibrates it (engine calibrate_step_time: a few real steps at the smallest and largest batch)
// on a worker thread whenever the base or the batch range changes, and hands the calibration to
// the controller with the sweep so the first ETA in the status bar is known at once.
#pragma once

#include <optional>

#include <QDialog>
#include <QFutureWatcher>
#include <QString>
#include <QTimer>

#include "engine/core/run_config.h"
#include "engine/core/run_control.h"
#include "engine/experiment/sweep.h"
#include "engine/experiment/sweep_estimate.h"

class QButtonGroup;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTableWidget;

namespace batchlab {

class SweepDialog final : public QDialog {
  Q_OBJECT
 public:
  enum Column { ColIndex, ColRun, ColBatch, ColLr, ColSeed, ColSteps, ColTime, ColumnCount };

  // `form_config`: the experiment form's config, the base unless a preset is chosen.
  explicit SweepDialog(const RunConfig& form_config, QWidget* parent = nullptr);
  // Stops a calibration in flight and waits for it (it is a few steps: well under a second or
  // two).
  ~SweepDialog() override;

  // The sweep the fields describe. Throws ConfigError naming the field when one does not parse;
  // it is not yet validated (expand_sweep does that).
  SweepConfig sweep() const;
  // Re-expands now instead of after the pause (tests, automation).
  void refresh();
  bool valid() const { return problem_text_.isEmpty(); }
  QString problem() const { return problem_text_; }
  QTableWidget* preview() const { return table_; }
  QString totalText() const;
  QString baseText() const;
  bool calibrating() const { return watcher_.isRunning(); }
  const std::optional<StepTimeModel>& stepTime() const { return step_time_; }
  QPushButton* startButton() const { return start_; }

  // Fills the sweep fields (name, batch sizes, learning rates, rule, repeats) from an earlier
  // sweep; the base stays the form's experiment.
  void restoreFields(const SweepConfig& earlier);

  // Another run is training while the dialog times its steps: the estimate says it may be long.
  void setMachineBusy(bool busy);

  // The fields, for tests and automation (each edit schedules a refresh like typing does).
  void setName(const QString& name);
  void setBatchSizes(const QString& list);  // "8, 32, 128"
  void setPow2(int from, int to);
  void setLearningRates(const QString& list);  // empty: the base's lr
  void setLrScaling(LrScalingRule rule, std::int64_t base_batch, double warmup_epochs);
  void setRepeats(int repeats);
  // Loads a sweep preset (name or path) as the base and into every field. False with the reason.
  bool loadPreset(const QString& name, QString& error);
  // Writes the sweep as JSON (what `batchlab-cli sweep FILE` runs). False with the reason.
  bool saveTo(const QString& path, QString& error) const;

 signals:
  // Start was pressed on a valid sweep; the dialog closes.
  void startSweep(const batchlab::SweepConfig& sweep,
                  const std::optional<batchlab::StepTimeModel>& step_time);
  // A calibration ended (the ETA is known now, or the problem line says why not).
  void calibrated();

 private:
  struct Calibration {
    std::optional<StepTimeModel> model;
    QString error;
  };
  void buildUi();
  void fillFrom(const SweepConfig& sweep);
  void scheduleRefresh();
  void startCalibration(const SweepConfig& sweep, const std::string& key);
  void onCalibrated();
  void showPreview();
  void setProblem(const QString& text);
  void save();
  void onStart();

  RunConfig form_config_;
  std::optional<SweepConfig> preset_;  // the chosen preset, when the base is not the form
  QString description_;
  std::vector<SweepRunPlan> plans_;
  std::optional<StepTimeModel> step_time_;
  std::string step_time_key_;    // what step_time_ was measured for
  std::string calibrating_key_;  // what the calibration in flight measures
  QString calibration_error_;
  QString problem_text_;
  bool machine_busy_ = false;
  RunControl calibration_control_;
  QFutureWatcher<Calibration> watcher_;
  QTimer refresh_timer_;

  QComboBox* source_ = nullptr;
  QLabel* base_ = nullptr;
  QLineEdit* name_ = nullptr;
  QRadioButton* list_ = nullptr;
  QRadioButton* pow2_ = nullptr;
  QLineEdit* batch_list_ = nullptr;
  QSpinBox* pow2_from_ = nullptr;
  QSpinBox* pow2_to_ = nullptr;
  QLineEdit* lrs_ = nullptr;
  QComboBox* rule_ = nullptr;
  QSpinBox* rule_base_ = nullptr;
  QDoubleSpinBox* warmup_ = nullptr;
  QSpinBox* repeats_ = nullptr;
  QLabel* problem_ = nullptr;
  QLabel* hint_ = nullptr;
  QTableWidget* table_ = nullptr;
  QLabel* total_ = nullptr;
  QPushButton* save_ = nullptr;
  QPushButton* start_ = nullptr;
};

}  // namespace batchlab
