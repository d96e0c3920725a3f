import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { ConverterSpec, Secret, StreamformCluster } from '../constructs';
import { PlatformAttachment } from '../constructs/platform';
import { configureBackend } from './backend';
import { EnvConfig } from './environments';

export interface PipelineStackProps {
  readonly env: EnvConfig;
}

/**
 * Base of the pipeline stacks: state backend, the cluster (provider and environment rules), and
 * access to the environment's systems. A pipeline stack is instantiated once per environment.
 */
export abstract class PipelineStack extends TerraformStack {
  readonly env: EnvConfig;
  readonly cluster: StreamformCluster;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id);
    this.env = props.env;
    configureBackend(this, id, props.env.backend);
    this.cluster = new StreamformCluster(this, 'Cluster', props.env.cluster);
  }

  /** A secret of this stack: a sensitive variable, TF_VAR_<name> at plan time. */
  protected secret(name: string, description: string): Secret {
    return Secret.fromVariable(this, name, description);
  }

  /** The local platform to attach database containers to, in environments that have one. */
  protected get platform(): PlatformAttachment | undefined {
    const p = this.env.platform;
    return p ? { networkName: p.name, images: p.images } : undefined;
  }

  protected get avroConverter(): ConverterSpec {
    return this.env.avroConverter;
  }
}
