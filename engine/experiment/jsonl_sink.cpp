#include "engine/experiment/jsonl_sink.h"

#include <cmath>

#include "engine/core/step_fields.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/summary_json.h"

namespace batchlab {
namespace {

using nlohmann::ordered_json;

ordered_json memory_json(const MemoryBytes& m) {
  ordered_json j = ordered_json::object();
  for (int c = 0; c < kMemCategoryCount; ++c)
    j[std::string(memory_category_name(static_cast<MemCategory>(c)))] =
        m[static_cast<std::size_t>(c)];
  return j;
}

// Invalid UTF-8 in a name or message must not throw out of a sink; it is replaced by U+FFFD.
std::string line(const ordered_json& j) {
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::info:
      return "info";
    case LogLevel::warning:
      return "warning";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

}  // namespace

// Keys and order are kStepFields'; the memory fields go together under "memory", keyed by
// category name, where the first of them stands in the table (DESIGN §2).
ordered_json to_json(const StepEvent& e) {
  ordered_json j;
  j["type"] = "step";
  j["run_id"] = e.run_id;
  for (const auto& f : kStepFields) {
    if (f.is_memory()) {
      j["memory"][std::string(memory_category_name(f.category()))] = step_field_int(e, f);
    } else if (f.type() == FieldType::real) {
      j[std::string(f.name)] = finite_or_null(step_field_real(e, f));
    } else {
      j[std::string(f.name)] = step_field_int(e, f);
    }
  }
  return j;
}

ordered_json to_json(const EvalEvent& e) {
  ordered_json j;
  j["type"] = "eval";
  j["run_id"] = e.run_id;
  j["step"] = e.step;
  j["epoch"] = finite_or_null(e.epoch);
  j["val_loss"] = finite_or_null(e.val_loss);
  j["val_accuracy"] = finite_or_null(e.val_accuracy);
  j["train_loss"] = finite_or_null(e.train_loss);
  j["wall_s"] = finite_or_null(e.wall_s);
  return j;
}

ordered_json to_json(const RunStarted& e) {
  ordered_json j;
  j["type"] = "run_started";
  j["run_id"] = e.run_id;
  if (e.sweep_id != 0) j["sweep_id"] = e.sweep_id;
  j["name"] = e.name;
  j["device"] = e.device;
  j["dataset_name"] = e.dataset_name;
  j["task"] = to_string(e.task);
  j["train_rows"] = e.train_rows;
  j["val_rows"] = e.val_rows;
  j["parameters"] = e.parameters;
  j["steps_per_epoch"] = e.steps_per_epoch;
  j["planned_steps"] = e.planned_steps;
  j["predicted"] = memory_json(e.predicted);
  j["device_total_bytes"] = e.device_total_bytes;
  j["config"] = ordered_json(run_config_to_json(e.config));
  return j;
}

ordered_json to_json(const RunFinished& e) {
  ordered_json j;
  j["type"] = "run_finished";
  j["run_id"] = e.run_id;
  j["status"] = to_string(e.status);
  j["reason"] = e.reason;
  j["summary"] = summary_json(e.summary);
  return j;
}

ordered_json to_json(const LogEvent& e) {
  ordered_json j;
  j["type"] = "log";
  j["run_id"] = e.run_id;
  j["level"] = level_name(e.level);
  j["message"] = e.message;
  return j;
}

ordered_json to_json(const ExtensionEvent& e) {
  ordered_json j;
  j["type"] = std::string(e.type());
  j["run_id"] = e.run_id;
  e.visit_fields([&](std::string_view name, double value) {
    // Whole numbers (steps, bytes, counts) print as integers, as in the step lines.
    if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 9.0e15)
      j[std::string(name)] = static_cast<std::int64_t>(value);
    else
      j[std::string(name)] = finite_or_null(value);
  });
  return j;
}

// Steps are not flushed one by one: the stream buffer absorbs them. Everything rarer is flushed
// so a reader following the file (tail -f, a pipe) sees it at once.
void JsonlSink::on_run_started(const RunStarted& e) {
  out_ << line(to_json(e)) << std::endl;
}
void JsonlSink::on_step(const StepEvent& e) {
  out_ << line(to_json(e)) << '\n';
}
void JsonlSink::on_extension(const ExtensionEvent& e) {
  out_ << line(to_json(e)) << '\n';  // per-step kinds: buffered like steps
}
void JsonlSink::on_eval(const EvalEvent& e) {
  out_ << line(to_json(e)) << std::endl;
}
void JsonlSink::on_log(const LogEvent& e) {
  out_ << line(to_json(e)) << std::endl;
}
void JsonlSink::on_run_finished(const RunFinished& e) {
  out_ << line(to_json(e)) << std::endl;
}

}  // namespace batchlab
