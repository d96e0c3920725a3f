import { run } from './run';

/** Names of Docker containers, networks and volumes whose name starts with the prefix. */
export async function dockerObjects(prefix: string): Promise<string[]> {
  const list = async (args: string[]) =>
    (await run('docker', args))
      .split('\n')
      .map((s) => s.trim())
      .filter((s) => s.startsWith(prefix));
  return [
    ...(await list(['ps', '-a', '--format', '{{.Names}}'])).map((n) => `container ${n}`),
    ...(await list(['network', 'ls', '--format', '{{.Name}}'])).map((n) => `network ${n}`),
    ...(await list(['volume', 'ls', '--format', '{{.Name}}'])).map((n) => `volume ${n}`),
  ];
}

/**
 * Removes every Docker object whose name starts with the prefix: the test harness's clean-up of its
 * own instances. Deploys never do this: objects they find outside a stack's state are refused or
 * settled as the user says (cli/leftovers.ts).
 */
export async function removeDockerObjects(prefix: string): Promise<string[]> {
  const objects = await dockerObjects(prefix);
  for (const obj of objects) {
    const [kind, name] = obj.split(' ');
    const cmd = kind === 'container' ? ['rm', '-f', '-v', name] : [kind, 'rm', name];
    await run('docker', cmd).catch(() => undefined);
  }
  return objects;
}

/** A Docker object that exists (the shape cli/leftovers.ts decides on). */
export interface FoundDockerObject {
  readonly kind: 'container' | 'volume' | 'network';
  readonly name: string;
  /** What `tofu import` takes: the full id of a container or network, a volume's name. */
  readonly importId: string;
  readonly createdAt: Date;
  readonly running?: boolean;
}

/** Which of the named containers, volumes and networks exist, with their ids and creation times. */
export async function findDockerObjects(
  wanted: readonly { readonly kind: 'container' | 'volume' | 'network'; readonly name: string }[],
): Promise<FoundDockerObject[]> {
  const names = async (args: string[]) =>
    new Set(
      (await run('docker', args))
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    );
  const present = {
    container: wanted.some((w) => w.kind === 'container') ? await names(['ps', '-a', '--format', '{{.Names}}']) : new Set<string>(),
    volume: wanted.some((w) => w.kind === 'volume') ? await names(['volume', 'ls', '--format', '{{.Name}}']) : new Set<string>(),
    network: wanted.some((w) => w.kind === 'network') ? await names(['network', 'ls', '--format', '{{.Name}}']) : new Set<string>(),
  };
  const found: FoundDockerObject[] = [];
  for (const w of wanted) {
    if (!present[w.kind].has(w.name)) continue;
    // creation times as JSON strings (RFC 3339), not Go's time format
    const format =
      w.kind === 'container'
        ? '{{.Id}}\t{{json .Created}}\t{{.State.Running}}'
        : w.kind === 'network'
          ? '{{.Id}}\t{{json .Created}}\tfalse'
          : '{{.Name}}\t{{json .CreatedAt}}\tfalse';
    // removed between the listing and now: not found
    const out = await run('docker', [w.kind, 'inspect', '--format', format, w.name]).catch(() => undefined);
    if (out === undefined) continue;
    const [importId, created, running] = out.trim().split('\t');
    found.push({
      kind: w.kind,
      name: w.name,
      importId,
      createdAt: new Date(JSON.parse(created) as string),
      ...(w.kind === 'container' ? { running: running === 'true' } : {}),
    });
  }
  return found;
}

/**
 * Removes one Docker object. Containers are removed without `-v`: no volume is ever removed as a
 * side effect, only when named here.
 */
export async function removeDockerObject(kind: 'container' | 'volume' | 'network', name: string): Promise<void> {
  await run('docker', kind === 'container' ? ['rm', '-f', name] : [kind, 'rm', name]);
}
