#include "engine/core/run_config.h"

#include <algorithm>
#include <array>
#include <utility>

namespace batchlab {
namespace {

template <typename E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

constexpr NameTable<Task, 2> kTask{
    {{Task::classification, "classification"}, {Task::regression, "regression"}}};
constexpr NameTable<Activation, 4> kActivation{{{Activation::relu, "relu"},
                                                {Activation::tanh, "tanh"},
                                                {Activation::sigmoid, "sigmoid"},
                                                {Activation::gelu, "gelu"}}};
constexpr NameTable<Init, 2> kInit{{{Init::he, "he"}, {Init::xavier, "xavier"}}};
constexpr NameTable<OptimizerKind, 2> kOptimizer{
    {{OptimizerKind::sgd, "sgd"}, {OptimizerKind::adam, "adam"}}};
constexpr NameTable<BatchStrategy, 3> kStrategy{{{BatchStrategy::full, "full"},
                                                 {BatchStrategy::mini, "mini"},
                                                 {BatchStrategy::stochastic, "stochastic"}}};
constexpr NameTable<Sampling, 3> kSampling{{{Sampling::reshuffle, "reshuffle"},
                                            {Sampling::fixed, "fixed"},
                                            {Sampling::replacement, "replacement"}}};
constexpr NameTable<ScheduleKind, 3> kSchedule{{{ScheduleKind::constant, "constant"},
                                                {ScheduleKind::steps, "steps"},
                                                {ScheduleKind::linear, "linear"}}};
constexpr NameTable<LrScalingRule, 3> kLrRule{{{LrScalingRule::none, "none"},
                                               {LrScalingRule::linear, "linear"},
                                               {LrScalingRule::sqrt, "sqrt"}}};
constexpr NameTable<TargetMetric, 3> kMetric{{{TargetMetric::val_accuracy, "val_accuracy"},
                                              {TargetMetric::val_loss, "val_loss"},
                                              {TargetMetric::train_loss, "train_loss"}}};

template <typename E, std::size_t N>
std::string_view name_of(const NameTable<E, N>& table, E v) {
  for (const auto& [e, name] : table)
    if (e == v) return name;
  return "?";
}

template <typename E, std::size_t N>
std::optional<E> find_in(const NameTable<E, N>& table, std::string_view text) {
  for (const auto& [e, name] : table)
    if (name == text) return e;
  return std::nullopt;
}

template <typename E, std::size_t N>
std::vector<std::string_view> names_in(const NameTable<E, N>& table) {
  std::vector<std::string_view> out;
  for (const auto& entry : table) out.push_back(entry.second);
  return out;
}

}  // namespace

std::string_view to_string(Task v) {
  return name_of(kTask, v);
}
std::string_view to_string(Activation v) {
  return name_of(kActivation, v);
}
std::string_view to_string(Init v) {
  return name_of(kInit, v);
}
std::string_view to_string(OptimizerKind v) {
  return name_of(kOptimizer, v);
}
std::string_view to_string(BatchStrategy v) {
  return name_of(kStrategy, v);
}
std::string_view to_string(Sampling v) {
  return name_of(kSampling, v);
}
std::string_view to_string(ScheduleKind v) {
  return name_of(kSchedule, v);
}
std::string_view to_string(LrScalingRule v) {
  return name_of(kLrRule, v);
}
std::string_view to_string(TargetMetric v) {
  return name_of(kMetric, v);
}

#define BATCHLAB_ENUM_TABLE(E, table)                     \
  template <>                                             \
  std::optional<E> parse_enum<E>(std::string_view text) { \
    return find_in(table, text);                          \
  }                                                       \
  template <>                                             \
  std::vector<std::string_view> enum_names<E>() {         \
    return names_in(table);                               \
  }

BATCHLAB_ENUM_TABLE(Task, kTask)
BATCHLAB_ENUM_TABLE(Activation, kActivation)
BATCHLAB_ENUM_TABLE(Init, kInit)
BATCHLAB_ENUM_TABLE(OptimizerKind, kOptimizer)
BATCHLAB_ENUM_TABLE(BatchStrategy, kStrategy)
BATCHLAB_ENUM_TABLE(Sampling, kSampling)
BATCHLAB_ENUM_TABLE(ScheduleKind, kSchedule)
BATCHLAB_ENUM_TABLE(LrScalingRule, kLrRule)
BATCHLAB_ENUM_TABLE(TargetMetric, kMetric)
#undef BATCHLAB_ENUM_TABLE

const std::vector<std::string_view>& synthetic_dataset_kinds() {
  static const std::vector<std::string_view> kinds = {"blobs", "moons",        "circles", "spirals",
                                                      "xor",   "checkerboard", "linear",  "sine"};
  return kinds;
}

bool is_synthetic_dataset(std::string_view kind) {
  const auto& kinds = synthetic_dataset_kinds();
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

}  // namespace batchlab
