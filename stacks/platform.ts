import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { LocalKafkaPlatform } from '../constructs/platform';
import { configureBackend } from './backend';
import { EnvConfig } from './environments';

export interface PlatformStackProps {
  readonly env: EnvConfig;
}

/** The local Docker Kafka platform of an environment that has one (dev). */
export class PlatformStack extends TerraformStack {
  readonly platform: LocalKafkaPlatform;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    const p = props.env.platform;
    if (!p) throw new Error(`${id}: environment ${props.env.name} has no local platform; platform stacks exist for dev only`);
    configureBackend(this, id, props.env.backend);
    this.platform = new LocalKafkaPlatform(this, 'Platform', {
      name: p.name,
      ports: p.ports,
      images: p.images,
      brokers: p.brokers,
      ksqldb: p.ksqldb,
    });
    const e = this.platform.endpoints;
    new TerraformOutput(this, 'bootstrap_servers', { value: e.bootstrapServers });
    new TerraformOutput(this, 'schema_registry_url', { value: e.schemaRegistryUrl });
    new TerraformOutput(this, 'connect_url', { value: e.connectUrl });
    new TerraformOutput(this, 'ksqldb_url', { value: e.ksqldbUrl ?? `none: ${this.platform.ksqldbNote}` });
  }
}
