// Reading datasets from files: IDX (raw and gzip) and CSV, including the errors a user sees.
#include <zlib.h>

#include <QTemporaryDir>
#include <QtTest>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "engine/core/errors.h"
#include "engine/data/csv_loader.h"
#include "engine/data/idx_loader.h"

using namespace batchlab;

namespace {

using Bytes = std::vector<unsigned char>;

void put_u32(Bytes& b, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<unsigned char>(v >> shift));
}

// n images of h × w whose pixel (i, p) is (7·i + p) mod 256, so every value is checkable.
Bytes idx_images(std::uint32_t n, std::uint32_t h, std::uint32_t w,
                 std::uint32_t magic = 0x00000803) {
  Bytes b;
  put_u32(b, magic);
  put_u32(b, n);
  put_u32(b, h);
  put_u32(b, w);
  for (std::uint32_t i = 0; i < n; ++i)
    for (std::uint32_t p = 0; p < h * w; ++p)
      b.push_back(static_cast<unsigned char>((7 * i + p) % 256));
  return b;
}

Bytes idx_labels(const std::vector<int>& labels, std::uint32_t magic = 0x00000801) {
  Bytes b;
  put_u32(b, magic);
  put_u32(b, static_cast<std::uint32_t>(labels.size()));
  for (const int l : labels) b.push_back(static_cast<unsigned char>(l));
  return b;
}

void write_raw(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

void write_gz(const std::string& path, const Bytes& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  QVERIFY(f != nullptr);
  QCOMPARE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
           static_cast<int>(bytes.size()));
  gzclose(f);
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Runs f, expecting a DataError whose message contains every one of `parts`.
template <typename F>
void expect_data_error(F f, const std::vector<std::string>& parts) {
  try {
    f();
    QFAIL("expected a DataError");
  } catch (const DataError& e) {
    const std::string msg = e.what();
    for (const auto& part : parts)
      QVERIFY2(msg.find(part) != std::string::npos,
               qPrintable(QString("'%1' lacks '%2'").arg(msg.c_str(), part.c_str())));
  }
}

}  // namespace

class TestLoaders : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  std::string path(const char* name) const { return dir_.filePath(name).toStdString(); }

  void check_small_pair(const Dataset& d) {
    QCOMPARE(d.rows, std::int64_t{3});
    QCOMPARE(d.features, std::int64_t{6});
    QCOMPARE(d.image_height, 2);
    QCOMPARE(d.image_width, 3);
    QCOMPARE(d.task, Task::classification);
    QCOMPARE(d.outputs, std::int64_t{5});  // highest label 4
    QCOMPARE(d.labels, (std::vector<std::int32_t>{4, 0, 2}));
    QCOMPARE(d.x.size(), std::size_t{18});
    for (int i = 0; i < 3; ++i)
      for (int p = 0; p < 6; ++p)
        QCOMPARE(d.row(i)[p], static_cast<float>((7 * i + p) % 256) / 255.0f);
  }

 private slots:
  void idx_raw_round_trip() {
    write_raw(path("img"), idx_images(3, 2, 3));
    write_raw(path("lbl"), idx_labels({4, 0, 2}));
    check_small_pair(load_idx_pair(path("img"), path("lbl")));
  }

  void idx_gzip_round_trip() {
    write_gz(path("img.gz"), idx_images(3, 2, 3));
    write_gz(path("lbl.gz"), idx_labels({4, 0, 2}));
    check_small_pair(load_idx_pair(path("img.gz"), path("lbl.gz")));
  }

  void idx_gzip_detected_by_magic_not_name() {
    write_gz(path("compressed-without-suffix"), idx_images(3, 2, 3));
    write_raw(path("raw-with-suffix.gz"), idx_labels({4, 0, 2}));
    check_small_pair(load_idx_pair(path("compressed-without-suffix"), path("raw-with-suffix.gz")));
  }

  void idx_pixels_scale_to_unit_range() {
    Bytes img;
    put_u32(img, 0x00000803);
    put_u32(img, 1);
    put_u32(img, 1);
    put_u32(img, 2);
    img.push_back(0);
    img.push_back(255);
    write_raw(path("extremes"), img);
    write_raw(path("extremes-lbl"), idx_labels({1}));
    const Dataset d = load_idx_pair(path("extremes"), path("extremes-lbl"));
    QCOMPARE(d.x, (std::vector<float>{0.0f, 1.0f}));
  }

  void idx_folder_finds_mixed_raw_and_gz() {
    QTemporaryDir folder;
    const auto in = [&](const char* name) { return folder.filePath(name).toStdString(); };
    write_gz(in("train-images-idx3-ubyte.gz"), idx_images(4, 2, 2));
    write_gz(in("train-labels-idx1-ubyte.gz"), idx_labels({0, 1, 2, 1}));
    write_raw(in("t10k-images-idx3-ubyte"), idx_images(2, 2, 2));
    write_raw(in("t10k-labels-idx1-ubyte"), idx_labels({1, 0}));
    const IdxFolder f = load_idx_folder(folder.path().toStdString());
    QCOMPARE(f.train.rows, std::int64_t{4});
    QCOMPARE(f.test.rows, std::int64_t{2});
    // The test split lacks class 2 but must still agree with the training split on 3 classes.
    QCOMPARE(f.test.outputs, std::int64_t{3});
    QCOMPARE(f.train.class_names, (std::vector<std::string>{"0", "1", "2"}));
  }

  void idx_folder_names_the_missing_file() {
    QTemporaryDir folder;
    const auto in = [&](const char* name) { return folder.filePath(name).toStdString(); };
    write_gz(in("train-images-idx3-ubyte.gz"), idx_images(4, 2, 2));
    write_gz(in("train-labels-idx1-ubyte.gz"), idx_labels({0, 1, 2, 1}));
    write_raw(in("t10k-images-idx3-ubyte"), idx_images(2, 2, 2));
    expect_data_error([&] { load_idx_folder(folder.path().toStdString()); },
                      {in("t10k-labels-idx1-ubyte"), "not found"});
  }

  void idx_missing_file() {
    expect_data_error([&] { load_idx_pair(path("nope"), path("nope-either")); },
                      {path("nope") + ": not found"});
  }

  void idx_wrong_magic() {
    write_raw(path("img-magic"), idx_images(3, 2, 3, 0x00000801));
    write_raw(path("lbl-ok"), idx_labels({4, 0, 2}));
    expect_data_error([&] { load_idx_pair(path("img-magic"), path("lbl-ok")); },
                      {path("img-magic") + ": bad magic 0x00000801, expected 0x00000803"});

    write_raw(path("img-ok"), idx_images(3, 2, 3));
    write_raw(path("lbl-magic"), idx_labels({4, 0, 2}, 0x00000803));
    expect_data_error([&] { load_idx_pair(path("img-ok"), path("lbl-magic")); },
                      {path("lbl-magic") + ": bad magic 0x00000803, expected 0x00000801"});
  }

  void idx_label_count_differs_from_image_count() {
    write_raw(path("img-3"), idx_images(3, 2, 3));
    write_gz(path("lbl-2.gz"), idx_labels({4, 0}));
    expect_data_error([&] { load_idx_pair(path("img-3"), path("lbl-2.gz")); },
                      {path("lbl-2.gz") + ": 2 labels for 3 images"});
  }

  void idx_truncated_pixels() {
    Bytes img = idx_images(3, 2, 3);
    img.resize(16 + 10);  // header + 10 of the 18 pixel bytes
    write_raw(path("img-short"), img);
    write_gz(path("img-short.gz"), img);
    write_raw(path("lbl-3"), idx_labels({4, 0, 2}));
    for (const char* name : {"img-short", "img-short.gz"})
      expect_data_error([&] { load_idx_pair(path(name), path("lbl-3")); },
                        {path(name) + ": truncated: expected 18 bytes of pixels, found 10"});
  }

  void idx_truncated_header_and_labels() {
    Bytes img = idx_images(3, 2, 3);
    img.resize(10);
    write_raw(path("img-header"), img);
    write_raw(path("lbl-3b"), idx_labels({4, 0, 2}));
    expect_data_error([&] { load_idx_pair(path("img-header"), path("lbl-3b")); },
                      {path("img-header") + ": truncated"});

    Bytes lbl = idx_labels({4, 0, 2});
    lbl.pop_back();
    write_raw(path("img-3b"), idx_images(3, 2, 3));
    write_raw(path("lbl-short"), lbl);
    expect_data_error([&] { load_idx_pair(path("img-3b"), path("lbl-short")); },
                      {path("lbl-short") + ": truncated: expected 3 bytes of labels, found 2"});
  }

  void idx_trailing_bytes_are_an_error() {
    Bytes img = idx_images(3, 2, 3);
    img.push_back(9);
    write_raw(path("img-long"), img);
    write_raw(path("lbl-3c"), idx_labels({4, 0, 2}));
    expect_data_error([&] { load_idx_pair(path("img-long"), path("lbl-3c")); },
                      {path("img-long") + ": unexpected data after the pixels"});
  }

  void idx_corrupt_gzip() {
    write_gz(path("corrupt.gz"), idx_images(50, 8, 8));
    std::fstream f(path("corrupt.gz"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    f.write("garbage!garbage!", 16);
    f.close();
    write_raw(path("lbl-50"), idx_labels(std::vector<int>(50, 1)));
    expect_data_error([&] { load_idx_pair(path("corrupt.gz"), path("lbl-50")); },
                      {path("corrupt.gz") + ": corrupt gzip data: "});
  }

  // --- CSV ---

  void csv_quoting_and_crlf() {
    // Quoted commas and doubled quotes in labels, CRLF endings, a quoted number, trailing
    // blank lines.
    write_text(path("quoted.csv"),
               "\"width, cm\",height,kind\r\n"
               "1.5,2,\"cat, small\"\r\n"
               "\"2.5\",3,\"say \"\"hi\"\"\"\r\n"
               "3.5,4,\"cat, small\"\r\n"
               "\r\n\r\n");
    const Dataset d = load_csv(path("quoted.csv"), "", "auto");
    QCOMPARE(d.rows, std::int64_t{3});
    QCOMPARE(d.features, std::int64_t{2});
    QCOMPARE(d.feature_names, (std::vector<std::string>{"width, cm", "height"}));
    QCOMPARE(d.task, Task::classification);
    QCOMPARE(d.class_names, (std::vector<std::string>{"cat, small", "say \"hi\""}));
    QCOMPARE(d.labels, (std::vector<std::int32_t>{0, 1, 0}));
    QCOMPARE(d.x, (std::vector<float>{1.5f, 2.f, 2.5f, 3.f, 3.5f, 4.f}));
    QCOMPARE(d.name, std::string("quoted"));
  }

  void csv_quoted_line_break_keeps_line_numbers() {
    write_text(path("multiline.csv"),
               "note,x,y\n"
               "\"two\nlines\",1,0\n"
               "plain,2,1\n"
               "also,,1\n");
    // The quoted line break makes records and lines differ: the empty x is on line 5.
    expect_data_error([&] { load_csv(path("multiline.csv"), "note", "auto"); },
                      {path("multiline.csv") + ":5: column 'x': missing value"});
  }

  void csv_target_by_name_and_index() {
    write_text(path("t.csv"), "a,label,b\n1,0,10\n2,1,20\n3,1,30\n4,0,40\n");
    for (const std::string target : {"label", "1"}) {
      const Dataset d = load_csv(path("t.csv"), target, "auto");
      QCOMPARE(d.feature_names, (std::vector<std::string>{"a", "b"}));
      QCOMPARE(d.x, (std::vector<float>{1, 10, 2, 20, 3, 30, 4, 40}));
      QCOMPARE(d.labels, (std::vector<std::int32_t>{0, 1, 1, 0}));
      QCOMPARE(d.outputs, std::int64_t{2});
    }
    // Empty target: the last column ("b"), whose whole numbers make it a 4-class problem.
    const Dataset last = load_csv(path("t.csv"), "", "auto");
    QCOMPARE(last.feature_names, (std::vector<std::string>{"a", "label"}));
    QCOMPARE(last.outputs, std::int64_t{4});
    // Forced regression on the same column.
    const Dataset reg = load_csv(path("t.csv"), "b", "regression");
    QCOMPARE(reg.task, Task::regression);
    QCOMPARE(reg.targets, (std::vector<float>{10, 20, 30, 40}));
  }

  void csv_unknown_target_is_a_config_error() {
    write_text(path("t2.csv"), "a,b\n1,2\n");
    for (const std::string target : {"c", "5"}) {
      try {
        load_csv(path("t2.csv"), target, "auto");
        QFAIL("expected a ConfigError");
      } catch (const ConfigError& e) {
        QCOMPARE(e.field(), std::string("dataset.target"));
        QVERIFY(std::string(e.what()).find(path("t2.csv")) == 0);
      }
    }
  }

  void csv_integer_labels_keep_numeric_order() {
    write_text(path("digits.csv"), "x,digit\n0.1,7\n0.2,10\n0.3,2\n0.4,7\n");
    const Dataset d = load_csv(path("digits.csv"), "digit", "auto");
    QCOMPARE(d.class_names, (std::vector<std::string>{"2", "7", "10"}));
    QCOMPARE(d.labels, (std::vector<std::int32_t>{1, 2, 0, 1}));
  }

  void csv_regression_auto() {
    write_text(path("reg.csv"), "x1,x2,y\n1,2,0.5\n-3,4e1,1\n 5 ,6,-2.25\n");
    const Dataset d = load_csv(path("reg.csv"), "y", "auto");
    QCOMPARE(d.task, Task::regression);
    QCOMPARE(d.outputs, std::int64_t{1});
    QCOMPARE(d.targets, (std::vector<float>{0.5f, 1.f, -2.25f}));
    QCOMPARE(d.x, (std::vector<float>{1, 2, -3, 40, 5, 6}));
    QVERIFY(d.labels.empty());
  }

  void csv_regression_target_must_be_numeric() {
    write_text(path("reg-bad.csv"), "x,y\n1,0.5\n2,high\n");
    expect_data_error([&] { load_csv(path("reg-bad.csv"), "y", "regression"); },
                      {path("reg-bad.csv") + ":3: column 'y': 'high' is not a number"});
  }

  void csv_missing_value() {
    write_text(path("missing.csv"), "a,b,y\n1,2,0\n3,NA,1\n");
    expect_data_error([&] { load_csv(path("missing.csv"), "y", "auto"); },
                      {path("missing.csv") + ":3: column 'b': missing value"});
    write_text(path("missing-target.csv"), "a,b,y\n1,2,0\n3,4,1\n5,6,\n");
    expect_data_error([&] { load_csv(path("missing-target.csv"), "y", "auto"); },
                      {path("missing-target.csv") + ":4: column 'y': missing value"});
  }

  void csv_ragged_rows() {
    write_text(path("short.csv"), "a,b,y\n1,2,0\n3,4,1\n5,6\n");
    expect_data_error([&] { load_csv(path("short.csv"), "", "auto"); },
                      {path("short.csv") + ":4: 2 fields, the header has 3", "'y' is missing"});
    write_text(path("long.csv"), "a,b,y\n1,2,0,9\n");
    expect_data_error([&] { load_csv(path("long.csv"), "", "auto"); },
                      {path("long.csv") + ":2: 4 fields, the header has 3"});
  }

  void csv_blank_line_inside_data() {
    write_text(path("gap.csv"), "a,y\n1,0\n\n2,1\n");
    expect_data_error([&] { load_csv(path("gap.csv"), "", "auto"); },
                      {path("gap.csv") + ":3: empty line"});
  }

  void csv_non_numeric_feature() {
    write_text(path("colour.csv"), "size,colour,y\n1,2,0\n2,red,1\n");
    expect_data_error([&] { load_csv(path("colour.csv"), "y", "auto"); },
                      {path("colour.csv") + ":3: column 'colour': 'red' is not a number"});
  }

  void csv_unclosed_quote() {
    write_text(path("open.csv"), "a,y\n1,0\n\"2,1\n3,0\n");
    expect_data_error([&] { load_csv(path("open.csv"), "", "auto"); },
                      {path("open.csv") + ":3: quoted field is never closed"});
  }

  void csv_missing_file_and_bad_task() {
    expect_data_error([&] { load_csv(path("absent.csv"), "", "auto"); },
                      {path("absent.csv") + ": not found"});
    write_text(path("ok.csv"), "a,y\n1,0\n");
    QVERIFY_THROWS_EXCEPTION(ConfigError, load_csv(path("ok.csv"), "", "clustering"));
  }
};

QTEST_APPLESS_MAIN(TestLoaders)
#include "test_loaders.moc"
