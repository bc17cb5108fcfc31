#!/bin/bash
# Reads and alters dynamic configs, as Kafka's kafka-configs.sh.
exec "$(dirname "$0")/kafka-run-class.sh" kafka.admin.ConfigCommand "$@"
