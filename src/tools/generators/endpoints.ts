import { EnvConfig, EnvName, ENV_NAMES, environment } from '../../../stacks/environments';
import { UsageError } from '../cli/args';
import { HttpEndpoint } from '../../provider/clients/http';
import { KafkaConnection } from '../../provider/clients/kafka';
import { endpointsOf, ProviderConfig, providerSchema, withEnvironment } from '../../provider/provider';

/** How the generators and `tail` reach the cluster of one environment. */
export interface ClusterAccess {
  readonly env: EnvConfig;
  readonly kafka: KafkaConnection;
  /** Absent when no Schema Registry URL is known for the environment. */
  readonly schemaRegistry?: HttpEndpoint;
  /** Where the endpoints came from, for messages (never holds credentials). */
  readonly origin: string;
}

/** `--env` checked against the known environments. */
export function parseEnvName(value: string | undefined): EnvName {
  const name = value ?? 'dev';
  if (!(ENV_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown environment '${name}' for --env; use one of ${ENV_NAMES.join(', ')}`);
  }
  return name as EnvName;
}

/**
 * The endpoints of an environment. The dev platform's come from its configuration (with the
 * STREAMFORM_DEV_* overrides); those of existing clusters (staging, prod) from the environment
 * variables the Terraform provider reads: STREAMFORM_BOOTSTRAP_SERVERS,
 * STREAMFORM_KAFKA_SECURITY_PROTOCOL, STREAMFORM_KAFKA_SASL_*, STREAMFORM_KAFKA_CA_PEM,
 * STREAMFORM_SCHEMA_REGISTRY_URL/_USERNAME/_PASSWORD.
 */
export function clusterAccess(name: EnvName, processEnv: NodeJS.ProcessEnv = process.env): ClusterAccess {
  const env = environment(name, processEnv);
  const e = env.cluster.endpoints;
  if (env.platform && e?.bootstrapServers) {
    return {
      env,
      kafka: { bootstrapServers: splitServers(e.bootstrapServers) },
      schemaRegistry: e.schemaRegistryUrl ? { url: e.schemaRegistryUrl } : undefined,
      origin: `the ${name} platform (${e.bootstrapServers})`,
    };
  }
  const blank = Object.fromEntries(Object.keys(providerSchema.attributes).map((k) => [k, null])) as unknown as ProviderConfig;
  const fromEnv = endpointsOf(withEnvironment(blank, processEnv));
  if (!fromEnv.kafka || fromEnv.kafka.bootstrapServers.length === 0) {
    throw new UsageError(
      `--env ${name}: no Kafka endpoint; set STREAMFORM_BOOTSTRAP_SERVERS to the ${name} cluster's bootstrap servers ` +
        '(and STREAMFORM_KAFKA_SECURITY_PROTOCOL, STREAMFORM_KAFKA_SASL_MECHANISM/_USERNAME/_PASSWORD as the cluster needs; ' +
        'STREAMFORM_SCHEMA_REGISTRY_URL for Avro), as for the Terraform provider',
    );
  }
  return {
    env,
    kafka: { ...fromEnv.kafka, clientId: 'streamform' },
    schemaRegistry: fromEnv.schemaRegistry,
    origin: `STREAMFORM_BOOTSTRAP_SERVERS (${fromEnv.kafka.bootstrapServers.join(',')})`,
  };
}

function splitServers(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/** An error for a cluster that does not answer, with the fix for the environment. */
export function unreachable(access: ClusterAccess, err: unknown): Error {
  const fix =
    access.env.name === 'dev'
      ? 'is the dev platform running? deploy it with: streamform deploy platform-dev'
      : 'check STREAMFORM_BOOTSTRAP_SERVERS and the STREAMFORM_KAFKA_* security settings';
  return new Error(`cannot reach Kafka at ${access.origin}: ${err instanceof Error ? err.message : String(err)}; ${fix}`);
}
