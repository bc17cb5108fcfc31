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
exec "${BASE_ENTRYPOINT:-/entrypoint.sh}" "$@"
