// defines: ArrivalKind, WorkloadConfig, ArrivalStream, read_arrival_trace, to_string,
//          parse_arrival_kind
// When requests arrive. Generated lazily, one at a time, so a long run at a high rate holds no
// list of arrival times (a trace is a file and is read whole):
//   poisson   exponential gaps of mean 1/rate (the arrivals of many independent clients)
//   constant  one request every 1/rate seconds, the first at 0
//   bursts    burst_size requests at the same instant, bursts every burst_size/rate seconds,
//             so the mean rate is still `rate` (a client that sends batches of work at once)
//   trace     the times of a CSV file (seconds, one per line), as recorded
// Arrivals stop at duration_s; a trace may also end sooner.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/rng.h"

namespace batchlab {

enum class ArrivalKind { poisson, constant, bursts, trace };

struct WorkloadConfig {
  ArrivalKind arrivals = ArrivalKind::poisson;
  double rate = 0.0;  // requests per second; a trace ignores it
  // Arrivals stop here. Infinity: a trace plays to its last line.
  double duration_s = 10.0;
  std::int64_t burst_size = 32;
  std::filesystem::path trace_path;
  std::uint64_t seed = 1;
};

class ArrivalStream {
 public:
  // `trace` holds the times for ArrivalKind::trace (read_arrival_trace), else is ignored.
  explicit ArrivalStream(const WorkloadConfig& config, std::vector<double> trace = {});

  // The next arrival time, or +infinity when there are no more.
  double peek() const { return next_; }
  void pop();
  std::int64_t emitted() const { return emitted_; }

 private:
  double generate();

  WorkloadConfig config_;
  std::vector<double> trace_;
  Rng rng_;
  double next_ = std::numeric_limits<double>::infinity();
  double last_ = 0.0;
  std::int64_t emitted_ = 0;
  std::int64_t generated_ = 0;
};

// A trace of arrival times: one number of seconds per line (the first field when a line has
// commas), non-decreasing; blank lines and lines starting with '#' are skipped, and a first line
// that starts with a letter is a header. Throws DataError "<file>:<line>: <reason>".
std::vector<double> read_arrival_trace(const std::filesystem::path& path);

std::string_view to_string(ArrivalKind kind);
std::optional<ArrivalKind> parse_arrival_kind(std::string_view text);

}  // namespace batchlab
