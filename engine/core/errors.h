// defines: Error, ConfigError, DataError, OutOfMemoryError
// Every user-facing failure is one of these; what() is the one line a person reads on stderr,
// naming the file, field or line at fault.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace batchlab {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A config value that is malformed, mistyped, unknown or out of range. what() is
// "<source>: <dotted.field>: <reason>".
class ConfigError : public Error {
 public:
  ConfigError(const std::string& source, const std::string& field, const std::string& reason)
      : Error(source + ": " + field + ": " + reason), field_(field) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

// A dataset that cannot be read: missing file, bad magic, truncated data, ragged CSV row.
// what() is "<file>[:<line>]: <reason>".
class DataError : public Error {
 public:
  using Error::Error;
};

// A device allocation failed or the memory budget would be exceeded. A result, not a crash:
// the Trainer turns it into RunFinished{status = out_of_memory}.
class OutOfMemoryError : public Error {
 public:
  OutOfMemoryError(const std::string& message, std::int64_t requested_bytes,
                   std::int64_t in_use_bytes, std::int64_t limit_bytes)
      : Error(message), requested(requested_bytes), in_use(in_use_bytes), limit(limit_bytes) {}
  std::int64_t requested;
  std::int64_t in_use;
  std::int64_t limit;  // budget or device total; 0 when unknown
};

}  // namespace batchlab
