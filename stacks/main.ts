/** The cdktf app: every stack of every environment. `cdktf.json` runs the compiled form of this file. */
import { App } from 'cdktf';
import { devEnvironment } from './environments';
import { PlatformStack } from './platform';

export function buildApp(app: App = new App()): App {
  const dev = devEnvironment();
  new PlatformStack(app, 'platform-dev', { env: dev });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
