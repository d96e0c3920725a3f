import { ITerraformDependable } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { connector } from '../src/gen/providers/streamform';
import { StreamformCluster } from './cluster';
import { Duration } from './duration';
import { durationProblem } from './private/duration';
import { literal } from './private/literal';
import { isIndirect, SECRET_KEY, secretsCheckedByConstruct } from './private/secrets';
import { Secret } from './secret';
import { ITopic } from './topic';
import { Validator } from './private/validator';

/** A Kafka Connect connector, declared in this app or existing outside it. */
export interface IConnector extends IConstruct {
  /** The connector's name in Kafka Connect. */
  readonly connectorName: string;
  /** Its plugin class, when known at synth (`connector.class`). */
  readonly connectorClass?: string;
  /** Topics the connector reads (sinks). */
  readonly reads: readonly ITopic[];
  /** Topics the connector writes (sources). */
  readonly writes: readonly ITopic[];
  /** What creating the connector depends on; undefined for external connectors. */
  readonly dependable?: ITerraformDependable;
  /** True when the connector is not managed by this app. */
  readonly external: boolean;
}

/** What this app knows about a connector that runs outside it (see `Connector.fromName`). */
export interface ExternalConnectorOptions {
  /** Its plugin class (`connector.class`). @default - unknown */
  readonly connectorClass?: string;
  /** Topics it reads. @default - none known */
  readonly reads?: readonly ITopic[];
  /** Topics it writes. @default - none known */
  readonly writes?: readonly ITopic[];
}

/** Properties of a Connector. */
export interface ConnectorProps {
  /** The connector's name in Kafka Connect. */
  readonly connectorName: string;
  /** Configuration without secrets; must contain `connector.class`. */
  readonly config: Readonly<Record<string, string>>;
  /** Secret configuration values, sent as the provider's sensitive configuration. @default - none */
  readonly secrets?: Readonly<Record<string, Secret>>;
  /** Topics the connector reads; it is created after them. @default - none */
  readonly reads?: readonly ITopic[];
  /** Topics the connector writes; declared topics are created before it. @default - none */
  readonly writes?: readonly ITopic[];
  /** Other things to create first (e.g. the database it captures). @default - none */
  readonly dependsOn?: readonly ITerraformDependable[];
  /**
   * How long `apply` waits for the connector and its tasks to run (whole seconds).
   * @default Duration.minutes(2)
   */
  readonly runningTimeout?: Duration;
}

/**
 * A Kafka Connect connector (`streamform_connector`): validated by Connect at plan time, applied
 * and then waited for until it and its tasks run. Typed helpers for common connectors live in
 * `connectors/`.
 */
export class Connector extends Construct implements IConnector {
  /**
   * A connector that runs in Kafka Connect but is not managed by this app (deployed by another
   * team or pipeline), e.g. the source of topics this app reads.
   */
  static fromName(scope: Construct, id: string, connectorName: string, options: ExternalConnectorOptions = {}): IConnector {
    return new ExternalConnector(scope, id, connectorName, options);
  }

  /** The `streamform_connector` resource. */
  readonly resource: connector.Connector;
  /** The connector's name in Kafka Connect. */
  readonly connectorName: string;
  /** Its plugin class (`connector.class`). */
  readonly connectorClass: string;
  /** Topics it reads. */
  readonly reads: readonly ITopic[];
  /** Topics it writes. */
  readonly writes: readonly ITopic[];
  /** Declared by this app. */
  readonly external = false;

  constructor(scope: Construct, id: string, props: ConnectorProps) {
    super(scope, id);
    const cluster = StreamformCluster.of(this);
    const v = new Validator(this);
    v.check(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,248}$/.test(props.connectorName),
      'connectorName',
      props.connectorName,
      'must be letters, digits, ".", "_" or "-"',
      'rename the connector, e.g. "ratings-mariadb-source"',
    );
    const cls = props.config['connector.class'];
    v.check(
      cls !== undefined && cls !== '',
      "config['connector.class']",
      cls,
      'is required',
      'name the plugin class, e.g. io.debezium.connector.mysql.MySqlConnector',
    );
    for (const [key, value] of Object.entries(props.config)) {
      if (SECRET_KEY.test(key) && value !== '' && !isIndirect(value)) {
        v.add(
          `config['${key}']`,
          '(a literal secret, not shown)',
          'is a secret written as a literal',
          'pass it in `secrets` with Secret.fromVariable(...) or Secret.connectEnv(...)',
        );
      }
      if (props.secrets && key in props.secrets) {
        v.add(`config['${key}']`, key, 'is also given in secrets', 'keep it in secrets only');
      }
    }
    if (props.runningTimeout !== undefined) {
      const problem = durationProblem(props.runningTimeout, 's');
      if (problem) v.add('runningTimeout', props.runningTimeout.toString(), problem, 'give e.g. Duration.minutes(3)');
    }
    v.reportAtSynth();

    this.connectorName = props.connectorName;
    this.connectorClass = cls!;
    this.reads = props.reads ?? [];
    this.writes = props.writes ?? [];
    // Connect's `${env:NAME}` placeholders must reach Connect as written, not as Terraform templates.
    const secrets = props.secrets ? Object.fromEntries(Object.entries(props.secrets).map(([k, s]) => [k, literal(s.value)])) : undefined;
    const config = Object.fromEntries(Object.entries(props.config).map(([k, v]) => [k, literal(v)]));
    this.resource = new connector.Connector(this, 'Resource', {
      provider: cluster.provider,
      name: props.connectorName,
      config,
      sensitiveConfig: secrets,
      runningTimeoutSeconds: v.found.some((i) => i.field === 'runningTimeout') ? undefined : props.runningTimeout?.toSeconds(),
      dependsOn: [...this.reads.map((t) => t.dependable), ...this.writes.map((t) => t.dependable), ...(props.dependsOn ?? [])].filter(
        (d): d is ITerraformDependable => d !== undefined,
      ),
    });
    // literal secrets in `config` are reported above, by key; the stack-wide scan skips them
    secretsCheckedByConstruct(this.resource, 'config');
  }

  /** The connector resource: what depends on the connector depends on it. */
  get dependable(): ITerraformDependable {
    return this.resource;
  }
}

class ExternalConnector extends Construct implements IConnector {
  readonly external = true;
  readonly dependable = undefined;
  readonly connectorClass?: string;
  readonly reads: readonly ITopic[];
  readonly writes: readonly ITopic[];
  constructor(
    scope: Construct,
    id: string,
    readonly connectorName: string,
    options: ExternalConnectorOptions,
  ) {
    super(scope, id);
    this.connectorClass = options.connectorClass;
    this.reads = options.reads ?? [];
    this.writes = options.writes ?? [];
  }
}
