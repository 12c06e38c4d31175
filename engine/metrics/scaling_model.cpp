#include "engine/metrics/scaling_model.h"

#include <algorithm>

#include "engine/core/errors.h"

namespace batchlab {

const LinkPreset* find_link_preset(std::string_view name) {
  for (const auto& p : kLinkPresets)
    if (p.name == name) return &p;
  return nullptr;
}

std::string link_preset_names() {
  std::string out;
  for (const auto& p : kLinkPresets) out += (out.empty() ? "" : ", ") + std::string(p.name);
  return out;
}

double compute_seconds_per_sample(std::span<const StepEvent> steps, std::size_t* used) {
  const std::size_t skip = std::min(kWarmupSteps, steps.size() / 2);
  std::vector<double> per_sample;
  for (const auto& s : steps.subspan(skip)) {
    // A data-parallel step's compute_ms is the slowest replica's, over its own rows: per sample
    // of one device is per replica_batch row, not per row of the global batch.
    const std::int64_t rows =
        s.replicas > 1 && s.replica_batch > 0 ? s.replica_batch : s.batch_size;
    if (std::isfinite(s.compute_ms) && s.compute_ms > 0 && rows > 0)
      per_sample.push_back(s.compute_ms * 1e-3 / static_cast<double>(rows));
  }
  if (used) *used = per_sample.size();
  if (per_sample.empty()) return std::numeric_limits<double>::quiet_NaN();
  const auto mid = per_sample.begin() + static_cast<std::ptrdiff_t>(per_sample.size() / 2);
  std::nth_element(per_sample.begin(), mid, per_sample.end());
  if (per_sample.size() % 2) return *mid;
  const double upper = *mid;
  const double lower = *std::max_element(per_sample.begin(), mid);
  return 0.5 * (lower + upper);
}

double ring_allreduce_seconds(int replicas, double bytes, double bytes_per_s, double latency_s) {
  if (replicas <= 1) return 0.0;
  const double r = replicas;
  return 2.0 * (r - 1.0) / r * bytes / bytes_per_s + 2.0 * (r - 1.0) * latency_s;
}

std::vector<ScalingRow> predict_scaling(const ScalingInputs& in, ScalingMode mode) {
  if (!(in.compute_s_per_sample > 0) || !std::isfinite(in.compute_s_per_sample))
    throw Error("scaling model: the compute time per sample must be positive (got " +
                std::to_string(in.compute_s_per_sample) + ")");
  if (in.batch < 1) throw Error("scaling model: the batch size must be at least 1");
  if (!(in.bytes_per_s > 0)) throw Error("scaling model: the link bandwidth must be positive");
  if (!(in.latency_s >= 0)) throw Error("scaling model: the link latency cannot be negative");
  if (in.gradient_bytes < 0) throw Error("scaling model: the gradient size cannot be negative");
  if (in.max_replicas < 1) throw Error("scaling model: max replicas must be at least 1");

  std::vector<int> counts;
  for (long long r = 1; r <= in.max_replicas; r *= 2) counts.push_back(static_cast<int>(r));
  if (counts.back() != in.max_replicas) counts.push_back(in.max_replicas);

  std::vector<ScalingRow> rows;
  for (const int r : counts) {
    ScalingRow row;
    row.replicas = r;
    if (mode == ScalingMode::weak) {
      row.per_device_batch = in.batch;
      row.global_batch = in.batch * r;
    } else {
      if (in.batch < r) break;  // B/R < 1: a replica would get no sample
      row.per_device_batch = (in.batch + r - 1) / r;
      row.global_batch = in.batch;
    }
    row.compute_s = in.compute_s_per_sample * static_cast<double>(row.per_device_batch);
    row.allreduce_s = ring_allreduce_seconds(r, in.gradient_bytes, in.bytes_per_s, in.latency_s);
    row.step_s = row.compute_s + row.allreduce_s;
    row.samples_per_s = static_cast<double>(row.global_batch) / row.step_s;
    row.past_b_noise =
        std::isfinite(in.b_noise) && static_cast<double>(row.global_batch) > in.b_noise;
    rows.push_back(row);
  }
  const double one = rows.front().step_s;
  for (auto& row : rows)
    row.efficiency = mode == ScalingMode::weak
                         ? one / row.step_s
                         : one / (static_cast<double>(row.replicas) * row.step_s);
  return rows;
}

}  // namespace batchlab
