#!/bin/bash
# Prints the API versions a broker supports, as Kafka's kafka-broker-api-versions.sh.
exec "$(dirname "$0")/kafka-run-class.sh" org.apache.kafka.tools.BrokerApiVersionsCommand "$@"
