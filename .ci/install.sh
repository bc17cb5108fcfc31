#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh machine (as root), then the npm packages.
# Each concern has its own script in .ci/install.d/, run in name order; each is idempotent and creates what it
# writes into under the one cache root (.ci/lib/cache.sh: LAB_CACHE, default /var/cache/lab).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib/cache.sh
t_all=$(date +%s)
for step in .ci/install.d/*.sh; do
  echo "== ${step}"
  start=$(date +%s)
  bash "$step"
  echo "== ${step} done in $(( $(date +%s) - start )) s"
done
echo "== install done in $(( $(date +%s) - t_all )) s (cache root $LAB_CACHE)"
