import { ITerraformDependable } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { topic } from '../src/gen/providers/streamform';
import { isTopicName, TOPIC_NAME_RULE } from '../src/core/rules';
import { StreamformCluster } from './cluster';
import { Duration } from './duration';
import { durationProblem } from './private/duration';
import { Validator } from './private/validator';

/** What Kafka does with old messages. */
export class CleanupPolicy {
  /** Delete messages older than the retention. */
  static readonly DELETE = new CleanupPolicy('delete');
  /** Keep the latest message of each key (a changelog, a table's topic). */
  static readonly COMPACT = new CleanupPolicy('compact');
  /** Compact, and also delete messages older than the retention (windowed tables). */
  static readonly COMPACT_DELETE = new CleanupPolicy('compact,delete');
  private constructor(
    /** The value of `cleanup.policy`. */
    readonly value: string,
  ) {}
}

/** What this app knows about a topic that exists outside it (see `Topic.fromTopicName`). */
export interface ExternalTopicOptions {
  /** Its partition count, for the co-partitioning checks of joins and the partitions of derived topics. @default - unknown */
  readonly partitions?: number;
}

/** A Kafka topic, declared in this app or existing outside it. */
export interface ITopic extends IConstruct {
  /** The Kafka topic name. */
  readonly topicName: string;
  /** Partition count when known at synth (co-partitioning checks use it). */
  readonly partitions?: number;
  /** `retention.ms` when set by this app. */
  readonly retentionMs?: string;
  /** Whether changes Kafka cannot make in place may replace the topic. */
  readonly allowReplacement?: boolean;
  /** What creating the topic depends on; empty for external topics. */
  readonly dependable?: ITerraformDependable;
  /** True when the topic is not managed by this app. */
  readonly external: boolean;
}

/** Properties of a Topic. */
export interface TopicProps {
  /** The Kafka topic name. */
  readonly topicName: string;
  /** Number of partitions (1 to 10000); Kafka cannot lower it in place. @default - the cluster's default partition count */
  readonly partitions?: number;
  /** Copies of each partition, at most the cluster's broker count. @default - the cluster's default replication factor */
  readonly replicationFactor?: number;
  /**
   * How long the topic keeps each message (`retention.ms`).
   * @default - the broker default (`log.retention.ms`; 7 days unless the cluster changes it)
   */
  readonly retention?: Duration;
  /**
   * Keep messages without a time limit (`retention.ms` = -1), e.g. for a history that must never
   * lose its first records. Excludes `retention`.
   * @default false
   */
  readonly retainForever?: boolean;
  /** What Kafka does with old messages (`cleanup.policy`). @default - the broker default (delete) */
  readonly cleanupPolicy?: CleanupPolicy;
  /** Further topic configs, e.g. `{ 'max.message.bytes': '2097152' }`. @default - none */
  readonly config?: Readonly<Record<string, string>>;
  /**
   * Allow changes Kafka cannot make in place (fewer partitions, another replication factor) by
   * deleting and re-creating the topic, losing its messages.
   * @default false
   */
  readonly allowReplacement?: boolean;
  /** Refuse to delete or replace the topic. @default - the cluster's `protect` */
  readonly protect?: boolean;
}

/**
 * A Kafka topic managed by streamform (`streamform_topic`), with the environment's replication
 * factor and `min.insync.replicas` unless set here.
 *
 * @example
 * const ratings = new Topic(this, 'Ratings', { topicName: 'ratings', partitions: 6, retention: Duration.days(7) });
 */
export class Topic extends Construct implements ITopic {
  /** A topic that exists outside this app (created by someone else, or by Connect). */
  static fromTopicName(scope: Construct, id: string, topicName: string, options: ExternalTopicOptions = {}): ITopic {
    return new ExternalTopic(scope, id, topicName, options.partitions);
  }

  /** The `streamform_topic` resource. */
  readonly resource: topic.Topic;
  /** The Kafka topic name. */
  readonly topicName: string;
  /** Its partition count (given, or the cluster default). */
  readonly partitions: number;
  /** Its replication factor (given, or the cluster default). */
  readonly replicationFactor: number;
  /** `retention.ms` when set by this app (`-1`: for ever). */
  readonly retentionMs?: string;
  /** Whether changes Kafka cannot make in place may replace the topic. */
  readonly allowReplacement?: boolean;
  /** Declared by this app. */
  readonly external = false;

  constructor(scope: Construct, id: string, props: TopicProps) {
    super(scope, id);
    const cluster = StreamformCluster.of(this);
    const partitions = props.partitions ?? cluster.defaults.partitions;
    const rf = props.replicationFactor ?? cluster.defaults.replicationFactor;
    const v = new Validator(this);
    v.check(isTopicName(props.topicName), 'topicName', props.topicName, TOPIC_NAME_RULE, 'rename the topic, e.g. "ratings-enriched"');
    // partitions and replicationFactor are checked with the whole app (app-graph), against the
    // environment, after overrides: once, with every other problem of the app.
    if (props.retention !== undefined) {
      const problem = durationProblem(props.retention);
      if (problem) v.add('retention', props.retention.toString(), problem, 'give e.g. Duration.days(7), or leave it unset');
      if (props.retainForever)
        v.add('retention', props.retention.toString(), 'is given with retainForever', 'give one of retention and retainForever');
    }
    const badRetention = v.found.some((i) => i.field === 'retention');
    v.reportAtSynth();

    this.topicName = props.topicName;
    this.partitions = partitions;
    this.replicationFactor = rf;
    const retentionMs = props.retainForever
      ? '-1'
      : props.retention && !badRetention
        ? String(props.retention.toMilliseconds())
        : undefined;
    this.retentionMs = props.config?.['retention.ms'] ?? retentionMs;
    this.allowReplacement = props.allowReplacement;
    const config: Record<string, string> = {};
    if (cluster.defaults.minInsyncReplicas !== undefined)
      config['min.insync.replicas'] = String(Math.min(cluster.defaults.minInsyncReplicas, rf));
    if (retentionMs !== undefined) config['retention.ms'] = retentionMs;
    if (props.cleanupPolicy) config['cleanup.policy'] = props.cleanupPolicy.value;
    Object.assign(config, props.config ?? {});
    this.resource = new topic.Topic(this, 'Resource', {
      provider: cluster.provider,
      name: props.topicName,
      partitions,
      replicationFactor: rf,
      config: Object.keys(config).length > 0 ? config : undefined,
      allowReplacement: props.allowReplacement,
      deletionProtection: props.protect ?? cluster.protect,
    });
  }

  /** The topic resource: what depends on the topic depends on it. */
  get dependable(): ITerraformDependable {
    return this.resource;
  }
}

class ExternalTopic extends Construct implements ITopic {
  readonly external = true;
  readonly dependable = undefined;
  constructor(
    scope: Construct,
    id: string,
    readonly topicName: string,
    readonly partitions?: number,
  ) {
    super(scope, id);
  }
}
