/**
 * The lineage of a stack: where its data comes from and where it goes, as a graph built by walking
 * the stack's construct tree and following its typed references (a connector's topics, a stream's
 * topic, a query's sources and sink, a schema's topic). The ksqlDB parser is used only for what the
 * constructs do not record: how a query reads each source (FROM or JOIN), what it does, and the
 * sources of query text written without typed references.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { Connector } from '../../../constructs/connector';
import { DebeziumMySqlSource, DebeziumPostgresSource } from '../../../constructs/connectors/debezium';
import { ElasticsearchSink, MongoDbSink, SnowflakeSink } from '../../../constructs/connectors/external-sinks';
import { JdbcSink } from '../../../constructs/connectors/jdbc-sink';
import { KsqlInsertInto } from '../../../constructs/ksql/insert-into';
import { KsqlQuery } from '../../../constructs/ksql/query';
import { IKsqlSource } from '../../../constructs/ksql/source';
import { LocalMariaDb, LocalPostgres } from '../../../constructs/platform/local-database';
import { isKsqlSource } from '../../../constructs/private/ksql-source';
import { Schema } from '../../../constructs/schema';
import { ITopic } from '../../../constructs/topic';
import { KsqlSyntaxError, parseStatement, Query, queryOf, sinkOf, sourcesRead, Statement } from '../../core/ksql';

export type LineageKind =
  'database' | 'source-connector' | 'topic' | 'subject' | 'stream' | 'table' | 'query' | 'sink-connector' | 'external';

/** Every kind, in the order data flows through them (legends, summaries and node order use it). */
export const LINEAGE_KINDS: readonly LineageKind[] = [
  'database',
  'source-connector',
  'subject',
  'topic',
  'stream',
  'table',
  'query',
  'sink-connector',
  'external',
];

/** What people call each kind. */
export const KIND_NAMES: Readonly<Record<LineageKind, { one: string; many: string }>> = {
  database: { one: 'database', many: 'databases' },
  'source-connector': { one: 'source connector', many: 'source connectors' },
  subject: { one: 'schema subject', many: 'schema subjects' },
  topic: { one: 'topic', many: 'topics' },
  stream: { one: 'stream', many: 'streams' },
  table: { one: 'table', many: 'tables' },
  query: { one: 'query', many: 'queries' },
  'sink-connector': { one: 'sink connector', many: 'sink connectors' },
  external: { one: 'external system', many: 'external systems' },
};

interface LineageNode {
  /** `<kind>:<name>`, e.g. `topic:ratings`, `stream:RATINGS_LIVE`; stable across runs. */
  readonly id: string;
  readonly kind: LineageKind;
  readonly label: string;
  /** One line about the node: partitions, format, connector class, what a query does. */
  readonly detail: string;
  /** The ksqlDB statement of streams, tables and queries declared in the stack. */
  readonly statement?: string;
}

interface LineageEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
}

export interface LineageGraph {
  /** The stack's id, e.g. `ratings-dev`. */
  readonly stack: string;
  /** Ordered by kind (LINEAGE_KINDS), then by where they are declared in the stack. */
  readonly nodes: readonly LineageNode[];
  /** Ordered by the position of `from`, then of `to`, then by label. */
  readonly edges: readonly LineageEdge[];
}

/** A stack id that does not exist, or a stack that cannot be read. */
export class LineageError extends Error {}

// ---------------------------------------------------------------------------------------------
// Building the graph

class GraphBuilder {
  private readonly nodes = new Map<string, LineageNode>();
  private readonly edges = new Map<string, LineageEdge>();

  node(kind: LineageKind, name: string, label: string, detail: string, statement?: string): string {
    const id = `${kind}:${name}`;
    const known = this.nodes.get(id);
    // A node first met as a reference (no detail yet) takes the detail of its declaration.
    if (!known || (known.detail === '' && detail !== ''))
      this.nodes.set(id, { id, kind, label, detail, ...(statement ? { statement } : {}) });
    return id;
  }

  has(id: string): boolean {
    return this.nodes.has(id);
  }

  edge(from: string, to: string, label?: string): void {
    const key = `${from}\u0000${to}\u0000${label ?? ''}`;
    if (!this.edges.has(key)) this.edges.set(key, label === undefined ? { from, to } : { from, to, label });
  }

  build(stack: string): LineageGraph {
    const seen = [...this.nodes.values()];
    const nodes = seen
      .map((n, i) => ({ n, i }))
      .sort((a, b) => LINEAGE_KINDS.indexOf(a.n.kind) - LINEAGE_KINDS.indexOf(b.n.kind) || a.i - b.i)
      .map((x) => x.n);
    const pos = new Map(nodes.map((n, i) => [n.id, i]));
    for (const e of this.edges.values()) {
      if (!pos.has(e.from) || !pos.has(e.to)) throw new Error(`lineage: edge ${e.from} -> ${e.to} names a node that was never added`);
    }
    const edges = [...this.edges.values()].sort(
      (a, b) => pos.get(a.from)! - pos.get(b.from)! || pos.get(a.to)! - pos.get(b.to)! || (a.label ?? '').localeCompare(b.label ?? ''),
    );
    return { stack, nodes, edges };
  }
}

function isTopic(c: unknown): c is ITopic {
  const t = c as { topicName?: unknown; external?: unknown };
  return typeof c === 'object' && c !== null && typeof t.topicName === 'string' && typeof t.external === 'boolean' && !isKsqlSource(c);
}

/** Undoes `literal()`: connector settings as Connect receives them (`${env:NAME}` placeholders). */
function unescapeLiteral(text: string): string {
  return text.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
}

function connectorConfig(c: Connector): Record<string, string> {
  return Object.fromEntries(Object.entries(c.resource.configInput ?? {}).map(([k, v]) => [k, unescapeLiteral(String(v))]));
}

/** `io.debezium.connector.mariadb.MariaDbConnector` -> `MariaDbConnector`. */
function shortClass(cls: string): string {
  return cls.slice(cls.lastIndexOf('.') + 1);
}

type LocalDatabase = LocalMariaDb | LocalPostgres;

function engineOfLocal(db: LocalDatabase): string {
  return db instanceof LocalMariaDb ? 'MariaDB' : 'PostgreSQL';
}

const JDBC_ENGINES: Readonly<Record<string, string>> = {
  postgresql: 'PostgreSQL',
  mysql: 'MySQL',
  mariadb: 'MariaDB',
  sqlserver: 'SQL Server',
  oracle: 'Oracle',
  db2: 'Db2',
};

/** A relational database a connector reads or writes; one node per host and database. */
function databaseNode(
  g: GraphBuilder,
  locals: ReadonlyMap<string, LocalDatabase>,
  engine: string,
  host: string,
  port: string | undefined,
  database: string | undefined,
): string {
  const local = locals.get(host);
  const db = database || local?.database || '';
  const where = `${host}${port ? `:${port}` : ''}`;
  const detail = local ? `container ${host}` : `host ${where}`;
  return g.node('database', `${host}/${db}`, db ? `${local ? engineOfLocal(local) : engine} ${db}` : `${engine} ${host}`, detail);
}

/** A ksqlDB stream or table node for a source reference. */
function sourceNode(g: GraphBuilder, s: IKsqlSource, detail = s.external ? `${s.kind} outside this app` : ''): string {
  const kind = s.kind === 'TABLE' ? 'table' : 'stream';
  const statement = (s as { statement?: unknown }).statement;
  return g.node(kind, s.sourceName, s.sourceName, detail, typeof statement === 'string' ? statement : undefined);
}

/** `stream · 7 columns` for a stream or table declared over a topic. */
function declaredDetail(s: IKsqlSource): string {
  if (s.external) return `${s.kind} outside this app`;
  const cols = s.columns?.length;
  return `${s.kind.toLowerCase()}${cols ? ` · ${cols} columns` : ''}`;
}

function topicDetail(t: ITopic): string {
  if (t.external) return `external${t.partitions !== undefined ? ` · ${t.partitions} partitions` : ''}`;
  const parts = [
    t.partitions !== undefined ? `${t.partitions} partition${t.partitions === 1 ? '' : 's'}` : undefined,
    t.retentionMs !== undefined ? `kept ${retention(t.retentionMs)}` : undefined,
  ];
  return parts.filter((p) => p !== undefined).join(' · ');
}

function retention(ms: string): string {
  const n = Number(ms);
  if (n < 0) return 'forever';
  if (n % 86_400_000 === 0) return `${n / 86_400_000}d`;
  if (n % 3_600_000 === 0) return `${n / 3_600_000}h`;
  return `${ms} ms`;
}

function topicNode(g: GraphBuilder, t: ITopic): string {
  return g.node('topic', t.topicName, t.topicName, topicDetail(t));
}

function tryParse(statement: string): Statement | undefined {
  try {
    return parseStatement(statement);
  } catch (err) {
    if (err instanceof KsqlSyntaxError) return undefined;
    throw err;
  }
}

/** What a query does, in a few words: `LEFT JOIN · WHERE`, `TUMBLING 15 MINUTES · GROUP BY`. */
function querySummary(q: Query | undefined): string {
  if (!q) return '';
  const parts: string[] = [];
  for (const j of q.joins) parts.push(`${j.type === 'INNER' ? '' : `${j.type} `}JOIN`);
  if (q.where) parts.push('WHERE');
  if (q.window) parts.push(`${q.window.type} ${q.window.size.value} ${q.window.size.unit}`);
  if (q.groupBy) parts.push('GROUP BY');
  if (q.partitionBy) parts.push('PARTITION BY');
  return [...new Set(parts)].join(' · ') || 'SELECT';
}

/** How a query reads each source: `FROM`, `JOIN`, `LEFT JOIN`, ... by source name. */
function readsBy(q: Query | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!q) return out;
  out.set(q.from.name.toUpperCase(), 'FROM');
  for (const j of q.joins)
    if (!out.has(j.source.name.toUpperCase())) out.set(j.source.name.toUpperCase(), j.type === 'INNER' ? 'JOIN' : `${j.type} JOIN`);
  return out;
}

/** The lineage of one stack (or any construct subtree), from its construct tree. */
export function lineageOf(stack: IConstruct, stackId: string = stack.node.id): LineageGraph {
  const g = new GraphBuilder();
  const all = stack.node.findAll();
  const rel = (c: IConstruct) => (stack.node.path ? c.node.path.slice(stack.node.path.length + 1) : c.node.path);

  // Local database containers, by the host name connectors use for them.
  const locals = new Map<string, LocalDatabase>();
  for (const c of all) if (c instanceof LocalMariaDb || c instanceof LocalPostgres) locals.set(c.host, c);
  const sourcesByName = new Map<string, IKsqlSource>();
  for (const c of all) if (isKsqlSource(c)) sourcesByName.set(c.sourceName.toUpperCase(), c);
  const schemas: Schema[] = [];

  for (const c of all) {
    if (c instanceof LocalMariaDb || c instanceof LocalPostgres) {
      databaseNode(g, locals, engineOfLocal(c), c.host, String(c.port), c.database);
    } else if (c instanceof Connector) {
      addConnector(g, c, locals);
    } else if (c instanceof KsqlQuery || c instanceof KsqlInsertInto) {
      addQuery(g, c, rel(c), sourcesByName);
    } else if (isKsqlSource(c)) {
      const id = sourceNode(g, c, declaredDetail(c));
      if (c.topic) g.edge(topicNode(g, c.topic), id, 'feeds');
    } else if (c instanceof Schema) {
      schemas.push(c);
    } else if (isTopic(c)) {
      topicNode(g, c);
    }
  }

  // Subjects last, so that subjects named by the TopicNameStrategy find topics declared after them.
  for (const s of schemas) {
    const id = g.node('subject', s.subject, s.subject, `${s.format.type} · ${/-key$/.test(s.subject) ? 'key' : 'value'}`);
    const part = /-key$/.test(s.subject) ? 'key schema' : 'value schema';
    if (s.topic) {
      g.edge(id, topicNode(g, s.topic), part);
    } else {
      const m = /^(.+)-(value|key)$/.exec(s.subject);
      if (m && g.has(`topic:${m[1]}`)) g.edge(id, `topic:${m[1]}`, part);
    }
  }
  return g.build(stackId);
}

function addConnector(g: GraphBuilder, c: Connector, locals: ReadonlyMap<string, LocalDatabase>): void {
  const config = connectorConfig(c);
  const cls = c.connectorClass;
  const wrapper = c.node.scope;
  const isSink = c.writes.length === 0 && (c.reads.length > 0 || /sink/i.test(cls));
  if (!isSink) {
    const id = g.node('source-connector', c.connectorName, c.connectorName, shortClass(cls));
    for (const t of c.writes) g.edge(id, topicNode(g, t), 'writes');
    for (const t of c.reads) g.edge(topicNode(g, t), id, 'reads');
    const host = config['database.hostname'];
    if (host) {
      const engine =
        wrapper instanceof DebeziumPostgresSource || /postgres/i.test(cls) ? 'PostgreSQL' : /mariadb/i.test(cls) ? 'MariaDB' : 'MySQL';
      const database =
        wrapper instanceof DebeziumMySqlSource || !config['database.dbname'] ? config['database.include.list'] : config['database.dbname'];
      const db = databaseNode(g, locals, engine, host, config['database.port'], database);
      g.edge(db, id, /^io\.debezium\.connector\./.test(cls) ? 'CDC' : 'reads');
    }
    return;
  }
  const url = config['connection.url'] ?? '';
  const jdbc = wrapper instanceof JdbcSink || url.startsWith('jdbc:');
  const table = config['collection.name.format'] ?? config['table.name.format'];
  const detail = jdbc && table && table !== '${topic}' ? `${shortClass(cls)} → ${table}` : shortClass(cls);
  const id = g.node('sink-connector', c.connectorName, c.connectorName, detail);
  for (const t of c.reads) g.edge(topicNode(g, t), id, 'reads');
  if (jdbc) {
    const m = /^jdbc:([a-z0-9]+):\/\/(.+?)(?::(\d+))?\/([^?;]*)/.exec(url);
    if (m) g.edge(id, databaseNode(g, locals, JDBC_ENGINES[m[1]] ?? m[1], m[2], m[3], m[4]), config['insert.mode'] ?? 'writes');
  } else if (wrapper instanceof ElasticsearchSink || /elasticsearch/i.test(cls)) {
    g.edge(id, g.node('external', `elasticsearch:${url}`, 'Elasticsearch', url), 'indexes');
  } else if (wrapper instanceof MongoDbSink || /mongo/i.test(cls)) {
    const where = `${config.database ?? '?'}.${config.collection ?? '?'}`;
    g.edge(id, g.node('external', `mongodb:${where}`, `MongoDB ${where}`, 'MongoDB collection'), 'writes');
  } else if (wrapper instanceof SnowflakeSink || /snowflake/i.test(cls)) {
    const where = `${config['snowflake.database.name'] ?? '?'}.${config['snowflake.schema.name'] ?? '?'}`;
    g.edge(id, g.node('external', `snowflake:${where}`, `Snowflake ${where}`, config['snowflake.url.name'] ?? ''), 'loads');
  }
}

function addQuery(g: GraphBuilder, q: KsqlQuery | KsqlInsertInto, relPath: string, known: ReadonlyMap<string, IKsqlSource>): void {
  const parsed = tryParse(q.statement);
  const query = parsed ? queryOf(parsed) : undefined;
  const summary = querySummary(query);
  let sinkId: string;
  let queryId: string;
  if (q instanceof KsqlInsertInto) {
    const target = (parsed && sinkOf(parsed)) ?? q.target.sourceName;
    const kind = q.target.kind === 'TABLE' ? 'table' : 'stream';
    sinkId = `${kind}:${target}`;
    const targetSource = known.get(target.toUpperCase());
    if (targetSource) sinkId = sourceNode(g, targetSource);
    else g.node(kind, target, target, '');
    // a query box says what it produces
    queryId = g.node('query', `insert:${relPath}`, `INSERT INTO ${target.toUpperCase()}`, summary, q.statement);
    g.edge(queryId, sinkId, 'inserts');
  } else {
    const kind = q.kind === 'TABLE' ? 'table' : 'stream';
    const verb = q.kind === 'TABLE' ? 'CTAS' : 'CSAS';
    const cols = q.columns?.length;
    sinkId = g.node(kind, q.sourceName, q.sourceName, `${q.kind.toLowerCase()}${cols ? ` · ${cols} columns` : ''}`, q.statement);
    queryId = g.node('query', q.sourceName, `${verb} → ${q.sourceName}`, summary, q.statement);
    g.edge(queryId, sinkId, 'creates');
    if (q.topic) g.edge(sinkId, topicNode(g, q.topic), 'backed by');
  }

  // Typed references; the statement only when the query text was written without them.
  let sources: readonly IKsqlSource[] = q.sources;
  const unresolved: string[] = [];
  if (sources.length === 0 && parsed) {
    const found: IKsqlSource[] = [];
    for (const name of sourcesRead(parsed)) {
      const s = known.get(name.toUpperCase());
      if (s) found.push(s);
      else unresolved.push(name);
    }
    sources = found;
  }
  const how = readsBy(query);
  for (const s of sources) g.edge(sourceNode(g, s), queryId, how.get(s.sourceName.toUpperCase()) ?? 'reads');
  for (const name of unresolved)
    g.edge(g.node('stream', name, name, 'not declared in this app'), queryId, how.get(name.toUpperCase()) ?? 'reads');
}

// ---------------------------------------------------------------------------------------------
// Stacks of the app

/** The environment stacks are built with: fixed, so that the lineage does not depend on the shell. */
export function lineageEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    STREAMFORM_STATE_DIR: path.join(os.tmpdir(), 'streamform-lineage-state'),
    STREAMFORM_IMAGES: 'local',
    ...(env.STREAMFORM_DEV_NAME ? { STREAMFORM_DEV_NAME: env.STREAMFORM_DEV_NAME } : {}),
  };
}

/** Ids of the stacks of the app (`platform-dev`, `ratings-dev`, ...). */
function stackIds(app: App): string[] {
  return app.node.children.filter((c) => c instanceof TerraformStack).map((c) => c.node.id);
}

/**
 * The lineage of a stack of the app (`stacks/main.ts`), e.g. `ratings-dev`. The app is built in
 * memory (nothing is written outside a temporary directory, removed afterwards).
 */
export function lineageForStack(stackId: string, env: NodeJS.ProcessEnv = lineageEnv()): LineageGraph {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamform-lineage-'));
  try {
    // streamform's own stacks, loaded on use (an installed package has none; user projects build their app)
    const { buildApp } = require('../../../stacks/main') as typeof import('../../../stacks/main');
    const app = buildApp(new App({ outdir }), env);
    const stack = app.node.children.find((c) => c instanceof TerraformStack && c.node.id === stackId);
    if (!stack) {
      const ids = stackIds(app);
      const near = ids.find((id) => id.startsWith(`${stackId}-`));
      throw new LineageError(
        `unknown stack '${stackId}'; the stacks are ${ids.join(', ')}${near ? `; did you mean '${near}'?` : '; name one of them, e.g. ratings-dev'}`,
      );
    }
    return lineageOf(stack, stackId);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Count of nodes per kind, in LINEAGE_KINDS order, kinds without nodes left out. */
export function countsByKind(graph: LineageGraph): { kind: LineageKind; count: number }[] {
  return LINEAGE_KINDS.map((kind) => ({ kind, count: graph.nodes.filter((n) => n.kind === kind).length })).filter((c) => c.count > 0);
}

/**
 * The graph with each topic's message count (sum over partitions of end minus start offset) in its
 * detail, for the topics `counts` has.
 */
export function withMessageCounts(graph: LineageGraph, counts: ReadonlyMap<string, bigint>): LineageGraph {
  const nodes = graph.nodes.map((n) => {
    if (n.kind !== 'topic') return n;
    const count = counts.get(n.id.slice('topic:'.length));
    if (count === undefined) return n;
    const msgs = `${count.toLocaleString('en-US')} ${count === 1n ? 'message' : 'messages'}`;
    return { ...n, detail: n.detail ? `${n.detail} · ${msgs}` : msgs };
  });
  return { ...graph, nodes };
}
