#!/usr/bin/env bash
# Healthy only when Greenplum answers a query AND PXF reports UP on its actuator; says which part is down.
set -uo pipefail

here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
# shellcheck source=greenplum-env.sh
source "$here/greenplum-env.sh"

PXF_HEALTH_URL="${PXF_HEALTH_URL:-http://127.0.0.1:${PXF_PORT:-5888}/actuator/health}"
HEALTHCHECK_DATABASE="${HEALTHCHECK_DATABASE:-postgres}"

if ! answer="$(as_gpadmin psql -X -At -d "$HEALTHCHECK_DATABASE" -c 'select 1' 2>&1)"; then
  echo "unhealthy: greenplum does not answer on database $HEALTHCHECK_DATABASE: ${answer##*$'\n'}"
  exit 1
fi
if [[ "$answer" != 1 ]]; then
  echo "unhealthy: greenplum answered '$answer' to 'select 1'"
  exit 1
fi
if ! body="$(curl -sS --fail --max-time 5 "$PXF_HEALTH_URL" 2>&1)"; then
  echo "unhealthy: pxf does not answer at $PXF_HEALTH_URL: $body"
  exit 1
fi
if [[ "$body" != *'"status":"UP"'* ]]; then
  echo "unhealthy: pxf at $PXF_HEALTH_URL reports $body"
  exit 1
fi
echo "healthy: greenplum answers, pxf UP"
