#!/bin/bash
# streamform's local ksqlDB. Honours cp-ksqldb-server's contract: KSQL_* variables become server
# properties (KSQL_LISTENERS, KSQL_BOOTSTRAP_SERVERS, KSQL_KSQL_SERVICE_ID,
# KSQL_KSQL_SCHEMA_REGISTRY_URL, ...), read by the server itself.
set -euo pipefail
exec node /opt/streamform/ksqldb.js --from-env "$@"
