import * as path from 'path';
import { catalogFromEnvironment, ImageCatalog, PlatformPorts } from '../constructs';
import { REPO_ROOT } from '../src/toolchain/paths';

/**
 * Everything that differs between environments, as data. Stacks take one EnvConfig and never ask
 * which environment they are in.
 */
export interface EnvConfig {
  readonly name: 'dev' | 'staging' | 'prod';
  /** Folder for local Terraform state files. */
  readonly stateDir: string;
  readonly platform: LocalPlatformConfig;
}

/** A platform that streamform runs on the local Docker engine. */
export interface LocalPlatformConfig {
  readonly kind: 'local';
  /** Prefix of the platform's Docker objects. */
  readonly name: string;
  readonly ports: Required<PlatformPorts>;
  readonly images: ImageCatalog;
}

/**
 * The dev environment: the local Docker platform. Several instances can run side by side on one
 * machine (tests use this): STREAMFORM_DEV_NAME names the instance (default `streamform-dev`),
 * STREAMFORM_DEV_PORT_OFFSET shifts every published port, STREAMFORM_STATE_DIR moves the state.
 */
export function devEnvironment(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const name = env.STREAMFORM_DEV_NAME ?? 'streamform-dev';
  const offset = Number(env.STREAMFORM_DEV_PORT_OFFSET ?? 0);
  if (!Number.isInteger(offset) || offset < 0 || offset > 50000) {
    throw new Error(`STREAMFORM_DEV_PORT_OFFSET must be an integer between 0 and 50000, got '${env.STREAMFORM_DEV_PORT_OFFSET}'; unset it to use the default ports`);
  }
  return {
    name: 'dev',
    stateDir: env.STREAMFORM_STATE_DIR ?? path.join(REPO_ROOT, '.streamform', 'state', name),
    platform: {
      kind: 'local',
      name,
      ports: { kafka: 9092 + offset, schemaRegistry: 8081 + offset, connect: 8083 + offset, ksqldb: 8088 + offset },
      images: catalogFromEnvironment(env),
    },
  };
}
