/**
 * The cdktf app: the dev platform and every pipeline in every environment. `cdktf.json` runs the
 * compiled form of this file. Stack ids are `<pipeline>-<env>` and `platform-dev`.
 */
import { App, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { EnvConfig, environment, ENV_NAMES } from './environments';
import { PipelineStackProps } from './pipeline';
import { PlatformStack } from './platform';
import { AirlineMergerStack } from './airline-merger';
import { CustomerQualityStack } from './customer-quality';
import { RatingsStack } from './ratings';

type PipelineClass = new (scope: Construct, id: string, props: PipelineStackProps) => TerraformStack;

/** The pipelines, by name. */
export const PIPELINES: Readonly<Record<string, PipelineClass>> = {
  'customer-quality': CustomerQualityStack,
  ratings: RatingsStack,
  'airline-merger': AirlineMergerStack,
};

export function buildApp(app: App = new App(), env: NodeJS.ProcessEnv = process.env): App {
  for (const name of ENV_NAMES) {
    const config: EnvConfig = environment(name, env);
    const platform = config.platform ? new PlatformStack(app, `platform-${name}`, { env: config }) : undefined;
    for (const [pipeline, Stack] of Object.entries(PIPELINES)) {
      const stack = new Stack(app, `${pipeline}-${name}`, { env: config });
      if (platform) stack.addDependency(platform);
    }
  }
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
