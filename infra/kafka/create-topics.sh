#!/usr/bin/env bash
# Creates Vigil's topics with kafka-topics.sh (run inside the Kafka container by docker-compose).
set -euo pipefail
bootstrap=${1:-kafka:9092}
prefix=${TOPIC_PREFIX:-}
replication=${REPLICATION:-1}
create() {
  /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$bootstrap" --create --if-not-exists \
    --topic "${prefix}$1" --partitions "$2" --replication-factor "$replication" --config "retention.ms=$3"
}
create vigil.events 12 604800000
create vigil.events.dlq 3 2592000000
create vigil.detections 6 2592000000
create vigil.detections.dlq 3 2592000000
