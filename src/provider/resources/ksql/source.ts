import { randomUUID } from 'crypto';
import { canonical, isUpgradeable, sinkOf, topicSettings, type Statement } from '../../../core/ksql';
import { KsqlSourceDescription } from '../../clients/ksqldb';
import { afterCreate, DiagnosticError, error, ResourceDefinition } from '../../framework/resource';
import { objectSchema, StateOf } from '../../framework/schema';
import { UNKNOWN } from '../../plugin/cty';
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
  topicOf,
  topicRecreation,
  validateStatement,
} from './core';

/**
 * ksqlDB streams and tables over a topic (CREATE STREAM / CREATE TABLE): one definition, the
 * keyword its parameter. A changed statement is applied with CREATE OR REPLACE where ksqlDB allows
 * it (e.g. an appended column); otherwise the plan replaces the object and says why. PARTITIONS
 * or REPLICAS its topic does not have need the topic re-created: a replacement that deletes it
 * when delete_topic is true, else an error with the fix. Refresh detects a dropped object and a
 * statement changed outside streamform.
 */

type SourceAttributes = typeof commonAttributes;
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

function consequence(name: string, s: SourceState): string {
  return `${name} is dropped and created again${s.delete_topic ? ' and its topic deleted' : ' over the same topic'}; queries reading it must be restarted.`;
}

function ksqlSourceResource(keyword: SourceKeyword): ResourceDefinition<SourceAttributes, ProviderClients> {
  const accepted = ACCEPTED[keyword];
  const noun = nounOf(keyword);
  const parse = (text: string): Statement => parseAccepted(text, accepted);

  return {
    typeName: `streamform_ksql_${keyword.toLowerCase()}`,
    schema: objectSchema(0, `A ksqlDB ${keyword.toLowerCase()} over a Kafka topic (${accepted.what}).`, commonAttributes),
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
      if (priorStmt && sameStatement(priorStmt, stmt)) {
        planned.statement = prior.statement;
        return;
      }
      if (priorStmt && sinkOf(priorStmt) === name) {
        // PARTITIONS/REPLICAS the topic does not have: ksqlDB never changes an existing topic
        const mismatch = await topicMismatch(clients, name, priorStmt, stmt);
        if (mismatch) {
          topicRecreation(name, mismatch, prior.delete_topic === true, requiresReplace, diagnostics, consequence(name, prior));
          return;
        }
      }
      const sameTopicSettings = (a: Statement, b: Statement): boolean =>
        JSON.stringify(topicSettings(a)) === JSON.stringify(topicSettings(b));
      if (priorStmt && essentials(priorStmt) === essentials(stmt) && sameTopicSettings(priorStmt, stmt)) {
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
      const src = (await catalog(clients)).sources.get(state.name ?? sinkOf(stmt)!);
      if (!src) return null;
      const next: SourceState = { ...state, topic: src.topic };
      const server = parseLenient(src.statement);
      if (server && essentials(server, src) !== essentials(stmt, src)) next.statement = src.statement;
      if (src.type !== keyword) next.statement = src.statement;
      return next;
    },

    async create(planned, { clients }) {
      const stmt = parse(planned.statement as string);
      const name = sinkOf(stmt)!;
      await execute(clients, asWritten(stmt), `create ${name}`);
      const created: SourceState = { ...(planned as SourceState), id: name, name, topic: null, instance_id: randomUUID() };
      return { ...created, topic: await afterCreate(created, `${name} was created but cannot be read back`, () => topicOf(clients, name)) };
    },

    async update(prior, planned, { clients }) {
      const stmt = parse(planned.statement as string);
      const name = sinkOf(stmt)!;
      const priorStmt = parseLenient(prior.statement);
      if (!priorStmt || !sameStatement(priorStmt, stmt)) await execute(clients, orReplace(stmt), `replace ${name}`);
      return {
        ...(planned as SourceState),
        id: name,
        name,
        topic: await topicOf(clients, name),
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
        instance_id: randomUUID(),
      };
    },
  };
}

export const ksqlStreamResource = ksqlSourceResource('STREAM');
export const ksqlTableResource = ksqlSourceResource('TABLE');
