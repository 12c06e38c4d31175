// defines: PreviewSample, make_preview_sample (what the dataset preview draws, built off the GUI
// thread) Synthetic sets are generated with at most kPreviewPoints rows (same generator and seed);
// image sets read their test file and keep a few images of each class; CSV files keep their
// first two feature columns. Throws what the engine throws (DataError, ConfigError).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <QImage>
#include <QString>
#include <QStringList>

#include "engine/core/run_config.h"

namespace batchlab {

inline constexpr std::int64_t kPreviewPoints = 1500;
inline constexpr int kPreviewImagesPerClass = 3;

struct PreviewSample {
  QString title;  // "spirals · 1500 of 2000 samples · 2 classes"
  bool regression = false;
  // Scatter: (x, y) per point and its class (or 0 for regression, where y is the target).
  std::vector<std::array<double, 2>> points;
  std::vector<int> labels;
  QString x_label;
  QString y_label;
  // Image grid: images grouped by class, with the class names.
  std::vector<QImage> images;
  std::vector<int> image_labels;
  QStringList class_names;
};

PreviewSample make_preview_sample(const DatasetConfig& config, std::uint64_t seed);

// The ten Fashion-MNIST class names, in label order.
QStringList fashion_mnist_class_names();

}  // namespace batchlab
