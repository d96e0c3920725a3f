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

export interface ElasticsearchSinkProps {
  readonly connectorName: string;
  readonly topics: readonly ITopic[];
  /** e.g. `http://elasticsearch:9200`, or `${env:ELASTICSEARCH_URL}` resolved by the Connect workers. */
  readonly connectionUrl: string;
  readonly user?: string;
  readonly password?: Secret;
  /** Use the record key as document id. @default false (ids from topic+partition+offset) */
  readonly useRecordKey?: boolean;
  /** Add the record timestamp to each document under this field. @default - not added */
  readonly timestampField?: string;
  /** @default Converters.string() */
  readonly keyConverter?: ConverterSpec;
  /** @default - the worker's converter */
  readonly valueConverter?: ConverterSpec;
}

/** Confluent's Elasticsearch sink (io.confluent.connect.elasticsearch.ElasticsearchSinkConnector). */
export class ElasticsearchSink extends Construct {
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

export interface MongoDbSinkProps {
  readonly connectorName: string;
  readonly topics: readonly ITopic[];
  /** The full connection URI (it carries credentials): a secret. */
  readonly connectionUri: Secret;
  readonly database: string;
  readonly collection: string;
  /** @default - the worker's converter */
  readonly valueConverter?: ConverterSpec;
}

/** MongoDB's official sink (com.mongodb.kafka.connect.MongoSinkConnector). */
export class MongoDbSink extends Construct {
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

export interface SnowflakeSinkProps {
  readonly connectorName: string;
  readonly topics: readonly ITopic[];
  /** `<account>.snowflakecomputing.com`, or `${env:SNOWFLAKE_URL}`. */
  readonly url: string;
  readonly user: string;
  /** The user's private key (PEM body without header lines): a secret. */
  readonly privateKey: Secret;
  readonly database: string;
  readonly schema: string;
  /** @default 'snowflakeJson' converter for JSON topics */
  readonly valueConverter?: ConverterSpec;
}

/** Snowflake's sink (com.snowflake.kafka.connector.SnowflakeSinkConnector). */
export class SnowflakeSink extends Construct {
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
