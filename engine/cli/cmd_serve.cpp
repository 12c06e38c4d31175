// batchlab-cli serve: replay a workload against the model through a batcher and report latency
// percentiles, throughput, the batch sizes formed and saturation; with --sweep-* options, the
// latency–throughput curve of each setting and the best one under --slo-p99-ms.
// Also the option table infer and serve share, and their common input step.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "commands.h"
#include "engine/core/errors.h"
#include "engine/core/format.h"
#include "engine/serve/latency_text.h"
#include "engine/serve/serve_store.h"
#include "engine/serve/serve_sweep.h"
#include "engine/serve/serving_config.h"
#include "engine/serve/serving_model.h"
#include "engine/serve/serving_runtime.h"
#include "event_stream.h"
#include "progress_line.h"

namespace batchlab::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// ---- the option table: flag → serving config key --------------------------------------------

enum class Kind { number, integer, numbers, integers, text, texts, arrivals };
enum Use { kInfer = 1, kServe = 2, kBoth = 3 };

struct Flag {
  const char* name;
  const char* key;  // dotted key of the serving config
  Kind kind;
  int use;
  const char* help;
};

constexpr Flag kFlags[] = {
    {"--batch-sizes", "infer.batch_sizes", Kind::integers, kInfer,
     "batch sizes to measure, comma separated (default 1,8,64,1024)"},
    {"--min-seconds", "infer.min_seconds", Kind::number, kInfer,
     "time each batch size for at least this many seconds (default 0.3)"},
    {"--split", "split", Kind::text, kBoth,
     "the rows predicted and served: val (the validation split, default) or train"},
    {"--rate", "workload.rate", Kind::number, kServe,
     "offered load λ: requests per second (required unless --arrivals trace:FILE or "
     "--sweep-rates)"},
    {"--arrivals", "workload.arrivals", Kind::arrivals, kServe,
     "when requests arrive: poisson (random, default), constant (evenly spaced), bursts "
     "(--burst-size at once) or trace:FILE (a CSV of arrival times in seconds, one per line)"},
    {"--duration-s", "workload.duration_s", Kind::number, kServe,
     "how long requests keep arriving, in seconds (default 10; a trace plays to its end)"},
    {"--burst-size", "workload.burst_size", Kind::integer, kServe,
     "requests per burst with --arrivals bursts (default 32)"},
    {"--seed", "workload.seed", Kind::integer, kServe, "seed of the random arrivals (default 1)"},
    {"--mode", "batcher.mode", Kind::text, kServe,
     "realtime: each request alone (batch 1); fixed: wait until --max-batch requests are "
     "queued; dynamic (default): Triton's dynamic batcher (--max-batch, --preferred, "
     "--max-delay-ms); adaptive: the batch limit moves by itself to hold --slo-p99-ms (AIMD)"},
    {"--max-batch", "batcher.max_batch", Kind::integer, kServe,
     "the largest batch; for fixed, the batch (default 32)"},
    {"--preferred", "batcher.preferred", Kind::integers, kServe,
     "dynamic: batch sizes that run as soon as they can be filled, e.g. 4,8"},
    {"--max-delay-ms", "batcher.max_delay_ms", Kind::number, kServe,
     "dynamic, adaptive: how long the oldest request may wait for its batch to fill "
     "(default 0: run whatever is queued)"},
    {"--queue-cap", "batcher.queue_cap", Kind::integer, kServe,
     "the most requests that may wait (default 0: no cap)"},
    {"--policy", "batcher.policy", Kind::text, kServe,
     "when the queue is full: reject the arriving request (default) or drop the oldest queued"},
    {"--slo-p99-ms", "batcher.slo_p99_ms", Kind::number, kServe,
     "latency objective on the p99: adaptive holds it; a sweep names the best setting under it"},
    {"--service-ms", "service.fixed_ms", Kind::number, kServe,
     "do not run the model: every batch takes this many ms (plus --service-ms-per-row per "
     "request); implies --virtual-clock"},
    {"--service-ms-per-row", "service.per_row_ms", Kind::number, kServe,
     "with --service-ms: milliseconds more per request in the batch"},
    {"--sweep-rates", "sweep.rates", Kind::numbers, kServe,
     "sweep the offered load, e.g. 100,200,400,800: one simulation per rate and setting"},
    {"--sweep-modes", "sweep.modes", Kind::texts, kServe,
     "sweep the batcher mode too, e.g. realtime,dynamic"},
    {"--sweep-max-batch", "sweep.max_batches", Kind::integers, kServe,
     "sweep the max batch too, e.g. 8,32,128"},
    {"--sweep-max-delay-ms", "sweep.max_delays_ms", Kind::numbers, kServe,
     "sweep the max queue delay too, e.g. 0,1,5"},
};

void add_common(CLI::App& cmd, ServingCliOptions& o, int use) {
  cmd.add_option("config", o.config,
                 "serving preset or file, or a run preset or config (see `batchlab-cli "
                 "presets`); or give --run ID");
  cmd.add_option("--run", o.run_id, "serve a stored run's trained model (see `batchlab-cli runs`)");
  cmd.add_option("--db", o.db,
                 "the run store: --run's model is read from it and the results are recorded in "
                 "it; default as for `run`");
  cmd.add_flag("--no-store", o.no_store, "do not record the results in the store");
  cmd.add_option("--jsonl", o.jsonl, "write every event as one JSON line to PATH, or - for stdout");
  cmd.add_option("--device", o.device, "auto, cpu, cuda or cuda:N (overrides the config's device)");
  for (const Flag& f : kFlags) {
    if ((f.use & use) == 0) continue;
    const std::string name = f.name;
    cmd.add_option_function<std::string>(
        name, [&o, name](const std::string& v) { o.values[name] = v; }, f.help);
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    out.emplace_back(trim(std::string_view(text).substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Bad input: the message names the option.
[[noreturn]] void bad(const Flag& f, const std::string& reason) {
  throw Error(std::string(f.name) + ": " + reason);
}

json number_of(const Flag& f, const std::string& t, bool integer) {
  char* end = nullptr;
  if (integer) {
    const long long v = std::strtoll(t.c_str(), &end, 10);
    if (t.empty() || end != t.c_str() + t.size())
      bad(f, "expected a whole number, got \"" + t + "\"");
    return v;
  }
  const double v = std::strtod(t.c_str(), &end);
  if (t.empty() || end != t.c_str() + t.size() || !std::isfinite(v))
    bad(f, "expected a number, got \"" + t + "\"");
  return v;
}

void set_key(json& root, const std::string& dotted, json value) {
  json* node = &root;
  std::size_t start = 0;
  while (true) {
    const auto dot = dotted.find('.', start);
    const std::string part = dotted.substr(start, dot - start);
    if (dot == std::string::npos) {
      (*node)[part] = std::move(value);
      return;
    }
    node = &(*node)[part];
    start = dot + 1;
  }
}

// The options as a JSON object over the serving config; throws Error naming the option.
json overrides_of(const ServingCliOptions& o) {
  json j = json::object();
  for (const Flag& f : kFlags) {
    const auto it = o.values.find(f.name);
    if (it == o.values.end()) continue;
    const std::string& t = it->second;
    switch (f.kind) {
      case Kind::number:
      case Kind::integer:
        set_key(j, f.key, number_of(f, t, f.kind == Kind::integer));
        break;
      case Kind::numbers:
      case Kind::integers: {
        json list = json::array();
        for (const auto& item : split_list(t))
          list.push_back(number_of(f, item, f.kind == Kind::integers));
        set_key(j, f.key, list);
        break;
      }
      case Kind::text:
        set_key(j, f.key, t);
        break;
      case Kind::texts:
        set_key(j, f.key, split_list(t));
        break;
      case Kind::arrivals:
        if (t.starts_with("trace:")) {
          const std::string file = t.substr(6);
          if (file.empty()) bad(f, "give the trace file: trace:FILE.csv");
          set_key(j, "workload.arrivals", "trace");
          set_key(j, "workload.trace", fs::absolute(file).string());
        } else {
          if (t == "trace") bad(f, "give the trace file: trace:FILE.csv");
          set_key(j, "workload.arrivals", t);
        }
        break;
    }
  }
  if (o.virtual_clock) j["clock"] = "virtual";
  return j;
}

// A ConfigError about a key an option set is reported under the option's name.
std::string message_for(const ConfigError& e, const ServingCliOptions& o) {
  const std::string key = e.field().substr(0, e.field().find('['));
  const std::string what = e.what();
  const auto at = what.find(e.field() + ": ");
  const std::string reason = at == std::string::npos ? what : what.substr(at + e.field().size() + 2);
  for (const Flag& f : kFlags)
    if (key == f.key || (std::string(f.name) == "--arrivals" && key == "workload.trace"))
      if (o.values.contains(f.name)) return std::string(f.name) + ": " + reason;
  if (key == "clock" && o.virtual_clock) return "--virtual-clock: " + reason;
  return what;
}

// ---- the terminal progress line ----------------------------------------------------------

// Draws "t 3.2 s | 512 req/s | p99 4.1 ms | queue 3 | batch ≤ 12" at most ten times a second
// when stderr is a terminal, and turns Ctrl-C into a stop (checked on every batch).
class ServeProgress final : public EventSink {
 public:
  ServeProgress(RunControl& control, bool enabled) : control_(control), enabled_(enabled) {}
  void set_prefix(std::string p) { prefix_ = std::move(p); }
  void on_extension(const ExtensionEvent& e) override {
    if (interrupt_requested() && !control_.stop_requested()) control_.request_stop();
    const auto* w = dynamic_cast<const ServeWindowEvent*>(&e);
    if (!w || !enabled_ || (drawn_ && since_.seconds() < 0.1)) return;
    std::string line = prefix_;
    line.append("t ").append(format_number(w->t_s, 3)).append(" s | ");
    line.append(format_rate(w->throughput)).append(" req/s | p99 ");
    line.append(format_latency(w->p99_ms * 1e-3)).append(" | queue ");
    line.append(std::to_string(w->queue_depth)).append(" | batch ≤ ");
    line.append(std::to_string(w->batch_limit));
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    drawn_ = true;
    since_.restart();
  }
  void clear() {
    if (enabled_ && drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
  }

 private:
  RunControl& control_;
  bool enabled_;
  bool drawn_ = false;
  std::string prefix_;
  Stopwatch since_;
};

// ---- printing ------------------------------------------------------------------------------

std::string cell(const std::string& text, std::size_t width, bool left = false) {
  std::size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
  const std::string pad(width > chars ? width - chars : 0, ' ');
  return left ? text + pad : pad + text;
}

std::string setting_text(BatchMode mode, std::int64_t max_batch, double max_delay_s,
                         const std::vector<std::int64_t>& preferred) {
  std::string s = std::string(to_string(mode)) + " batching";
  if (mode == BatchMode::realtime) return "real-time serving (batch 1)";
  if (mode == BatchMode::fixed) return s + " (batch " + std::to_string(max_batch) + ")";
  s += mode == BatchMode::adaptive ? ", batch limit ≤ " : ", max batch ";
  s += std::to_string(max_batch);
  if (!preferred.empty()) {
    s += ", preferred ";
    for (std::size_t i = 0; i < preferred.size(); ++i)
      s += (i ? "," : "") + std::to_string(preferred[i]);
  }
  s += ", max delay " + format_latency(max_delay_s);
  return s;
}

std::string workload_text(const ServingConfig& c) {
  const auto& w = c.workload;
  std::string s;
  if (w.arrivals == ArrivalKind::trace)
    s = "arrivals from " + w.trace_path.filename().string();
  else if (!c.sweep.rates.empty())  // each sweep point names its own rate
    s = std::string(to_string(w.arrivals)) + " arrivals";
  else
    s = std::string(to_string(w.arrivals)) + " arrivals at " + format_rate(w.rate) + " req/s";
  if (w.arrivals == ArrivalKind::bursts) s += " (bursts of " + std::to_string(w.burst_size) + ")";
  if (std::isfinite(w.duration_s)) s += " for " + format_duration(w.duration_s);
  s += c.virtual_clock ? ", virtual clock" : ", real clock";
  return s;
}

void print_histogram(std::FILE* out, const ServeResult& r) {
  std::vector<std::pair<std::string, std::int64_t>> rows;
  std::size_t used = 0;
  for (std::size_t n = 1; n < r.batch_histogram.size(); ++n) used += r.batch_histogram[n] > 0;
  if (used <= 12) {
    for (std::size_t n = 1; n < r.batch_histogram.size(); ++n)
      if (r.batch_histogram[n] > 0) rows.emplace_back(std::to_string(n), r.batch_histogram[n]);
  } else {  // many sizes: powers-of-two ranges
    for (std::size_t lo = 1; lo < r.batch_histogram.size(); lo *= 2) {
      const std::size_t hi = std::min(lo * 2 - 1, r.batch_histogram.size() - 1);
      std::int64_t count = 0;
      for (std::size_t n = lo; n <= hi; ++n) count += r.batch_histogram[n];
      if (count > 0)
        rows.emplace_back(lo == hi ? std::to_string(lo) : std::to_string(lo) + "–" + std::to_string(hi), count);
    }
  }
  std::int64_t most = 1;
  for (const auto& [label, count] : rows) most = std::max(most, count);
  std::fprintf(out, "  batch sizes (batches):\n");
  for (const auto& [label, count] : rows) {
    const auto bar = static_cast<std::size_t>(std::lround(30.0 * static_cast<double>(count) / static_cast<double>(most)));
    std::string bars;
    for (std::size_t i = 0; i < std::max<std::size_t>(bar, 1); ++i) bars += "█";
    std::fprintf(out, "  %s %s %s\n", cell(label, 11).c_str(), cell(std::to_string(count), 9).c_str(), bars.c_str());
  }
}

void print_result(std::FILE* out, const ServeResult& r, const BatcherConfig& b) {
  std::fprintf(out, "  requests: %lld arrived, %lld served, %lld dropped, %lld rejected, %lld unfinished\n",
               static_cast<long long>(r.arrived), static_cast<long long>(r.served),
               static_cast<long long>(r.dropped), static_cast<long long>(r.rejected),
               static_cast<long long>(r.unfinished));
  std::fprintf(out, "  latency: p50 %s, p90 %s, p99 %s, max %s (mean %s = queue wait %s + compute %s)\n",
               format_latency(r.p50_s).c_str(), format_latency(r.p90_s).c_str(),
               format_latency(r.p99_s).c_str(), format_latency(r.max_s).c_str(),
               format_latency(r.mean_s).c_str(), format_latency(r.mean_wait_s).c_str(),
               format_latency(r.mean_compute_s).c_str());
  std::fprintf(out, "  throughput: %s req/s (offered %s), server busy %s %%, mean batch %s, longest queue %lld\n",
               format_rate(r.throughput).c_str(), format_rate(r.offered_rate).c_str(),
               format_number(100.0 * r.utilization, 3).c_str(), format_number(r.mean_batch, 3).c_str(),
               static_cast<long long>(r.max_queue_depth));
  print_histogram(out, r);
  if (r.mode == BatchMode::adaptive)
    std::fprintf(out, "  adaptive: settled on a batch limit of %lld (%lld windows of %lld requests; p99 objective %s)\n",
                 static_cast<long long>(r.settled_limit), static_cast<long long>(r.limit_updates),
                 static_cast<long long>(b.adapt_window), format_latency(b.slo_p99_s).c_str());
  if (b.slo_p99_s > 0 && r.served > 0)
    std::fprintf(out, "  objective p99 ≤ %s: %s\n", format_latency(b.slo_p99_s).c_str(),
                 r.p99_s <= b.slo_p99_s ? "met" : "missed");
  if (r.saturated) std::fprintf(out, "  %s: the queue grew faster than the server could empty it\n", saturation_text(r).c_str());
  if (r.hit_queue_bound)
    std::fprintf(out, "  the queue reached the simulator's bound; later arrivals were rejected\n");
  if (r.stopped) std::fprintf(out, "  stopped early\n");
}

void print_sweep(std::FILE* out, const ServeSweepResult& s) {
  std::string head = cell("mode", 10, true) + cell("max batch", 10) + cell("max delay", 11) +
                     cell("rate", 9) + cell("throughput", 11) + cell("p50", 10) + cell("p99", 10) +
                     cell("mean batch", 11) + cell("lost", 7) + "  ";
  std::fprintf(out, "\n%s\n", head.c_str());
  for (std::size_t i = 0; i < s.points.size(); ++i) {
    const auto& p = s.points[i];
    const auto& r = p.result;
    std::string row = cell(std::string(to_string(p.mode)), 10, true) + cell(std::to_string(p.max_batch), 10) +
                      cell(p.mode == BatchMode::dynamic || p.mode == BatchMode::adaptive ? format_latency(p.max_delay_s) : kMissing, 11) +
                      cell(format_rate(p.rate), 9) + cell(format_rate(r.throughput), 11) +
                      cell(format_latency(r.p50_s), 10) + cell(format_latency(r.p99_s), 10) +
                      cell(format_number(r.mean_batch, 3), 11) +
                      cell(std::to_string(r.dropped + r.rejected + r.unfinished), 7) + "  ";
    if (r.saturated) row += "saturated at ≈ " + format_rate(r.saturated_at) + " req/s";
    else if (s.best && *s.best == i) row += "← best";
    else if (p.meets_objective) row += "meets";
    std::fprintf(out, "%s\n", row.c_str());
  }
  if (s.objective_s <= 0) {
    std::fprintf(out, "\nno --slo-p99-ms given: no best setting named\n");
  } else if (s.best) {
    const auto& p = s.points[*s.best];
    std::fprintf(out, "\nbest under p99 ≤ %s: %s at %s req/s (p99 %s, mean batch %s)\n",
                 format_latency(s.objective_s).c_str(),
                 setting_text(p.mode, p.max_batch, p.max_delay_s, {}).c_str(),
                 format_rate(p.result.throughput).c_str(), format_latency(p.result.p99_s).c_str(),
                 format_number(p.result.mean_batch, 3).c_str());
  } else {
    std::fprintf(out, "\nno setting meets p99 ≤ %s at any rate tried, with nothing lost\n",
                 format_latency(s.objective_s).c_str());
  }
}

}  // namespace

void add_infer_options(CLI::App& cmd, ServingCliOptions& o) {
  add_common(cmd, o, kInfer);
}

void add_serve_options(CLI::App& cmd, ServingCliOptions& o) {
  add_common(cmd, o, kServe);
  cmd.add_flag("--virtual-clock", o.virtual_clock,
               "simulated time: each batch size's service time is measured once, then the run is "
               "simulated (deterministic, faster than real time); default: the real clock, "
               "where requests really wait and every batch really runs");
}

std::unique_ptr<ServingRunWriter> open_serving_run(const ServingCliOptions& o, RunKind kind,
                                                   const ServingConfig& config,
                                                   const std::string& device, bool& ok) {
  ok = true;
  if (o.no_store) return nullptr;
  try {
    const std::string verb = kind == RunKind::serving ? "serve " : "infer ";
    return std::make_unique<ServingRunWriter>(store_path_or_default(o.db), kind,
                                              verb + (config.name.empty() ? "model" : config.name),
                                              config, device);
  } catch (const Error& e) {
    std::fprintf(stderr, "batchlab-cli: %s\n", e.what());
    ok = false;
    return nullptr;
  }
}

// "recorded as run 12 in /path/runs.sqlite", after the results.
void print_recorded(std::FILE* out, const ServingRunWriter* writer, const ServingCliOptions& o) {
  if (writer)
    std::fprintf(out, "recorded as run %lld in %s\n", static_cast<long long>(writer->run_id()),
                 store_path_or_default(o.db).c_str());
}

bool load_serving_input(const ServingCliOptions& o, ServingConfig& config, ServingModel& model) {
  try {
    if (o.run_id != 0 && !o.config.empty())
      throw Error("give either CONFIG|PRESET or --run ID, not both");
    if (o.run_id == 0 && o.config.empty())
      throw Error("give the model: a serving or run preset, a config file, or --run ID");
    if (o.run_id < 0) throw Error("--run: expected a run id (1 or more), got " + std::to_string(o.run_id));
    const json overrides = overrides_of(o);
    config = o.run_id > 0 ? serving_config_for_model(o.run_id, overrides, "options")
                          : load_serving_config(o.config, overrides, "options");
    ServingModelSource source = config.model;
    model = load_serving_model(source, config.train_split, store_path_or_default(o.db), o.device);
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "batchlab-cli: %s\n", message_for(e, o).c_str());
    return false;
  } catch (const Error& e) {
    std::fprintf(stderr, "batchlab-cli: %s\n", e.what());
    return false;
  }
  return true;
}

int cmd_serve(const ServingCliOptions& o) {
  ServingConfig config;
  ServingModel model;
  if (!load_serving_input(o, config, model)) return kExitBadInput;
  try {
    require_arrival_rate(config, "options");
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "batchlab-cli: %s\n", message_for(e, o).c_str());
    return kExitBadInput;
  }
  ServeOptions options;
  try {
    options = serve_options_for(config, model);
  } catch (const Error& e) {  // a trace that does not read: file:line
    std::fprintf(stderr, "batchlab-cli: %s\n", e.what());
    return kExitBadInput;
  }
  EventStream jsonl;
  if (!jsonl.open(o.jsonl)) return kExitBadInput;
  std::FILE* out = o.jsonl == "-" ? stderr : stdout;

  std::unique_ptr<ServingRuntime> runtime;
  try {
    runtime = std::make_unique<ServingRuntime>(model, config, largest_batch(config));
  } catch (const OutOfMemoryError& e) {
    std::fprintf(stderr, "batchlab-cli: a batch of %lld does not fit: %s\n",
                 static_cast<long long>(largest_batch(config)), e.what());
    return kExitResult;
  } catch (const Error& e) {
    std::fprintf(stderr, "batchlab-cli: %s\n", e.what());
    return kExitBadInput;
  }

  bool store_ok = true;
  const auto writer = open_serving_run(o, RunKind::serving, config, runtime->device(), store_ok);
  if (!store_ok) return kExitBadInput;

  RunControl control;
  install_interrupt_handler();
  ServeProgress progress(control, ::isatty(STDERR_FILENO) != 0);
  ServingWindowRecorder recorder;
  FanOutSink sinks;
  sinks.add(&progress);
  sinks.add(jsonl.sink());
  sinks.add(&recorder);
  ServeObservers observers{.sink = &sinks, .control = &control, .on_request = {}};

  std::fprintf(out, "serve %s: %s on %s, %lld %s rows\n", config.name.c_str(), model.label.c_str(),
               runtime->device().c_str(), static_cast<long long>(model.rows().rows),
               &model.rows() == &model.data.train ? "training" : "validation");
  std::fflush(out);
  if (!config.sweep.empty()) {
    std::fprintf(out, "sweep: %s; each point: %s\n",
                 config.sweep.rates.empty() ? "one rate" : (std::to_string(config.sweep.rates.size()) + " rates").c_str(),
                 workload_text(config).c_str());
    std::fflush(out);
    std::size_t done = 0;
    const auto on_point = [&](const ServeSweepPoint& p) {
      progress.clear();
      ++done;
      std::fprintf(out, "  %zu: %s at %s req/s: p99 %s, %s req/s%s\n", done,
                   setting_text(p.mode, p.max_batch, p.max_delay_s, {}).c_str(), format_rate(p.rate).c_str(),
                   format_latency(p.result.p99_s).c_str(), format_rate(p.result.throughput).c_str(),
                   p.result.saturated ? (", " + saturation_text(p.result)).c_str() : "");
      std::fflush(out);
    };
    const ServeSweepResult s = run_serve_sweep(options, config.sweep, runtime->service(), observers, on_point);
    progress.clear();
    print_sweep(out, s);
    if (s.stopped) std::fprintf(out, "stopped early: %zu points ran\n", s.points.size());
    if (writer) writer->finish_serving(serving_point_rows(s), recorder.windows(), s.stopped);
    print_recorded(out, writer.get(), o);
    return kExitOk;
  }
  std::fprintf(out, "%s; %s\n",
               setting_text(config.batcher.mode, config.batcher.max_batch, config.batcher.max_delay_s, config.batcher.preferred).c_str(),
               workload_text(config).c_str());
  std::fflush(out);
  const ServeResult r = simulate_serving(options, runtime->service(), observers);
  progress.clear();
  if (auto* sink = jsonl.sink()) {
    sink->on_extension(serve_summary_event(r));
    for (std::size_t n = 1; n < r.batch_histogram.size(); ++n)
      if (r.batch_histogram[n] > 0) {
        ServeBatchSizeCountEvent e;
        e.batch_size = static_cast<std::int64_t>(n);
        e.batches = r.batch_histogram[n];
        sink->on_extension(e);
      }
  }
  print_result(out, r, config.batcher);
  if (const auto m = runtime->measured(); !m.empty() && m.size() <= 8) {
    std::string t;
    for (const auto& [n, s] : m) t += (t.empty() ? "" : ", ") + std::to_string(n) + ": " + format_latency(s);
    std::fprintf(out, "  service times measured (batch: time): %s\n", t.c_str());
  }
  if (writer)
    writer->finish_serving(serving_point_rows(r, config.batcher.slo_p99_s), recorder.windows(),
                           r.stopped);
  print_recorded(out, writer.get(), o);
  return kExitOk;
}

}  // namespace batchlab::cli
