#include "widgets/run_palette.h"

#include <array>

namespace batchlab {

QColor run_colour(std::int64_t run_id) {
  static constexpr std::array<QRgb, 10> kTableau10 = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728,
                                                      0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f,
                                                      0xbcbd22, 0x17becf};
  const std::int64_t index = run_id > 0 ? run_id - 1 : 0;
  const QColor base = QColor::fromRgb(kTableau10[static_cast<std::size_t>(index % 10)]);
  switch ((index / 10) % 3) {
    case 1:
      return base.darker(145);
    case 2:
      return base.lighter(135);
    default:
      return base;
  }
}

QColor memory_category_colour(MemCategory category) {
  // Muted pastels, well away from the saturated run hues, so a stack never reads as a run:
  // the static state in slate and lavender, what grows with the batch in green, sand and tan.
  static constexpr std::array<QRgb, kMemCategoryCount> kColours = {0x6b7a99, 0xa9b8d6, 0xc3b6e0,
                                                                   0x8cc58c, 0xe8d28a, 0xd1ad9c};
  return QColor::fromRgb(kColours[static_cast<std::size_t>(category)]);
}

}  // namespace batchlab
