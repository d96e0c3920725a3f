/**
 * Kafka-aware review of a real OpenTofu plan: what is created, changed, replaced or destroyed per
 * resource kind, with what it means for the data (a replaced topic loses its messages, more
 * partitions remap keys, a replaced query reprocesses its input and takes its readers along, a
 * changed connector restarts), and which changes the environment forbids.
 */
import * as fs from 'fs';
import * as path from 'path';
import { run } from '../toolchain/run';

export type Action = 'create' | 'update' | 'replace' | 'delete' | 'no-op' | 'read';
export type Level = 'info' | 'warning' | 'danger';

export interface Verdict {
  readonly level: Level;
  readonly text: string;
}

export interface ChangeReview {
  readonly address: string;
  readonly type: string;
  /** topic, schema, connector, ksql stream, ... */
  readonly kind: string;
  /** The object's name (topic, subject, connector, ksqlDB name). */
  readonly name: string;
  readonly action: Action;
  readonly verdicts: readonly Verdict[];
  /** The environment refuses this change (protected data). */
  readonly forbidden: boolean;
}

export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail: string;
  readonly address?: string;
}

export interface PlanRun {
  /** False when OpenTofu could not make a plan (its diagnostics say why). */
  readonly ok: boolean;
  readonly diagnostics: readonly Diagnostic[];
  /** `tofu show -json` of the saved plan, when there is one. */
  readonly plan?: PlanJson;
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
  /** Resources changed outside OpenTofu since the last apply. */
  readonly drift: readonly string[];
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

/** Runs `tofu plan` in a synthesized stack folder and reads the saved plan. */
export async function runPlan(stackDir: string, env: NodeJS.ProcessEnv, extraArgs: readonly string[] = []): Promise<PlanRun> {
  const bin = env.TERRAFORM_BINARY_NAME ?? 'tofu';
  if (!fs.existsSync(path.join(stackDir, '.terraform'))) {
    await run(bin, ['init', '-input=false', '-no-color'], { cwd: stackDir, env });
  }
  const planFile = path.join(stackDir, 'streamform.tfplan');
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
  return { ok: true, diagnostics, plan };
}

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

function verdictsFor(kind: string, action: Action, c: ResourceChange, readers: readonly string[]): Verdict[] {
  const before = c.change.before;
  const after = c.change.after;
  const out: Verdict[] = [];
  const v = (level: Level, text: string) => out.push({ level, text });
  switch (kind) {
    case 'topic': {
      if (action === 'create')
        v('info', `new topic: ${after?.partitions} partitions, replication factor ${after?.replication_factor ?? 'broker default'}`);
      if (action === 'delete') v('danger', 'topic deleted: all its messages are lost');
      if (action === 'replace') {
        const why = (c.change.replace_paths ?? []).map((p) => p.join('.')).join(', ');
        v('danger', `topic replaced (deleted and created again${why ? `, because of ${why}` : ''}): data loss, all its messages are lost`);
      }
      if (action === 'update' || action === 'replace') {
        const p0 = before?.partitions as number | undefined;
        const p1 = after?.partitions as number | undefined;
        if (action === 'update' && p0 !== undefined && p1 !== undefined && p1 > p0) {
          v(
            'warning',
            `partitions ${p0} → ${p1}: the key-to-partition mapping changes; records with the same key may land on another partition, so per-key order across the change is not guaranteed`,
          );
        }
        const c0 = (before?.config ?? {}) as Record<string, string>;
        const c1 = (after?.config ?? {}) as Record<string, string>;
        for (const k of changedKeys(c0, c1)) v('info', `config ${k}: ${c0[k] ?? '(default)'} → ${c1[k] ?? '(default)'}`);
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
      if (action === 'delete' || action === 'replace') v('danger', 'subject deleted: producers and consumers lose its schemas');
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
      if (action === 'create') v('info', `new ${kind} ${ksqlName}`);
      if (action === 'update') {
        v(
          'info',
          kind === 'ksql query'
            ? 'CREATE OR REPLACE in place: the query keeps its id and resumes from its committed offsets'
            : 'CREATE OR REPLACE in place',
        );
      }
      if (action === 'replace') {
        v(
          kind === 'ksql query' ? 'warning' : 'danger',
          kind === 'ksql query'
            ? 'query replaced: it is terminated and started again, reprocessing its input from the earliest retained offset; its output topic receives the records again'
            : `${kind} dropped and created again over its topic`,
        );
      }
      if (action === 'delete')
        v(
          kind === 'ksql query' ? 'warning' : 'danger',
          `${kind} dropped${before?.delete_topic ? ' and its topic deleted' : ' (its topic is kept)'}`,
        );
      if ((action === 'replace' || action === 'delete') && readers.length > 0) v('warning', `downstream affected: ${readers.join(', ')}`);
    }
  }
  return out;
}

/** Reviews a plan run for one stack under the environment's policy. */
export function review(runResult: PlanRun, policy: Policy, meta: { stack: string; env: string }): Review {
  const deps = dependents(runResult.plan);
  const changes: ChangeReview[] = [];
  for (const c of runResult.plan?.resource_changes ?? []) {
    if (c.mode !== 'managed') continue;
    const action = actionOf(c.change.actions);
    if (action === 'no-op' || action === 'read') continue;
    const kind = KINDS[c.type] ?? c.type.replace(/^[a-z]+_/, '');
    const readers = [...(deps.get(c.address) ?? [])].filter((a) => a.startsWith('streamform_ksql_')).sort();
    const forbidden = policy.protect && DATA_HOLDING.has(kind) && (action === 'delete' || action === 'replace');
    changes.push({
      address: c.address,
      type: c.type,
      kind,
      name: nameOf(c.type, c.change.after ?? c.change.before),
      action,
      verdicts: verdictsFor(kind, action, c, readers),
      forbidden,
    });
  }
  changes.sort((a, b) => a.kind.localeCompare(b.kind) || a.address.localeCompare(b.address));
  const summary: Record<string, Partial<Record<Action, number>>> = {};
  for (const c of changes) {
    summary[c.kind] ??= {};
    summary[c.kind][c.action] = (summary[c.kind][c.action] ?? 0) + 1;
  }
  const forbidden = policy.allowDestructive ? [] : changes.filter((c) => c.forbidden);
  return {
    stack: meta.stack,
    env: meta.env,
    ok: runResult.ok,
    changes,
    diagnostics: runResult.diagnostics,
    drift: (runResult.plan?.resource_drift ?? []).map((d) => d.address),
    summary,
    forbidden,
  };
}

/** 0: nothing forbidden (changes or not), 1: the plan failed, 2: the environment forbids a change. */
export function exitCode(r: Review): number {
  if (!r.ok) return 1;
  return r.forbidden.length > 0 ? 2 : 0;
}

const ICON: Record<Level, string> = { info: 'ℹ️', warning: '⚠️', danger: '🛑' };
const ACTIONS: readonly Action[] = ['create', 'update', 'replace', 'delete'];

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
  if (r.changes.length === 0) out.push('No changes.');
  else {
    out.push('| kind | ' + ACTIONS.join(' | ') + ' |', '| --- |' + ACTIONS.map(() => ' ---: |').join(''));
    for (const [kind, counts] of Object.entries(r.summary)) out.push(`| ${kind} | ${ACTIONS.map((a) => counts[a] ?? 0).join(' | ')} |`);
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
  if (r.drift.length > 0) {
    out.push('', '### Changed outside OpenTofu since the last apply', '', ...r.drift.map((d) => `- \`${d}\``));
  }
  if (r.changes.length > 0) {
    out.push('', '### Changes', '');
    for (const c of r.changes) {
      out.push(`- **${c.action}** ${c.kind} \`${c.name || c.address}\` — \`${c.address}\``);
      for (const v of c.verdicts) out.push(`  - ${ICON[v.level]} ${v.text}`);
    }
  }
  const warnings = r.diagnostics.filter((d) => d.severity === 'warning');
  if (warnings.length > 0) {
    out.push('', '### Warnings', '');
    for (const d of warnings)
      out.push(`- ⚠️ **${d.summary}**${d.address ? ` — \`${d.address}\`` : ''}${d.detail ? `: ${d.detail.replace(/\n+/g, ' ')}` : ''}`);
  }
  return out.join('\n') + '\n';
}

export function renderJson(r: Review): string {
  return JSON.stringify({ ...r, exitCode: exitCode(r) }, null, 2) + '\n';
}

export function renderText(r: Review): string {
  return renderMarkdown(r)
    .replace(/^#+ /gm, '')
    .replace(/\*\*|`/g, '');
}
