import type { EnvConfig, EnvName } from '../../../stacks/environments';
import { UsageError } from '../cli/args';
import { isUserProject, projectOutdir, readSynthesizedStack, SynthesizedStack, synthesizedStacksOf } from '../cli/project';
import { HttpEndpoint } from '../../provider/clients/http';
import { KafkaConnection } from '../../provider/clients/kafka';
import { endpointsOf, ProviderConfig, providerSchema, withEnvironment } from '../../provider/provider';

/** How `tail`, `status`, `produce` and the lineage reach the Kafka cluster of one environment. */
export interface EndpointAccess {
  /** The environment's name (`dev`, `prod`, ...). */
  readonly envName: string;
  /** Whether it is a platform on this machine's Docker engine (the fix for an unreachable one differs). */
  readonly local: boolean;
  readonly kafka: KafkaConnection;
  /** Absent when no Schema Registry URL is known for the environment. */
  readonly schemaRegistry?: HttpEndpoint;
  readonly connect?: HttpEndpoint;
  readonly ksqldb?: HttpEndpoint;
  /** Where the endpoints came from, for messages (never holds credentials). */
  readonly origin: string;
}

/** An environment of streamform's own stacks, with its configuration (the generators of its pipelines use it). */
interface ClusterAccess extends EndpointAccess {
  readonly env: EnvConfig;
}

/** The environments of streamform's own stacks (loaded on use: an installed package has none). */
function checkoutEnvironments(): typeof import('../../../stacks/environments') {
  return require('../../../stacks/environments') as typeof import('../../../stacks/environments');
}

/**
 * `--env` checked: one of dev, staging, prod in streamform's checkout; in a user's project any
 * environment name its stacks end with (`orders-dev`, `orders-prod`).
 */
export function parseEnvName(value: string | undefined): EnvName {
  const name = value ?? 'dev';
  if (isUserProject()) {
    if (!/^[A-Za-z0-9_]+$/.test(name)) throw new UsageError(`--env takes an environment name such as dev or prod, got '${name}'`);
    return name as EnvName;
  }
  const { ENV_NAMES } = checkoutEnvironments();
  if (!(ENV_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown environment '${name}' for --env; use one of ${ENV_NAMES.join(', ')}`);
  }
  return name as EnvName;
}

/**
 * The endpoints of an environment: in a user's project, the streamform provider configuration of its
 * synthesized `<pipeline>-<env>` stacks (what the provider plans with), blanks filled from the
 * STREAMFORM_* variables as the provider does; in streamform's checkout, clusterAccess.
 */
export function endpointAccess(name: string, processEnv: NodeJS.ProcessEnv = process.env): EndpointAccess {
  if (!isUserProject(processEnv)) return clusterAccess(name as EnvName, processEnv);
  const out = projectOutdir(processEnv);
  const stacks = synthesizedStacksOf(out, name);
  for (const stack of stacks) {
    const access = stackEndpoints(stack, readSynthesizedStack(out, stack), name, processEnv);
    if (access) return access;
  }
  throw new UsageError(
    `--env ${name}: the streamform provider of ${stacks.join(', ')} has no bootstrap_servers; set STREAMFORM_BOOTSTRAP_SERVERS (and the STREAMFORM_KAFKA_* security settings) as for the provider`,
  );
}

/**
 * The endpoints a synthesized stack's streamform provider reaches: its configuration, blanks filled
 * from the STREAMFORM_* variables as the provider does; undefined when it names no Kafka.
 */
export function stackEndpoints(
  stack: string,
  json: SynthesizedStack,
  envName: string,
  processEnv: NodeJS.ProcessEnv = process.env,
): EndpointAccess | undefined {
  const config = json.provider?.streamform?.[0];
  if (!config) return undefined;
  const resolved = Object.fromEntries(
    Object.keys(providerSchema.attributes).map((k) => [k, resolveSynthesized(config[k], processEnv)]),
  ) as unknown as ProviderConfig;
  const e = endpointsOf(withEnvironment(resolved, processEnv));
  if (!e.kafka || e.kafka.bootstrapServers.length === 0) return undefined;
  return {
    envName,
    local: e.kafka.bootstrapServers.every((s) => /^(localhost|127\.0\.0\.1)(:|$)/.test(s)),
    kafka: { ...e.kafka, clientId: 'streamform' },
    schemaRegistry: e.schemaRegistry,
    connect: e.connect,
    ksqldb: e.ksqldb,
    origin: `${stack}'s cluster (${e.kafka.bootstrapServers.join(',')})`,
  };
}

/** A synthesized provider attribute: `${var.x}` read from TF_VAR_x, other references unknown (null). */
function resolveSynthesized(value: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof value !== 'string') return value ?? null;
  const variable = /^\$\{var\.([A-Za-z0-9_-]+)\}$/.exec(value);
  if (variable) return env[`TF_VAR_${variable[1]}`] ?? null;
  return value.includes('${') ? null : value;
}

/**
 * The endpoints of an environment. The dev platform's come from its configuration (with the
 * STREAMFORM_DEV_* overrides); those of existing clusters (staging, prod) from the environment
 * variables the Terraform provider reads: STREAMFORM_BOOTSTRAP_SERVERS,
 * STREAMFORM_KAFKA_SECURITY_PROTOCOL, STREAMFORM_KAFKA_SASL_*, STREAMFORM_KAFKA_CA_PEM,
 * STREAMFORM_SCHEMA_REGISTRY_URL/_USERNAME/_PASSWORD.
 */
export function clusterAccess(name: EnvName, processEnv: NodeJS.ProcessEnv = process.env): ClusterAccess {
  const env = checkoutEnvironments().environment(name, processEnv);
  const e = env.cluster.endpoints;
  if (env.platform && e?.bootstrapServers) {
    return {
      env,
      envName: name,
      local: true,
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
    envName: name,
    local: false,
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
export function unreachable(access: EndpointAccess, err: unknown): Error {
  const fix = access.local
    ? `is the ${access.envName} platform running? deploy it with: streamform deploy platform-${access.envName}`
    : 'check STREAMFORM_BOOTSTRAP_SERVERS and the STREAMFORM_KAFKA_* security settings';
  return new Error(`cannot reach Kafka at ${access.origin}: ${err instanceof Error ? err.message : String(err)}; ${fix}`);
}
