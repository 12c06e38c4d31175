#!/usr/bin/env bash
# BatchLab's CUDA backend against PyTorch eager on the MLP 784-256-256-10 (a benchmark, never a
# test). On a GPU machine with PyTorch and without Qt: builds batchlab-cli and batchlab-bench-gpu
# Qt-free, runs both sides in this one call, and prints the table (also written to OUT/table.md).
#
#   bench/gpu/run.sh [--build-dir DIR] [--no-build] [--out DIR] [--batches 1,8,64,...]
#                    [--tf32] [--no-graphs] [--host-data]
#
# --no-build uses an existing build (e.g. one built elsewhere for this GPU's architecture).
# CUDA_ARCH sets CMAKE_CUDA_ARCHITECTURES (default: native, the GPU of this machine).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/build-gpu"
out="$root/build-gpu/bench-out"
batches="1,8,64,512,4096,32768"
do_build=1
ours_flags=()
torch_flags=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --batches) batches="$2"; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --tf32) ours_flags+=(--tf32); torch_flags+=(--tf32); shift ;;
    --no-graphs) ours_flags+=(--no-graphs); shift ;;
    --host-data) ours_flags+=(--host-data); shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [[ $do_build == 1 ]]; then
  if [[ -z "${CUDA_ARCH:-}" ]] && ! nvidia-smi -L >/dev/null 2>&1; then
    echo "run.sh: no GPU here to build for (nvidia-smi found none): set CUDA_ARCH (90 for an" \
      "H100) to build only, or run this on the GPU machine" >&2
    exit 1
  fi
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBATCHLAB_GUI=OFF \
    -DBATCHLAB_TESTS=OFF -DBATCHLAB_BENCH=ON -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCH:-native}"
  cmake --build "$build" --target batchlab-cli batchlab-bench-gpu
fi
bench="$build/bench/batchlab-bench-gpu"
if [[ ! -x "$bench" ]]; then
  echo "run.sh: $bench is missing: a CUDA build is needed (nvcc at configure time)" >&2
  exit 1
fi

mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm \
  --format=csv 2>/dev/null | tee "$out/gpu.csv" || true
"$build/engine/cli/batchlab-cli" devices | tee "$out/devices.txt"
if ! grep '^cuda:0 ' "$out/devices.txt" | grep -vq unusable; then  # the benchmark takes cuda:0
  echo "run.sh: no usable GPU here ($(grep '^cuda' "$out/devices.txt" | head -1)): the benchmark" \
    "needs one" >&2
  exit 1
fi
echo "BatchLab: batches $batches ${ours_flags[*]:-}" >&2
"$bench" --batches "$batches" "${ours_flags[@]}" | tee "$out/ours.jsonl"
echo "PyTorch: batches $batches ${torch_flags[*]:-}" >&2
python3 "$root/bench/gpu/torch_mlp.py" --batches "$batches" "${torch_flags[@]}" \
  --ours "$out/ours.jsonl" --json "$out/torch.jsonl" | tee "$out/table.md"
