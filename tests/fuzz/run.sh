#!/usr/bin/env bash
# Builds the libFuzzer targets (build-fuzz, clang) and runs each for SECONDS (default 600), one
# at a time under `nice -n 19`, then prints executions, coverage (cov) and features (ft) from
# libFuzzer's last status line.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]      targets: idx idx_gz csv run_config sweep_config serving_config serving_trace lesson merge_shard
# New inputs go to build-fuzz/fuzz-work/<target>/ (not the repository); the seeds in
# tests/fuzz/corpus/<target>/ are read only. A crash, leak or timeout leaves its input in
# build-fuzz/fuzz-work/<target>-artifacts/: fix the bug, then copy the input into the corpus as
# found-<what> so tests/engine/test_fuzz_corpus.cpp replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-600}"
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(idx idx_gz csv run_config sweep_config serving_config serving_trace lesson merge_shard)

[[ -f build-fuzz/build.ninja ]] || nice -n 19 cmake --preset fuzz >/dev/null
nice -n 19 cmake --build build-fuzz --target fuzzers -j1

summary=()
for t in "${targets[@]}"; do
  work="build-fuzz/fuzz-work/$t"
  artifacts="build-fuzz/fuzz-work/$t-artifacts/"
  mkdir -p "$work" "$artifacts"
  dict=()
  [[ $t == run_config || $t == sweep_config || $t == serving_config || $t == lesson ]] && dict=(-dict=tests/fuzz/config.dict)
  # A store shard is an SQLite file: the seeds are 10-12 KB (512-byte pages), so room for them.
  max_len=8192
  [[ $t == merge_shard ]] && max_len=32768
  log="build-fuzz/fuzz-work/$t.log"
  echo "== fuzz_$t for ${seconds}s (log: $log)"
  # -timeout: an input that takes 10 s is a hang; -rss_limit_mb: 2 GiB is a leak or a bomb.
  rc=0
  nice -n 19 "build-fuzz/tests/fuzz/fuzz_$t" "$work" "tests/fuzz/corpus/$t" "${dict[@]}" \
    -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts" -print_final_stats=1 >"$log" 2>&1 || rc=$?
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
  cov=$(sed -nE 's/.* cov: ([0-9]+) .*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+) .*/\1/p' <<<"$last")
  found=$(find "$artifacts" -type f | wc -l)
  summary+=("$(printf '%-13s rc=%-3s executions=%-10s cov=%-6s ft=%-6s artifacts=%s' \
    "$t" "$rc" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$found")")
  echo "${summary[-1]}"
done
echo
printf '%s\n' "${summary[@]}"
