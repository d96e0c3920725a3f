import * as fs from 'fs';
import * as path from 'path';

/**
 * Where the plugin protocol definitions are read from: `STREAMFORM_PROTO_DIR`, else
 * `.streamform/proto` of the package the provider runs from (the set-up fetches them there).
 */
export function protoDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STREAMFORM_PROTO_DIR) return path.resolve(env.STREAMFORM_PROTO_DIR);
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}: set STREAMFORM_PROTO_DIR to the folder of tfplugin6.proto`);
    dir = up;
  }
  return path.join(dir, '.streamform', 'proto');
}
