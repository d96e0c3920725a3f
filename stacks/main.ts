/**
 * The cdktf app: the dev platform and every pipeline in every environment. `cdktf.json` runs the
 * compiled form of this file. Stack ids are `<pipeline>-<env>` and `platform-dev`.
 */
import { App } from 'cdktf';
import { addReleaseRecord, fingerprintOf, PipelineClass } from './fingerprint';
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

/**
 * What the streamform CLI tells the app about this synthesis (STREAMFORM_RELEASE, JSON): the git
 * commit, whether the tree was clean, and each stack's test result. Plain `cdktf synth` has none.
 */
interface ReleaseContext {
  readonly commit?: string;
  readonly cleanTree?: boolean;
  readonly tests?: Readonly<Record<string, string>>;
}

function releaseContext(env: NodeJS.ProcessEnv): ReleaseContext {
  try {
    return env.STREAMFORM_RELEASE ? (JSON.parse(env.STREAMFORM_RELEASE) as ReleaseContext) : {};
  } catch {
    throw new Error(`STREAMFORM_RELEASE is not JSON: ${env.STREAMFORM_RELEASE}`);
  }
}

export function buildApp(app: App = new App(), env: NodeJS.ProcessEnv = process.env): App {
  const context = releaseContext(env);
  const fingerprints = new Map(Object.entries(PIPELINES).map(([name, Stack]) => [name, fingerprintOf(Stack)]));
  for (const name of ENV_NAMES) {
    const config: EnvConfig = environment(name, env);
    const platform = config.platform ? new PlatformStack(app, `platform-${name}`, { env: config }) : undefined;
    for (const [pipeline, Stack] of Object.entries(PIPELINES)) {
      const stack = new Stack(app, `${pipeline}-${name}`, { env: config });
      addReleaseRecord(stack, {
        fingerprint: fingerprints.get(pipeline)!,
        commit: context.commit ?? 'unknown',
        cleanTree: context.cleanTree ?? false,
        tests: context.tests?.[`${pipeline}-${name}`] ?? 'not run',
      });
      if (platform) stack.addDependency(platform);
    }
  }
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
