#include "engine/parallel/shard_split.h"

#include <algorithm>
#include <vector>

namespace batchlab {

int shard_sizes(std::int64_t rows, int rotation, std::span<std::int64_t> sizes) {
  const auto replicas = static_cast<std::int64_t>(sizes.size());
  if (replicas == 0) return 0;
  const std::int64_t base = rows / replicas;
  const std::int64_t extra = rows % replicas;
  for (std::int64_t r = 0; r < replicas; ++r) {
    // Position of replica r in the turn that starts at `rotation`.
    const std::int64_t turn = (r - rotation % replicas + replicas) % replicas;
    sizes[static_cast<std::size_t>(r)] = base + (turn < extra ? 1 : 0);
  }
  return static_cast<int>((rotation + extra) % replicas);
}

std::string describe_split(std::int64_t batch, int accumulate, int replicas) {
  const int k = std::max(1, accumulate);
  std::vector<std::int64_t> pass(static_cast<std::size_t>(replicas));
  std::vector<std::int64_t> total(static_cast<std::size_t>(replicas), 0);
  const std::int64_t micro = (batch + k - 1) / k;
  int rotation = 0;
  for (std::int64_t start = 0; start < batch; start += micro) {
    rotation = shard_sizes(std::min(micro, batch - start), rotation, pass);
    for (std::size_t r = 0; r < pass.size(); ++r) total[r] += pass[r];
  }
  std::string rows;
  for (std::size_t r = 0; r < total.size(); ++r)
    rows += (r == 0 ? "" : ", ") + std::to_string(total[r]);
  std::string s = "data-parallel over " + std::to_string(replicas) + " replicas: a batch of " +
                  std::to_string(batch) + " rows gives them " + rows + " rows per step";
  if (k > 1)
    s += " (each of the " + std::to_string(k) + " micro-batches of up to " + std::to_string(micro) +
         " rows is split over all replicas)";
  const auto [lo, hi] = std::minmax_element(total.begin(), total.end());
  if (*lo != *hi)
    s += "; the split is uneven by one row, and each replica's gradient is weighted by its rows, "
         "so the update is still the whole batch's";
  return s;
}

}  // namespace batchlab
