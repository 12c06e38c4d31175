// Small helpers the engine suites share: what error a call throws, and a relative error.
#pragma once

#include <cmath>
#include <functional>
#include <string>

#include "engine/core/errors.h"

namespace batchlab::testing {

// The message of the batchlab::Error `f` throws; empty when it throws none.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

inline double relative_error(double got, double want) {
  return std::fabs(got - want) / want;
}

}  // namespace batchlab::testing
