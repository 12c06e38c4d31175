// Synthetic generators, validation splits, train_limit, standardisation and the real
// Fashion-MNIST files, as load_dataset hands them to the trainer.
#include <zlib.h>

#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "engine/core/errors.h"
#include "engine/core/stopwatch.h"
#include "engine/data/load_dataset.h"
#include "engine/data/synthetic.h"

using namespace batchlab;

namespace {

std::vector<std::int64_t> class_counts(const Dataset& d) {
  std::vector<std::int64_t> counts(static_cast<std::size_t>(d.outputs), 0);
  for (const auto l : d.labels) ++counts.at(static_cast<std::size_t>(l));
  return counts;
}

// Accuracy of a 15-nearest-neighbour vote on the last `test` rows, the others being the
// references: close to the best any classifier can do, so it shows the classes form learnable
// regions (and how much the noise costs), not label noise.
double knn_accuracy(const Dataset& d, std::int64_t test) {
  constexpr std::size_t kK = 15;
  const std::int64_t ref = d.rows - test;
  std::int64_t correct = 0;
  std::vector<std::pair<double, std::int32_t>> near;
  for (std::int64_t i = ref; i < d.rows; ++i) {
    near.clear();
    for (std::int64_t j = 0; j < ref; ++j) {
      double dist = 0;
      for (std::int64_t f = 0; f < d.features; ++f) {
        const double diff = d.row(i)[f] - d.row(j)[f];
        dist += diff * diff;
      }
      near.emplace_back(dist, d.labels[static_cast<std::size_t>(j)]);
    }
    std::partial_sort(near.begin(), near.begin() + kK, near.end());
    std::vector<int> votes(static_cast<std::size_t>(d.outputs), 0);
    for (std::size_t k = 0; k < kK; ++k) ++votes[static_cast<std::size_t>(near[k].second)];
    correct += std::max_element(votes.begin(), votes.end()) - votes.begin() ==
               d.labels[static_cast<std::size_t>(i)];
  }
  return static_cast<double>(correct) / static_cast<double>(test);
}

// Residual standard deviation of the least-squares fit y ≈ w·x (normal equations, Gaussian
// elimination): for `linear` it should match the noise asked for.
double least_squares_residual_std(const Dataset& d) {
  const auto n = static_cast<std::size_t>(d.features);
  std::vector<double> a(n * (n + 1), 0.0);  // [XᵀX | Xᵀy]
  for (std::int64_t i = 0; i < d.rows; ++i) {
    const float* x = d.row(i);
    const double y = d.targets[static_cast<std::size_t>(i)];
    for (std::size_t r = 0; r < n; ++r) {
      for (std::size_t c = 0; c < n; ++c) a[r * (n + 1) + c] += double{x[r]} * x[c];
      a[r * (n + 1) + n] += double{x[r]} * y;
    }
  }
  for (std::size_t p = 0; p < n; ++p)
    for (std::size_t r = 0; r < n; ++r) {
      if (r == p) continue;
      const double k = a[r * (n + 1) + p] / a[p * (n + 1) + p];
      for (std::size_t c = 0; c <= n; ++c) a[r * (n + 1) + c] -= k * a[p * (n + 1) + c];
    }
  double sq = 0;
  for (std::int64_t i = 0; i < d.rows; ++i) {
    double pred = 0;
    for (std::size_t f = 0; f < n; ++f)
      pred += a[f * (n + 1) + n] / a[f * (n + 1) + f] * d.row(i)[f];
    const double e = d.targets[static_cast<std::size_t>(i)] - pred;
    sq += e * e;
  }
  return std::sqrt(sq / static_cast<double>(d.rows));
}

std::vector<double> column_means(const Dataset& d) {
  std::vector<double> m(static_cast<std::size_t>(d.features), 0.0);
  for (std::int64_t i = 0; i < d.rows; ++i)
    for (std::int64_t f = 0; f < d.features; ++f) m[static_cast<std::size_t>(f)] += d.row(i)[f];
  for (double& v : m) v /= static_cast<double>(d.rows);
  return m;
}

std::vector<double> column_stds(const Dataset& d) {
  const auto m = column_means(d);
  std::vector<double> s(m.size(), 0.0);
  for (std::int64_t i = 0; i < d.rows; ++i)
    for (std::size_t f = 0; f < m.size(); ++f) {
      const double dev = d.row(static_cast<std::int64_t>(i))[f] - m[f];
      s[f] += dev * dev;
    }
  for (double& v : s) v = std::sqrt(v / static_cast<double>(d.rows));
  return s;
}

// Rows as (features..., label) tuples, sorted: two splits hold the same rows iff these match.
std::vector<std::vector<float>> sorted_rows(const std::vector<const Dataset*>& parts) {
  std::vector<std::vector<float>> rows;
  for (const Dataset* d : parts)
    for (std::int64_t i = 0; i < d->rows; ++i) {
      std::vector<float> r(d->row(i), d->row(i) + d->features);
      r.push_back(static_cast<float>(d->labels[static_cast<std::size_t>(i)]));
      rows.push_back(std::move(r));
    }
  std::sort(rows.begin(), rows.end());
  return rows;
}

DatasetConfig spirals_config(std::int64_t samples = 1000) {
  DatasetConfig c;
  c.kind = "spirals";
  c.samples = samples;
  c.standardize = false;
  return c;
}

template <typename F>
void expect_config_error(F f, const std::string& field, const std::vector<std::string>& parts) {
  try {
    f();
    QFAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    QCOMPARE(e.field(), field);
    const std::string msg = e.what();
    for (const auto& part : parts)
      QVERIFY2(msg.find(part) != std::string::npos,
               qPrintable(QString("'%1' lacks '%2'").arg(msg.c_str(), part.c_str())));
  }
}

void write_idx_gz(const std::string& path, std::uint32_t magic,
                  const std::vector<std::uint32_t>& dims,
                  const std::vector<unsigned char>& payload) {
  std::vector<unsigned char> b;
  const auto put = [&](std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>(v >> s));
  };
  put(magic);
  for (const auto dim : dims) put(dim);
  b.insert(b.end(), payload.begin(), payload.end());
  gzFile f = gzopen(path.c_str(), "wb");
  QVERIFY(f != nullptr);
  gzwrite(f, b.data(), static_cast<unsigned>(b.size()));
  gzclose(f);
}

}  // namespace

class TestDatasets : public QObject {
  Q_OBJECT

 private slots:
  void synthetic_shapes_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("classes");
    QTest::addColumn<int>("features");
    QTest::addColumn<int>("expected_features");
    QTest::addColumn<int>("expected_outputs");
    QTest::addColumn<bool>("classification");
    QTest::newRow("blobs 4 classes in 5-D") << "blobs" << 4 << 5 << 5 << 4 << true;
    QTest::newRow("moons") << "moons" << 7 << 9 << 2 << 2 << true;
    QTest::newRow("circles") << "circles" << 7 << 9 << 2 << 2 << true;
    QTest::newRow("spirals 3 arms") << "spirals" << 3 << 9 << 2 << 3 << true;
    QTest::newRow("xor") << "xor" << 7 << 9 << 2 << 2 << true;
    QTest::newRow("checkerboard") << "checkerboard" << 7 << 9 << 2 << 2 << true;
    QTest::newRow("linear 6-D") << "linear" << 7 << 6 << 6 << 1 << false;
    QTest::newRow("sine") << "sine" << 7 << 9 << 1 << 1 << false;
  }

  void synthetic_shapes() {
    QFETCH(QString, kind);
    QFETCH(int, classes);
    QFETCH(int, features);
    QFETCH(int, expected_features);
    QFETCH(int, expected_outputs);
    QFETCH(bool, classification);
    const SyntheticParams p{601, 0.1, classes, features};
    const Dataset d = make_synthetic(kind.toStdString(), p, 7);
    QCOMPARE(d.name, kind.toStdString());
    QCOMPARE(d.rows, std::int64_t{601});
    QCOMPARE(d.features, std::int64_t{expected_features});
    QCOMPARE(d.outputs, std::int64_t{expected_outputs});
    QCOMPARE(d.x.size(), std::size_t(601 * expected_features));
    QCOMPARE(d.feature_names.size(), std::size_t(expected_features));
    QCOMPARE(d.task, classification ? Task::classification : Task::regression);
    for (const float v : d.x) QVERIFY(std::isfinite(v) && std::abs(v) < 10);
    if (classification) {
      QCOMPARE(d.labels.size(), std::size_t{601});
      QCOMPARE(d.class_names.size(), std::size_t(expected_outputs));
      QVERIFY(d.targets.empty());
      // 601 rows over K classes: every class gets floor or ceil of 601 / K.
      for (const auto count : class_counts(d)) {
        QVERIFY(count >= 601 / expected_outputs);
        QVERIFY(count <= 601 / expected_outputs + 1);
      }
    } else {
      QCOMPARE(d.targets.size(), std::size_t{601});
      QVERIFY(d.labels.empty());
    }
  }

  void synthetic_deterministic_per_seed_data() {
    QTest::addColumn<QString>("kind");
    for (const auto kind : synthetic_dataset_kinds())
      QTest::newRow(std::string(kind).c_str()) << QString::fromUtf8(kind.data(), kind.size());
  }

  void synthetic_deterministic_per_seed() {
    QFETCH(QString, kind);
    const SyntheticParams p{500, 0.1, 3, 4};
    const Dataset a = make_synthetic(kind.toStdString(), p, 42);
    const Dataset b = make_synthetic(kind.toStdString(), p, 42);
    const Dataset c = make_synthetic(kind.toStdString(), p, 43);
    QVERIFY(a.x == b.x);
    QVERIFY(a.labels == b.labels);
    QVERIFY(a.targets == b.targets);
    QVERIFY(a.x != c.x);
    if (a.task == Task::regression) QVERIFY(a.targets != c.targets);
  }

  void synthetic_classes_are_separable_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("classes");
    QTest::addColumn<double>("min_accuracy");
    QTest::addColumn<double>("max_accuracy");
    // Noise 0.1 is jitter in data units added after the class is fixed: it barely touches blobs,
    // moons and circles, and costs the sets with long boundaries (xor's axes, the board's
    // square edges, the spiral arms) a few percent that no model can win back.
    QTest::newRow("blobs") << "blobs" << 2 << 0.99 << 1.0;
    QTest::newRow("moons") << "moons" << 2 << 0.99 << 1.0;
    QTest::newRow("circles") << "circles" << 2 << 0.98 << 1.0;
    QTest::newRow("spirals") << "spirals" << 2 << 0.93 << 0.99;
    QTest::newRow("spirals 4 arms") << "spirals" << 4 << 0.88 << 0.99;
    QTest::newRow("xor") << "xor" << 2 << 0.88 << 0.97;
    QTest::newRow("checkerboard") << "checkerboard" << 2 << 0.8 << 0.92;
  }

  // At noise 0.1 the classes occupy distinct regions that a small model can learn.
  void synthetic_classes_are_separable() {
    QFETCH(QString, kind);
    QFETCH(int, classes);
    QFETCH(double, min_accuracy);
    QFETCH(double, max_accuracy);
    const Dataset d = make_synthetic(kind.toStdString(), {2500, 0.1, classes, 2}, 3);
    const double acc = knn_accuracy(d, 500);
    qInfo("15-NN accuracy %.3f", acc);
    QVERIFY2(acc >= min_accuracy && acc <= max_accuracy,
             qPrintable(QString("15-NN accuracy %1").arg(acc)));
  }

  void synthetic_noise_blurs_the_classes() {
    const double clean = knn_accuracy(make_synthetic("spirals", {2500, 0.0, 2, 2}, 3), 500);
    const double noisy = knn_accuracy(make_synthetic("spirals", {2500, 0.4, 2, 2}, 3), 500);
    QVERIFY2(clean > 0.97, qPrintable(QString::number(clean)));
    QVERIFY2(noisy < clean - 0.1, qPrintable(QString("%1 vs %2").arg(noisy).arg(clean)));
  }

  void circles_have_radius_one_and_one_half() {
    const Dataset d = make_synthetic("circles", {400, 0.0, 2, 2}, 5);
    for (std::int64_t i = 0; i < d.rows; ++i) {
      const double r = std::hypot(d.row(i)[0], d.row(i)[1]);
      QCOMPARE_LE(std::abs(r - (d.labels[static_cast<std::size_t>(i)] == 0 ? 1.0 : 0.5)), 1e-6);
    }
  }

  void linear_noise_level_as_asked() {
    for (const double noise : {0.0, 0.5}) {
      const Dataset d = make_synthetic("linear", {20000, noise, 2, 3}, 11);
      const double residual = least_squares_residual_std(d);
      QVERIFY2(std::abs(residual - noise) < 0.02,
               qPrintable(QString("noise %1, residual std %2").arg(noise).arg(residual)));
    }
    // The weights are not trivially small: the signal dominates the 0.5 noise.
    const Dataset d = make_synthetic("linear", {20000, 0.5, 2, 3}, 11);
    double sq = 0;
    for (const float y : d.targets) sq += double{y} * y;
    QVERIFY(std::sqrt(sq / 20000.0) > 0.7);
  }

  void sine_follows_sin_3x() {
    const Dataset d = make_synthetic("sine", {20000, 0.2, 2, 2}, 4);
    double sq = 0;
    for (std::int64_t i = 0; i < d.rows; ++i) {
      const double e = d.targets[static_cast<std::size_t>(i)] - std::sin(3.0 * d.row(i)[0]);
      sq += e * e;
    }
    QVERIFY(std::abs(std::sqrt(sq / 20000.0) - 0.2) < 0.01);
  }

  void synthetic_bad_params() {
    expect_config_error(
        [] {
          make_synthetic("spirals", {0, 0.1, 2, 2}, 1);
        },
        "dataset.samples", {});
    expect_config_error([] { make_synthetic("moons", {10, -1, 2, 2}, 1); }, "dataset.noise", {});
    expect_config_error([] { make_synthetic("blobs", {10, 0.1, 1, 2}, 1); }, "dataset.classes", {});
    expect_config_error(
        [] {
          make_synthetic("linear", {10, 0.1, 2, 0}, 1);
        },
        "dataset.features", {});
    expect_config_error(
        [] {
          make_synthetic("swirls", {10, 0.1, 2, 2}, 1);
        },
        "dataset.kind", {"swirls", "spirals"});
    // moons ignores `classes`, so an odd value there is not an error.
    QCOMPARE(make_synthetic("moons", {10, 0.1, 1, 0}, 1).outputs, std::int64_t{2});
  }

  // --- load_dataset ---

  void fraction_split_partitions_the_rows() {
    DatasetConfig c = spirals_config();
    c.validation_fraction = 0.2;
    const DatasetSplit s = load_dataset(c, 9);
    QCOMPARE(s.train.rows, std::int64_t{800});
    QCOMPARE(s.val.rows, std::int64_t{200});
    QCOMPARE(s.train.labels.size(), std::size_t{800});
    QCOMPARE(s.val.x.size(), std::size_t{400});
    QCOMPARE(s.val.class_names, s.train.class_names);
    QVERIFY(s.feature_mean.empty());
    const Dataset all = make_synthetic("spirals", {1000, 0.1, 2, 2}, 9);
    QVERIFY(sorted_rows({&s.train, &s.val}) == sorted_rows({&all}));
    // Shuffled, not the first 800 rows in order.
    QVERIFY(!std::equal(s.train.x.begin(), s.train.x.end(), all.x.begin()));

    const DatasetSplit again = load_dataset(c, 9);
    QVERIFY(again.train.x == s.train.x);
    const DatasetSplit other = load_dataset(c, 10);
    QVERIFY(other.train.x != s.train.x);
  }

  void fraction_zero_gives_empty_validation() {
    DatasetConfig c = spirals_config();
    c.validation_fraction = 0.0;
    const DatasetSplit s = load_dataset(c, 1);
    QCOMPARE(s.train.rows, std::int64_t{1000});
    QCOMPARE(s.val.rows, std::int64_t{0});
    QVERIFY(s.val.x.empty());
    QCOMPARE(s.val.outputs, std::int64_t{2});
  }

  void fraction_out_of_range() {
    for (const double f : {1.0, -0.1, 1.5, std::nan("")}) {
      DatasetConfig c = spirals_config();
      c.validation_fraction = f;
      expect_config_error([&] { load_dataset(c, 1, "exp.json"); }, "dataset.validation",
                          {"exp.json: dataset.validation: "});
    }
    DatasetConfig tiny = spirals_config(2);
    tiny.validation_fraction = 0.9;  // rounds to 2 of 2 rows: nothing left to train on
    expect_config_error([&] { load_dataset(tiny, 1); }, "dataset.validation", {"no training rows"});
  }

  void train_limit_keeps_first_shuffled_rows() {
    DatasetConfig c = spirals_config();
    const DatasetSplit full = load_dataset(c, 3);
    c.train_limit = 100;
    const DatasetSplit limited = load_dataset(c, 3);
    QCOMPARE(limited.train.rows, std::int64_t{100});
    QCOMPARE(limited.train.x.size(), std::size_t{200});
    QVERIFY(std::equal(limited.train.x.begin(), limited.train.x.end(), full.train.x.begin()));
    QVERIFY(std::equal(limited.train.labels.begin(), limited.train.labels.end(),
                       full.train.labels.begin()));
    QVERIFY(limited.val.x == full.val.x);  // the validation set does not shrink
    c.train_limit = 5000;                  // more than there is: everything
    QCOMPARE(load_dataset(c, 3).train.rows, std::int64_t{800});
    c.train_limit = -1;
    expect_config_error([&] { load_dataset(c, 3); }, "dataset.train_limit", {});
  }

  void standardisation_uses_training_statistics_only() {
    DatasetConfig c;
    c.kind = "blobs";
    c.samples = 1000;
    c.features = 3;
    c.classes = 3;
    c.validation_fraction = 0.3;
    c.standardize = false;
    const DatasetSplit raw = load_dataset(c, 21);
    c.standardize = true;
    const DatasetSplit s = load_dataset(c, 21);

    const auto train_mean = column_means(raw.train);
    const auto train_std = column_stds(raw.train);
    QCOMPARE(s.feature_mean.size(), std::size_t{3});
    for (std::size_t f = 0; f < 3; ++f) {
      QCOMPARE_LE(std::abs(s.feature_mean[f] - train_mean[f]), 1e-5);
      QCOMPARE_LE(std::abs(s.feature_std[f] - train_std[f]), 1e-5);
    }
    const auto mean_after = column_means(s.train);
    const auto std_after = column_stds(s.train);
    const auto val_mean = column_means(s.val);
    double largest_val_mean = 0;
    for (std::size_t f = 0; f < 3; ++f) {
      QCOMPARE_LE(std::abs(mean_after[f]), 1e-5);
      QCOMPARE_LE(std::abs(std_after[f] - 1.0), 1e-4);
      largest_val_mean = std::max(largest_val_mean, std::abs(val_mean[f]));
    }
    // Had the validation rows been standardised by their own statistics, this would be ~0.
    QVERIFY2(largest_val_mean > 1e-3, qPrintable(QString::number(largest_val_mean)));
    for (std::int64_t i = 0; i < s.val.rows; ++i)
      for (std::size_t f = 0; f < 3; ++f)
        QCOMPARE_LE(std::abs(s.val.row(i)[f] - (raw.val.row(i)[f] - train_mean[f]) / train_std[f]),
                    1e-4);
  }

  void constant_feature_standardises_to_zero() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("const.csv").toStdString();
    std::ofstream(path) << "a,flat,y\n1,5,0\n2,5,1\n3,5,0\n4,5,1\n";
    DatasetConfig c;
    c.kind = "csv";
    c.path = path;
    c.validation_fraction = 0.25;
    const DatasetSplit s = load_dataset(c, 2);
    QCOMPARE(s.train.rows, std::int64_t{3});
    QCOMPARE(s.feature_std[1], 1.0f);
    for (std::int64_t i = 0; i < s.train.rows; ++i) QCOMPARE(s.train.row(i)[1], 0.0f);
    QCOMPARE(s.val.row(0)[1], 0.0f);
    QCOMPARE(s.train.name, std::string("const"));
  }

  void test_split_needs_a_dataset_that_has_one() {
    DatasetConfig c = spirals_config();
    c.validation_test_split = true;
    expect_config_error([&] { load_dataset(c, 1, "exp.json"); }, "dataset.validation",
                        {"exp.json", "no test split"});
  }

  void idx_test_split_with_train_limit() {
    QTemporaryDir dir;
    const auto in = [&](const char* name) { return dir.filePath(name).toStdString(); };
    std::vector<unsigned char> train_pixels, test_pixels;
    for (int i = 0; i < 6 * 4; ++i) train_pixels.push_back(static_cast<unsigned char>(i * 10));
    for (int i = 0; i < 2 * 4; ++i) test_pixels.push_back(static_cast<unsigned char>(255 - i));
    write_idx_gz(in("train-images-idx3-ubyte.gz"), 0x803, {6, 2, 2}, train_pixels);
    write_idx_gz(in("train-labels-idx1-ubyte.gz"), 0x801, {6}, {0, 1, 2, 0, 1, 2});
    write_idx_gz(in("t10k-images-idx3-ubyte.gz"), 0x803, {2, 2, 2}, test_pixels);
    write_idx_gz(in("t10k-labels-idx1-ubyte.gz"), 0x801, {2}, {2, 0});

    DatasetConfig c;
    c.kind = "idx";
    c.path = dir.path().toStdString();
    c.validation_test_split = true;
    c.train_limit = 4;
    c.standardize = false;
    const DatasetSplit s = load_dataset(c, 1);
    QCOMPARE(s.train.rows, std::int64_t{4});
    QCOMPARE(s.train.labels, (std::vector<std::int32_t>{0, 1, 2, 0}));  // original order
    QCOMPARE(s.train.row(3)[0], 120.0f / 255.0f);
    QCOMPARE(s.val.rows, std::int64_t{2});
    QCOMPARE(s.val.labels, (std::vector<std::int32_t>{2, 0}));
    QCOMPARE(s.val.row(0)[0], 1.0f);
    QCOMPARE(s.train.image_width, 2);

    c.kind = "mnist";
    QCOMPARE(load_dataset(c, 1).train.name, std::string("mnist"));
  }

  void unknown_kind_lists_the_accepted_ones() {
    DatasetConfig c;
    c.kind = "imagenet";
    expect_config_error([&] { load_dataset(c, 1, "exp.json"); }, "dataset.kind",
                        {"exp.json: dataset.kind: ", "imagenet", "fashion-mnist", "csv", "spirals",
                         "checkerboard"});
  }

  void file_kinds_need_a_path() {
    for (const char* kind : {"csv", "idx", "mnist"}) {
      DatasetConfig c;
      c.kind = kind;
      expect_config_error([&] { load_dataset(c, 1, "exp.json"); }, "dataset.path", {kind});
    }
  }

  void synthetic_errors_name_the_config_source() {
    DatasetConfig c = spirals_config();
    c.classes = 1;
    expect_config_error([&] { load_dataset(c, 1, "exp.json"); }, "dataset.classes",
                        {"exp.json: dataset.classes: "});
  }

  void missing_fashion_mnist_says_how_to_get_it() {
    DatasetConfig c;
    c.kind = "fashion-mnist";
    c.path = "/nonexistent/fmnist";
    try {
      load_dataset(c, 1);
      QFAIL("expected a DataError");
    } catch (const DataError& e) {
      const std::string msg = e.what();
      QVERIFY2(msg.starts_with("/nonexistent/fmnist/train-images-idx3-ubyte"), e.what());
      QVERIFY2(msg.find("dataset-fashion-mnist") != std::string::npos, e.what());
      QVERIFY2(msg.find("dataset.path") != std::string::npos, e.what());
    }
  }

  void real_fashion_mnist() {
    if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz"))
      QSKIP("Fashion-MNIST not installed (apt install dataset-fashion-mnist); skipping");
    DatasetConfig c;
    c.kind = "fashion-mnist";
    c.validation_test_split = true;
    c.standardize = false;
    Stopwatch clock;
    const DatasetSplit s = load_dataset(c, 1);
    qInfo("Fashion-MNIST loaded in %.3f s", clock.seconds());
    QCOMPARE(s.train.rows, std::int64_t{60000});
    QCOMPARE(s.val.rows, std::int64_t{10000});
    QCOMPARE(s.train.features, std::int64_t{784});
    QCOMPARE(s.train.image_width, 28);
    QCOMPARE(s.train.image_height, 28);
    QCOMPARE(s.train.outputs, std::int64_t{10});
    QCOMPARE(s.val.outputs, std::int64_t{10});
    QCOMPARE(s.train.name, std::string("fashion-mnist"));
    QCOMPARE(s.train.class_names.size(), std::size_t{10});
    QCOMPARE(s.train.class_names.front(), std::string("T-shirt/top"));
    QCOMPARE(s.train.class_names[7], std::string("Sneaker"));
    QCOMPARE(s.val.class_names.back(), std::string("Ankle boot"));
    // The published set has 6000 training and 1000 test images per class.
    for (const auto n : class_counts(s.train)) QCOMPARE(n, std::int64_t{6000});
    for (const auto n : class_counts(s.val)) QCOMPARE(n, std::int64_t{1000});
    const auto [lo, hi] = std::minmax_element(s.train.x.begin(), s.train.x.end());
    QCOMPARE(*lo, 0.0f);
    QCOMPARE(*hi, 1.0f);
    // Mean pixel intensity of the training set is 0.2860 (a widely quoted figure).
    double sum = 0;
    for (const float v : s.train.x) sum += v;
    QVERIFY(std::abs(sum / static_cast<double>(s.train.x.size()) - 0.2860) < 5e-4);
  }
};

QTEST_APPLESS_MAIN(TestDatasets)
#include "test_datasets.moc"
