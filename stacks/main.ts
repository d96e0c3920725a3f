/**
 * The cdktf app: the dev platform and every pipeline in every environment. `cdktf.json` runs the
 * compiled form of this file. Stack ids are `<pipeline>-<env>` and `platform-dev`.
 */
import { App } from 'cdktf';
import { addFingerprintOutput, fingerprintOf, PipelineClass } from './fingerprint';
import { EnvConfig, environment, ENV_NAMES } from './environments';
import { PlatformStack } from './platform';
import { AirlineMergerStack } from './airline-merger';
import { CustomerQualityStack } from './customer-quality';
import { RatingsStack } from './ratings';

/** The pipelines, by name. */
export const PIPELINES: Readonly<Record<string, PipelineClass>> = {
  'customer-quality': CustomerQualityStack,
  ratings: RatingsStack,
  'airline-merger': AirlineMergerStack,
};

export function buildApp(app: App = new App(), env: NodeJS.ProcessEnv = process.env): App {
  const fingerprints = new Map(Object.entries(PIPELINES).map(([name, Stack]) => [name, fingerprintOf(Stack)]));
  for (const name of ENV_NAMES) {
    const config: EnvConfig = environment(name, env);
    const platform = config.platform ? new PlatformStack(app, `platform-${name}`, { env: config }) : undefined;
    for (const [pipeline, Stack] of Object.entries(PIPELINES)) {
      const stack = new Stack(app, `${pipeline}-${name}`, { env: config });
      addFingerprintOutput(stack, fingerprints.get(pipeline)!);
      if (platform) stack.addDependency(platform);
    }
  }
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
