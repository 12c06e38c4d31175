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

QTEST_APPLESS_MAIN(TestDecimate)
#include "test_decimate.moc"
