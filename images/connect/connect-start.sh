#!/bin/sh
# Starts one Kafka Connect worker in distributed mode from the properties the lab renders into the container.
set -eu
: "${CONNECT_PROPERTIES:?CONNECT_PROPERTIES is not set}"
test -s "$CONNECT_PROPERTIES" || { echo "connect: $CONNECT_PROPERTIES is missing or empty" >&2; exit 1; }
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
exec /opt/kafka/bin/connect-distributed.sh "$CONNECT_PROPERTIES"
