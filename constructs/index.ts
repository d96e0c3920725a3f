/**
 * `streamform`: Kafka pipelines as typed infrastructure code on CDK for Terraform. Every name of
 * the public API is listed here; helpers the constructs share live in `private/` and are not
 * exported. The local Docker platform and its image catalog are a separate entry point,
 * `streamform/platform`. The API report of both is api/*.api.md (scripts/api-report.sh).
 */

// The cluster a stack manages, and what every construct reports when its input is wrong.
export { ClusterEndpoints, ConnectView, StreamformCluster, StreamformClusterProps, TopicDefaults } from './cluster';
export { ValidationError, ValidationIssue } from './validation';
export { Duration } from './duration';
export { Secret } from './secret';

// Topics, schemas, connectors.
export { CleanupPolicy, ExternalTopicOptions, ITopic, Topic, TopicProps } from './topic';
export { AvroSchema, Compatibility, ExternalSchemaOptions, ISchema, Schema, SchemaFormat, SchemaProps, SchemaReference } from './schema';
export { Connector, ConnectorProps, ExternalConnectorOptions, IConnector } from './connector';
export {
  ConverterSpec,
  Converters,
  DatabaseConnection,
  DebeziumMySqlSource,
  DebeziumMySqlSourceProps,
  DebeziumPostgresSource,
  DebeziumPostgresSourceProps,
  DebeziumSource,
  DebeziumSourceProps,
  ElasticsearchSink,
  ElasticsearchSinkProps,
  JdbcSink,
  JdbcSinkProps,
  MongoDbSink,
  MongoDbSinkProps,
  SnowflakeSink,
  SnowflakeSinkProps,
} from './connectors';

// ksqlDB: streams and tables over topics, persistent queries.
export {
  Column,
  ColumnRole,
  ExternalSourceOptions,
  IKsqlSource,
  KsqlFormat,
  KsqlInsertInto,
  KsqlInsertIntoProps,
  KsqlQuery,
  KsqlQueryProps,
  KsqlSourceProps,
  KsqlStream,
  KsqlTable,
  KsqlText,
  KsqlType,
  QuerySink,
  SinkOptions,
  SinkTopicOptions,
  SourceColumnInfo,
  ksql,
} from './ksql';

// Data quality in motion, and masking.
export {
  Check,
  CompletenessRule,
  ConsistencyRule,
  DataQuality,
  DataQualityDimension,
  DataQualityProps,
  DataQualityTopicOptions,
  Rule,
  RuleOptions,
  TimelinessOptions,
  TimelinessRule,
  UniquenessOptions,
  UniquenessRule,
  ValidityRule,
} from './quality';
export { Mask, RedactedStream, RedactedStreamProps } from './masking';

// Test cases declared next to a pipeline, run on the local ksqlDB engine (`streamform test`).
export { PipelineTest, PipelineTestProps, PipelineTestRecord, ResolvedTestRecord, TestTopic, TestValue } from './testing';

// The generated resource bindings (L1) of the streamform provider: the types of each construct's
// `resource` and `StreamformCluster.provider`, for escape hatches.
export { connector, ksqlQuery, ksqlStream, ksqlTable, provider, schema, topic } from '../src/gen/providers/streamform';
