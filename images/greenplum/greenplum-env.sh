# Shared by pxf-ensure.sh and healthcheck.sh (sourced, not run): where PXF lives and how to act as gpadmin.
# Everything comes from the container environment; ~/.bashrc is never read for settings.

GP_USER="${GREENPLUM_USER:-gpadmin}"
GP_HOME="${GPHOME:-/usr/local/greenplum-db}"
PXF_HOME="${PXF_HOME:-/usr/local/pxf}"
GP_DATABASE="${GREENPLUM_DATABASE_NAME:-demo}"

# PXF_BASE, then $GREENPLUM_DATA_DIRECTORY/pxf, then /data/pxf: the volume keeps it across restarts.
if [[ -n "${PXF_BASE:-}" ]]; then
  PXF_BASE_SOURCE="PXF_BASE"
elif [[ -n "${GREENPLUM_DATA_DIRECTORY:-}" ]]; then
  PXF_BASE="${GREENPLUM_DATA_DIRECTORY}/pxf"; PXF_BASE_SOURCE="GREENPLUM_DATA_DIRECTORY"
else
  PXF_BASE="/data/pxf"; PXF_BASE_SOURCE="default"
fi
export PXF_BASE

# greenplum_path.sh puts psql and its libraries on PATH; it is not written for `set -u`.
if [[ -f "$GP_HOME/greenplum_path.sh" ]]; then
  set +u
  # shellcheck disable=SC1091
  source "$GP_HOME/greenplum_path.sh"
  set -u
fi
if [[ -z "${JAVA_HOME:-}" ]] && command -v java >/dev/null 2>&1; then
  JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
  export JAVA_HOME
fi

# The pxf CLI: on PATH, else under PXF_HOME; empty when this image has none.
pxf_command() {
  if command -v pxf 2>/dev/null; then return 0; fi
  if [[ -x "$PXF_HOME/bin/pxf" ]]; then echo "$PXF_HOME/bin/pxf"; return 0; fi
  return 1
}

# Greenplum tools refuse root and psql's local socket authenticates by OS user, so root steps down to gpadmin.
as_gpadmin() {
  if [[ "$(id -u)" == 0 ]] && command -v gosu >/dev/null 2>&1; then
    gosu "$GP_USER" "$@"
  else
    "$@"
  fi
}
