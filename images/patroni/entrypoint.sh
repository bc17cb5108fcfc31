#!/bin/sh
# Refuses to start half-configured (a clear message names what is missing), then runs Patroni as PID 1:
# Patroni reaps the PostgreSQL processes itself when it is PID 1.
set -eu
config="${LAB_PATRONI_CONFIG:-/etc/patroni/patroni.yml}"
if [ ! -r "$config" ]; then
  echo "patroni-entrypoint: LAB_PATRONI_CONFIG=$config is not a readable file (mount the rendered patroni.yml there)" >&2
  exit 64
fi
for var in PATRONI_SUPERUSER_PASSWORD PATRONI_REPLICATION_PASSWORD; do
  eval "value=\${$var:-}"
  if [ -z "$value" ]; then
    echo "patroni-entrypoint: $var is empty (Patroni reads the password from the environment, never from the YAML)" >&2
    exit 64
  fi
done
exec patroni "$config"
