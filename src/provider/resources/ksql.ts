import { randomUUID } from 'crypto';
import { z } from 'zod';
import { KsqlCatalog, KsqlError, KsqlSourceDescription } from '../clients/ksqldb';
import {
  canonical,
  isUpgradeable,
  KsqlSyntaxError,
  outputColumns,
  parseStatement,
  quoteIdentifier,
  sinkOf,
  sourcesRead,
  Statement,
} from '../../core/ksql';
import { ProviderClients } from '../provider-clients';
import { afterCreate, Diagnostic, DiagnosticError, error, Planned, ResourceDefinition, warning } from '../framework/resource';
import { attr, Attrs, objectSchema, StateOf } from '../framework/schema';
import { isUnknown, UNKNOWN } from '../plugin/cty';

/**
 * ksqlDB streams, tables and persistent queries as resources. A changed statement is applied with
 * CREATE OR REPLACE where ksqlDB allows it; otherwise the plan replaces the object and says why.
 * Refresh lists every stream, table and query in one request and detects dropped objects,
 * terminated queries and statements changed outside streamform.
 */

type Kind = 'stream' | 'table' | 'query';

const KINDS: Record<Kind, { statements: Statement['kind'][]; what: string; example: string }> = {
  stream: {
    statements: ['createStream'],
    what: 'CREATE STREAM over a topic',
    example: "CREATE STREAM RATINGS (ID STRING KEY, STARS INT) WITH (KAFKA_TOPIC='ratings', VALUE_FORMAT='JSON');",
  },
  table: {
    statements: ['createTable'],
    what: 'CREATE TABLE over a topic',
    example: "CREATE TABLE CUSTOMERS (ID STRING PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='customers', VALUE_FORMAT='JSON');",
  },
  query: {
    statements: ['createStreamAs', 'createTableAs', 'insertInto'],
    what: 'CREATE STREAM ... AS SELECT, CREATE TABLE ... AS SELECT or INSERT INTO ... SELECT',
    example: "CREATE STREAM RATINGS_LIVE AS SELECT * FROM RATINGS WHERE CHANNEL <> 'test' EMIT CHANGES;",
  },
};

const common = {
  id: attr.computed(z.string(), 'Name of the stream or table; for INSERT INTO, the query id.'),
  statement: attr.required(z.string().min(1), 'The ksqlDB statement. Formatting, comments and keyword case do not matter.'),
  name: attr.computed(z.string(), 'The stream or table the statement creates or writes into.'),
  topic: attr.computed(z.string(), 'The Kafka topic behind the stream or table.'),
  delete_topic: attr.optional(
    z.boolean(),
    'On destroy, also delete the Kafka topic (DROP ... DELETE TOPIC). Default false: the topic and its data stay.',
  ),
  deletion_protection: attr.optional(z.boolean(), 'Refuse to drop or replace the object. Default false.'),
  instance_id: attr.computed(
    z.string(),
    'Changes whenever the object is created anew (not on CREATE OR REPLACE); queries reading it name it in `replace_triggered_by`, so a replacement re-creates them too.',
  ),
};

const sourceSchema = (kind: 'stream' | 'table') => objectSchema(0, `A ksqlDB ${kind} over a Kafka topic (${KINDS[kind].what}).`, common);

const querySchema = objectSchema(0, 'A persistent ksqlDB query: CREATE STREAM/TABLE ... AS SELECT or INSERT INTO ... SELECT.', {
  ...common,
  query_id: attr.computed(z.string(), 'The id of the persistent query (e.g. CSAS_RATINGS_LIVE_5).'),
  streams_properties: attr.optional(
    z.record(z.string(), z.string()),
    'Properties for the query, e.g. `{"auto.offset.reset": "earliest"}`.',
  ),
});

type SourceState = StateOf<ReturnType<typeof sourceSchema>['attributes']>;
type QueryState = StateOf<(typeof querySchema)['attributes']>;
type AnyState = SourceState & Partial<Pick<QueryState, 'query_id' | 'streams_properties'>>;

function parse(text: string, kind: Kind): Statement {
  const stmt = parseStatement(text);
  if (!KINDS[kind].statements.includes(stmt.kind)) {
    throw new Error(`expected ${KINDS[kind].what}, got ${describeKind(stmt)}; e.g. ${KINDS[kind].example}`);
  }
  return stmt;
}

function describeKind(stmt: Statement): string {
  const words: Partial<Record<Statement['kind'], string>> = {
    createStream: 'CREATE STREAM (use streamform_ksql_stream)',
    createTable: 'CREATE TABLE (use streamform_ksql_table)',
    createStreamAs: 'CREATE STREAM ... AS SELECT (use streamform_ksql_query)',
    createTableAs: 'CREATE TABLE ... AS SELECT (use streamform_ksql_query)',
    insertInto: 'INSERT INTO (use streamform_ksql_query)',
  };
  return words[stmt.kind] ?? stmt.kind;
}

function syntaxDiagnostic(err: unknown): Diagnostic {
  if (err instanceof KsqlSyntaxError) return error('Invalid ksqlDB statement', err.message, ['statement']);
  return error('Invalid ksqlDB statement', err instanceof Error ? err.message : String(err), ['statement']);
}

function ksqlFailure(what: string, err: unknown): DiagnosticError {
  if (err instanceof DiagnosticError) return err;
  const message = err instanceof KsqlError ? err.ksqlMessage : err instanceof Error ? err.message : String(err);
  return new DiagnosticError(error(`ksqlDB refused to ${what}`, message, ['statement']));
}

/** `CREATE OR REPLACE ...` for a CREATE statement (as written, when it already says so). */
export function orReplace(text: string): string {
  return text.replace(/^(\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*)CREATE\s+(?!OR\s+REPLACE\b)/i, '$1CREATE OR REPLACE ');
}

/** The statement with its sink (CREATE [OR REPLACE] STREAM|TABLE <name>) renamed. */
export function renameSink(text: string, name: string): string {
  return text.replace(
    /^(\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*CREATE\s+(?:OR\s+REPLACE\s+)?(?:STREAM|TABLE)\s+)(`(?:[^`]|``)+`|[A-Za-z_][A-Za-z0-9_]*)/i,
    `$1${name}`,
  );
}

function withSemicolon(text: string): string {
  return /;\s*$/.test(text) ? text : `${text.trimEnd()};`;
}

function catalog(clients: ProviderClients): Promise<KsqlCatalog> {
  return clients.snapshot('ksql', () => clients.ksqldb().catalog());
}

/** The parts of a CREATE STREAM/TABLE that matter once it exists (name, columns, topic, formats). */
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

function ksqlResource<A extends Attrs>(kind: Kind, schema: ReturnType<typeof objectSchema<A>>): ResourceDefinition<A, ProviderClients> {
  const typeName = `streamform_ksql_${kind}`;

  async function execute(clients: ProviderClients, statement: string, what: string, props: Record<string, string> = {}) {
    try {
      return await clients.ksqldb().command(withSemicolon(statement), props);
    } catch (err) {
      throw ksqlFailure(what, err);
    } finally {
      clients.invalidate('ksql');
    }
  }

  async function describeTopic(clients: ProviderClients, name: string): Promise<string | null> {
    return (await catalog(clients)).sources.get(name)?.topic ?? null;
  }

  async function terminate(clients: ProviderClients, queryId: string): Promise<void> {
    try {
      await clients.ksqldb().command(`TERMINATE ${queryId};`);
    } catch (err) {
      // Already gone: nothing to do.
      if (!(err instanceof KsqlError && /Unknown queryId/i.test(err.ksqlMessage))) throw ksqlFailure(`terminate query ${queryId}`, err);
    } finally {
      clients.invalidate('ksql');
    }
  }

  async function drop(clients: ProviderClients, stmtKind: Statement['kind'], name: string, deleteTopic: boolean): Promise<void> {
    const word = stmtKind === 'createTable' || stmtKind === 'createTableAs' ? 'TABLE' : 'STREAM';
    const src = (await catalog(clients)).sources.get(name);
    if (!src) return;
    // Its own queries (those writing into it) go first; DROP would refuse otherwise.
    for (const q of src.writeQueries) await terminate(clients, q.id);
    await execute(clients, `DROP ${word} IF EXISTS ${quoteIdentifier(name)}${deleteTopic ? ' DELETE TOPIC' : ''};`, `drop ${name}`);
  }

  return {
    typeName,
    schema,
    deletionProtection: {
      object: (state: StateOf<A>) => {
        const s = state as AnyState;
        let k: Statement['kind'] | undefined;
        try {
          k = parseStatement(s.statement).kind;
        } catch {
          k = undefined;
        }
        if (k === 'insertInto') return `Query ${s.query_id ?? `INSERT INTO ${s.name}`}`;
        return `${k === 'createTable' || k === 'createTableAs' ? 'Table' : 'Stream'} ${s.name}`;
      },
      loses: (state: StateOf<A>) =>
        (kind === 'query' ? 'the results of its query' : 'its definition') +
        ((state as AnyState).delete_topic ? ' and, as delete_topic is true, its topic with all its messages' : ''),
    } as ResourceDefinition<A, ProviderClients>['deletionProtection'],

    validate(config, diagnostics) {
      const c = config as Planned<AnyState>;
      if (typeof c.statement !== 'string') return;
      try {
        parse(c.statement, kind);
      } catch (err) {
        diagnostics.push(syntaxDiagnostic(err));
      }
    },

    async plan({ prior, planned: p, requiresReplace, diagnostics, clients }) {
      const planned = p as Planned<AnyState>;
      const before = prior as AnyState | null;
      if (typeof planned.statement !== 'string') {
        if (before) {
          planned.name = UNKNOWN;
          planned.topic = UNKNOWN;
        }
        return;
      }
      let stmt: Statement;
      try {
        stmt = parse(planned.statement, kind);
      } catch (err) {
        diagnostics.push(syntaxDiagnostic(err));
        return;
      }
      const name = sinkOf(stmt)!;
      planned.name = name;
      if (stmt.kind !== 'insertInto') planned.id = name;
      if (!before) {
        await checkAgainstServer(clients, stmt, planned.statement, diagnostics);
        return;
      }
      let priorStmt: Statement | undefined;
      try {
        priorStmt = parseStatement(before.statement);
      } catch {
        priorStmt = undefined;
      }
      const unchanged =
        priorStmt !== undefined &&
        (canonical(priorStmt) === canonical(stmt) || (kind !== 'query' && essentials(priorStmt) === essentials(stmt)));
      if (unchanged) {
        planned.statement = before.statement;
        if (kind === 'query' && before.query_id === null) {
          planned.query_id = UNKNOWN;
          diagnostics.push(
            warning(
              `The query of ${name} is not running`,
              'it was terminated outside streamform; apply starts it again (CREATE OR REPLACE) and it resumes from its committed offsets',
            ),
          );
        }
        return;
      }
      let reason: string | undefined;
      if (!priorStmt) reason = 'the current statement cannot be read';
      else if (sinkOf(priorStmt) !== name) reason = `the name changes from ${sinkOf(priorStmt)} to ${name}`;
      else if (stmt.kind === 'insertInto') reason = 'ksqlDB cannot replace an INSERT INTO query in place';
      else {
        const check = isUpgradeable(priorStmt, stmt);
        if (!check.ok) reason = check.reason;
        else {
          const verdict = await serverVerdict(clients, planned.statement);
          if (verdict?.kind === 'refused') {
            diagnostics.push(error('ksqlDB rejects the statement', verdict.message, ['statement']));
            return;
          }
          reason = verdict?.kind === 'not-upgradeable' ? verdict.message : undefined;
        }
      }
      if (kind === 'query') planned.query_id = reason ? UNKNOWN : (before.query_id ?? UNKNOWN);
      if (!reason) return;
      const refusal = await refusalAsNew(clients, stmt, planned.statement);
      if (refusal) {
        diagnostics.push(error('ksqlDB rejects the statement', refusal, ['statement']));
        return;
      }
      requiresReplace.add('statement');
      const loses =
        kind === 'query'
          ? 'The query is terminated and started again; it reprocesses its input from the beginning of the retained data, and queries reading its output see the new results.'
          : `${name} is dropped and created again${before.delete_topic ? ' and its topic deleted' : ' over the same topic'}; queries reading it must be restarted.`;
      diagnostics.push(
        warning(`ksqlDB cannot change ${name} in place`, `${reason}. The plan replaces it instead. ${loses}`, ['statement']),
      );
    },

    async read(state, { clients }) {
      const s = state as AnyState;
      const cat = await catalog(clients);
      let stmt: Statement;
      try {
        stmt = parseStatement(s.statement);
      } catch {
        return state;
      }
      if (stmt.kind === 'insertInto') {
        const q = s.query_id ? cat.queries.get(s.query_id) : undefined;
        return q ? state : null;
      }
      const src = cat.sources.get(s.name ?? sinkOf(stmt)!);
      if (!src) return null;
      const next: AnyState = { ...s, topic: src.topic };
      if (kind === 'query') {
        const own = src.writeQueries.find((q) => q.id === s.query_id) ?? src.writeQueries[0];
        next.query_id = own ? own.id : null;
        if (own && !sameSources(stmt, own.queryString)) next.statement = own.queryString;
      } else {
        let server: Statement | undefined;
        try {
          server = parseStatement(src.statement);
        } catch {
          server = undefined;
        }
        if (server && essentials(server, src) !== essentials(stmt, src)) next.statement = src.statement;
        if (src.type.toLowerCase() !== kind) next.statement = src.statement;
      }
      return next as StateOf<A>;
    },

    async create(planned, { clients }) {
      const p = planned as Planned<AnyState>;
      const text = p.statement as string;
      const stmt = parse(text, kind);
      const name = sinkOf(stmt)!;
      const props = (p.streams_properties as Record<string, string> | null | undefined) ?? {};
      const { status } = await execute(clients, text, `create ${name}`, props);
      const created: AnyState = { ...(p as AnyState), id: name, name, topic: null, instance_id: randomUUID() };
      if (kind === 'query') Object.assign(created, { query_id: status?.queryId ?? null });
      const next: AnyState = {
        ...created,
        topic: await afterCreate(created, `${name} was created but cannot be read back`, () => describeTopic(clients, name)),
      };
      if (kind === 'query') {
        next.query_id = status?.queryId ?? null;
        next.id = stmt.kind === 'insertInto' ? (status?.queryId ?? name) : name;
      } else next.id = name;
      return next as StateOf<A>;
    },

    async update(prior, planned, { clients }) {
      const p = planned as Planned<AnyState>;
      const s = prior as AnyState;
      const text = p.statement as string;
      const stmt = parse(text, kind);
      const name = sinkOf(stmt)!;
      const props = (p.streams_properties as Record<string, string> | null | undefined) ?? {};
      const changed = canonical(parseStatement(s.statement)) !== canonical(stmt) || (kind === 'query' && isUnknown(p.query_id));
      let queryId = s.query_id ?? null;
      if (changed) {
        const { status } = await execute(clients, orReplace(text), `replace ${name}`, props);
        queryId = status?.queryId ?? queryId;
      }
      const next: AnyState = {
        ...(p as AnyState),
        id: name,
        name,
        topic: await describeTopic(clients, name),
        instance_id: s.instance_id ?? randomUUID(),
      };
      if (kind === 'query') next.query_id = queryId;
      return next as StateOf<A>;
    },

    async delete(prior, { clients }) {
      const s = prior as AnyState;
      const stmt = parseStatement(s.statement);
      if (stmt.kind === 'insertInto') {
        if (s.query_id) await terminate(clients, s.query_id);
        return;
      }
      if (kind === 'query' && s.query_id) await terminate(clients, s.query_id);
      await drop(clients, stmt.kind, s.name ?? sinkOf(stmt)!, s.delete_topic === true);
    },

    async importState(id, { clients }) {
      const cat = await catalog(clients);
      const name = id.toUpperCase() === id ? id : cat.sources.has(id) ? id : id.toUpperCase();
      const src = cat.sources.get(name);
      if (!src) throw new DiagnosticError(error(`Cannot import ${name}`, `ksqlDB has no stream or table named ${name}`));
      if (kind !== 'query' && src.type.toLowerCase() !== kind) {
        throw new DiagnosticError(
          error(`Cannot import ${name}`, `${name} is a ${src.type.toLowerCase()}; import it as streamform_ksql_${src.type.toLowerCase()}`),
        );
      }
      const own = src.writeQueries[0];
      const base: AnyState = {
        id: name,
        name,
        topic: src.topic,
        statement: kind === 'query' && own ? own.queryString : src.statement,
        delete_topic: null,
        deletion_protection: null,
        instance_id: randomUUID(),
      };
      if (kind === 'query') Object.assign(base, { query_id: own?.id ?? null, streams_properties: null });
      return base as StateOf<A>;
    },
  };

  /** EXPLAIN the statement when everything it reads exists: ksqlDB validates it without running it. */
  async function checkAgainstServer(
    clients: ProviderClients | undefined,
    stmt: Statement,
    text: string,
    diagnostics: Diagnostic[],
  ): Promise<void> {
    if (!clients || kind !== 'query') return;
    let cat: KsqlCatalog;
    try {
      cat = await catalog(clients);
    } catch {
      return; // ksqlDB not reachable yet (e.g. created by the same apply)
    }
    // A name that exists already cannot be checked this way (and is the normal case of the second
    // plan OpenTofu makes for a replacement); ksqlDB itself refuses a real clash at apply.
    const name = sinkOf(stmt)!;
    if (stmt.kind !== 'insertInto' && cat.sources.has(name)) return;
    if (!sourcesRead(stmt).every((s) => cat.sources.has(s))) return;
    try {
      await clients.ksqldb().execute(`EXPLAIN ${withSemicolon(text)}`);
    } catch (err) {
      if (err instanceof KsqlError) diagnostics.push(error('ksqlDB rejects the statement', err.ksqlMessage, ['statement']));
    }
  }

  /**
   * For a replacement: would ksqlDB accept the new statement on its own? EXPLAIN it under a
   * scratch sink name (the real one still exists until the replacement), when every source exists.
   */
  async function refusalAsNew(clients: ProviderClients | undefined, stmt: Statement, text: string): Promise<string | undefined> {
    if (!clients || kind !== 'query') return undefined;
    let cat: KsqlCatalog;
    try {
      cat = await catalog(clients);
    } catch {
      return undefined;
    }
    if (!sourcesRead(stmt).every((s) => cat.sources.has(s))) return undefined;
    const probe = stmt.kind === 'insertInto' ? text : renameSink(text, `${sinkOf(stmt)}_STREAMFORM_PLAN_CHECK`);
    try {
      await clients.ksqldb().execute(`EXPLAIN ${withSemicolon(probe)}`);
      return undefined;
    } catch (err) {
      return err instanceof KsqlError ? err.ksqlMessage.replace(/_STREAMFORM_PLAN_CHECK/g, '') : undefined;
    }
  }

  /**
   * ksqlDB's own verdict on the CREATE OR REPLACE (EXPLAIN runs it in a sandbox), when reachable:
   * refused as not upgradeable (a replacement is needed), refused as wrong, or fine (undefined).
   */
  async function serverVerdict(
    clients: ProviderClients | undefined,
    text: string,
  ): Promise<{ kind: 'not-upgradeable' | 'refused'; message: string } | undefined> {
    if (!clients || kind !== 'query') return undefined;
    try {
      await catalog(clients);
    } catch {
      return undefined; // ksqlDB not reachable: apply will tell
    }
    try {
      await clients.ksqldb().execute(`EXPLAIN ${withSemicolon(orReplace(text))}`);
      return undefined;
    } catch (err) {
      if (!(err instanceof KsqlError)) return undefined;
      if (/upgrade|not upgradeable|Upgrades not yet supported/i.test(err.ksqlMessage))
        return { kind: 'not-upgradeable', message: `ksqlDB says: ${err.ksqlMessage}` };
      return { kind: 'refused', message: err.ksqlMessage };
    }
  }
}

function sameSources(ours: Statement, serverText: string): boolean {
  try {
    const server = parseStatement(serverText);
    const a = [...sourcesRead(ours)].sort().join(',');
    const b = [...sourcesRead(server)].sort().join(',');
    return a === b && outputColumns(ours).length === outputColumns(server).length;
  } catch {
    return true;
  }
}

export const ksqlStreamResource = ksqlResource('stream', sourceSchema('stream'));
export const ksqlTableResource = ksqlResource('table', sourceSchema('table'));
export const ksqlQueryResource = ksqlResource('query', querySchema);
