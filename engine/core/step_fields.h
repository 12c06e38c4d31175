// defines: FieldType, StepField, kStepFields, step_field_int, step_field_real, set_step_field
// The one list of a StepEvent's fields (after run_id, the key every writer puts first), in the
// order the JSONL stream, the store's steps table and the CSV export write them. The store's
// columns, the CSV header and the JSON keys are these names, so adding a field is one line here
// (plus a store migration for its column); the writers iterate the table instead of naming
// members by position. Memory fields are one per MemCategory ("mem_parameters" …); the JSONL
// stream nests them as "memory": {"parameters": …} (DESIGN §2).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <variant>

#include "engine/core/events.h"

namespace batchlab {

enum class FieldType { integer, real };

struct StepField {
  // The member it reads: a StepEvent member, or one category of StepEvent::memory.
  using Member =
      std::variant<std::int64_t StepEvent::*, int StepEvent::*, double StepEvent::*, MemCategory>;

  std::string_view name;
  Member member;

  constexpr FieldType type() const {
    return std::holds_alternative<double StepEvent::*>(member) ? FieldType::real
                                                               : FieldType::integer;
  }
  // A memory category's bytes; the JSONL stream nests these under "memory".
  constexpr bool is_memory() const { return std::holds_alternative<MemCategory>(member); }
  constexpr MemCategory category() const { return std::get<MemCategory>(member); }
};

inline constexpr std::array kStepFields = {
    StepField{"step", &StepEvent::step},
    StepField{"epoch", &StepEvent::epoch},
    StepField{"samples_seen", &StepEvent::samples_seen},
    StepField{"batch_size", &StepEvent::batch_size},
    StepField{"micro_batches", &StepEvent::micro_batches},
    StepField{"lr", &StepEvent::lr},
    StepField{"loss", &StepEvent::loss},
    StepField{"samples_per_s", &StepEvent::samples_per_s},
    StepField{"step_ms", &StepEvent::step_ms},
    StepField{"data_ms", &StepEvent::data_ms},
    StepField{"compute_ms", &StepEvent::compute_ms},
    StepField{"wall_s", &StepEvent::wall_s},
    StepField{"mem_parameters", MemCategory::parameters},
    StepField{"mem_gradients", MemCategory::gradients},
    StepField{"mem_optimizer", MemCategory::optimizer},
    StepField{"mem_activations", MemCategory::activations},
    StepField{"mem_batch", MemCategory::batch},
    StepField{"mem_workspace", MemCategory::workspace},
    StepField{"grad_norm2", &StepEvent::grad_norm2},
    StepField{"b_simple", &StepEvent::b_simple},
    StepField{"replicas", &StepEvent::replicas},
    StepField{"replica_batch", &StepEvent::replica_batch},
    StepField{"allreduce_ms", &StepEvent::allreduce_ms},
    StepField{"idle_ms", &StepEvent::idle_ms},
};
static_assert(kMemCategoryCount == 6, "kStepFields has one mem_ field per memory category");

// The value of an integer field (type() == integer).
inline std::int64_t step_field_int(const StepEvent& e, const StepField& f) {
  if (const auto* m = std::get_if<std::int64_t StepEvent::*>(&f.member)) return e.*(*m);
  if (const auto* m = std::get_if<int StepEvent::*>(&f.member)) return e.*(*m);
  if (const auto* c = std::get_if<MemCategory>(&f.member))
    return e.memory[static_cast<std::size_t>(*c)];
  return static_cast<std::int64_t>(e.*std::get<double StepEvent::*>(f.member));
}

// The value of a real field (type() == real); integer fields convert.
inline double step_field_real(const StepEvent& e, const StepField& f) {
  if (const auto* m = std::get_if<double StepEvent::*>(&f.member)) return e.*(*m);
  return static_cast<double>(step_field_int(e, f));
}

// Sets one field; an integer field takes `integer`, a real field `real`.
inline void set_step_field(StepEvent& e, const StepField& f, std::int64_t integer, double real) {
  std::visit(
      [&](auto m) {
        using M = decltype(m);
        if constexpr (std::is_same_v<M, MemCategory>)
          e.memory[static_cast<std::size_t>(m)] = integer;
        else if constexpr (std::is_same_v<M, double StepEvent::*>)
          e.*m = real;
        else if constexpr (std::is_same_v<M, int StepEvent::*>)
          e.*m = static_cast<int>(integer);
        else
          e.*m = integer;
      },
      f.member);
}

}  // namespace batchlab
