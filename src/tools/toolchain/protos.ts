import * as fs from 'fs';
import * as path from 'path';
import { protoDir } from '../../provider/plugin/proto-dir';
import { cacheDir, isCheckout } from './paths';
import { run, which } from './run';
import { TOOLCHAIN } from './versions';

/**
 * The plugin protocol definitions the provider serves, taken from module sources fetched through
 * the Go module proxy (never hand-copied): tfplugin6 from OpenTofu, the controller service from
 * hashicorp/go-plugin.
 */
const PROTO_SOURCES = [
  {
    module: TOOLCHAIN.opentofu.module,
    version: `v${TOOLCHAIN.opentofu.version}`,
    file: 'docs/plugin-protocol/tfplugin6.10.proto',
    as: 'tfplugin6.proto',
  },
  {
    module: 'github.com/hashicorp/go-plugin',
    version: 'v1.7.0',
    file: 'internal/plugin/grpc_controller.proto',
    as: 'grpc_controller.proto',
  },
] as const;

/**
 * Where the set-up puts the definitions: `.streamform/proto` of streamform's checkout (protoDir's
 * default); for a package installed in a user's project, the machine-wide cache, by version (a
 * reinstall of the package would wipe a folder inside it), which the provider's launcher names in
 * STREAMFORM_PROTO_DIR.
 */
export function protoInstallDir(): string {
  if (isCheckout()) return protoDir();
  return path.join(cacheDir(), 'proto', `opentofu-${TOOLCHAIN.opentofu.version}-go-plugin-${PROTO_SOURCES[1].version}`);
}

export async function ensureProtos(logFile: string): Promise<string> {
  const dir = protoInstallDir();
  fs.mkdirSync(dir, { recursive: true });
  for (const src of PROTO_SOURCES) {
    const target = path.join(dir, src.as);
    if (fs.existsSync(target)) continue;
    if (!which('go')) {
      throw new Error(
        `the provider's protocol definition comes from ${src.module}@${src.version} through the Go module proxy; install Go and re-run`,
      );
    }
    const info = JSON.parse(await run('go', ['mod', 'download', '-json', `${src.module}@${src.version}`], { logFile, cwd: '/' })) as {
      Dir: string;
    };
    fs.copyFileSync(path.join(info.Dir, src.file), `${target}.tmp`);
    fs.renameSync(`${target}.tmp`, target);
  }
  for (const src of PROTO_SOURCES) writeDescriptor(path.join(dir, src.as));
  return dir;
}

/**
 * The definition parsed once, as protobufjs' JSON descriptor beside the .proto file
 * (`tfplugin6.proto.json`): the provider builds its message codecs from it in half the time of
 * parsing the .proto text at every start.
 */
function writeDescriptor(proto: string): void {
  const target = `${proto}.json`;
  if (fs.existsSync(target) && fs.statSync(target).mtimeMs >= fs.statSync(proto).mtimeMs) return;
  const protobuf = require('protobufjs') as typeof import('protobufjs');
  const root = new protobuf.Root().loadSync(proto, { keepCase: true });
  fs.writeFileSync(`${target}.tmp`, JSON.stringify(root.toJSON()));
  fs.renameSync(`${target}.tmp`, target);
}
