#include "engine/backend/cuda/input_pipeline.h"

#include <cstring>
#include <limits>
#include <string>

#include "engine/backend/cuda/kernels.h"
#include "engine/backend/stage_checks.h"

namespace batchlab::cuda {
namespace {

std::size_t bytes_of(std::int64_t count, std::size_t value_size) {
  return static_cast<std::size_t>(count) * value_size;
}

}  // namespace

std::array<InputPipeline::SlotLayout, InputPipeline::kSlots> InputPipeline::plan(
    const MlpSpec& spec, std::int64_t max_rows, BufferPlan& plan) {
  std::array<SlotLayout, kSlots> layout;
  for (SlotLayout& s : layout) {
    s.x = plan.add<float>(spec.inputs * max_rows);
    if (spec.task == Task::classification)
      s.labels = plan.add<std::int32_t>(max_rows);
    else
      s.targets = plan.add<float>(spec.outputs * max_rows);
    s.index = plan.add<std::int32_t>(max_rows);
  }
  return layout;
}

InputPipeline::InputPipeline(const MlpSpec& spec, const std::array<SlotLayout, kSlots>& layout,
                             const DeviceBuffer& device, const PinnedBuffer& pinned)
    : spec_(spec) {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    SlotState& s = slots_[i];
    const SlotLayout& at = layout[i];
    s.device.x = device.at<float>(at.x);
    s.host_x = pinned.at<float>(at.x);
    if (spec.task == Task::classification) {
      s.device.labels = device.at<std::int32_t>(at.labels);
      s.host_labels = pinned.at<std::int32_t>(at.labels);
    } else {
      s.device.targets = device.at<float>(at.targets);
      s.host_targets = pinned.at<float>(at.targets);
    }
    s.device_index = device.at<std::int32_t>(at.index);
    s.host_index = pinned.at<std::int32_t>(at.index);
  }
}

void InputPipeline::attach(const Dataset& train, const Dataset& val, MemoryAccountant& memory) {
  const bool classification = spec_.task == Task::classification;
  struct Offsets {
    std::int64_t x = 0, labels = 0, targets = 0;
  };
  const Dataset* sets[2] = {&train, &val};
  Offsets offsets[2];
  BufferPlan plan;
  for (int i = 0; i < 2; ++i) {
    const Dataset& d = *sets[i];
    if (d.rows > std::numeric_limits<std::int32_t>::max())
      throw Error(d.name + ": " + std::to_string(d.rows) +
                  " rows are more than the device gather can index; set "
                  "cuda.resident_data=false");
    // Checked once here: staging from the device copy reads labels the host never sees again.
    if (classification)
      for (std::int64_t r = 0; r < d.rows; ++r) {
        const std::int32_t label = d.labels[static_cast<std::size_t>(r)];
        if (label < 0 || label >= spec_.outputs) throw_bad_label(d, r, label, spec_.outputs);
      }
    offsets[i].x = plan.add<float>(d.rows * d.features);
    if (classification)
      offsets[i].labels = plan.add<std::int32_t>(d.rows);
    else
      offsets[i].targets = plan.add<float>(d.rows * d.outputs);
  }

  Resident r;
  try {
    r.buffer = DeviceBuffer(memory, MemCategory::batch, plan.bytes());
  } catch (const OutOfMemoryError& e) {
    throw OutOfMemoryError(std::string(e.what()) +
                               " (the datasets, kept on the device; set "
                               "cuda.resident_data=false to stream batches from the host)",
                           e.requested, e.in_use, e.limit);
  }
  ResidentSet* sets_on_device[2] = {&r.train, &r.val};
  const cudaStream_t c = copy_.get();
  for (int i = 0; i < 2; ++i) {
    const Dataset& d = *sets[i];
    ResidentSet& set = *sets_on_device[i];
    set.source = &d;
    set.host_x = d.x.data();
    set.rows = d.rows;
    set.x = r.buffer.at<float>(offsets[i].x);
    if (d.rows == 0) continue;
    BATCHLAB_CUDA_CHECK(cudaMemcpyAsync(set.x, d.x.data(), bytes_of(d.rows * d.features, 4),
                                        cudaMemcpyHostToDevice, c));
    if (classification) {
      set.labels = r.buffer.at<std::int32_t>(offsets[i].labels);
      BATCHLAB_CUDA_CHECK(cudaMemcpyAsync(set.labels, d.labels.data(), bytes_of(d.rows, 4),
                                          cudaMemcpyHostToDevice, c));
    } else {
      set.targets = r.buffer.at<float>(offsets[i].targets);
      BATCHLAB_CUDA_CHECK(cudaMemcpyAsync(set.targets, d.targets.data(),
                                          bytes_of(d.rows * d.outputs, 4), cudaMemcpyHostToDevice,
                                          c));
    }
  }
  // Pageable sources: wait before they could change, and before the first gather reads.
  BATCHLAB_CUDA_CHECK(cudaStreamSynchronize(c));
  resident_ = std::move(r);
}

const InputPipeline::ResidentSet* InputPipeline::resident_for(const Dataset& data) const {
  for (const ResidentSet* set : {&resident_.train, &resident_.val})
    if (set->source == &data && set->host_x == data.x.data() && set->rows == data.rows) return set;
  return nullptr;
}

InputPipeline::CopyTime InputPipeline::harvest(SlotState& s) {
  CopyTime t;
  if (!s.timed) return t;
  s.timed = false;
  t.step = s.step;
  t.ms = elapsed_ms(s.copy_begin, s.copy_end);
  return t;
}

int InputPipeline::stage(const Dataset& data, std::span<const std::int64_t> rows,
                         CopyTime& harvested) {
  const int index = next_;
  SlotState& s = slots_[static_cast<std::size_t>(index)];
  // The slot's previous copy has read its pinned memory once copy_end is reached: only then may
  // the host rewrite it. Usually long done; this is also what bounds how far the host runs ahead.
  BATCHLAB_CUDA_CHECK(cudaEventSynchronize(s.copy_end.get()));
  harvested = harvest(s);
  s.step = -1;

  const auto n = static_cast<std::int64_t>(rows.size());
  const std::int64_t d = spec_.inputs;
  const std::int64_t o = spec_.outputs;
  const bool classification = spec_.task == Task::classification;
  const ResidentSet* resident = resident_for(data);
  for (std::int64_t j = 0; j < n; ++j) {
    const std::int64_t r = rows[static_cast<std::size_t>(j)];
    if (r < 0 || r >= data.rows) throw_row_outside(data, r);
    if (resident != nullptr) {
      s.host_index[j] = static_cast<std::int32_t>(r);
      continue;
    }
    // Column j of the column-major d × B batch is the dataset's row r: one contiguous copy.
    std::memcpy(s.host_x + j * d, data.row(r), bytes_of(d, sizeof(float)));
    if (classification) {
      const std::int32_t label = data.labels[static_cast<std::size_t>(r)];
      if (label < 0 || label >= o) throw_bad_label(data, r, label, o);
      s.host_labels[j] = label;
    } else {
      std::memcpy(s.host_targets + j * o, data.targets.data() + r * o, bytes_of(o, sizeof(float)));
    }
  }
  next_ = (next_ + 1) % kSlots;  // only a batch that passed its checks takes the slot

  const cudaStream_t c = copy_.get();
  // The device side of the slot may still be read by the compute stream's previous use.
  BATCHLAB_CUDA_CHECK(cudaStreamWaitEvent(c, s.consumed.get(), 0));
  BATCHLAB_CUDA_CHECK(cudaEventRecord(s.copy_begin.get(), c));
  if (resident != nullptr) {
    BATCHLAB_CUDA_CHECK(
        cudaMemcpyAsync(s.device_index, s.host_index, bytes_of(n, 4), cudaMemcpyHostToDevice, c));
    gather_rows(resident->x, s.device_index, s.device.x, n, d, c);
    if (classification)
      gather_rows(resident->labels, s.device_index, s.device.labels, n, 1, c);
    else
      gather_rows(resident->targets, s.device_index, s.device.targets, n, o, c);
  } else {
    BATCHLAB_CUDA_CHECK(cudaMemcpyAsync(s.device.x, s.host_x, bytes_of(n * d, sizeof(float)),
                                        cudaMemcpyHostToDevice, c));
    if (classification)
      BATCHLAB_CUDA_CHECK(cudaMemcpyAsync(s.device.labels, s.host_labels, bytes_of(n, 4),
                                          cudaMemcpyHostToDevice, c));
    else
      BATCHLAB_CUDA_CHECK(cudaMemcpyAsync(s.device.targets, s.host_targets,
                                          bytes_of(n * o, sizeof(float)), cudaMemcpyHostToDevice,
                                          c));
  }
  BATCHLAB_CUDA_CHECK(cudaEventRecord(s.copy_end.get(), c));
  s.timed = true;
  return index;
}

void InputPipeline::before_use(int s, cudaStream_t compute) const {
  BATCHLAB_CUDA_CHECK(
      cudaStreamWaitEvent(compute, slots_[static_cast<std::size_t>(s)].copy_end.get(), 0));
}

void InputPipeline::after_use(int s, std::int64_t step, cudaStream_t compute) {
  SlotState& slot = slots_[static_cast<std::size_t>(s)];
  BATCHLAB_CUDA_CHECK(cudaEventRecord(slot.consumed.get(), compute));
  slot.step = step;
}

double InputPipeline::take_copy_ms(std::int64_t step) {
  double total = 0.0;
  for (SlotState& s : slots_)
    if (s.timed && s.step == step) total += harvest(s).ms;
  return total;
}

}  // namespace batchlab::cuda
