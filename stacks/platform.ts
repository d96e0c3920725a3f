import { LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import * as path from 'path';
import { LocalKafkaPlatform } from '../constructs';
import { EnvConfig } from './environments';

export interface PlatformStackProps {
  readonly env: EnvConfig;
}

/** The local Docker Kafka platform of one environment (dev). */
export class PlatformStack extends TerraformStack {
  readonly platform: LocalKafkaPlatform;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    new LocalBackend(this, { path: path.join(props.env.stateDir, `${id}.tfstate`) });
    const p = props.env.platform;
    this.platform = new LocalKafkaPlatform(this, 'Platform', { name: p.name, ports: p.ports, images: p.images });
    const e = this.platform.endpoints;
    new TerraformOutput(this, 'bootstrap_servers', { value: e.bootstrapServers });
    new TerraformOutput(this, 'schema_registry_url', { value: e.schemaRegistryUrl });
    new TerraformOutput(this, 'connect_url', { value: e.connectUrl });
    new TerraformOutput(this, 'ksqldb_url', { value: e.ksqldbUrl ?? `none: ${this.platform.ksqldbNote}` });
  }
}
