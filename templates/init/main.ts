/**
 * The cdktf app: the dev platform and the pipeline in each environment. Stacks: platform-dev,
 * pageviews-dev, pageviews-prod. `npx streamform deploy platform-dev pageviews-dev` deploys dev.
 */
import { App, TerraformStack } from 'cdktf';
import { LocalKafkaPlatform } from 'streamform/platform';
import { dev, prod } from './environments';
import { PageviewsStack } from './pageviews';

const app = new App();

const devEnv = dev();
const platform = new TerraformStack(app, 'platform-dev');
devEnv.backend(platform, 'platform-dev');
new LocalKafkaPlatform(platform, 'Platform', devEnv.platform!);
new PageviewsStack(app, 'pageviews-dev', devEnv).addDependency(platform);

new PageviewsStack(app, 'pageviews-prod', prod());

app.synth();
