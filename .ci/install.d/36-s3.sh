#!/usr/bin/env bash
# moto's S3-compatible server (moto_server) in a venv outside the repo, for tests/real/minioBucket.test.ts:
# the MinioBucket provider's S3 calls run against it on a free 127.0.0.1 port. Fast when already installed.
set -euo pipefail
source "$(dirname "$0")/../lib/venv.sh"
VENV="$LAB_S3_VENV"
MOTO_VERSION="5.2.5"
if [[ -x "$VENV/bin/moto_server" ]] && "$VENV/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  echo "moto $MOTO_VERSION already in $VENV"
  exit 0
fi
fresh_venv python3 "$VENV"
venv_pip_install "$VENV" "moto[server]==$MOTO_VERSION"
"$VENV/bin/python" -c "import moto; print('moto', moto.__version__, 'in $VENV')"
