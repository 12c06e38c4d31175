// defines: DatasetPreview (the experiment dock's picture of the chosen dataset)
// 2-D sets as a scatter coloured by class, regression sets as feature against target, image
// sets as a grid of sample images under their class names. The sample is built on a worker
// thread (QtConcurrent), so reading Fashion-MNIST never stalls the window; a request that is
// overtaken by a newer one is discarded when it arrives.
#pragma once

#include <cstdint>

#include <QFutureWatcher>
#include <QWidget>

#include "engine/core/run_config.h"
#include "widgets/preview_sample.h"

class QCustomPlot;
class QLabel;
class QStackedWidget;
class QTimer;

namespace batchlab {

class ImageGrid;

class DatasetPreview final : public QWidget {
  Q_OBJECT
 public:
  enum class Mode { empty, loading, scatter, images, error };

  explicit DatasetPreview(QWidget* parent = nullptr);
  ~DatasetPreview() override;

  // Shows `config` after a short pause (typing in a field does not rebuild on every key).
  void showDataset(const DatasetConfig& config, std::uint64_t seed);

  Mode mode() const { return mode_; }
  const PreviewSample& sample() const { return sample_; }
  QString message() const;

 signals:
  void updated();

 private:
  struct Result {
    int generation = 0;
    PreviewSample sample;
    QString error;
  };
  void start();
  void onFinished();
  void showScatter();

  DatasetConfig pending_;
  std::uint64_t seed_ = 1;
  int generation_ = 0;
  Mode mode_ = Mode::empty;
  PreviewSample sample_;
  QTimer* debounce_ = nullptr;
  QFutureWatcher<Result> watcher_;
  QLabel* title_ = nullptr;
  QStackedWidget* pages_ = nullptr;
  QCustomPlot* scatter_ = nullptr;
  ImageGrid* grid_ = nullptr;
  QLabel* message_ = nullptr;
};

}  // namespace batchlab
