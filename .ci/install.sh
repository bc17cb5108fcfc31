#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh machine (as root), then the npm packages.
# Each concern has its own script in .ci/install.d/, run in name order; each is idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
for step in .ci/install.d/*.sh; do
  echo "== ${step}"
  start=$(date +%s)
  bash "$step"
  echo "== ${step} done in $(( $(date +%s) - start )) s"
done
