#!/usr/bin/env bash
# Soak: the window through a long session under Xvfb, sampling its resident memory and the
# store's size once a second. A script, never a test: it takes tens of minutes and measures.
#   bench/soak/soak.sh [OUT_DIR]        (default: /tmp/batchlab-soak-<time>)
# Phases, one store for all three:
#   1. run    a STEPS-step run (default 1,000,000) of spirals-mlp, --run --quit-when-done
#   2. sweep  a SWEEP_RUNS-run sweep (default 50: 10 batch sizes × 5 learning rates) of the
#             spirals-batch-sizes preset, each run BASE_EPOCHS epochs (default 20), no target
#   3. reopen a store holding one run of BIG_STEPS steps (default 10,000,000; made with one short
#             real run, then synthetic steps appended in SQL), opened in the window, which lists
#             it and quits (--quit-when-done): wall time and peak memory of the open
# Writes OUT_DIR/samples.csv (phase, seconds, rss_kib, peak_rss_kib, store_bytes; every SAMPLE_S
# seconds, default 0.25), OUT_DIR/<phase>.log and a
# summary per phase (peak and last RSS, RSS growth over the second half — a bounded window
# keeps it near 0 —, store size, wall time, exit code) on stdout and in OUT_DIR/summary.txt.
# Event-loop latency: the window's --latency-log writes the worst gap of a 10 ms GUI-thread timer
# once a second (OUT_DIR/<phase>-latency.csv); the summary gives the worst gap of each phase and
# the seconds over 100 ms. The reopen phase ticks the big run (--plot-runs) and the window prints
# how long the store's (decimated) read into the plots took.
# Needs build/ (scripts/build.sh), Xvfb, python3.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
app="${BATCHLAB_APP:-$root/build/app/batchlab}"
cli="${BATCHLAB_CLI:-$root/build/engine/cli/batchlab-cli}"
out="${1:-/tmp/batchlab-soak-$(date +%Y%m%d-%H%M%S)}"
steps="${STEPS:-1000000}"
sweep_runs="${SWEEP_RUNS:-50}"
base_epochs="${BASE_EPOCHS:-20}"
big_steps="${BIG_STEPS:-10000000}"
phases="${PHASES:-run sweep reopen}"
mkdir -p "$out"
store="$out/soak.sqlite"
settings="$out/settings.ini"
samples="$out/samples.csv"
summary="$out/summary.txt"
echo "phase,seconds,rss_kib,peak_rss_kib,store_bytes" >"$samples"
: >"$summary"
export BATCHLAB_PRESET_DIR="$root/resources/presets"

[[ -x "$app" ]] || { echo "soak: $app not built (scripts/build.sh)" >&2; exit 2; }

display=":$((90 + RANDOM % 9))"
Xvfb "$display" -screen 0 1600x1000x24 -nolisten tcp >"$out/xvfb.log" 2>&1 &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null || true' EXIT
sleep 1
export DISPLAY="$display"
unset QT_QPA_PLATFORM

store_bytes() {
  local total=0 f
  for f in "$store" "$store-wal"; do
    # The -wal file comes and goes with the window's connections.
    total=$((total + $(stat -c %s "$f" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# Runs the window with the given arguments, sampling every SAMPLE_S seconds until it exits.
watch_window() {
  local phase="$1"
  shift
  local start=$SECONDS t0
  t0=$(date +%s.%N)
  "$app" --db "$store" --settings "$settings" --latency-log "$out/$phase-latency.csv" "$@" \
    >"$out/$phase.log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    local mem
    mem=$(awk '/^VmRSS:/ {r=$2} /^VmHWM:/ {h=$2} END {if (r) print r "," h}' \
      "/proc/$pid/status" 2>/dev/null || true)
    [[ -n "$mem" ]] &&
      echo "$phase,$(echo "$(date +%s.%N) - $t0" | bc),$mem,$(store_bytes)" >>"$samples"
    sleep "${SAMPLE_S:-0.25}"
  done
  local rc=0
  wait "$pid" || rc=$?
  python3 - "$samples" "$phase" "$((SECONDS - start))" "$rc" "$out/$phase-latency.csv" \
    "$out/$phase.log" <<'EOF' | tee -a "$summary"
import csv, os, re, sys
path, phase, wall, rc, latency, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
rows = [r for r in csv.DictReader(open(path)) if r["phase"] == phase]
rss = [int(r["rss_kib"]) for r in rows]
peak = max(int(r["peak_rss_kib"]) for r in rows) if rows else 0
if not rss:
    print(f"{phase}: no samples (exit {rc}, {wall} s)")
    sys.exit()
half = rss[len(rss) // 2:]
growth = (half[-1] - half[0]) / 1024
gaps = [float(r["worst_gap_ms"]) for r in csv.DictReader(open(latency))] if os.path.exists(latency) else []
fluid = (f", worst 10 ms-timer gap {max(gaps):.0f} ms, {sum(g > 100 for g in gaps)} of {len(gaps)} s over 100 ms"
         if gaps else ", no latency log")
plotted = re.findall(r"plotted .*", open(log).read()) if os.path.exists(log) else []
print(f"{phase}: exit {rc}, {wall} s, RSS peak {peak / 1024:.0f} MiB, last {rss[-1] / 1024:.0f} MiB, "
      f"second-half growth {growth:+.0f} MiB, store {int(rows[-1]['store_bytes']) / 2**20:.0f} MiB"
      + fluid + (f"; {plotted[-1]}" if plotted else ""))
EOF
}

for phase in $phases; do
  case "$phase" in
    run)
      watch_window run --preset spirals-mlp --set stop.epochs=null --set stop.target=null \
        --set "stop.max_steps=$steps" --run --quit-when-done
      ;;
    sweep)
      lrs="[0.001,0.002,0.005,0.01,0.02]"
      sizes="[4,8,16,24,32,48,64,96,128,256]"
      [[ "$sweep_runs" == 50 ]] || sizes="[$(seq -s, 1 $(((sweep_runs + 4) / 5)))]"
      watch_window sweep --sweep spirals-batch-sizes --set "batch_sizes=$sizes" \
        --set "learning_rates=$lrs" --set "base.stop.epochs=$base_epochs" \
        --set base.stop.target=null --run --quit-when-done
      ;;
    reopen)
      # One real run gives the schema and a run row; its steps are then extended in SQL.
      big="$out/big.sqlite"
      rm -f "$big" "$big-wal" "$big-shm"
      "$cli" run spirals-mlp --db "$big" --device cpu --set stop.epochs=null \
        --set stop.target=null --set stop.max_steps=100 >"$out/big-make.log" 2>&1
      python3 - "$big" "$big_steps" <<'EOF'
import sqlite3, sys
db, n = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
run = c.execute("SELECT max(id) FROM runs").fetchone()[0]
cols = [r[1] for r in c.execute("PRAGMA table_info(steps)") if r[1] not in ("run_id", "step")]
# Plausible values: loss falls, time and samples grow with the step.
expr = {"epoch": "s / 40.0", "samples_seen": "s * 64", "batch_size": "64", "micro_batches": "1",
        "lr": "0.005", "loss": "1.0 / (1 + s / 1000.0)", "wall_s": "s * 0.0001"}
values = ", ".join(expr.get(col, "0") for col in cols)
c.execute("DELETE FROM steps WHERE run_id = ?", (run,))
c.execute(f"""WITH RECURSIVE seq(s) AS (SELECT 1 UNION ALL SELECT s + 1 FROM seq WHERE s < ?)
              INSERT INTO steps (run_id, step, {", ".join(cols)}) SELECT ?, s, {values} FROM seq""",
          (n, run))
c.commit()
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
print(f"big store: run {run} with {n} steps")
EOF
      saved_store="$store"
      store="$big"
      big_run=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT max(id) FROM runs').fetchone()[0])" "$big")
      watch_window reopen --plot-runs "$big_run" --quit-when-done
      store="$saved_store"
      ;;
    *) echo "soak: unknown phase $phase" >&2; exit 2 ;;
  esac
done
echo "samples: $samples"
