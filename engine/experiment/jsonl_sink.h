// defines: JsonlSink (one JSON object per event, "type" first), to_json
#pragma once

#include <ostream>

#include <nlohmann/json.hpp>

#include "engine/core/event_sink.h"

namespace batchlab {

nlohmann::ordered_json to_json(const StepEvent& e);
nlohmann::ordered_json to_json(const EvalEvent& e);
nlohmann::ordered_json to_json(const RunStarted& e);
nlohmann::ordered_json to_json(const RunFinished& e);
nlohmann::ordered_json to_json(const LogEvent& e);
// {"type": e.type(), "run_id": …, then its fields}: any kind, with no code of its own here.
nlohmann::ordered_json to_json(const ExtensionEvent& e);

class JsonlSink final : public EventSink {
 public:
  explicit JsonlSink(std::ostream& out) : out_(out) {}
  void on_run_started(const RunStarted& e) override;
  void on_step(const StepEvent& e) override;
  void on_eval(const EvalEvent& e) override;
  void on_log(const LogEvent& e) override;
  void on_run_finished(const RunFinished& e) override;
  void on_extension(const ExtensionEvent& e) override;

 private:
  std::ostream& out_;
};

}  // namespace batchlab
