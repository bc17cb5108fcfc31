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
exec "${BASE_ENTRYPOINT:-/entrypoint.sh}" "$@"
