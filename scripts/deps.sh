#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages BatchLab needs that are missing, and nothing else.
# Idempotent: with everything present it only checks and returns. Uses sudo when not root.
# --tests adds what only the test suite needs.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config   # C++20 compiler, CMake ≥ 3.25, Ninja
  libeigen3-dev                                   # the CPU backend's linear algebra
  nlohmann-json3-dev                              # config files, JSONL events
  libsqlite3-dev                                  # the run store
  zlib1g-dev                                      # gzipped IDX files
  libcli11-dev                                    # batchlab-cli's argument parsing
  qt6-base-dev                                    # the workbench (Widgets, PrintSupport, Test)
  libqcustomplot-dev                              # live plots (its Qt 6 build)
  libgl-dev                                       # Qt6Gui's CMake config asks for OpenGL headers
  dataset-fashion-mnist                           # the real dataset the presets use
)
if [[ "${1:-}" == "--tests" ]]; then
  packages+=(poppler-utils)                       # pdftotext/pdfinfo read the PDF reports back
  packages+=(slurm-wlm munge)                     # the real-Slurm test's one-node cluster
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "batchlab: installing ${missing[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "batchlab: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
