// RunStore's models table (schema v4): save_model, model, has_model. Kept apart from
// run_store.cpp, which holds runs, steps and sweeps.
#include <bit>
#include <cstring>

#include <zlib.h>

#include "engine/experiment/run_store.h"
#include "engine/experiment/sqlite_util.h"

namespace batchlab {
namespace {

using sqlite::Statement;
using sqlite::Transaction;

// The blobs are the floats' bytes as they lie in memory: little-endian float32 on every machine
// BatchLab builds for; a big-endian one would need a byte swap here.
static_assert(std::endian::native == std::endian::little, "models are stored little-endian");

}  // namespace

std::uint32_t model_checksum(std::span<const std::byte> a, std::span<const std::byte> b) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // crc32() with a null buffer returns the initial value, not crc: skip empty parts.
  for (const auto part : {a, b})
    if (!part.empty())
      crc = crc32(crc, reinterpret_cast<const Bytef*>(part.data()),
                  static_cast<uInt>(part.size()));
  return static_cast<std::uint32_t>(crc);
}

namespace {

std::span<const std::byte> bytes_of(const std::vector<float>& v) {
  return std::as_bytes(std::span<const float>(v));
}

std::vector<float> floats_of(std::span<const std::byte> bytes) {
  std::vector<float> out(bytes.size() / sizeof(float));
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
  return out;
}

}  // namespace

void RunStore::save_model(std::int64_t run_id, const StoredModel& model) {
  const auto expected = static_cast<std::size_t>(mlp_parameter_count(model.spec));
  if (model.parameters.size() != expected)
    throw Error(path_.string() + ": run " + std::to_string(run_id) + ": a model of " +
                std::to_string(expected) + " parameters was given " +
                std::to_string(model.parameters.size()));
  if (model.feature_mean.size() != model.feature_std.size() ||
      (!model.feature_mean.empty() &&
       model.feature_mean.size() != static_cast<std::size_t>(model.spec.inputs)))
    throw Error(path_.string() + ": run " + std::to_string(run_id) +
                ": the standardisation does not match the model's inputs");
  if (!run(run_id))
    throw Error(path_.string() + ": run " + std::to_string(run_id) + " is not in the store");
  std::vector<float> standardization = model.feature_mean;
  standardization.insert(standardization.end(), model.feature_std.begin(), model.feature_std.end());
  const auto params = bytes_of(model.parameters);
  const auto stand = bytes_of(standardization);
  Transaction t(db_, path_, "cannot save a model");
  Statement s(db_, path_,
              "INSERT OR REPLACE INTO models (run_id, spec, step, parameters, standardization, "
              "crc32) VALUES (?, ?, ?, ?, ?, ?)",
              "cannot save a model");
  s.bind(1, run_id);
  s.bind(2, mlp_spec_to_json(model.spec).dump());
  s.bind(3, model.step);
  s.bind_blob(4, params.data(), params.size());
  s.bind_blob(5, stand.data(), stand.size());
  s.bind(6, static_cast<std::int64_t>(model_checksum(params, stand)));
  s.step();
  t.commit();
}

bool RunStore::has_model(std::int64_t run_id) const {
  Statement s(db_, path_, "SELECT 1 FROM models WHERE run_id = ?", "cannot read a model");
  s.bind(1, run_id);
  return s.step();
}

std::optional<StoredModel> RunStore::model(std::int64_t run_id) const {
  Statement s(db_, path_,
              "SELECT spec, step, parameters, standardization, crc32 FROM models WHERE run_id = ?",
              "cannot read a model");
  s.bind(1, run_id);
  if (!s.step()) return std::nullopt;
  const std::string where = path_.string() + ": run " + std::to_string(run_id);
  const auto damaged = [&](const std::string& why) {
    return Error(where + ": the stored model is damaged (" + why + ")");
  };
  StoredModel m;
  try {
    m.spec = mlp_spec_from_json(nlohmann::json::parse(s.text(0)));
  } catch (const std::exception& e) {
    throw damaged(e.what());
  }
  m.step = s.int64(1);
  const auto params = s.blob(2);
  const auto stand = s.blob(3);
  if (model_checksum(params, stand) != static_cast<std::uint32_t>(s.int64(4)))
    throw damaged("its checksum does not match");
  const auto expected = static_cast<std::size_t>(mlp_parameter_count(m.spec));
  if (params.size() != expected * sizeof(float))
    throw damaged(std::to_string(params.size()) + " bytes of parameters for a model of " +
                  std::to_string(expected) + " floats");
  m.parameters = floats_of(params);
  std::vector<float> st = floats_of(stand);
  if (!st.empty()) {
    if (st.size() != 2 * static_cast<std::size_t>(m.spec.inputs))
      throw damaged("the standardisation holds " + std::to_string(st.size()) + " values for " +
                    std::to_string(m.spec.inputs) + " inputs");
    m.feature_mean.assign(st.begin(), st.begin() + m.spec.inputs);
    m.feature_std.assign(st.begin() + m.spec.inputs, st.end());
  }
  return m;
}

}  // namespace batchlab
