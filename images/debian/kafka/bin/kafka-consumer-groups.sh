#!/bin/bash
# Lists and describes consumer groups, as Kafka's kafka-consumer-groups.sh.
exec "$(dirname "$0")/kafka-run-class.sh" org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "$@"
