// defines: LivePlot (the shared behaviour of the streaming plots)
// A QCustomPlot with a row of controls above it. While it follows the data, every refresh()
// fits both axes; once the user drags or zooms it keeps their view (and still re-decimates for
// the range they look at), and a double-click returns to following. Hovering shows the exact
// value nearest the cursor, read from the model rather than from the decimated display data.
// Subclasses say what to draw for an x range (rebuild) and what lies under the cursor (nearest).
// Fonts, pen widths and run colours come from a PlotStyle (style()): subclasses build their
// pens from it in rebuild, so setStyle() restyles a plot that is already showing runs.
#pragma once

#include <cmath>
#include <optional>

#include <QWidget>

#include "qcustomplot.h"
#include "widgets/decimate.h"
#include "widgets/plot_style.h"
#include "widgets/series_model.h"

class QHBoxLayout;

namespace batchlab {

class LivePlot : public QWidget {
  Q_OBJECT
 public:
  LivePlot(const SeriesModel& model, const QString& title, QWidget* parent = nullptr);

  QCustomPlot* plot() const { return plot_; }
  // Re-decimates from the model for the current view and queues one repaint, or draws at
  // once with `now` (the repaint then happens in this event-loop turn).
  void refresh(bool now = false);
  // Follows the data again: what a double-click does.
  void resetView();
  bool followsData() const { return follow_; }
  // The hover text for a point in plot-widget coordinates (empty when nothing is near) and
  // moves the hover marker onto that point.
  QString hoverAt(const QPoint& pos);
  // Horizontal buckets handed to the decimator: one per pixel of the axis rect.
  int buckets() const;
  // The longest repaint so far, in milliseconds (QCustomPlot's own measure).
  double slowestReplotMs() const { return slowest_replot_ms_; }
  // Fonts of the title, axes and legend now; pens at once for what styleChanged() restyles,
  // the runs' pens in the refresh this queues.
  void setStyle(const PlotStyle& style);
  const PlotStyle& style() const { return style_; }

 protected:
  struct Hit {
    double x = 0;
    double y = 0;
    QString text;
  };
  virtual void rebuild(const QCPRange& x_range, int buckets) = 0;
  // The x range that holds every visible point; false when there is none.
  virtual bool dataXRange(QCPRange& range) const = 0;
  virtual std::optional<Hit> nearest(const QPointF& pixel) const = 0;
  // Fits the value axis to what is drawn (a margin of 5 %, multiplicative on a log axis).
  virtual void fitValueAxis();
  // Re-pens what a subclass draws outside rebuild (legend-only entries, the plan); style() is
  // already the new style. Not called from the constructor: subclasses style their own there.
  virtual void styleChanged() {}

  const SeriesModel& model() const { return model_; }
  QHBoxLayout* controls() const { return controls_; }
  // Changes axes without it counting as the user's zoom.
  template <typename F>
  void programmatic(F&& change) {
    const bool was = applying_;
    applying_ = true;
    change();
    applying_ = was;
  }
  void resizeEvent(QResizeEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void onUserRangeChanged();
  void onMouseMove(QMouseEvent* event);
  void applyStyle();
  void elideTitle();

  const SeriesModel& model_;
  PlotStyle style_ = default_plot_style();
  QCustomPlot* plot_ = nullptr;
  QHBoxLayout* controls_ = nullptr;
  QCPItemTracer* tracer_ = nullptr;
  QCPTextElement* title_ = nullptr;
  QString title_text_;
  bool follow_ = true;
  double slowest_replot_ms_ = 0;
  bool applying_ = false;
};

// Ticks on whole numbers only (steps and sample counts), or the default ticker.
void use_count_ticks(QCPAxis* axis, bool counts);

// Hands decimated points to a graph in one bulk call (already sorted by x).
void set_graph_data(QCPGraph* graph, const DecimatedSeries& points);

// Index of the element of ascending `xs` nearest to `key` whose `ys` value is finite; -1: none.
template <typename XCol, typename YCol>
long nearest_finite_index(const XCol& xs, const YCol& ys, double key) {
  const std::size_t n = std::min(xs.size(), ys.size());
  if (n == 0) return -1;
  const auto mid = static_cast<long>(lower_index(xs, n, key));
  const auto finite = [&](long i) { return std::isfinite(ys[static_cast<std::size_t>(i)]); };
  // Walk outwards to the nearest finite neighbour on each side.
  long right = mid;
  while (right < static_cast<long>(n) && !finite(right)) ++right;
  long left = mid - 1;
  while (left >= 0 && !finite(left)) --left;
  if (right >= static_cast<long>(n)) return left;
  if (left < 0) return right;
  return key - xs[static_cast<std::size_t>(left)] <= xs[static_cast<std::size_t>(right)] - key
             ? left
             : right;
}

}  // namespace batchlab
