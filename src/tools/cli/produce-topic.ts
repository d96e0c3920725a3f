/**
 * `streamform produce <topic>` in a user's project: records for any topic the project declares,
 * generated from the columns of the ksqlDB stream or table over it, or read from a file (JSON lines
 * or CSV with a header); JSON, DELIMITED or Avro (the subject `<topic>-value` of the registry, in
 * the Confluent wire format) as that stream's VALUE_FORMAT says.
 */
import * as fs from 'fs';
import { randomInt } from 'crypto';
import { Kafka } from 'kafkajs';
import { parseStatement } from '../../core/ksql/parser';
import { splitCsv } from '../ksqldb/engine/serde';
import type { ColumnDef, DataType } from '../../core/ksql/ast';
import { kafkaConfig } from '../../provider/clients/kafka';
import { SchemaRegistryClient } from '../../provider/clients/schema-registry';
import { endpointAccess, EndpointAccess, parseEnvName, unreachable } from '../generators/endpoints';
import { Faker, seededFaker } from '../generators/faker';
import { avroType, avroWireEncoder } from '../generators/wire-format';
import { ParsedArgs, stringOption, UsageError } from './args';
import { projectOutdir, readSynthesizedStack, synthesizedStacksOf } from './project';

/** What the project declares about a topic in one environment's synthesized stacks. */
interface TopicShape {
  readonly topic: string;
  /** The stack declaring the topic. */
  readonly stack: string;
  /** The columns of the stream or table over it, when one declares them. */
  readonly columns: readonly ColumnDef[];
  /** VALUE_FORMAT of that stream or table (JSON when none). */
  readonly valueFormat: string;
  /** The stream or table the columns come from. */
  readonly source?: string;
}

/** The topic as declared by the synthesized `*-<env>` stacks in `out`; an error names the declared topics. */
export function topicShape(out: string, env: string, topic: string): TopicShape {
  const stacks = synthesizedStacksOf(out, env);
  const declared: string[] = [];
  for (const stack of stacks) {
    const json = readSynthesizedStack(out, stack);
    const topics = Object.values(json.resource?.streamform_topic ?? {}).map((t) => String(t.name ?? ''));
    declared.push(...topics);
    if (!topics.includes(topic)) continue;
    for (const kind of ['streamform_ksql_stream', 'streamform_ksql_table']) {
      for (const r of Object.values(json.resource?.[kind] ?? {})) {
        if (typeof r.statement !== 'string') continue;
        const st = parseStatement(r.statement);
        if ((st.kind !== 'createStream' && st.kind !== 'createTable') || st.columns.length === 0) continue;
        if (String(st.properties.KAFKA_TOPIC ?? '') !== topic) continue;
        return {
          topic,
          stack,
          columns: st.columns,
          valueFormat: String(st.properties.VALUE_FORMAT ?? st.properties.FORMAT ?? 'JSON').toUpperCase(),
          source: st.name,
        };
      }
    }
    return { topic, stack, columns: [], valueFormat: 'JSON' };
  }
  throw new UsageError(
    `topic '${topic}' is not declared by ${stacks.join(', ')}; the topics there: ${[...new Set(declared)].sort().join(', ') || 'none'}`,
  );
}

/** One CSV line's fields, as ksqlDB's DELIMITED format reads them. */
function csvFields(line: string): string[] {
  return splitCsv(line, ',').map((f) => f ?? '');
}

/** A CSV field as the column's type reads it (numbers, booleans; empty is null). */
function typedField(text: string, type: DataType | undefined): unknown {
  if (text === '') return null;
  if (type?.kind === 'primitive') {
    if (type.name === 'INTEGER' || type.name === 'BIGINT' || type.name === 'DOUBLE') {
      const n = Number(text);
      if (!Number.isFinite(n)) throw new Error(`'${text}' is not a number`);
      return n;
    }
    if (type.name === 'BOOLEAN') return /^(true|1|yes)$/i.test(text);
  }
  if (type?.kind === 'decimal') return Number(text);
  return text;
}

/** The records of a file: JSON lines (.jsonl, .ndjson), a JSON array or lines (.json), or CSV with a header (.csv). */
export function readRecords(file: string, columns: readonly ColumnDef[]): Record<string, unknown>[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--file ${file} cannot be read: ${(err as Error).message}`);
  }
  const lines = text.split(/\r?\n/);
  if (/\.csv$/i.test(file)) {
    const header = csvFields(lines[0] ?? '').map((h) => h.trim());
    if (header.length === 0 || header[0] === '') throw new UsageError(`--file ${file}: the first line must name the columns`);
    const typeOf = (name: string) => columns.find((c) => c.name.toUpperCase() === name.toUpperCase())?.dataType;
    return lines.slice(1).flatMap((line, i) => {
      if (line.trim() === '') return [];
      try {
        const fields = csvFields(line);
        if (fields.length !== header.length) throw new Error(`${fields.length} fields, the header names ${header.length}`);
        return [Object.fromEntries(header.map((h, j) => [h, typedField(fields[j], typeOf(h))]))];
      } catch (err) {
        throw new UsageError(`--file ${file} line ${i + 2}: ${(err as Error).message}`);
      }
    });
  }
  if (/\.json$/i.test(file) && text.trimStart().startsWith('[')) {
    const all = JSON.parse(text) as unknown;
    if (!Array.isArray(all)) throw new UsageError(`--file ${file}: a JSON array of records was expected`);
    return all as Record<string, unknown>[];
  }
  return lines.flatMap((line, i) => {
    if (line.trim() === '') return [];
    try {
      const v = JSON.parse(line) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
      return [v as Record<string, unknown>];
    } catch (err) {
      throw new UsageError(`--file ${file} line ${i + 1}: ${(err as Error).message} (one JSON object per line; CSV files end in .csv)`);
    }
  });
}

/** A value of a column's type, drawn from `faker` (names guide the kind of text and numbers). */
function fakeValue(column: ColumnDef, type: DataType, faker: Faker): unknown {
  const n = column.name.toLowerCase();
  switch (type.kind) {
    case 'primitive':
      switch (type.name) {
        case 'STRING':
          if (/(^|_)id$/.test(n)) return faker.string.alphanumeric(8);
          if (n.includes('name')) return faker.person.fullName();
          if (n.includes('email')) return faker.internet.email();
          if (n.includes('city')) return faker.location.city();
          return faker.word.sample();
        case 'INTEGER':
          return /_ms$|duration|millis/.test(n) ? faker.number.int({ min: 0, max: 120_000 }) : faker.number.int({ min: 0, max: 1000 });
        case 'BIGINT':
          return /time|ts$|_at$/.test(n)
            ? Date.now() - faker.number.int({ min: 0, max: 3_600_000 })
            : faker.number.int({ min: 0, max: 1_000_000 });
        case 'DOUBLE':
          return /lat/.test(n)
            ? faker.location.latitude()
            : /lon|lng/.test(n)
              ? faker.location.longitude()
              : faker.number.float({ min: 0, max: 1000, fractionDigits: 2 });
        case 'BOOLEAN':
          return faker.datatype.boolean();
        case 'TIMESTAMP':
          return new Date(Date.now() - faker.number.int({ min: 0, max: 3_600_000 })).toISOString().replace('Z', '');
        case 'DATE':
          return faker.date.recent().toISOString().slice(0, 10);
        case 'TIME':
          return faker.date.recent().toISOString().slice(11, 19);
        case 'BYTES':
          return Buffer.from(faker.string.alphanumeric(6)).toString('base64');
      }
      break;
    case 'decimal':
      return faker.number.float({ min: 0, max: 10 ** (type.precision - type.scale) - 1, fractionDigits: type.scale });
    case 'array':
      return [fakeValue(column, type.item, faker)];
    case 'map':
      return { [faker.word.sample()]: fakeValue(column, type.value, faker) };
    case 'struct':
      return Object.fromEntries(type.fields.map((f) => [f.name, fakeValue({ ...column, name: f.name }, f.type, faker)]));
    case 'custom':
      return null;
  }
  return null;
}

/** `count` records generated from the columns (key columns included). */
export function generatedRecords(columns: readonly ColumnDef[], count: number, seed: number): Record<string, unknown>[] {
  const faker = seededFaker(seed);
  return Array.from({ length: count }, () =>
    Object.fromEntries(columns.filter((c) => !c.headers).map((c) => [c.name, fakeValue(c, c.dataType, faker)])),
  );
}

/** A record's field by column name, as ksqlDB matches JSON fields (case-insensitively). */
function field(record: Record<string, unknown>, name: string): [string, unknown] | undefined {
  const k = Object.keys(record).find((f) => f.toUpperCase() === name.toUpperCase());
  return k === undefined ? undefined : [k, record[k]];
}

/** Serializes records as the topic's key and value formats expect. */
async function encoder(shape: TopicShape, access: EndpointAccess): Promise<(value: Record<string, unknown>) => Buffer | string> {
  const valueColumns = shape.columns.filter((c) => !c.key && !c.headers);
  switch (shape.valueFormat) {
    case 'JSON':
    case 'JSON_SR':
      return (v) => JSON.stringify(v);
    case 'DELIMITED':
      return (v) => valueColumns.map((c) => String(field(v, c.name)?.[1] ?? '')).join(',');
    case 'AVRO': {
      if (!access.schemaRegistry)
        throw new UsageError(
          `${shape.topic} is Avro: no Schema Registry URL for environment ${access.envName}; set STREAMFORM_SCHEMA_REGISTRY_URL`,
        );
      const subject = `${shape.topic}-value`;
      const latest = await new SchemaRegistryClient(access.schemaRegistry).latest(subject);
      if (!latest)
        throw new UsageError(
          `${shape.topic} is Avro but the registry has no subject ${subject}; deploy the stack that declares its schema first`,
        );
      const type = avroType(latest.schema);
      const encode = avroWireEncoder(type, latest.id);
      const fields = ((JSON.parse(latest.schema) as { fields?: { name: string }[] }).fields ?? []).map((f) => f.name);
      return (v) => encode(Object.fromEntries(fields.map((f) => [f, field(v, f)?.[1] ?? null])));
    }
    default:
      throw new UsageError(
        `${shape.source ?? shape.topic}: VALUE_FORMAT ${shape.valueFormat} is not produced by streamform; use JSON, DELIMITED or AVRO`,
      );
  }
}

export async function produceTopicCommand(args: ParsedArgs): Promise<void> {
  const topic = args.positionals[1];
  if (!topic) throw new UsageError('name the topic, e.g. `streamform produce orders --count 100` or `--file orders.jsonl`');
  for (const o of ['rate', 'duration', 'bad-ratio']) {
    if (args.options[o] !== undefined)
      throw new UsageError(`--${o} applies to streamform's own pipelines; for a topic use --count, --seed, --file, --key`);
  }
  const env = parseEnvName(stringOption(args, 'env'));
  const shape = topicShape(projectOutdir(), env, topic);
  const file = stringOption(args, 'file');
  const countText = stringOption(args, 'count');
  const count = countText === undefined ? 10 : Number(countText);
  if (!Number.isSafeInteger(count) || count < 1) throw new UsageError(`--count must be a whole number of at least 1, got '${countText}'`);
  const seedText = stringOption(args, 'seed');
  const seed = seedText === undefined ? randomInt(0, 2 ** 31 - 1) : Number(seedText);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`--seed must be a whole number of at least 0, got '${seedText}'`);
  if (!file && shape.columns.length === 0)
    throw new UsageError(
      `no ksqlDB stream or table declares the columns of ${topic}, so there is nothing to generate from; give the records with --file <records.jsonl|records.csv>`,
    );
  const records = file ? readRecords(file, shape.columns) : generatedRecords(shape.columns, count, seed);
  const keyName = stringOption(args, 'key') ?? shape.columns.find((c) => c.key)?.name;

  const access = endpointAccess(env);
  const encode = await encoder(shape, access);
  const keyColumns = new Set(shape.columns.filter((c) => c.key).map((c) => c.name.toUpperCase()));
  const messages = records.map((r) => {
    const key = keyName === undefined ? undefined : field(r, keyName)?.[1];
    const value = Object.fromEntries(Object.entries(r).filter(([k]) => !keyColumns.has(k.toUpperCase())));
    return { key: key === undefined || key === null ? null : String(key), value: encode(value) };
  });
  const kafka = new Kafka({ ...kafkaConfig(access.kafka), clientId: 'streamform-produce', logLevel: 0 });
  const producer = kafka.producer();
  try {
    await producer.connect().catch((err: unknown) => Promise.reject(unreachable(access, err)));
    for (let i = 0; i < messages.length; i += 500) await producer.send({ topic, messages: messages.slice(i, i + 500) });
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  process.stderr.write(
    `sent ${messages.length} record(s) to ${topic} on ${access.origin} (${shape.valueFormat}${file ? `, from ${file}` : `, generated from ${shape.source}'s columns, seed ${seed}`})\n`,
  );
}
