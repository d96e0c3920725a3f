#!/usr/bin/env bash
# Fails a CI job early, naming what is missing, when the GitHub environment lacks a setting that
# streamform needs for staging/prod. An undefined `${{ secrets.X }}` or `${{ vars.X }}` reaches the
# job as an empty string: for TF_VAR_* that would silently become an empty password.
# Credentials of the Kafka, Schema Registry, Connect and ksqlDB endpoints are optional (clusters
# without authentication), so they are not listed. See docs/ci.md.
set -euo pipefail
environment=${1:?usage: check-environment.sh <github-environment>}

required=(
  PG_CONN_STR
  STREAMFORM_BOOTSTRAP_SERVERS
  STREAMFORM_SCHEMA_REGISTRY_URL
  STREAMFORM_CONNECT_URL
  STREAMFORM_KSQLDB_URL
  TF_VAR_quality_db_sink_password
  TF_VAR_ratings_db_cdc_password
  TF_VAR_ratings_mongodb_uri
  TF_VAR_airline_db_cdc_password
  TF_VAR_airline_snowflake_private_key
)

missing=()
for name in "${required[@]}"; do
  [ -n "${!name:-}" ] || missing+=("$name")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "::error::the GitHub environment '$environment' does not define: ${missing[*]} (secrets and variables to create: docs/ci.md)" >&2
  exit 1
fi
echo "environment '$environment': all ${#required[@]} required settings present"
