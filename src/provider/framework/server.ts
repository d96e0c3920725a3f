import { containsUnknown, CtyError, CtyValue, decodeDynamic, DynamicValue, encodeDynamic } from '../plugin/cty';
import { Logger } from '../plugin/log';
import { ProviderMethod } from './methods';
import { applyChange, ctyOf, ObjectValue, planChange } from './lifecycle';
import { AnyResource, Diagnostic, DiagnosticError, Planned, ProviderDefinition, ResourceContext } from './resource';
import { Attrs, ObjectSchema, StateOf, toProtoSchema } from './schema';

/**
 * The tfplugin6 Provider service over a ProviderDefinition: decodes and encodes DynamicValues,
 * applies the plan rules OpenTofu enforces (framework/lifecycle.ts), and turns every failure into
 * a diagnostic. StopProvider aborts the signal every operation in flight runs under.
 */

// The request messages as the plugin layer decodes them (plugin/serve.ts loadServices; field names as in
// tfplugin6.proto); each lists only the fields the handlers read.
type Bytes = Buffer | Uint8Array;
interface TypedRequest {
  readonly type_name: string;
}
interface ConfigRequest {
  readonly config?: DynamicValue;
}
interface ConfigureProviderRequest extends ConfigRequest {
  readonly terraform_version?: string;
}
interface ResourceConfigRequest extends TypedRequest, ConfigRequest {}
interface UpgradeResourceStateRequest extends TypedRequest {
  readonly raw_state?: { readonly json?: Bytes };
}
interface ReadResourceRequest extends TypedRequest {
  readonly current_state?: DynamicValue;
  readonly private?: Bytes;
}
interface PlanResourceChangeRequest extends TypedRequest, ConfigRequest {
  readonly prior_state?: DynamicValue;
  readonly proposed_new_state?: DynamicValue;
  readonly prior_private?: Bytes;
}
interface ApplyResourceChangeRequest extends TypedRequest {
  readonly prior_state?: DynamicValue;
  readonly planned_state?: DynamicValue;
}
interface ImportResourceStateRequest extends TypedRequest {
  readonly id: string;
}

/** A response message (diagnostics are added by `guard`). */
type Res = Record<string, unknown>;

interface ProtoDiagnostic {
  severity: 'ERROR' | 'WARNING';
  summary: string;
  detail: string;
  attribute?: { steps: ({ attribute_name: string } | { element_key_string: string } | { element_key_int: number })[] };
}

function toProto(d: Diagnostic): ProtoDiagnostic {
  const out: ProtoDiagnostic = { severity: d.severity, summary: d.summary, detail: d.detail ?? '' };
  if (d.path && d.path.length > 0) {
    out.attribute = {
      steps: d.path.map((p, i) =>
        i === 0 ? { attribute_name: String(p) } : typeof p === 'number' ? { element_key_int: p } : { element_key_string: p },
      ),
    };
  }
  return out;
}

/** Turns anything thrown into a diagnostic: DiagnosticError keeps its own, other errors become one. */
function diagnosticOf(err: unknown, summary: string): Diagnostic {
  if (err instanceof DiagnosticError) return err.diagnostic;
  const message = err instanceof Error ? err.message : String(err);
  return { severity: 'ERROR', summary, detail: message };
}

/** The reason in-flight operations fail with after StopProvider. */
class ProviderStopped extends Error {
  constructor() {
    super('OpenTofu stopped the provider (StopProvider, e.g. Ctrl-C); the operation was cancelled and may be incomplete');
    this.name = 'ProviderStopped';
  }
}

export class ProviderServer<PA extends Attrs, C> {
  private clients?: Promise<C>;
  private readonly resources: Map<string, AnyResource<C>>;
  /** Aborted by StopProvider: every request, poll and wait in flight gives up. */
  private readonly stop = new AbortController();
  /** readAhead keys of the configurations validated before the provider was configured, per resource. */
  private readonly readAheadKeys = new Map<AnyResource<C>, Set<string>>();

  constructor(
    readonly provider: ProviderDefinition<PA, C>,
    private readonly log: Logger,
  ) {
    this.resources = new Map(provider.resources.map((r) => [r.typeName, r]));
  }

  private resource(typeName: string): AnyResource<C> {
    const r = this.resources.get(typeName);
    if (!r) throw new Error(`streamform has no resource type ${typeName}`);
    return r;
  }

  private async ctx(): Promise<ResourceContext<C>> {
    if (!this.clients) throw new Error('the provider is not configured');
    return { clients: await this.clients, log: this.log, signal: this.stop.signal };
  }

  /** Every handler, keyed by RPC name, each returning a response object (never throwing). */
  handlers() {
    return {
      GetMetadata: async (): Promise<Res> => ({
        server_capabilities: this.capabilities(),
        diagnostics: [],
        resources: [...this.resources.keys()].map((type_name) => ({ type_name })),
        data_sources: [],
      }),
      GetProviderSchema: async (): Promise<Res> => ({
        provider: toProtoSchema(this.provider.schema),
        resource_schemas: Object.fromEntries([...this.resources].map(([n, r]) => [n, toProtoSchema(r.schema)])),
        data_source_schemas: {},
        diagnostics: [],
        server_capabilities: this.capabilities(),
      }),
      ValidateProviderConfig: (req: ConfigRequest) =>
        this.guard('Invalid provider configuration', async (diags) => {
          const config = decodeObject(req.config, this.provider.schema);
          validateAttrs(this.provider.schema, config, diags);
          if (config) this.provider.validate?.(config as Planned<StateOf<PA>>, diags);
          return {};
        }),
      ConfigureProvider: (req: ConfigureProviderRequest) =>
        this.guard('Cannot configure the streamform provider', async (diags) => {
          const config = decodeObject(req.config, this.provider.schema) ?? {};
          this.log.debug('configure', { terraform_version: req.terraform_version });
          this.clients = this.provider.configure(config as StateOf<PA>, this.stop.signal);
          const clients = await this.clients.catch((err: unknown) => {
            this.clients = undefined;
            diags.push(diagnosticOf(err, 'Cannot configure the streamform provider'));
          });
          if (clients) this.startReadAhead(clients);
          return {};
        }),
      ValidateResourceConfig: (req: ResourceConfigRequest) =>
        this.guard('Invalid configuration', async (diags) => {
          const r = this.resource(req.type_name);
          const config = decodeObject(req.config, r.schema);
          validateAttrs(r.schema, config, diags);
          if (config) r.validate?.(config, diags);
          const key = config && !this.clients && diags.length === 0 ? r.readAhead?.key(config) : undefined;
          if (key !== undefined) {
            const keys = this.readAheadKeys.get(r) ?? new Set<string>();
            this.readAheadKeys.set(r, keys.add(key));
          }
          return {};
        }),
      UpgradeResourceState: (req: UpgradeResourceStateRequest) =>
        this.guard(`Cannot read the saved state of a ${req.type_name}`, async () => {
          const r = this.resource(req.type_name);
          const raw = req.raw_state?.json && req.raw_state.json.length > 0 ? Buffer.from(req.raw_state.json).toString('utf8') : 'null';
          // shaped to the schema's type while written (encodeDynamic conforms)
          return { upgraded_state: encodeDynamic(JSON.parse(raw), r.schema.type) };
        }),
      ReadResource: (req: ReadResourceRequest) =>
        this.guard(`Cannot read ${req.type_name}`, async () => {
          const r = this.resource(req.type_name);
          const current = decodeObject(req.current_state, r.schema);
          const next = current === null ? null : await r.read(current, await this.ctx());
          return { new_state: encodeDynamic(ctyOf(next), r.schema.type), private: req.private };
        }),
      PlanResourceChange: (req: PlanResourceChangeRequest) =>
        this.guard(`Cannot plan ${req.type_name}`, async (diags) => this.plan(req, diags)),
      ApplyResourceChange: (req: ApplyResourceChangeRequest) =>
        this.guard(`Cannot apply ${req.type_name}`, async (diags) => this.apply(req, diags)),
      ImportResourceState: (req: ImportResourceStateRequest) =>
        this.guard(`Cannot import ${req.type_name} ${req.id}`, async () => {
          const r = this.resource(req.type_name);
          const state = await r.importState(req.id, await this.ctx());
          return {
            imported_resources: [{ type_name: req.type_name, state: encodeDynamic(ctyOf(state), r.schema.type), private: Buffer.alloc(0) }],
          };
        }),
      ReadDataSource: async (req: TypedRequest): Promise<Res> => ({
        diagnostics: [toProto({ severity: 'ERROR', summary: `streamform has no data source ${req.type_name}` })],
      }),
      ValidateDataResourceConfig: async (req: TypedRequest): Promise<Res> => ({
        diagnostics: [toProto({ severity: 'ERROR', summary: `streamform has no data source ${req.type_name}` })],
      }),
      GetFunctions: async (): Promise<Res> => ({ functions: {}, diagnostics: [] }),
      // OpenTofu calls it once (Ctrl-C) and expects an immediate answer; the operations in flight
      // then fail with ProviderStopped as their requests, polls and waits are aborted.
      StopProvider: async (): Promise<Res> => {
        this.log.info('stopping: cancelling the operations in flight');
        this.stop.abort(new ProviderStopped());
        return { Error: '' };
      },
    } satisfies Record<ProviderMethod, (req: never) => Promise<Res>>;
  }

  /**
   * Hands the keys gathered in validation to their resources' readAhead, at every configuration
   * (none when nothing was validated since: a later phase of the run drops the earlier answers);
   * a failure only costs the early start.
   */
  private startReadAhead(clients: C): void {
    for (const r of this.resources.values()) {
      if (!r.readAhead) continue;
      try {
        r.readAhead.start([...(this.readAheadKeys.get(r) ?? [])], clients);
      } catch (err) {
        this.log.debug('read-ahead not started', { type: r.typeName, error: err instanceof Error ? err.message : String(err) });
      }
    }
    this.readAheadKeys.clear();
  }

  private capabilities(): Res {
    // plan_destroy: destroy plans reach the provider, so protected objects are refused at plan time.
    return { plan_destroy: true, get_provider_schema_optional: true, move_resource_state: false };
  }

  private async guard(summary: string, fn: (diags: Diagnostic[]) => Promise<Res>): Promise<Res> {
    const diags: Diagnostic[] = [];
    let res: Res = {};
    try {
      res = await fn(diags);
    } catch (err) {
      this.log.error(summary, { error: err instanceof Error ? err.stack : String(err) });
      diags.push(diagnosticOf(err, summary));
    }
    res.diagnostics = diags.map(toProto);
    return res;
  }

  private async plan(req: PlanResourceChangeRequest, diags: Diagnostic[]): Promise<Res> {
    const r = this.resource(req.type_name);
    const change = {
      prior: decodeObject(req.prior_state, r.schema),
      proposed: decodeObject(req.proposed_new_state, r.schema),
      config: decodeObject(req.config, r.schema),
    };
    // A plan may run before the provider is configured (or with a configuration that failed).
    const clients = this.clients ? await this.clients.catch(() => undefined) : undefined;
    const { planned, requiresReplace } = await planChange(r, change, { clients, log: this.log, signal: this.stop.signal }, diags);
    return {
      planned_state: encodeDynamic(planned, r.schema.type),
      requires_replace: requiresReplace.map((name) => ({ steps: [{ attribute_name: name }] })),
      planned_private: req.prior_private ?? Buffer.alloc(0),
    };
  }

  private async apply(req: ApplyResourceChangeRequest, diags: Diagnostic[]): Promise<Res> {
    const r = this.resource(req.type_name);
    const prior = decodeObject(req.prior_state, r.schema);
    const planned = decodeObject(req.planned_state, r.schema);
    const next = await applyChange(r, prior, planned, await this.ctx(), diags);
    return { new_state: encodeDynamic(next, r.schema.type), private: Buffer.alloc(0) };
  }
}

/** A value of an object schema: the object, or null (absent, or null as in a destroy plan). */
function decodeObject(dv: DynamicValue | undefined, schema: ObjectSchema): ObjectValue | null {
  let value: CtyValue;
  try {
    value = decodeDynamic(dv, schema.type);
  } catch (err) {
    if (err instanceof CtyError) throw new Error(`malformed value from OpenTofu: ${err.message}`);
    throw err;
  }
  if (value !== null && (typeof value !== 'object' || Array.isArray(value))) {
    throw new Error(`malformed value from OpenTofu: expected an object, got ${typeof value}`);
  }
  return value;
}

/** zod validation of every known, non-null attribute value, with the attribute's path. */
function validateAttrs(schema: ObjectSchema, config: Record<string, unknown> | null, diags: Diagnostic[]): void {
  if (!config) return;
  for (const [name, a] of Object.entries(schema.attributes)) {
    const v = config[name];
    if (v === null || v === undefined || containsUnknown(v)) continue;
    const res = a.zod.safeParse(v);
    if (!res.success) {
      for (const issue of res.error.issues) {
        diags.push({
          severity: 'ERROR',
          summary: `Invalid ${name}`,
          detail: `${[name, ...issue.path.map(String)].join('.')}: ${issue.message}, got ${JSON.stringify(v)}`,
          path: [name, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))],
        });
      }
    }
  }
}
