// defines: LinkPreset, kLinkPresets, find_link_preset, link_preset_names, kWarmupSteps,
//          compute_seconds_per_sample, ring_allreduce_seconds, ScalingMode, ScalingInputs,
//          ScalingRow, predict_scaling
// Data-parallel scaling beyond this machine, as a model (DESIGN §7; always labelled "model, not
// a measurement" where shown). From one stored run: its compute time per sample c (measured)
// and its gradient size G bytes (parameters × 4), for R replicas over a link of bandwidth W and
// latency α,
//
//   step(R)      = c · b(R) + allreduce(R)        b(R): the per-device batch
//   allreduce(R) = 2(R−1)/R · G / W + 2(R−1) · α    (ring all-reduce: reduce-scatter then
//                                                    all-gather, 2(R−1) messages of G/R each)
//
// weak scaling keeps the per-device batch at the run's B (global R·B); strong scaling keeps the
// global batch at B (per device ⌈B/R⌉, the slowest replica's share; it stops once B/R < 1).
// Compute and communication are added, not overlapped: an upper bound on the step time, which
// bucketed overlap (DDP) can only lower. Rows whose global batch passes the run's B_noise are
// marked: beyond it more examples per step buy little progress per example.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/events.h"

namespace batchlab {

// A named interconnect. Numbers are per direction, order-of-magnitude: --bandwidth-gbps and
// --latency-us replace them.
struct LinkPreset {
  std::string_view name;
  double gbit_per_s = 0.0;
  double latency_us = 0.0;
  std::string_view what;  // where the numbers come from
};

// Sources: NVLink 4 — NVIDIA H100 SXM datasheet, 900 GB/s total = 450 GB/s per direction;
// PCIe 4.0 x16 — PCI-SIG, 16 GT/s × 16 lanes, 128b/130b ≈ 31.5 GB/s per direction; 100 GbE —
// IEEE 802.3, 100 Gbit/s, ~25 µs with TCP sockets (RDMA/RoCE is nearer 5 µs); InfiniBand HDR —
// NVIDIA ConnectX-6, 200 Gbit/s per port, ~1 µs port to port, 2 µs with software. Latencies are
// per message as NCCL-style ring steps see them, not wire figures.
// Host memory — the CPU replicas' own in-process all-reduce (engine/parallel/): each replica
// sums its 1/R share of every bucket over the R buffers and copies the sum back into them, all
// replicas at once; for R = 2 the ring's G/W is one replica's pass over half the buffer, so
// W = G / (that time). The other replica's half was just written by another core, so it comes
// from that core's cache: measured on the 2-core development VM (two pinned threads, each
// writing its buffer, then reducing its half) 7.5–9 GB/s for 0.3–1.2 MB and 6.5 GB/s at 5 MB,
// where one thread re-reading its own cached data reaches 35–45 GB/s. α is a wake-up: a worker
// asleep in std::atomic::wait took 25–40 µs (median) to run after notify, as a halted virtual
// CPU does; two threads that never sleep hand over in ~2 µs. With 10 GB/s and 2 µs the model
// predicted the two-replica step 15–28 % short (tests/engine/test_scaling_model.cpp).
inline constexpr std::array kLinkPresets = {
    LinkPreset{"nvlink", 3600.0, 3.0, "NVLink 4 (H100 SXM), 450 GB/s per direction"},
    LinkPreset{"pcie", 252.0, 5.0, "PCIe 4.0 x16, 31.5 GB/s per direction"},
    LinkPreset{"100gbe", 100.0, 25.0, "100 Gigabit Ethernet over TCP"},
    LinkPreset{"infiniband", 200.0, 2.0, "InfiniBand HDR, 200 Gbit/s per port"},
    LinkPreset{"host", 64.0, 25.0, "host memory: CPU replicas in one process, 8 GB/s core to core"},
};

// nullptr when there is no preset of that name.
const LinkPreset* find_link_preset(std::string_view name);
std::string link_preset_names();  // "nvlink, pcie, 100gbe, infiniband, host"

// The first steps carry one-time costs (first-touch allocation, caches, CUDA graph capture).
inline constexpr std::size_t kWarmupSteps = 5;

// Median of compute_ms / batch_size (replica_batch for a data-parallel step, whose compute_ms is
// the slowest replica's), in seconds per sample of one device, over the steps after the first
// min(kWarmupSteps, n/2); steps without a finite compute time or a batch are left out. NaN when
// none is left. `used`, when given, receives how many steps went into the median.
double compute_seconds_per_sample(std::span<const StepEvent> steps, std::size_t* used = nullptr);

// 2(R−1)/R · bytes / bytes_per_s + 2(R−1) · latency_s; 0 for R = 1.
double ring_allreduce_seconds(int replicas, double bytes, double bytes_per_s, double latency_s);

enum class ScalingMode { weak, strong };

struct ScalingInputs {
  double compute_s_per_sample = 0.0;  // c
  double gradient_bytes = 0.0;        // G
  std::int64_t batch = 0;             // the run's B
  double bytes_per_s = 0.0;           // W
  double latency_s = 0.0;             // α
  int max_replicas = 1024;
  double b_noise = std::numeric_limits<double>::quiet_NaN();  // NaN: not measured
};

struct ScalingRow {
  int replicas = 1;
  std::int64_t per_device_batch = 0;
  std::int64_t global_batch = 0;
  double compute_s = 0.0;
  double allreduce_s = 0.0;
  double step_s = 0.0;
  double samples_per_s = 0.0;  // global batch / step
  // weak: step(1)/step(R) (throughput per device against one device); strong: speed-up / R.
  double efficiency = 1.0;
  bool past_b_noise = false;  // global batch > B_noise (false when B_noise is not measured)
};

// R = 1, 2, 4, … up to max_replicas (which ends the list even when it is not a power of two);
// strong scaling stops before the per-device batch B/R falls below 1. Throws Error for inputs
// that make no model (c, B, W not positive; latency negative; max_replicas < 1).
std::vector<ScalingRow> predict_scaling(const ScalingInputs& in, ScalingMode mode);

}  // namespace batchlab
