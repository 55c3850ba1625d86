#!/usr/bin/env bash
# Installs what is missing, checks the house rules, then builds and runs every
# test twice: the developer build, and again under AddressSanitizer and
# UndefinedBehaviorSanitizer. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/checksrc.sh
cmake --workflow --preset dev
cmake --workflow --preset asan
echo "test.sh: all tests passed (dev and asan builds)"
