#include "engine/serve/serving_model.h"

#include <cmath>

#include "engine/core/errors.h"
#include "engine/data/load_dataset.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/run_store.h"
#include "engine/train/trainer.h"

namespace batchlab {
namespace {

namespace fs = std::filesystem;

bool same(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::fabs(a[i] - b[i]) > 1e-5f * std::max(1.0f, std::fabs(b[i]))) return false;
  return true;
}

// Re-expresses rows standardised with (from_mean, from_std) — or raw, when those are empty — in
// the standardisation the model trained with (to_mean, to_std; empty: raw). The same data and
// seed give the same statistics, so this only acts when the data changed since training.
void restandardise(Dataset& d, const std::vector<float>& from_mean,
                   const std::vector<float>& from_std, const std::vector<float>& to_mean,
                   const std::vector<float>& to_std) {
  const auto f = static_cast<std::size_t>(d.features);
  for (std::size_t i = 0; i < d.x.size(); ++i) {
    const std::size_t c = i % f;
    double v = d.x[i];
    if (!from_mean.empty()) v = v * from_std[c] + from_mean[c];
    if (!to_mean.empty()) v = (v - to_mean[c]) / to_std[c];
    d.x[i] = static_cast<float>(v);
  }
}

std::string spec_text(const MlpSpec& s) {
  std::string t = std::to_string(s.inputs);
  // Appended piecewise: GCC 12's -Wrestrict misfires on "-" + std::to_string(...).
  for (const auto h : s.hidden) {
    t += '-';
    t += std::to_string(h);
  }
  t += '-';
  t += std::to_string(s.outputs);
  return t;
}

}  // namespace

ServingModel load_serving_model(const ServingModelSource& source, bool train_split,
                                const fs::path& store, const std::string& device) {
  ServingModel m;
  m.train_split = train_split;
  std::string origin;
  if (source.run_id > 0) {
    if (!fs::exists(store))
      throw Error(store.string() + ": no such run store (give --db PATH of the store that holds "
                                   "run " + std::to_string(source.run_id) + ")");
    const RunStore db(store);
    const auto record = db.run(source.run_id);
    if (!record)
      throw Error(store.string() + ": no run " + std::to_string(source.run_id) +
                  " (see batchlab-cli runs --db " + store.string() + ")");
    const std::string where = "run " + std::to_string(source.run_id);
    const auto config_json = nlohmann::json::parse(record->config_json, nullptr, false);
    if (config_json.is_discarded()) throw Error(where + ": its stored config is not valid JSON");
    m.config = run_config_from_json(config_json, where + " config");
    const auto stored = db.model(source.run_id);
    if (!stored)
      throw Error(store.string() + ": " + where +
                  " has no stored model (runs keep their model since schema v4; train it again)");
    if (!device.empty()) m.config.device = device;
    m.data = load_dataset(m.config.dataset, m.config.seed, where);
    const MlpSpec expected = mlp_spec_for(m.config, m.data.train);
    if (stored->spec.inputs != expected.inputs || stored->spec.outputs != expected.outputs)
      throw Error(where + ": the stored model is " + spec_text(stored->spec) +
                  " but its data now gives " + std::to_string(expected.inputs) + " inputs and " +
                  std::to_string(expected.outputs) + " outputs");
    if (!same(stored->feature_mean, m.data.feature_mean) ||
        !same(stored->feature_std, m.data.feature_std)) {
      restandardise(m.data.train, m.data.feature_mean, m.data.feature_std, stored->feature_mean,
                    stored->feature_std);
      restandardise(m.data.val, m.data.feature_mean, m.data.feature_std, stored->feature_mean,
                    stored->feature_std);
    }
    m.spec = stored->spec;
    m.parameters = stored->parameters;
    m.run_id = source.run_id;
    m.label = where + " \"" + record->name + "\" (" + spec_text(m.spec) + ", trained, step " +
              std::to_string(stored->step) + ")";
    return m;
  }
  if (source.config) {
    m.config = *source.config;
    origin = m.config.name.empty() ? std::string("config") : m.config.name;
  } else {
    m.config = load_run_config(source.preset);
    origin = fs::path(source.preset).stem().string();
  }
  if (!device.empty()) {
    m.config.device = device;
    validate_run_config(m.config, "--device");
  }
  m.data = load_dataset(m.config.dataset, m.config.seed, origin);
  m.spec = mlp_spec_for(m.config, m.data.train);
  m.label = origin + " (" + spec_text(m.spec) + ", fresh from seed " +
            std::to_string(m.config.seed) + ")";
  return m;
}

}  // namespace batchlab
