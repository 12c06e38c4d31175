// defines: small in-memory datasets and helpers shared by the backend test suites
#pragma once

#include <cstdint>
#include <numeric>
#include <vector>

#include "engine/core/rng.h"
#include "engine/data/dataset.h"
#include "engine/model/mlp_spec.h"

namespace batchlab::testdata {

// Features N(0, scale²); labels uniform in [0, classes).
inline Dataset random_classification(std::int64_t rows, std::int64_t features, int classes,
                                     std::uint64_t seed, double scale = 1.0) {
  Dataset d;
  d.name = "random-classification";
  d.task = Task::classification;
  d.rows = rows;
  d.features = features;
  d.outputs = classes;
  Rng rng(seed);
  d.x.resize(static_cast<std::size_t>(rows * features));
  for (auto& v : d.x) v = static_cast<float>(rng.normal(0.0, scale));
  d.labels.resize(static_cast<std::size_t>(rows));
  for (auto& l : d.labels)
    l = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(classes)));
  return d;
}

// Features N(0, 1); targets N(0, 1), unrelated to the features.
inline Dataset random_regression(std::int64_t rows, std::int64_t features, std::int64_t outputs,
                                 std::uint64_t seed) {
  Dataset d;
  d.name = "random-regression";
  d.task = Task::regression;
  d.rows = rows;
  d.features = features;
  d.outputs = outputs;
  Rng rng(seed);
  d.x.resize(static_cast<std::size_t>(rows * features));
  for (auto& v : d.x) v = static_cast<float>(rng.normal());
  d.targets.resize(static_cast<std::size_t>(rows * outputs));
  for (auto& v : d.targets) v = static_cast<float>(rng.normal());
  return d;
}

// Two well separated Gaussian blobs in 2-D: class 0 around (−2, −2), class 1 around (2, 2).
inline Dataset two_blobs(std::int64_t rows, std::uint64_t seed) {
  Dataset d;
  d.name = "two-blobs";
  d.task = Task::classification;
  d.rows = rows;
  d.features = 2;
  d.outputs = 2;
  Rng rng(seed);
  for (std::int64_t i = 0; i < rows; ++i) {
    const int label = static_cast<int>(i % 2);
    const double centre = label == 0 ? -2.0 : 2.0;
    d.x.push_back(static_cast<float>(rng.normal(centre, 0.5)));
    d.x.push_back(static_cast<float>(rng.normal(centre, 0.5)));
    d.labels.push_back(label);
  }
  return d;
}

inline std::vector<std::int64_t> all_rows(const Dataset& d) {
  std::vector<std::int64_t> rows(static_cast<std::size_t>(d.rows));
  std::iota(rows.begin(), rows.end(), 0);
  return rows;
}

inline MlpSpec spec_for(const Dataset& d, std::vector<std::int64_t> hidden,
                        Activation activation = Activation::relu, Init init = Init::he) {
  MlpSpec s;
  s.inputs = d.features;
  s.hidden = std::move(hidden);
  s.outputs = d.outputs;
  s.activation = activation;
  s.init = init;
  s.task = d.task;
  return s;
}

}  // namespace batchlab::testdata
