#!/usr/bin/env bash
# A Docker engine for the container tests. An engine that already answers is used as it is; otherwise Debian's
# docker.io is installed and dockerd started (overlay2, no iptables: bridges then have no egress, so nothing in a
# container may need the internet at run time) and left running for the suite. Waits, bounded, for `docker info`.
set -euo pipefail
source "$(dirname "$0")/../lib/cache.sh"
source "$(dirname "$0")/../lib/apt.sh"
t0=$(date +%s)
if docker info >/dev/null 2>&1; then
  echo "05-docker: engine answers ($(docker version --format '{{.Server.Version}}')): using it"
  exit 0
fi
command -v dockerd >/dev/null 2>&1 || apt_install_no_start docker.io
log=$LAB_CACHE/dockerd.log
echo "05-docker: starting dockerd (log $log)"
setsid nohup dockerd --storage-driver=overlay2 --iptables=false >"$log" 2>&1 </dev/null &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "05-docker: engine $(docker version --format '{{.Server.Version}}') up in $(( $(date +%s) - t0 )) s"
    exit 0
  fi
  sleep 1
done
echo "05-docker: dockerd did not answer within 60 s; last lines of $log:" >&2
tail -20 "$log" >&2
exit 1
