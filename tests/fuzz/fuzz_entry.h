// defines: the fuzz entry points, one per parser that reads a user's file — idx (raw IDX pair),
//          idx_gz (gzipped IDX pair), csv, run_config, sweep_config, serving_config,
//          serving_trace, lesson, merge_shard — plus kTargets
// Shared by the libFuzzer targets (tests/fuzz/fuzz_<target>.cpp) and the corpus replay in the
// ordinary suite (tests/engine/test_fuzz_corpus.cpp), so both feed an input through exactly the
// same calls. A batchlab::Error is the expected answer to bad input and is swallowed; anything
// else (another exception, a crash, a broken invariant → abort) is a bug.
//
// Input formats (tests/fuzz/README.md has the details and how seeds are made):
//   idx, idx_gz   [u16 LE n][n bytes: the images file][the rest: the labels file]; idx_gz takes
//                 one more byte first: bit 0 set → both files are gzip-compressed here (level =
//                 the byte's bits 1-4) before loading, clear → written as given (gzip or not).
//   csv           the CSV file itself.
//   run_config,   the JSON file itself, optionally followed by '\0'-separated --set assignments
//   sweep_config  ("batch.size=64"), loaded with load_run_config / load_sweep_config from a file.
//   lesson        the lesson JSON file itself, loaded with load_lesson (which loads the run and
//                 sweep presets it names, from the source tree).
//   serving_config the JSON file itself (load_serving_config, then require_arrival_rate).
//   serving_trace the arrival-trace CSV itself (read_arrival_trace, then played by ArrivalStream).
//   merge_shard   the shard file itself (an SQLite store, or whatever the bytes are), merged into
//                 an empty main store with merge_shards, twice.
#pragma once

#include <zlib.h>

#include <unistd.h>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "engine/core/errors.h"
#include "engine/data/csv_loader.h"
#include "engine/data/idx_loader.h"
#include "engine/data/load_dataset.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/run_store.h"
#include "engine/experiment/store_merge.h"
#include "engine/experiment/sweep_config.h"
#include "engine/experiment/sweep_load.h"
#include "engine/lesson/lesson_io.h"
#include "engine/lesson/lesson_runner.h"
#include "engine/lesson/outcome_rules.h"
#include "engine/serve/arrivals.h"
#include "engine/serve/serving_config.h"

namespace batchlab::fuzz {

using Bytes = std::span<const std::uint8_t>;

// A broken invariant: print what and abort, so libFuzzer keeps the input as a crash.
[[noreturn]] inline void invariant_failed(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}
#define BATCHLAB_FUZZ_CHECK(cond) ((cond) ? void(0) : ::batchlab::fuzz::invariant_failed(#cond))

// One private folder per process for the files the loaders read (they take paths, not bytes);
// /dev/shm when there is one, so the fuzzers do not wear the disk. Removed at exit.
class Scratch {
 public:
  static Scratch& get() {
    static Scratch s;
    return s;
  }
  std::filesystem::path path(const char* name) const { return dir_ / name; }
  std::string write(const char* name, std::string_view bytes) const {
    const std::filesystem::path p = dir_ / name;
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) invariant_failed("cannot write the scratch file");
    return p.string();
  }

 private:
  Scratch() {
    std::error_code ec;
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec)
                                           ? "/dev/shm"
                                           : std::filesystem::temp_directory_path();
    dir_ = base / ("batchlab-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_, ec);
    if (ec) invariant_failed("cannot create the scratch folder");
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::filesystem::path dir_;
};

inline std::string_view as_text(Bytes b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

inline std::string gzip(std::string_view raw, int level) {
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer, as `gzip` writes them.
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    invariant_failed("deflateInit2");
  std::string out(deflateBound(&z, static_cast<uLong>(raw.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) invariant_failed("deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// What every loaded dataset must satisfy, whatever the file said.
inline void check_dataset(const Dataset& d) {
  BATCHLAB_FUZZ_CHECK(d.rows >= 0 && d.features >= 1 && d.outputs >= 1);
  BATCHLAB_FUZZ_CHECK(d.x.size() == static_cast<std::size_t>(d.rows * d.features));
  for (const float v : d.x) BATCHLAB_FUZZ_CHECK(std::isfinite(v));
  if (d.task == Task::classification) {
    BATCHLAB_FUZZ_CHECK(d.labels.size() == static_cast<std::size_t>(d.rows));
    for (const auto l : d.labels) BATCHLAB_FUZZ_CHECK(l >= 0 && l < d.outputs);
  } else {
    BATCHLAB_FUZZ_CHECK(d.targets.size() == static_cast<std::size_t>(d.rows * d.outputs));
    for (const float v : d.targets) BATCHLAB_FUZZ_CHECK(std::isfinite(v));
  }
}

inline void load_idx_files(std::string_view images, std::string_view labels) {
  const std::string ip = Scratch::get().write("images-idx3-ubyte", images);
  const std::string lp = Scratch::get().write("labels-idx1-ubyte", labels);
  try {
    const Dataset d = load_idx_pair(ip, lp);
    if (d.rows > 0) check_dataset(d);
    for (const float v : d.x) BATCHLAB_FUZZ_CHECK(v >= 0.0f && v <= 1.0f);
    BATCHLAB_FUZZ_CHECK(d.features == std::int64_t{d.image_width} * d.image_height);
  } catch (const Error&) {
  }
}

// [u16 LE n][images: n bytes][labels: the rest]; n is cut to what is there.
inline void split_pair(Bytes in, std::string_view& images, std::string_view& labels) {
  const std::string_view all = as_text(in);
  if (all.size() < 2) {
    images = labels = {};
    return;
  }
  std::size_t n = std::size_t{in[0]} | (std::size_t{in[1]} << 8);
  n = std::min(n, all.size() - 2);
  images = all.substr(2, n);
  labels = all.substr(2 + n);
}

inline void idx(Bytes in) {
  std::string_view images, labels;
  split_pair(in, images, labels);
  load_idx_files(images, labels);
}

inline void idx_gz(Bytes in) {
  if (in.empty()) return;
  const std::uint8_t mode = in[0];
  std::string_view images, labels;
  split_pair(in.subspan(1), images, labels);
  if (mode & 1) {
    const int level = (mode >> 1) & 0x0f;
    load_idx_files(gzip(images, std::min(level, 9)), gzip(labels, std::min(level, 9)));
  } else {
    load_idx_files(images, labels);
  }
}

inline void csv(Bytes in) {
  const std::string path = Scratch::get().write("data.csv", as_text(in));
  // The reader's three ways in: the default (last column, task auto) and each forced task.
  const struct {
    const char* target;
    const char* task;
  } ways[] = {{"", "auto"}, {"0", "classification"}, {"", "regression"}};
  for (const auto& w : ways) {
    try {
      check_dataset(load_csv(path, w.target, w.task));
    } catch (const Error&) {
    }
  }
  // What a run does with it: split, standardise.
  try {
    DatasetConfig c;
    c.kind = "csv";
    c.path = path;
    const DatasetSplit s = load_dataset(c, 1);
    check_dataset(s.train);
    if (s.val.rows > 0) check_dataset(s.val);
    for (const float v : s.feature_std) BATCHLAB_FUZZ_CHECK(std::isfinite(v) && v > 0);
  } catch (const Error&) {
  }
}

// The JSON file, then the '\0'-separated --set assignments after it.
inline std::vector<std::string> split_config(Bytes in, std::string& text) {
  const std::string_view all = as_text(in);
  std::vector<std::string> sets;
  const std::size_t nul = all.find('\0');
  text = std::string(all.substr(0, nul));
  if (nul == std::string_view::npos) return sets;
  std::size_t start = nul + 1;
  while (start <= all.size()) {
    const std::size_t end = std::min(all.find('\0', start), all.size());
    sets.emplace_back(all.substr(start, end - start));
    start = end + 1;
  }
  return sets;
}

inline void run_config(Bytes in) {
  std::string text;
  const std::vector<std::string> sets = split_config(in, text);
  const std::string path = Scratch::get().write("run.json", text);
  RunConfig c;
  try {
    c = load_run_config(path, sets);
  } catch (const Error&) {
    return;
  }
  // A config that loads is one the store can keep (the store dumps it) and read back the same.
  const nlohmann::json j = run_config_to_json(c);
  (void)j.dump();
  const RunConfig back = run_config_from_json(j, "round trip");
  BATCHLAB_FUZZ_CHECK(run_config_to_json(back) == j);
}

inline void sweep_config(Bytes in) {
  std::string text;
  const std::vector<std::string> sets = split_config(in, text);
  const std::string path = Scratch::get().write("sweep.json", text);
  SweepConfig s;
  std::vector<SweepRunPlan> runs;
  try {
    s = load_sweep_config(path, sets);
    runs = expand_sweep(s, path);
  } catch (const Error&) {
    return;
  }
  BATCHLAB_FUZZ_CHECK(!runs.empty());
  // The sweep row keeps the config as JSON; each run's config goes to the store too.
  const nlohmann::json j = sweep_config_to_json(s);
  (void)j.dump();
  BATCHLAB_FUZZ_CHECK(sweep_config_to_json(sweep_config_from_json(j, "round trip")) == j);
  for (const auto& r : runs) (void)run_config_to_json(r.config).dump();
}

inline void serving_config(Bytes in) {
  const std::string path = Scratch::get().write("serving.json", std::string(as_text(in)));
  try {
    const ServingConfig c = load_serving_config(path);
    require_arrival_rate(c, path);
  } catch (const Error&) {
  }
}

inline void serving_trace(Bytes in) {
  const std::string path = Scratch::get().write("trace.csv", std::string(as_text(in)));
  std::vector<double> times;
  try {
    times = read_arrival_trace(path);
  } catch (const Error&) {
    return;
  }
  BATCHLAB_FUZZ_CHECK(!times.empty());
  for (std::size_t i = 0; i < times.size(); ++i)
    BATCHLAB_FUZZ_CHECK(std::isfinite(times[i]) && times[i] >= 0 &&
                        (i == 0 || times[i] >= times[i - 1]));
  // The stream plays every time of the trace, in order, then reports no more.
  WorkloadConfig w;
  w.arrivals = ArrivalKind::trace;
  w.duration_s = std::numeric_limits<double>::infinity();
  const std::size_t n = times.size();
  ArrivalStream stream(w, std::move(times));
  double last = 0;
  for (std::size_t i = 0; i < n; ++i) {
    BATCHLAB_FUZZ_CHECK(std::isfinite(stream.peek()) && stream.peek() >= last);
    last = stream.peek();
    stream.pop();
  }
  BATCHLAB_FUZZ_CHECK(std::isinf(stream.peek()));
}

inline void lesson(Bytes in) {
  const std::string path = Scratch::get().write("lesson.json", as_text(in));
  Lesson l;
  try {
    l = load_lesson(path);
  } catch (const Error&) {
    return;
  }
  BATCHLAB_FUZZ_CHECK(!l.steps.empty());
  // A lesson that loads writes back to the same lesson, and what the window does with it before
  // any run (judge nothing, summarise the skipped predictions) cannot fail.
  const nlohmann::json j = lesson_to_json(l);
  (void)j.dump();
  BATCHLAB_FUZZ_CHECK(lesson_to_json(lesson_from_json(j, "round trip")) == j);
  for (const LessonStep& s : l.steps) {
    const int n = static_cast<int>(s.prediction.choices.size());
    BATCHLAB_FUZZ_CHECK(n >= kMinChoices && n <= kMaxChoices);
    BATCHLAB_FUZZ_CHECK(evaluate_outcome(s, {}).choice == -1);
  }
  (void)summary_text(summarize_lesson(l, new_lesson_record(l)));
}

// A shard merged into a fresh main store. Refused: the main store does not exist afterwards
// (merge_shards removes one it created). Merged: the main store opens, holds exactly the runs the
// result counts with their steps and evaluations readable, and a second merge adds nothing.
inline void merge_shard(Bytes in) {
  namespace fs = std::filesystem;
  const Scratch& scratch = Scratch::get();
  const fs::path shard = scratch.path("shard.sqlite");
  const fs::path main = scratch.path("main.sqlite");
  // The last input's files go first: a stale -wal beside the new bytes would be read with them.
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    fs::remove(main.string() + suffix, ec);
    fs::remove(shard.string() + suffix, ec);
  }
  (void)scratch.write("shard.sqlite", as_text(in));
  const fs::path shards[] = {shard};
  MergeResult first;
  try {
    first = merge_shards(main, shards);
  } catch (const Error&) {
    BATCHLAB_FUZZ_CHECK(!fs::exists(main));
    return;
  }
  BATCHLAB_FUZZ_CHECK(first.shards.size() == 1);
  BATCHLAB_FUZZ_CHECK(static_cast<int>(first.run_ids.size()) == first.runs_added());
  try {
    const RunStore store(main);
    const std::vector<RunRecord> runs = store.list_runs();
    BATCHLAB_FUZZ_CHECK(static_cast<int>(runs.size()) == first.runs_added());
    for (const RunRecord& r : runs) {
      (void)store.steps(r.id);
      (void)store.steps(r.id, 100);
      (void)store.evals(r.id);
      if (store.has_model(r.id)) {
        try {
          (void)store.model(r.id);
        } catch (const Error&) {  // a corrupt model blob is a clear error, not a crash
        }
      }
    }
    for (const SweepRecord& s : store.list_sweeps()) (void)store.runs_in_sweep(s.id);
  } catch (const Error&) {
    invariant_failed("a merged main store does not read back");
  }
  MergeResult second;
  try {
    second = merge_shards(main, shards);
  } catch (const Error&) {
    invariant_failed("the second merge of a shard that merged once is refused");
  }
  BATCHLAB_FUZZ_CHECK(second.runs_added() == 0);
}

struct Target {
  const char* name;  // the corpus folder tests/fuzz/corpus/<name>/ and fuzz_<name>
  void (*run)(Bytes);
};
inline constexpr Target kTargets[] = {{"idx", idx},
                                      {"idx_gz", idx_gz},
                                      {"csv", csv},
                                      {"run_config", run_config},
                                      {"sweep_config", sweep_config},
                                      {"serving_config", serving_config},
                                      {"serving_trace", serving_trace},
                                      {"lesson", lesson},
                                      {"merge_shard", merge_shard}};

}  // namespace batchlab::fuzz
