import { DatabaseName } from '../../../stacks/environments';
import { CommandError, run } from '../toolchain/run';

/** A database the generators load rows into. */
export interface SqlTarget {
  readonly name: DatabaseName;
  readonly engine: 'mariadb' | 'postgres';
  /** Container name of the local database (`env.databases.<name>.host`). */
  readonly container: string;
  /** The database (schema) inside the server, e.g. `demo`. */
  readonly database: string;
  /** The stack that deploys it, for the fix in error messages, e.g. `ratings-dev`. */
  readonly stack: string;
}

/** Runs SQL against a database; injected so that tests can capture the SQL. */
export type SqlRunner = (target: SqlTarget, sql: string) => Promise<void>;

/**
 * Runs SQL on stdin of the database's client inside its container with `docker exec`. The MariaDB
 * root password is read by a shell inside the container from its own environment
 * (MARIADB_ROOT_PASSWORD), so it never appears on a command line here; PostgreSQL's `postgres` user
 * connects over the container's local socket.
 */
export const dockerSqlRunner: SqlRunner = async (target, sql) => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(target.database)) throw new Error(`invalid database name '${target.database}'`);
  const args =
    target.engine === 'mariadb'
      ? ['exec', '-i', target.container, 'sh', '-c', 'exec mariadb --batch -uroot -p"$MARIADB_ROOT_PASSWORD" "$1"', 'sh', target.database]
      : ['exec', '-i', target.container, 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-U', 'postgres', '-d', target.database];
  try {
    await run('docker', args, { input: sql });
  } catch (err) {
    if (err instanceof CommandError) {
      const output = err.output.trim();
      if (/No such container|is not running/i.test(output)) {
        throw new Error(
          `the ${target.name} database container '${target.container}' is not running; deploy the pipeline first: streamform deploy ${target.stack}`,
        );
      }
      throw new Error(
        `loading the ${target.name} database (${target.engine} in container ${target.container}) failed: ${lastLines(output, 8)}`,
      );
    }
    throw err;
  }
};

function lastLines(text: string, n: number): string {
  const lines = text.split('\n');
  return lines.slice(Math.max(0, lines.length - n)).join('\n');
}

/** A SQL string literal (MariaDB also escapes backslashes; PostgreSQL uses standard strings). */
function sqlString(value: string, engine: SqlTarget['engine']): string {
  const body = engine === 'mariadb' ? value.replace(/\\/g, '\\\\').replace(/'/g, "''") : value.replace(/'/g, "''");
  return `'${body}'`;
}

/** A SQL literal for a row value. */
function sqlValue(value: string | number | null, engine: SqlTarget['engine']): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} to SQL`);
    return String(value);
  }
  return sqlString(value, engine);
}

/** A multi-row INSERT that updates existing rows with the same key (reruns replace rows). */
export function upsertSql(
  engine: SqlTarget['engine'],
  table: string,
  key: string,
  columns: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string {
  if (rows.length === 0) return '';
  const values = rows.map((r) => `  (${r.map((v) => sqlValue(v, engine)).join(', ')})`).join(',\n');
  const others = columns.filter((c) => c !== key);
  const update =
    engine === 'mariadb'
      ? `ON DUPLICATE KEY UPDATE ${others.map((c) => `${c} = VALUES(${c})`).join(', ')}`
      : `ON CONFLICT (${key}) DO UPDATE SET ${others.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`;
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES\n${values}\n${update};\n`;
}
