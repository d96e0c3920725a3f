import { z } from 'zod';
import { HttpEndpoint } from './clients/http';
import { KafkaConnection } from './clients/kafka';
import { clientsFor, ProviderClients, ProviderEndpoints } from './provider-clients';
import { Diagnostic, Planned, ProviderDefinition } from './framework/resource';
import { attr, objectSchema, StateOf } from './framework/schema';
import { connectorResource } from './resources/connector';
import { ksqlQueryResource } from './resources/ksql/query';
import { ksqlStreamResource, ksqlTableResource } from './resources/ksql/source';
import { schemaResource } from './resources/schema';
import { topicResource } from './resources/topic';

const url = z.url({ protocol: /^https?$/ });

/**
 * Provider configuration. Every attribute may instead come from the environment variable
 * STREAMFORM_<ATTRIBUTE> (upper-case), so secrets never have to appear in configuration.
 */
export const providerSchema = objectSchema(0, 'Where the Kafka cluster, Schema Registry, Kafka Connect and ksqlDB are.', {
  bootstrap_servers: attr.optional(
    z.string().min(1),
    'Kafka bootstrap servers, comma-separated `host:port` (env STREAMFORM_BOOTSTRAP_SERVERS).',
  ),
  kafka_security_protocol: attr.optional(
    z.enum(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']),
    'PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL.',
  ),
  kafka_sasl_mechanism: attr.optional(
    z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']),
    'SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.',
  ),
  kafka_sasl_username: attr.optional(z.string(), 'SASL user name.'),
  kafka_sasl_password: attr.optional(z.string(), 'SASL password (env STREAMFORM_KAFKA_SASL_PASSWORD).', { sensitive: true }),
  kafka_ca_pem: attr.optional(z.string(), 'PEM bundle of CAs to trust for SSL (system roots when absent).'),
  schema_registry_url: attr.optional(url, 'Schema Registry base URL, e.g. `http://localhost:8081` (Apicurio: `.../apis/ccompat/v7`).'),
  schema_registry_username: attr.optional(z.string(), 'Schema Registry basic-auth user.'),
  schema_registry_password: attr.optional(z.string(), 'Schema Registry basic-auth password.', { sensitive: true }),
  connect_url: attr.optional(url, 'Kafka Connect REST URL, e.g. `http://localhost:8083`.'),
  connect_username: attr.optional(z.string(), 'Kafka Connect basic-auth user.'),
  connect_password: attr.optional(z.string(), 'Kafka Connect basic-auth password.', { sensitive: true }),
  ksqldb_url: attr.optional(url, 'ksqlDB server URL, e.g. `http://localhost:8088`.'),
  ksqldb_username: attr.optional(z.string(), 'ksqlDB basic-auth user.'),
  ksqldb_password: attr.optional(z.string(), 'ksqlDB basic-auth password.', { sensitive: true }),
  request_timeout_seconds: attr.optional(
    z.number().int().min(1).max(3600),
    'How long one call to Kafka, the Schema Registry, Kafka Connect or ksqlDB may take, retries included, before it fails naming the server (env STREAMFORM_REQUEST_TIMEOUT_SECONDS). Default 30.',
  ),
});

export type ProviderConfig = StateOf<(typeof providerSchema)['attributes']>;

/** Configuration values with environment fallbacks applied. */
export function withEnvironment(config: ProviderConfig, env: NodeJS.ProcessEnv = process.env): ProviderConfig {
  const out = { ...config } as Record<string, unknown>;
  for (const key of Object.keys(providerSchema.attributes)) {
    const fromEnv = env[`STREAMFORM_${key.toUpperCase()}`];
    if ((out[key] === null || out[key] === undefined) && fromEnv !== undefined && fromEnv !== '') out[key] = fromEnv;
  }
  return out as ProviderConfig;
}

function http(url: string | null, username: string | null, password: string | null, timeoutMs?: number): HttpEndpoint | undefined {
  if (!url) return undefined;
  return { url, basicAuth: username ? { username, password: password ?? '' } : undefined, timeoutMs };
}

/** request_timeout_seconds in milliseconds (a value from the environment arrives as text). */
function timeoutOf(c: ProviderConfig): number | undefined {
  const raw = c.request_timeout_seconds as number | string | null;
  if (raw === null || raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
    throw new Error(`request_timeout_seconds must be a whole number of seconds from 1 to 3600, not ${String(raw)}`);
  }
  return seconds * 1000;
}

export function endpointsOf(c: ProviderConfig): ProviderEndpoints {
  const timeoutMs = timeoutOf(c);
  let kafka: KafkaConnection | undefined;
  if (c.bootstrap_servers) {
    kafka = {
      bootstrapServers: c.bootstrap_servers
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      securityProtocol: c.kafka_security_protocol ?? 'PLAINTEXT',
      sasl: c.kafka_sasl_mechanism
        ? { mechanism: c.kafka_sasl_mechanism, username: c.kafka_sasl_username ?? '', password: c.kafka_sasl_password ?? '' }
        : undefined,
      caPem: c.kafka_ca_pem ?? undefined,
      timeoutMs,
    };
  }
  return {
    kafka,
    schemaRegistry: http(c.schema_registry_url, c.schema_registry_username, c.schema_registry_password, timeoutMs),
    connect: http(c.connect_url, c.connect_username, c.connect_password, timeoutMs),
    ksqldb: http(c.ksqldb_url, c.ksqldb_username, c.ksqldb_password, timeoutMs),
  };
}

function validateProvider(config: Planned<ProviderConfig>, diags: Diagnostic[]): void {
  const protocol = config.kafka_security_protocol;
  if (
    typeof protocol === 'string' &&
    protocol.startsWith('SASL') &&
    config.kafka_sasl_mechanism === null &&
    !process.env.STREAMFORM_KAFKA_SASL_MECHANISM
  ) {
    diags.push({
      severity: 'ERROR',
      summary: 'Missing SASL mechanism',
      detail: `kafka_security_protocol is ${protocol}, which needs kafka_sasl_mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)`,
      path: ['kafka_sasl_mechanism'],
    });
  }
}

export const streamformProvider: ProviderDefinition<(typeof providerSchema)['attributes'], ProviderClients> = {
  schema: providerSchema,
  resources: [topicResource, schemaResource, connectorResource, ksqlStreamResource, ksqlTableResource, ksqlQueryResource],
  validate: validateProvider,
  async configure(config, signal) {
    return clientsFor(endpointsOf(withEnvironment(config)), signal);
  },
};
