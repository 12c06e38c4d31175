#!/usr/bin/env bash
# Run THERE: on a lent GPU machine, from the repository root, with .gpurt/ carried (made here by
# bench/gpu/prepare.sh). Phases, run in the order given (default: tests sanitizer):
#   tests      nvidia-smi, `batchlab-cli devices`, the CUDA suite (-v2), the end-to-end suite,
#              and CLI runs on the GPU (graphs on and off, TF32, the batch finder with a budget)
#   sanitizer  compute-sanitizer: memcheck with leak check over most of the CUDA suite, then
#              racecheck and initcheck over a few of its functions
#   bench      bench/gpu/run.sh --no-build: the PyTorch table, then without graphs, then TF32
# Every log goes into $OUT/<phases>.tar.gz, the totals, failures, sanitizer summaries and tables
# into $OUT/<phases>-summary.txt, which is also printed last. The whole call stops by DEADLINE_S
# seconds (default 570) so that the device tool's 600 s limit never cuts it off before packing.
# Exit status 0 when every step passed.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
stage="$root/.gpurt"
bin="$stage/build"
out="${OUT:-$root/gpu-out}"
phases=("$@")
((${#phases[@]})) || phases=(tests sanitizer)
label="$(
  IFS=-
  echo "${phases[*]}"
)"
start=$(date +%s)
deadline=$((start + ${DEADLINE_S:-570}))

if [[ ! -x "$bin/tests/engine_cuda_backend" || ! -f "$stage/runtime.tar.gz" ]]; then
  echo "on_device.sh: $stage is incomplete: run bench/gpu/prepare.sh on the build machine and" \
    "name .gpurt in the run's carry" >&2
  exit 1
fi
for p in "${phases[@]}"; do
  case "$p" in tests | sanitizer | bench) ;; *)
    echo "on_device.sh: unknown phase $p (tests, sanitizer, bench)" >&2
    exit 2
    ;;
  esac
done

work="$(mktemp -d /tmp/batchlab-gpu.XXXXXX)"
logs="$work/logs"
mkdir -p "$logs" "$out"
steps="$logs/steps.txt"
tar -xzf "$stage/runtime.tar.gz" -C "$work"

# cuBLAS 13 and the driver are this machine's: the CUDA toolkit's, else PyTorch's wheels.
find_cublas() {
  local d
  for d in /usr/local/cuda/lib64 /usr/local/cuda/lib /usr/local/cuda/targets/x86_64-linux/lib \
    /usr/local/cuda-13*/lib64 /usr/local/cuda-13*/targets/x86_64-linux/lib; do
    [[ -e "$d/libcublas.so.13" ]] && echo "$d" && return
  done
  d="$(ldconfig -p 2>/dev/null | awk '/libcublas\.so\.13 / { print $NF; exit }')"
  [[ -n "$d" ]] && dirname "$d" && return
  python3 -c 'import glob, os, site
hits = [h for s in site.getsitepackages() for h in glob.glob(s + "/nvidia/**/libcublas.so.13", recursive=True)]
print(os.path.dirname(hits[0]) if hits else "")' 2>/dev/null
}
cublas_dir="$(find_cublas)"
export LD_LIBRARY_PATH="$work/lib${cublas_dir:+:$cublas_dir}:/usr/local/nvidia/lib64:/usr/local/nvidia/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# Debian 12's libstdc++ only where this machine's is older than the one we were built against.
if ! "$bin/tests/engine_end_to_end" -functions >/dev/null 2>"$work/loader.txt" &&
  grep -q 'GLIBCXX\|CXXABI\|GCC_[0-9]' "$work/loader.txt"; then
  export LD_LIBRARY_PATH="$work/fallback:$LD_LIBRARY_PATH"
fi
export QT_QPA_PLATFORM=offscreen
export BATCHLAB_PRESET_DIR="$root/resources/presets"
export BATCHLAB_DB="$work/runs.sqlite"
export PYTHONUNBUFFERED=1
sanitizer="$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)"

{
  echo "date: $(date -u +%FT%TZ); phases: ${phases[*]}"
  uname -a
  grep -m1 'model name' /proc/cpuinfo
  ldd --version | head -1
  echo "cuBLAS from: ${cublas_dir:-NOT FOUND}"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  nvcc --version 2>/dev/null | tail -2
  "$sanitizer" --version 2>/dev/null | tail -1
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' 2>&1
  head -4 "$stage/MANIFEST.txt" 2>/dev/null
  for b in engine/cli/batchlab-cli bench/batchlab-bench-gpu tests/engine_cuda_backend \
    tests/engine_end_to_end; do
    echo "--- ldd $b"
    ldd "$bin/$b"
  done
  echo "--- loader check"
  cat "$work/loader.txt"
} >"$logs/environment.txt" 2>&1

# step NAME LIMIT CMD...: CMD's output into NAME.log, for at most LIMIT seconds and never past
# the deadline; one line per step in steps.txt and on stdout.
failed=0
step() {
  local name="$1" limit="$2"
  shift 2
  local left=$((deadline - $(date +%s) - 25))
  if ((left < 15)); then
    echo "$name: skipped (the call's deadline)" | tee -a "$steps"
    failed=1
    return 0
  fi
  ((limit > left)) && limit=$left
  local t0
  t0=$(date +%s)
  echo "== $name (at most ${limit}s): $*"
  timeout -k 10 "$limit" "$@" >"$logs/$name.log" 2>&1
  local rc=$?
  local verdict="exit $rc"
  ((rc == 124 || rc == 137)) && verdict="TIMED OUT after ${limit}s"
  # A suite that skips in initTestCase exits 0 having tested nothing: that is no pass.
  if ((rc == 0)) && grep -q '^SKIP   : .*initTestCase' "$logs/$name.log"; then
    verdict="SKIPPED ($(grep -m1 '^SKIP   : .*initTestCase' "$logs/$name.log" | cut -c1-160))"
    rc=1
  fi
  ((rc != 0)) && failed=1
  echo "$name: $verdict ($(($(date +%s) - t0)) s)" | tee -a "$steps"
  return 0
}

cli="$bin/engine/cli/batchlab-cli"
suite="$bin/tests/engine_cuda_backend"

phase_tests() {
  step nvidia-smi 30 nvidia-smi
  step devices 60 "$cli" devices
  step cuda_suite 330 "$suite" -v2
  step end_to_end 150 "$bin/tests/engine_end_to_end" -v1
  step cli_run 90 "$cli" run spirals-mlp --device cuda --no-store
  step cli_run_no_graphs 90 "$cli" run spirals-mlp --device cuda --no-store \
    --set cuda.graphs=false
  step cli_run_tf32_b1 90 "$cli" run spirals-mlp --device cuda --no-store --set cuda.tf32=true \
    --set batch.size=1 --set stop.epochs=2
  step cli_find_batch 120 "$cli" find-batch spirals-mlp --device cuda --budget-mb 200 \
    --mode binsearch --steps 2
}

# Most of the suite under memcheck (the slowest rows left out), fewer functions under the others.
memcheck_functions=(
  "matches_cpu_float32:width 1 batch 1" "matches_cpu_float32:width 17 batch 3"
  "matches_cpu_float32:width 64 batch 64" "matches_cpu_float32:width 256 batch 1000"
  "matches_cpu_float32:width 17 batch 2500" "matches_cpu_tf32:width 17 batch 3"
  regression_matches_cpu optimizers_match_cpu accumulated_micro_batches_equal_one_batch
  graph_replay_equals_no_graph deferred_results_equal_synchronous_ones
  deferred_divergence_shows_in_the_results resident_data_gathers_the_same_batches
  budget_overrun_is_out_of_memory impossible_allocation_is_out_of_memory_and_the_device_recovers
  trainer_runs_on_the_gpu_like_on_the_cpu)
racecheck_functions=("optimizers_match_cpu:adam + weight decay"
  "regression_matches_cpu:width 17 batch 3" "matches_cpu_float32:width 17 batch 2500"
  "matches_cpu_float32:width 64 batch 64")
initcheck_functions=(graph_replay_equals_no_graph resident_data_gathers_the_same_batches
  deferred_results_equal_synchronous_ones)

phase_sanitizer() {
  if [[ ! -x "$sanitizer" ]]; then
    echo "sanitizer: compute-sanitizer not found" | tee -a "$steps"
    failed=1
    return
  fi
  step memcheck 300 "$sanitizer" --tool memcheck --leak-check full --print-limit 50 \
    "$suite" "${memcheck_functions[@]}"
  step racecheck 150 "$sanitizer" --tool racecheck --racecheck-report analysis --print-limit 50 \
    "$suite" "${racecheck_functions[@]}"
  step initcheck 120 "$sanitizer" --tool initcheck --print-limit 50 \
    "$suite" "${initcheck_functions[@]}"
}

phase_bench() {
  local run="$root/bench/gpu/run.sh"
  step bench 300 bash "$run" --no-build --build-dir "$bin" --out "$logs/bench"
  step bench_no_graphs 150 bash "$run" --no-build --build-dir "$bin" --out "$logs/bench-no-graphs" \
    --no-graphs --batches 1,8,64,512
  step bench_tf32 150 bash "$run" --no-build --build-dir "$bin" --out "$logs/bench-tf32" --tf32 \
    --batches 512,4096,32768
}

for p in "${phases[@]}"; do
  case "$p" in
    tests) phase_tests ;;
    sanitizer) phase_sanitizer ;;
    bench) phase_bench ;;
  esac
done

# The summary: step verdicts, Qt Test totals and failures, sanitizer verdicts, tables.
summary="$logs/summary.txt"
{
  echo "BatchLab on $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null |
    head -1), phases: ${phases[*]}, $(($(date +%s) - start)) s"
  echo
  cat "$steps"
  for f in "$logs"/*.log; do
    name="$(basename "$f" .log)"
    if grep -q '^Totals:' "$f"; then
      echo
      echo "--- $name: $(grep '^Totals:' "$f" | tail -1)"
      grep -A2 '^FAIL!\|^XPASS\|^QFATAL\|^QWARN' "$f" | head -60
    fi
    if grep -q 'ERROR SUMMARY\|RACECHECK SUMMARY' "$f"; then
      echo
      echo "--- $name: $(grep 'ERROR SUMMARY\|RACECHECK SUMMARY' "$f" | tail -1)"
      grep '^========= ' "$f" | grep -v 'COMPUTE-SANITIZER\|ERROR SUMMARY' | head -40
    fi
  done
  for f in "$logs"/cli_*.log "$logs"/devices.log; do
    [[ -f "$f" ]] || continue
    echo
    echo "--- $(basename "$f" .log) (last lines)"
    tail -6 "$f"
  done
  for t in "$logs"/bench*/table.md; do
    [[ -f "$t" ]] || continue
    echo
    echo "--- $(basename "$(dirname "$t")")"
    cat "$t"
  done
  for f in "$logs"/bench*.log; do
    grep -q 'Traceback\|error\|missing\|no usable' "$f" 2>/dev/null || continue
    echo
    echo "--- $(basename "$f" .log) (errors)"
    tail -15 "$f"
  done
} >"$summary" 2>&1

tar -czf "$out/$label.tar.gz" -C "$logs" .
cp "$summary" "$out/$label-summary.txt"
echo
cat "$summary"
exit "$failed"
