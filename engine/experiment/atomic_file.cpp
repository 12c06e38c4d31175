#include "engine/experiment/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "engine/core/errors.h"

namespace batchlab {
namespace {

namespace fs = std::filesystem;

fs::path temporary_for(const fs::path& path) {
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  return tmp;
}

void write_temporary(const fs::path& path, const fs::path& tmp,
                     const std::function<void(std::ostream&)>& write) {
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(path.string() + ": cannot write: " + std::strerror(errno));
  write(out);
  out.flush();
  if (!out) throw Error(path.string() + ": write failed: " + std::strerror(errno));
}

void remove_quietly(const std::vector<fs::path>& paths) {
  for (const auto& p : paths) {
    std::error_code ignored;
    fs::remove(p, ignored);
  }
}

}  // namespace

void write_file_atomically(const fs::path& path, const std::function<void(std::ostream&)>& write) {
  const PendingFile file{path, write};
  write_files_atomically(std::span(&file, 1));
}

void write_files_atomically(std::span<const PendingFile> files) {
  for (const auto& f : files) {
    std::error_code ec;
    if (fs::exists(f.path, ec) && !fs::is_regular_file(f.path, ec))
      throw Error(f.path.string() + ": cannot replace: it exists and is not a regular file");
  }
  std::vector<fs::path> temporaries;
  try {
    for (const auto& f : files) {
      temporaries.push_back(temporary_for(f.path));
      write_temporary(f.path, temporaries.back(), f.write);
    }
  } catch (...) {
    remove_quietly(temporaries);
    throw;
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::error_code ec;
    fs::rename(temporaries[i], files[i].path, ec);
    if (ec) {
      remove_quietly(std::vector<fs::path>(temporaries.begin() + static_cast<std::ptrdiff_t>(i),
                                           temporaries.end()));
      throw Error(files[i].path.string() + ": cannot replace: " + ec.message());
    }
  }
}

}  // namespace batchlab
