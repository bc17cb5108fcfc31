#!/bin/sh
# The official haproxy image's entrypoint: options alone get `haproxy` in front, and haproxy runs in
# master-worker mode (-W) in the foreground (-db) so it is PID 1's child that reloads and logs to stderr.
set -e
if [ "${1#-}" != "$1" ]; then set -- haproxy "$@"; fi
if [ "$1" = haproxy ]; then shift; set -- haproxy -W -db "$@"; fi
exec "$@"
