import { Logger } from '../plugin/log';
import { Unknown } from '../plugin/cty';
import { Attrs, ObjectSchema, StateOf } from './schema';

/** A problem reported to OpenTofu, optionally pointing at one attribute of the resource. */
export interface Diagnostic {
  readonly severity: 'ERROR' | 'WARNING';
  readonly summary: string;
  readonly detail?: string;
  /** Attribute path, e.g. ['config', 'retention.ms']. */
  readonly path?: readonly (string | number)[];
}

export const error = (summary: string, detail?: string, path?: readonly (string | number)[]): Diagnostic => ({
  severity: 'ERROR',
  summary,
  detail,
  path,
});
export const warning = (summary: string, detail?: string, path?: readonly (string | number)[]): Diagnostic => ({
  severity: 'WARNING',
  summary,
  detail,
  path,
});

/** An error that carries its diagnostic (thrown from CRUD functions). */
export class DiagnosticError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.detail ? `${diagnostic.summary}: ${diagnostic.detail}` : diagnostic.summary);
  }
}

/**
 * The object was created, but a later step failed. OpenTofu records the state as tainted, so the
 * next apply replaces the object instead of tripping over it.
 */
export class CreatedButFailedError extends DiagnosticError {
  constructor(
    readonly state: unknown,
    diagnostic: Diagnostic,
  ) {
    super(diagnostic);
  }
}

/** Runs the steps after an object exists; a failure there keeps the object's state (tainted). */
export async function afterCreate<T>(state: unknown, summary: string, steps: () => Promise<T>): Promise<T> {
  try {
    return await steps();
  } catch (err) {
    const diagnostic =
      err instanceof DiagnosticError
        ? err.diagnostic
        : { severity: 'ERROR' as const, summary, detail: err instanceof Error ? err.message : String(err) };
    throw new CreatedButFailedError(state, diagnostic);
  }
}

/** Values during planning: computed attributes may be unknown. */
export type Planned<S> = { -readonly [K in keyof S]: S[K] | Unknown };

export interface PlanRequest<S, C> {
  /** Current state, or null when the object is to be created. */
  readonly prior: S | null;
  /** The configuration as written (unknown where it depends on other resources). */
  readonly config: Planned<S>;
  /**
   * The plan so far: configuration merged with prior values for computed attributes; unknown for
   * computed attributes of a new object. Modify it in place.
   */
  readonly planned: Planned<S>;
  /** Attributes that force replacement; add to it. */
  readonly requiresReplace: Set<keyof S & string>;
  readonly diagnostics: Diagnostic[];
  /** Clients for the servers; undefined during a plan that runs before the provider is configured. */
  readonly clients: C | undefined;
  readonly log: Logger;
  /** Aborted when OpenTofu stops the provider (StopProvider). */
  readonly signal: AbortSignal;
}

export interface ResourceContext<C> {
  readonly clients: C;
  readonly log: Logger;
  /** Aborted when OpenTofu stops the provider (StopProvider): waits and requests give up. */
  readonly signal: AbortSignal;
}

/**
 * What a resource with a `deletion_protection` attribute protects. The framework, not the
 * resource, refuses to destroy or replace an object whose state has `deletion_protection = true`:
 * at plan time, and again at apply.
 */
export interface DeletionProtection<S> {
  /** The object as messages name it, e.g. `Topic orders`. */
  object(state: S): string;
  /** What destroying the object loses, e.g. `all its messages`. */
  loses(state: S): string;
}

/**
 * A managed resource: plain functions over typed values. It knows nothing about gRPC, msgpack or
 * the plugin protocol.
 */
export interface ResourceDefinition<A extends Attrs, C> {
  readonly typeName: string;
  readonly schema: ObjectSchema<A>;
  /** Declared by resources whose schema has `deletion_protection` (and only by those). */
  readonly deletionProtection?: 'deletion_protection' extends keyof A ? DeletionProtection<StateOf<A>> : never;
  /** Checks on configuration alone (no servers); values may be unknown. */
  validate?(config: Planned<StateOf<A>>, diagnostics: Diagnostic[]): void;
  /**
   * Reads to start early. OpenTofu validates every resource's configuration (its validate walk)
   * before its refresh reads any: the keys of the configurations validated before the provider
   * is configured are handed to `start` once it is, so the reads can go out together in batched
   * requests instead of one wave per `-parallelism` slots. A read that follows uses the answer
   * when it is still fresh. `start` is called at every configuration (with no keys when nothing
   * was validated since), and replaces what an earlier call started.
   */
  readonly readAhead?: {
    key(config: Planned<StateOf<A>>): string | undefined;
    start(keys: readonly string[], clients: C): void;
  };
  /** Plan-time logic: diff suppression, replacement decisions, server-side checks. */
  plan?(req: PlanRequest<StateOf<A>, C>): Promise<void>;
  /** Current state of the object, or null when it no longer exists. */
  read(state: StateOf<A>, ctx: ResourceContext<C>): Promise<StateOf<A> | null>;
  create(planned: Planned<StateOf<A>>, ctx: ResourceContext<C>): Promise<StateOf<A>>;
  update(prior: StateOf<A>, planned: Planned<StateOf<A>>, ctx: ResourceContext<C>): Promise<StateOf<A>>;
  delete(prior: StateOf<A>, ctx: ResourceContext<C>): Promise<void>;
  /** The minimal state for an existing object with this id; `read` completes it. */
  importState(id: string, ctx: ResourceContext<C>): Promise<StateOf<A>>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list of resources of different attribute types
export type AnyResource<C> = ResourceDefinition<any, C>;

export interface ProviderDefinition<PA extends Attrs, C> {
  readonly schema: ObjectSchema<PA>;
  readonly resources: readonly AnyResource<C>[];
  /**
   * Builds the clients from the provider configuration (environment fallbacks applied here); their
   * requests and waits honour `signal`, which StopProvider aborts.
   */
  configure(config: StateOf<PA>, signal: AbortSignal): Promise<C>;
  validate?(config: Planned<StateOf<PA>>, diagnostics: Diagnostic[]): void;
}
