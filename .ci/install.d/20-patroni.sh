#!/usr/bin/env bash
# Patroni (with etcd3 support) in a venv outside the repo, the same version the image pins.
# The real tests find it at $PATRONI_VENV (default $LAB_CACHE/venv/patroni, .ci/lib/cache.sh); fast when already installed.
set -euo pipefail
source "$(dirname "$0")/../lib/venv.sh"
PATRONI_VERSION="4.1.5"            # keep in step with images/patroni/Dockerfile
PSYCOPG2_VERSION="2.9.11"          # keep in step with images/patroni/Dockerfile
VENV="$PATRONI_VENV"
# Debian's interpreter: Patroni runs as the postgres user and re-executes its python (multiprocessing spawn),
# so the venv must not point into a root-only toolchain such as ~root/.pyenv.
PYTHON=/usr/bin/python3
if [[ -x "$VENV/bin/patroni" ]] && grep -qx "home = $(dirname "$PYTHON")" "$VENV/pyvenv.cfg" && "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('patroni') != '$PATRONI_VERSION')" 2>/dev/null \
   && "$VENV/bin/python" -c "import psycopg2, patroni.dcs.etcd3" 2>/dev/null; then
  echo "patroni $PATRONI_VERSION already in $VENV"
  exit 0
fi
fresh_venv "$PYTHON" "$VENV"
venv_pip_install "$VENV" "patroni[etcd3]==$PATRONI_VERSION" "psycopg2-binary==$PSYCOPG2_VERSION"
"$VENV/bin/patroni" --version
