import { containsUnknown, ctyEqual, CtyError, CtyValue, decodeDynamic, DynamicValue, encodeDynamic, UNKNOWN } from '../plugin/cty';
import { Logger } from '../plugin/log';
import { AnyResource, CreatedButFailedError, Diagnostic, DiagnosticError, Planned, ProviderDefinition, ResourceContext } from './resource';
import { Attrs, ObjectSchema, toProtoSchema } from './schema';

/**
 * The tfplugin6 Provider service over a ProviderDefinition: decodes and encodes DynamicValues,
 * applies the plan rules OpenTofu enforces, and turns every failure into a diagnostic.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- gRPC requests as @grpc/proto-loader decodes them (no generated types)
type Req = Record<string, any>;
type Res = Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a resource's own schema decoded it; the framework is generic over resources
type AnyState = any;

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
export function diagnosticOf(err: unknown, summary: string): Diagnostic {
  if (err instanceof DiagnosticError) return err.diagnostic;
  const message = err instanceof Error ? err.message : String(err);
  return { severity: 'ERROR', summary, detail: message };
}

export class ProviderServer<PA extends Attrs, C> {
  private clients?: Promise<C>;
  private readonly resources: Map<string, AnyResource<C>>;
  stopped = false;

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

  private ctx(diagnostics: Diagnostic[]): Promise<ResourceContext<C>> {
    if (!this.clients) throw new Error('the provider is not configured');
    return this.clients.then((clients) => ({ clients, log: this.log, diagnostics }));
  }

  /** Every handler, keyed by RPC name, each returning a response object (never throwing). */
  handlers(): Record<string, (req: Req) => Promise<Res>> {
    return {
      GetMetadata: async () => ({
        server_capabilities: this.capabilities(),
        diagnostics: [],
        resources: [...this.resources.keys()].map((type_name) => ({ type_name })),
        data_sources: [],
      }),
      GetProviderSchema: async () => ({
        provider: toProtoSchema(this.provider.schema),
        resource_schemas: Object.fromEntries([...this.resources].map(([n, r]) => [n, toProtoSchema(r.schema)])),
        data_source_schemas: {},
        diagnostics: [],
        server_capabilities: this.capabilities(),
      }),
      ValidateProviderConfig: (req) =>
        this.guard('Invalid provider configuration', async (diags) => {
          const config = decode(req.config, this.provider.schema) as Planned<AnyState>;
          validateAttrs(this.provider.schema, config, diags);
          this.provider.validate?.(config, diags);
          return {};
        }),
      ConfigureProvider: (req) =>
        this.guard('Cannot configure the streamform provider', async (diags) => {
          const config = decode(req.config, this.provider.schema) as AnyState;
          this.log.debug('configure', { terraform_version: req.terraform_version });
          this.clients = this.provider.configure(config, this.log);
          await this.clients.catch((err) => {
            this.clients = undefined;
            diags.push(diagnosticOf(err, 'Cannot configure the streamform provider'));
          });
          return {};
        }),
      ValidateResourceConfig: (req) =>
        this.guard('Invalid configuration', async (diags) => {
          const r = this.resource(req.type_name);
          const config = decode(req.config, r.schema) as Planned<AnyState>;
          validateAttrs(r.schema, config, diags);
          r.validate?.(config, diags);
          return {};
        }),
      UpgradeResourceState: (req) =>
        this.guard(`Cannot read the saved state of a ${req.type_name}`, async () => {
          const r = this.resource(req.type_name);
          const raw = req.raw_state?.json && req.raw_state.json.length > 0 ? req.raw_state.json : Buffer.from('null');
          const value = decodeDynamic({ json: raw }, r.schema.type);
          return { upgraded_state: encodeDynamic(value, r.schema.type) };
        }),
      ReadResource: (req) =>
        this.guard(`Cannot read ${req.type_name}`, async (diags) => {
          const r = this.resource(req.type_name);
          const current = decode(req.current_state, r.schema) as AnyState;
          if (current === null) return { new_state: encodeDynamic(null, r.schema.type), private: req.private };
          const next = await r.read(current, await this.ctx(diags));
          return { new_state: encodeDynamic(next as CtyValue, r.schema.type), private: req.private };
        }),
      PlanResourceChange: (req) => this.guard(`Cannot plan ${req.type_name}`, async (diags) => this.plan(req, diags)),
      ApplyResourceChange: (req) => this.guard(`Cannot apply ${req.type_name}`, async (diags) => this.apply(req, diags)),
      ImportResourceState: (req) =>
        this.guard(`Cannot import ${req.type_name} ${req.id}`, async (diags) => {
          const r = this.resource(req.type_name);
          const state = await r.importState(req.id, await this.ctx(diags));
          return {
            imported_resources: [
              { type_name: req.type_name, state: encodeDynamic(state as CtyValue, r.schema.type), private: Buffer.alloc(0) },
            ],
          };
        }),
      ReadDataSource: async (req) => ({
        diagnostics: [toProto({ severity: 'ERROR', summary: `streamform has no data source ${req.type_name}` })],
      }),
      ValidateDataResourceConfig: async (req) => ({
        diagnostics: [toProto({ severity: 'ERROR', summary: `streamform has no data source ${req.type_name}` })],
      }),
      GetFunctions: async () => ({ functions: {}, diagnostics: [] }),
      StopProvider: async () => {
        this.stopped = true;
        return { Error: '' };
      },
    };
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
    return { ...res, diagnostics: diags.map(toProto) };
  }

  private async plan(req: Req, diags: Diagnostic[]): Promise<Res> {
    const r = this.resource(req.type_name);
    const type = r.schema.type;
    const prior = decode(req.prior_state, r.schema) as Record<string, CtyValue> | null;
    const proposed = decode(req.proposed_new_state, r.schema) as Record<string, CtyValue> | null;
    const config = decode(req.config, r.schema) as Record<string, CtyValue> | null;
    if (proposed === null) {
      if (prior) r.planDestroy?.(prior, diags);
      return { planned_state: encodeDynamic(null, type), requires_replace: [] };
    }
    const planned: Record<string, CtyValue> = { ...proposed };
    for (const [name, a] of Object.entries(r.schema.attributes as Attrs)) {
      const computed = a.flags.presence === 'computed' || a.flags.presence === 'optional_computed';
      if (prior === null && computed && (config?.[name] ?? null) === null) planned[name] = UNKNOWN;
    }
    const requiresReplace = new Set<string>();
    if (prior !== null) {
      for (const [name, a] of Object.entries(r.schema.attributes as Attrs)) {
        if (a.flags.forceNew && !ctyEqual(prior[name], planned[name])) requiresReplace.add(name);
      }
    }
    if (r.plan) {
      let clients: C | undefined;
      if (this.clients) clients = await this.clients.catch(() => undefined);
      await r.plan({ prior, config: config ?? {}, planned, requiresReplace, diagnostics: diags, clients: clients as C, log: this.log });
    }
    if (prior !== null && requiresReplace.size > 0) {
      // Computed values of a replaced object are not known until it exists again.
      for (const [name, a] of Object.entries(r.schema.attributes as Attrs)) {
        if (a.flags.presence === 'computed' && !requiresReplace.has(name) && name !== 'id') planned[name] = UNKNOWN;
      }
    }
    return {
      planned_state: encodeDynamic(planned, type),
      requires_replace: [...requiresReplace].map((name) => ({ steps: [{ attribute_name: name }] })),
      planned_private: req.prior_private ?? Buffer.alloc(0),
    };
  }

  private async apply(req: Req, diags: Diagnostic[]): Promise<Res> {
    const r = this.resource(req.type_name);
    const type = r.schema.type;
    const prior = decode(req.prior_state, r.schema) as AnyState;
    const planned = decode(req.planned_state, r.schema) as AnyState;
    const ctx = await this.ctx(diags);
    if (planned === null) {
      await r.delete(prior, ctx);
      return { new_state: encodeDynamic(null, type) };
    }
    try {
      const next = prior === null ? await r.create(planned, ctx) : await r.update(prior, planned, ctx);
      return { new_state: encodeDynamic(next as CtyValue, type), private: Buffer.alloc(0) };
    } catch (err) {
      if (!(err instanceof CreatedButFailedError)) throw err;
      diags.push(err.diagnostic);
      return { new_state: encodeDynamic(err.state as CtyValue, type), private: Buffer.alloc(0) };
    }
  }
}

function decode(dv: DynamicValue | undefined, schema: ObjectSchema): CtyValue {
  try {
    return decodeDynamic(dv, schema.type);
  } catch (err) {
    if (err instanceof CtyError) throw new Error(`malformed value from OpenTofu: ${err.message}`);
    throw err;
  }
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
