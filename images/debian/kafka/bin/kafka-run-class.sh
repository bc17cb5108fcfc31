#!/bin/bash
# Runs one Kafka main class on /opt/kafka/libs with the environment Kafka's own script honours (heap, JVM, log4j).
set -eu
[ $# -ge 1 ] || { echo "usage: $0 [-daemon] [-name x] [-loggc] classname [opts]" >&2; exit 1; }
base=$(cd "$(dirname "$0")/.." && pwd)
# Kafka's own flags for the broker start: accepted and ignored (no daemon mode, GC logs go nowhere here).
while [ $# -gt 0 ]; do
  case "$1" in
    -name) shift 2 ;;
    -loggc|-daemon) shift ;;
    *) break ;;
  esac
done
: "${KAFKA_HEAP_OPTS:=-Xmx256M}"
: "${KAFKA_JVM_PERFORMANCE_OPTS:=-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"
: "${KAFKA_LOG4J_OPTS:=-Dlog4j2.configurationFile=$base/config/tools-log4j2.properties}"
# Word splitting is wanted: each *_OPTS holds several JVM options, as in Kafka's script.
# shellcheck disable=SC2086
exec java $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS $KAFKA_LOG4J_OPTS ${KAFKA_JMX_OPTS:-} ${KAFKA_OPTS:-} \
  -cp "$base/libs/*${CLASSPATH:+:$CLASSPATH}" "$@"
