#!/bin/bash
# The broker (and KRaft controller) from a server.properties file, as Kafka's kafka-server-start.sh.
set -eu
[ $# -ge 1 ] || { echo "USAGE: $0 server.properties [--override property=value]*" >&2; exit 1; }
base=$(cd "$(dirname "$0")/.." && pwd)
export KAFKA_LOG4J_OPTS="${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$base/config/log4j2.properties}"
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}"
exec "$base/bin/kafka-run-class.sh" kafka.Kafka "$@"
