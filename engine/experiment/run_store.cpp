#include "engine/experiment/run_store.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <ctime>

#include <sys/types.h>
#include <unistd.h>

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
    "id, name, created, config, status, reason, device, environment, summary";

RunRecord read_run(const Statement& s) {
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
  return r;
}

static_assert(kMemCategoryCount == 6, "steps has one mem_ column per category");

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
                       "SELECT MAX(step), MAX(samples), MAX(epoch), MAX(wall_s) FROM steps "
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
                                  const std::string& device, const std::string& environment_json) {
  Statement s(db_, path_,
              "INSERT INTO runs (name, created, config, status, device, environment, summary, "
              "pid, host, updated) VALUES (?, ?, ?, 'running', ?, ?, '{}', ?, ?, ?)",
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
  s.step();
  return sqlite3_last_insert_rowid(db_);
}

void RunStore::append_steps(std::span<const StepEvent> steps) {
  if (steps.empty()) return;
  Transaction t(db_, path_, "cannot write steps");
  Statement s(db_, path_,
              "INSERT OR REPLACE INTO steps (run_id, step, epoch, samples, wall_s, batch, "
              "micro_batches, lr, loss, samples_per_s, step_ms, data_ms, compute_ms, "
              "mem_parameters, mem_gradients, mem_optimizer, mem_activations, mem_batch, "
              "mem_workspace, grad_norm2, b_simple) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              "cannot write steps");
  for (const auto& e : steps) {
    s.bind(1, e.run_id);
    s.bind(2, e.step);
    s.bind(3, e.epoch);
    s.bind(4, e.samples_seen);
    s.bind(5, e.wall_s);
    s.bind(6, e.batch_size);
    s.bind(7, e.micro_batches);
    s.bind(8, e.lr);
    s.bind(9, e.loss);
    s.bind(10, e.samples_per_s);
    s.bind(11, e.step_ms);
    s.bind(12, e.data_ms);
    s.bind(13, e.compute_ms);
    for (int c = 0; c < kMemCategoryCount; ++c)
      s.bind(14 + c, e.memory[static_cast<std::size_t>(c)]);
    s.bind(20, e.grad_norm2);
    s.bind(21, e.b_simple);
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

void RunStore::finish_run(const RunFinished& finished) {
  Statement s(db_, path_,
              "UPDATE runs SET status = ?, reason = ?, summary = ?, updated = ? WHERE id = ?",
              "cannot record the end of a run");
  s.bind(1, std::string(to_string(finished.status)));
  s.bind(2, finished.reason);
  s.bind(3, summary_to_json(finished.summary));
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
  while (s.step()) out.push_back(read_run(s));
  return out;
}

std::optional<RunRecord> RunStore::run(std::int64_t id) const {
  const std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?";
  Statement s(db_, path_, sql.c_str(), "cannot read a run");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_run(s);
}

std::vector<StepEvent> RunStore::steps(std::int64_t run_id) const {
  Statement s(db_, path_,
              "SELECT step, epoch, samples, wall_s, batch, micro_batches, lr, loss, "
              "samples_per_s, step_ms, data_ms, compute_ms, mem_parameters, mem_gradients, "
              "mem_optimizer, mem_activations, mem_batch, mem_workspace, grad_norm2, b_simple "
              "FROM steps WHERE run_id = ? ORDER BY step",
              "cannot read steps");
  s.bind(1, run_id);
  std::vector<StepEvent> out;
  while (s.step()) {
    StepEvent e;
    e.run_id = run_id;
    e.step = s.int64(0);
    e.epoch = s.real(1);
    e.samples_seen = s.int64(2);
    e.wall_s = s.real(3);
    e.batch_size = s.int64(4);
    e.micro_batches = static_cast<int>(s.int64(5));
    e.lr = s.real(6);
    e.loss = s.real(7);
    e.samples_per_s = s.real(8);
    e.step_ms = s.real(9);
    e.data_ms = s.real(10);
    e.compute_ms = s.real(11);
    for (int c = 0; c < kMemCategoryCount; ++c)
      e.memory[static_cast<std::size_t>(c)] = s.int64(12 + c);
    e.grad_norm2 = s.real(18);
    e.b_simple = s.real(19);
    out.push_back(e);
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
  for (const char* sql : {"DELETE FROM steps WHERE run_id = ?",
                          "DELETE FROM evals WHERE run_id = ?", "DELETE FROM runs WHERE id = ?"}) {
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

fs::path default_store_path() {
  if (const char* db = std::getenv("BATCHLAB_DB"); db && *db) return db;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
    return fs::path(xdg) / "batchlab" / "runs.sqlite";
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : ".") / ".local" / "share" / "batchlab" / "runs.sqlite";
}

}  // namespace batchlab
