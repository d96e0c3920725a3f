/**
 * The fingerprint of a pipeline and the release record of a stack.
 *
 * Fingerprint: a hash of the pipeline's environment-independent definition. Stacks are pure
 * functions of (code, EnvConfig), so synthesizing the pipeline with one fixed, canonical EnvConfig,
 * once under each environment's name, isolates what the code defines from what the environments
 * add (endpoints, replication, protection), while code that only some environments get (a sink for
 * staging only) is part of it: such a change moves the fingerprint of every environment, so dev
 * must have applied it before it can be promoted.
 *
 * Release record: every pipeline stack carries a `terraform_data.streamform_release` resource that
 * depends on all its other resources, holding the fingerprint, the git commit, whether the tree was
 * clean, and the result of the pipeline's test cases. OpenTofu applies it only after every
 * resource it depends on applied: a partly failed apply leaves the previous record in the state.
 * (An output would not do: OpenTofu writes outputs even when resources failed.) Promotion reads it.
 */
import { TerraformResource, TerraformStack, Testing } from 'cdktf';
import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { EnvConfig, ENV_NAMES } from './environments';

export type PipelineClass = new (scope: Construct, id: string, props: { env: EnvConfig }) => TerraformStack;

/** The resource of the release record: `terraform_data.streamform_release`. */
export const RELEASE_RESOURCE = 'streamform_release';

/** What a successful apply of a pipeline stack records. */
export interface Release {
  readonly fingerprint: string;
  /** The git commit of the checkout that synthesized it (`unknown` outside a git checkout). */
  readonly commit: string;
  /** The working tree had no uncommitted changes. */
  readonly cleanTree: boolean;
  /** The pipeline's test cases on the local ksqlDB engine: `passed (n)`, `failed: a, b`, `none declared` or `not run`. */
  readonly tests: string;
}

/** One fixed environment for every pipeline; its values never reach a deployment. */
export const CANONICAL_ENV: EnvConfig = {
  name: 'prod',
  backend: { kind: 'local', dir: '/fingerprint' },
  cluster: {
    brokers: 3,
    endpoints: {},
    connectView: { bootstrapServers: 'kafka:9092', schemaRegistryUrl: 'http://schema-registry' },
    topicDefaults: { partitions: 6, replicationFactor: 3, minInsyncReplicas: 2 },
    protect: true,
  },
  avroConverter: { converterClass: 'avro.Converter', settings: {} },
  databases: {
    ratings: { host: 'ratings-db', port: 3306, local: false },
    airline: { host: 'airline-db', port: 5432, local: false },
    quality: { host: 'quality-db', port: 5432, local: false },
  },
  externalSinks: { elasticsearchUrl: 'http://elasticsearch', snowflakeUrl: 'account.snowflakecomputing.com' },
};

/** The fingerprint of a pipeline class (sha256 of its canonical syntheses, 16 hex digits). */
export function fingerprintOf(Pipeline: PipelineClass): string {
  const hash = createHash('sha256');
  for (const name of ENV_NAMES) {
    const stack = new Pipeline(Testing.app({ enableFutureFlags: false }), 'fingerprint', { env: { ...CANONICAL_ENV, name } });
    hash.update(`${name}\0${Testing.synth(stack)}\0`);
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * OpenTofu's built-in `terraform_data` with an `input`, as cdktf's DataResource synthesizes it,
 * without DataResource's check of the Terraform binary's version, which runs `terraform version`
 * once per stack at every synthesis (0.6 s for the nine stacks; the set-up pins OpenTofu anyway).
 */
class ReleaseRecord extends TerraformResource {
  constructor(
    scope: TerraformStack,
    id: string,
    private readonly input: Record<string, unknown>,
  ) {
    super(scope, id, { terraformResourceType: 'terraform_data', terraformGeneratorMetadata: { providerName: 'terraform' } });
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { input: this.input };
  }
}

/** Adds the release record, applied only after every other resource of the stack applied. */
export function addReleaseRecord(stack: TerraformStack, release: Release): TerraformResource {
  const resources = stack.node.findAll().filter((c): c is TerraformResource => c instanceof TerraformResource);
  const record = new ReleaseRecord(stack, RELEASE_RESOURCE, {
    fingerprint: release.fingerprint,
    commit: release.commit,
    clean_tree: release.cleanTree,
    tests: release.tests,
  });
  record.overrideLogicalId(RELEASE_RESOURCE);
  // Written as plain references (cdktf would render dependsOn of constructs as templates).
  record.addOverride(
    'depends_on',
    resources.map((r) => `${r.terraformResourceType}.${r.friendlyUniqueId}`),
  );
  return record;
}
