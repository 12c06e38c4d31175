// defines: InputPipeline (the CUDA backend's batch staging: pinned host slots, a copy stream,
//          double buffering, and optionally datasets kept on the device)
// Two slots alternate, each a pinned host area and a device area laid out alike. stage() fills
// slot s on the host (the rows gathered, or, for a device-resident dataset, only their indices),
// then queues its copy (and the device gather) on the copy stream, so the copy of micro-batch
// k+1 runs while the compute stream still works on micro-batch k. Events keep the two honest:
//   copy_end[s]  the compute stream waits for it before using slot s (before_use);
//   consumed[s]  recorded on the compute stream after its last use of slot s (after_use); the
//                copy stream waits for it before overwriting slot s on the device;
// and the host waits for copy_end[s] of the previous use before rewriting slot s's pinned memory.
// copy_begin/copy_end also time each copy: the "data" part of a step on the device.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "engine/backend/cuda/cuda_handles.h"
#include "engine/backend/cuda/device_buffer.h"
#include "engine/data/dataset.h"
#include "engine/model/mlp_spec.h"

namespace batchlab::cuda {

class InputPipeline {
 public:
  static constexpr int kSlots = 2;

  // Where one slot's arrays live: the same byte offsets in the device and pinned buffers.
  struct SlotLayout {
    std::int64_t x = 0;        // inputs × max_rows floats
    std::int64_t labels = 0;   // max_rows int32 (classification)
    std::int64_t targets = 0;  // outputs × max_rows floats (regression)
    std::int64_t index = 0;    // max_rows int32: rows of a device-resident dataset
  };
  // Adds both slots' arrays to `plan` (one per memory category: the backend's batch buffer).
  static std::array<SlotLayout, kSlots> plan(const MlpSpec& spec, std::int64_t max_rows,
                                             BufferPlan& plan);

  // The device pointers of a staged batch.
  struct Slot {
    float* x = nullptr;
    std::int32_t* labels = nullptr;
    float* targets = nullptr;
  };

  // A copy's device time, once it has finished, and the training step it fed (-1: none).
  struct CopyTime {
    std::int64_t step = -1;
    double ms = 0.0;
  };

  InputPipeline(const MlpSpec& spec, const std::array<SlotLayout, kSlots>& layout,
                const DeviceBuffer& device, const PinnedBuffer& pinned);

  // Copies both datasets to the device in one allocation of `memory`'s batch category;
  // stage() then sends only row indices for them. Checks every label once, here.
  void attach(const Dataset& train, const Dataset& val, MemoryAccountant& memory);
  bool resident() const { return resident_.buffer.bytes() > 0; }

  // Stages rows of `data` into the next slot and returns it. The caller has checked the
  // dataset (check_stage_source); rows and labels are checked here, as they are read. `harvest`
  // receives the device time of the slot's previous copy when it fed a training step.
  int stage(const Dataset& data, std::span<const std::int64_t> rows, CopyTime& harvest);

  const Slot& slot(int s) const { return slots_[static_cast<std::size_t>(s)].device; }
  // The compute stream's side of the handshake: wait for the copy, then mark the slot consumed
  // (by training step `step`, or -1 for evaluation) after the work that reads it is queued.
  void before_use(int s, cudaStream_t compute) const;
  void after_use(int s, std::int64_t step, cudaStream_t compute);
  // The device time of the copies that fed `step`, for a step the device has finished.
  double take_copy_ms(std::int64_t step);

 private:
  struct SlotState {
    Slot device;
    float* host_x = nullptr;
    std::int32_t* host_labels = nullptr;
    float* host_targets = nullptr;
    std::int32_t* host_index = nullptr;
    std::int32_t* device_index = nullptr;
    Event copy_begin{true};
    Event copy_end{true};
    Event consumed{false};
    bool timed = false;      // copy_begin/copy_end hold a copy not yet harvested
    std::int64_t step = -1;  // the training step that consumed the last copy
  };
  struct ResidentSet {
    const Dataset* source = nullptr;
    const float* host_x = nullptr;  // identity check: the dataset was not reallocated
    std::int64_t rows = 0;
    float* x = nullptr;
    std::int32_t* labels = nullptr;
    float* targets = nullptr;
  };
  struct Resident {
    DeviceBuffer buffer;
    ResidentSet train, val;
  };

  const ResidentSet* resident_for(const Dataset& data) const;
  CopyTime harvest(SlotState& s);

  MlpSpec spec_;
  Stream copy_;
  std::array<SlotState, kSlots> slots_;
  int next_ = 0;
  Resident resident_;
};

}  // namespace batchlab::cuda
