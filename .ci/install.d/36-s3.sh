#!/usr/bin/env bash
# moto's S3-compatible server (moto_server) in a venv outside the repo, for tests/real/minioBucket.test.ts:
# the MinioBucket provider's S3 calls run against it on a free 127.0.0.1 port. Fast when already installed.
set -euo pipefail
VENV="${LAB_S3_VENV:-/opt/lab/s3}"
MOTO_VERSION="5.2.5"
if [[ -x "$VENV/bin/moto_server" ]] && "$VENV/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  echo "moto $MOTO_VERSION already in $VENV"
  exit 0
fi
if ! python3 -c "import ensurepip" 2>/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
fi
mkdir -p "$(dirname "$VENV")"
python3 -m venv --clear "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check --cache-dir /var/cache/lab/pip "moto[server]==$MOTO_VERSION"
"$VENV/bin/python" -c "import moto; print('moto', moto.__version__, 'in $VENV')"
