#!/bin/bash
# Kafka Connect (Apache, distributed mode) honouring the confluentinc/cp-kafka-connect image's
# environment contract: every CONNECT_* variable becomes a worker property.
set -euo pipefail
source /usr/local/lib/streamform/lib.sh

props=/opt/connect/run/connect-distributed.properties
mkdir -p /opt/connect/run
for required in CONNECT_BOOTSTRAP_SERVERS CONNECT_GROUP_ID CONNECT_CONFIG_STORAGE_TOPIC CONNECT_OFFSET_STORAGE_TOPIC \
  CONNECT_STATUS_STORAGE_TOPIC CONNECT_KEY_CONVERTER CONNECT_VALUE_CONVERTER; do
  [ -n "${!required:-}" ] || die "$required is required (see the cp-kafka-connect image's configuration reference)"
done
: "${CONNECT_PLUGIN_PATH:=/opt/connect/plugins}"
export CONNECT_PLUGIN_PATH
env_to_properties CONNECT_ confluent CONNECT_LOG4J_ROOT_LOGLEVEL CONNECT_LOG4J_LOGGERS CONNECT_LOG4J_OPTS > "$props"

exec java ${KAFKA_HEAP_OPTS:--Xmx768m -Xms256m} ${KAFKA_OPTS:-} \
  "-Dlog4j2.configurationFile=/opt/connect/config/log4j2.properties" \
  -cp "/opt/connect/libs/*" org.apache.kafka.connect.cli.ConnectDistributed "$props"
