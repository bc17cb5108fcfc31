#!/bin/bash
# Writes lines from stdin as records, as Kafka's kafka-console-producer.sh.
exec "$(dirname "$0")/kafka-run-class.sh" org.apache.kafka.tools.ConsoleProducer "$@"
