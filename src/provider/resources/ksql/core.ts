import { z } from 'zod';
import {
  canonical,
  formatStatement,
  parseStatement,
  queryOf,
  topicSettings,
  type Explain,
  type Loc,
  type Statement,
  type StatementKind,
  type UpgradeSource,
} from '../../../core/ksql';
import { KsqlCatalog, KsqlError, KsqlSourceDescription } from '../../clients/ksqldb';
import { Diagnostic, DiagnosticError, error, warning } from '../../framework/resource';
import { attr } from '../../framework/schema';
import { ProviderClients } from '../../provider-clients';
import { dropBlockers } from './queries';

/**
 * What ksqlDB streams, tables and persistent queries share: their common attributes, the catalog
 * snapshot, statements built from the AST and executed (waiting for the command to finish),
 * ksqlDB's refusals as diagnostics, and the comparison of a planned statement with the prior one.
 */

export const commonAttributes = {
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

// ---------------------------------------------------------------------------------------------
// Parsing

/** Which statements a resource type takes, for the message when it gets another one. */
export interface Accepted {
  readonly kinds: readonly StatementKind[];
  readonly what: string;
  readonly example: string;
}

const RESOURCE_OF: Partial<Record<StatementKind, string>> = {
  createStream: 'CREATE STREAM (use streamform_ksql_stream)',
  createTable: 'CREATE TABLE (use streamform_ksql_table)',
  createStreamAs: 'CREATE STREAM ... AS SELECT (use streamform_ksql_query)',
  createTableAs: 'CREATE TABLE ... AS SELECT (use streamform_ksql_query)',
  insertInto: 'INSERT INTO (use streamform_ksql_query)',
};

/** The statement, when it is one the resource type takes; throws otherwise. */
export function parseAccepted(text: string, accepted: Accepted): Statement {
  const stmt = parseStatement(text);
  if (!accepted.kinds.includes(stmt.kind)) {
    throw new Error(`expected ${accepted.what}, got ${RESOURCE_OF[stmt.kind] ?? stmt.kind}; e.g. ${accepted.example}`);
  }
  return stmt;
}

/** The statement, or undefined when it does not parse (state written by an older streamform, the server's text). */
export function parseLenient(text: string): Statement | undefined {
  try {
    return parseStatement(text);
  } catch {
    return undefined;
  }
}

/** Pushes the diagnostic of a statement that does not parse, or is not one the resource takes. */
export function validateStatement(text: unknown, accepted: Accepted, diagnostics: Diagnostic[]): Statement | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return parseAccepted(text, accepted);
  } catch (err) {
    diagnostics.push(error('Invalid ksqlDB statement', err instanceof Error ? err.message : String(err), ['statement']));
    return undefined;
  }
}

/** Formatting, comments, keyword case and property order are no change. */
export function sameStatement(a: Statement, b: Statement): boolean {
  return canonical(a) === canonical(b);
}

// ---------------------------------------------------------------------------------------------
// Topic settings ksqlDB never changes

/** The rule behind a topic that must be deleted and created again. */
export const TOPIC_RULE =
  "ksqlDB's TopicValidationUtil: an existing topic keeps its partitions and replicas; a statement that needs others is refused with " +
  '"A Kafka topic with the name \'…\' already exists, with different partition/replica configuration than required"';

/**
 * Why the statement cannot run over the topic that exists now: PARTITIONS (CSAS/CTAS: else the
 * source's) or REPLICAS the topic does not have. Compared with the topic when ksqlDB is
 * reachable, else with the prior statement's explicit values. Undefined: the topic fits.
 */
export async function topicMismatch(
  clients: ProviderClients | undefined,
  name: string,
  priorStmt: Statement,
  stmt: Statement,
): Promise<string | undefined> {
  const wanted = topicSettings(stmt);
  const before = topicSettings(priorStmt);
  const cat = await reachableCatalog(clients);
  const current = cat?.sources.get(name);
  const problems: string[] = [];
  if (current && current.partitions !== undefined && current.partitions > 0) {
    const query = queryOf(stmt);
    const required = wanted.partitions ?? (query ? cat?.sources.get(query.from.name)?.partitions : undefined) ?? current.partitions;
    if (required !== current.partitions) {
      const why =
        wanted.partitions !== undefined ? 'PARTITIONS' : `the partitions of ${query!.from.name}'s topic, as PARTITIONS is not set`;
      problems.push(`its topic ${current.topic} has ${current.partitions} partitions and the statement needs ${required} (${why})`);
    }
    const replicas = current.replication;
    if (wanted.replicas !== undefined && wanted.replicas !== -1 && replicas !== undefined && replicas > 0 && replicas < wanted.replicas) {
      problems.push(`its topic ${current.topic} has ${replicas} replicas and the statement needs ${wanted.replicas} (REPLICAS)`);
    }
    return problems.length > 0 ? problems.join(' and ') : undefined;
  }
  if (wanted.partitions !== undefined && before.partitions !== undefined && wanted.partitions !== before.partitions) {
    problems.push(`PARTITIONS changes from ${before.partitions} to ${wanted.partitions}`);
  }
  if (wanted.replicas !== undefined && before.replicas !== undefined && wanted.replicas !== before.replicas) {
    problems.push(`REPLICAS changes from ${before.replicas} to ${wanted.replicas}`);
  }
  return problems.length > 0 ? problems.join(' and ') : undefined;
}

/**
 * The plan for a statement whose topic must be re-created: with delete_topic already true, a
 * replacement that deletes the topic (warning); otherwise an error with the ways out.
 */
export function topicRecreation(
  name: string,
  mismatch: string,
  deleteTopic: boolean,
  requiresReplace: Set<string>,
  diagnostics: Diagnostic[],
  consequence: string,
): void {
  if (deleteTopic) {
    requiresReplace.add('statement');
    diagnostics.push(
      warning(
        `ksqlDB cannot change the topic of ${name}`,
        `${name}: ${mismatch} (rule: ${TOPIC_RULE}). The plan replaces ${name} instead, and as delete_topic is true the drop deletes its topic, which ksqlDB then creates again as the statement says: all messages in it are lost. ${consequence}`,
        ['statement'],
      ),
    );
    return;
  }
  diagnostics.push(
    error(
      `ksqlDB cannot change the topic of ${name}`,
      `${name}: ${mismatch} (rule: ${TOPIC_RULE}). Neither CREATE OR REPLACE nor dropping and creating ${name} over the same topic can apply this. ` +
        `To re-create the topic (losing its messages), set delete_topic = true on ${name} and apply that first, then plan this change again; ` +
        'or keep PARTITIONS/REPLICAS as the topic has them (or change the topic outside ksqlDB: partitions can only grow).',
      ['statement'],
    ),
  );
}

/** What ksqlDB's upgrade check compares of a source a query reads, from the catalog. */
export function upgradeSourceOf(cat: KsqlCatalog, name: string): UpgradeSource | undefined {
  const src = cat.sources.get(name);
  if (!src) return undefined;
  return {
    kind: src.type,
    windowed: !!src.windowType,
    keyColumns: src.fields.filter((f) => f.type === 'KEY').map((f) => f.name),
    topic: src.topic,
  };
}

/** The warning that accompanies a replacement ksqlDB forces. */
export function replacementWarning(name: string, reason: string, consequence: string): Diagnostic {
  return warning(`ksqlDB cannot change ${name} in place`, `${reason}. The plan replaces it instead. ${consequence}`, ['statement']);
}

// ---------------------------------------------------------------------------------------------
// Statements built from the AST

/** Position of statements a program builds (they have no source text of their own). */
const BUILT: Loc = { line: 1, column: 1, offset: 0, end: 0 };

/** The statement as the user wrote it (comments and layout kept, so ksqlDB's positions point into it). */
export function asWritten(stmt: Statement): string {
  return `${stmt.text};`;
}

/** CREATE OR REPLACE for a CREATE statement (IF NOT EXISTS dropped: it contradicts a replacement). */
export function orReplace(stmt: Statement): Statement {
  if (stmt.kind === 'createStream' || stmt.kind === 'createTable' || stmt.kind === 'createStreamAs' || stmt.kind === 'createTableAs') {
    return { ...stmt, orReplace: true, ifNotExists: false };
  }
  return stmt;
}

/** DROP STREAM|TABLE IF EXISTS name [DELETE TOPIC]. */
function dropStatement(keyword: SourceKeyword, name: string, deleteTopic: boolean): Statement {
  return { kind: keyword === 'STREAM' ? 'dropStream' : 'dropTable', loc: BUILT, text: '', name, ifExists: true, deleteTopic };
}

function terminateStatement(queryId: string): Statement {
  return { kind: 'terminate', loc: BUILT, text: '', all: false, queryId };
}

function explainStatement(statement: Statement): Explain {
  return { kind: 'explain', loc: BUILT, text: '', statement };
}

export type SourceKeyword = 'STREAM' | 'TABLE';

/** STREAM or TABLE: what a CREATE statement creates (INSERT INTO writes into a stream). */
export function keywordOf(stmt: Statement): SourceKeyword {
  return stmt.kind === 'createTable' || stmt.kind === 'createTableAs' ? 'TABLE' : 'STREAM';
}

/** `Stream` or `Table`, for messages. */
export function nounOf(keyword: SourceKeyword): string {
  return keyword === 'STREAM' ? 'Stream' : 'Table';
}

// ---------------------------------------------------------------------------------------------
// The server

/** Every stream, table and query: one request per provider process until a write invalidates it. */
export function catalog(clients: ProviderClients): Promise<KsqlCatalog> {
  return clients.snapshot('ksql', () => clients.ksqldb().catalog());
}

/** The catalog, or undefined when ksqlDB cannot be reached (e.g. created by the same apply): plan-time checks are skipped then. */
export async function reachableCatalog(clients: ProviderClients | undefined): Promise<KsqlCatalog | undefined> {
  if (!clients) return undefined;
  try {
    return await catalog(clients);
  } catch {
    return undefined;
  }
}

/**
 * The streams and tables of these names as ksqlDB describes them now (a name ksqlDB has not is
 * absent): from the catalog while this process holds a current one, else one DESCRIBE per name.
 * After a write (which drops the catalog) a lookup costs the same however many objects ksqlDB
 * holds: listing them all after each create made an apply quadratic in the server's size.
 */
export async function sourcesNamed(clients: ProviderClients, names: readonly string[]): Promise<Map<string, KsqlSourceDescription>> {
  const unique = [...new Set(names)];
  const held = await clients.held<KsqlCatalog>('ksql')?.catch(() => undefined);
  const found = held
    ? unique.map((n) => [n, held.sources.get(n)] as const)
    : await Promise.all(unique.map(async (n) => [n, await clients.ksqldb().source(n)] as const));
  return new Map(found.filter((f): f is readonly [string, KsqlSourceDescription] => f[1] !== undefined));
}

/** One stream or table by name (see sourcesNamed), or undefined when ksqlDB has none of that name. */
export async function sourceNamed(clients: ProviderClients, name: string): Promise<KsqlSourceDescription | undefined> {
  return (await sourcesNamed(clients, [name])).get(name);
}

/** sourcesNamed, or undefined when ksqlDB cannot be reached (plan-time checks are skipped then). */
export async function reachableSources(
  clients: ProviderClients | undefined,
  names: readonly string[],
): Promise<Map<string, KsqlSourceDescription> | undefined> {
  if (!clients) return undefined;
  try {
    return await sourcesNamed(clients, names);
  } catch {
    return undefined;
  }
}

/** The topic behind a stream or table, or null when ksqlDB has none of that name. */
export async function topicOf(clients: ProviderClients, name: string): Promise<string | null> {
  return (await sourceNamed(clients, name))?.topic ?? null;
}

/**
 * ksqlDB's refusal as a diagnostic on the statement (OpenTofu adds the resource address): ksqlDB's
 * message without a Java stack trace, what its error code means, and the statement it refused;
 * anything else (e.g. the provider was stopped) as it is.
 */
export function ksqlFailure(what: string, err: unknown, statement?: string): unknown {
  if (!(err instanceof KsqlError)) return err;
  const code = err.errorCode !== undefined ? ` (error ${err.errorCode})` : err.status && err.status !== 200 ? ` (HTTP ${err.status})` : '';
  const text = (statement ?? err.statementText ?? '').trim();
  // ksqlDB's KsqlStatementException ends its message with "Statement: ..." (the text as ksqlDB
  // rewrote it); the statement as sent follows instead.
  const said = text ? err.ksqlMessage.replace(/\n\s*Statement: [\s\S]*$/, '') : err.ksqlMessage;
  const detail = [`ksqlDB says${code}: ${said}`, ...(err.hint ? [`Hint: ${err.hint}.`] : []), ...(text ? [`Statement: ${text}`] : [])].join(
    '\n',
  );
  return new DiagnosticError(error(`ksqlDB refused to ${what}`, detail, ['statement']));
}

/**
 * Runs a command (the statement's text, or a statement node rendered by the formatter) and waits
 * until ksqlDB has executed it; resolves the id of the query it started, if any.
 */
export async function execute(
  clients: ProviderClients,
  statement: Statement | string,
  what: string,
  props: Record<string, string> = {},
): Promise<string | undefined> {
  const text = typeof statement === 'string' ? statement : formatStatement(statement);
  try {
    const { status } = await clients.ksqldb().command(text, props);
    return status?.queryId ?? undefined;
  } catch (err) {
    throw ksqlFailure(what, err, text);
  } finally {
    clients.invalidate('ksql');
  }
}

/** TERMINATE a persistent query; one that is already gone is fine. */
export async function terminate(clients: ProviderClients, queryId: string): Promise<void> {
  try {
    await clients.ksqldb().command(formatStatement(terminateStatement(queryId)));
  } catch (err) {
    if (!(err instanceof KsqlError && /Unknown queryId/i.test(err.ksqlMessage))) throw ksqlFailure(`terminate query ${queryId}`, err);
  } finally {
    clients.invalidate('ksql');
  }
}

/**
 * DROP the stream or table ksqlDB lists under `name` (nothing when it lists none), after
 * terminating the queries writing into it that this resource owns (`owned`, and the sink's own
 * CREATE ... AS SELECT query): DROP refuses otherwise. Other queries reading or writing it (not
 * managed by this resource) are not stopped: they are reported as blockers by name, with the fix.
 */
export async function dropSource(
  clients: ProviderClients,
  name: string,
  deleteTopic: boolean,
  owned: readonly string[] = [],
): Promise<void> {
  const src = await sourceNamed(clients, name);
  if (!src) return;
  const blockers = dropBlockers(src, owned, nounOf(src.type));
  if (blockers) throw new DiagnosticError(error(`Cannot drop ${name}: other queries use it`, blockers));
  for (const q of src.writeQueries) await terminate(clients, q.id);
  await execute(clients, dropStatement(src.type, name, deleteTopic), `drop ${name}`);
}

/**
 * EXPLAIN: ksqlDB validates the statement without running it. Resolves its refusal; undefined when
 * it accepts the statement or cannot be asked (apply will tell then).
 */
export async function explain(clients: ProviderClients, stmt: Statement): Promise<KsqlError | undefined> {
  try {
    await clients.ksqldb().execute(formatStatement(explainStatement(stmt)));
    return undefined;
  } catch (err) {
    return err instanceof KsqlError ? err : undefined;
  }
}
