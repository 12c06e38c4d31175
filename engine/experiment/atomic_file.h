// defines: write_file_atomically, PendingFile, write_files_atomically
// Writes to "<path>.tmp-<pid>" and renames over `path`, so a reader never sees a half-written
// file and a failed export leaves nothing behind. Throws Error naming the path on failure.
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>
#include <span>

namespace batchlab {

void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(std::ostream&)>& write);

struct PendingFile {
  std::filesystem::path path;
  std::function<void(std::ostream&)> write;
};
// A set of files that belong together (a CSV bundle): every file is written to its temporary
// name first, and only when all of them are complete are they renamed into place, so a failure
// while writing (a full disk, an unknown run) leaves none of them behind. A target that exists
// but is not a regular file is refused before anything is written. Renames within a folder do
// not fail in practice; if one did, the files renamed before it stay (the error names it).
void write_files_atomically(std::span<const PendingFile> files);

}  // namespace batchlab
