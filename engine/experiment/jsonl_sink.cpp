#include "engine/experiment/jsonl_sink.h"

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

ordered_json to_json(const StepEvent& e) {
  ordered_json j;
  j["type"] = "step";
  j["run_id"] = e.run_id;
  j["step"] = e.step;
  j["epoch"] = finite_or_null(e.epoch);
  j["samples_seen"] = e.samples_seen;
  j["batch_size"] = e.batch_size;
  j["micro_batches"] = e.micro_batches;
  j["lr"] = finite_or_null(e.lr);
  j["loss"] = finite_or_null(e.loss);
  j["samples_per_s"] = finite_or_null(e.samples_per_s);
  j["step_ms"] = finite_or_null(e.step_ms);
  j["data_ms"] = finite_or_null(e.data_ms);
  j["compute_ms"] = finite_or_null(e.compute_ms);
  j["wall_s"] = finite_or_null(e.wall_s);
  j["memory"] = memory_json(e.memory);
  j["grad_norm2"] = finite_or_null(e.grad_norm2);
  j["b_simple"] = finite_or_null(e.b_simple);
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

// Steps are not flushed one by one: the stream buffer absorbs them. Everything rarer is flushed
// so a reader following the file (tail -f, a pipe) sees it at once.
void JsonlSink::on_run_started(const RunStarted& e) {
  out_ << line(to_json(e)) << std::endl;
}
void JsonlSink::on_step(const StepEvent& e) {
  out_ << line(to_json(e)) << '\n';
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
