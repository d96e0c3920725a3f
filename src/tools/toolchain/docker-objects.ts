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
 * Removes the Docker objects of a deployment whose state is gone (a previous checkout, or an
 * interrupted run): without state, OpenTofu would try to create them again and fail on the names.
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

/**
 * The containers, volumes and networks a synthesized stack declares (by name), removed when the
 * stack has no state: they are orphans of an earlier deployment whose state is gone.
 */
export async function removeOrphansOf(
  stackJson: { resource?: Record<string, Record<string, { name?: unknown }>> },
  hasState: boolean,
): Promise<string[]> {
  if (hasState) return [];
  const declared = (type: string) =>
    Object.values(stackJson.resource?.[type] ?? {})
      .map((r) => r.name)
      .filter((n): n is string => typeof n === 'string' && !n.includes('${'));
  const existing = async (args: string[]) =>
    new Set(
      (await run('docker', args))
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    );
  // `docker rm -f` succeeds for names that do not exist, so only what exists is removed and reported.
  const containers = await existing(['ps', '-a', '--format', '{{.Names}}']);
  const volumes = await existing(['volume', 'ls', '--format', '{{.Name}}']);
  const networks = await existing(['network', 'ls', '--format', '{{.Name}}']);
  const removed: string[] = [];
  for (const name of declared('docker_container').filter((n) => containers.has(n))) {
    await run('docker', ['rm', '-f', '-v', name]);
    removed.push(`container ${name}`);
  }
  for (const [type, kind, present] of [
    ['docker_volume', 'volume', volumes],
    ['docker_network', 'network', networks],
  ] as const) {
    for (const name of declared(type).filter((n) => present.has(n))) {
      await run('docker', [kind, 'rm', name]);
      removed.push(`${kind} ${name}`);
    }
  }
  return removed;
}
