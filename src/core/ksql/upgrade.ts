/**
 * ksqlDB's query upgrade check (CREATE OR REPLACE of a persistent query), step by step: a query
 * is modelled as the chain of execution steps ksqlDB plans for it (source, filter, flat map,
 * select key, group by, aggregate, select, sink ...), and two chains are compared the way
 * ksqlDB's `ExecutionStep#validateUpgrade` does (QueryRegistryImpl calls it on the old plan with
 * the new one):
 *
 * - passive steps (StreamFilter, StreamSelect, TableFilter, TableSelect) may be added, removed or
 *   changed: the comparison skips them, swapping sides as ksqlDB does;
 * - enforcing steps must meet a step of the same class whose listed properties are equal
 *   (`mustMatch`): StreamSink/TableSink (topic, formats, timestamp column), StreamSelectKey and
 *   TableSelectKey (key expressions), StreamGroupBy (grouping expressions), StreamGroupByKey,
 *   StreamAggregate (columns not part of the aggregate, aggregate functions), StreamSource and
 *   TableSource (topic, formats, timestamp column);
 * - every other step (joins, StreamFlatMap, StreamWindowedAggregate, TableAggregate,
 *   TableGroupBy, TableSuppress, windowed sources) is refused: "Upgrades not yet supported for <step>".
 *
 * Both the provider (plan time) and the local ksqlDB engine (CREATE OR REPLACE) use this module,
 * so they cannot disagree. The messages are ksqlDB's.
 */
import type { Expr, FunctionCall, Query } from './ast';
import { formatExpression } from './format';
import { normalizeQuery } from './normalize';
import { backQuote } from './types';
import { walkExpr } from './walk';

/** What the step model needs to know of a source a query reads. */
export interface UpgradeSource {
  readonly kind: 'STREAM' | 'TABLE';
  /** A windowed source (WINDOW_TYPE, or the result of a windowed aggregation). */
  readonly windowed?: boolean;
  /** Key column names in order; undefined when not known. */
  readonly keyColumns?: readonly string[];
  /** The source's Kafka topic; undefined: compared by source name. */
  readonly topic?: string;
  /** The key and value formats as text; undefined when not known (not compared). */
  readonly formats?: string;
  /** The timestamp column; undefined when not known (not compared), '' for none. */
  readonly timestamp?: string;
}

/** What the step model needs to know of the sink of a query. */
export interface UpgradeSink {
  readonly kind: 'STREAM' | 'TABLE';
  readonly topic?: string;
  readonly formats?: string;
  readonly timestamp?: string;
}

export interface StepOptions {
  /** Sources by name. Unknown sources count as streams with unknown keys. */
  readonly source: (name: string) => UpgradeSource | undefined;
  /** Aggregate function names (upper case). */
  readonly aggregates: ReadonlySet<string>;
  /** Table function names (upper case). */
  readonly tableFunctions: ReadonlySet<string>;
}

type Role = 'passive' | 'enforcing' | 'source' | 'unsupported';

/** One execution step of ksqlDB's physical plan, as far as upgrades care. */
export interface UpgradeStep {
  /** ksqlDB's step class (simple name), e.g. StreamAggregate. */
  readonly type: string;
  readonly role: Role;
  /**
   * Whether the step class answers `type()` (StreamSink, StreamSource, TableSource and passive
   * steps); asked of any other step, ksqlDB throws "Upgrades not yet supported for <step>".
   */
  readonly typed: boolean;
  /** The properties `mustMatch` compares after the class, in ksqlDB's order; undefined values are not compared. */
  readonly properties: readonly (readonly [string, string | undefined])[];
  readonly sources: readonly UpgradeStep[];
}

/** ksqlDB's refusal of an upgrade: the step whose rule refuses, and ksqlDB's message. */
export interface StepRefusal {
  readonly step: string;
  readonly message: string;
}

const passive = (type: string, source: UpgradeStep): UpgradeStep => ({
  type,
  role: 'passive',
  typed: true,
  properties: [],
  sources: [source],
});
const unsupported = (type: string, sources: readonly UpgradeStep[]): UpgradeStep => ({
  type,
  role: 'unsupported',
  typed: false,
  properties: [],
  sources,
});
const enforcing = (type: string, properties: UpgradeStep['properties'], source: UpgradeStep, typed = false): UpgradeStep => ({
  type,
  role: 'enforcing',
  typed,
  properties,
  sources: [source],
});

const list = (items: readonly string[]): string => `[${items.join(', ')}]`;

function sourceStep(name: string, options: StepOptions): { step: UpgradeStep; info: UpgradeSource } {
  const info = options.source(name) ?? { kind: 'STREAM' };
  const table = info.kind === 'TABLE';
  if (info.windowed) return { step: unsupported(table ? 'WindowedTableSource' : 'WindowedStreamSource', []), info };
  const step: UpgradeStep = {
    type: table ? 'TableSource' : 'StreamSource',
    role: 'source',
    typed: true,
    properties: [
      ['topicName', info.topic ?? name],
      ['formats', info.formats],
      ['timestampColumn', info.timestamp],
    ],
    sources: [],
  };
  return { step, info };
}

/** `e` is exactly the key columns of the (single) source, in order. */
function isSourceKey(exprs: readonly Expr[], info: UpgradeSource): boolean {
  const keys = info.keyColumns;
  if (!keys || keys.length !== exprs.length) return false;
  return exprs.every((e, i) => e.kind === 'column' && e.name === keys[i]);
}

/** The execution steps ksqlDB plans for a persistent query writing into `sink`. */
export function upgradeSteps(query: Query, sink: UpgradeSink, options: StepOptions): UpgradeStep {
  const q = normalizeQuery(query);
  const exprText = (e: Expr): string => formatExpression(e);
  const first = sourceStep(q.from.name, options);
  let step = first.step;
  let kind: 'STREAM' | 'TABLE' = first.info.kind;
  for (const j of q.joins) {
    const right = sourceStep(j.source.name, options);
    const rightKind = right.info.kind;
    const type =
      kind === 'STREAM' && rightKind === 'STREAM'
        ? 'StreamStreamJoin'
        : kind === 'STREAM'
          ? 'StreamTableJoin'
          : rightKind === 'TABLE'
            ? 'TableTableJoin'
            : 'StreamTableJoin';
    step = unsupported(type, [step, right.step]);
    kind = kind === 'TABLE' && rightKind === 'TABLE' ? 'TABLE' : 'STREAM';
  }
  const single = q.joins.length === 0;
  if (q.where) step = passive(kind === 'STREAM' ? 'StreamFilter' : 'TableFilter', step);
  const calls: FunctionCall[] = [];
  for (const item of q.select) {
    if (item.kind === 'expression') walkExpr(item.expression, (x) => x.kind === 'call' && calls.push(x));
  }
  if (calls.some((c) => options.tableFunctions.has(c.name.toUpperCase()))) step = unsupported('StreamFlatMap', [step]);
  if (q.partitionBy && !(single && isSourceKey(q.partitionBy, first.info))) {
    const keys = list(q.partitionBy.map(exprText));
    step =
      kind === 'STREAM'
        ? enforcing('StreamSelectKey', [['keyExpressions', keys]], step)
        : enforcing('TableSelectKey', [['keyExpressions', keys]], step);
  }
  if (q.groupBy) {
    // the projection of the columns the aggregation needs
    step = passive(kind === 'STREAM' ? 'StreamSelect' : 'TableSelect', step);
    if (kind === 'TABLE') {
      step = unsupported('TableAggregate', [unsupported('TableGroupBy', [step])]);
    } else {
      step =
        single && !q.partitionBy && isSourceKey(q.groupBy, first.info)
          ? enforcing('StreamGroupByKey', [], step)
          : enforcing('StreamGroupBy', [['group by clause', list(q.groupBy.map(exprText))]], step);
      if (q.window) step = unsupported('StreamWindowedAggregate', [step]);
      else {
        const { required, aggregates } = aggregateAnalysis(q, options.aggregates);
        step = enforcing(
          'StreamAggregate',
          [
            ['columns not part of aggregate', list(required.map(backQuote))],
            ['aggregate functions', list(aggregates)],
          ],
          step,
        );
      }
    }
    kind = 'TABLE';
    if (q.having) step = passive('TableFilter', step);
    if (q.emit === 'FINAL') step = unsupported('TableSuppress', [step]);
  }
  step = passive(kind === 'STREAM' ? 'StreamSelect' : 'TableSelect', step);
  const sinkType = sink.kind === 'STREAM' ? 'StreamSink' : 'TableSink';
  return enforcing(
    sinkType,
    [
      ['formats', sink.formats],
      ['topicName', sink.topic],
      ['timestampColumn', sink.timestamp],
    ],
    step,
    sinkType === 'StreamSink',
  );
}

/**
 * ksqlDB's AggregateAnalyzer: the columns the aggregation reads (SELECT, WHERE, GROUP BY, HAVING,
 * in that order, each once; an aggregate without arguments reads ROWTIME) and the aggregate calls.
 */
function aggregateAnalysis(q: Query, aggregateNames: ReadonlySet<string>): { required: string[]; aggregates: string[] } {
  const required: string[] = [];
  const aggregates: string[] = [];
  const visit = (e: Expr): void =>
    walkExpr(e, (x) => {
      if (x.kind === 'column' && !required.includes(x.name)) required.push(x.name);
      if (x.kind === 'call' && aggregateNames.has(x.name.toUpperCase())) {
        const call: FunctionCall = x.args.length === 0 ? { ...x, star: false, args: [{ kind: 'column', loc: x.loc, name: 'ROWTIME' }] } : x;
        if (x.args.length === 0 && !required.includes('ROWTIME')) required.push('ROWTIME');
        const text = formatExpression(call);
        if (!aggregates.includes(text)) aggregates.push(text);
      }
    });
  for (const item of q.select) if (item.kind === 'expression') visit(item.expression);
  if (q.where) visit(q.where);
  for (const g of q.groupBy ?? []) visit(g);
  if (q.having) visit(q.having);
  return { required, aggregates };
}

class Refused extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(message);
  }
}

const className = (type: string): string => `class io.confluent.ksql.execution.plan.${type}`;

function mustMatch(a: UpgradeStep, b: UpgradeStep): void {
  if (a.type !== b.type) {
    throw new Refused(
      a.type,
      `Query is not upgradeable. Plan step of type ${a.type} must have matching class. Values differ: ${className(a.type)} vs. ${className(b.type)}`,
    );
  }
  a.properties.forEach(([name, x], i) => {
    const y = b.properties[i]?.[1];
    if (x === undefined || y === undefined || x === y) return;
    throw new Refused(
      a.type,
      `Query is not upgradeable. Plan step of type ${a.type} must have matching ${name}. Values differ: ${x} vs. ${y}`,
    );
  });
}

const notSupported = (s: UpgradeStep): Refused => new Refused(s.type, `Upgrades not yet supported for ${s.type}`);

/** `from.validateUpgrade(to)`. */
function validate(from: UpgradeStep, to: UpgradeStep): void {
  switch (from.role) {
    case 'unsupported':
      throw notSupported(from);
    case 'passive':
      // ExecutionStep#validateUpgrade: a passive step hands over to the other side
      return validate(to, from.sources[0]);
    case 'enforcing':
      mustMatch(from, to);
      return validate(from.sources[0], to.sources[0]);
    case 'source': {
      // StreamSource/TableSource#validateUpgrade: skip passive steps down to the same source class
      // (ksqlDB looks at the first step only, and loops on a second passive one; this walks the chain)
      let s = to;
      while (s.type !== from.type) {
        if (s.sources.length === 0) {
          throw new Refused(
            from.type,
            `Query is not upgradeable. The root source node of the upgrade tree must be ${from.type}, but was ${className(s.type)}`,
          );
        }
        if (s.sources.length > 1)
          throw new Refused(from.type, 'Query is not upgradeable. Cannot change a non-join source into a join source.');
        if (!s.typed) throw notSupported(s);
        if (s.role !== 'passive') {
          throw new Refused(
            from.type,
            `Query is not upgradeable. Cannot add a ${className(s.type)} step that is not in the original query plan.`,
          );
        }
        s = s.sources[0];
      }
      return mustMatch(from, s);
    }
  }
}

/** ksqlDB's verdict on replacing the plan `from` with `to`: undefined when the upgrade is allowed. */
export function compareUpgradeSteps(from: UpgradeStep, to: UpgradeStep): StepRefusal | undefined {
  try {
    validate(from, to);
    return undefined;
  } catch (e) {
    if (e instanceof Refused) return { step: e.step, message: e.message };
    throw e;
  }
}

/** The step types of a plan, sink first (for messages and tests). */
export function stepTypes(step: UpgradeStep): string[] {
  const out = [step.type];
  for (const s of step.sources) out.push(...stepTypes(s));
  return out;
}
