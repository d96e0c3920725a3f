import { randomUUID } from 'crypto';
import { z } from 'zod';
import { isUpgradeable, sinkOf, sourcesRead, type Statement } from '../../../core/ksql';
import { afterCreate, Diagnostic, DiagnosticError, error, Planned, ResourceDefinition, warning } from '../../framework/resource';
import { attr, objectSchema, StateOf } from '../../framework/schema';
import { containsUnknown, isUnknown, UNKNOWN } from '../../plugin/cty';
import { ProviderClients } from '../../provider-clients';
import {
  Accepted,
  asWritten,
  catalog,
  commonAttributes,
  dropSource,
  execute,
  explain,
  keywordOf,
  nounOf,
  orReplace,
  parseAccepted,
  parseLenient,
  reachableCatalog,
  reachableSources,
  replacementWarning,
  sameStatement,
  terminate,
  topicMismatch,
  topicOf,
  topicRecreation,
  upgradeSourceOf,
  validateStatement,
} from './core';
import { driftOf, queryStatus, resume } from './drift';
import { validateStreamsProperties } from './properties';
import { otherWriters, readsFrom, restartedQuery, restartWarning, severalWritersReason } from './queries';

/**
 * Persistent ksqlDB queries: CREATE STREAM/TABLE ... AS SELECT and INSERT INTO ... SELECT. A
 * changed query is applied in place with CREATE OR REPLACE (same query id, state kept) where
 * ksqlDB's upgrade rules allow it (src/core/ksql/upgrade.ts: filters and projections around
 * unchanged key, grouping and aggregation steps; ksqlDB itself is asked with EXPLAIN at plan
 * time); what ksqlDB refuses (another key or grouping, another sink topic or format, removed
 * columns, "Upgrades not yet supported for <step>", any change of an INSERT INTO) replaces it
 * instead, and the plan names the rule. PARTITIONS/REPLICAS the sink's topic does not have need
 * the topic deleted: a replacement when delete_topic is true, else an error with the fix. Refresh
 * detects a dropped sink, a terminated query and a query changed outside streamform.
 */

const querySchema = objectSchema(0, 'A persistent ksqlDB query: CREATE STREAM/TABLE ... AS SELECT or INSERT INTO ... SELECT.', {
  ...commonAttributes,
  query_id: attr.computed(z.string(), 'The id of the persistent query (e.g. CSAS_RATINGS_LIVE_5).'),
  streams_properties: attr.optional(
    z.record(z.string(), z.string()),
    'Properties for the query, e.g. `{"auto.offset.reset": "earliest"}`.',
  ),
  query_state: attr.computed(
    z.string(),
    'The state of the persistent query as ksqlDB reports it: RUNNING, PAUSED or ERROR. A paused or failed query shows in the plan; apply resumes or restarts it.',
  ),
});

type QueryAttributes = (typeof querySchema)['attributes'];
type QueryState = StateOf<QueryAttributes>;

const ACCEPTED: Accepted = {
  kinds: ['createStreamAs', 'createTableAs', 'insertInto'],
  what: 'CREATE STREAM ... AS SELECT, CREATE TABLE ... AS SELECT or INSERT INTO ... SELECT',
  example: "CREATE STREAM RATINGS_LIVE AS SELECT * FROM RATINGS WHERE CHANNEL <> 'test' EMIT CHANGES;",
};

const parse = (text: string): Statement => parseAccepted(text, ACCEPTED);

/** A sink name no object has, to EXPLAIN a replacement while the real sink still exists. */
const SCRATCH = '_STREAMFORM_PLAN_CHECK';

/** A new query: EXPLAIN it when everything it reads exists, so ksqlDB's refusal shows at plan time. */
async function checkNew(clients: ProviderClients | undefined, stmt: Statement, diagnostics: Diagnostic[]): Promise<void> {
  const read = sourcesRead(stmt);
  const known = await reachableSources(clients, stmt.kind === 'insertInto' ? read : [sinkOf(stmt)!, ...read]);
  if (!clients || !known) return;
  // A name that exists already cannot be checked this way (and is the normal case of the second
  // plan OpenTofu makes for a replacement); ksqlDB itself refuses a real clash at apply.
  if (stmt.kind !== 'insertInto' && known.has(sinkOf(stmt)!)) return;
  if (!read.every((s) => known.has(s))) return;
  const refused = await explain(clients, stmt);
  if (refused) diagnostics.push(error('ksqlDB rejects the statement', refused.ksqlMessage, ['statement']));
}

/**
 * ksqlDB's own verdict on the CREATE OR REPLACE (EXPLAIN runs it in a sandbox), when reachable:
 * refused as not upgradeable (a replacement is needed), refused as wrong, or fine (undefined).
 */
async function replaceVerdict(
  clients: ProviderClients | undefined,
  stmt: Statement,
): Promise<{ kind: 'not-upgradeable' | 'refused'; message: string } | undefined> {
  if (!clients || !(await reachableCatalog(clients))) return undefined;
  const refused = await explain(clients, orReplace(stmt));
  if (!refused) return undefined;
  if (/upgrade|not upgradeable|Upgrades not yet supported|multiple queries writing into it/i.test(refused.ksqlMessage)) {
    return { kind: 'not-upgradeable', message: `ksqlDB says: ${refused.ksqlMessage}` };
  }
  return { kind: 'refused', message: refused.ksqlMessage };
}

/** The queries other than `own` writing into the sink (e.g. an INSERT INTO outside this configuration), when reachable. */
async function writersBesides(clients: ProviderClients | undefined, name: string, own: string | null) {
  const src = (await reachableSources(clients, [name]))?.get(name);
  return src ? otherWriters(src, own) : [];
}

/**
 * For a replacement: would ksqlDB accept the new statement on its own? EXPLAIN it under a
 * scratch sink name (the real one still exists until the replacement), when every source exists.
 */
async function refusalAsNew(clients: ProviderClients | undefined, stmt: Statement): Promise<string | undefined> {
  const cat = await reachableCatalog(clients);
  if (!clients || !cat || !sourcesRead(stmt).every((s) => cat.sources.has(s))) return undefined;
  const probe = stmt.kind === 'createStreamAs' || stmt.kind === 'createTableAs' ? { ...stmt, name: `${stmt.name}${SCRATCH}` } : stmt;
  return (await explain(clients, probe))?.ksqlMessage.split(SCRATCH).join('');
}

/**
 * A paused or failed query: the plan shows its state becoming RUNNING and says what apply does
 * (RESUME a paused query; CREATE OR REPLACE restarts a failed one, a failed INSERT INTO is started
 * again under a new query id).
 */
function planStatus(prior: QueryState, planned: Planned<QueryState>, stmt: Statement, name: string, diagnostics: Diagnostic[]): void {
  const state = prior.query_state;
  if (prior.query_id === null || (state !== 'PAUSED' && state !== 'ERROR')) return;
  planned.query_state = 'RUNNING';
  if (state === 'PAUSED') {
    diagnostics.push(
      warning(
        `The query of ${name} is paused`,
        `ksqlDB reports query ${prior.query_id} as PAUSED (paused outside streamform); apply resumes it (RESUME ${prior.query_id}) and it continues from its committed offsets.`,
      ),
    );
    return;
  }
  if (stmt.kind === 'insertInto') {
    planned.query_id = UNKNOWN;
    planned.id = UNKNOWN;
  }
  diagnostics.push(
    warning(
      `The query of ${name} has failed`,
      `ksqlDB reports query ${prior.query_id} in state ERROR; apply restarts it (${
        stmt.kind === 'insertInto' ? 'TERMINATE and INSERT INTO again, under a new query id' : 'CREATE OR REPLACE, keeping its query id'
      }) and it continues from its committed offsets. If it keeps failing, see DESCRIBE ${name} EXTENDED or the ksqlDB log for the error.`,
    ),
  );
}

/** The planned streams_properties, when known. */
function props(planned: Planned<QueryState>): Record<string, string> | null {
  const p = planned.streams_properties;
  return p && typeof p === 'object' && !containsUnknown(p) ? (p as Record<string, string>) : null;
}

export const ksqlQueryResource: ResourceDefinition<QueryAttributes, ProviderClients> = {
  typeName: 'streamform_ksql_query',
  schema: querySchema,
  deletionProtection: {
    object: (s) => {
      const stmt = parseLenient(s.statement);
      if (stmt?.kind === 'insertInto') return `Query ${s.query_id ?? `INSERT INTO ${s.name}`}`;
      return `${nounOf(stmt ? keywordOf(stmt) : 'STREAM')} ${s.name}`;
    },
    loses: (s) =>
      `the results of its query (the queries reading them stop, and a new query under a new id reads its input ${readsFrom(s.streams_properties)})` +
      (s.delete_topic ? ' and, as delete_topic is true, its topic with all its messages' : ''),
  },

  validate(config, diagnostics) {
    validateStatement(config.statement, ACCEPTED, diagnostics);
    validateStreamsProperties(config.streams_properties, diagnostics);
  },

  async plan({ prior, planned, requiresReplace, diagnostics, clients }) {
    if (typeof planned.statement !== 'string') {
      if (prior) {
        planned.name = UNKNOWN;
        planned.topic = UNKNOWN;
      }
      return;
    }
    const stmt = validateStatement(planned.statement, ACCEPTED, diagnostics);
    if (!stmt) return;
    const name = sinkOf(stmt)!;
    planned.name = name;
    // The id of an INSERT INTO is its query id, known once the query runs.
    if (stmt.kind !== 'insertInto') planned.id = name;
    if (!prior) {
      await checkNew(clients, stmt, diagnostics);
      return;
    }
    const priorStmt = parseLenient(prior.statement);
    planStatus(prior, planned, stmt, name, diagnostics);
    if (priorStmt && sameStatement(priorStmt, stmt)) {
      planned.statement = prior.statement;
      if (prior.query_id === null) {
        planned.query_id = UNKNOWN;
        if (stmt.kind === 'insertInto') planned.id = UNKNOWN;
        diagnostics.push(restartWarning(name, props(planned)));
      }
      return;
    }
    let reason: string | undefined;
    if (!priorStmt) reason = 'the current statement cannot be read';
    else if (sinkOf(priorStmt) !== name) reason = `the name changes from ${sinkOf(priorStmt)} to ${name}`;
    else if (stmt.kind === 'insertInto')
      reason = 'ksqlDB cannot replace an INSERT INTO query in place (rule: QueryIdUtil, INSERT INTO gets a new query id)';
    else {
      // PARTITIONS/REPLICAS the sink's topic does not have: no CREATE OR REPLACE, nor a re-create over
      // the same topic, can apply them (ksqlDB never changes an existing topic).
      const mismatch = await topicMismatch(clients, name, priorStmt, stmt);
      if (mismatch) {
        planned.query_id = UNKNOWN;
        const refusal = await refusalAsNew(clients, stmt);
        if (refusal) {
          diagnostics.push(error('ksqlDB rejects the statement', refusal, ['statement']));
          return;
        }
        topicRecreation(name, mismatch, prior.delete_topic === true, requiresReplace, diagnostics, restartedQuery(props(planned)));
        return;
      }
      const cat = await reachableCatalog(clients);
      const check = isUpgradeable(priorStmt, stmt, cat ? { source: (n) => upgradeSourceOf(cat, n) } : {});
      // the topic's partitions and replicas were compared with the topic itself above
      const refusals = check.ok
        ? []
        : check.reasons.map((r, i) => ({ r, rule: check.rules[i] })).filter((x) => !x.rule.startsWith('TopicValidationUtil'));
      const others = refusals.length === 0 ? await writersBesides(clients, name, prior.query_id) : [];
      if (refusals.length > 0) {
        reason = refusals.map((x) => `${x.r} (ksqlDB rule: ${x.rule})`).join('; ');
      } else if (others.length > 0) {
        reason = `${severalWritersReason(name, others)} (ksqlDB rule: QueryIdUtil)`;
      } else {
        const verdict = await replaceVerdict(clients, stmt);
        if (verdict?.kind === 'refused') {
          diagnostics.push(error('ksqlDB rejects the statement', verdict.message, ['statement']));
          return;
        }
        reason = verdict ? `${verdict.message} (ksqlDB rule: its own check of CREATE OR REPLACE, asked with EXPLAIN)` : undefined;
      }
    }
    planned.query_id = reason ? UNKNOWN : (prior.query_id ?? UNKNOWN);
    if (!reason) return;
    const refusal = await refusalAsNew(clients, stmt);
    if (refusal) {
      diagnostics.push(error('ksqlDB rejects the statement', refusal, ['statement']));
      return;
    }
    requiresReplace.add('statement');
    diagnostics.push(replacementWarning(name, reason, restartedQuery(props(planned))));
  },

  async read(state, { clients }) {
    const stmt = parseLenient(state.statement);
    if (!stmt) return state;
    const cat = await catalog(clients);
    if (stmt.kind === 'insertInto') {
      const q = state.query_id ? cat.queries.get(state.query_id) : undefined;
      if (!q) return null;
      return {
        ...state,
        statement: driftOf(stmt, q.queryString, cat).length ? q.queryString : state.statement,
        query_state: queryStatus(q),
      };
    }
    const src = cat.sources.get(state.name ?? sinkOf(stmt)!);
    if (!src) return null;
    const own = src.writeQueries.find((q) => q.id === state.query_id) ?? src.writeQueries[0];
    const next: QueryState = { ...state, topic: src.topic, query_id: own ? own.id : null, query_state: own ? queryStatus(own) : null };
    // The stored statement differs from state's (a CREATE OR REPLACE made outside streamform):
    // state takes ksqlDB's text, so the plan shows the difference and apply replaces it again.
    if (own && driftOf(stmt, own.queryString, cat).length) next.statement = own.queryString;
    return next;
  },

  async create(planned, { clients }) {
    const stmt = parse(planned.statement as string);
    const name = sinkOf(stmt)!;
    const props = (planned.streams_properties as Record<string, string> | null) ?? {};
    const queryId = (await execute(clients, asWritten(stmt), `create ${name}`, props)) ?? null;
    const created: QueryState = {
      ...(planned as QueryState),
      id: stmt.kind === 'insertInto' ? (queryId ?? name) : name,
      name,
      topic: null,
      query_id: queryId,
      query_state: 'RUNNING',
      instance_id: randomUUID(),
    };
    return { ...created, topic: await afterCreate(created, `${name} was created but cannot be read back`, () => topicOf(clients, name)) };
  },

  async update(prior, planned, { clients }) {
    const stmt = parse(planned.statement as string);
    const name = sinkOf(stmt)!;
    const props = (planned.streams_properties as Record<string, string> | null) ?? {};
    const priorStmt = parseLenient(prior.statement);
    let queryId = prior.query_id;
    const changed = !priorStmt || !sameStatement(priorStmt, stmt);
    if (stmt.kind === 'insertInto' && !changed && prior.query_id && prior.query_state === 'ERROR' && isUnknown(planned.query_id)) {
      // A failed INSERT INTO starts again: ksqlDB cannot replace one, so it is terminated first.
      await terminate(clients, prior.query_id);
      queryId = (await execute(clients, asWritten(stmt), `restart ${name}`, props)) ?? null;
    } else if (changed || isUnknown(planned.query_id) || prior.query_state === 'ERROR') {
      // CREATE OR REPLACE keeps the query id (and restarts a failed query); a stopped INSERT INTO
      // starts again under a new one.
      queryId = (await execute(clients, orReplace(stmt), `replace ${name}`, props)) ?? queryId;
    }
    // A paused query stays paused through CREATE OR REPLACE: RESUME it.
    const running = queryId ? (await catalog(clients)).queries.get(queryId) : undefined;
    if (queryId && running && queryStatus(running) === 'PAUSED') await resume(clients, queryId);
    return {
      ...(planned as QueryState),
      id: stmt.kind === 'insertInto' ? (queryId ?? name) : name,
      name,
      topic: await topicOf(clients, name),
      query_id: queryId,
      query_state: isUnknown(planned.query_state) ? 'RUNNING' : planned.query_state,
      instance_id: prior.instance_id ?? randomUUID(),
    };
  },

  async delete(prior, { clients }) {
    const stmt = parseLenient(prior.statement);
    if (prior.query_id) await terminate(clients, prior.query_id);
    if (stmt?.kind === 'insertInto') return;
    await dropSource(
      clients,
      prior.name ?? sinkOf(parse(prior.statement))!,
      prior.delete_topic === true,
      prior.query_id ? [prior.query_id] : [],
    );
  },

  async importState(id, { clients }) {
    const cat = await catalog(clients);
    const name = id.toUpperCase() === id ? id : cat.sources.has(id) ? id : id.toUpperCase();
    const src = cat.sources.get(name);
    if (!src) throw new DiagnosticError(error(`Cannot import ${name}`, `ksqlDB has no stream or table named ${name}`));
    const own = src.writeQueries[0];
    return {
      id: name,
      name,
      topic: src.topic,
      statement: own ? own.queryString : src.statement,
      delete_topic: null,
      deletion_protection: null,
      instance_id: randomUUID(),
      query_id: own?.id ?? null,
      query_state: own ? queryStatus(own) : null,
      streams_properties: null,
    };
  },
};
