#!/usr/bin/env bash
# The sanitizer builds (CMakePresets.json: asan, tsan): configure once, build, run CTest.
#   scripts/sanitize.sh [asan|tsan|both]        (default: both, asan first)
# asan  AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer), -O1 -g, asserts on, in
#       build-asan/; every suite. A report fails its suite (UBSan halts on the first one).
# tsan  ThreadSanitizer in build-tsan/; the threaded suites only (the test preset's filter):
#       app_controller, app_bridge, engine_run_store (the store's writer thread),
#       engine_store_failure, app_sweep_dock, app_sweep_dialog, engine_trainer,
#       engine_data_parallel (replica threads, the all-reduce), engine_store_merge,
#       app_inference_window (the serving job's thread), app_lesson_dock, app_model_view and
#       widgets_decision_boundary (the boundary grid on a pool thread).
#       OMP_NUM_THREADS=1: libgomp is not instrumented, so its barriers look like races;
#       BatchLab's own threads (worker QThread, store writer, QtConcurrent) are what is checked.
# Both leave CUDA out (its runtime and ASan's shadow memory do not mix; the CUDA suite skips
# without a GPU anyway). Qt is not instrumented: the suppression files in scripts/sanitize/ say
# what is hidden and why. JOBS (default: all cores) and NICE (default 0) tune the build, e.g.
# JOBS=1 NICE=19 scripts/sanitize.sh asan on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-both}"
jobs="${JOBS:-$(nproc)}"
nice_level="${NICE:-0}"

run() {
  local preset="$1" dir="build-$1"
  shift
  local start=$SECONDS
  [[ -f "$dir/build.ninja" ]] || nice -n "$nice_level" cmake --preset "$preset" >/dev/null
  nice -n "$nice_level" cmake --build --preset "$preset" -j "$jobs" "$@"
  local built=$SECONDS
  # Serial, as scripts/test.sh: the GUI timing tests must not share the cores.
  local rc=0
  nice -n "$nice_level" ctest --preset "$preset" || rc=$?
  echo "sanitize $preset: build $((built - start)) s, tests $((SECONDS - built)) s, ctest exit $rc"
  return "$rc"
}

case "$which" in
  asan) run asan ;;
  # Only what the threaded suites need (and batchlab-cli, which suites start as a process).
  tsan) run tsan --target app_controller app_bridge engine_run_store engine_store_failure \
          app_sweep_dock app_sweep_dialog engine_trainer engine_data_parallel engine_store_merge \
          app_inference_window app_lesson_dock app_model_view widgets_decision_boundary \
          batchlab-cli ;;
  both)
    rc=0
    "$0" asan || rc=$?
    "$0" tsan || rc=$?
    exit "$rc"
    ;;
  *)
    echo "usage: $0 [asan|tsan|both]" >&2
    exit 2
    ;;
esac
