/**
 * JSON entities of ksqlDB's REST model (`ksqldb-rest-model` ...rest.entity), in the field order
 * Jackson writes them, built from the engine's metastore and the query runners.
 */
import type { Column } from '../engine/model';
import type { SqlType } from '../engine/types';
import type { CommandStatusJson } from './commands';

export type Entity = Record<string, unknown>;

interface SchemaInfoJson {
  type: string;
  fields: Array<{ name: string; schema: SchemaInfoJson }> | null;
  memberSchema: SchemaInfoJson | null;
  parameters?: Record<string, number>;
}

/** REST `SchemaInfo` (`EntityUtil#schemaInfo`): map key types are not shown. */
function schemaInfo(t: SqlType): SchemaInfoJson {
  switch (t.base) {
    case 'ARRAY':
      return { type: 'ARRAY', fields: null, memberSchema: schemaInfo(t.item) };
    case 'MAP':
      return { type: 'MAP', fields: null, memberSchema: schemaInfo(t.value) };
    case 'STRUCT':
      return { type: 'STRUCT', fields: t.fields.map((f) => ({ name: f.name, schema: schemaInfo(f.type) })), memberSchema: null };
    case 'DECIMAL':
      return { type: 'DECIMAL', fields: null, memberSchema: null, parameters: { precision: t.precision, scale: t.scale } };
    default:
      return { type: t.base, fields: null, memberSchema: null };
  }
}

export function commandStatusEntity(
  statementText: string,
  commandId: string,
  status: CommandStatusJson,
  seq: number,
  warnings: readonly string[] = [],
): Entity {
  return {
    '@type': 'currentStatus',
    statementText,
    commandId,
    commandStatus: { status: status.status, message: status.message, queryId: status.queryId },
    commandSequenceNumber: seq,
    warnings: warnings.map((message) => ({ message })),
  };
}

export function warningEntity(statementText: string, message: string): Entity {
  return { '@type': 'warning_entity', statementText, message, warnings: [] };
}

export function terminateQueryEntity(statementText: string, queryId: string): Entity {
  return { '@type': 'terminate_query', statementText, queryId, wasTerminated: true, warnings: [] };
}

interface SourceSummary {
  readonly kind: 'STREAM' | 'TABLE';
  readonly name: string;
  readonly topic: string;
  readonly keyFormat: string;
  readonly valueFormat: string;
  readonly windowed: boolean;
}

export function sourceListEntity(statementText: string, type: 'STREAM' | 'TABLE', sources: readonly SourceSummary[]): Entity {
  const key = type === 'STREAM' ? 'streams' : 'tables';
  return {
    '@type': key,
    statementText,
    [key]: sources
      .filter((s) => s.kind === type)
      .map((s) => ({
        type: s.kind,
        name: s.name,
        topic: s.topic,
        keyFormat: s.keyFormat,
        valueFormat: s.valueFormat,
        isWindowed: s.windowed,
      })),
    warnings: [],
  };
}

interface FieldInfoJson {
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

export interface RunningQueryJson {
  readonly queryString: string;
  readonly sinks: string[];
  readonly sinkKafkaTopics: string[];
  readonly id: string;
  readonly statusCount: Record<string, number>;
  readonly queryType: 'PERSISTENT' | 'PUSH';
  readonly state: string;
}

export function runningQuery(q: {
  id: string;
  statement: string;
  sinks: string[];
  sinkTopics: string[];
  state: string;
  type: 'PERSISTENT' | 'PUSH';
}): RunningQueryJson {
  return {
    queryString: q.statement,
    sinks: q.sinks,
    sinkKafkaTopics: q.sinkTopics,
    id: q.id,
    statusCount: { [q.state]: 1 },
    queryType: q.type,
    state: q.state,
  };
}

export function queriesEntity(statementText: string, queries: RunningQueryJson[]): Entity {
  return { '@type': 'queries', statementText, queries, warnings: [] };
}

export function topicDescribeWarning(topic: string): { message: string } {
  return { message: `Error from Kafka: Failed to Describe Kafka Topic(s): [${topic}]` };
}

export function sourceDescriptionEntity(statementText: string, description: Entity, warnings: Array<{ message: string }>): Entity {
  return { '@type': 'sourceDescription', statementText, sourceDescription: description, warnings };
}

export function sourceDescriptionsEntity(statementText: string, descriptions: Entity[], warnings: Array<{ message: string }>): Entity {
  return { '@type': 'source_descriptions', statementText, sourceDescriptions: descriptions, warnings };
}

interface QueryDescriptionInput {
  readonly id: string;
  readonly statementText: string;
  readonly windowType: string | null;
  readonly columns: readonly Column[];
  readonly sources: readonly string[];
  readonly sinks: readonly string[];
  readonly topology: string;
  readonly executionPlan: string;
  readonly overridden: Readonly<Record<string, unknown>>;
  readonly hostStatus: Record<string, string>;
  readonly queryType: 'PERSISTENT' | 'PUSH';
  readonly queryErrors: readonly { timestamp: number; errorMessage: string; type: string }[];
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
      topology: d.topology,
      executionPlan: d.executionPlan,
      overriddenProperties: { ...d.overridden },
      ksqlHostQueryStatus: d.hostStatus,
      queryType: d.queryType,
      queryErrors: d.queryErrors.map((e) => ({ timestamp: e.timestamp, errorMessage: e.errorMessage, type: e.type })),
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

export function topicsEntity(
  statementText: string,
  topics: readonly { name: string; partitions: number; replicas: number; consumers?: number; groups?: number }[],
  extended: boolean,
): Entity {
  return extended
    ? {
        '@type': 'kafka_topics_extended',
        statementText,
        topics: topics.map((t) => ({
          name: t.name,
          replicaInfo: Array.from({ length: t.partitions }, () => t.replicas),
          consumerCount: t.consumers ?? 0,
          consumerGroupCount: t.groups ?? 0,
        })),
        warnings: [],
      }
    : {
        '@type': 'kafka_topics',
        statementText,
        topics: topics.map((t) => ({ name: t.name, replicaInfo: Array.from({ length: t.partitions }, () => t.replicas) })),
        warnings: [],
      };
}
