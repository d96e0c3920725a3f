/**
 * Kafka-aware review of a real OpenTofu plan: what is created, changed, replaced or destroyed per
 * resource kind, with what it means for the data (a replaced topic loses its messages, more
 * partitions remap keys, a replaced query reprocesses its input and takes its readers along, a
 * changed connector restarts), and which changes the environment forbids.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readsFrom } from '../../provider/resources/ksql/queries';
import { run } from '../toolchain/run';
import { stackProviders, withSharedProvider } from '../toolchain/shared-provider';
import { configChanges, schemaChanges, SchemaChanges, statementLines, unifiedDiff } from './plan-diff';

export type Action = 'create' | 'update' | 'replace' | 'delete' | 'no-op' | 'read';
export type Level = 'info' | 'warning' | 'danger';

interface Verdict {
  readonly level: Level;
  readonly text: string;
}

interface ChangeReview {
  readonly address: string;
  readonly type: string;
  /** topic, schema, connector, ksql stream, ... */
  readonly kind: string;
  /** The object's name (topic, subject, connector, ksqlDB name); for a replace or delete, the one that goes. */
  readonly name: string;
  /** A replacement under another name: the name it gets (`name` is the old one, whose data is lost). */
  readonly newName?: string;
  readonly action: Action;
  readonly verdicts: readonly Verdict[];
  /** The environment refuses this change (protected data). */
  readonly forbidden: boolean;
  /** ksqlDB statement: unified diff of the canonical statements (`-`, `+`, ` ` lines). */
  readonly sqlDiff?: readonly string[];
  /** Schema: fields added, removed and changed. */
  readonly schemaDiff?: SchemaChanges;
  /** Topic or connector configuration: `key: old → new`, secrets masked. */
  readonly configDiff?: readonly string[];
}

/** What the plan does, counted as OpenTofu does, plus the changes that lose data. */
interface Totals {
  readonly create: number;
  readonly update: number;
  readonly replace: number;
  readonly delete: number;
  /** Replaces and deletes whose verdict is data loss (🛑). */
  readonly dataLoss: number;
}

export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail: string;
  readonly address?: string;
}

interface PlanRun {
  /** False when OpenTofu could not make a plan (its diagnostics say why). */
  readonly ok: boolean;
  readonly diagnostics: readonly Diagnostic[];
  /** `tofu show -json` of the saved plan, when there is one. */
  readonly plan?: PlanJson;
  /** `tofu show` of the saved plan, as a person reads it (sensitive values masked by OpenTofu). */
  readonly text?: string;
}

export interface PlanJson {
  readonly resource_changes?: readonly ResourceChange[];
  readonly resource_drift?: readonly ResourceChange[];
  readonly configuration?: { readonly root_module?: { readonly resources?: readonly { address: string; depends_on?: string[] }[] } };
}

interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly mode: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly before: Record<string, unknown> | null;
    readonly after: Record<string, unknown> | null;
    readonly after_unknown?: Record<string, unknown>;
    readonly replace_paths?: readonly (readonly (string | number)[])[];
  };
  readonly action_reason?: string;
}

export interface Review {
  readonly stack: string;
  readonly env: string;
  readonly ok: boolean;
  readonly changes: readonly ChangeReview[];
  readonly diagnostics: readonly Diagnostic[];
  /**
   * Resources changed outside OpenTofu since the last apply, with the attributes that changed;
   * attributes that only moved between empty forms (null, [], {}, "") are not drift.
   */
  readonly drift: readonly string[];
  readonly totals: Totals;
  /** OpenTofu's own rendering of the plan. */
  readonly planText?: string;
  /** Endpoints that did not answer before planning (the plan ran anyway: --allow-unreachable). */
  readonly unreachable?: readonly string[];
  /**
   * The release record this apply would write (terraform_data.streamform_release: fingerprint,
   * commit, clean tree, tests), and the one it replaces; not counted as a change of the pipeline.
   */
  readonly release?: { readonly before?: Record<string, unknown>; readonly after?: Record<string, unknown> };
  /** Summary counts per kind and action. */
  readonly summary: Readonly<Record<string, Readonly<Partial<Record<Action, number>>>>>;
  readonly forbidden: readonly ChangeReview[];
}

export interface Policy {
  /** Destroying or replacing data-holding objects is refused (prod). */
  readonly protect: boolean;
  /** Let the review pass anyway (an explicit, reviewed decision). */
  readonly allowDestructive: boolean;
}

/** The OpenTofu binary of `env`, after initializing the synthesized stack folder if it never was. */
export async function initializedTofu(stackDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const bin = env.TERRAFORM_BINARY_NAME ?? 'tofu';
  if (!fs.existsSync(path.join(stackDir, '.terraform'))) await run(bin, ['init', '-input=false', '-no-color'], { cwd: stackDir, env });
  return bin;
}

/** Where runPlan keeps OpenTofu's plan in the stack folder. */
export const PLAN_FILE = 'streamform.tfplan';

/** Runs `tofu plan` in a synthesized stack folder and reads the saved plan. */
export async function runPlan(stackDir: string, env: NodeJS.ProcessEnv, extraArgs: readonly string[] = []): Promise<PlanRun> {
  const bin = await initializedTofu(stackDir, env);
  // plan, show -json and show start the provider three times or more: one shared process serves them all
  return withSharedProvider(stackProviders(stackDir), env, (reattach) => planAndShow(bin, stackDir, { ...env, ...reattach }, extraArgs));
}

async function planAndShow(bin: string, stackDir: string, env: NodeJS.ProcessEnv, extraArgs: readonly string[]): Promise<PlanRun> {
  const planFile = path.join(stackDir, PLAN_FILE);
  fs.rmSync(planFile, { force: true });
  let lines = '';
  let ok = true;
  try {
    lines = await run(bin, ['plan', '-input=false', '-json', `-out=${planFile}`, ...extraArgs], { cwd: stackDir, env });
  } catch (err) {
    ok = false;
    lines = (err as { output?: string }).output ?? String(err);
  }
  const diagnostics: Diagnostic[] = [];
  for (const line of lines.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as {
        type?: string;
        diagnostic?: { severity: string; summary: string; detail?: string; address?: string };
      };
      if (entry.type === 'diagnostic' && entry.diagnostic) {
        diagnostics.push({
          severity: entry.diagnostic.severity === 'error' ? 'error' : 'warning',
          summary: entry.diagnostic.summary,
          detail: entry.diagnostic.detail ?? '',
          address: entry.diagnostic.address,
        });
      }
    } catch {
      // not a JSON log line
    }
  }
  if (!ok || !fs.existsSync(planFile)) return { ok: false, diagnostics };
  const plan = JSON.parse(await run(bin, ['show', '-json', planFile], { cwd: stackDir, env })) as PlanJson;
  const text = await run(bin, ['show', '-no-color', planFile], { cwd: stackDir, env });
  return { ok: true, diagnostics, plan, text };
}

/** The release record of a pipeline stack (stacks/fingerprint.ts). */
const RELEASE_ADDRESS = 'terraform_data.streamform_release';

const KINDS: Readonly<Record<string, string>> = {
  streamform_topic: 'topic',
  streamform_schema: 'schema',
  streamform_connector: 'connector',
  streamform_ksql_stream: 'ksql stream',
  streamform_ksql_table: 'ksql table',
  streamform_ksql_query: 'ksql query',
};

/** Kinds whose destruction loses data (or its structure), refused where the environment protects data. */
const DATA_HOLDING = new Set(['topic', 'schema', 'ksql stream', 'ksql table', 'ksql query']);

function actionOf(actions: readonly string[]): Action {
  if (actions.includes('delete') && actions.includes('create')) return 'replace';
  if (actions.length === 1) {
    const a = actions[0];
    if (a === 'create' || a === 'update' || a === 'delete' || a === 'read') return a;
  }
  return 'no-op';
}

function nameOf(type: string, values: Record<string, unknown> | null): string {
  if (!values) return '';
  const v = type === 'streamform_schema' ? values.subject : (values.name ?? values.id);
  return typeof v === 'string' ? v : '';
}

function changedKeys(before: Record<string, unknown> | null | undefined, after: Record<string, unknown> | null | undefined): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  return [...keys].filter((k) => JSON.stringify(before?.[k]) !== JSON.stringify(after?.[k])).sort();
}

/** Everything that depends (directly or transitively) on each address, from the configuration. */
function dependents(plan: PlanJson | undefined): Map<string, Set<string>> {
  const direct = new Map<string, Set<string>>();
  for (const r of plan?.configuration?.root_module?.resources ?? []) {
    for (const d of r.depends_on ?? []) {
      if (!direct.has(d)) direct.set(d, new Set());
      direct.get(d)!.add(r.address);
    }
  }
  const closure = new Map<string, Set<string>>();
  const visit = (a: string, acc: Set<string>) => {
    for (const d of direct.get(a) ?? []) {
      if (!acc.has(d)) {
        acc.add(d);
        visit(d, acc);
      }
    }
  };
  for (const a of direct.keys()) {
    const acc = new Set<string>();
    visit(a, acc);
    closure.set(a, acc);
  }
  return closure;
}

function verdictsFor(
  kind: string,
  action: Action,
  c: ResourceChange,
  readers: readonly string[],
  diffs: Pick<ChangeReview, 'configDiff'>,
  warnings: readonly Diagnostic[] = [],
): Verdict[] {
  const before = c.change.before;
  const after = c.change.after;
  const out: Verdict[] = [];
  const v = (level: Level, text: string) => out.push({ level, text });
  switch (kind) {
    case 'topic': {
      if (action === 'create')
        v('info', `new topic: ${after?.partitions} partitions, replication factor ${after?.replication_factor ?? 'broker default'}`);
      if (action === 'delete') v('danger', `topic ${nameOf(c.type, before)} deleted: all its messages are lost`);
      if (action === 'replace') {
        const old = nameOf(c.type, before);
        const now = nameOf(c.type, after);
        const why = (c.change.replace_paths ?? []).map((p) => p.join('.')).join(', ');
        v(
          'danger',
          old !== now && now
            ? `topic ${old} replaced by ${now} (a rename deletes the old topic): data loss, all messages of ${old} are lost`
            : `topic ${old} replaced (deleted and created again${why ? `, because of ${why}` : ''}): data loss, all its messages are lost`,
        );
      }
      if (action === 'update') {
        const p0 = before?.partitions as number | undefined;
        const p1 = after?.partitions as number | undefined;
        if (p0 !== undefined && p1 !== undefined && p1 > p0) {
          v(
            'warning',
            `partitions ${p0} → ${p1}: the key-to-partition mapping changes; records with the same key may land on another partition, so per-key order across the change is not guaranteed`,
          );
        }
        const changed = diffs.configDiff?.length ?? 0;
        if (changed > 0) v('info', `config changed (${changed} key${changed === 1 ? '' : 's'}), applied in place`);
      }
      break;
    }
    case 'schema': {
      if (action === 'create') v('info', `new subject ${nameOf(c.type, after)} (${after?.schema_type ?? 'AVRO'})`);
      if (action === 'update') {
        if (before?.schema !== after?.schema) {
          v(
            'info',
            `new schema version, compatible with the latest version under ${after?.compatibility ?? 'the registry-wide'} compatibility (checked against the registry at plan time)`,
          );
        }
        if (before?.compatibility !== after?.compatibility)
          v('warning', `compatibility ${before?.compatibility ?? '(registry default)'} → ${after?.compatibility ?? '(registry default)'}`);
      }
      if (action === 'delete') v('danger', `subject ${nameOf(c.type, before)} deleted: producers and consumers lose its schemas`);
      if (action === 'replace') {
        const old = nameOf(c.type, before);
        const now = nameOf(c.type, after);
        v(
          'danger',
          old !== now && now
            ? `subject ${old} replaced by ${now}: ${old} and its versions are deleted; producers and consumers of ${old} lose its schemas`
            : `subject ${old} deleted and registered again: its version history is lost`,
        );
      }
      break;
    }
    case 'connector': {
      const config = ((after ?? before)?.config ?? {}) as Record<string, string>;
      const cls = config['connector.class'] ?? '';
      if (action === 'create') v('info', `new connector (${cls.split('.').pop()})`);
      if (action === 'update') {
        const keys = changedKeys(before?.config as Record<string, unknown>, after?.config as Record<string, unknown>);
        const secret = JSON.stringify(before?.sensitive_config) !== JSON.stringify(after?.sensitive_config);
        v(
          'warning',
          `configuration changed${keys.length ? ` (${keys.join(', ')})` : ''}${secret ? ' and secret settings changed' : ''}: the connector and its tasks restart`,
        );
      }
      if (action === 'replace')
        v('warning', 'connector re-created: its committed offsets are reset, so a source starts afresh (e.g. a new snapshot)');
      if (action === 'delete') v('warning', 'connector deleted (its offsets are reset)');
      break;
    }
    default: {
      const ksqlName = nameOf(c.type, after ?? before);
      const isQuery = kind === 'ksql query';
      const props = (after?.streams_properties ?? null) as Record<string, string> | null;
      if (action === 'create') v('info', `new ${kind} ${ksqlName}`);
      if (action === 'update') {
        const statementChanged = before?.statement !== after?.statement;
        if (isQuery && before?.query_id === null) {
          v(
            'warning',
            `the query was terminated outside streamform (ksqlDB deleted its consumer group): apply starts it again under a new query id, reading its input ${readsFrom(props)}`,
          );
        } else if (isQuery && before?.query_state === 'PAUSED') {
          v('info', `the paused query ${String(before.query_id)} is resumed (RESUME) and continues from its committed offsets`);
        } else if (isQuery && before?.query_state === 'ERROR') {
          v('warning', `the failed query ${String(before.query_id)} is restarted and continues from its committed offsets`);
        }
        if (statementChanged)
          v(
            'info',
            isQuery
              ? 'CREATE OR REPLACE in place: the query keeps its id and continues from its committed offsets'
              : 'CREATE OR REPLACE in place',
          );
      }
      if (action === 'replace') {
        // The provider's plan warning for this resource names the ksqlDB rule that refuses the change in place.
        const rule = warnings
          .find((d) => /cannot change .* in place|cannot change the topic of/.test(d.summary))
          ?.detail.split('. The plan replaces')[0];
        const topicLost = after?.delete_topic === true && warnings.some((d) => /cannot change the topic of/.test(d.summary));
        if (isQuery) {
          v(
            topicLost ? 'danger' : 'warning',
            `query replaced${rule ? ` (${rule})` : ''}: terminated and started again under a new query id, reading its input ${readsFrom(props)}`,
          );
        } else v('danger', `${kind} dropped and created again over its topic${rule ? ` (${rule})` : ''}`);
        if (topicLost) v('danger', `its topic is deleted and created again (delete_topic = true): data loss, all messages in it are lost`);
      }
      if (action === 'delete')
        v(
          isQuery && !before?.delete_topic ? 'warning' : 'danger',
          `${kind} dropped${before?.delete_topic ? ' and its topic deleted: data loss, all messages in it are lost' : ' (its topic is kept)'}`,
        );
      if ((action === 'replace' || action === 'delete') && readers.length > 0) v('warning', `downstream affected: ${readers.join(', ')}`);
    }
  }
  return out;
}

/** The actual differences of one change, for the reviewer. */
function diffsOf(kind: string, action: Action, c: ResourceChange): Pick<ChangeReview, 'sqlDiff' | 'schemaDiff' | 'configDiff'> {
  if (action !== 'update' && action !== 'replace') return {};
  const before = c.change.before ?? {};
  const after = c.change.after ?? {};
  if (kind.startsWith('ksql ') && typeof before.statement === 'string' && typeof after.statement === 'string') {
    const diff = unifiedDiff(statementLines(before.statement), statementLines(after.statement));
    return diff.length > 0 ? { sqlDiff: diff } : {};
  }
  if (kind === 'schema' && typeof before.schema === 'string' && typeof after.schema === 'string' && before.schema !== after.schema) {
    const changes = schemaChanges(String(after.schema_type ?? 'AVRO'), before.schema, after.schema);
    return changes ? { schemaDiff: changes } : {};
  }
  if (kind === 'topic') {
    const diff = configChanges(before.config as Record<string, unknown>, after.config as Record<string, unknown>);
    return diff.length > 0 ? { configDiff: diff } : {};
  }
  if (kind === 'connector') {
    const sensitiveBefore = (before.sensitive_config ?? {}) as Record<string, unknown>;
    const sensitiveAfter = (after.sensitive_config ?? {}) as Record<string, unknown>;
    const secret = new Set([...Object.keys(sensitiveBefore), ...Object.keys(sensitiveAfter)]);
    const diff = configChanges(
      { ...(before.config as Record<string, unknown>), ...sensitiveBefore },
      { ...(after.config as Record<string, unknown>), ...sensitiveAfter },
      secret,
    );
    return diff.length > 0 ? { configDiff: diff } : {};
  }
  return {};
}

const LEVEL_RANK: Record<Level, number> = { danger: 0, warning: 1, info: 2 };
const worst = (c: ChangeReview): number => Math.min(3, ...c.verdicts.map((v) => LEVEL_RANK[v.level]));

/** Empty forms (null, [], {}, "") are one value: a provider reading back [] for null is no drift. */
function meaningful(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(meaningful);
    return items.length === 0 ? undefined : items;
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v)
      .map(([k, x]) => [k, meaningful(x)] as const)
      .filter(([, x]) => x !== undefined);
    return entries.length === 0 ? undefined : Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
  }
  return v === null || v === '' ? undefined : v;
}

/** Drift entries with the attributes that really changed outside OpenTofu. */
function realDrift(plan: PlanJson | undefined): string[] {
  const out: string[] = [];
  for (const d of plan?.resource_drift ?? []) {
    const before = (d.change.before ?? {}) as Record<string, unknown>;
    const after = (d.change.after ?? {}) as Record<string, unknown>;
    if (d.change.after === null || d.change.before === null) {
      out.push(`${d.address} (${d.change.after === null ? 'deleted outside OpenTofu' : 'created outside OpenTofu'})`);
      continue;
    }
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((k) => JSON.stringify(meaningful(before[k])) !== JSON.stringify(meaningful(after[k])))
      .sort();
    if (keys.length > 0) out.push(`${d.address} (${keys.join(', ')})`);
  }
  return out;
}

/** Reviews a plan run for one stack under the environment's policy. */
export function review(runResult: PlanRun, policy: Policy, meta: { stack: string; env: string; unreachable?: readonly string[] }): Review {
  const deps = dependents(runResult.plan);
  const changes: ChangeReview[] = [];
  let release: Review['release'];
  for (const c of runResult.plan?.resource_changes ?? []) {
    if (c.mode !== 'managed') continue;
    const action = actionOf(c.change.actions);
    if (action === 'no-op' || action === 'read') continue;
    if (c.address === RELEASE_ADDRESS) {
      const input = (v: Record<string, unknown> | null) => (v?.input as Record<string, unknown> | undefined) ?? undefined;
      release = { before: input(c.change.before), after: input(c.change.after) };
      continue;
    }
    const kind = KINDS[c.type] ?? c.type.replace(/^[a-z]+_/, '');
    const readers = [...(deps.get(c.address) ?? [])].filter((a) => a.startsWith('streamform_ksql_')).sort();
    const forbidden = policy.protect && DATA_HOLDING.has(kind) && (action === 'delete' || action === 'replace');
    // what goes is the old object: a replaced or deleted one is named as it was
    const name = nameOf(c.type, action === 'create' ? c.change.after : (c.change.before ?? c.change.after));
    const newName = action === 'replace' ? nameOf(c.type, c.change.after) : undefined;
    const diffs = diffsOf(kind, action, c);
    changes.push({
      address: c.address,
      type: c.type,
      kind,
      name,
      ...(newName && newName !== name ? { newName } : {}),
      action,
      verdicts: verdictsFor(
        kind,
        action,
        c,
        readers,
        diffs,
        runResult.diagnostics.filter((d) => d.severity === 'warning' && d.address === c.address),
      ),
      forbidden,
      ...diffs,
    });
  }
  // what needs a reviewer's eyes first: forbidden, then data loss, then warnings
  changes.sort(
    (a, b) =>
      Number(b.forbidden) - Number(a.forbidden) ||
      worst(a) - worst(b) ||
      a.kind.localeCompare(b.kind) ||
      a.address.localeCompare(b.address),
  );
  const summary: Record<string, Partial<Record<Action, number>>> = {};
  for (const c of changes) {
    summary[c.kind] ??= {};
    summary[c.kind][c.action] = (summary[c.kind][c.action] ?? 0) + 1;
  }
  const count = (a: Action) => changes.filter((c) => c.action === a).length;
  const totals: Totals = {
    create: count('create'),
    update: count('update'),
    replace: count('replace'),
    delete: count('delete'),
    dataLoss: changes.filter((c) => (c.action === 'replace' || c.action === 'delete') && c.verdicts.some((v) => v.level === 'danger'))
      .length,
  };
  const forbidden = policy.allowDestructive ? [] : changes.filter((c) => c.forbidden);
  return {
    stack: meta.stack,
    env: meta.env,
    ok: runResult.ok,
    changes,
    diagnostics: runResult.diagnostics,
    drift: realDrift(runResult.plan),
    summary,
    totals,
    forbidden,
    ...(runResult.text ? { planText: runResult.text } : {}),
    ...(meta.unreachable?.length ? { unreachable: meta.unreachable } : {}),
    ...(release ? { release } : {}),
  };
}

/** Exit codes of `streamform plan` (and the review step of `promote`): OpenTofu's, plus a refusal by policy. */
export const EXIT = {
  /** Nothing forbidden; with `--detailed-exitcode`: and no changes. */
  ok: 0,
  /** The plan failed (OpenTofu's diagnostics say why), or an endpoint did not answer. */
  error: 1,
  /** With `--detailed-exitcode`: changes, none forbidden (as `tofu plan -detailed-exitcode`). */
  changes: 2,
  /** The environment's policy refuses a change of the plan (protected data). */
  refused: 3,
} as const;

export function exitCode(r: Review, options: { detailed?: boolean } = {}): number {
  if (!r.ok) return EXIT.error;
  if (r.forbidden.length > 0) return EXIT.refused;
  return options.detailed && r.changes.length > 0 ? EXIT.changes : EXIT.ok;
}

const ICON: Record<Level, string> = { info: 'ℹ️', warning: '⚠️', danger: '🛑' };
const ACTIONS: readonly Action[] = ['create', 'update', 'replace', 'delete'];

/** `Plan: 2 to add, 1 to change, 1 to replace, 0 to destroy; 1 loses data.` */
function totalsLine(t: Totals): string {
  const loss = t.dataLoss > 0 ? `; ${t.dataLoss} ${t.dataLoss === 1 ? 'loses' : 'lose'} data` : '';
  return `Plan: ${t.create} to add, ${t.update} to change, ${t.replace} to replace, ${t.delete} to destroy${loss}.`;
}

/** OpenTofu's plan text, bounded so that the comment stays within GitHub's 65,536 characters. */
const RAW_LIMIT = 30_000;
const FENCE = '```';

function changeTitle(c: ChangeReview): string {
  const name = c.newName ? `\`${c.name}\` → \`${c.newName}\`` : `\`${c.name || c.address}\``;
  return `**${c.action}** ${c.kind} ${name}${c.forbidden ? ' (forbidden here)' : ''} — \`${c.address}\``;
}

function changeDetails(c: ChangeReview): string[] {
  const out: string[] = [];
  for (const v of c.verdicts) out.push(`  - ${ICON[v.level]} ${v.text}`);
  if (c.sqlDiff) out.push('', `  ${FENCE}diff`, ...c.sqlDiff.map((l) => `  ${l}`), `  ${FENCE}`, '');
  if (c.schemaDiff) {
    for (const [label, list] of [
      ['added', c.schemaDiff.added],
      ['removed', c.schemaDiff.removed],
      ['changed', c.schemaDiff.changed],
    ] as const) {
      for (const f of list) out.push(`  - field ${label}: \`${f}\``);
    }
  }
  if (c.configDiff) for (const line of c.configDiff) out.push(`  - \`${line}\``);
  return out;
}

const hasDetails = (c: ChangeReview): boolean => Boolean(c.sqlDiff || c.schemaDiff || c.configDiff);

export function renderMarkdown(r: Review): string {
  const out: string[] = [`## streamform plan: \`${r.stack}\` (${r.env})`, ''];
  if (!r.ok) {
    out.push('**The plan failed.** Nothing can be applied until these are fixed:', '');
    for (const d of r.diagnostics.filter((x) => x.severity === 'error')) {
      out.push(
        `- 🛑 **${d.summary}**${d.address ? ` — \`${d.address}\`` : ''}`,
        ...(d.detail ? [`  ${d.detail.replace(/\n+/g, ' ')}`] : []),
      );
    }
    return out.join('\n') + '\n';
  }
  out.push(r.changes.length === 0 ? '**No changes.**' : `**${totalsLine(r.totals)}**`);
  if (r.unreachable?.length) {
    out.push(
      '',
      `> ⚠️ Planned without reaching ${r.unreachable.join(', ')} (--allow-unreachable): what exists there was not read, so this plan may be wrong.`,
    );
  }
  if (r.release?.after) {
    const a = r.release.after;
    const b = r.release.before;
    const was = b ? ` (was ${String(b.fingerprint)} from ${String(b.commit).slice(0, 12)})` : ' (first release)';
    out.push(
      '',
      `Release record after a complete apply: \`${String(a.fingerprint)}\` from commit \`${String(a.commit).slice(0, 12)}\`${a.clean_tree === true ? '' : ' with uncommitted changes'}, tests ${String(a.tests)}${was}.`,
    );
  }
  if (r.forbidden.length > 0) {
    out.push(
      '',
      `### 🛑 Forbidden in ${r.env}`,
      '',
      `${r.env} protects its data: these changes would lose it. Re-plan with \`--allow-destructive\` only after review.`,
      '',
    );
    for (const c of r.forbidden) out.push(`- \`${c.address}\` (${c.kind} ${c.name}): ${c.action}`);
  }
  if (r.changes.length > 0) {
    out.push('', '| kind | ' + ACTIONS.join(' | ') + ' |', '| --- |' + ACTIONS.map(() => ' ---: |').join(''));
    for (const [kind, counts] of Object.entries(r.summary)) out.push(`| ${kind} | ${ACTIONS.map((a) => counts[a] ?? 0).join(' | ')} |`);
    out.push('', '### Changes', '');
    // changes with the same action, kind and verdicts and nothing of their own to show: one entry
    const groups = new Map<string, ChangeReview[]>();
    const order: (ChangeReview | string)[] = [];
    for (const c of r.changes) {
      if (hasDetails(c) || c.forbidden || c.newName) {
        order.push(c);
        continue;
      }
      const key = JSON.stringify([c.action, c.kind, c.verdicts]);
      if (!groups.has(key)) {
        groups.set(key, []);
        order.push(key);
      }
      groups.get(key)!.push(c);
    }
    for (const item of order) {
      const group = typeof item === 'string' ? groups.get(item)! : [item];
      if (group.length === 1) {
        out.push(`- ${changeTitle(group[0])}`, ...changeDetails(group[0]));
      } else {
        const first = group[0];
        out.push(`- **${first.action}** ${group.length} × ${first.kind}: ${group.map((c) => `\`${c.name || c.address}\``).join(', ')}`);
        out.push(...changeDetails(first));
      }
    }
  }
  if (r.drift.length > 0) {
    out.push('', '### Changed outside OpenTofu since the last apply', '', ...r.drift.map((d) => `- \`${d}\``));
  }
  const warnings = r.diagnostics.filter((d) => d.severity === 'warning');
  if (warnings.length > 0) {
    out.push('', '### Warnings', '');
    for (const d of warnings)
      out.push(`- ⚠️ **${d.summary}**${d.address ? ` — \`${d.address}\`` : ''}${d.detail ? `: ${d.detail.replace(/\n+/g, ' ')}` : ''}`);
  }
  if (r.planText) {
    const cut = r.planText.length > RAW_LIMIT;
    const text = cut ? `${r.planText.slice(0, RAW_LIMIT)}\n… (cut: ${r.planText.length - RAW_LIMIT} more characters)` : r.planText;
    out.push(
      '',
      "<details><summary>OpenTofu's plan</summary>",
      '',
      FENCE,
      text.split(FENCE).join("'''").trimEnd(),
      FENCE,
      '',
      '</details>',
    );
  }
  return out.join('\n') + '\n';
}

export function renderJson(r: Review, options: { detailed?: boolean } = {}): string {
  return JSON.stringify({ ...r, exitCode: exitCode(r, options) }, null, 2) + '\n';
}

export function renderText(r: Review): string {
  return renderMarkdown(r)
    .replace(/^<\/?details>.*$\n?/gm, '')
    .replace(/^\s*```\w*$\n?/gm, '')
    .replace(/^#+ /gm, '')
    .replace(/\*\*|`/g, '');
}
