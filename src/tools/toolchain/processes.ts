import * as fs from 'fs';

/** One row of the process table: the ids that decide where a signal goes. */
export interface ProcessRow {
  readonly pid: number;
  readonly ppid: number;
  /** Process group. */
  readonly pgid: number;
  /** Session. */
  readonly sid: number;
  /** Executable name (at most 15 characters, as the kernel keeps it). */
  readonly comm: string;
}

/**
 * Parses the text of /proc/<pid>/stat. The executable name is in parentheses and may itself hold
 * spaces and parentheses, so the fields are read after the last ')'.
 */
export function parseProcStat(text: string): ProcessRow | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const comm = text.slice(open + 1, close);
  // after ')': state ppid pgrp session ...
  const [, ppid, pgid, sid] = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const row = { pid, ppid: Number(ppid), pgid: Number(pgid), sid: Number(sid), comm };
  return [row.pid, row.ppid, row.pgid, row.sid].every(Number.isInteger) ? row : undefined;
}

/**
 * The machine's process table from /proc (Linux); processes that exit while it is read are
 * skipped. Empty where there is no /proc (streamform runs on Linux; elsewhere nothing is signalled).
 */
export function processTable(): ProcessRow[] {
  const rows: ProcessRow[] = [];
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return rows;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const row = parseProcStat(fs.readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (row) rows.push(row);
    } catch {
      // exited meanwhile
    }
  }
  return rows;
}

/** Every process below `root` (children, grandchildren, …), not `root` itself. */
export function descendants(table: readonly ProcessRow[], root: number): ProcessRow[] {
  const children = new Map<number, ProcessRow[]>();
  for (const p of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out: ProcessRow[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p.pid) ?? []));
  }
  return out;
}

/**
 * The process groups that a terminal's Ctrl-C would reach inside `root`'s process tree, where a
 * signal sent to `root` does not: the sessions that processes below `root` lead. cdktf runs
 * OpenTofu in a pseudo-terminal (node-pty: setsid, then exec), so OpenTofu leads a session of its
 * own whose process group holds it and the provider plugins it started; a signal to cdktf never
 * gets there. Returns the group ids (each the id of the session leader), outermost first.
 */
export function ownSessionsBelow(table: readonly ProcessRow[], root: number): number[] {
  const rootRow = table.find((p) => p.pid === root);
  return descendants(table, root)
    .filter((p) => p.sid === p.pid && p.sid !== rootRow?.sid)
    .map((p) => p.pgid);
}

/** True while the group has a process that is not a zombie (a zombie has exited, only its parent has not reaped it). */
export function groupRunning(pgid: number, table: readonly ProcessRow[] = processTable()): boolean {
  return table.some((p) => p.pgid === pgid && !isZombie(p.pid));
}

function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat
      .slice(stat.lastIndexOf(')') + 1)
      .trim()
      .startsWith('Z');
  } catch {
    return true;
  }
}
