#include "widgets/image_grid.h"

#include <algorithm>

#include <QPainter>

#include "widgets/preview_sample.h"

namespace batchlab {
namespace {
constexpr int kThumb = 28;  // Fashion-MNIST's own size: drawn 1:1, crisp
constexpr int kGap = 3;
}  // namespace

ImageGrid::ImageGrid(QWidget* parent) : QWidget(parent) {
  QSizePolicy policy(QSizePolicy::Preferred, QSizePolicy::Preferred);
  policy.setHeightForWidth(true);
  setSizePolicy(policy);
}

void ImageGrid::setImages(const std::vector<QImage>& images, const std::vector<int>& labels,
                          const QStringList& class_names) {
  groups_.clear();
  for (int c = 0; c < class_names.size(); ++c) groups_.push_back(Group{class_names[c], {}});
  for (std::size_t i = 0; i < images.size() && i < labels.size(); ++i) {
    const int c = labels[i];
    if (c >= 0 && c < static_cast<int>(groups_.size()))
      groups_[static_cast<std::size_t>(c)].images.push_back(images[i]);
  }
  updateGeometry();
  update();
}

int ImageGrid::imageCount() const {
  int n = 0;
  for (const auto& g : groups_) n += static_cast<int>(g.images.size());
  return n;
}

QSize ImageGrid::cellSize() const {
  const int w = kPreviewImagesPerClass * (kThumb + kGap) + 6;
  return {std::max(w, fontMetrics().horizontalAdvance(QStringLiteral("Ankle boot")) + 6),
          fontMetrics().height() + kThumb + kGap + 4};
}

int ImageGrid::columns(int width) const {
  return std::max(1, width / std::max(1, cellSize().width()));
}

int ImageGrid::heightForWidth(int width) const {
  const int cols = columns(width);
  const int rows = (static_cast<int>(groups_.size()) + cols - 1) / cols;
  return std::max(rows, 1) * cellSize().height();
}

QSize ImageGrid::sizeHint() const {
  const int w = cellSize().width() * 2;
  return {w, heightForWidth(w)};
}

void ImageGrid::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const QSize cell = cellSize();
  const int cols = columns(width());
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const int col = static_cast<int>(g) % cols;
    const int row = static_cast<int>(g) / cols;
    const QPoint origin(col * cell.width(), row * cell.height());
    p.setPen(palette().color(QPalette::WindowText));
    p.drawText(QRect(origin, QSize(cell.width(), fontMetrics().height())),
               Qt::AlignLeft | Qt::AlignVCenter, groups_[g].name);
    int x = origin.x();
    const int y = origin.y() + fontMetrics().height() + 1;
    for (const QImage& image : groups_[g].images) {
      p.drawImage(QRect(x, y, kThumb, kThumb), image);
      x += kThumb + kGap;
    }
  }
}

}  // namespace batchlab
