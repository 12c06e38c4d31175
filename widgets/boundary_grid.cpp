#include "widgets/boundary_grid.h"

#include <algorithm>
#include <numeric>

#include "engine/backend/backend.h"
#include "engine/core/errors.h"

namespace batchlab {

GridRange grid_range_for(const Dataset& data) {
  GridRange r{-1, 1, -1, 1};
  if (data.rows == 0 || data.features < 2) return r;
  r = {data.x[0], data.x[0], data.x[1], data.x[1]};
  for (std::int64_t i = 0; i < data.rows; ++i) {
    const float* p = data.row(i);
    r.x0 = std::min<double>(r.x0, p[0]);
    r.x1 = std::max<double>(r.x1, p[0]);
    r.y0 = std::min<double>(r.y0, p[1]);
    r.y1 = std::max<double>(r.y1, p[1]);
  }
  const double mx = std::max(0.08 * (r.x1 - r.x0), 1e-3), my = std::max(0.08 * (r.y1 - r.y0), 1e-3);
  return {r.x0 - mx, r.x1 + mx, r.y0 - my, r.y1 + my};
}

BoundaryGrid predict_boundary_grid(const MlpSpec& spec, std::span<const float> parameters,
                                   const GridRange& range, int nx, int ny) {
  if (spec.inputs != 2 || spec.task != Task::classification)
    throw Error("the decision boundary needs a classifier with 2 inputs (this model has " +
                std::to_string(spec.inputs) + ")");
  BoundaryGrid g;
  g.nx = nx;
  g.ny = ny;
  g.x0 = range.x0;
  g.x1 = range.x1;
  g.y0 = range.y0;
  g.y1 = range.y1;
  g.cls.resize(static_cast<std::size_t>(nx) * ny);

  // The grid's cell centres as a dataset, one row at a time in batches of a few thousand, so the
  // backend's activations stay small (a 200 × 200 grid through 2-256-256-3 is 40 000 rows).
  constexpr std::int64_t kChunk = 4096;
  Dataset cells;
  cells.task = Task::classification;
  cells.features = 2;
  cells.outputs = spec.outputs;
  cells.rows = static_cast<std::int64_t>(nx) * ny;
  cells.x.resize(static_cast<std::size_t>(cells.rows) * 2);
  cells.labels.assign(static_cast<std::size_t>(cells.rows), 0);
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) {
      const std::size_t k = static_cast<std::size_t>(j) * nx + i;
      cells.x[2 * k] = static_cast<float>(g.cellX(i));
      cells.x[2 * k + 1] = static_cast<float>(g.cellY(j));
    }
  auto backend = make_cpu_backend(1, 0);
  backend->prepare_inference(spec, std::min(kChunk, cells.rows), 1);
  backend->set_parameters(parameters);
  const auto classes = static_cast<std::size_t>(spec.outputs);
  std::vector<float> out(classes * static_cast<std::size_t>(kChunk));
  std::vector<std::int64_t> rows(static_cast<std::size_t>(kChunk));
  for (std::int64_t start = 0; start < cells.rows; start += kChunk) {
    const std::int64_t n = std::min(kChunk, cells.rows - start);
    rows.resize(static_cast<std::size_t>(n));
    std::iota(rows.begin(), rows.end(), start);
    backend->stage_batch(cells, rows);
    const std::span<float> o(out.data(), classes * static_cast<std::size_t>(n));
    backend->infer_staged(o);
    // outputs × rows, column-major: row r's scores are contiguous.
    for (std::int64_t r = 0; r < n; ++r) {
      const float* s = o.data() + static_cast<std::size_t>(r) * classes;
      g.cls[static_cast<std::size_t>(start + r)] =
          static_cast<std::int32_t>(std::max_element(s, s + classes) - s);
    }
  }
  return g;
}

}  // namespace batchlab
