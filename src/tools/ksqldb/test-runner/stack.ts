/**
 * The ksqlDB side of a pipeline stack as it synthesizes: the statements of its
 * `streamform_ksql_stream`, `_table` and `_query` resources in dependency order, the schemas of
 * its `streamform_schema` resources, and its topics with their partition counts. Connectors and
 * databases are outside ksqlDB: their topics are fed directly.
 */
import { TerraformResource, TerraformStack, Testing } from 'cdktf';
import { KsqlSyntaxError, parseStatement, sinkOf, sourcesRead } from '../../../core/ksql';

export interface StackKsql {
  /** Every ksqlDB statement of the stack, each after the statements creating what it reads or writes into. */
  readonly statements: readonly string[];
  /** The schemas the stack registers, by subject. */
  readonly schemas: readonly { readonly subject: string; readonly schema: string; readonly schemaType: string }[];
  /** The stack's topics and their partitions. */
  readonly topics: ReadonlyMap<string, number>;
}

const KSQL_RESOURCES = new Set(['streamform_ksql_stream', 'streamform_ksql_table', 'streamform_ksql_query']);

type ResourceJson = Record<string, unknown>;
interface StackJson {
  readonly resource?: Record<string, Record<string, ResourceJson>>;
}

/** Synthesizes the stack (validations included) and reads its ksqlDB statements, schemas and topics. */
export function stackKsql(stack: TerraformStack): StackKsql {
  const json = JSON.parse(Testing.synth(stack, true)) as StackJson;
  const resources = json.resource ?? {};
  // Statements as synthesized, in the order their constructs were created (the JSON sorts by id).
  const created = stack.node
    .findAll()
    .filter((c): c is TerraformResource => c instanceof TerraformResource && KSQL_RESOURCES.has(c.terraformResourceType))
    .map((r) => `${r.terraformResourceType}.${r.friendlyUniqueId}`);
  const synthesized = Object.entries(resources)
    .filter(([type]) => KSQL_RESOURCES.has(type))
    .flatMap(([type, byId]) => Object.entries(byId).map(([id, r]) => ({ address: `${type}.${id}`, statement: r.statement })));
  const rank = (address: string): number => {
    const i = created.indexOf(address);
    return i < 0 ? created.length : i;
  };
  synthesized.sort((a, b) => rank(a.address) - rank(b.address) || a.address.localeCompare(b.address));
  const statements = synthesized.map((s) => {
    if (typeof s.statement !== 'string') throw new Error(`${s.address} has no statement in the synthesized stack`);
    return s.statement;
  });
  const schemas = Object.values(resources.streamform_schema ?? {}).map((r) => ({
    subject: String(r.subject),
    schema: String(r.schema),
    schemaType: typeof r.schema_type === 'string' ? r.schema_type : 'AVRO',
  }));
  const topics = new Map(Object.values(resources.streamform_topic ?? {}).map((r) => [String(r.name), Number(r.partitions ?? 1)]));
  return { statements: dependencyOrder(statements), schemas, topics };
}

/**
 * Statements ordered so that each comes after the statements creating the streams and tables it
 * reads or inserts into; otherwise in the order given. Sources no statement creates are taken as
 * existing. A cycle is an error.
 */
export function dependencyOrder(statements: readonly string[]): string[] {
  const info = statements.map((text) => {
    let parsed;
    try {
      parsed = parseStatement(text);
    } catch (e) {
      if (e instanceof KsqlSyntaxError) return { text, creates: undefined, needs: [] as string[] };
      throw e;
    }
    const sink = sinkOf(parsed);
    const isCreate = parsed.kind !== 'insertInto' && parsed.kind !== 'insertValues';
    return {
      text,
      creates: isCreate ? sink : undefined,
      needs: [...sourcesRead(parsed), ...(!isCreate && sink ? [sink] : [])],
    };
  });
  const creators = new Map<string, number>();
  info.forEach((s, i) => {
    if (s.creates !== undefined && !creators.has(s.creates)) creators.set(s.creates, i);
  });
  const deps = info.map((s, i) => s.needs.map((n) => creators.get(n)).filter((j): j is number => j !== undefined && j !== i));
  const placed = new Set<number>();
  const out: string[] = [];
  while (out.length < info.length) {
    const next = info.findIndex((_s, i) => !placed.has(i) && deps[i].every((j) => placed.has(j)));
    if (next < 0) {
      const stuck = info.filter((_s, i) => !placed.has(i)).map((s) => s.creates ?? s.text.slice(0, 60));
      throw new Error(`the ksqlDB statements depend on each other in a cycle: ${stuck.join(', ')}`);
    }
    placed.add(next);
    out.push(info[next].text);
  }
  return out;
}
