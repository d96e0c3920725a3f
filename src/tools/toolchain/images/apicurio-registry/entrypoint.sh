#!/bin/bash
# Apicurio Registry (Quarkus): configuration comes from environment variables exactly as with
# the apicurio/apicurio-registry image (APICURIO_*, QUARKUS_*); JAVA_OPTS_APPEND adds JVM flags.
set -euo pipefail
exec java ${JAVA_OPTS:--Xmx384m -Xms128m} ${JAVA_OPTS_APPEND:-} -jar /opt/apicurio/quarkus-run.jar
