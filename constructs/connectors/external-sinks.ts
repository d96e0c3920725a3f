import { Construct } from 'constructs';
import { Connector } from '../connector';
import { Secret } from '../secret';
import { ITopic } from '../topic';
import { converterConfig, transformsConfig } from '../private/connect-config';
import { Validator } from '../private/validator';
import { ConverterSpec, Converters } from './common';

/**
 * Sinks to systems that run outside the local platform (Elasticsearch, MongoDB, Snowflake). Their
 * plugins come from Confluent Hub or the vendor; streamform synthesizes and validates their
 * configuration, and Connect validates it again at plan time where the plugin is installed.
 */

function checkTopics(v: Validator, topics: readonly ITopic[]): void {
  v.check(topics.length > 0, 'topics', [], 'must name at least one topic', 'pass the topics to write');
}

/** Properties of an ElasticsearchSink. */
export interface ElasticsearchSinkProps {
  /** The connector's name in Kafka Connect. */
  readonly connectorName: string;
  /** The topics to index (one index per topic); the connector is created after them. */
  readonly topics: readonly ITopic[];
  /** Elasticsearch's URL, e.g. `http://elasticsearch:9200`, or `${env:ELASTICSEARCH_URL}` resolved by the Connect workers. */
  readonly connectionUrl: string;
  /** The user the connector authenticates as; give `password` with it. @default - no authentication */
  readonly user?: string;
  /** That user's password; give `user` with it. @default - no authentication */
  readonly password?: Secret;
  /** Use the record key as document id. @default false (ids from topic+partition+offset) */
  readonly useRecordKey?: boolean;
  /** Add the record timestamp to each document under this field. @default - not added */
  readonly timestampField?: string;
  /** How message keys are read. @default Converters.string() */
  readonly keyConverter?: ConverterSpec;
  /** How message values are read. @default - the worker's converter */
  readonly valueConverter?: ConverterSpec;
}

/** Confluent's Elasticsearch sink (io.confluent.connect.elasticsearch.ElasticsearchSinkConnector). */
export class ElasticsearchSink extends Construct {
  /** The connector it configures. */
  readonly connector: Connector;
  constructor(scope: Construct, id: string, props: ElasticsearchSinkProps) {
    super(scope, id);
    const v = new Validator(this);
    checkTopics(v, props.topics);
    v.check(
      /^(https?:\/\/|\$\{env:)/.test(props.connectionUrl),
      'connectionUrl',
      props.connectionUrl,
      'is not an http(s) URL',
      'use e.g. http://elasticsearch:9200',
    );
    v.check(
      (props.user === undefined) === (props.password === undefined),
      'user',
      props.user,
      'and password go together',
      'give both or neither',
    );
    v.throwIfAny();
    this.connector = new Connector(this, 'Connector', {
      connectorName: props.connectorName,
      config: {
        'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
        'tasks.max': '1',
        topics: props.topics.map((t) => t.topicName).join(','),
        'connection.url': props.connectionUrl,
        ...(props.user ? { 'connection.username': props.user } : {}),
        'key.ignore': String(!(props.useRecordKey ?? false)),
        'schema.ignore': 'true',
        'behavior.on.malformed.documents': 'warn',
        'errors.tolerance': 'all',
        'errors.log.enable': 'true',
        'errors.log.include.messages': 'true',
        ...transformsConfig(
          props.timestampField
            ? [
                {
                  name: 'ExtractTimestamp',
                  type: 'org.apache.kafka.connect.transforms.InsertField$Value',
                  settings: { 'timestamp.field': props.timestampField },
                },
              ]
            : [],
        ),
        ...converterConfig('key', props.keyConverter ?? Converters.string()),
        ...converterConfig('value', props.valueConverter),
      },
      secrets: props.password ? { 'connection.password': props.password } : undefined,
      reads: props.topics,
    });
  }
}

/** Properties of a MongoDbSink. */
export interface MongoDbSinkProps {
  /** The connector's name in Kafka Connect. */
  readonly connectorName: string;
  /** The topics to write; the connector is created after them. */
  readonly topics: readonly ITopic[];
  /** The full connection URI (it carries credentials): a secret. */
  readonly connectionUri: Secret;
  /** The MongoDB database written into. */
  readonly database: string;
  /** The collection written into. */
  readonly collection: string;
  /** How message values are read. @default - the worker's converter */
  readonly valueConverter?: ConverterSpec;
}

/** MongoDB's official sink (com.mongodb.kafka.connect.MongoSinkConnector). */
export class MongoDbSink extends Construct {
  /** The connector it configures. */
  readonly connector: Connector;
  constructor(scope: Construct, id: string, props: MongoDbSinkProps) {
    super(scope, id);
    const v = new Validator(this);
    checkTopics(v, props.topics);
    v.check(
      /^[^/\\. "$]{1,63}$/.test(props.database),
      'database',
      props.database,
      'is not a valid MongoDB database name',
      'use letters, digits, _ and -',
    );
    v.check(
      props.collection.length > 0 && !props.collection.includes('$'),
      'collection',
      props.collection,
      'is not a valid MongoDB collection name',
      'use e.g. "ratings"',
    );
    v.throwIfAny();
    this.connector = new Connector(this, 'Connector', {
      connectorName: props.connectorName,
      config: {
        'connector.class': 'com.mongodb.kafka.connect.MongoSinkConnector',
        'tasks.max': '1',
        topics: props.topics.map((t) => t.topicName).join(','),
        database: props.database,
        collection: props.collection,
        ...converterConfig('value', props.valueConverter),
      },
      secrets: { 'connection.uri': props.connectionUri },
      reads: props.topics,
    });
  }
}

/** Properties of a SnowflakeSink. */
export interface SnowflakeSinkProps {
  /** The connector's name in Kafka Connect. */
  readonly connectorName: string;
  /** The topics to load (one table per topic); the connector is created after them. */
  readonly topics: readonly ITopic[];
  /** The account URL, `<account>.snowflakecomputing.com`, or `${env:SNOWFLAKE_URL}`. */
  readonly url: string;
  /** The Snowflake user the connector loads as (key-pair authentication). */
  readonly user: string;
  /** The user's private key (PEM body without header lines): a secret. */
  readonly privateKey: Secret;
  /** The Snowflake database loaded into. */
  readonly database: string;
  /** The schema of that database loaded into. */
  readonly schema: string;
  /** How message values are read. @default - Snowflake's JSON converter (SnowflakeJsonConverter) */
  readonly valueConverter?: ConverterSpec;
}

/** Snowflake's sink (com.snowflake.kafka.connector.SnowflakeSinkConnector). */
export class SnowflakeSink extends Construct {
  /** The connector it configures. */
  readonly connector: Connector;
  constructor(scope: Construct, id: string, props: SnowflakeSinkProps) {
    super(scope, id);
    const v = new Validator(this);
    checkTopics(v, props.topics);
    v.check(
      /(\.snowflakecomputing\.com(:\d+)?$|^\$\{env:)/.test(props.url),
      'url',
      props.url,
      'is not a Snowflake account URL',
      'use <account>.snowflakecomputing.com',
    );
    for (const [field, value] of [
      ['database', props.database],
      ['schema', props.schema],
    ] as const) {
      v.check(/^[A-Za-z_][A-Za-z0-9_$]*$/.test(value), field, value, 'is not a Snowflake identifier', 'use letters, digits and _');
    }
    v.throwIfAny();
    this.connector = new Connector(this, 'Connector', {
      connectorName: props.connectorName,
      config: {
        'connector.class': 'com.snowflake.kafka.connector.SnowflakeSinkConnector',
        'tasks.max': '1',
        topics: props.topics.map((t) => t.topicName).join(','),
        'snowflake.url.name': props.url,
        'snowflake.user.name': props.user,
        'snowflake.database.name': props.database,
        'snowflake.schema.name': props.schema,
        'buffer.flush.time': '60',
        ...converterConfig('key', Converters.string()),
        ...converterConfig(
          'value',
          props.valueConverter ?? { converterClass: 'com.snowflake.kafka.connector.records.SnowflakeJsonConverter' },
        ),
      },
      secrets: { 'snowflake.private.key': props.privateKey },
      reads: props.topics,
    });
  }
}
