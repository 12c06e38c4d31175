#!/usr/bin/env bash
# CPU benchmarks: our Eigen backend against libtorch (Debian's libtorch-dev) on the MLP
# 784-256-256-10, float32: training (SGD with momentum; the default) or, with `infer` first,
# forward-only batch inference and single-request latency.
#   bench/run_cpu.sh [train|infer] [--threads N] [--seconds S] [--batches ...] Installs the peer if missing (bench only), builds in
# build-bench/, and runs with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset so OpenBLAS picks its
# best kernels for this CPU (the peer gets its best).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
need=()
for p in libtorch-dev libopenblas0-pthread; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" == "install ok installed" ]] || need+=("$p")
done
if [[ ${#need[@]} -gt 0 ]]; then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DBATCHLAB_GUI=OFF \
  -DBATCHLAB_TESTS=OFF -DBATCHLAB_BENCH=ON >/dev/null
bench=cpu_vs_libtorch
case "${1:-}" in
  train) shift ;;
  infer) bench=infer_vs_libtorch; shift ;;
esac
cmake --build build-bench --target "$bench"
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "build-bench/bench/$bench" "$@"
