// defines: MachineInfo (CPU model, cores, host, OS, build, for the store and reports),
//          machine_info, to_json
// A stored run's environment JSON is to_json(machine_info()) plus, for a device that knows its
// memory (a GPU), "device_total_bytes" (added by execute_run).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace batchlab {

struct MachineInfo {
  std::string host;
  std::string cpu_model;
  int cpu_cores = 0;
  std::string os;
  std::string compiler;
  std::string batchlab_version;
  std::string eigen_version;
  bool cuda_built = false;
};

MachineInfo machine_info();
nlohmann::json to_json(const MachineInfo& m);

}  // namespace batchlab
