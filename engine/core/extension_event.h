// defines: ExtensionEvent, DeviceMemoryEvent
// Events of kinds EventSink's five training calls do not name: serving requests and batches,
// per-device memory, replica timings. They travel through one call, EventSink::on_extension, so
// a new kind changes no sink that does not care: a sink that knows the kind downcasts
// (dynamic_cast), the others ignore it (the default) or write its flat fields, as the JSONL
// stream does ({"type": type(), "run_id": …, field: value …}).
// Like every event, an extension is handed to a sink for the duration of the call: a sink that
// keeps it copies what it needs.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "engine/core/memory_category.h"
#include "engine/core/step_fields.h"

namespace batchlab {

struct ExtensionEvent {
  std::int64_t run_id = 0;

  virtual ~ExtensionEvent() = default;
  // The JSONL "type", unique per kind: "device_memory", …
  virtual std::string_view type() const = 0;
  // Each field but run_id, as (name, value), always in the same order. Integers are exact up to
  // 2⁵³ (bytes, counts and steps stay far below).
  using FieldVisitor = std::function<void(std::string_view name, double value)>;
  virtual void visit_fields(const FieldVisitor& visit) const = 0;
};

// One device's memory after a step, for a backend that spans several devices
// (Backend::device_count() > 1; StepEvent::memory is then the sum over them). The Trainer
// sends one per device after each step's StepEvent.
struct DeviceMemoryEvent final : ExtensionEvent {
  std::int64_t step = 0;
  int device = 0;
  MemoryBytes memory{};

  std::string_view type() const override { return "device_memory"; }
  void visit_fields(const FieldVisitor& visit) const override {
    visit("step", static_cast<double>(step));
    visit("device", device);
    for (const auto& f : kStepFields)  // named as in the steps: "mem_parameters" …
      if (f.is_memory())
        visit(f.name, static_cast<double>(memory[static_cast<std::size_t>(f.category())]));
  }
};

}  // namespace batchlab
