#include "event_stream.h"

#include <cstdio>
#include <iostream>

namespace batchlab::cli {

bool EventStream::open(const std::string& target) {
  if (target == "-") {
    sink_ = std::make_unique<JsonlSink>(std::cout);
  } else if (!target.empty()) {
    file_.open(target, std::ios::trunc);
    if (!file_) {
      std::fprintf(stderr, "batchlab-cli: %s: cannot write the event stream\n", target.c_str());
      return false;
    }
    sink_ = std::make_unique<JsonlSink>(file_);
  }
  return true;
}

}  // namespace batchlab::cli
