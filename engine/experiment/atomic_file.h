// defines: write_file_atomically
// Writes to "<path>.tmp-<pid>" and renames over `path`, so a reader never sees a half-written
// file and a failed export leaves nothing behind. Throws Error naming the path on failure.
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>

namespace batchlab {

void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(std::ostream&)>& write);

}  // namespace batchlab
