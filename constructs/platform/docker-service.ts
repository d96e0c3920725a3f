import { container, image, volume } from '@cdktf/provider-docker';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { Duration } from 'streamform';
import { dockerProviderFor, healthcheck } from '../private/docker';
import { literal } from '../private/literal';
import { ServiceImage } from './images';

/** Properties of a DockerService. */
export interface DockerServiceProps {
  /** Container name (also its DNS name on the network). */
  readonly name: string;
  /** The image to run and how to probe its health. */
  readonly image: ServiceImage;
  /** The Docker network the container joins. */
  readonly networkName: string;
  /** Extra DNS names on the network. @default - none */
  readonly aliases?: readonly string[];
  /** The container's environment variables (values reach it exactly as written; secrets through a Secret's value). */
  readonly env: Readonly<Record<string, string>>;
  /** Host port (published on 127.0.0.1 only) -> container port. @default - none published */
  readonly ports?: readonly { readonly host: number; readonly container: number }[];
  /** Named volumes: volume name -> mount path in the container. @default - none */
  readonly volumes?: readonly { readonly name: string; readonly path: string }[];
  /** The command the image runs, replacing its default arguments. @default - the image's command */
  readonly command?: readonly string[];
  /** Files written into the container before it starts (e.g. database init scripts). @default - none */
  readonly uploads?: readonly { readonly file: string; readonly content: string }[];
  /** Other things to create first. @default - none */
  readonly dependsOn?: readonly ITerraformDependable[];
  /**
   * How long `docker stop` (and a platform restart) waits after SIGTERM before it kills the
   * container (whole seconds). @default - Docker's default, 10 seconds
   */
  readonly stopTimeout?: Duration;
  /** How long `apply` waits for the container to become healthy (whole seconds). @default Duration.minutes(5) */
  readonly waitTimeout?: Duration;
}

/**
 * One long-running container with its image, named volumes, a health check and 127.0.0.1-only
 * ports; `apply` waits until the health check passes.
 */
export class DockerService extends Construct {
  /** The container. */
  readonly container: container.Container;
  /** The image (kept locally when the stack is destroyed). */
  readonly image: image.Image;
  /** Its named volumes. */
  readonly volumes: readonly volume.Volume[];

  constructor(scope: Construct, id: string, props: DockerServiceProps) {
    super(scope, id);
    const provider = dockerProviderFor(this);
    this.image = new image.Image(this, 'Image', {
      provider,
      name: props.image.ref,
      // Images are shared by every stack on the machine: destroy never removes them.
      keepLocally: true,
    });
    this.volumes = (props.volumes ?? []).map((v, i) => new volume.Volume(this, `Volume${i}`, { provider, name: v.name }));
    this.container = new container.Container(this, 'Container', {
      provider,
      name: props.name,
      image: this.image.imageId,
      hostname: props.name,
      restart: 'unless-stopped',
      mustRun: true,
      env: Object.entries(props.env)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}=${literal(v)}`),
      command: props.command ? props.command.map(literal) : undefined,
      networksAdvanced: [{ name: props.networkName, aliases: props.aliases ? [...props.aliases] : undefined }],
      ports: (props.ports ?? []).map((p) => ({ internal: p.container, external: p.host, ip: '127.0.0.1', protocol: 'tcp' })),
      volumes: (props.volumes ?? []).map((v, i) => ({ volumeName: this.volumes[i].name, containerPath: v.path })),
      healthcheck: healthcheck(props.image.health),
      upload: props.uploads?.map((u) => ({ file: u.file, content: u.content })),
      wait: true,
      waitTimeout: (props.waitTimeout ?? Duration.minutes(5)).toSeconds(),
      destroyGraceSeconds: 30,
      stopTimeout: props.stopTimeout?.toSeconds(),
      dependsOn: props.dependsOn ? [...props.dependsOn] : undefined,
    });
  }
}
