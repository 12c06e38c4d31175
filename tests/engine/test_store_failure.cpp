// A store that stops taking writes while a run writes to it: the disk fills up, or the store can
// only be read. The run ends `failed` with a message naming the store and the cause, the steps
// already written stay readable, and the process (the CLI, the window's worker) carries on.
//
// A full disk is simulated with RLIMIT_FSIZE: once set to the size the store's files have, every
// write that would grow one of them fails (SIGXFSZ is ignored, as a process would meet ENOSPC),
// which is what SQLite sees on a full disk. A read-only store is one whose writer connection was
// opened without write permission (chmod, or as another user when the tests run as root, whom
// file modes do not stop).
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "engine/core/errors.h"
#include "engine/experiment/run_executor.h"
#include "engine/experiment/run_store.h"
#include "engine/experiment/store_sink.h"

using namespace batchlab;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A small spirals MLP that would train for 20 s unless something ends it first.
RunConfig long_run() {
  RunConfig c;
  c.name = "store failure";
  c.dataset.kind = "spirals";
  c.dataset.samples = 400;
  c.model.hidden = {8};
  c.batch.size = 8;
  c.stop.epochs.reset();
  c.stop.time_limit_s = 20.0;
  c.eval.every_epochs.reset();
  c.device = "cpu";
  c.threads = 1;
  return c;
}

std::uintmax_t largest_store_file(const fs::path& store) {
  std::uintmax_t largest = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto size = fs::file_size(store.string() + suffix, ec);
    if (!ec) largest = std::max(largest, size);
  }
  return largest;
}

// While alive, no file of this process may grow past `limit` bytes; SIGXFSZ is ignored so a
// write past it fails with EFBIG instead of killing the process.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(std::uintmax_t limit) {
    getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    const rlimit r{static_cast<rlim_t>(limit), old_.rlim_max};
    setrlimit(RLIMIT_FSIZE, &r);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit old_{};
  sighandler_t old_handler_ = SIG_DFL;
};

// Fills the disk part-way through a run: once a flush has committed steps (seen through a
// read-only connection of its own, every 256 steps), the store's files may grow no further.
class DiskFiller final : public EventSink {
 public:
  explicit DiskFiller(fs::path store) : store_(std::move(store)) {}
  ~DiskFiller() override {
    if (db_) sqlite3_close_v2(db_);
  }
  void on_step(const StepEvent& e) override {
    if (filled_ || e.step % 256 != 0) return;
    if (!db_ && sqlite3_open_v2(store_.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
      return;
    sqlite3_stmt* s = nullptr;
    std::int64_t stored = 0;
    if (sqlite3_prepare_v2(db_, "SELECT count(*) FROM steps", -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
      stored = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (stored == 0) return;
    stored_when_filled_ = stored;
    limit_ = std::make_unique<FileSizeLimit>(largest_store_file(store_));
    filled_ = true;
  }
  void on_run_finished(const RunFinished& e) override { finished_ = e; }
  void release() { limit_.reset(); }
  bool filled() const { return filled_; }
  std::int64_t stored_when_filled() const { return stored_when_filled_; }
  const RunFinished& finished() const { return finished_; }

 private:
  fs::path store_;
  sqlite3* db_ = nullptr;
  bool filled_ = false;
  std::int64_t stored_when_filled_ = 0;
  std::unique_ptr<FileSizeLimit> limit_;
  RunFinished finished_;
};

// "steps 1 to N of this run are in the store": the N the message promises (-1: neither form).
std::int64_t promised_steps(const std::string& reason) {
  const std::string head = "steps 1 to ";
  if (const auto at = reason.find(head); at != std::string::npos)
    return std::stoll(reason.substr(at + head.size()));
  return reason.find("no steps of this run") != std::string::npos ? 0 : -1;
}

StepEvent step_event(std::int64_t run_id, std::int64_t step) {
  StepEvent e;
  e.run_id = run_id;
  e.step = step;
  e.samples_seen = step * 8;
  e.batch_size = 8;
  e.loss = 1.0 / static_cast<double>(step);
  return e;
}

// Makes `path` unwritable for connections opened while alive (see the top of the file).
class ReadOnly {
 public:
  explicit ReadOnly(const fs::path& path) : path_(path) {
    for (const char* suffix : {"", "-wal", "-shm"}) chmod((path_.string() + suffix).c_str(), 0444);
    chmod(path_.parent_path().c_str(), 0555);
    if (geteuid() == 0) {
      // Root writes whatever the mode says: open as nobody, who may only read (the folder
      // must be searchable for that).
      chmod(path_.parent_path().c_str(), 0755);
      as_nobody_ = seteuid(65534) == 0;
    }
  }
  ~ReadOnly() {
    if (as_nobody_) (void)seteuid(0);
    chmod(path_.parent_path().c_str(), 0700);
    for (const char* suffix : {"", "-wal", "-shm"}) chmod((path_.string() + suffix).c_str(), 0644);
  }
  ReadOnly(const ReadOnly&) = delete;
  ReadOnly& operator=(const ReadOnly&) = delete;

 private:
  fs::path path_;
  bool as_nobody_ = false;
};

}  // namespace

class TestStoreFailure : public QObject {
  Q_OBJECT

 private slots:
  void fullDiskEndsTheRunFailedAndKeepsWrittenSteps() {
    QTemporaryDir dir;
    const fs::path store = dir.filePath("runs.sqlite").toStdString();
    DiskFiller filler(store);
    ExecuteOptions opts;
    opts.store_path = store;
    opts.extra_sink = &filler;
    RunFinished f;
    try {
      f = execute_run(long_run(), opts);
    } catch (const std::exception& e) {
      filler.release();
      QFAIL(e.what());
    }
    filler.release();
    qInfo("%s after %lld steps, %.2f s: %s", std::string(to_string(f.status)).c_str(),
          static_cast<long long>(f.summary.steps), f.summary.time_s, f.reason.c_str());
    QVERIFY(filler.filled());

    QCOMPARE(f.status, RunStatus::failed);
    QVERIFY2(f.reason.starts_with(store.string() + ": cannot write steps: "), f.reason.c_str());
    // SQLite's word for the cause: a short write is "full", a refused one an I/O error.
    QVERIFY2(f.reason.find("disk is full") != std::string::npos ||
                 f.reason.find("disk I/O error") != std::string::npos,
             f.reason.c_str());
    // The run stopped soon after the store did, not at its 20 s limit.
    QVERIFY2(f.summary.time_s < 10.0, std::to_string(f.summary.time_s).c_str());
    // Every sink after the store's saw the same end.
    QCOMPARE(filler.finished().status, RunStatus::failed);
    QCOMPARE(filler.finished().reason, f.reason);

    // What the message promises is what a reader finds: steps 1..N, no holes.
    const std::int64_t n = promised_steps(f.reason);
    QVERIFY2(n >= filler.stored_when_filled(), f.reason.c_str());
    QVERIFY(n < f.summary.steps);
    RunStore reader(store);
    const auto steps = reader.steps(f.run_id);
    QCOMPARE(static_cast<std::int64_t>(steps.size()), n);
    QCOMPARE(steps.front().step, std::int64_t{1});
    QCOMPARE(steps.back().step, n);
    // The final status could not be written either; it must not claim success.
    QVERIFY(reader.run(f.run_id)->status != RunStatus::completed);

    // Space again: the same process runs into the same store as if nothing had happened.
    RunConfig again = long_run();
    again.stop.time_limit_s.reset();
    again.stop.max_steps = 100;
    ExecuteOptions options;
    options.store_path = store;
    options.source = "again";
    const RunFinished g = execute_run(again, options);
    QCOMPARE(g.status, RunStatus::completed);
    QCOMPARE(reader.steps(g.run_id).size(), std::size_t{100});
    QCOMPARE(reader.run(g.run_id)->status, RunStatus::completed);
    QCOMPARE(static_cast<std::int64_t>(reader.steps(f.run_id).size()), n);
  }

  void readOnlyStoreStopsTheRunOnce() {
    QTemporaryDir dir;
    const fs::path store = dir.filePath("runs.sqlite").toStdString();
    // Another process (the window, say) has the store open: its -wal and -shm files exist, so
    // a connection without write permission can still open and read it.
    RunStore other(store);
    const std::int64_t id = other.create_run("read only", "{}", "cpu", "{}");
    std::vector<StepEvent> first;
    for (std::int64_t i = 1; i <= 100; ++i) first.push_back(step_event(id, i));
    other.append_steps(first);

    std::string error;
    std::int64_t refused_at = 0;
    {
      std::unique_ptr<StoreSink> sink;
      {
        ReadOnly guard(store);
        sink = std::make_unique<StoreSink>(store);
      }
      // Steps keep coming until the sink says the store refused them (within a flush or two).
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      for (std::int64_t i = 101; std::chrono::steady_clock::now() < deadline; ++i) {
        try {
          sink->on_step(step_event(id, i));
        } catch (const Error& e) {
          error = e.what();
          refused_at = i;
          break;
        }
        std::this_thread::sleep_for(1ms);
      }
      QVERIFY2(!error.empty(), "the sink never reported the read-only store");
      QVERIFY2(error.starts_with(store.string() + ": cannot write steps: "), error.c_str());
      QVERIFY2(error.find("readonly") != std::string::npos, error.c_str());
      QVERIFY2(error.find("no steps of this run are in the store") != std::string::npos,
               error.c_str());

      // The Trainer turns it into the run's end; that end is not thrown a second time (which
      // would keep it from the sinks after this one), even though it cannot be stored either.
      RunFinished end{id, RunStatus::failed, error, RunSummary{}};
      end.summary.steps = refused_at - 1;
      try {
        sink->on_run_finished(end);
      } catch (const std::exception& e) {
        QFAIL(e.what());
      }
    }

    const auto steps = other.steps(id);
    QCOMPARE(steps.size(), std::size_t{100});
    QCOMPARE(steps.back().step, std::int64_t{100});
  }

  // A write that fails only in the last flush still fails the run, reported by on_run_finished.
  void lastFlushFailureIsReportedAtTheEnd() {
    QTemporaryDir dir;
    const fs::path store = dir.filePath("runs.sqlite").toStdString();
    std::int64_t id = 0;
    {
      RunStore s(store);
      id = s.create_run("last flush", "{}", "cpu", "{}");
    }
    StoreSink sink(store);
    std::string error;
    {
      // Big enough that the final flush must grow the store.
      const FileSizeLimit full(largest_store_file(store));
      try {
        // Well inside one flush interval, so these all reach the final flush.
        for (std::int64_t i = 1; i <= 2000; ++i) sink.on_step(step_event(id, i));
      } catch (const Error& e) {
        QFAIL((std::string("a flush came early: ") + e.what()).c_str());
      }
      try {
        sink.on_run_finished(RunFinished{id, RunStatus::completed, "", RunSummary{}});
      } catch (const Error& e) {
        error = e.what();
      }
    }
    QVERIFY2(error.starts_with(store.string() + ": "), error.c_str());
    // The Trainer's second call, with that message as the reason, returns and stores `failed`.
    try {
      sink.on_run_finished(RunFinished{id, RunStatus::failed, error, RunSummary{}});
    } catch (const std::exception& e) {
      QFAIL(e.what());
    }
    RunStore reader(store);
    QCOMPARE(reader.run(id)->status, RunStatus::failed);
    QCOMPARE(reader.run(id)->reason, error);
  }

  // batchlab-cli on a disk that fills during the run: exit 1 with the store's message, no crash.
  void cliReportsTheFullDisk() {
    QTemporaryDir dir;
    const QString store = dir.filePath("runs.sqlite");
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("BATCHLAB_PRESET_DIR", QString(BATCHLAB_SOURCE_DIR) + "/resources/presets");
    p.setProcessEnvironment(env);
    // 512 KiB: room to create the store and the run, not for 20 s of steps.
    const QString script = QStringLiteral(
        "trap '' XFSZ; ulimit -f 512; exec \"$0\" run spirals-mlp --db \"$1\" --device cpu "
        "--set stop.epochs=null --set stop.target=null --set stop.time_limit_s=20 "
        "--set eval.every_epochs=null");
    p.start("/bin/sh", {"-c", script, BATCHLAB_CLI_PATH, store});
    QVERIFY(p.waitForFinished(120000));
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QVERIFY2(p.exitCode() == 1, qPrintable(out + err));
    QVERIFY2((out + err).contains(store + ": cannot write steps: "), qPrintable(out + err));
    RunStore reader(store.toStdString());
    const auto runs = reader.list_runs();
    QCOMPARE(runs.size(), std::size_t{1});
    QVERIFY(!reader.steps(runs[0].id).empty());
  }
};

QTEST_APPLESS_MAIN(TestStoreFailure)
#include "test_store_failure.moc"
