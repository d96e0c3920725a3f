/**
 * JSON entities of ksqlDB's REST model (`ksqldb-rest-model` ...rest.entity), in the field order
 * Jackson writes them. Fields ksqlDB fills from a running Kafka Streams application (topology,
 * execution plan) carry an explicit `[ksqlDB stand-in]` text instead of invented content.
 */
import { Catalog, Column, DataSource, PersistentQuery } from './catalog';
import { STAND_IN } from './errors';
import { schemaInfo, SchemaInfoJson } from './sql-types';

export interface CommandStatusJson {
  status: string;
  message: string;
  queryId: string | null;
}

export type Entity = Record<string, unknown>;

export function commandStatusEntity(statementText: string, commandId: string, status: CommandStatusJson, seq: number): Entity {
  return {
    '@type': 'currentStatus',
    statementText,
    commandId,
    commandStatus: { status: status.status, message: status.message, queryId: status.queryId },
    commandSequenceNumber: seq,
    warnings: [],
  };
}

export function warningEntity(statementText: string, message: string): Entity {
  return { '@type': 'warning_entity', statementText, message, warnings: [] };
}

export function terminateQueryEntity(statementText: string, queryId: string): Entity {
  return { '@type': 'terminate_query', statementText, queryId, wasTerminated: true, warnings: [] };
}

function sourceInfo(s: DataSource): Entity {
  return {
    type: s.type,
    name: s.name,
    topic: s.topic,
    keyFormat: s.formats.keyFormat,
    valueFormat: s.formats.valueFormat,
    isWindowed: s.window !== undefined,
  };
}

export function sourceListEntity(statementText: string, type: 'STREAM' | 'TABLE', sources: DataSource[]): Entity {
  const key = type === 'STREAM' ? 'streams' : 'tables';
  return {
    '@type': key,
    statementText,
    [key]: sources.filter((s) => s.type === type).map(sourceInfo),
    warnings: [],
  };
}

export interface FieldInfoJson {
  name: string;
  schema: SchemaInfoJson;
  headerKey?: string;
  type?: 'KEY' | 'HEADER';
}

/** `EntityUtil#buildSourceSchemaEntity` (FieldInfo is NON_ABSENT: no type for value columns). */
export function fieldInfos(columns: readonly Column[]): FieldInfoJson[] {
  return columns.map((c) => {
    const f: FieldInfoJson = { name: c.name, schema: schemaInfo(c.type) };
    if (c.ns === 'HEADERS') {
      if (c.headerKey !== undefined) f.headerKey = c.headerKey;
      f.type = 'HEADER';
    } else if (c.ns === 'KEY') {
      f.type = 'KEY';
    }
    return f;
  });
}

export function runningQuery(q: PersistentQuery): Entity {
  return {
    queryString: q.statement,
    sinks: [q.sink],
    sinkKafkaTopics: [q.sinkTopic],
    id: q.id,
    statusCount: { RUNNING: 1 },
    queryType: 'PERSISTENT',
    state: 'RUNNING',
  };
}

export interface PushQueryInfo {
  readonly id: string;
  readonly sql: string;
}

export function pushRunningQuery(q: PushQueryInfo): Entity {
  return {
    queryString: q.sql,
    sinks: [],
    sinkKafkaTopics: [],
    id: q.id,
    statusCount: { RUNNING: 1 },
    queryType: 'PUSH',
    state: 'RUNNING',
  };
}

export function queriesEntity(statementText: string, persistent: PersistentQuery[], push: PushQueryInfo[]): Entity {
  return {
    '@type': 'queries',
    statementText,
    queries: [...persistent.map(runningQuery), ...push.map(pushRunningQuery)],
    warnings: [],
  };
}

export function sourceDescription(
  s: DataSource,
  catalog: Catalog,
  topic: { partitions: number; replicas: number } | undefined,
): Record<string, unknown> {
  const queries = catalog.allQueries();
  return {
    name: s.name,
    windowType: s.window?.type ?? null,
    readQueries: queries.filter((q) => q.sources.includes(s.name)).map(runningQuery),
    writeQueries: queries.filter((q) => q.sink === s.name).map(runningQuery),
    fields: fieldInfos(s.columns),
    type: s.type,
    timestamp: s.timestamp?.column ?? '',
    statistics: '',
    errorStats: '',
    extended: false,
    keyFormat: s.formats.keyFormat,
    valueFormat: s.formats.valueFormat,
    topic: s.topic,
    partitions: topic?.partitions ?? 0,
    replication: topic?.replicas ?? 0,
    statement: s.sql,
    queryOffsetSummaries: [],
    sourceConstraints: topic ? catalog.constraintsOf(s.name) : [],
    clusterStatistics: [],
    clusterErrorStats: [],
  };
}

export function topicDescribeWarning(topic: string): { message: string } {
  return { message: `Error from Kafka: Failed to Describe Kafka Topic(s): [${topic}]` };
}

export function sourceDescriptionEntity(
  statementText: string,
  description: Record<string, unknown>,
  warnings: Array<{ message: string }>,
): Entity {
  return { '@type': 'sourceDescription', statementText, sourceDescription: description, warnings };
}

export function sourceDescriptionsEntity(
  statementText: string,
  descriptions: Record<string, unknown>[],
  warnings: Array<{ message: string }>,
): Entity {
  return { '@type': 'source_descriptions', statementText, sourceDescriptions: descriptions, warnings };
}

export const NO_TOPOLOGY = `${STAND_IN} no Kafka Streams topology: the stand-in keeps a catalog only and runs no queries`;
export const NO_EXECUTION_PLAN = `${STAND_IN} no execution plan: the stand-in keeps a catalog only and runs no queries`;

export interface QueryDescriptionInput {
  readonly id: string;
  readonly statementText: string;
  readonly windowType: string | null;
  readonly columns: readonly Column[];
  readonly sources: readonly string[];
  readonly sinks: readonly string[];
  readonly overridden: Readonly<Record<string, unknown>>;
  readonly hostStatus: Record<string, string>;
  readonly queryType: 'PERSISTENT' | 'PUSH';
  readonly consumerGroupId: string;
  readonly state: string | null;
}

export function queryDescriptionEntity(statementText: string, d: QueryDescriptionInput): Entity {
  return {
    '@type': 'queryDescription',
    statementText,
    queryDescription: {
      id: d.id,
      statementText: d.statementText,
      windowType: d.windowType,
      fields: fieldInfos(d.columns),
      sources: [...d.sources],
      sinks: [...d.sinks],
      topology: NO_TOPOLOGY,
      executionPlan: NO_EXECUTION_PLAN,
      overriddenProperties: { ...d.overridden },
      ksqlHostQueryStatus: d.hostStatus,
      queryType: d.queryType,
      queryErrors: [],
      tasksMetadata: [],
      consumerGroupId: d.consumerGroupId,
      state: d.state,
    },
    warnings: [],
  };
}

export interface PropertyJson {
  name: string;
  scope: string;
  value: string;
  editable: boolean;
  level: string;
}

export function propertiesEntity(statementText: string, properties: PropertyJson[], overwritten: string[], defaults: string[]): Entity {
  return {
    '@type': 'properties',
    statementText,
    properties,
    overwrittenProperties: overwritten,
    defaultProperties: defaults,
    warnings: [],
  };
}
