#!/bin/bash
# Kafka broker in KRaft mode honouring the apache/kafka image's environment contract:
# every KAFKA_* variable (except the JVM and logging ones) becomes a server property; with none
# set, the bundled single-node server.properties is used. CLUSTER_ID is required when
# KAFKA_PROCESS_ROLES is set. Storage is formatted on start (kept when already formatted).
set -euo pipefail
source /usr/local/lib/streamform/lib.sh

KAFKA_HOME=/opt/kafka
props=/opt/kafka/run/server.properties
mkdir -p /opt/kafka/run
excluded="KAFKA_VERSION KAFKA_HEAP_OPTS KAFKA_LOG4J_OPTS KAFKA_OPTS KAFKA_JMX_OPTS KAFKA_JVM_PERFORMANCE_OPTS
  KAFKA_GC_LOG_OPTS KAFKA_LOG4J_ROOT_LOGLEVEL KAFKA_LOG4J_LOGGERS KAFKA_TOOLS_LOG4J_LOGLEVEL KAFKA_JMX_HOSTNAME KAFKA_JMX_PORT KAFKA_HOME"
generated=$(env_to_properties KAFKA_ apache $excluded)
if [ -n "$generated" ]; then
  printf '%s\n' "$generated" > "$props"
  if [ -n "${KAFKA_PROCESS_ROLES:-}" ] && [ -z "${CLUSTER_ID:-}" ]; then
    die "CLUSTER_ID is required when KAFKA_PROCESS_ROLES is set (generate one with: kafka-storage random-uuid)"
  fi
else
  cp "$KAFKA_HOME/config/server.properties" "$props"
fi
: "${CLUSTER_ID:=5L6g3nShT-eMCtK--X86sw}"

classpath="$KAFKA_HOME/libs/*"
log4j="${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$KAFKA_HOME/config/log4j2.properties}"
standalone=()
if ! grep -q '^controller.quorum.voters=' "$props" && grep -q '^process.roles=.*controller' "$props"; then
  standalone=(--standalone)
fi
java -Xmx256m $log4j -cp "$classpath" kafka.tools.StorageTool format \
  --cluster-id "$CLUSTER_ID" --config "$props" --ignore-formatted "${standalone[@]}" >&2

exec java ${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true} \
  ${KAFKA_OPTS:-} $log4j -cp "$classpath" kafka.Kafka "$props"
