#!/usr/bin/env bash
# Run HERE (no GPU needed): builds for the lent GPU machine what bench/gpu/on_device.sh runs there,
# and stages it in one folder, .gpurt/, for the device tool's `carry`. That machine has nvcc,
# cuBLAS, PyTorch and no Qt, Eigen or nlohmann-json, so nothing of ours can be built there.
#
#   bench/gpu/prepare.sh            # CUDA_ARCH=90 (H100, H200), JOBS=2, BUILD_DIR=build-gpu
#
# .gpurt/ then holds
#   build/engine/cli/batchlab-cli, build/bench/batchlab-bench-gpu   (bench/gpu/run.sh --build-dir)
#   build/tests/engine_cuda_backend, build/tests/engine_end_to_end  (Qt Test suites)
#   runtime.tar.gz   lib/: Qt, ICU and the rest the executables need beyond glibc, the driver and
#                    cuBLAS; fallback/: libstdc++ and libgcc_s, used there only if its own are older
#   MANIFEST.txt     commit, build options, files and sizes
# The CPU code is built without -march=native: the GPU machine's processor is not this one.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${BUILD_DIR:-$root/build-gpu}"
stage="$root/.gpurt"
arch="${CUDA_ARCH:-90}"
jobs="${JOBS:-2}"
limit_mib=64  # the device tool's limit for the working tree and carried paths together
targets=(batchlab-cli batchlab-bench-gpu engine_cuda_backend engine_end_to_end)

die() {
  echo "prepare.sh: $*" >&2
  exit 1
}
nvcc="$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)"
[[ -x "$nvcc" ]] ||
  die "nvcc not found: the CUDA backend needs the CUDA toolkit at build time (no GPU needed)"

mkdir -p "$build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBATCHLAB_GUI=OFF \
  -DBATCHLAB_TESTS=ON -DBATCHLAB_BENCH=ON -DBATCHLAB_NATIVE=OFF \
  -DCMAKE_CUDA_ARCHITECTURES="$arch" | tee "$build/prepare-configure.log" ||
  die "configure failed (log: $build/prepare-configure.log)"
grep -q "BatchLab: CUDA backend ON" "$build/prepare-configure.log" ||
  die "CMake did not enable the CUDA backend (see $build/prepare-configure.log)"
cmake --build "$build" -j "$jobs" --target "${targets[@]}"

bins=(engine/cli/batchlab-cli bench/batchlab-bench-gpu tests/engine_cuda_backend
      tests/engine_end_to_end)
rm -rf "$stage"
mkdir -p "$stage/build" "$stage/rt/lib" "$stage/rt/fallback"
for b in "${bins[@]}"; do
  [[ -x "$build/$b" ]] || die "$build/$b was not built"
  mkdir -p "$(dirname "$stage/build/$b")"
  strip --strip-unneeded -o "$stage/build/$b" "$build/$b"
done

# Every shared library the executables load, except what the GPU machine must provide itself:
# glibc, the NVIDIA driver and cuBLAS (too big to carry, and installed with CUDA and PyTorch).
declare -A seen=()
while read -r name path; do
  [[ -n "$path" && -z "${seen[$name]:-}" ]] || continue
  seen[$name]=1
  case "$name" in
    linux-vdso.so* | ld-linux* | libc.so* | libm.so* | libpthread.so* | libdl.so* | librt.so* | \
      libcublas* | libcuda.so* | libcudart*) ;;
    libstdc++.so* | libgcc_s.so*) cp -L "$path" "$stage/rt/fallback/$name" ;;
    *) cp -L "$path" "$stage/rt/lib/$name" ;;
  esac
done < <(for b in "${bins[@]}"; do ldd "$build/$b"; done |
  awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' | sort -u)
[[ -f "$stage/rt/lib/libQt6Core.so.6" ]] || die "libQt6Core.so.6 was not among the libraries"
chmod u+w "$stage"/rt/*/*
strip --strip-unneeded "$stage"/rt/*/* 2>/dev/null || true
newest_glibc() { for f in "$@"; do objdump -T "$f"; done | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1; }
glibc_needed="$(newest_glibc "${bins[@]/#/$stage/build/}" "$stage"/rt/lib/*), the fallback's $(
  newest_glibc "$stage"/rt/fallback/*)"
# ICU's data alone is 30 MB; gzip (on every machine) takes the runtime to about 19 MB.
tar -czf "$stage/runtime.tar.gz" -C "$stage/rt" lib fallback
rm -rf "$stage/rt"

{
  echo "BatchLab GPU bundle, made by bench/gpu/prepare.sh on $(hostname) at $(date -u +%FT%TZ)"
  echo "commit: $(git -C "$root" rev-parse HEAD)$(git -C "$root" diff --quiet HEAD || echo ' (with local changes)')"
  echo "CMAKE_CUDA_ARCHITECTURES=$arch, Release, BATCHLAB_NATIVE=OFF, $("$nvcc" --version | tail -1)"
  echo "newest glibc symbol needed: $glibc_needed"
  echo
  (cd "$stage" && find . -type f ! -name MANIFEST.txt -printf '%10s  %p\n' | sort -k2)
  echo
  echo "runtime.tar.gz:"
  tar -tzvf "$stage/runtime.tar.gz" | awk '{ printf "%10s  %s\n", $3, $6 }'
} >"$stage/MANIFEST.txt"

# What one `run` call sends: the tracked and untracked-not-ignored files, plus the carry.
tree_bytes=$( (cd "$root" && git ls-files -z --cached --others --exclude-standard |
  xargs -0 -r stat -c %s -- 2>/dev/null) | awk '{ s += $1 } END { print s + 0 }')
carry_bytes=$(du -sb "$stage" | cut -f1)
total_mib=$(((tree_bytes + carry_bytes + (1 << 20) - 1) >> 20))
echo
echo "staged in $stage: $((carry_bytes >> 20)) MiB (+ $((tree_bytes >> 20)) MiB working tree)" \
  "= $total_mib MiB of the $limit_mib MiB a run call may send"
((total_mib < limit_mib)) || die "too big to send: carry less"
cat <<EOF

On the GPU machine (two calls of the device tool's run, carry [".gpurt"]):
  bash bench/gpu/on_device.sh tests sanitizer     (timeout_s 600)
  bash bench/gpu/on_device.sh bench               (timeout_s 600)
EOF
