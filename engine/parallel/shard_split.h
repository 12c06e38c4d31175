// defines: shard_sizes, describe_split
// How a batch (or each micro-batch of it) is cut into one contiguous shard per replica: as
// evenly as possible, the leftover rows going to the replicas in turn from pass to pass, so over
// a whole step no replica holds more than one row more than another.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace batchlab {

// Fills sizes[r] (sizes.size() = replicas) with rows / R, plus one for the rows % R replicas
// from `rotation` on (wrapping around). Returns the rotation for the next pass of the step.
int shard_sizes(std::int64_t rows, int rotation, std::span<std::int64_t> sizes);

// One sentence for the run's log: the global batch, the rows each replica gets per step, and,
// for an uneven split, why the update is still the whole batch's.
std::string describe_split(std::int64_t batch, int accumulate, int replicas);

}  // namespace batchlab
