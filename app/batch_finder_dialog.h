// defines: BatchFinderDialog (the "Find batch size" window: power or binsearch search for the
//          largest batch that fits, trial by trial)
// Runs engine find_batch_size on a worker thread for a copy of the form's config. Each trial
// appears as a row when it ends (batch, fits or out of memory, samples/s, the accountant's
// measurement and the memory model's prediction), then the findings. Stop asks the search to end
// after the current step; closing the window stops it and waits. "Use this batch size" hands
// the chosen batch (the selected row that fits, else the largest that fits) to the form.
#pragma once

#include <cstdint>
#include <optional>

#include <QDialog>
#include <QFutureWatcher>

#include "engine/core/run_config.h"
#include "engine/core/run_control.h"
#include "engine/experiment/batch_finder.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTableWidget;

namespace batchlab {

class BatchFinderDialog final : public QDialog {
  Q_OBJECT
 public:
  enum Column { ColBatch, ColFits, ColRate, ColMeasured, ColPredicted, ColumnCount };

  explicit BatchFinderDialog(const RunConfig& config, QWidget* parent = nullptr);
  ~BatchFinderDialog() override;

  // Starts the search with the dialog's choices; false (with the reason shown) when they are
  // not usable.
  bool start();
  void stop();
  bool running() const { return running_; }

  // The choices, for tests: mode, a budget in MiB (nullopt: the device's own limit).
  void setMode(FinderMode mode);
  void setBudgetMb(std::optional<double> mb);
  void setSteps(int steps);

  QTableWidget* trials() const { return table_; }
  QString findings() const;
  const std::optional<BatchFinderResult>& result() const { return result_; }
  // What "Use this batch size" would hand over; 0: nothing fits (yet).
  std::int64_t chosenBatch() const;

 signals:
  void searchFinished();
  void useBatch(std::int64_t batch);

 private:
  struct Outcome {
    BatchFinderResult result;
    QString error;
  };
  void addTrial(const BatchTrial& trial);
  void onFinished();
  void updateButtons();

  RunConfig config_;
  RunControl control_;
  QFutureWatcher<Outcome> watcher_;
  bool running_ = false;
  std::optional<BatchFinderResult> result_;
  QComboBox* mode_ = nullptr;
  QRadioButton* device_limit_ = nullptr;
  QRadioButton* budget_ = nullptr;
  QLineEdit* budget_mb_ = nullptr;
  QSpinBox* initial_ = nullptr;
  QSpinBox* steps_ = nullptr;
  QLabel* problem_ = nullptr;
  QTableWidget* table_ = nullptr;
  QLabel* findings_ = nullptr;
  QPushButton* find_ = nullptr;
  QPushButton* stop_ = nullptr;
  QPushButton* use_ = nullptr;
};

}  // namespace batchlab
