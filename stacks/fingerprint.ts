/**
 * The fingerprint of a pipeline: a hash of its environment-independent definition. Stacks are
 * pure functions of (code, EnvConfig), so synthesizing the pipeline with one fixed, canonical
 * EnvConfig isolates what the code defines from what the environments add. Every pipeline stack
 * carries its fingerprint as the output `streamform_fingerprint`, which OpenTofu records only
 * once everything else of the stack applied, so the state of an environment tells which
 * definition was applied there successfully.
 */
import { TerraformOutput, TerraformResource, TerraformStack, Testing } from 'cdktf';
import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { EnvConfig } from './environments';

export type PipelineClass = new (scope: Construct, id: string, props: { env: EnvConfig }) => TerraformStack;

export const FINGERPRINT_OUTPUT = 'streamform_fingerprint';

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

/** The fingerprint of a pipeline class (sha256 of its canonical synthesis, 16 hex digits). */
export function fingerprintOf(Pipeline: PipelineClass): string {
  const stack = new Pipeline(Testing.app({ enableFutureFlags: false }), 'fingerprint', { env: CANONICAL_ENV });
  return createHash('sha256').update(Testing.synth(stack)).digest('hex').slice(0, 16);
}

/** Adds the fingerprint output, recorded only after every resource of the stack applied. */
export function addFingerprintOutput(stack: TerraformStack, fingerprint: string): TerraformOutput {
  const resources = stack.node.findAll().filter((c): c is TerraformResource => c instanceof TerraformResource);
  const output = new TerraformOutput(stack, FINGERPRINT_OUTPUT, {
    value: fingerprint,
    description: 'fingerprint of the pipeline definition applied by the last successful apply',
  });
  // Written as plain references: cdktf renders an output's dependsOn as templates, which OpenTofu refuses.
  output.addOverride(
    'depends_on',
    resources.map((r) => `${r.terraformResourceType}.${r.friendlyUniqueId}`),
  );
  return output;
}
