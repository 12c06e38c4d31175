// defines: run_colour, memory_category_colour
// A run's colour depends on its id only, so it is the same in every plot, in the runs table and
// in the next session. Ten well-separated hues (Tableau 10), then darker and lighter rounds.
#pragma once

#include <cstdint>

#include <QColor>

#include "engine/core/memory_category.h"

namespace batchlab {

QColor run_colour(std::int64_t run_id);
QColor memory_category_colour(MemCategory category);

}  // namespace batchlab
