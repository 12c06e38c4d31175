#!/usr/bin/env bash
# CPU benchmark: our Eigen backend against libtorch (Debian's libtorch-dev) on the MLP
# 784-256-256-10, SGD with momentum, float32. Installs the peer if missing (bench only), builds in
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
cmake --build build-bench --target cpu_vs_libtorch
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE build-bench/bench/cpu_vs_libtorch "$@"
