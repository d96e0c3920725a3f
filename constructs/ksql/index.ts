export { Column, ColumnRole, KsqlFormat, KsqlType } from './types';
export { ExternalSourceOptions, IKsqlSource, KsqlSourceProps, KsqlStream, KsqlTable, SourceColumnInfo } from './source';
export { KsqlQuery, KsqlQueryProps, KsqlText, QuerySink, SinkOptions, SinkTopicOptions, ksql } from './query';
export { KsqlInsertInto, KsqlInsertIntoProps } from './insert-into';
