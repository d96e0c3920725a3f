import { LocalBackend, PgBackend, PgBackendConfig, TerraformStack } from 'cdktf';
import * as path from 'path';
import { BackendConfig } from './environments';

/**
 * Local state for dev; OpenTofu's pg backend (with locking) for shared environments. The pg
 * connection string is never written into configuration: OpenTofu reads it from PG_CONN_STR.
 */
export function configureBackend(stack: TerraformStack, id: string, backend: BackendConfig): void {
  if (backend.kind === 'local') {
    new LocalBackend(stack, { path: path.join(backend.dir, `${id}.tfstate`) });
  } else {
    // cdktf's types ask for connStr; leaving it out makes OpenTofu read PG_CONN_STR instead.
    const config = { schemaName: `${backend.schemaPrefix}_${id}`.replace(/[^A-Za-z0-9_]/g, '_') } as PgBackendConfig;
    new PgBackend(stack, config);
  }
}
