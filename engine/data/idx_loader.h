// defines: load_idx_pair (images + labels), load_idx_folder (MNIST-style train/test files)
// Reads IDX files raw or gzip-compressed (zlib), checking magic, dimensions and length.
#pragma once

#include <string>

#include "engine/data/dataset.h"

namespace batchlab {

// images: idx3-ubyte (N × H × W, scaled to [0, 1]); labels: idx1-ubyte (N). Throws DataError.
Dataset load_idx_pair(const std::string& images_path, const std::string& labels_path);

struct IdxFolder {
  Dataset train;
  Dataset test;
};
// Finds train-images-idx3-ubyte[.gz] etc. in `dir`. Throws DataError naming the missing file.
IdxFolder load_idx_folder(const std::string& dir);

}  // namespace batchlab
