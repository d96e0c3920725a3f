import { TerraformStack } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { provider } from '../src/gen/providers/streamform';
import { appGraphProblems } from './private/app-graph';
import { literalSecrets } from './private/secrets';
import { Validator } from './private/validator';

/** Where the servers of a cluster answer, as the machine that plans and applies reaches them. */
export interface ClusterEndpoints {
  /** The Kafka brokers, comma-separated `host:port`. @default - STREAMFORM_BOOTSTRAP_SERVERS at plan time */
  readonly bootstrapServers?: string;
  /** Base URL of the Schema Registry API. @default - STREAMFORM_SCHEMA_REGISTRY_URL at plan time */
  readonly schemaRegistryUrl?: string;
  /** Base URL of the Kafka Connect REST API. @default - STREAMFORM_CONNECT_URL at plan time */
  readonly connectUrl?: string;
  /** Base URL of the ksqlDB server. @default - STREAMFORM_KSQLDB_URL at plan time */
  readonly ksqldbUrl?: string;
}

/** The cluster's servers as Kafka Connect workers reach them (their own network, their own names). */
export interface ConnectView {
  /** Comma-separated `host:port` of the brokers, e.g. `kafka:19092` or `${env:KAFKA_BOOTSTRAP_SERVERS}`. */
  readonly bootstrapServers: string;
  /** Base URL of the Schema Registry API. @default - none: connectors that need the registry get it from their converter settings */
  readonly schemaRegistryUrl?: string;
}

/** Defaults every topic of the cluster gets unless it says otherwise. */
export interface TopicDefaults {
  /** Partitions of a topic that does not set them. @default 3 */
  readonly partitions?: number;
  /** Replication factor of a topic that does not set it. @default - 3, or the broker count when the cluster has fewer brokers */
  readonly replicationFactor?: number;
  /**
   * `min.insync.replicas` of every topic.
   * @default - not set: the broker default applies
   */
  readonly minInsyncReplicas?: number;
}

/** Properties of a StreamformCluster. */
export interface StreamformClusterProps {
  /** How many brokers the cluster has; a replication factor above it is refused at synth. */
  readonly brokers: number;
  /**
   * Endpoints written into the provider configuration.
   * @default - none: the provider reads STREAMFORM_BOOTSTRAP_SERVERS, STREAMFORM_SCHEMA_REGISTRY_URL,
   * STREAMFORM_CONNECT_URL, STREAMFORM_KSQLDB_URL (and credentials) from the environment at plan time
   */
  readonly endpoints?: ClusterEndpoints;
  /**
   * The same servers as seen from Kafka Connect workers (connectors that talk to Kafka or the
   * Schema Registry themselves, such as Debezium's schema history, need these addresses).
   * @default - the values of `endpoints`
   */
  readonly connectView?: ConnectView;
  /** What every topic of the cluster gets unless it says otherwise. @default - 3 partitions, replication factor 3 (at most the broker count), the broker's min.insync.replicas */
  readonly topicDefaults?: TopicDefaults;
  /**
   * Refuse to delete or replace topics and subjects (and ksql objects holding data) of this
   * cluster: deletion protection on by default.
   * @default - true for a production cluster (`production`, or a stack named like prod), else false
   */
  readonly protect?: boolean;
  /**
   * This cluster serves production: deletion protection is on unless `protect: false` says
   * otherwise.
   * @default - true when the stack's id is `prod` or ends in `-prod`/`_prod`/`-production`
   */
  readonly production?: boolean;
}

/** A stack id that names a production environment: `prod`, `ratings-prod`, `orders_production`. */
export function isProductionName(id: string): boolean {
  return /(^|[-_.])prod(uction)?$/i.test(id);
}

/**
 * The Kafka platform a stack manages: configures the streamform provider and carries the
 * environment's rules (broker count, topic defaults, protection) that the other constructs read.
 * One per stack; constructs find it with `StreamformCluster.of(this)`.
 */
export class StreamformCluster extends Construct {
  /** The cluster of the stack `scope` is in. */
  static of(scope: IConstruct): StreamformCluster {
    const stack = TerraformStack.of(scope);
    const found = stack.node.findAll().find((c): c is StreamformCluster => c instanceof StreamformCluster);
    if (!found) {
      throw new Error(
        `${scope.node.path}: no StreamformCluster in stack ${stack.node.id}; create one first: new StreamformCluster(stack, 'Cluster', { brokers: 1, ... })`,
      );
    }
    return found;
  }

  /** The streamform provider of the stack, configured with `endpoints`. */
  readonly provider: provider.StreamformProvider;
  /** How many brokers the cluster has. */
  readonly brokers: number;
  /** What every topic gets unless it says otherwise. */
  readonly defaults: Required<Omit<TopicDefaults, 'minInsyncReplicas'>> & Pick<TopicDefaults, 'minInsyncReplicas'>;
  /** Whether deletion protection is on by default. */
  readonly protect: boolean;
  /** Whether this cluster serves production (protection on unless turned off). */
  readonly production: boolean;
  /** The endpoints written into the provider configuration (empty: from the environment). */
  readonly endpoints: ClusterEndpoints;
  /** The servers as Connect workers reach them (`bootstrapServers` is unset when neither `connectView` nor `endpoints` gives it). */
  readonly connectView: Partial<ConnectView>;

  constructor(scope: Construct, id: string, props: StreamformClusterProps) {
    super(scope, id);
    const v = new Validator(this);
    v.check(
      Number.isInteger(props.brokers) && props.brokers >= 1,
      'brokers',
      props.brokers,
      'must be a whole number of at least 1',
      'give the number of brokers of the cluster',
    );
    const rf = props.topicDefaults?.replicationFactor ?? Math.min(3, Math.max(1, props.brokers));
    v.check(
      rf <= props.brokers,
      'topicDefaults.replicationFactor',
      rf,
      `must not exceed the ${props.brokers} broker(s) of the cluster`,
      `use at most ${props.brokers}`,
    );
    const isr = props.topicDefaults?.minInsyncReplicas;
    v.check(
      isr === undefined || (Number.isInteger(isr) && isr >= 1 && isr <= rf),
      'topicDefaults.minInsyncReplicas',
      isr,
      `must be between 1 and the replication factor ${rf}`,
      `use at most ${rf}`,
    );
    const partitions = props.topicDefaults?.partitions ?? 3;
    v.check(
      Number.isInteger(partitions) && partitions >= 1,
      'topicDefaults.partitions',
      partitions,
      'must be a whole number of at least 1',
      'use e.g. 3',
    );
    v.throwIfAny();

    this.brokers = props.brokers;
    this.defaults = { partitions, replicationFactor: rf, minInsyncReplicas: isr };
    this.production = props.production ?? isProductionName(TerraformStack.of(this).node.id);
    this.protect = props.protect ?? this.production;
    this.endpoints = props.endpoints ?? {};
    this.connectView = props.connectView ?? {
      bootstrapServers: this.endpoints.bootstrapServers,
      schemaRegistryUrl: this.endpoints.schemaRegistryUrl,
    };
    const e = this.endpoints;
    this.node.addValidation({ validate: () => this.validateStack() });
    this.provider = new provider.StreamformProvider(this, 'Provider', {
      bootstrapServers: e.bootstrapServers,
      schemaRegistryUrl: e.schemaRegistryUrl,
      connectUrl: e.connectUrl,
      ksqldbUrl: e.ksqldbUrl,
    });
  }

  /**
   * Whole-stack checks: unique names per kind, no literal secrets in any resource, and the
   * cross-construct rules of app-graph (topic name collisions, topic configs, partitions and
   * replicas, ksqlDB names, cycles), all reported in one synth error.
   */
  private validateStack(): string[] {
    const stack = TerraformStack.of(this);
    const errors: string[] = [];
    const seen = new Map<string, string>();
    for (const c of stack.node.findAll()) {
      const r = c as unknown as { terraformResourceType?: string; toTerraform?: () => Record<string, unknown> };
      if (!r.terraformResourceType?.startsWith('streamform_') || typeof r.toTerraform !== 'function') continue;
      const body = r.toTerraform() as { resource?: Record<string, Record<string, Record<string, unknown>>> };
      const config = Object.values(body.resource?.[r.terraformResourceType] ?? {})[0] ?? {};
      const key = uniqueKey(r.terraformResourceType, config);
      if (!key) continue;
      const other = seen.get(key);
      if (other) {
        errors.push(
          `${c.node.path}: ${key} is declared twice, got it also at ${other}; every topic, subject, connector and ksqlDB object needs its own name`,
        );
      } else {
        seen.set(key, c.node.path);
      }
    }
    errors.push(...appGraphProblems(stack, this.brokers));
    for (const s of literalSecrets(stack)) {
      errors.push(
        s.provider
          ? `${s.path}: ${s.field} holds a secret as a literal, got a plain value (a value read from process.env at synth is one too: it is written into cdk.tf.json); ` +
              `leave it unset and give the provider STREAMFORM_${s.field.toUpperCase()} in OpenTofu's environment, or a Terraform variable (TF_VAR_...) reference`
          : `${s.path}: ${s.field} holds a secret as a literal, got a plain value; use Secret.fromVariable(...) (TF_VAR_...) or Secret.connectEnv(...) so no secret is written into the configuration`,
      );
    }
    return errors;
  }
}

function uniqueKey(type: string, config: Record<string, unknown>): string | undefined {
  switch (type) {
    case 'streamform_topic':
      return `topic ${String(config.name)}`;
    case 'streamform_schema':
      return `subject ${String(config.subject)}`;
    case 'streamform_connector':
      return `connector ${String(config.name)}`;
    default:
      return undefined;
  }
}
