import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ksqlQuery } from '../../src/gen/providers/streamform';
import { StreamformCluster } from '../cluster';
import { appProblems, checkQueryProperties, insertColumnProblems, parseChecked, QUERY_DEFAULTS, selectText } from '../private/ksql-query';
import { registerWriter } from '../private/app-graph';
import { sourcesRead } from '../../src/core/ksql';
import { Validator } from '../private/validator';
import type { KsqlText } from './query';
import { IKsqlSource } from './source';
import { ident } from '../private/ksql-names';

/** Properties of a KsqlInsertInto. */
export interface KsqlInsertIntoProps {
  /**
   * The stream the query writes into, which exists already: a KsqlStream, the stream of a
   * KsqlQuery, or one produced outside this app (`KsqlStream.fromName`). Its columns must be the
   * ones the SELECT produces.
   */
  readonly target: IKsqlSource;
  /** The SELECT, written with the `ksql` tag so that sources are typed references. */
  readonly select: KsqlText;
  /**
   * Query properties, e.g. `{ 'ksql.streams.num.stream.threads': '2' }`; given ones override the default.
   * @default - `{ 'auto.offset.reset': 'earliest' }`: the query reads its sources from their first
   * record. (ksqlDB's own default, latest, skips every record that arrives between the statement and
   * the moment its consumers start, which for a pipeline deployed before its data is data lost.)
   */
  readonly properties?: Readonly<Record<string, string>>;
}

/**
 * A persistent ksqlDB query that writes into an existing stream (`streamform_ksql_query`:
 * INSERT INTO ... SELECT), e.g. to unify several inputs into one stream. It creates nothing
 * readable of its own: read `target`. The query is created after its sources and its target, and
 * re-created when one of them is.
 *
 * @example
 * const bookings = new KsqlStream(this, 'Bookings', { topic: bookingsTopic, valueFormat: KsqlFormat.JSON, columns });
 * new KsqlInsertInto(this, 'SkyOneIntoBookings', {
 *   target: bookings,
 *   select: ksql`SELECT CALLSIGN, BOOKING_ID AS ID FROM ${skyOneBookings} PARTITION BY CALLSIGN EMIT CHANGES`,
 * });
 */
export class KsqlInsertInto extends Construct {
  /** The `streamform_ksql_query` resource. */
  readonly resource: ksqlQuery.KsqlQuery;
  /** The stream written into. */
  readonly target: IKsqlSource;
  /** The sources the SELECT reads (its typed references). */
  readonly sources: readonly IKsqlSource[];
  /** The statement applied. */
  readonly statement: string;

  constructor(scope: Construct, id: string, props: KsqlInsertIntoProps) {
    super(scope, id);
    const cluster = StreamformCluster.of(this);
    const v = new Validator(this);
    const target = props.target;
    v.check(
      target.kind === 'STREAM',
      'target',
      target.sourceName,
      'is a table; INSERT INTO only writes into streams',
      'insert into a stream, or create a table with KsqlQuery and QuerySink.table(...)',
    );
    this.target = target;
    this.sources = props.select.sources;
    this.statement = `INSERT INTO ${ident(target.sourceName)} ${selectText(props.select)};`;
    const parsed = parseChecked(v, this.statement, props.select);
    checkQueryProperties(v, props.properties);
    v.throwIfAny();

    // Whole-app checks run once everything is constructed.
    this.node.addValidation({ validate: () => [...appProblems(this, parsed), ...insertColumnProblems(this, parsed, target)] });
    registerWriter(this, target.sourceName, 'INSERT INTO', () => (parsed ? sourcesRead(parsed) : []));

    const dependsOn = [...props.select.sources.map((s) => s.dependable), target.dependable].filter(
      (d): d is ITerraformDependable => d !== undefined,
    );
    // A source or target created anew (replaced) takes the query along: ksqlDB cannot drop a
    // stream that queries still read or write.
    const triggers = [...props.select.sources.map((s) => s.replaceTrigger), target.replaceTrigger].filter(
      (t): t is string => t !== undefined,
    );
    this.resource = new ksqlQuery.KsqlQuery(this, 'Resource', {
      provider: cluster.provider,
      statement: this.statement,
      streamsProperties: { ...QUERY_DEFAULTS, ...props.properties },
      dependsOn,
      lifecycle: triggers.length > 0 ? { replaceTriggeredBy: [...new Set(triggers)] } : undefined,
    });
  }

  /** The query resource. */
  get dependable(): ITerraformDependable {
    return this.resource;
  }
}
