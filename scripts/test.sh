#!/usr/bin/env bash
# Quick start (2): install what is missing, build, run every test suite through CTest.
# Widget suites run offscreen; GPU suites skip with a message when no GPU is present.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/deps.sh" --tests
"$here/build.sh"
cd "$here/../build"
# Serial on purpose: the GUI responsiveness test measures timer gaps and must not share the
# cores with another suite.
QT_QPA_PLATFORM=offscreen ctest --output-on-failure --timeout 900
