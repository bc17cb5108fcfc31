#!/usr/bin/env bash
# Airflow 2.10.5 + pytest + yoyo-migrations in a venv outside the repo, for tests/python (real DagBag imports)
# and the yoyo check of sql/partitioning_tool. Pinned by images/airflow/constraints-*.txt; fast when up to date.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/lib/venv.sh
VENV="$LAB_AIRFLOW_VENV"
AIRFLOW_VERSION="2.10.5"   # keep in step with images/airflow/Dockerfile
CONSTRAINTS="images/airflow/constraints-airflow-${AIRFLOW_VERSION}-py3.11.txt"
want="$(sha256sum "$CONSTRAINTS" | cut -d' ' -f1)"
if [[ -x "$VENV/bin/python" ]] && [[ "$(cat "$VENV/.lab-constraints.sha256" 2>/dev/null)" == "$want" ]] \
   && "$VENV/bin/python" -c "import airflow, pytest, yoyo, yaml" 2>/dev/null; then
  echo "airflow $AIRFLOW_VERSION test venv already in $VENV"
  exit 0
fi
fresh_venv python3 "$VENV"
venv_pip_install "$VENV" -c "$CONSTRAINTS" \
  "apache-airflow==$AIRFLOW_VERSION" apache-airflow-providers-postgres apache-airflow-providers-common-sql \
  pytest yoyo-migrations PyYAML
echo "$want" >"$VENV/.lab-constraints.sha256"
"$VENV/bin/python" -c "import airflow; print('airflow', airflow.__version__, 'in $VENV')"
