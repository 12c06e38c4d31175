// defines: ImageGrid (sample images laid out by class, each class under its name)
#pragma once

#include <vector>

#include <QImage>
#include <QStringList>
#include <QWidget>

namespace batchlab {

class ImageGrid final : public QWidget {
  Q_OBJECT
 public:
  explicit ImageGrid(QWidget* parent = nullptr);
  void setImages(const std::vector<QImage>& images, const std::vector<int>& labels,
                 const QStringList& class_names);
  QSize sizeHint() const override;
  bool hasHeightForWidth() const override { return true; }
  int heightForWidth(int width) const override;
  int imageCount() const;

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  // One group per class: its name and its images.
  struct Group {
    QString name;
    std::vector<QImage> images;
  };
  int columns(int width) const;
  QSize cellSize() const;
  std::vector<Group> groups_;
};

}  // namespace batchlab
