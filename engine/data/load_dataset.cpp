// defines: load_dataset — read or generate, split, limit, standardise (in that order).
#include "engine/data/load_dataset.h"

#include <algorithm>

#include <cmath>
#include <filesystem>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/errors.h"
#include "engine/core/rng.h"
#include "engine/data/csv_loader.h"
#include "engine/data/dataset_ops.h"
#include "engine/data/idx_loader.h"
#include "engine/data/synthetic.h"

namespace batchlab {
namespace {

const std::vector<std::string> kFashionMnistClasses = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

struct Loaded {
  Dataset all;                  // the training file, or the whole set
  std::optional<Dataset> test;  // the dataset's own test split, when it has one
};

std::string accepted_kinds() {
  std::string out = "fashion-mnist, mnist, idx, csv";
  for (const auto k : synthetic_dataset_kinds()) out += ", " + std::string(k);
  return out;
}

const std::string& require_path(const DatasetConfig& c, const std::string& source,
                                const std::string& what) {
  if (c.path.empty())
    throw ConfigError(source, "dataset.path", "the " + c.kind + " dataset needs " + what);
  return c.path;
}

Loaded load_fashion_mnist(const DatasetConfig& c) {
  const std::string dir = c.path.empty() ? kFashionMnistDir : c.path;
  // Checked here, not only in load_idx_folder, so the message can say how to get the files.
  for (const char* stem : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    const auto base = std::filesystem::path(dir) / stem;
    if (!std::filesystem::exists(base) && !std::filesystem::exists(base.string() + ".gz"))
      throw DataError(base.string() +
                      ".gz: not found; install Debian's dataset-fashion-mnist or set dataset.path");
  }
  IdxFolder folder = load_idx_folder(dir);
  for (Dataset* d : {&folder.train, &folder.test}) {
    d->name = "fashion-mnist";
    if (d->outputs == static_cast<std::int64_t>(kFashionMnistClasses.size()))
      d->class_names = kFashionMnistClasses;
  }
  return {std::move(folder.train), std::move(folder.test)};
}

Loaded load_source(const DatasetConfig& c, std::uint64_t seed, const std::string& source) {
  if (is_synthetic_dataset(c.kind)) {
    const SyntheticParams params{c.samples, c.noise, c.classes, c.features};
    check_synthetic_params(c.kind, params, source);
    return {make_synthetic(c.kind, params, seed), std::nullopt};
  }
  if (c.kind == "fashion-mnist") return load_fashion_mnist(c);
  if (c.kind == "mnist" || c.kind == "idx") {
    IdxFolder folder = load_idx_folder(
        require_path(c, source,
                     "a folder holding train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
                     "t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]"));
    if (c.kind == "mnist") folder.train.name = folder.test.name = "mnist";
    return {std::move(folder.train), std::move(folder.test)};
  }
  if (c.kind == "csv")
    return {load_csv(require_path(c, source, "a CSV file"), c.target, c.task), std::nullopt};
  throw ConfigError(source, "dataset.kind",
                    "unknown dataset '" + c.kind + "'; accepted: " + accepted_kinds());
}

}  // namespace

namespace {

std::int64_t validation_rows(const DatasetConfig& config, std::int64_t rows) {
  return static_cast<std::int64_t>(
      std::llround(config.validation_fraction * static_cast<double>(rows)));
}

}  // namespace

SplitRows split_rows(const DatasetConfig& config, std::int64_t rows) {
  SplitRows out;
  out.val = std::min(rows, validation_rows(config, rows));
  out.train = rows - out.val;
  if (config.train_limit > 0) out.train = std::min(out.train, config.train_limit);
  return out;
}

DatasetSplit load_dataset(const DatasetConfig& config, std::uint64_t seed,
                          const std::string& source) {
  // Range checks first: a bad fraction should not cost a 47 MB read.
  if (!config.validation_test_split &&
      !(config.validation_fraction >= 0.0 && config.validation_fraction < 1.0))
    throw ConfigError(source, "dataset.validation",
                      "the validation fraction must be in [0, 1), got " +
                          std::to_string(config.validation_fraction));
  if (config.train_limit < 0)
    throw ConfigError(source, "dataset.train_limit", "must be >= 0 (0: every training row)");

  Loaded loaded = load_source(config, seed, source);
  if (loaded.all.rows == 0)
    throw DataError((config.path.empty() ? config.kind : config.path) +
                    ": the dataset has no rows");
  DatasetSplit split;
  if (config.validation_test_split) {
    if (!loaded.test)
      throw ConfigError(
          source, "dataset.validation",
          "the " + config.kind + " dataset has no test split; use a validation fraction instead");
    split.train = std::move(loaded.all);
    split.val = std::move(*loaded.test);
  } else {
    const std::int64_t n = loaded.all.rows;
    const std::int64_t n_val = validation_rows(config, n);
    if (n - n_val < 1)
      throw ConfigError(source, "dataset.validation",
                        "a validation fraction of " + std::to_string(config.validation_fraction) +
                            " leaves no training rows out of " + std::to_string(n));
    std::vector<std::int64_t> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), std::int64_t{0});
    // Its own stream, so the split does not move when a generator draws more or fewer numbers.
    Rng rng(seed ^ 0x73706c6974ULL);
    shuffle(std::span<std::int64_t>(order), rng);
    const auto cut = order.begin() + n_val;
    split.val = take_rows(loaded.all, std::span<const std::int64_t>(order.begin(), cut));
    split.train = take_rows(loaded.all, std::span<const std::int64_t>(cut, order.end()));
  }
  if (config.train_limit > 0) keep_first_rows(split.train, config.train_limit);

  if (config.standardize) {
    fit_standardization(split.train, split.feature_mean, split.feature_std);
    apply_standardization(split.train, split.feature_mean, split.feature_std);
    apply_standardization(split.val, split.feature_mean, split.feature_std);
  }
  return split;
}

}  // namespace batchlab
