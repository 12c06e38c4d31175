#include "engine/experiment/environment.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <Eigen/Core>
#include <fstream>
#include <thread>

namespace batchlab {

MachineInfo machine_info() {
  MachineInfo m;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) m.host = host;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) m.cpu_model = line.substr(colon + 2);
      break;
    }
  }
  m.cpu_cores = static_cast<int>(std::thread::hardware_concurrency());
  utsname u{};
  if (uname(&u) == 0) m.os = std::string(u.sysname) + " " + u.release + " " + u.machine;
#if defined(__clang__)
  m.compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
  m.compiler = "gcc " __VERSION__;
#endif
  m.batchlab_version = BATCHLAB_VERSION;
  m.eigen_version = std::to_string(EIGEN_WORLD_VERSION) + "." +
                    std::to_string(EIGEN_MAJOR_VERSION) + "." + std::to_string(EIGEN_MINOR_VERSION);
#ifdef BATCHLAB_HAVE_CUDA
  m.cuda_built = true;
#endif
  return m;
}

nlohmann::json to_json(const MachineInfo& m) {
  return {{"host", m.host},
          {"cpu_model", m.cpu_model},
          {"cpu_cores", m.cpu_cores},
          {"os", m.os},
          {"compiler", m.compiler},
          {"batchlab_version", m.batchlab_version},
          {"eigen_version", m.eigen_version},
          {"cuda_built", m.cuda_built}};
}

}  // namespace batchlab
