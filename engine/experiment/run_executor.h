// defines: execute_run, ExecuteOptions, make_backend
// One run end to end: validate the config, load the data, create the run in the store, train,
// record the outcome. Bad input (config, data) throws before the store is touched; a run that
// starts always ends with a status in the store, whatever happens.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "engine/backend/backend.h"
#include "engine/core/event_sink.h"
#include "engine/core/events.h"
#include "engine/core/run_config.h"
#include "engine/core/run_control.h"
#include "engine/train/parameter_snapshot.h"

namespace batchlab {

struct ExecuteOptions {
  std::filesystem::path store_path;  // empty: nothing stored
  EventSink* extra_sink = nullptr;   // GUI bridge, JSONL, progress line
  RunControl* control = nullptr;     // null: runs uncontrolled
  std::string source = "config";     // names the config in error messages
  std::int64_t sweep_id = 0;         // the stored run belongs to this sweep (0: none)
  SnapshotPolicy snapshots;          // parameter snapshots to extra_sink (the window's 2-D views)
};

RunFinished execute_run(const RunConfig& config, const ExecuteOptions& options);

// The backend a device string asks for ("auto", "cpu", "cuda", "cuda:N"). "auto" takes the first
// usable GPU, else the CPU. Throws ConfigError for an unknown device and Error when CUDA is asked
// for but unusable (the message says why). `choice`, when given, receives a sentence saying which
// device "auto" took and why (empty for an explicit device).
std::unique_ptr<Backend> make_backend(const RunConfig& config, std::string* choice = nullptr);

}  // namespace batchlab
