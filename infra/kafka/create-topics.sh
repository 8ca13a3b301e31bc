#!/usr/bin/env bash
# Creates Vigil's topics with kafka-topics.sh, for clusters where only Kafka's own tools are at hand.
# `vigil topics apply` (docker-compose.yml, the Kubernetes Job) does the same from topics.yaml and also
# checks partition counts; a test keeps this script and topics.yaml in agreement.
#   REPLICATION=1 ./create-topics.sh localhost:9092     # a single-broker cluster
set -euo pipefail
bootstrap=${1:-kafka:9092}
prefix=${TOPIC_PREFIX:-}
replication=${REPLICATION:-3}
create() {
  /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$bootstrap" --create --if-not-exists \
    --topic "${prefix}$1" --partitions "$2" --replication-factor "$replication" --config "retention.ms=$3"
}
create vigil.events 12 604800000
create vigil.events.dlq 3 2592000000
create vigil.detections 6 2592000000
create vigil.detections.dlq 3 2592000000
create vigil.findings.ocsf 6 2592000000
