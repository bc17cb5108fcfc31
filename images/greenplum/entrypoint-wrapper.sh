#!/usr/bin/env bash
# The image's entrypoint: make PXF ready, then become the base image's own entrypoint with the same arguments.
# Only adds a step before start: cluster init/start stay the base image's (ENTRYPOINT /entrypoint.sh, CMD /start_gpdb.sh).
set -u
here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
rc=0
"${PXF_ENSURE_SCRIPT:-$here/pxf-ensure.sh}" || rc=$?
if ((rc != 0)); then
  # PXF trouble must not keep Greenplum down; the healthcheck still reports PXF as down.
  echo "[entrypoint] WARNING: pxf-ensure exited $rc; starting Greenplum anyway" >&2
fi
# Directories for CREATE TABLESPACE (Greenplum wants them to exist, owned by gpadmin): absolute paths, space-separated.
for dir in ${LAB_TABLESPACE_DIRS:-}; do
  if [[ "$dir" != /* ]]; then
    echo "[entrypoint] WARNING: LAB_TABLESPACE_DIRS=$LAB_TABLESPACE_DIRS: '$dir' is not an absolute path; skipped" >&2
    continue
  fi
  if mkdir -p "$dir" && chmod 700 "$dir"; then
    [[ "$(id -u)" == 0 ]] && chown "${GREENPLUM_USER:-gpadmin}:" "$dir"
    echo "[entrypoint] tablespace directory $dir ready"
  else
    echo "[entrypoint] WARNING: cannot create tablespace directory $dir" >&2
  fi
done
# gpinitsystem trusts gpadmin only from the address the container had at init; after a Docker engine restart the
# container may get another, and the start's `pxf cluster start` (which connects to its own hostname) then fails on
# a password and the container restarts in a loop (seen). Trust gpadmin from any of the server's own addresses.
gp_user="${GREENPLUM_USER:-gpadmin}"
hba="${GREENPLUM_DATA_DIRECTORY:-/data}/master/gpseg-1/pg_hba.conf"
if [[ -f "$hba" ]] && ! grep -qE "^host[[:space:]]+all[[:space:]]+${gp_user}[[:space:]]+samehost[[:space:]]+trust" "$hba"; then
  # cat > keeps the file's owner and mode (the server runs as gpadmin; this script as root).
  if { echo "host all ${gp_user} samehost trust"; cat "$hba"; } > "$hba.lab-new" && cat "$hba.lab-new" > "$hba"; then
    echo "[entrypoint] $hba: ${gp_user} trusted from the server's own addresses (samehost)"
  else
    echo "[entrypoint] WARNING: cannot update $hba" >&2
  fi
  rm -f "$hba.lab-new"
fi
exec "${BASE_ENTRYPOINT:-/entrypoint.sh}" "$@"
