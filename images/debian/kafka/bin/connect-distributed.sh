#!/bin/bash
# One Kafka Connect worker in distributed mode, as Kafka's connect-distributed.sh.
set -eu
[ $# -ge 1 ] || { echo "USAGE: $0 connect-distributed.properties" >&2; exit 1; }
base=$(cd "$(dirname "$0")/.." && pwd)
export KAFKA_LOG4J_OPTS="${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$base/config/log4j2.properties}"
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256M -Xmx2G}"
exec "$base/bin/kafka-run-class.sh" org.apache.kafka.connect.cli.ConnectDistributed "$@"
