#include "engine/experiment/run_store.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <ctime>

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "engine/core/step_fields.h"
#include "engine/experiment/sqlite_util.h"
#include "engine/experiment/store_schema.h"

namespace batchlab {
namespace {

namespace fs = std::filesystem;
using sqlite::Statement;
using sqlite::Transaction;

std::string now_iso8601() {
  const std::time_t t = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

std::string this_host() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

// kill(pid, 0) probes without signalling; EPERM means alive but someone else's.
bool process_alive(std::int64_t pid) {
  if (pid <= 0) return false;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

constexpr const char* kRunColumns =
    "id, name, created, config, status, reason, device, environment, summary, sweep_id, tags, "
    "origin, kind";

// The tags column is our own JSON; anything else there means the file was edited by hand.
std::vector<std::string> parse_tags(const std::string& text, const fs::path& path,
                                    std::int64_t run_id) {
  std::vector<std::string> tags;
  if (text.empty()) return tags;
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  const auto damaged = [&] {
    return Error(path.string() + ": run " + std::to_string(run_id) +
                 ": tags are not a JSON list of strings: " + text.substr(0, 60));
  };
  if (!j.is_array()) throw damaged();
  for (const auto& t : j) {
    if (!t.is_string()) throw damaged();
    tags.push_back(t.get<std::string>());
  }
  return tags;
}

RunRecord read_run(const Statement& s, const fs::path& path) {
  RunRecord r;
  r.id = s.int64(0);
  r.name = s.text(1);
  r.created = s.text(2);
  r.config_json = s.text(3);
  // An unknown status (a newer BatchLab's) reads as failed rather than as still running.
  r.status = parse_run_status(s.text(4)).value_or(RunStatus::failed);
  r.reason = s.text(5);
  r.device = s.text(6);
  r.environment_json = s.text(7);
  r.summary_json = s.text(8);
  r.sweep_id = s.is_null(9) ? 0 : s.int64(9);
  r.tags = parse_tags(s.text(10), path, r.id);
  r.origin = s.text(11);
  // A kind a newer BatchLab wrote reads as training: its rows are then simply not shown.
  r.kind = parse_run_kind(s.text(12)).value_or(RunKind::train);
  return r;
}

SweepRecord read_sweep(const Statement& s) {
  return SweepRecord{s.int64(0), s.text(1), s.text(2), s.text(3)};
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// The steps columns are kStepFields' names, in its order, after run_id.
std::string step_columns() {
  std::string cols;
  for (const auto& f : kStepFields) cols += (cols.empty() ? "" : ", ") + std::string(f.name);
  return cols;
}

std::string insert_steps_sql() {
  std::string marks = "?";
  for (std::size_t i = 0; i < kStepFields.size(); ++i) marks += ", ?";
  return "INSERT OR REPLACE INTO steps (run_id, " + step_columns() + ") VALUES (" + marks + ")";
}

std::string select_steps_sql() {
  return "SELECT " + step_columns() + " FROM steps WHERE run_id = ? ORDER BY step";
}

}  // namespace

RunStore::RunStore(const fs::path& path) : path_(path) {
  std::error_code ec;
  if (path_.has_parent_path() && !fs::exists(path_.parent_path(), ec)) {
    fs::create_directories(path_.parent_path(), ec);
    if (ec)
      throw Error(path_.parent_path().string() +
                  ": cannot create the store's folder: " + ec.message());
  }
  if (fs::is_directory(path_, ec))
    throw Error(path_.string() + ": is a folder; give a file path for the run store");
  const int rc =
      sqlite3_open_v2(path_.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  try {
    if (rc != SQLITE_OK) sqlite::throw_error(db_, path_, "cannot open the run store");
    prepare_store(db_, path_);

    // Runs left `running` on this host by a process that is gone will never finish.
    std::vector<std::pair<std::int64_t, std::int64_t>> orphans;  // run id, pid
    {
      Statement s(db_, path_, "SELECT id, pid FROM runs WHERE status = 'running' AND host = ?",
                  "cannot read the runs");
      s.bind(1, this_host());
      while (s.step())
        if (!s.is_null(1) && !process_alive(s.int64(1)))
          orphans.emplace_back(s.int64(0), s.int64(1));
    }
    if (!orphans.empty()) {
      Transaction t(db_, path_, "cannot mark interrupted runs");
      Statement totals(db_, path_,
                       "SELECT MAX(step), MAX(samples_seen), MAX(epoch), MAX(wall_s) FROM steps "
                       "WHERE run_id = ?",
                       "cannot read the steps of an interrupted run");
      Statement mark(db_, path_,
                     "UPDATE runs SET status = 'interrupted', reason = ?, summary = ?, "
                     "updated = ? WHERE id = ? AND status = 'running'",
                     "cannot mark interrupted runs");
      for (const auto& [id, pid] : orphans) {
        // What the steps say was done, so the runs table shows how far it got.
        RunSummary summary;
        totals.bind(1, id);
        if (totals.step() && !totals.is_null(0)) {
          summary.steps = totals.int64(0);
          summary.samples = totals.int64(1);
          summary.epochs = totals.real(2);
          summary.time_s = totals.real(3);
        }
        totals.reset();
        mark.bind(1, "the process writing this run stopped unexpectedly (pid " +
                         std::to_string(pid) + ")");
        mark.bind(2, summary_to_json(summary));
        mark.bind(3, now_iso8601());
        mark.bind(4, id);
        mark.step();
        interrupted_at_open_ += sqlite3_changes(db_);
        mark.reset();
      }
      t.commit();
    }
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

RunStore::~RunStore() {
  sqlite3_close_v2(db_);
}

std::int64_t RunStore::create_run(const std::string& name, const std::string& config_json,
                                  const std::string& device, const std::string& environment_json,
                                  std::int64_t sweep_id, RunKind kind) {
  // Checked here rather than by the foreign key, so the message names the sweep.
  if (sweep_id != 0 && !sweep(sweep_id))
    throw Error(path_.string() + ": sweep " + std::to_string(sweep_id) + " is not in the store");
  Statement s(
      db_, path_,
      "INSERT INTO runs (name, created, config, status, device, environment, summary, "
      "pid, host, updated, sweep_id, origin, kind) VALUES (?, ?, ?, 'running', ?, ?, '{}', ?, ?, "
      "?, ?, lower(hex(randomblob(16))), ?)",
      "cannot create a run");
  const std::string now = now_iso8601();
  s.bind(1, name);
  s.bind(2, now);
  s.bind(3, config_json);
  s.bind(4, device);
  s.bind(5, environment_json.empty() ? std::string("{}") : environment_json);
  s.bind(6, static_cast<std::int64_t>(getpid()));
  s.bind(7, this_host());
  s.bind(8, now);
  if (sweep_id != 0) s.bind(9, sweep_id);  // unbound parameters are NULL
  s.bind(10, std::string(run_kind_name(kind)));
  s.step();
  return sqlite3_last_insert_rowid(db_);
}

void RunStore::append_steps(std::span<const StepEvent> steps) {
  if (steps.empty()) return;
  static const std::string sql = insert_steps_sql();
  Transaction t(db_, path_, "cannot write steps");
  Statement s(db_, path_, sql.c_str(), "cannot write steps");
  for (const auto& e : steps) {
    s.bind(1, e.run_id);
    int i = 2;
    for (const auto& f : kStepFields) {
      if (f.type() == FieldType::real)
        s.bind(i++, step_field_real(e, f));
      else
        s.bind(i++, step_field_int(e, f));
    }
    s.step();
    s.reset();
  }
  t.commit();
}

void RunStore::append_evals(std::span<const EvalEvent> evals) {
  if (evals.empty()) return;
  Transaction t(db_, path_, "cannot write evaluations");
  Statement s(db_, path_,
              "INSERT OR REPLACE INTO evals (run_id, step, epoch, val_loss, val_accuracy, "
              "train_loss, wall_s) VALUES (?, ?, ?, ?, ?, ?, ?)",
              "cannot write evaluations");
  for (const auto& e : evals) {
    s.bind(1, e.run_id);
    s.bind(2, e.step);
    s.bind(3, e.epoch);
    s.bind(4, e.val_loss);
    s.bind(5, e.val_accuracy);
    s.bind(6, e.train_loss);
    s.bind(7, e.wall_s);
    s.step();
    s.reset();
  }
  t.commit();
}

void RunStore::finish_run(const RunFinished& finished, const std::string& summary_json) {
  Statement s(db_, path_,
              "UPDATE runs SET status = ?, reason = ?, summary = ?, updated = ? WHERE id = ?",
              "cannot record the end of a run");
  s.bind(1, std::string(to_string(finished.status)));
  s.bind(2, finished.reason);
  s.bind(3, summary_json.empty() ? summary_to_json(finished.summary) : summary_json);
  s.bind(4, now_iso8601());
  s.bind(5, finished.run_id);
  s.step();
  if (sqlite3_changes(db_) == 0)
    throw Error(path_.string() + ": run " + std::to_string(finished.run_id) +
                " is not in the store");
}

std::vector<RunRecord> RunStore::list_runs() const {
  const std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY id";
  Statement s(db_, path_, sql.c_str(), "cannot list runs");
  std::vector<RunRecord> out;
  while (s.step()) out.push_back(read_run(s, path_));
  return out;
}

std::optional<RunRecord> RunStore::run(std::int64_t id) const {
  const std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?";
  Statement s(db_, path_, sql.c_str(), "cannot read a run");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_run(s, path_);
}

std::optional<RunRecord> RunStore::run_by_origin(const std::string& origin) const {
  const std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs WHERE origin = ?";
  Statement s(db_, path_, sql.c_str(), "cannot read a run");
  s.bind(1, origin);
  if (!s.step()) return std::nullopt;
  return read_run(s, path_);
}

namespace {

StepEvent read_step(const Statement& s, std::int64_t run_id) {
  StepEvent e;
  e.run_id = run_id;
  int col = 0;
  for (const auto& f : kStepFields) {
    if (f.type() == FieldType::real)
      set_step_field(e, f, 0, s.real(col));
    else
      set_step_field(e, f, s.int64(col), 0.0);
    ++col;
  }
  return e;
}

}  // namespace

std::vector<StepEvent> RunStore::steps(std::int64_t run_id) const {
  static const std::string sql = select_steps_sql();
  Statement s(db_, path_, sql.c_str(), "cannot read steps");
  s.bind(1, run_id);
  std::vector<StepEvent> out;
  while (s.step()) out.push_back(read_step(s, run_id));
  return out;
}

std::vector<StepEvent> RunStore::steps(std::int64_t run_id, std::int64_t max_points) const {
  // min and max come from the (run_id, step) key in two seeks; count(*) would walk every row.
  std::int64_t first = 0, last = 0;
  {
    Statement range(db_, path_, "SELECT min(step), max(step) FROM steps WHERE run_id = ?",
                    "cannot read steps");
    range.bind(1, run_id);
    if (!range.step() || range.is_null(0)) return {};
    first = range.int64(0);
    last = range.int64(1);
  }
  const std::int64_t span = last - first + 1;
  if (max_points < 2 || span <= max_points) return steps(run_id);
  static const std::string sql = "SELECT " + step_columns() +
                                 " FROM steps WHERE run_id = ? AND step >= ? ORDER BY step LIMIT 1";
  Statement s(db_, path_, sql.c_str(), "cannot read steps");
  std::vector<StepEvent> out;
  out.reserve(static_cast<std::size_t>(max_points) + 1);
  const double stride = static_cast<double>(span - 1) / static_cast<double>(max_points - 1);
  std::int64_t next = first;
  for (std::int64_t i = 0; i < max_points && next <= last; ++i) {
    const auto at = std::max(next, first + static_cast<std::int64_t>(std::llround(i * stride)));
    s.reset();
    s.bind(1, run_id);
    s.bind(2, at);
    if (!s.step()) break;
    out.push_back(read_step(s, run_id));
    next = out.back().step + 1;  // a gap in the steps never yields the same row twice
  }
  return out;
}

std::vector<EvalEvent> RunStore::evals(std::int64_t run_id) const {
  Statement s(db_, path_,
              "SELECT step, epoch, val_loss, val_accuracy, train_loss, wall_s FROM evals "
              "WHERE run_id = ? ORDER BY step",
              "cannot read evaluations");
  s.bind(1, run_id);
  std::vector<EvalEvent> out;
  while (s.step()) {
    EvalEvent e;
    e.run_id = run_id;
    e.step = s.int64(0);
    e.epoch = s.real(1);
    e.val_loss = s.real(2);
    e.val_accuracy = s.real(3);
    e.train_loss = s.real(4);
    e.wall_s = s.real(5);
    out.push_back(e);
  }
  return out;
}

void RunStore::delete_run(std::int64_t id) {
  Transaction t(db_, path_, "cannot delete a run");
  // Explicit deletes, so the result does not hang on the foreign_keys pragma.
  for (const char* sql :
       {"DELETE FROM steps WHERE run_id = ?", "DELETE FROM evals WHERE run_id = ?",
        "DELETE FROM models WHERE run_id = ?", "DELETE FROM serving_points WHERE run_id = ?",
        "DELETE FROM serving_windows WHERE run_id = ?",
        "DELETE FROM inference_points WHERE run_id = ?", "DELETE FROM runs WHERE id = ?"}) {
    Statement s(db_, path_, sql, "cannot delete a run");
    s.bind(1, id);
    s.step();
  }
  t.commit();
}

void RunStore::rename_run(std::int64_t id, const std::string& name) {
  Statement s(db_, path_, "UPDATE runs SET name = ? WHERE id = ?", "cannot rename a run");
  s.bind(1, name);
  s.bind(2, id);
  s.step();
  if (sqlite3_changes(db_) == 0)
    throw Error(path_.string() + ": run " + std::to_string(id) + " is not in the store");
}

void RunStore::set_tags(std::int64_t id, const std::vector<std::string>& tags) {
  nlohmann::json list = nlohmann::json::array();
  std::vector<std::string> seen;
  for (const auto& raw : tags) {
    const std::string tag = trim(raw);
    if (tag.empty())
      throw Error(path_.string() + ": run " + std::to_string(id) + ": a tag cannot be empty");
    if (std::find(seen.begin(), seen.end(), tag) != seen.end()) continue;
    seen.push_back(tag);
    list.push_back(tag);
  }
  Statement s(db_, path_, "UPDATE runs SET tags = ? WHERE id = ?", "cannot set a run's tags");
  s.bind(1, list.dump());
  s.bind(2, id);
  s.step();
  if (sqlite3_changes(db_) == 0)
    throw Error(path_.string() + ": run " + std::to_string(id) + " is not in the store");
}

std::int64_t RunStore::create_sweep(const std::string& name, const std::string& config_json) {
  Statement s(db_, path_, "INSERT INTO sweeps (name, created, config) VALUES (?, ?, ?)",
              "cannot create a sweep");
  s.bind(1, name);
  s.bind(2, now_iso8601());
  s.bind(3, config_json);
  s.step();
  return sqlite3_last_insert_rowid(db_);
}

std::vector<SweepRecord> RunStore::list_sweeps() const {
  Statement s(db_, path_, "SELECT id, name, created, config FROM sweeps ORDER BY id",
              "cannot list sweeps");
  std::vector<SweepRecord> out;
  while (s.step()) out.push_back(read_sweep(s));
  return out;
}

std::optional<SweepRecord> RunStore::sweep(std::int64_t id) const {
  Statement s(db_, path_, "SELECT id, name, created, config FROM sweeps WHERE id = ?",
              "cannot read a sweep");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_sweep(s);
}

std::vector<RunRecord> RunStore::runs_in_sweep(std::int64_t sweep_id) const {
  const std::string sql =
      std::string("SELECT ") + kRunColumns + " FROM runs WHERE sweep_id = ? ORDER BY id";
  Statement s(db_, path_, sql.c_str(), "cannot list a sweep's runs");
  s.bind(1, sweep_id);
  std::vector<RunRecord> out;
  while (s.step()) out.push_back(read_run(s, path_));
  return out;
}

void RunStore::rename_sweep(std::int64_t id, const std::string& name) {
  Statement s(db_, path_, "UPDATE sweeps SET name = ? WHERE id = ?", "cannot rename a sweep");
  s.bind(1, name);
  s.bind(2, id);
  s.step();
  if (sqlite3_changes(db_) == 0)
    throw Error(path_.string() + ": sweep " + std::to_string(id) + " is not in the store");
}

void RunStore::delete_sweep(std::int64_t id) {
  Transaction t(db_, path_, "cannot delete a sweep");
  for (const char* sql :
       {"DELETE FROM steps WHERE run_id IN (SELECT id FROM runs WHERE sweep_id = ?)",
        "DELETE FROM evals WHERE run_id IN (SELECT id FROM runs WHERE sweep_id = ?)",
        "DELETE FROM models WHERE run_id IN (SELECT id FROM runs WHERE sweep_id = ?)",
        "DELETE FROM serving_points WHERE run_id IN (SELECT id FROM runs WHERE sweep_id = ?)",
        "DELETE FROM serving_windows WHERE run_id IN (SELECT id FROM runs WHERE sweep_id = ?)",
        "DELETE FROM inference_points WHERE run_id IN (SELECT id FROM runs WHERE sweep_id = ?)",
        "DELETE FROM runs WHERE sweep_id = ?", "DELETE FROM sweeps WHERE id = ?"}) {
    Statement s(db_, path_, sql, "cannot delete a sweep");
    s.bind(1, id);
    s.step();
  }
  t.commit();
}

fs::path default_store_path() {
  if (const char* db = std::getenv("BATCHLAB_DB"); db && *db) return db;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
    return fs::path(xdg) / "batchlab" / "runs.sqlite";
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : ".") / ".local" / "share" / "batchlab" / "runs.sqlite";
}

}  // namespace batchlab
