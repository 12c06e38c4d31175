// Against a real Slurm (Debian's slurm-wlm with munge): a one-node cluster on localhost, started
// here from a generated slurm.conf in a temporary folder (munged, slurmctld and slurmd on free
// ports; nothing of the machine's own Slurm or munge configuration is used or touched), gets
// the 4-run sweep that `batchlab-cli sweep --slurm` writes, through sbatch as a job array; the
// four shards merge into one sweep of four completed runs. When a binary is missing or a daemon
// does not come up, the test is skipped naming the binary and what it printed.
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli_process.h"
#include "engine/experiment/run_store.h"
#include "engine/experiment/store_merge.h"

using namespace batchlab;
namespace fs = std::filesystem;

namespace {

constexpr const char* kNode = "batchlabnode";

// A TCP port nobody listens on right now (the kernel picks it).
int free_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(s);
  return port;
}

// Daemons live in /usr/sbin, which a non-root PATH often lacks.
QString find_binary(const QString& name) {
  const QString on_path = QStandardPaths::findExecutable(name);
  if (!on_path.isEmpty()) return on_path;
  return QStandardPaths::findExecutable(name, {"/usr/sbin", "/sbin", "/usr/local/sbin"});
}

QString one_line(QString text, int chars = 400) {
  text = text.trimmed();
  if (text.size() > chars) text = "…" + text.right(chars);
  return text.replace('\n', " | ");
}

QString file_text(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

struct Ran {
  int code = -1;
  QString out;
};

// A client command (sbatch, sinfo, squeue) against our cluster.
Ran client(const QString& program, const QStringList& args, const QProcessEnvironment& env,
           int timeout_ms = 15000) {
  QProcess p;
  p.setProcessEnvironment(env);
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(program, args);
  if (!p.waitForFinished(timeout_ms)) {
    p.kill();
    p.waitForFinished(2000);
    return {-1, "timed out"};
  }
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2,
          QString::fromUtf8(p.readAll())};
}

// Polls `ready` every 200 ms for up to `ms`.
template <class F>
bool wait_for(int ms, F ready) {
  QElapsedTimer t;
  t.start();
  while (t.elapsed() < ms) {
    if (ready()) return true;
    QThread::msleep(200);
  }
  return ready();
}

}  // namespace

class TestSlurmCluster : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  QString root_;
  QProcessEnvironment env_;
  std::vector<std::unique_ptr<QProcess>> daemons_;  // stopped in reverse order
  QString sbatch_, squeue_, sinfo_, scancel_;
  QString job_;
  QString skip_;  // why the cluster is not there; empty when it is

  QString path(const QString& name) const { return root_ + "/" + name; }

  // Starts a daemon in the foreground; its output goes to NAME.out in the folder.
  QProcess* start(const QString& name, const QString& program, const QStringList& args) {
    auto p = std::make_unique<QProcess>();
    p->setProcessEnvironment(env_);
    p->setProcessChannelMode(QProcess::MergedChannels);
    p->setStandardOutputFile(path(name + ".out"));
    p->start(program, args);
    p->waitForStarted(5000);  // QProcess's state moves on only in a wait or an event loop
    daemons_.push_back(std::move(p));
    return daemons_.back().get();
  }

  // Why a daemon is not up, in one line: whether it exited, and its last output and log lines.
  QString why(const QString& name, const QString& program, QProcess* p, const QString& log) {
    p->waitForFinished(200);  // notices an exit that no event loop has seen yet
    QString s =
        program + " " +
        (p->state() == QProcess::NotRunning ? "exited (code " + QString::number(p->exitCode()) + ")"
                                            : QString("is running but not answering"));
    const QString out = one_line(file_text(path(name + ".out")));
    if (!out.isEmpty()) s += "; printed: " + out;
    const QString l = one_line(file_text(log), 300);
    if (!log.isEmpty() && !l.isEmpty()) s += "; log: " + l;
    return s;
  }

  // The one-node cluster, or skip_ saying why not.
  void bring_up() {
    const QString munged = find_binary("munged");
    const QString slurmctld = find_binary("slurmctld");
    const QString slurmd = find_binary("slurmd");
    sbatch_ = find_binary("sbatch");
    squeue_ = find_binary("squeue");
    sinfo_ = find_binary("sinfo");
    scancel_ = find_binary("scancel");
    for (const auto& [name, found] : {std::pair{"munged", munged},
                                      {"slurmctld", slurmctld},
                                      {"slurmd", slurmd},
                                      {"sbatch", sbatch_},
                                      {"squeue", squeue_},
                                      {"sinfo", sinfo_}}) {
      if (found.isEmpty()) {
        skip_ = QString(
                    "%1 not found on PATH or in /usr/sbin: install Debian's slurm-wlm and "
                    "munge (scripts/deps.sh --tests)")
                    .arg(name);
        return;
      }
    }

    // munged wants its socket folder reachable by everyone and its key private.
    fs::permissions(root_.toStdString(), fs::perms::owner_all | fs::perms::group_read |
                                             fs::perms::group_exec | fs::perms::others_read |
                                             fs::perms::others_exec);
    for (const char* d : {"munge", "state", "spool"}) fs::create_directories(path(d).toStdString());
    fs::permissions(path("munge").toStdString(),
                    fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                        fs::perms::others_read | fs::perms::others_exec);
    {
      std::ofstream key(path("munge/munge.key").toStdString(), std::ios::binary);
      std::random_device rd;
      for (int i = 0; i < 1024; ++i) key.put(static_cast<char>(rd() & 0xff));
    }
    fs::permissions(path("munge/munge.key").toStdString(),
                    fs::perms::owner_read | fs::perms::owner_write);
    const QString socket = path("munge/munge.sock");
    QProcess* m =
        start("munged", munged,
              {"-F", "--socket=" + socket, "--key-file=" + path("munge/munge.key"),
               "--log-file=" + path("munge/munged.log"), "--pid-file=" + path("munge/munged.pid"),
               "--seed-file=" + path("munge/munged.seed")});
    if (!wait_for(5000, [&] { return QFile::exists(socket); })) {
      skip_ = "munged did not start: " + why("munged", munged, m, path("munge/munged.log"));
      return;
    }

    const passwd* pw = ::getpwuid(::geteuid());
    const QString user = pw ? pw->pw_name : "root";
    const int ctld_port = free_port();
    int slurmd_port = free_port();
    while (slurmd_port == ctld_port) slurmd_port = free_port();
    const QString conf = path("slurm.conf");
    {
      std::ofstream c(conf.toStdString());
      const auto p = [&](const char* f) { return path(f).toStdString(); };
      c << "ClusterName=batchlabtest\n"
        << "SlurmctldHost=localhost(127.0.0.1)\n"
        << "SlurmUser=" << user.toStdString() << "\nSlurmdUser=" << user.toStdString() << "\n"
        << "SlurmctldPort=" << ctld_port << "\nSlurmdPort=" << slurmd_port << "\n"
        << "AuthType=auth/munge\nCredType=cred/munge\n"
        << "AuthInfo=socket=" << socket.toStdString() << "\n"
        << "StateSaveLocation=" << p("state") << "\nSlurmdSpoolDir=" << p("spool") << "\n"
        << "SlurmctldPidFile=" << p("slurmctld.pid") << "\nSlurmdPidFile=" << p("slurmd.pid")
        << "\n"
        << "SlurmctldLogFile=" << p("slurmctld.log") << "\nSlurmdLogFile=" << p("slurmd.log")
        << "\n"
        // No cgroups, no accounting, no MPI: the least a container can run.
        << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
        << "SchedulerType=sched/builtin\nSelectType=select/cons_tres\n"
        << "SelectTypeParameters=CR_CPU\nReturnToService=2\nMpiDefault=none\n"
        << "JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n"
        << "JobCompType=jobcomp/none\nSwitchType=switch/none\n"
        << "NodeName=" << kNode << " NodeHostname=localhost NodeAddr=127.0.0.1 CPUs="
        << std::max(1u, std::thread::hardware_concurrency()) << " RealMemory=1000 State=UNKNOWN\n"
        << "PartitionName=batchlab Nodes=" << kNode << " Default=YES MaxTime=INFINITE State=UP\n";
    }
    env_.insert("SLURM_CONF", conf);

    QProcess* ctld = start("slurmctld", slurmctld, {"-D", "-c", "-f", conf});
    if (!wait_for(15000, [&] {
          return ctld->state() == QProcess::Running &&
                 client(sinfo_, {"-h", "-o", "%P"}, env_, 3000).code == 0;
        })) {
      skip_ = "slurmctld did not start (sinfo: " +
              one_line(client(sinfo_, {"-h", "-o", "%P"}, env_, 3000).out, 150) +
              "): " + why("slurmctld", slurmctld, ctld, path("slurmctld.log"));
      return;
    }
    QProcess* d = start("slurmd", slurmd, {"-D", "-f", conf, "-N", kNode});
    if (!wait_for(20000, [&] {
          const Ran r = client(sinfo_, {"-h", "-n", kNode, "-o", "%T"}, env_, 3000);
          return d->state() == QProcess::Running && r.code == 0 &&
                 r.out.trimmed().startsWith("idle");
        })) {
      skip_ = "slurmd did not start or its node is not idle (sinfo: " +
              one_line(client(sinfo_, {"-h", "-n", kNode, "-o", "%T %E"}, env_, 3000).out, 100) +
              "): " + why("slurmd", slurmd, d, path("slurmd.log"));
      return;
    }
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    root_ = dir_.path();
    env_ = QProcessEnvironment::systemEnvironment();
    env_.insert("BATCHLAB_PRESET_DIR", QString(BATCHLAB_SOURCE_DIR) + "/resources/presets");
    bring_up();
  }

  void cleanupTestCase() {
    if (!job_.isEmpty() && !scancel_.isEmpty()) client(scancel_, {job_}, env_, 5000);
    for (auto it = daemons_.rbegin(); it != daemons_.rend(); ++it) {
      (*it)->terminate();
      if (!(*it)->waitForFinished(5000)) {
        (*it)->kill();
        (*it)->waitForFinished(2000);
      }
    }
  }

  void aFourRunSweepGoesThroughSbatchAndMergesIntoOneSweep() {
    if (!skip_.isEmpty()) QSKIP(qPrintable(skip_));
    using batchlab::testing::cli;
    const QString sweep_file = path("four.json");
    {
      std::ofstream f(sweep_file.toStdString());
      f << R"({"name": "cluster test", "batch_sizes": [8, 16, 32, 64],
               "base": {"seed": 1, "device": "cpu",
                        "dataset": {"kind": "spirals", "samples": 200, "noise": 0.1,
                                    "classes": 2, "validation": 0.2},
                        "model": {"kind": "mlp", "hidden": [8]},
                        "optimizer": {"kind": "adam", "lr": 0.01},
                        "batch": {"strategy": "mini"},
                        "stop": {"epochs": 2}, "eval": {"every_epochs": 1}}})";
    }
    const QString out = path("array");
    const auto w = cli({"sweep", sweep_file, "--slurm", out, "--time", "00:05:00"});
    QVERIFY2(w.code == 0, qPrintable(w.err));
    const QStringList printed = w.out.trimmed().split('\n');
    const QString sbatch_line = printed[printed.size() - 2];
    QCOMPARE(sbatch_line, "sbatch " + out + "/sweep.sbatch");

    // The printed line, as a person would paste it.
    const Ran submitted = client(sbatch_, {out + "/sweep.sbatch"}, env_);
    QVERIFY2(submitted.code == 0, qPrintable(submitted.out));
    const QRegularExpression id_re("Submitted batch job (\\d+)");
    const auto match = id_re.match(submitted.out);
    QVERIFY2(match.hasMatch(), qPrintable(submitted.out));
    job_ = match.captured(1);

    // Done when the array has left the queue.
    const bool finished = wait_for(60000, [&] {
      const Ran q = client(squeue_, {"-h", "-j", job_}, env_, 5000);
      return q.code == 0 && q.out.trimmed().isEmpty();
    });
    QVERIFY2(finished, qPrintable("the array did not finish in 60 s: " +
                                  one_line(client(squeue_, {"-h", "-j", job_}, env_).out)));
    job_.clear();
    for (int k = 0; k < 4; ++k) {
      const QString log =
          out + "/logs/slurm-" + match.captured(1) + "_" + QString::number(k) + ".out";
      QVERIFY2(QFile::exists(log), qPrintable(log));
      QVERIFY2(QFile(out + "/logs/task-" + QString::number(k) + ".jsonl").size() > 0,
               qPrintable(file_text(log)));
    }

    const fs::path main = path("main.sqlite").toStdString();
    std::vector<fs::path> shards;
    for (int k = 0; k < 4; ++k)
      shards.push_back((out + "/shards/task-" + QString::number(k) + ".sqlite").toStdString());
    const MergeResult r = merge_shards(main, shards);
    QCOMPARE(r.runs_added(), 4);
    QCOMPARE(r.sweep_ids.size(), std::size_t{1});
    const RunStore m(main);
    const auto runs = m.runs_in_sweep(r.sweep_ids.front());
    QCOMPARE(runs.size(), std::size_t{4});
    for (const auto& run : runs) {
      QCOMPARE(run.status, RunStatus::completed);
      QVERIFY(!m.steps(run.id).empty());
    }
    QCOMPARE(m.sweep(r.sweep_ids.front())->name, std::string("cluster test"));
  }
};

QTEST_GUILESS_MAIN(TestSlurmCluster)
#include "test_slurm_cluster.moc"
