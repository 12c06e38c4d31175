#include "engine/experiment/stored_model.h"

#include "engine/core/errors.h"
#include "engine/core/run_config.h"

namespace batchlab {

namespace {

template <typename E>
E enum_at(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string())
    throw Error(std::string("model spec: ") + key + " is missing");
  const auto v = parse_enum<E>(it->get<std::string>());
  if (!v) throw Error(std::string("model spec: ") + key + " is not a known name: " + it->dump());
  return *v;
}

std::int64_t width_at(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer() || it->get<std::int64_t>() <= 0)
    throw Error(std::string("model spec: ") + key + " is not a positive integer");
  return it->get<std::int64_t>();
}

}  // namespace

nlohmann::json mlp_spec_to_json(const MlpSpec& spec) {
  return {{"inputs", spec.inputs},
          {"hidden", spec.hidden},
          {"outputs", spec.outputs},
          {"activation", std::string(to_string(spec.activation))},
          {"init", std::string(to_string(spec.init))},
          {"task", std::string(to_string(spec.task))}};
}

MlpSpec mlp_spec_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw Error("model spec: not a JSON object");
  MlpSpec spec;
  spec.inputs = width_at(j, "inputs");
  spec.outputs = width_at(j, "outputs");
  const auto hidden = j.find("hidden");
  if (hidden == j.end() || !hidden->is_array()) throw Error("model spec: hidden is not a list");
  for (const auto& w : *hidden) {
    if (!w.is_number_integer() || w.get<std::int64_t>() <= 0)
      throw Error("model spec: hidden holds " + w.dump() + ", not a positive integer");
    spec.hidden.push_back(w.get<std::int64_t>());
  }
  spec.activation = enum_at<Activation>(j, "activation");
  spec.init = enum_at<Init>(j, "init");
  spec.task = enum_at<Task>(j, "task");
  return spec;
}

}  // namespace batchlab
