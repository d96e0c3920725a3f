/**
 * Whole-app checks that look across constructs: Kafka topic names that collide in metric names,
 * topic configs against Kafka's own definitions, partitions and replicas against the environment,
 * ksqlDB objects created twice, and cycles between queries or schema references. Run once per
 * stack at synth (StreamformCluster's validation), so every problem of the app is reported in one
 * error. Constructs register what they write and read here (no import of the construct classes,
 * which import the cluster).
 */
import { TerraformStack, Token } from 'cdktf';
import { IConstruct } from 'constructs';
import { inRange, PARTITIONS, topicConfigProblem, topicMetricName } from '../../src/core/rules';
import { isKsqlSource } from './ksql-source';
import { issueLine } from './validator';

/** A query: the ksqlDB object it writes and, at synth, the ones it reads. */
interface Writer {
  readonly writes: string;
  readonly reads: () => readonly string[];
  /** 'CREATE ... AS SELECT' or 'INSERT INTO'. */
  readonly how: string;
}

const writers = new WeakMap<IConstruct, Writer>();
const subjects = new WeakMap<IConstruct, { subject: string; references: readonly string[] }>();

/** Records that `query` writes ksqlDB object `writes` from the objects `reads()` names. */
export function registerWriter(query: IConstruct, writes: string, how: string, reads: () => readonly string[]): void {
  writers.set(query, { writes, reads, how });
}

/** Records that the schema construct registers `subject`, referencing `references`. */
export function registerSubject(schema: IConstruct, subject: string, references: readonly string[]): void {
  subjects.set(schema, { subject, references });
}

interface TopicResource {
  readonly path: string;
  readonly name: unknown;
  readonly partitions: unknown;
  readonly replicationFactor: unknown;
  readonly config: Record<string, unknown>;
}

/** The streamform_topic resources of the stack, as synthesized (overrides included). */
function topicResources(stack: TerraformStack): TopicResource[] {
  const out: TopicResource[] = [];
  for (const c of stack.node.findAll()) {
    const r = c as unknown as { terraformResourceType?: string; toTerraform?: () => Record<string, unknown> };
    if (r.terraformResourceType !== 'streamform_topic' || typeof r.toTerraform !== 'function') continue;
    const body = r.toTerraform() as { resource?: Record<string, Record<string, Record<string, unknown>>> };
    const config = Object.values(body.resource?.streamform_topic ?? {})[0] ?? {};
    // Named after the Topic construct, not its inner resource.
    const path = c.node.scope && c.node.id === 'Resource' ? c.node.scope.node.path : c.node.path;
    out.push({
      path,
      name: config.name,
      partitions: config.partitions,
      replicationFactor: config.replication_factor,
      config: (config.config as Record<string, unknown> | undefined) ?? {},
    });
  }
  return out;
}

const known = (v: unknown): boolean => v !== undefined && v !== null && !(typeof v === 'string' && Token.isUnresolved(v));

/** Every whole-app problem of `stack`, one line each. */
export function appGraphProblems(stack: TerraformStack, brokers: number): string[] {
  const errors: string[] = [];
  const topics = topicResources(stack);

  // Kafka refuses a topic whose name differs from an existing one only by '.' vs '_' (both map
  // to one metric name): kafka.server.AutoTopicCreationManager / Topic.hasCollision.
  const byMetric = new Map<string, { name: unknown; path: string }>();
  // Topics declared outside the app exist already: an app topic colliding with one is refused too.
  for (const c of stack.node.findAll()) {
    const ext = c as unknown as { external?: unknown; topicName?: unknown; sourceName?: unknown };
    if (ext.external === true && typeof ext.topicName === 'string' && ext.sourceName === undefined && !Token.isUnresolved(ext.topicName)) {
      byMetric.set(topicMetricName(ext.topicName), { name: ext.topicName, path: c.node.path });
    }
  }
  for (const t of topics) {
    if (typeof t.name !== 'string' || Token.isUnresolved(t.name)) continue;
    const metric = topicMetricName(t.name);
    const other = byMetric.get(metric);
    if (other && other.name !== t.name) {
      errors.push(
        issueLine(
          t.path,
          'topicName',
          t.name,
          `collides with topic '${String(other.name)}' of ${other.path} in Kafka's metric names ('.' and '_' are the same there, so Kafka refuses the second)`,
          `rename one of them so they differ in more than '.' vs '_', e.g. '${t.name.replace(/[._]/g, '-')}'`,
        ),
      );
    } else if (!other) byMetric.set(metric, t);
  }

  for (const t of topics) {
    // Topic configs as the broker checks them (Kafka's LogConfig, generated for VERSIONS.kafka).
    for (const [name, value] of Object.entries(t.config)) {
      if (!known(value)) continue;
      const p = topicConfigProblem(name, String(value));
      if (p) errors.push(issueLine(t.path, `config['${name}']`, String(value), p.problem, p.fix));
    }
    // Partitions and replicas against the environment (also what overrides wrote).
    if (known(t.partitions) && !inRange(Number(t.partitions), PARTITIONS)) {
      errors.push(
        issueLine(t.path, 'partitions', t.partitions, `must be a whole number from ${PARTITIONS.min} to ${PARTITIONS.max}`, 'use e.g. 3'),
      );
    }
    if (known(t.replicationFactor)) {
      const rf = Number(t.replicationFactor);
      if (!Number.isInteger(rf) || rf < 1 || rf > brokers) {
        errors.push(
          issueLine(
            t.path,
            'replicationFactor',
            t.replicationFactor,
            `must be between 1 and the ${brokers} broker(s) of this environment`,
            `use at most ${brokers}, or leave it unset to get the environment's default`,
          ),
        );
      }
      const isr = t.config['min.insync.replicas'];
      if (known(isr) && Number.isInteger(rf) && /^[0-9]+$/.test(String(isr)) && Number(isr) > rf) {
        errors.push(
          issueLine(
            t.path,
            "config['min.insync.replicas']",
            String(isr),
            `exceeds the topic's replication factor ${rf}, so no write with acks=all can succeed`,
            `use at most ${rf}, or raise the replication factor (at most ${brokers} here)`,
          ),
        );
      }
    }
  }

  // What the app knows of partitions of things declared outside it.
  const all = stack.node.findAll();
  for (const c of all) {
    const ext = c as unknown as { external?: unknown; partitions?: unknown; topicName?: unknown; sourceName?: unknown };
    if (ext.external !== true || ext.partitions === undefined) continue;
    if (!inRange(Number(ext.partitions), PARTITIONS)) {
      errors.push(
        issueLine(
          c.node.path,
          'partitions',
          ext.partitions,
          `must be a whole number from ${PARTITIONS.min} to ${PARTITIONS.max} (it is the partition count of ${String(ext.topicName ?? ext.sourceName)} outside this app)`,
          'give its real partition count, or leave it unset if unknown',
        ),
      );
    }
  }

  // One ksqlDB object per name: two constructs creating stream X in one stack (ksqlDB refuses the
  // second CREATE, or, with CREATE OR REPLACE, the second silently replaces the first).
  const created = new Map<string, IConstruct>();
  for (const c of all) {
    if (!isKsqlSource(c) || c.external) continue;
    const other = created.get(c.sourceName);
    if (other) {
      errors.push(
        issueLine(
          c.node.path,
          'name',
          c.sourceName,
          `is a ksqlDB ${c.kind.toLowerCase()} name already created by ${other.node.path}`,
          `give one of them another name (name: '${c.sourceName}_2', or QuerySink.stream({ name: ... }) for a query)`,
        ),
      );
    } else created.set(c.sourceName, c);
  }

  errors.push(...ksqlCycles(all), ...subjectCycles(all));
  return errors;
}

/** Cycles between queries (a query reading, directly or not, what it writes), with their path. */
function ksqlCycles(all: readonly IConstruct[]): string[] {
  const edges = new Map<string, { to: string; via: IConstruct; how: string }[]>();
  for (const c of all) {
    const w = writers.get(c);
    if (!w) continue;
    for (const r of w.reads()) {
      const list = edges.get(w.writes) ?? [];
      list.push({ to: r, via: c, how: w.how });
      edges.set(w.writes, list);
    }
  }
  return findCycles(edges).map((cycle) => {
    const path = cycle
      .map((e) => e.from)
      .concat(cycle[0].from)
      .join(' <- ');
    const queries = cycle.map((e) => `${e.via.node.path} (${e.how} ${e.from} reads ${e.to})`).join(', ');
    return issueLine(
      cycle[0].via.node.path,
      'select',
      path,
      `is part of a cycle of queries: ${queries}; records would loop through them for ever`,
      'break the cycle: read the upstream source instead of a result derived from this query',
    );
  });
}

/** Cycles of schema references between subjects of the app. */
function subjectCycles(all: readonly IConstruct[]): string[] {
  const edges = new Map<string, { to: string; via: IConstruct; how: string }[]>();
  for (const c of all) {
    const s = subjects.get(c);
    if (!s) continue;
    edges.set(
      s.subject,
      s.references.map((to) => ({ to, via: c, how: 'references' })),
    );
  }
  return findCycles(edges).map((cycle) =>
    issueLine(
      cycle[0].via.node.path,
      'references',
      cycle
        .map((e) => e.from)
        .concat(cycle[0].from)
        .join(' -> '),
      'form a cycle of schema references; the registry cannot register any of them first',
      'move the shared type into its own subject that references nothing of the cycle',
    ),
  );
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly via: IConstruct;
  readonly how: string;
}

/**
 * Each elementary cycle reachable in `edges`, found once (iterative DFS with an explicit stack:
 * no recursion, so a long chain never overflows the call stack).
 */
function findCycles(edges: Map<string, { to: string; via: IConstruct; how: string }[]>): Edge[][] {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: Edge[][] = [];
  const seen = new Set<string>();
  for (const start of edges.keys()) {
    if (state.has(start)) continue;
    const stack: { node: string; next: number; edge?: Edge }[] = [{ node: start, next: 0 }];
    state.set(start, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const out = edges.get(top.node) ?? [];
      if (top.next >= out.length) {
        state.set(top.node, 'done');
        stack.pop();
        continue;
      }
      const e = out[top.next++];
      const edge: Edge = { from: top.node, to: e.to, via: e.via, how: e.how };
      const s = state.get(e.to);
      if (s === 'open') {
        const at = stack.findIndex((f) => f.node === e.to);
        const cycle = [...stack.slice(at + 1).map((f) => f.edge!), edge];
        const key = [...cycle.map((x) => x.from)].sort().join('|');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (s === undefined) {
        state.set(e.to, 'open');
        stack.push({ node: e.to, next: 0, edge });
      }
    }
  }
  return cycles;
}
