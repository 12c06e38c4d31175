// defines: PlotStyle (fonts, line widths, markers and run colours of the live plots),
//          default_plot_style, high_contrast_plot_style
// A plain struct a LivePlot reads whenever it builds pens or fonts, so a whole view (a talk on a
// projector, a classroom screen) changes look by handing every plot one value. The default is
// the look the plots always had; the high-contrast preset is for presenting: Okabe–Ito colours
// (told apart with every common colour-vision deficiency), lines of 3 px and more, 18 pt text.
#pragma once

#include <cstdint>
#include <vector>

#include <QColor>
#include <QFont>

namespace batchlab {

struct PlotStyle {
  double font_pt = 0;          // axes, tick labels, title, item text; 0: the widget's own font
  double legend_scale = 0.85;  // legend text, relative to font_pt
  double line_width = 2;       // a run's main line: smoothed loss, average throughput, batch
  double thin_width = 1;       // faint per-step lines, and dense bands drawn for speed
  double detail_width = 1.5;   // secondary lines: validation, LR, the plan, limits, the hover ring
  double marker_size = 7;      // validation circles
  double dot_size = 4;         // noise-scale dots
  int faint_alpha = 55;        // the per-step line under a smoothed one
  // Run colours by id; after one round of the palette the colours come back darker, then
  // lighter (as run_colour does for the runs table).
  std::vector<QColor> palette;

  QColor runColour(std::int64_t run_id) const;
  // `base` at font_pt (unchanged when font_pt is 0), and the legend's size of it.
  QFont font(const QFont& base) const;
  QFont legendFont(const QFont& base) const;
};

// Today's look: the widget font, 2 px run lines, Tableau 10 (run_colour's palette).
PlotStyle default_plot_style();
// For presenting: Okabe–Ito, lines ≥ 3 px, text ≥ 18 pt.
PlotStyle high_contrast_plot_style();

}  // namespace batchlab
