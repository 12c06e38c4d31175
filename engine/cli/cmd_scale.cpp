// batchlab-cli scale: the data-parallel scaling model (metrics/scaling_model.h) fed from one
// stored run, printed as two tables (weak and strong scaling). The CLI gathers the inputs and
// prints; every number comes from the model's pure functions.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "commands.h"
#include "engine/core/errors.h"
#include "engine/core/format.h"
#include "engine/experiment/run_scaling_inputs.h"
#include "engine/experiment/run_store.h"
#include "engine/metrics/scaling_model.h"
#include "engine/model/mlp_spec.h"

namespace batchlab::cli {
namespace {

// Three significant digits with a unit from µs to s: a small model's step is microseconds,
// which format_duration (for run lengths) would show as "0.0 ms".
std::string short_time(double s) {
  char buf[32];
  if (s == 0) return "0";
  if (s < 1e-3)
    std::snprintf(buf, sizeof buf, "%.3g µs", s * 1e6);
  else if (s < 1)
    std::snprintf(buf, sizeof buf, "%.3g ms", s * 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.3g s", s);
  return buf;
}

std::string widths_text(const MlpSpec& spec) {
  std::string out;
  for (const auto w : spec.widths()) {
    if (!out.empty()) out += '-';
    out += std::to_string(w);
  }
  return out;
}

// Right-aligned to a width in characters: "µ" is two bytes, which printf's widths would count.
std::string cell(const std::string& text, std::size_t width) {
  std::size_t chars = 0;
  for (const unsigned char c : text) chars += (c & 0xC0) != 0x80;
  return std::string(width > chars ? width - chars : 0, ' ') + text;
}

void print_rows(const std::vector<ScalingRow>& rows, bool b_noise_known) {
  std::printf("%s\n", (cell("R", 6) + cell("per-dev B", 11) + cell("global B", 10) +
                       cell("compute", 11) + cell("all-reduce", 12) + cell("step", 11) +
                       cell("samples/s", 11) + cell("efficiency", 12))
                          .c_str());
  for (const auto& r : rows) {
    const std::string row =
        cell(std::to_string(r.replicas), 6) + cell(std::to_string(r.per_device_batch), 11) +
        cell(std::to_string(r.global_batch), 10) + cell(short_time(r.compute_s), 11) +
        cell(short_time(r.allreduce_s), 12) + cell(short_time(r.step_s), 11) +
        cell(format_rate(r.samples_per_s), 11) +
        cell(format_number(100.0 * r.efficiency, 3) + "%", 12) +
        (r.past_b_noise ? "  > B_noise" : "");
    std::printf("%s\n", row.c_str());
  }
  if (b_noise_known)
    std::printf(
        "  > B_noise: the global batch is past the run's B_noise; more devices then buy "
        "little progress per example\n");
}

}  // namespace

int cmd_scale(const ScaleOptions& o) {
  const LinkPreset* link = find_link_preset(o.link);
  if (link == nullptr) {
    std::fprintf(stderr, "batchlab-cli: scale: --link: unknown link \"%s\" (known: %s)\n",
                 o.link.c_str(), link_preset_names().c_str());
    return kExitBadInput;
  }
  const double gbit = o.bandwidth_gbps.value_or(link->gbit_per_s);
  const double latency_us = o.latency_us.value_or(link->latency_us);

  ScalingInputs in;
  std::string run_name, shape;
  std::size_t used = 0, steps_total = 0;
  std::int64_t parameters = 0;
  try {
    const RunStore store(store_path_or_default(o.db));
    const RunScalingInputs from_run = scaling_inputs_for_run(store, o.run_id);
    run_name = store.run(o.run_id)->name;
    in = from_run.in;
    used = from_run.steps_used;
    steps_total = from_run.steps_total;
    parameters = from_run.parameters;
    shape = widths_text(from_run.spec);
    in.bytes_per_s = gbit * 1e9 / 8.0;
    in.latency_s = latency_us * 1e-6;
    in.max_replicas = o.max_replicas;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "batchlab-cli: scale: %s\n", e.what());
    return kExitBadInput;
  }

  std::vector<ScalingRow> weak, strong;
  try {
    weak = predict_scaling(in, ScalingMode::weak);
    strong = predict_scaling(in, ScalingMode::strong);
  } catch (const Error& e) {
    std::fprintf(stderr, "batchlab-cli: scale: %s\n", e.what());
    return kExitBadInput;
  }
  const bool b_noise_known = std::isfinite(in.b_noise);

  std::printf("Scaling run %lld (%s) over R replicas: model, not a measurement\n",
              static_cast<long long>(o.run_id), run_name.c_str());
  std::printf(
      "  measured compute: %s per sample (median of %zu of %zu steps, the first few left "
      "out), batch %lld\n",
      short_time(in.compute_s_per_sample).c_str(), used, steps_total,
      static_cast<long long>(in.batch));
  std::printf("  gradient: %lld parameters × 4 B = %s (MLP %s)\n",
              static_cast<long long>(parameters),
              format_bytes(static_cast<std::int64_t>(in.gradient_bytes)).c_str(), shape.c_str());
  std::printf("  link: %s, %s Gbit/s, %s µs per message%s\n", std::string(link->name).c_str(),
              format_number(gbit, 4).c_str(), format_number(latency_us, 3).c_str(),
              o.bandwidth_gbps || o.latency_us ? " (edited)" : "");
  std::printf(
      "  step = compute(per-device batch) + 2(R−1)/R · gradient / bandwidth + 2(R−1) · "
      "latency (ring all-reduce, not overlapped)\n");
  if (b_noise_known)
    std::printf("  B_noise: %s (the run's last B_simple)\n", format_number(in.b_noise, 3).c_str());
  else
    std::printf(
        "  B_noise: not measured (turn on noise_scale in the run's config to mark where "
        "more devices stop paying)\n");

  std::printf(
      "\nweak scaling (per-device batch %lld, global batch R × %lld): model, not a "
      "measurement\n",
      static_cast<long long>(in.batch), static_cast<long long>(in.batch));
  print_rows(weak, b_noise_known && std::any_of(weak.begin(), weak.end(),
                                                [](const auto& r) { return r.past_b_noise; }));
  std::printf(
      "\nstrong scaling (global batch %lld split over R, until one sample per device): "
      "model, not a measurement\n",
      static_cast<long long>(in.batch));
  print_rows(strong, b_noise_known && strong.front().past_b_noise);
  return kExitOk;
}

}  // namespace batchlab::cli
