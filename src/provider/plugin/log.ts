/**
 * hclog-style JSON lines on stderr, which go-plugin parses and OpenTofu shows under TF_LOG /
 * TF_LOG_PROVIDER. Stdout is reserved for the handshake line.
 */
type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };

function configuredLevel(env: NodeJS.ProcessEnv): number {
  const v = (env.TF_LOG_PROVIDER ?? env.TF_LOG ?? '').toLowerCase();
  if (v === 'json') return ORDER.trace;
  if (v in ORDER) return ORDER[v as Level];
  return v ? ORDER.trace : Number.POSITIVE_INFINITY;
}

const threshold = configuredLevel(process.env);

/** go-plugin parses @timestamp with exactly six fractional digits. */
function timestamp(d = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export interface Logger {
  trace(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function logger(module: string): Logger {
  const log = (level: Level, message: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[level] < threshold) return;
    process.stderr.write(
      JSON.stringify({ '@level': level, '@message': message, '@timestamp': timestamp(), '@module': `streamform.${module}`, ...fields }) +
        '\n',
    );
  };
  return {
    trace: (m, f) => log('trace', m, f),
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  };
}
