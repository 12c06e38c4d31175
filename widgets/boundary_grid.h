// defines: BoundaryGrid, predict_boundary_grid, grid_range_for
// The decision boundary of a 2-D classifier: the class the model predicts at every cell centre
// of an nx × ny grid over the data's range, computed with the engine's own forward pass (a CPU
// backend prepared for inference), so the picture is the model's prediction and nothing else.
// Pure and thread-safe (its own backend each call): the view runs it off the GUI thread.
// Coordinates are the model's inputs, i.e. standardised features when the run standardises.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/data/dataset.h"
#include "engine/model/mlp_spec.h"

namespace batchlab {

struct BoundaryGrid {
  int nx = 0, ny = 0;
  double x0 = 0, x1 = 1;  // the grid spans [x0, x1] × [y0, y1]; cell (i, j) centres at
  double y0 = 0, y1 = 1;  // x0 + (i + ½)(x1 − x0)/nx, y0 + (j + ½)(y1 − y0)/ny
  std::vector<std::int32_t> cls;  // ny rows of nx: cls[j * nx + i]

  double cellX(int i) const { return x0 + (i + 0.5) * (x1 - x0) / nx; }
  double cellY(int j) const { return y0 + (j + 0.5) * (y1 - y0) / ny; }
  std::int32_t at(int i, int j) const { return cls[static_cast<std::size_t>(j) * nx + i]; }
};

struct GridRange {
  double x0, x1, y0, y1;
};
// The data's bounding box with 8 % margin on each side (a square cell would distort the data).
GridRange grid_range_for(const Dataset& data);

// `spec` must have 2 inputs and be a classifier; `parameters` mlp_parameter_count(spec) floats.
// Throws Error otherwise.
BoundaryGrid predict_boundary_grid(const MlpSpec& spec, std::span<const float> parameters,
                                   const GridRange& range, int nx, int ny);

}  // namespace batchlab
