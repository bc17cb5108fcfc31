#!/bin/bash
# Formats or inspects KRaft log directories, as Kafka's kafka-storage.sh.
exec "$(dirname "$0")/kafka-run-class.sh" kafka.tools.StorageTool "$@"
