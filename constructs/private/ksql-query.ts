/** What KsqlQuery and KsqlInsertInto share: the statement's parse and the whole-app checks of its SELECT. */
import { IConstruct } from 'constructs';
import {
  joins,
  KsqlSyntaxError,
  outputColumns,
  parseStatement,
  propertyProblems,
  queryProblems,
  sourcesRead,
  Statement,
} from '../../src/core/ksql';
import type { KsqlText } from '../ksql/query';
import type { IKsqlSource } from '../ksql/source';
import { ksqlSourcesByName } from './ksql-source';
import { Validator } from './validator';

/** The SELECT as written, without a trailing `;`. */
export function selectText(select: KsqlText): string {
  return select.text.replace(/;\s*$/, '');
}

/** Parses the statement built around `select`; a syntax error is recorded against `select`. */
export function parseChecked(v: Validator, statement: string, select: KsqlText): Statement | undefined {
  try {
    return parseStatement(statement);
  } catch (err) {
    if (!(err instanceof KsqlSyntaxError)) throw err;
    v.add('select', select.text, `does not parse: ${err.message}`, 'fix the ksqlDB syntax at that position');
    return undefined;
  }
}

/**
 * The columns of the sources of the app of `scope`, by source name (for the analyzers). The app's
 * sources are listed once per resolver, on its first lookup (not once per column lookup).
 */
export function columnsResolver(scope: IConstruct) {
  let sources: ReadonlyMap<string, IKsqlSource> | undefined;
  return (name: string) => {
    const s = (sources ??= ksqlSourcesByName(scope)).get(name);
    return s?.columns?.map((c) => ({ name: c.name, type: c.type, key: c.key }));
  };
}

/**
 * Checks of a query's SELECT that need the whole app: every source it reads is declared, join
 * inputs are co-partitioned and join keys have one type. Messages name the construct path, the
 * value and the fix.
 */
export function appProblems(query: IConstruct, parsed: Statement | undefined): string[] {
  if (!parsed) return [];
  const errors: string[] = [];
  const path = query.node.path;
  const known = ksqlSourcesByName(query);
  for (const name of sourcesRead(parsed)) {
    if (!known.has(name)) {
      errors.push(
        `${path}: select reads ${name}, got a name no stream or table of the app has; declare it (KsqlStream/KsqlTable/KsqlQuery) or, if it exists outside this app, KsqlStream.fromName(this, '${name}', '${name}')`,
      );
    }
  }
  // ksqlDB's column and key rules (the local engine applies the same, src/core/ksql/keys.ts)
  for (const problem of queryProblems(parsed, columnsResolver(query))) {
    errors.push(`${path}: ksqlDB refuses the query, got: ${problem.replace(/\n/g, ' ')}`);
  }
  for (const j of joins(parsed, columnsResolver(query))) {
    const left = known.get(j.left[0].name);
    const right = known.get(j.right.name);
    if (left?.partitions !== undefined && right?.partitions !== undefined && left.partitions !== right.partitions) {
      errors.push(
        `${path}: join inputs ${left.sourceName} (${left.partitions} partitions) and ${right.sourceName} (${right.partitions} partitions) are not co-partitioned, got ${left.partitions} vs ${right.partitions}; give both topics the same partition count, or repartition one side first (PARTITION BY into a topic with ${right.partitions} partitions)`,
      );
    }
    const keys = j.keys;
    if (keys?.left.column && keys.right.column && keys.left.source && keys.right.source) {
      const lt = known.get(keys.left.source)?.columns?.find((c) => c.name === keys.left.column)?.type;
      const rt = known.get(keys.right.source)?.columns?.find((c) => c.name === keys.right.column)?.type;
      if (lt && rt && lt !== 'unknown' && rt !== 'unknown' && lt !== rt) {
        errors.push(
          `${path}: join keys ${keys.left.source}.${keys.left.column} and ${keys.right.source}.${keys.right.column} have different types, got ${lt} vs ${rt}; CAST one side so both keys have the same type`,
        );
      }
    }
  }
  return errors;
}

/** Properties every persistent query gets unless it sets them (see KsqlQueryProps.properties). */
export const QUERY_DEFAULTS: Readonly<Record<string, string>> = { 'auto.offset.reset': 'earliest' };

/**
 * The query's properties, checked against the names ksqlDB knows (it refuses the whole statement
 * for one it does not: HTTP 500 at apply); an unknown name is recorded with the closest known one.
 */
export function checkQueryProperties(v: Validator, properties: Readonly<Record<string, string>> | undefined): void {
  for (const p of propertyProblems(properties ?? {})) {
    v.add(`properties['${p.name}']`, p.name, `is not a property ksqlDB knows (it would refuse the query: ${p.message})`, p.fix);
  }
}

/** Base of a ksqlDB type text: `DECIMAL(10, 2)` -> DECIMAL. */
function typeBase(t: string): string {
  return t
    .replace(/\s+/g, '')
    .replace(/[(<].*$/, '')
    .toUpperCase();
}

/**
 * Implicit widening ksqlDB applies when writing a result column into a sink column
 * (Column.canImplicitlyCast: INT -> BIGINT/DECIMAL/DOUBLE, BIGINT -> DECIMAL/DOUBLE, DECIMAL -> DOUBLE);
 * other types must be equal. Unknown types pass.
 */
function castsTo(from: string, to: string): boolean {
  const norm = (t: string) => t.replace(/\s+/g, '').toUpperCase();
  if (/unknown/i.test(from) || /unknown/i.test(to) || norm(from) === norm(to)) return true;
  const [f, t] = [typeBase(from), typeBase(to)];
  if (f === 'INTEGER' || f === 'INT') return ['BIGINT', 'DECIMAL', 'DOUBLE'].includes(t);
  if (f === 'BIGINT') return ['DECIMAL', 'DOUBLE'].includes(t);
  if (f === 'DECIMAL') return t === 'DOUBLE' || t === 'DECIMAL';
  return false;
}

/**
 * INSERT INTO: the SELECT's columns against the target stream's, position by position, as
 * ksqlDB's EngineExecutor#validateExistingSink (LogicalSchema#compatibleSchema) checks them: same
 * count, same names, key columns where the target has keys, types equal or implicitly widened.
 */
export function insertColumnProblems(query: IConstruct, parsed: Statement | undefined, target: IKsqlSource): string[] {
  if (!parsed || !target.columns) return [];
  let result;
  try {
    result = outputColumns(parsed, columnsResolver(query));
  } catch {
    return [];
  }
  if (result.some((c) => c.name === '*')) return [];
  const sink = [...target.columns.filter((c) => c.key), ...target.columns.filter((c) => !c.key)];
  const render = (cols: readonly { name: string; type: string; key: boolean }[]) =>
    cols.map((c) => `${c.name}${c.key ? ' KEY' : ''} ${c.type}`).join(', ');
  const differences: string[] = [];
  if (result.length !== sink.length) differences.push(`${result.length} columns vs ${sink.length}`);
  for (let i = 0; i < Math.max(result.length, sink.length); i++) {
    const r = result[i];
    const s = sink[i];
    if (!r) differences.push(`target column ${s.name} is not produced`);
    else if (!s) differences.push(`column ${r.name} has no target column`);
    else if (r.name !== s.name) differences.push(`column ${i + 1} is ${r.name} but the target's is ${s.name}`);
    else if (r.key !== s.key)
      differences.push(`${r.name} is ${r.key ? 'a key' : 'a value'} column but the target's is ${s.key ? 'a key' : 'a value'} column`);
    else if (!castsTo(r.type, s.type)) differences.push(`${r.name} is ${r.type} but the target's is ${s.type}`);
  }
  if (differences.length === 0) return [];
  return [
    `${query.node.path}: select produces columns that do not match target ${target.sourceName} (ksqlDB: Incompatible schema between results and sink), got ${render(result)} vs ${render(sink)} (${differences.join('; ')}); select exactly the target's columns in its order (key columns first), with AS to rename and CAST to convert`,
  ];
}
