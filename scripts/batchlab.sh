#!/usr/bin/env bash
# Quick start (1): install what is missing, build, open the workbench with the default preset.
# Extra arguments go to batchlab (e.g. --preset fashion-mnist-mlp).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/deps.sh"
"$here/build.sh"
exec "$here/../build/app/batchlab" "$@"
