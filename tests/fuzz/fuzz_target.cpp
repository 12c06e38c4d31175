// One libFuzzer target per entry point of fuzz_entry.h; CMake builds this file once per target
// with BATCHLAB_FUZZ_TARGET set to the entry point's name (fuzz_idx, fuzz_csv, ...).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  batchlab::fuzz::BATCHLAB_FUZZ_TARGET(batchlab::fuzz::Bytes(data, size));
  return 0;
}
