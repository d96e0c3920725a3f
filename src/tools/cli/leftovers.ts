/**
 * Leftovers: objects a stack declares that exist outside its state. They come from a run whose
 * state is gone (another checkout, a deleted state file) or from an interrupted apply (an object
 * created while OpenTofu was stopped before it could record it). OpenTofu would fail on their
 * names ("already exists", "name is already in use"); streamform never removes them silently.
 *
 * This module holds the decisions only (no Docker, no OpenTofu): what a stack declares, what its
 * state holds, and what to do with each leftover under the option the user gave. cdktf.ts carries
 * the decisions out.
 */
import { unquoteIdentifier } from '../../core/ksql';

/**
 * What to do with leftovers that no interrupted run of this checkout created:
 * - `refuse` (no option): stop before anything is changed, naming them;
 * - `adopt` (`--adopt`): import them into the state, remove nothing;
 * - `replace` (`--replace`): remove the containers (they are created anew), adopt volumes and networks;
 * - `replace-delete-data` (`--replace --delete-data`): also remove the volumes, losing their data.
 */
export type LeftoverMode = 'refuse' | 'adopt' | 'replace' | 'replace-delete-data';

type DockerKind = 'container' | 'volume' | 'network';

/** A resource of the synthesized stack whose real object can be found by name. */
export interface DeclaredObject {
  /** Terraform address, e.g. `docker_container.Platform_Kafka_Container_CEDD4882`. */
  readonly address: string;
  /** A Docker object (by its name), or a streamform object (by the id its importer takes). */
  readonly kind: DockerKind | 'streamform';
  /** Docker name, or the streamform import id (topic name, subject, connector, ksqlDB name). */
  readonly name: string;
}

/** A Docker object that exists, as `docker inspect` reports it. */
export interface DockerObject {
  readonly kind: DockerKind;
  readonly name: string;
  /** The id `tofu import` takes: the full id of containers and networks, the name of volumes. */
  readonly importId: string;
  readonly createdAt: Date;
  /** Containers only: running now. */
  readonly running?: boolean;
}

/** What an interrupted run of a stack left on record (see cdktf.ts, `interruptedJournal`). */
export interface InterruptedRun {
  readonly verb: 'deploy' | 'destroy';
  readonly signal: string;
  /** ISO times bracketing the interrupted OpenTofu run. */
  readonly startedAt: string;
  readonly endedAt: string;
  /** Addresses OpenTofu had started on and not finished when it stopped. */
  readonly inProgress: readonly string[];
  /**
   * The stack's Docker objects found outside the state right after the run. A deploy only starts
   * once no such object is left (refused, adopted or removed first), so these are the run's own.
   */
  readonly untracked: readonly { readonly kind: DockerKind; readonly name: string; readonly importId: string }[];
}

interface Adoption {
  readonly address: string;
  readonly importId: string;
  /** For messages, e.g. `container sf-dev-kafka`. */
  readonly what: string;
  readonly why: 'created by the interrupted run' | '--adopt' | '--replace keeps data';
}

interface Removal {
  readonly address: string;
  readonly kind: DockerKind;
  readonly name: string;
}

interface Leftover {
  readonly address: string;
  readonly object: DockerObject;
}

interface LeftoverDecision {
  /** Docker objects to import into the state, each by its id. */
  readonly adopt: readonly Adoption[];
  /** Docker objects to remove before OpenTofu runs (never a volume unless `replace-delete-data`). */
  readonly remove: readonly Removal[];
  /** Leftovers that stop the deploy (mode `refuse`), to be named to the user. */
  readonly refuse: readonly Leftover[];
  /**
   * streamform objects that may exist without being in the state (in flight when a run was
   * interrupted, or anything missing under `--adopt`/`--replace`): imported when they exist,
   * skipped when the server has no such object. Never deleted.
   */
  readonly tryImport: readonly { readonly address: string; readonly importId: string }[];
}

/** Slack on both sides of an interrupted run's time window (Docker's and node's clocks are one host's). */
const WINDOW_SLACK_MS = 2000;

/**
 * True when an object is the interrupted run's own: recorded outside the state right after it (same
 * id), or a container or network created while it ran (a request OpenTofu made and the Docker
 * engine completed after OpenTofu was gone). A volume's creation time cannot tell: Docker reports
 * when its folder last changed.
 */
export function createdBy(run: InterruptedRun | undefined, o: DockerObject): boolean {
  if (!run) return false;
  if (run.untracked.some((u) => u.kind === o.kind && u.name === o.name && u.importId === o.importId)) return true;
  if (o.kind === 'volume') return false;
  const t = o.createdAt.getTime();
  return t >= Date.parse(run.startedAt) - WINDOW_SLACK_MS && t <= Date.parse(run.endedAt) + WINDOW_SLACK_MS;
}

/**
 * Decides, for every declared object missing from the state, whether it is adopted, removed,
 * refused or left to OpenTofu to create (when nothing of that name exists).
 *
 * Objects created by this checkout's interrupted run of the stack (`createdBy`; streamform objects
 * it had in flight) are always adopted: they are this stack's own. Everything else follows `mode`.
 */
export function decideLeftovers(input: {
  readonly declared: readonly DeclaredObject[];
  /** Addresses in the state (an empty set when there is no state or it is empty). */
  readonly inState: ReadonlySet<string>;
  /** Docker objects that exist, by kind and name. */
  readonly docker: readonly DockerObject[];
  readonly interrupted?: InterruptedRun;
  readonly mode: LeftoverMode;
}): LeftoverDecision {
  const { declared, inState, interrupted, mode } = input;
  const adopt: Adoption[] = [];
  const remove: Removal[] = [];
  const refuse: Leftover[] = [];
  const tryImport: { address: string; importId: string }[] = [];
  const existing = new Map(input.docker.map((o) => [`${o.kind} ${o.name}`, o]));

  for (const d of declared) {
    if (inState.has(d.address)) continue;
    if (d.kind === 'streamform') {
      if (interrupted?.inProgress.includes(d.address) || mode !== 'refuse') tryImport.push({ address: d.address, importId: d.name });
      continue;
    }
    const o = existing.get(`${d.kind} ${d.name}`);
    if (!o) continue;
    const adoption = (why: Adoption['why']): Adoption => ({ address: d.address, importId: o.importId, what: describe(o), why });
    if (createdBy(interrupted, o)) {
      adopt.push(adoption('created by the interrupted run'));
      continue;
    }
    switch (mode) {
      case 'refuse':
        refuse.push({ address: d.address, object: o });
        break;
      case 'adopt':
        adopt.push(adoption('--adopt'));
        break;
      case 'replace':
      case 'replace-delete-data':
        if (o.kind === 'container' || (o.kind === 'volume' && mode === 'replace-delete-data')) {
          remove.push({ address: d.address, kind: o.kind, name: o.name });
        } else {
          // volumes hold the data; a network holds none, but other stacks' containers may be attached
          adopt.push(adoption('--replace keeps data'));
        }
        break;
    }
  }
  return { adopt, remove, refuse, tryImport };
}

export function describe(o: DockerObject): string {
  return `${o.kind} ${o.name}${o.kind === 'container' ? (o.running ? ' (running)' : ' (stopped)') : o.kind === 'volume' ? ' (data)' : ''}`;
}

/** The refusal: what was found, why nothing was changed, and the options. */
export function refusalMessage(stack: string, leftovers: readonly Leftover[], stateNote: string): string {
  const width = Math.max(...leftovers.map((l) => describe(l.object).length));
  const lines = leftovers.map((l) => `  ${describe(l.object).padEnd(width)}  ${l.address}`);
  return [
    `${stack}: ${leftovers.length} Docker object(s) of this stack exist but are not in its state (${stateNote}):`,
    ...lines,
    'They may belong to another checkout on this machine or to an earlier deployment whose state is gone.',
    'Nothing was changed. Deploy again with one of:',
    '  --adopt                  import them into the state; nothing is removed (OpenTofu then re-creates adopted',
    '                           containers from the configuration, on the adopted volumes: the data is kept)',
    '  --replace                remove the containers and create them anew; volumes and networks are adopted, data kept',
    '  --replace --delete-data  as --replace, and remove the volumes too: their data is lost',
  ].join('\n');
}

/** The addresses of the managed resources in an OpenTofu state (JSON, version 4); empty for an empty file. */
export function stateAddresses(stateText: string): Set<string> {
  if (stateText.trim() === '') return new Set();
  const state = JSON.parse(stateText) as {
    resources?: { mode?: string; module?: string; type: string; name: string; instances?: { index_key?: string | number }[] }[];
  };
  const out = new Set<string>();
  for (const r of state.resources ?? []) {
    if (r.mode !== 'managed' || (r.instances ?? []).length === 0) continue;
    const base = `${r.module ? `${r.module}.` : ''}${r.type}.${r.name}`;
    for (const i of r.instances ?? []) {
      out.add(i.index_key === undefined ? base : `${base}[${JSON.stringify(i.index_key)}]`);
    }
  }
  return out;
}

const DOCKER_KINDS: Readonly<Record<string, DockerKind>> = {
  docker_container: 'container',
  docker_volume: 'volume',
  docker_network: 'network',
};

/** The attribute holding each streamform resource's import id (ksqlDB objects: the name in the statement). */
const STREAMFORM_IDS: Readonly<Record<string, (r: Record<string, unknown>) => unknown>> = {
  streamform_topic: (r) => r.name,
  streamform_schema: (r) => r.subject,
  streamform_connector: (r) => r.name,
  streamform_ksql_stream: (r) => ksqlName(r.statement),
  streamform_ksql_table: (r) => ksqlName(r.statement),
  streamform_ksql_query: (r) => ksqlName(r.statement),
};

/** `CREATE [OR REPLACE] STREAM|TABLE [IF NOT EXISTS] <name>` → the name (unquoted names upper-cased, as ksqlDB does). */
export function ksqlName(statement: unknown): string | undefined {
  if (typeof statement !== 'string') return undefined;
  const m =
    /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:SOURCE\s+)?(?:STREAM|TABLE)\s+(?:IF\s+NOT\s+EXISTS\s+)?(`(?:[^`]|``)+`|[A-Za-z_][\w]*)/i.exec(
      statement,
    );
  return m ? unquoteIdentifier(m[1]) : undefined;
}

/**
 * The objects of a synthesized stack (cdk.tf.json) that can be found by name: Docker containers,
 * volumes and networks, and streamform's topics, subjects, connectors and ksqlDB objects. Names
 * computed from other resources (`${...}`) cannot be known before apply and are left out; so are
 * images (an existing image never conflicts).
 */
export function declaredObjects(stackJson: { resource?: Record<string, Record<string, Record<string, unknown>>> }): DeclaredObject[] {
  const out: DeclaredObject[] = [];
  for (const [type, resources] of Object.entries(stackJson.resource ?? {})) {
    for (const [name, r] of Object.entries(resources)) {
      const kind = DOCKER_KINDS[type];
      const id = kind ? r.name : STREAMFORM_IDS[type]?.(r);
      if (typeof id !== 'string' || id === '' || id.includes('${')) continue;
      out.push({ address: `${type}.${name}`, kind: kind ?? 'streamform', name: id });
    }
  }
  return out;
}

/** `--adopt`, `--replace`, `--delete-data` → the mode; contradictions are refused. */
export function leftoverModeOf(options: { adopt?: boolean; replace?: boolean; deleteData?: boolean }): LeftoverMode {
  if (options.adopt && options.replace)
    throw new Error('--adopt and --replace exclude each other: adopt keeps what exists, replace removes containers');
  if (options.deleteData && !options.replace)
    throw new Error('--delete-data is only valid with --replace (it removes the volumes that --replace keeps)');
  if (options.replace) return options.deleteData ? 'replace-delete-data' : 'replace';
  return options.adopt ? 'adopt' : 'refuse';
}
