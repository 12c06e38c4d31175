// devices, datasets, presets, runs: the listing subcommands.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "engine/backend/cuda_backend.h"
#include "engine/core/format.h"
#include "engine/data/load_dataset.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/preset_lookup.h"
#include "engine/experiment/environment.h"
#include "engine/experiment/run_store.h"
#include "engine/experiment/sweep.h"

namespace batchlab::cli {

int cmd_devices() {
  const MachineInfo m = machine_info();
  std::printf("cpu     %s, %d threads (Eigen %s)\n", m.cpu_model.c_str(), m.cpu_cores,
              m.eigen_version.c_str());
  const GpuProbe probe = probe_gpus();
  for (const GpuInfo& g : probe.gpus) {
    std::printf("cuda:%-2d %s, %s, compute capability %d.%d, driver %s (runtime %s)", g.index,
                g.name.c_str(), format_bytes(g.total_bytes).c_str(), g.cc_major, g.cc_minor,
                cuda_version_text(probe.driver_version).c_str(),
                cuda_version_text(probe.runtime_version).c_str());
    if (!g.unusable.empty()) std::printf(", unusable: %s", g.unusable.c_str());
    std::printf("\n");
  }
  if (probe.gpus.empty()) std::printf("cuda    unusable: %s\n", probe.reason.c_str());
  return kExitOk;
}

int cmd_datasets() {
  std::printf("%-14s %s\n", "kind", "what it is");
  const char* synthetic[][2] = {
      {"blobs", "Gaussian clusters, `classes` of them in `features` dimensions"},
      {"moons", "two interleaving half circles (2-D, 2 classes)"},
      {"circles", "a circle inside a ring (2-D, 2 classes)"},
      {"spirals", "interleaved spiral arms, `classes` of them (2-D)"},
      {"xor", "four quadrants, opposite ones alike (2-D, 2 classes)"},
      {"checkerboard", "a 4×4 board of alternating squares (2-D, 2 classes)"},
      {"linear", "regression y = w·x + ε, Gaussian noise of σ = `noise`"},
      {"sine", "regression y = sin(3x) + ε"},
  };
  for (const auto& s : synthetic) std::printf("%-14s %s (synthetic, seeded)\n", s[0], s[1]);
  const bool fmnist =
      std::filesystem::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz");
  std::printf("%-14s 70,000 28×28 clothing images, 10 classes: %s\n", "fashion-mnist",
              fmnist
                  ? (std::string("found in ") + kFashionMnistDir).c_str()
                  : "not installed (apt-get install dataset-fashion-mnist, or set dataset.path)");
  std::printf("%-14s MNIST-format IDX files (raw or .gz) in dataset.path\n", "mnist, idx");
  std::printf("%-14s any CSV with a header; dataset.target names the target column\n", "csv");
  return kExitOk;
}

int cmd_presets() {
  for (const auto& p : list_presets()) {
    std::printf("%-28s %s\n", p.name.c_str(), p.description.c_str());
  }
  const auto sweeps = list_sweep_presets();
  if (!sweeps.empty()) std::printf("\nsweeps (batchlab-cli sweep NAME):\n");
  for (const auto& p : sweeps) std::printf("%-28s %s\n", p.name.c_str(), p.description.c_str());
  // Serving presets (infer, serve) and lessons (the window's Lesson panel, batchlab --lesson).
  const struct {
    PresetKind kind;
    const char* heading;
  } more[] = {{PresetKind::serving, "serving (batchlab-cli infer|serve NAME)"},
              {PresetKind::lesson, "lessons (batchlab --lesson NAME)"}};
  for (const auto& m : more) {
    const auto presets = list_presets(m.kind);
    if (!presets.empty()) std::printf("\n%s:\n", m.heading);
    for (const auto& p : presets)
      std::printf("%-28s %s\n", p.name.c_str(),
                  (p.title.empty() ? p.description : p.title).c_str());
  }
  return kExitOk;
}

int cmd_runs(const std::string& db) {
  const std::string path = store_path_or_default(db);
  if (!std::filesystem::exists(path)) {
    std::printf("no runs yet: %s does not exist\n", path.c_str());
    return kExitOk;
  }
  RunStore store(path);
  const auto runs = store.list_runs();
  std::printf("%5s  %-32s %-15s %-20s %8s %10s %9s %6s\n", "id", "name", "status", "created",
              "steps", "samples/s", "val acc", "sweep");
  for (const auto& r : runs) {
    const RunSummary s = summary_from_json(r.summary_json);
    std::printf("%5lld  %s %-15s %-20.20s %8lld %10s %9s %6s\n", static_cast<long long>(r.id),
                fit_column(r.name, 32).c_str(), std::string(to_string(r.status)).c_str(),
                r.created.c_str(), static_cast<long long>(s.steps),
                format_rate(s.samples_per_s_median).c_str(),
                format_number(s.final_val_accuracy, 3).c_str(),
                r.sweep_id > 0 ? std::to_string(r.sweep_id).c_str() : "");
  }
  std::printf("%zu run%s in %s\n", runs.size(), runs.size() == 1 ? "" : "s", path.c_str());
  return kExitOk;
}

}  // namespace batchlab::cli
