/** Docker plumbing of the local platform: the provider, health checks, names. */
import { container, provider as dockerProvider } from '@cdktf/provider-docker';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { createHash } from 'crypto';
import { Duration } from 'streamform';
import { HealthProbe, VERSIONS } from '../platform/images';
import { literal } from './literal';

/** The Docker provider of the stack `scope` is in, created once per stack with the pinned version. */
export function dockerProviderFor(scope: Construct): dockerProvider.DockerProvider {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild('docker');
  if (existing instanceof dockerProvider.DockerProvider) return existing;
  stack.addOverride('terraform.required_providers.docker.version', VERSIONS.dockerProviderConstraint);
  return new dockerProvider.DockerProvider(stack, 'docker', {});
}

export function healthcheck(probe: HealthProbe): container.ContainerHealthcheck {
  return {
    test: ['CMD-SHELL', literal(probe.command)],
    interval: goDuration(probe.interval ?? Duration.seconds(3)),
    timeout: goDuration(Duration.seconds(10)),
    startPeriod: goDuration(probe.startPeriod ?? Duration.minutes(1)),
    retries: 5,
  };
}

/** Whole seconds in Go's time.Duration notation (`1m30s`), which the provider stores: anything else diffs. */
export function goDuration(d: Duration): string {
  const seconds = Math.round(d.toSeconds());
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** A stable KRaft cluster id (16 bytes, base64url) derived from the platform name. */
export function clusterId(name: string): string {
  return createHash('sha256').update(`streamform:${name}`).digest().subarray(0, 16).toString('base64url');
}
