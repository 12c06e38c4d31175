#include "engine/data/dataset_ops.h"

#include <algorithm>
#include <cmath>

namespace batchlab {

Dataset take_rows(const Dataset& d, std::span<const std::int64_t> indices) {
  Dataset out;
  out.name = d.name;
  out.task = d.task;
  out.features = d.features;
  out.outputs = d.outputs;
  out.class_names = d.class_names;
  out.feature_names = d.feature_names;
  out.image_width = d.image_width;
  out.image_height = d.image_height;
  out.rows = static_cast<std::int64_t>(indices.size());

  const auto width = static_cast<std::size_t>(d.features);
  out.x.resize(indices.size() * width);
  const bool classify = d.task == Task::classification;
  const auto outs = static_cast<std::size_t>(d.outputs);
  if (classify)
    out.labels.resize(indices.size());
  else
    out.targets.resize(indices.size() * outs);

  for (std::size_t k = 0; k < indices.size(); ++k) {
    const auto i = static_cast<std::size_t>(indices[k]);
    std::copy_n(d.x.begin() + static_cast<std::ptrdiff_t>(i * width), width,
                out.x.begin() + static_cast<std::ptrdiff_t>(k * width));
    if (classify)
      out.labels[k] = d.labels[i];
    else
      std::copy_n(d.targets.begin() + static_cast<std::ptrdiff_t>(i * outs), outs,
                  out.targets.begin() + static_cast<std::ptrdiff_t>(k * outs));
  }
  return out;
}

void keep_first_rows(Dataset& d, std::int64_t n) {
  if (n < 0 || n >= d.rows) return;
  d.rows = n;
  d.x.resize(static_cast<std::size_t>(n * d.features));
  if (d.task == Task::classification)
    d.labels.resize(static_cast<std::size_t>(n));
  else
    d.targets.resize(static_cast<std::size_t>(n * d.outputs));
  // Give the memory back: a 60000-row image set shrunk to 1000 rows should not hold 188 MB.
  d.x.shrink_to_fit();
  d.labels.shrink_to_fit();
  d.targets.shrink_to_fit();
}

void fit_standardization(const Dataset& d, std::vector<float>& mean, std::vector<float>& std) {
  const auto width = static_cast<std::size_t>(d.features);
  // Two passes in double: exact enough for 60000 rows and no cancellation from E[x²] − E[x]².
  std::vector<double> sum(width, 0.0);
  for (std::int64_t i = 0; i < d.rows; ++i) {
    const float* row = d.row(i);
    for (std::size_t f = 0; f < width; ++f) sum[f] += row[f];
  }
  const double n = d.rows > 0 ? static_cast<double>(d.rows) : 1.0;
  for (double& s : sum) s /= n;
  std::vector<double> sq(width, 0.0);
  for (std::int64_t i = 0; i < d.rows; ++i) {
    const float* row = d.row(i);
    for (std::size_t f = 0; f < width; ++f) {
      const double dev = row[f] - sum[f];
      sq[f] += dev * dev;
    }
  }
  mean.resize(width);
  std.resize(width);
  for (std::size_t f = 0; f < width; ++f) {
    const double s = std::sqrt(sq[f] / n);
    mean[f] = static_cast<float>(sum[f]);
    std[f] = s < 1e-6 ? 1.0f : static_cast<float>(s);
  }
}

void apply_standardization(Dataset& d, std::span<const float> mean, std::span<const float> std) {
  const auto width = static_cast<std::size_t>(d.features);
  std::vector<float> inv(width);
  for (std::size_t f = 0; f < width; ++f) inv[f] = 1.0f / std[f];
  for (std::int64_t i = 0; i < d.rows; ++i) {
    float* row = d.x.data() + i * d.features;
    for (std::size_t f = 0; f < width; ++f) row[f] = (row[f] - mean[f]) * inv[f];
  }
}

}  // namespace batchlab
