#!/usr/bin/env bash
# Configures (once) and builds BatchLab in Release into build/. Idempotent: a second call only
# rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f build/build.ninja ]]; then
  cmake --preset release >/dev/null
fi
cmake --build --preset release -j "$(nproc)"
