#include "widgets/plot_style.h"

#include <algorithm>

namespace batchlab {

QColor PlotStyle::runColour(std::int64_t run_id) const {
  if (palette.empty()) return QColor(Qt::black);
  const std::int64_t index = run_id > 0 ? run_id - 1 : 0;
  const auto n = static_cast<std::int64_t>(palette.size());
  const QColor base = palette[static_cast<std::size_t>(index % n)];
  switch ((index / n) % 3) {
    case 1:
      return base.darker(145);
    case 2:
      return base.lighter(135);
    default:
      return base;
  }
}

QFont PlotStyle::font(const QFont& base) const {
  QFont f = base;
  if (font_pt > 0) f.setPointSizeF(font_pt);
  return f;
}

QFont PlotStyle::legendFont(const QFont& base) const {
  QFont f = font(base);
  // A font set in pixels (some platforms' default) has no point size to scale.
  if (f.pointSizeF() > 0)
    f.setPointSizeF(f.pointSizeF() * legend_scale);
  else if (f.pixelSize() > 0)
    f.setPixelSize(std::max(1, static_cast<int>(f.pixelSize() * legend_scale + 0.5)));
  return f;
}

PlotStyle default_plot_style() {
  PlotStyle s;
  for (const QRgb rgb : {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2,
                         0x7f7f7f, 0xbcbd22, 0x17becf})
    s.palette.push_back(QColor::fromRgb(rgb));
  return s;
}

PlotStyle high_contrast_plot_style() {
  PlotStyle s;
  s.font_pt = 18;
  s.legend_scale = 1.0;  // read from the back of the room too
  s.line_width = 4;
  s.thin_width = 3;
  s.detail_width = 3;
  s.marker_size = 12;
  s.dot_size = 8;
  s.faint_alpha = 50;  // a 3 px per-step line is a band: keep it in the background
  // Okabe & Ito (2008), strongest first; black is left out (the legend's style entries and the
  // hover ring are black) and yellow, faint on white, comes last.
  for (const QRgb rgb : {0x0072b2, 0xd55e00, 0x009e73, 0xcc79a7, 0xe69f00, 0x56b4e9, 0xf0e442})
    s.palette.push_back(QColor::fromRgb(rgb));
  return s;
}

}  // namespace batchlab
