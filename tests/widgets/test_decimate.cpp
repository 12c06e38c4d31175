// Display decimation: bounded output, extremes and edges kept, ranges honoured.
#include <QtTest>

#include <cmath>
#include <vector>

#include "widgets/decimate.h"

using namespace batchlab;

class TestDecimate : public QObject {
  Q_OBJECT
 private slots:
  void shortSeriesPassesUnchanged();
  void millionPointsKeepSpikesAndEnds();
  void bucketsHoldTheirTrueMinAndMax();
  void zoomedRangeKeepsOneNeighbourEachSide();
  void nonFiniteValuesAreSkipped();
  void pyramidIndexesEveryBlocksExtremes();
  void pyramidDecimationKeepsSpikesAndBounds();
  void chunkedColumnBehavesLikeAVector();
};

void TestDecimate::shortSeriesPassesUnchanged() {
  const std::vector<double> x{1, 2, 3, 4, 5};
  const std::vector<double> y{5, 3, 4, 1, 2};
  DecimatedSeries out;
  decimate_min_max(x, y, 1, 5, 100, out);
  QCOMPARE(out.x, x);
  QCOMPARE(out.y, y);
}

void TestDecimate::millionPointsKeepSpikesAndEnds() {
  const std::size_t n = 1'000'000;
  std::vector<double> x(n), y(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = static_cast<double>(i + 1);
    y[i] = 1.0 + 0.5 * std::sin(static_cast<double>(i) * 1e-4);
  }
  y[543'210] = 100.0;  // a one-step loss blow-up
  y[777'777] = -50.0;  // and a dip
  DecimatedSeries out;
  const int buckets = 1000;
  decimate_min_max(x, y, 1, static_cast<double>(n), buckets, out);
  QVERIFY(out.x.size() <= 2 * static_cast<std::size_t>(buckets) + 2);
  QVERIFY(out.x.size() >= static_cast<std::size_t>(buckets));
  QCOMPARE(out.x.front(), 1.0);
  QCOMPARE(out.x.back(), static_cast<double>(n));
  QCOMPARE(*std::max_element(out.y.begin(), out.y.end()), 100.0);
  QCOMPARE(*std::min_element(out.y.begin(), out.y.end()), -50.0);
  const auto spike = std::find(out.y.begin(), out.y.end(), 100.0) - out.y.begin();
  QCOMPARE(out.x[static_cast<std::size_t>(spike)], 543'211.0);
  QVERIFY(std::is_sorted(out.x.begin(), out.x.end()));
}

void TestDecimate::bucketsHoldTheirTrueMinAndMax() {
  // Pseudo-random walk; every bucket's extremes must appear in the output.
  const std::size_t n = 50'000;
  std::vector<double> x(n), y(n);
  std::uint64_t s = 12345;
  double v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    v += static_cast<double>(static_cast<std::int64_t>(s >> 33) % 200 - 100) / 100.0;
    x[i] = static_cast<double>(i);
    y[i] = v;
  }
  const int buckets = 97;
  DecimatedSeries out;
  decimate_min_max(x, y, 0, static_cast<double>(n - 1), buckets, out);
  const double width = static_cast<double>(n - 1) / buckets;
  for (int b = 0; b < buckets; ++b) {
    double lo = 1e300, hi = -1e300;
    for (std::size_t i = 1; i + 1 < n; ++i) {
      const int bucket = std::min(buckets - 1, static_cast<int>(std::floor(x[i] / width)));
      if (bucket != b) continue;
      lo = std::min(lo, y[i]);
      hi = std::max(hi, y[i]);
    }
    QVERIFY2(std::find(out.y.begin(), out.y.end(), lo) != out.y.end(),
             qPrintable(QString("bucket %1 lost its minimum").arg(b)));
    QVERIFY2(std::find(out.y.begin(), out.y.end(), hi) != out.y.end(),
             qPrintable(QString("bucket %1 lost its maximum").arg(b)));
  }
}

void TestDecimate::zoomedRangeKeepsOneNeighbourEachSide() {
  std::vector<double> x(100'000), y(100'000);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<double>(i);
    y[i] = static_cast<double>(i % 17);
  }
  DecimatedSeries out;
  decimate_min_max(x, y, 1000.5, 1010.5, 500, out);
  // 10 points inside plus the neighbours 1000 and 1011: too few to thin.
  QCOMPARE(out.x.size(), std::size_t{12});
  QCOMPARE(out.x.front(), 1000.0);
  QCOMPARE(out.x.back(), 1011.0);
  decimate_min_max(x, y, 20'000, 60'000, 200, out);
  QCOMPARE(out.x.front(), 19'999.0);
  QCOMPARE(out.x.back(), 60'001.0);
  QVERIFY(out.x.size() <= 402);
}

void TestDecimate::nonFiniteValuesAreSkipped() {
  const std::vector<double> x{1, 2, 3, 4};
  const std::vector<double> y{1, NAN, INFINITY, 4};
  DecimatedSeries out;
  decimate_min_max(x, y, 1, 4, 10, out);
  QCOMPARE(out.x, (std::vector<double>{1, 4}));
  std::vector<double> big_x(10'000), big_y(10'000, NAN);
  for (std::size_t i = 0; i < big_x.size(); ++i) big_x[i] = static_cast<double>(i);
  big_y[5000] = 2.0;
  decimate_min_max(big_x, big_y, 0, 9999, 50, out);
  QCOMPARE(out.y, (std::vector<double>{2.0}));
}

void TestDecimate::pyramidIndexesEveryBlocksExtremes() {
  Column y;
  MinMaxPyramid pyramid;
  std::uint64_t s = 99;
  // Extended in uneven pieces, as a stream arrives.
  for (int piece : {5, 700, 1, 40'000, 123, 300'000}) {
    for (int k = 0; k < piece; ++k) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      y.push_back((s >> 40) % 7 == 0 ? NAN : static_cast<double>(s >> 40));
    }
    pyramid.extend(y);
  }
  for (int level = 0; level < MinMaxPyramid::kLevels; ++level) {
    const std::size_t block = MinMaxPyramid::block_size(level);
    const auto& entries = pyramid.level(level);
    QCOMPARE(entries.size(), y.size() / block);
    for (std::size_t b = 0; b < entries.size(); b += 1 + entries.size() / 50) {
      double lo = INFINITY, hi = -INFINITY;
      for (std::size_t i = b * block; i < (b + 1) * block; ++i) {
        if (!std::isfinite(y[i])) continue;
        lo = std::min(lo, y[i]);
        hi = std::max(hi, y[i]);
      }
      QCOMPARE(y[static_cast<std::size_t>(entries[b].lo)], lo);
      QCOMPARE(y[static_cast<std::size_t>(entries[b].hi)], hi);
    }
  }
}

void TestDecimate::pyramidDecimationKeepsSpikesAndBounds() {
  const std::size_t n = 3'000'000;
  Column x, y;
  for (std::size_t i = 0; i < n; ++i) {
    x.push_back(static_cast<double>(i + 1));
    y.push_back(i == 2'345'678 ? 1e6 : i == 111 ? -1e6 : std::sin(static_cast<double>(i) * 1e-3));
  }
  MinMaxPyramid pyramid;
  pyramid.extend(y);
  DecimatedSeries fast, slow;
  const int buckets = 800;
  decimate_min_max(x, y, 1, static_cast<double>(n), buckets, fast, &pyramid);
  decimate_min_max(x, y, 1, static_cast<double>(n), buckets, slow);
  QVERIFY(fast.x.size() <= 2 * static_cast<std::size_t>(buckets) + 2);
  QVERIFY(std::is_sorted(fast.x.begin(), fast.x.end()));
  QCOMPARE(*std::max_element(fast.y.begin(), fast.y.end()), 1e6);
  QCOMPARE(*std::min_element(fast.y.begin(), fast.y.end()), -1e6);
  QCOMPARE(fast.x.front(), 1.0);
  QCOMPARE(fast.x.back(), static_cast<double>(n));
  // Every kept point is a real point, with its exact value.
  for (std::size_t k = 0; k < fast.x.size(); ++k)
    QCOMPARE(fast.y[k], y[static_cast<std::size_t>(fast.x[k]) - 1]);
  // The outline matches the point-by-point result: same extremes in every tenth of the range.
  for (int part = 0; part < 10; ++part) {
    const double lo = 1 + part * (n / 10.0), hi = lo + n / 10.0 - 3000;  // skip block seams
    auto extreme = [&](const DecimatedSeries& d, bool want_max) {
      double e = want_max ? -INFINITY : INFINITY;
      for (std::size_t k = 0; k < d.x.size(); ++k)
        if (d.x[k] >= lo && d.x[k] <= hi) e = want_max ? std::max(e, d.y[k]) : std::min(e, d.y[k]);
      return e;
    };
    QVERIFY(std::abs(extreme(fast, true) - extreme(slow, true)) < 1e-3);
    QVERIFY(std::abs(extreme(fast, false) - extreme(slow, false)) < 1e-3);
  }
}

void TestDecimate::chunkedColumnBehavesLikeAVector() {
  Column c;
  QVERIFY(c.empty());
  for (std::size_t i = 0; i < 3 * Column::kChunk + 5; ++i) c.push_back(static_cast<double>(i));
  QCOMPARE(c.size(), 3 * Column::kChunk + 5);
  QCOMPARE(c.front(), 0.0);
  QCOMPARE(c.back(), static_cast<double>(3 * Column::kChunk + 4));
  QCOMPARE(c[Column::kChunk], static_cast<double>(Column::kChunk));
  QCOMPARE(lower_index(c, c.size(), 70000.5), std::size_t{70001});
  QCOMPARE(upper_index(c, c.size(), 70000.0), std::size_t{70001});
  c.clear();
  QCOMPARE(c.size(), std::size_t{0});
}

QTEST_APPLESS_MAIN(TestDecimate)
#include "test_decimate.moc"
