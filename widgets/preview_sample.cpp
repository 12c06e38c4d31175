#include "widgets/preview_sample.h"

#include <QLocale>

#include <algorithm>
#include <filesystem>

#include "engine/core/errors.h"
#include "engine/data/csv_loader.h"
#include "engine/data/idx_loader.h"
#include "engine/data/load_dataset.h"
#include "engine/data/synthetic.h"

namespace batchlab {
namespace {

bool is_image_kind(const std::string& kind) {
  return kind == "fashion-mnist" || kind == "mnist" || kind == "idx";
}

QStringList class_names_of(const Dataset& d, const std::string& kind) {
  // The IDX reader only knows label numbers; Fashion-MNIST's names are the dataset's own.
  if (kind == "fashion-mnist" && d.outputs == 10) return fashion_mnist_class_names();
  QStringList names;
  for (const auto& n : d.class_names) names << QString::fromStdString(n);
  if (!names.isEmpty()) return names;
  for (std::int64_t c = 0; c < d.outputs; ++c) names << QString::number(c);
  return names;
}

// First two features against each other, or feature 0 against the target for regression.
void scatter_from(const Dataset& d, std::int64_t limit, PreviewSample& out) {
  const std::int64_t n = std::min(d.rows, limit);
  out.regression = d.task == Task::regression;
  auto feature_name = [&](std::int64_t i) {
    return i < static_cast<std::int64_t>(d.feature_names.size())
               ? QString::fromStdString(d.feature_names[static_cast<std::size_t>(i)])
               : QStringLiteral("feature %1").arg(i);
  };
  out.x_label = feature_name(0);
  out.y_label = out.regression ? QStringLiteral("target") : feature_name(d.features > 1 ? 1 : 0);
  for (std::int64_t i = 0; i < n; ++i) {
    const float* row = d.row(i);
    const double x = row[0];
    double y = d.features > 1 ? row[1] : 0.0;
    int label = 0;
    if (out.regression)
      y = d.targets[static_cast<std::size_t>(i * d.outputs)];
    else
      label = d.labels[static_cast<std::size_t>(i)];
    out.points.push_back({x, y});
    out.labels.push_back(label);
  }
}

std::string find_idx_file(const std::filesystem::path& dir, const std::string& stem) {
  for (const char* suffix : {".gz", ""}) {
    const auto p = dir / (stem + suffix);
    if (std::filesystem::exists(p)) return p.string();
  }
  return {};
}

// "2000 samples: 1600 train, 400 validation · 500 shown": the rows a run trains on, as the
// loader splits them, so the preview and the run's "1600 × 2" agree.
QString rows_text(const DatasetConfig& config, std::int64_t rows, std::int64_t shown) {
  const QLocale c(QLocale::English);
  const SplitRows split = split_rows(config, rows);
  QString text = QStringLiteral("%1 samples: %2 train, %3 validation")
                     .arg(c.toString(static_cast<qlonglong>(rows)),
                          c.toString(static_cast<qlonglong>(split.train)),
                          c.toString(static_cast<qlonglong>(split.val)));
  if (shown < rows)
    text += QStringLiteral(" · %1 shown").arg(c.toString(static_cast<qlonglong>(shown)));
  return text;
}

}  // namespace

QStringList fashion_mnist_class_names() {
  return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
}

PreviewSample make_preview_sample(const DatasetConfig& config, std::uint64_t seed) {
  PreviewSample out;
  const QString kind = QString::fromStdString(config.kind);
  if (is_synthetic_dataset(config.kind)) {
    SyntheticParams params;
    params.samples = std::min(config.samples, kPreviewPoints);
    params.noise = config.noise;
    params.classes = config.classes;
    params.features = config.features;
    const Dataset d = make_synthetic(config.kind, params, seed);
    scatter_from(d, kPreviewPoints, out);
    out.class_names = class_names_of(d, config.kind);
    out.title = kind + QStringLiteral(" · ") + rows_text(config, config.samples, d.rows);
    if (d.task != Task::regression) out.title += QStringLiteral(" · %1 classes").arg(d.outputs);
    return out;
  }
  if (is_image_kind(config.kind)) {
    const std::filesystem::path dir =
        std::filesystem::path(config.path.empty() ? kFashionMnistDir : config.path);
    // The test split is the smaller file; any sample of the classes will do for a preview.
    std::string images = find_idx_file(dir, "t10k-images-idx3-ubyte");
    std::string labels = find_idx_file(dir, "t10k-labels-idx1-ubyte");
    if (images.empty() || labels.empty()) {
      images = find_idx_file(dir, "train-images-idx3-ubyte");
      labels = find_idx_file(dir, "train-labels-idx1-ubyte");
    }
    if (images.empty() || labels.empty())
      throw DataError(dir.string() + ": no t10k- or train-images-idx3-ubyte[.gz] with its labels");
    const Dataset d = load_idx_pair(images, labels);
    out.class_names = class_names_of(d, config.kind);
    std::vector<int> taken(static_cast<std::size_t>(std::max<std::int64_t>(d.outputs, 1)), 0);
    const int w = d.image_width > 0 ? d.image_width : 28;
    const int h = d.image_height > 0 ? d.image_height : 28;
    for (std::int64_t i = 0; i < d.rows; ++i) {
      const int label = d.labels[static_cast<std::size_t>(i)];
      if (label < 0 || label >= static_cast<int>(taken.size()) ||
          taken[static_cast<std::size_t>(label)] >= kPreviewImagesPerClass)
        continue;
      ++taken[static_cast<std::size_t>(label)];
      QImage image(w, h, QImage::Format_Grayscale8);
      const float* px = d.row(i);
      for (int y = 0; y < h; ++y) {
        uchar* line = image.scanLine(y);
        for (int x = 0; x < w; ++x)
          line[x] = static_cast<uchar>(std::clamp(px[y * w + x], 0.0f, 1.0f) * 255.0f);
      }
      out.images.push_back(image);
      out.image_labels.push_back(label);
    }
    out.title =
        QStringLiteral("%1 · %2 × %3 images · %4 classes").arg(kind).arg(w).arg(h).arg(d.outputs);
    return out;
  }
  if (config.kind == "csv") {
    const Dataset d = load_csv(config.path, config.target, config.task);
    scatter_from(d, kPreviewPoints, out);
    out.class_names = class_names_of(d, config.kind);
    out.title =
        QStringLiteral("%1 · %2 · %3 features")
            .arg(QString::fromStdString(std::filesystem::path(config.path).filename().string()))
            .arg(rows_text(config, d.rows, std::min<std::int64_t>(d.rows, kPreviewPoints)))
            .arg(d.features);
    return out;
  }
  throw ConfigError("form", "dataset.kind", "unknown dataset “" + config.kind + "”");
}

}  // namespace batchlab
