#!/usr/bin/env bash
# Debian packages the real tests run as local processes: PostgreSQL 15, etcd, HAProxy.
set -euo pipefail
need=(postgresql-15 etcd-server etcd-client haproxy procps iproute2)
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The packages' own init scripts may start default services; the tests start their own on free ports.
for svc in postgresql etcd haproxy; do service "$svc" stop >/dev/null 2>&1 || echo "($svc service was not running)"; done
