import { randomUUID } from 'crypto';
import { z } from 'zod';
import { canonical, isUpgradeable, sinkOf, topicSettings, type Statement } from '../../../core/ksql';
import { KsqlSourceDescription } from '../../clients/ksqldb';
import { afterCreate, Diagnostic, DiagnosticError, error, Planned, ResourceDefinition, warning } from '../../framework/resource';
import { attr, objectSchema, StateOf } from '../../framework/schema';
import { isUnknown, UNKNOWN } from '../../plugin/cty';
import { ProviderClients } from '../../provider-clients';
import {
  Accepted,
  asWritten,
  catalog,
  commonAttributes,
  dropSource,
  execute,
  nounOf,
  orReplace,
  parseAccepted,
  parseLenient,
  replacementWarning,
  sameStatement,
  SourceKeyword,
  topicMismatch,
  topicRecreation,
  sourceNamed,
  validateStatement,
} from './core';
import { driftOf, infersValueColumns, latestInferred, valueColumns } from './drift';

/**
 * ksqlDB streams and tables over a topic (CREATE STREAM / CREATE TABLE): one definition, the
 * keyword its parameter. A changed statement is applied with CREATE OR REPLACE where ksqlDB allows
 * it (e.g. an appended column); otherwise the plan replaces the object and says why. PARTITIONS
 * or REPLICAS its topic does not have need the topic re-created: a replacement that deletes it
 * when delete_topic is true, else an error with the fix. Refresh detects a dropped object and a
 * statement changed outside streamform.
 */

const sourceAttributes = {
  ...commonAttributes,
  inferred_columns: attr.computed(
    z.array(z.string()),
    "For a stream or table declared without value columns (inferred from the Schema Registry): the value columns ksqlDB has. A newer schema version under the topic's value subject shows here in the plan; apply runs CREATE OR REPLACE so ksqlDB picks up its columns.",
  ),
};

type SourceAttributes = typeof sourceAttributes;
type SourceState = StateOf<SourceAttributes>;

const ACCEPTED: Record<SourceKeyword, Accepted> = {
  STREAM: {
    kinds: ['createStream'],
    what: 'CREATE STREAM over a topic',
    example: "CREATE STREAM RATINGS (ID STRING KEY, STARS INT) WITH (KAFKA_TOPIC='ratings', VALUE_FORMAT='JSON');",
  },
  TABLE: {
    kinds: ['createTable'],
    what: 'CREATE TABLE over a topic',
    example: "CREATE TABLE CUSTOMERS (ID STRING PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='customers', VALUE_FORMAT='JSON');",
  },
};

/**
 * The parts of a CREATE STREAM/TABLE that matter once it exists (name, columns, topic, formats):
 * ksqlDB stores the statement with its defaults spelled out, which is no drift.
 */
function essentials(stmt: Statement, described?: KsqlSourceDescription): string {
  if (stmt.kind !== 'createStream' && stmt.kind !== 'createTable') return canonical(stmt);
  const props = stmt.properties;
  const fmt = (v: unknown) => (typeof v === 'string' ? v.toUpperCase() : undefined);
  return JSON.stringify({
    kind: stmt.kind,
    name: stmt.name,
    columns: stmt.columns.map((c) => [c.name, c.type, c.key, c.headers]),
    topic: described?.topic ?? props.KAFKA_TOPIC ?? stmt.name,
    keyFormat: fmt(props.KEY_FORMAT) ?? fmt(props.FORMAT) ?? described?.keyFormat ?? 'KAFKA',
    valueFormat: fmt(props.VALUE_FORMAT) ?? fmt(props.FORMAT) ?? described?.valueFormat,
    timestamp: fmt(props.TIMESTAMP) ?? (described?.timestamp || undefined),
  });
}

function sameList(a: readonly string[] | null | undefined, b: readonly string[] | null | undefined): boolean {
  return (a ?? []).join('\u0000') === (b ?? []).join('\u0000') && (a === null || a === undefined) === (b === null || b === undefined);
}

/**
 * A stream or table whose value columns ksqlDB inferred: compares them with the columns of the
 * latest version of the topic's value subject. Appended columns are planned as an update (CREATE
 * OR REPLACE infers them again); removed or reordered ones as a replacement (ksqlDB refuses to
 * upgrade those in place). Resolves true when the plan is complete (a replacement).
 */
async function planInferred(
  clients: ProviderClients | undefined,
  prior: SourceState,
  planned: Planned<SourceState>,
  stmt: Statement,
  same: boolean,
  ctx: { noun: string; requiresReplace: Set<string>; diagnostics: Diagnostic[] },
): Promise<boolean> {
  if (!infersValueColumns(stmt)) {
    planned.inferred_columns = null;
    return false;
  }
  const declared = 'properties' in stmt ? stmt.properties.KAFKA_TOPIC : undefined;
  const topic = prior.topic ?? (typeof declared === 'string' ? declared : undefined);
  const latest = clients && topic && prior.inferred_columns ? await latestInferred(clients, stmt, topic) : undefined;
  const had = prior.inferred_columns ?? [];
  const added = latest ? latest.columns.filter((c) => !had.includes(c)) : [];
  const removed = latest ? had.filter((c) => !latest.columns.includes(c)) : [];
  // The same columns in another order is no change: ksqlDB keeps its order (and the order of a
  // JSON schema's properties is not significant).
  if (!latest || (added.length === 0 && removed.length === 0)) {
    if (!same) planned.inferred_columns = UNKNOWN;
    return false;
  }
  const name = sinkOf(stmt)!;
  // What ksqlDB will have: known when the new version only appends columns to them.
  const appendedInOrder = had.every((c, i) => latest.columns[i] === c);
  planned.inferred_columns = appendedInOrder ? latest.columns : UNKNOWN;
  const where = `The latest version (${latest.version}, schema id ${latest.id}) of subject ${latest.subject} in the Schema Registry has the value columns (${latest.columns.join(', ')}); ksqlDB's ${name} has (${had.join(', ')})`;
  if (removed.length === 0) {
    ctx.diagnostics.push(
      warning(
        `A new schema version changes the columns of ${name}`,
        `${where}. Apply runs CREATE OR REPLACE ${ctx.noun.toUpperCase()} ${name} so ksqlDB picks up the new columns (${added.join(', ')}); queries reading it see them once they are replaced.`,
        ['inferred_columns'],
      ),
    );
    return false;
  }
  ctx.requiresReplace.add('inferred_columns');
  ctx.diagnostics.push(
    replacementWarning(
      name,
      `${where}: ${removed.join(', ')} ${removed.length === 1 ? 'is' : 'are'} no longer in the schema, and ksqlDB does not remove columns with CREATE OR REPLACE`,
      consequence(name, prior),
    ),
  );
  return true;
}

function consequence(name: string, s: SourceState): string {
  return `${name} is dropped and created again${s.delete_topic ? ' and its topic deleted' : ' over the same topic'}; queries reading it must be restarted.`;
}

function ksqlSourceResource(keyword: SourceKeyword): ResourceDefinition<SourceAttributes, ProviderClients> {
  const accepted = ACCEPTED[keyword];
  const noun = nounOf(keyword);
  const parse = (text: string): Statement => parseAccepted(text, accepted);

  return {
    typeName: `streamform_ksql_${keyword.toLowerCase()}`,
    schema: objectSchema(0, `A ksqlDB ${keyword.toLowerCase()} over a Kafka topic (${accepted.what}).`, sourceAttributes),
    deletionProtection: {
      object: (s) => `${noun} ${s.name}`,
      loses: (s) =>
        s.delete_topic
          ? `its definition and, as delete_topic is true, ${s.topic ? `its topic ${s.topic}` : 'its topic'} with all its messages`
          : 'its definition (its topic stays); the queries reading it stop with it',
    },

    validate(config, diagnostics) {
      validateStatement(config.statement, accepted, diagnostics);
    },

    async plan({ prior, planned, requiresReplace, diagnostics, clients }) {
      if (typeof planned.statement !== 'string') {
        if (prior) {
          planned.name = UNKNOWN;
          planned.topic = UNKNOWN;
        }
        return;
      }
      const stmt = validateStatement(planned.statement, accepted, diagnostics);
      if (!stmt) return;
      const name = sinkOf(stmt)!;
      planned.name = name;
      planned.id = name;
      if (!prior) return;
      const priorStmt = parseLenient(prior.statement);
      const sameText = priorStmt !== undefined && sameStatement(priorStmt, stmt);
      if (!sameText && priorStmt && sinkOf(priorStmt) === name) {
        // PARTITIONS/REPLICAS the topic does not have: ksqlDB never changes an existing topic
        const mismatch = await topicMismatch(clients, name, priorStmt, stmt);
        if (mismatch) {
          topicRecreation(name, mismatch, prior.delete_topic === true, requiresReplace, diagnostics, consequence(name, prior));
          return;
        }
      }
      const sameTopicSettings = (a: Statement, b: Statement): boolean =>
        JSON.stringify(topicSettings(a)) === JSON.stringify(topicSettings(b));
      const same =
        priorStmt !== undefined && (sameText || (essentials(priorStmt) === essentials(stmt) && sameTopicSettings(priorStmt, stmt)));
      if (await planInferred(clients, prior, planned, stmt, same, { noun, requiresReplace, diagnostics })) return;
      if (same) {
        planned.statement = prior.statement;
        return;
      }
      let reason: string | undefined;
      if (!priorStmt) reason = 'the current statement cannot be read';
      else if (sinkOf(priorStmt) !== name) reason = `the name changes from ${sinkOf(priorStmt)} to ${name}`;
      else {
        const check = isUpgradeable(priorStmt, stmt);
        // the topic's partitions and replicas were compared with the topic itself above
        const refusals = check.ok
          ? []
          : check.reasons.map((r, i) => ({ r, rule: check.rules[i] })).filter((x) => !x.rule.startsWith('TopicValidationUtil'));
        if (refusals.length > 0) reason = refusals.map((x) => `${x.r} (ksqlDB rule: ${x.rule})`).join('; ');
      }
      if (!reason) return;
      requiresReplace.add('statement');
      diagnostics.push(replacementWarning(name, reason, consequence(name, prior)));
    },

    async read(state, { clients }) {
      const stmt = parseLenient(state.statement);
      if (!stmt) return state;
      const cat = await catalog(clients);
      const src = cat.sources.get(state.name ?? sinkOf(stmt)!);
      if (!src) return null;
      const next: SourceState = { ...state, topic: src.topic, inferred_columns: infersValueColumns(stmt) ? valueColumns(src) : null };
      // The stored statement says something else (replaced outside streamform): state takes
      // ksqlDB's text, so the plan shows the difference and apply replaces it again.
      if (driftOf(stmt, src.statement, cat).length) next.statement = src.statement;
      if (src.type !== keyword) next.statement = src.statement;
      return next;
    },

    async create(planned, { clients }) {
      const stmt = parse(planned.statement as string);
      const name = sinkOf(stmt)!;
      await execute(clients, asWritten(stmt), `create ${name}`);
      const created: SourceState = {
        ...(planned as SourceState),
        id: name,
        name,
        topic: null,
        inferred_columns: null,
        instance_id: randomUUID(),
      };
      const src = await afterCreate(created, `${name} was created but cannot be read back`, () => sourceNamed(clients, name));
      return { ...created, topic: src?.topic ?? null, inferred_columns: src && infersValueColumns(stmt) ? valueColumns(src) : null };
    },

    async update(prior, planned, { clients }) {
      const stmt = parse(planned.statement as string);
      const name = sinkOf(stmt)!;
      const priorStmt = parseLenient(prior.statement);
      const newColumns = isUnknown(planned.inferred_columns) || !sameList(planned.inferred_columns, prior.inferred_columns);
      // CREATE OR REPLACE of a stream or table without value columns infers them again from the
      // latest schema version.
      if (!priorStmt || !sameStatement(priorStmt, stmt) || newColumns) await execute(clients, orReplace(stmt), `replace ${name}`);
      const src = await sourceNamed(clients, name);
      return {
        ...(planned as SourceState),
        id: name,
        name,
        topic: src?.topic ?? null,
        inferred_columns: src && infersValueColumns(stmt) ? valueColumns(src) : null,
        instance_id: prior.instance_id ?? randomUUID(),
      };
    },

    async delete(prior, { clients }) {
      await dropSource(clients, prior.name ?? sinkOf(parse(prior.statement))!, prior.delete_topic === true);
    },

    async importState(id, { clients }) {
      const cat = await catalog(clients);
      const name = id.toUpperCase() === id ? id : cat.sources.has(id) ? id : id.toUpperCase();
      const src = cat.sources.get(name);
      if (!src) throw new DiagnosticError(error(`Cannot import ${name}`, `ksqlDB has no stream or table named ${name}`));
      if (src.type !== keyword) {
        const type = src.type.toLowerCase();
        throw new DiagnosticError(error(`Cannot import ${name}`, `${name} is a ${type}; import it as streamform_ksql_${type}`));
      }
      return {
        id: name,
        name,
        topic: src.topic,
        statement: src.statement,
        delete_topic: null,
        deletion_protection: null,
        inferred_columns: null,
        instance_id: randomUUID(),
      };
    },
  };
}

export const ksqlStreamResource = ksqlSourceResource('STREAM');
export const ksqlTableResource = ksqlSourceResource('TABLE');
