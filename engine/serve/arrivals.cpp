#include "engine/serve/arrivals.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "engine/core/errors.h"
#include "engine/core/format.h"

namespace batchlab {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

ArrivalStream::ArrivalStream(const WorkloadConfig& config, std::vector<double> trace)
    : config_(config), trace_(std::move(trace)), rng_(config.seed) {
  next_ = generate();
}

void ArrivalStream::pop() {
  if (std::isinf(next_)) return;
  ++emitted_;
  last_ = next_;
  next_ = generate();
}

double ArrivalStream::generate() {
  const std::int64_t i = generated_++;
  double t = kInf;
  switch (config_.arrivals) {
    case ArrivalKind::poisson:
      // Inverse transform of U in (0, 1]: never log(0).
      t = (i == 0 ? 0.0 : last_) - std::log(1.0 - rng_.uniform()) / config_.rate;
      break;
    case ArrivalKind::constant:
      t = static_cast<double>(i) / config_.rate;
      break;
    case ArrivalKind::bursts: {
      const std::int64_t b = std::max<std::int64_t>(config_.burst_size, 1);
      t = static_cast<double>(i / b) * static_cast<double>(b) / config_.rate;
      break;
    }
    case ArrivalKind::trace:
      t = i < static_cast<std::int64_t>(trace_.size()) ? trace_[static_cast<std::size_t>(i)] : kInf;
      break;
  }
  return t < config_.duration_s ? t : kInf;
}

std::vector<double> read_arrival_trace(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw DataError(path.string() + ": cannot read the arrival trace");
  std::vector<double> times;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view text = trim(line);
    if (text.empty() || text.front() == '#') continue;
    if (number == 1 && std::isalpha(static_cast<unsigned char>(text.front()))) continue;
    text = trim(text.substr(0, text.find(',')));
    const std::string field(text);
    char* end = nullptr;
    const double t = std::strtod(field.c_str(), &end);
    const auto where = path.string() + ":" + std::to_string(number) + ": ";
    if (field.empty() || end != field.c_str() + field.size())
      throw DataError(where + "expected an arrival time in seconds, got \"" + field + "\"");
    if (!std::isfinite(t) || t < 0)
      throw DataError(where + "an arrival time must be 0 or more seconds, got " + field);
    if (!times.empty() && t < times.back())
      throw DataError(where + "arrival times must not decrease (" + field + " after " +
                      format_number(times.back(), 6) + ")");
    times.push_back(t);
  }
  if (times.empty()) throw DataError(path.string() + ": the arrival trace holds no times");
  return times;
}

std::string_view to_string(ArrivalKind kind) {
  switch (kind) {
    case ArrivalKind::poisson: return "poisson";
    case ArrivalKind::constant: return "constant";
    case ArrivalKind::bursts: return "bursts";
    case ArrivalKind::trace: return "trace";
  }
  return "poisson";
}

std::optional<ArrivalKind> parse_arrival_kind(std::string_view text) {
  for (const ArrivalKind k :
       {ArrivalKind::poisson, ArrivalKind::constant, ArrivalKind::bursts, ArrivalKind::trace})
    if (to_string(k) == text) return k;
  return std::nullopt;
}

}  // namespace batchlab
