// defines: make_synthetic and one generator per kind.
// Every generator assigns class i % K to row i, so the classes are balanced exactly (to within
// one row) and any prefix of the rows (train_limit) stays balanced too. All randomness comes from
// our Rng, so a seed gives the same set on every platform.
#include "engine/data/synthetic.h"

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "engine/core/errors.h"
#include "engine/core/rng.h"

namespace batchlab {
namespace {

constexpr double kPi = std::numbers::pi;

std::vector<std::string> numbered(const std::string& prefix, std::int64_t n) {
  std::vector<std::string> names;
  // Appended rather than prefix + to_string(k): GCC 12 reports a false -Wrestrict on the latter.
  for (std::int64_t k = 0; k < n; ++k) names.emplace_back(prefix).append(std::to_string(k));
  return names;
}

// A fresh dataset of the right shape; the generator fills x and labels or targets.
Dataset shaped(std::string_view kind, Task task, std::int64_t rows, std::int64_t features,
               std::int64_t outputs) {
  Dataset d;
  d.name = std::string(kind);
  d.task = task;
  d.rows = rows;
  d.features = features;
  d.outputs = outputs;
  d.x.resize(static_cast<std::size_t>(rows * features));
  if (task == Task::classification) {
    d.labels.resize(static_cast<std::size_t>(rows));
    for (std::int64_t i = 0; i < rows; ++i)
      d.labels[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(i % outputs);
  } else {
    d.targets.resize(static_cast<std::size_t>(rows * outputs));
  }
  d.feature_names = numbered("x", features);
  return d;
}

void set_point(Dataset& d, std::int64_t i, double a, double b) {
  d.x[static_cast<std::size_t>(2 * i)] = static_cast<float>(a);
  d.x[static_cast<std::size_t>(2 * i + 1)] = static_cast<float>(b);
}

std::int32_t label(const Dataset& d, std::int64_t i) {
  return d.labels[static_cast<std::size_t>(i)];
}

// K Gaussian clusters; centres uniform in [-1, 1]^D, so `noise` is the cluster spread in the
// same units (0.1: well apart, 0.5: overlapping).
Dataset blobs(const SyntheticParams& p, Rng& rng) {
  Dataset d = shaped("blobs", Task::classification, p.samples, p.features, p.classes);
  std::vector<double> centres(static_cast<std::size_t>(p.classes * p.features));
  for (double& c : centres) c = rng.uniform(-1.0, 1.0);
  for (std::int64_t i = 0; i < d.rows; ++i) {
    const double* c = centres.data() + label(d, i) * p.features;
    float* row = d.x.data() + i * p.features;
    for (int f = 0; f < p.features; ++f) row[f] = static_cast<float>(c[f] + rng.normal(0, p.noise));
  }
  d.class_names = numbered("blob ", p.classes);
  return d;
}

// Two interleaved half circles (scikit-learn's make_moons), centred on the origin.
Dataset moons(const SyntheticParams& p, Rng& rng) {
  Dataset d = shaped("moons", Task::classification, p.samples, 2, 2);
  for (std::int64_t i = 0; i < d.rows; ++i) {
    const double t = rng.uniform(0.0, kPi);
    const bool upper = label(d, i) == 0;
    const double a = upper ? std::cos(t) : 1.0 - std::cos(t);
    const double b = upper ? std::sin(t) : 0.5 - std::sin(t);
    set_point(d, i, a - 0.5 + rng.normal(0, p.noise), b - 0.25 + rng.normal(0, p.noise));
  }
  d.class_names = {"upper moon", "lower moon"};
  return d;
}

// Two concentric circles, radius 1 (class 0) and 0.5 (class 1).
Dataset circles(const SyntheticParams& p, Rng& rng) {
  Dataset d = shaped("circles", Task::classification, p.samples, 2, 2);
  for (std::int64_t i = 0; i < d.rows; ++i) {
    const double t = rng.uniform(0.0, 2.0 * kPi);
    const double r = label(d, i) == 0 ? 1.0 : 0.5;
    set_point(d, i, r * std::cos(t) + rng.normal(0, p.noise),
              r * std::sin(t) + rng.normal(0, p.noise));
  }
  d.class_names = {"outer circle", "inner circle"};
  return d;
}

// K arms winding out from the centre to radius 1 over 2.5/K turns, so neighbouring arms stay
// 0.4 apart radially whatever K is; at noise 0.1 a 2-64-64-K MLP learns them to ~95%.
// r = sqrt(u) spreads points evenly along an arm instead of crowding the ambiguous centre.
Dataset spirals(const SyntheticParams& p, Rng& rng) {
  Dataset d = shaped("spirals", Task::classification, p.samples, 2, p.classes);
  const double turns = 2.5 / p.classes;
  for (std::int64_t i = 0; i < d.rows; ++i) {
    const double r = std::sqrt(rng.uniform());
    const double theta = 2.0 * kPi * (static_cast<double>(label(d, i)) / p.classes + turns * r);
    set_point(d, i, r * std::cos(theta) + rng.normal(0, p.noise),
              r * std::sin(theta) + rng.normal(0, p.noise));
  }
  d.class_names = numbered("arm ", p.classes);
  return d;
}

// Uniform in [-1, 1]²; class 1 where the coordinates' signs differ. The quadrant is chosen from
// the class so the classes stay balanced; noise is then added, blurring the axes.
Dataset xor_set(const SyntheticParams& p, Rng& rng) {
  Dataset d = shaped("xor", Task::classification, p.samples, 2, 2);
  for (std::int64_t i = 0; i < d.rows; ++i) {
    const double a = rng.uniform(-1.0, 1.0);
    double b = rng.uniform(0.0, 1.0);
    if ((a < 0) != (label(d, i) == 1)) b = -b;
    set_point(d, i, a + rng.normal(0, p.noise), b + rng.normal(0, p.noise));
  }
  d.class_names = {"same sign", "opposite sign"};
  return d;
}

// A 4 × 4 board of unit squares on [-2, 2]²; a point's class is its square's colour.
Dataset checkerboard(const SyntheticParams& p, Rng& rng) {
  constexpr int kSide = 4;
  Dataset d = shaped("checkerboard", Task::classification, p.samples, 2, 2);
  for (std::int64_t i = 0; i < d.rows; ++i) {
    // Pick one of the 8 squares of this colour: a row, then the column of the right parity.
    const auto r = static_cast<int>(rng.below(kSide));
    const int c = 2 * static_cast<int>(rng.below(kSide / 2)) + ((r + label(d, i)) % 2);
    set_point(d, i, c - kSide / 2 + rng.uniform() + rng.normal(0, p.noise),
              r - kSide / 2 + rng.uniform() + rng.normal(0, p.noise));
  }
  d.class_names = {"dark", "light"};
  return d;
}

// y = w·x + ε, x ~ N(0, I), w ~ N(0, I) drawn first from the seed, ε ~ N(0, noise²).
Dataset linear(const SyntheticParams& p, Rng& rng) {
  Dataset d = shaped("linear", Task::regression, p.samples, p.features, 1);
  std::vector<double> w(static_cast<std::size_t>(p.features));
  for (double& v : w) v = rng.normal();
  for (std::int64_t i = 0; i < d.rows; ++i) {
    float* row = d.x.data() + i * p.features;
    double y = 0.0;
    for (int f = 0; f < p.features; ++f) {
      row[f] = static_cast<float>(rng.normal());
      y += w[static_cast<std::size_t>(f)] * row[f];
    }
    d.targets[static_cast<std::size_t>(i)] = static_cast<float>(y + rng.normal(0, p.noise));
  }
  return d;
}

// y = sin(3x) + ε with x uniform in [-2, 2]: about two periods for the model to fit.
Dataset sine(const SyntheticParams& p, Rng& rng) {
  Dataset d = shaped("sine", Task::regression, p.samples, 1, 1);
  for (std::int64_t i = 0; i < d.rows; ++i) {
    const double x = rng.uniform(-2.0, 2.0);
    d.x[static_cast<std::size_t>(i)] = static_cast<float>(x);
    d.targets[static_cast<std::size_t>(i)] =
        static_cast<float>(std::sin(3.0 * x) + rng.normal(0, p.noise));
  }
  return d;
}

// Mixes the kind into the seed so that, say, moons and circles with seed 1 do not share draws.
std::uint64_t stream_seed(std::string_view kind, std::uint64_t seed) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (const char ch : kind) h = (h ^ static_cast<unsigned char>(ch)) * 0x100000001b3ULL;
  return seed ^ h;
}

}  // namespace

void check_synthetic_params(std::string_view kind, const SyntheticParams& params,
                            const std::string& source) {
  const auto check = [&](bool ok, const char* field, const char* reason) {
    if (!ok) throw ConfigError(source, field, reason);
  };
  if (!is_synthetic_dataset(kind)) {
    std::string accepted;
    for (const auto k : synthetic_dataset_kinds())
      accepted += (accepted.empty() ? "" : ", ") + std::string(k);
    throw ConfigError(source, "dataset.kind",
                      "unknown synthetic set '" + std::string(kind) + "'; accepted: " + accepted);
  }
  check(params.samples > 0, "dataset.samples", "must be at least 1");
  check(params.noise >= 0.0 && std::isfinite(params.noise), "dataset.noise",
        "must be a finite number >= 0");
  // Only blobs and spirals read `classes`, only blobs and linear read `features`.
  if (kind == "blobs" || kind == "spirals")
    check(params.classes >= 2 && params.classes <= params.samples, "dataset.classes",
          "must be between 2 and the number of samples");
  if (kind == "blobs" || kind == "linear")
    check(params.features >= 1, "dataset.features", "must be at least 1");
}

Dataset make_synthetic(std::string_view kind, const SyntheticParams& params, std::uint64_t seed) {
  check_synthetic_params(kind, params, "synthetic " + std::string(kind));
  Rng rng(stream_seed(kind, seed));
  if (kind == "blobs") return blobs(params, rng);
  if (kind == "moons") return moons(params, rng);
  if (kind == "circles") return circles(params, rng);
  if (kind == "spirals") return spirals(params, rng);
  if (kind == "xor") return xor_set(params, rng);
  if (kind == "checkerboard") return checkerboard(params, rng);
  if (kind == "linear") return linear(params, rng);
  if (kind == "sine") return sine(params, rng);
  // Reached only if synthetic_dataset_kinds() names a set this file has no generator for.
  throw Error("synthetic " + std::string(kind) + ": no generator for this set");
}

}  // namespace batchlab
