export { ConverterSpec, Converters } from './common';
export {
  DatabaseConnection,
  DebeziumMySqlSource,
  DebeziumMySqlSourceProps,
  DebeziumPostgresSource,
  DebeziumPostgresSourceProps,
  DebeziumSource,
  DebeziumSourceProps,
} from './debezium';
export { JdbcSink, JdbcSinkProps } from './jdbc-sink';
export {
  ElasticsearchSink,
  ElasticsearchSinkProps,
  MongoDbSink,
  MongoDbSinkProps,
  SnowflakeSink,
  SnowflakeSinkProps,
} from './external-sinks';
