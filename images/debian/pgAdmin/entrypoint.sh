#!/bin/bash
# What the lab uses of dpage/pgadmin4's /entrypoint.sh: PGADMIN_CONFIG_* -> config_distro.py, on the first start
# the login from PGADMIN_DEFAULT_EMAIL/PASSWORD and the servers of PGADMIN_SERVER_JSON_FILE, then gunicorn.
set -euo pipefail
app=/venv/pgadmin4-app
{
  echo "CA_FILE = '/etc/ssl/certs/ca-certificates.crt'"
  echo "LOG_FILE = '/dev/null'"
  echo "DEFAULT_BINARY_PATHS = {'pg': '/usr/bin'}"
  # Values are Python literals, as in the official image: PGADMIN_CONFIG_MASTER_PASSWORD_REQUIRED=False.
  for var in $(compgen -e | grep '^PGADMIN_CONFIG_' || true); do
    echo "${var#PGADMIN_CONFIG_} = ${!var}"
  done
} > /pgadmin4/config_distro.py

if [ ! -f /var/lib/pgadmin/pgadmin4.db ]; then
  if [ -z "${PGADMIN_DEFAULT_EMAIL:-}" ] || [ -z "${PGADMIN_DEFAULT_PASSWORD:-}${PGADMIN_DEFAULT_PASSWORD_FILE:-}" ]; then
    echo 'You need to define the PGADMIN_DEFAULT_EMAIL and PGADMIN_DEFAULT_PASSWORD or PGADMIN_DEFAULT_PASSWORD_FILE environment variables.' >&2
    exit 1
  fi
  export PGADMIN_SETUP_EMAIL="$PGADMIN_DEFAULT_EMAIL"
  if [ -n "${PGADMIN_DEFAULT_PASSWORD_FILE:-}" ]; then PGADMIN_SETUP_PASSWORD=$(cat "$PGADMIN_DEFAULT_PASSWORD_FILE"); else PGADMIN_SETUP_PASSWORD="$PGADMIN_DEFAULT_PASSWORD"; fi
  export PGADMIN_SETUP_PASSWORD
  (cd "$app" && python setup.py setup-db)
  servers="${PGADMIN_SERVER_JSON_FILE:-/pgadmin4/servers.json}"
  if [ -f "$servers" ]; then
    if [ "${PGADMIN_CONFIG_SERVER_MODE:-True}" = "False" ]; then
      (cd "$app" && python setup.py load-servers "$servers")
    else
      (cd "$app" && python setup.py load-servers "$servers" --user "$PGADMIN_DEFAULT_EMAIL")
    fi
  fi
fi

# [::] only where the container has IPv6, else gunicorn cannot bind at all.
default_address=0.0.0.0
[ -s /proc/net/if_inet6 ] && default_address='[::]'
exec gunicorn --limit-request-line "${GUNICORN_LIMIT_REQUEST_LINE:-8190}" --timeout "${GUNICORN_TIMEOUT:-86400}" \
  --bind "${PGADMIN_LISTEN_ADDRESS:-$default_address}:${PGADMIN_LISTEN_PORT:-80}" -w 1 --threads "${GUNICORN_THREADS:-25}" \
  --access-logfile "${GUNICORN_ACCESS_LOGFILE:--}" --chdir "$app" pgAdmin4:app
