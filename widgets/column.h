// defines: Column (an append-only series of doubles in fixed-size chunks), lower_index
// A run of a million steps grows its columns by appending; a std::vector would now and then
// copy every point to a bigger block (tens of milliseconds on the GUI thread). Chunks never
// move, so an append costs the same at the millionth point as at the first.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace batchlab {

class Column {
 public:
  static constexpr std::size_t kChunkBits = 16;
  static constexpr std::size_t kChunk = std::size_t{1} << kChunkBits;

  Column() = default;
  Column(Column&&) noexcept = default;
  Column& operator=(Column&&) noexcept = default;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  double operator[](std::size_t i) const { return chunks_[i >> kChunkBits][i & (kChunk - 1)]; }
  double front() const { return (*this)[0]; }
  double back() const { return (*this)[size_ - 1]; }

  void push_back(double v) {
    if ((size_ & (kChunk - 1)) == 0 && (size_ >> kChunkBits) == chunks_.size())
      chunks_.push_back(std::make_unique_for_overwrite<double[]>(kChunk));
    chunks_[size_ >> kChunkBits][size_ & (kChunk - 1)] = v;
    ++size_;
  }
  void clear() {
    chunks_.clear();
    size_ = 0;
  }
  std::vector<double> to_vector() const {
    std::vector<double> out(size_);
    for (std::size_t i = 0; i < size_; ++i) out[i] = (*this)[i];
    return out;
  }

 private:
  std::vector<std::unique_ptr<double[]>> chunks_;
  std::size_t size_ = 0;
};

// First index in [0, n) whose value is not below `value` (ascending columns), like
// std::lower_bound; works on Column and std::vector alike.
template <typename Col>
std::size_t lower_index(const Col& xs, std::size_t n, double value) {
  std::size_t lo = 0, hi = n;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (xs[mid] < value)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

// First index whose value is above `value`, like std::upper_bound.
template <typename Col>
std::size_t upper_index(const Col& xs, std::size_t n, double value) {
  std::size_t lo = 0, hi = n;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (!(value < xs[mid]))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

}  // namespace batchlab
