// defines: load_idx_pair, load_idx_folder, and a byte source that reads raw or gzip files.
// IDX (LeCun's MNIST format): a big-endian u32 magic 0x000008NN (unsigned bytes, NN dims), NN
// big-endian u32 sizes, then the bytes. Gzip is recognised by its magic 1f 8b, not by the name.
#include "engine/data/idx_loader.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/errors.h"

namespace batchlab {
namespace {

// Reads a file front to back, inflating it on the way when it is gzip-compressed.
class ByteSource {
 public:
  explicit ByteSource(const std::string& path) : path_(path) {
    if (std::filesystem::is_directory(path)) fail("is a folder, expected an IDX file");
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) fail(std::filesystem::exists(path) ? "cannot open file" : "not found");
    std::array<unsigned char, 2> magic{};
    const std::size_t got = std::fread(magic.data(), 1, magic.size(), f);
    gzip_ = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (!gzip_) {
      std::rewind(f);
      file_.reset(f);
      return;
    }
    std::fclose(f);
    gz_ = gzopen(path.c_str(), "rb");
    if (gz_ == nullptr) fail("cannot open gzip file");
    gzbuffer(gz_, 1 << 20);  // 1 MiB reads instead of zlib's default 8 KiB
  }
  ~ByteSource() {
    if (gz_ != nullptr) gzclose(gz_);
  }
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  // Reads up to n bytes; returns how many arrived (fewer only at the end of the data).
  std::size_t read(unsigned char* out, std::size_t n) {
    if (!gzip_) {
      const std::size_t got = std::fread(out, 1, n, file_.get());
      if (got < n && std::ferror(file_.get())) fail("read error");
      return got;
    }
    std::size_t total = 0;
    while (total < n) {
      // gzread takes an unsigned int length, so huge payloads go in 1 GiB pieces.
      const auto chunk = static_cast<unsigned>(std::min<std::size_t>(n - total, 1u << 30));
      const int got = gzread(gz_, out + total, chunk);
      if (got < 0) {
        int code = 0;
        std::string reason = gzerror(gz_, &code);
        // zlib puts the path in front of its message; ours already starts with it.
        if (reason.starts_with(path_ + ": ")) reason.erase(0, path_.size() + 2);
        fail("corrupt gzip data: " + reason);
      }
      if (got == 0) break;
      total += static_cast<std::size_t>(got);
    }
    return total;
  }

  // The header's big-endian u32 fields; `what` names the field in the truncation message.
  std::uint32_t read_u32(const char* what) {
    std::array<unsigned char, 4> b{};
    if (read(b.data(), 4) != 4) fail(std::string("truncated: file ends before the ") + what);
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
           std::uint32_t{b[3]};
  }

  // Reads exactly n bytes of payload, then insists nothing follows it.
  std::vector<unsigned char> read_payload(std::size_t n, const char* what) {
    // Grown in chunks, so a corrupt header claiming terabytes fails as "truncated" instead of
    // trying to allocate them.
    constexpr std::size_t kChunk = std::size_t{64} << 20;
    std::vector<unsigned char> bytes;
    std::size_t got = 0;
    while (got < n) {
      const std::size_t want = std::min(n - got, kChunk);
      bytes.resize(got + want);
      const std::size_t arrived = read(bytes.data() + got, want);
      got += arrived;
      if (arrived < want) break;
    }
    if (got != n)
      fail("truncated: expected " + std::to_string(n) + " bytes of " + what + ", found " +
           std::to_string(got));
    unsigned char extra = 0;
    if (read(&extra, 1) != 0) fail(std::string("unexpected data after the ") + what);
    return bytes;
  }

  [[noreturn]] void fail(const std::string& reason) const {
    throw DataError(path_ + ": " + reason);
  }

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::string path_;
  bool gzip_ = false;
  std::unique_ptr<std::FILE, FileCloser> file_;
  gzFile gz_ = nullptr;
};

std::string hex32(std::uint32_t v) {
  std::array<char, 11> buf{};
  std::snprintf(buf.data(), buf.size(), "0x%08x", v);
  return buf.data();
}

void expect_magic(ByteSource& src, std::uint32_t expected, const char* kind) {
  const std::uint32_t magic = src.read_u32("magic number");
  if (magic != expected)
    src.fail("bad magic " + hex32(magic) + ", expected " + hex32(expected) + " (" + kind + ")");
}

// Finds "<dir>/<stem>" or "<dir>/<stem>.gz"; the error names both forms it looked for.
std::string find_idx_file(const std::string& dir, const std::string& stem) {
  const std::filesystem::path base = std::filesystem::path(dir) / stem;
  for (const auto& candidate : {base.string(), base.string() + ".gz"})
    if (std::filesystem::is_regular_file(candidate)) return candidate;
  throw DataError(base.string() + "[.gz]: not found");
}

}  // namespace

Dataset load_idx_pair(const std::string& images_path, const std::string& labels_path) {
  ByteSource images(images_path);
  expect_magic(images, 0x00000803, "idx3-ubyte images");
  const std::uint32_t count = images.read_u32("image count");
  const std::uint32_t height = images.read_u32("image height");
  const std::uint32_t width = images.read_u32("image width");
  // 2^24 pixels per image at most, so count × pixels cannot overflow 64 bits.
  if (height == 0 || width == 0 || std::uint64_t{height} * width > (1u << 24))
    images.fail("implausible image size " + std::to_string(width) + " x " + std::to_string(height));
  const std::size_t pixels = std::size_t{count} * height * width;

  ByteSource labels(labels_path);
  expect_magic(labels, 0x00000801, "idx1-ubyte labels");
  const std::uint32_t label_count = labels.read_u32("label count");
  if (label_count != count)
    labels.fail(std::to_string(label_count) + " labels for " + std::to_string(count) +
                " images in " + images_path);

  const std::vector<unsigned char> raw_pixels = images.read_payload(pixels, "pixels");
  const std::vector<unsigned char> raw_labels = labels.read_payload(count, "labels");

  Dataset d;
  d.name = std::filesystem::path(images_path).parent_path().filename().string();
  d.task = Task::classification;
  d.rows = count;
  d.features = std::int64_t{height} * width;
  d.image_width = static_cast<int>(width);
  d.image_height = static_cast<int>(height);
  d.x.resize(pixels);
  // A table instead of a divide per pixel: 47 M conversions for Fashion-MNIST.
  std::array<float, 256> scale{};
  for (int v = 0; v < 256; ++v) scale[static_cast<std::size_t>(v)] = static_cast<float>(v) / 255.0f;
  for (std::size_t i = 0; i < pixels; ++i) d.x[i] = scale[raw_pixels[i]];

  d.labels.assign(raw_labels.begin(), raw_labels.end());
  int max_label = 0;
  for (const std::int32_t l : d.labels) max_label = std::max(max_label, static_cast<int>(l));
  d.outputs = count > 0 ? max_label + 1 : 0;
  for (int k = 0; k < d.outputs; ++k) d.class_names.push_back(std::to_string(k));
  return d;
}

IdxFolder load_idx_folder(const std::string& dir) {
  // Look for all four first, so a half-present folder fails before the slow part.
  const std::string train_images = find_idx_file(dir, "train-images-idx3-ubyte");
  const std::string train_labels = find_idx_file(dir, "train-labels-idx1-ubyte");
  const std::string test_images = find_idx_file(dir, "t10k-images-idx3-ubyte");
  const std::string test_labels = find_idx_file(dir, "t10k-labels-idx1-ubyte");

  IdxFolder folder{load_idx_pair(train_images, train_labels),
                   load_idx_pair(test_images, test_labels)};
  if (folder.test.image_width != folder.train.image_width ||
      folder.test.image_height != folder.train.image_height)
    throw DataError(test_images + ": images are " + std::to_string(folder.test.image_width) +
                    " x " + std::to_string(folder.test.image_height) + ", the training images " +
                    std::to_string(folder.train.image_width) + " x " +
                    std::to_string(folder.train.image_height));
  // Both splits must agree on the class count even if one of them lacks the highest class.
  const std::int64_t classes = std::max(folder.train.outputs, folder.test.outputs);
  std::string name = std::filesystem::path(dir).filename().string();
  if (name.empty()) name = std::filesystem::path(dir).parent_path().filename().string();
  for (Dataset* d : {&folder.train, &folder.test}) {
    d->outputs = classes;
    d->class_names.clear();
    for (std::int64_t k = 0; k < classes; ++k) d->class_names.push_back(std::to_string(k));
    d->name = name;
  }
  return folder;
}

}  // namespace batchlab
