// defines: EventStream (the --jsonl target of `run` and `sweep`)
#pragma once

#include <fstream>
#include <memory>
#include <string>

#include "engine/experiment/jsonl_sink.h"

namespace batchlab::cli {

// "-" streams to stdout, a path to that file, "" to nowhere (sink() is null).
class EventStream {
 public:
  // False, with one line on stderr, when the file cannot be written.
  bool open(const std::string& target);
  EventSink* sink() const { return sink_.get(); }

 private:
  std::ofstream file_;
  std::unique_ptr<JsonlSink> sink_;
};

}  // namespace batchlab::cli
