import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { KsqlQuery, KsqlText, QuerySink, SinkOptions } from './ksql/query';
import { IKsqlSource, SourceColumnInfo } from './ksql/source';
import { ident, ksqlNameFromId, stringLiteral } from './private/ksql-names';
import { Topic } from './topic';
import { Validator } from './private/validator';

type MaskKind = 'full' | 'keepLeft' | 'keepRight' | 'redact' | 'nullify';

/**
 * How a column is hidden. ksqlDB's masking functions replace upper-case letters with `X`,
 * lower-case with `x`, digits with `n` and anything else with `-`, unless a single mask character
 * is given for all of them.
 *
 * @example
 * Mask.keepRight(4)      // MASK_KEEP_RIGHT(PHONE, 4): 'nnn-nnn-1234'
 * Mask.redact()          // '*****'
 * Mask.nullify()         // CAST(NULL AS <type>)
 */
export class Mask {
  /** Every character masked (`MASK`); with `char`, every character becomes `char`. */
  static full(char?: string): Mask {
    return new Mask('full', char === undefined ? 'masked' : `masked with '${char}'`, 0, char);
  }
  /** All but the first `n` characters masked (`MASK_KEEP_LEFT`). */
  static keepLeft(n: number, char?: string): Mask {
    return new Mask('keepLeft', `masked but the first ${n}`, n, char);
  }
  /** All but the last `n` characters masked (`MASK_KEEP_RIGHT`), e.g. the last 4 digits of a card. */
  static keepRight(n: number, char?: string): Mask {
    return new Mask('keepRight', `masked but the last ${n}`, n, char);
  }
  /** Every value replaced by the constant `text`, NULLs included (so that not even presence shows). */
  static redact(text = '*****'): Mask {
    return new Mask('redact', `replaced by '${text}'`, 0, text);
  }
  /** The value dropped: NULL of the column's type (any type, unlike the others, which need STRING). */
  static nullify(): Mask {
    return new Mask('nullify', 'set to NULL', 0, undefined);
  }

  private constructor(
    private readonly kind: MaskKind,
    /** For people: `masked but the last 4`. */
    readonly description: string,
    private readonly n: number,
    /** The mask character, or the redaction text. */
    private readonly text: string | undefined,
  ) {}

  /**
   * Problems with this mask applied to `column`: [field suffix, value, problem, fix].
   * @internal
   */
  _problems(column: SourceColumnInfo): { field: string; value: unknown; problem: string; fix: string }[] {
    const out: { field: string; value: unknown; problem: string; fix: string }[] = [];
    if (this.kind !== 'nullify' && column.type !== 'unknown' && column.type !== 'STRING' && column.type !== 'VARCHAR') {
      out.push({
        field: '',
        value: `${column.name} ${column.type}`,
        problem: `${this.description} needs a STRING column`,
        fix: 'use Mask.nullify() for columns of other types',
      });
    }
    if ((this.kind === 'keepLeft' || this.kind === 'keepRight') && !(Number.isInteger(this.n) && this.n >= 0)) {
      out.push({
        field: '',
        value: this.n,
        problem: 'keeps a number of characters that is not a whole number of at least 0',
        fix: `give e.g. Mask.${this.kind}(4)`,
      });
    }
    if (this.kind !== 'redact' && this.text !== undefined && [...this.text].length !== 1) {
      out.push({ field: '.char', value: this.text, problem: 'must be exactly one character', fix: "give e.g. '*'" });
    }
    return out;
  }

  /**
   * The masked value of `column` as a ksqlDB expression of the column's type.
   * @internal
   */
  _render(column: SourceColumnInfo): string {
    const col = ident(column.name);
    const chars = this.text === undefined ? '' : `, ${[1, 2, 3, 4].map(() => stringLiteral(this.text!)).join(', ')}`;
    switch (this.kind) {
      case 'full':
        return `MASK(${col}${chars})`;
      case 'keepLeft':
        return `MASK_KEEP_LEFT(${col}, ${this.n}${chars})`;
      case 'keepRight':
        return `MASK_KEEP_RIGHT(${col}, ${this.n}${chars})`;
      case 'redact':
        return stringLiteral(this.text!);
      case 'nullify':
        return `CAST(NULL AS ${column.type})`;
    }
  }
}

/** Properties of a RedactedStream. */
export interface RedactedStreamProps {
  /** The stream to redact; its columns must be known. */
  readonly source: IKsqlSource;
  /** How to hide each column, by column name; the other columns pass unchanged. Key columns cannot be masked. */
  readonly mask: Readonly<Record<string, Mask>>;
  /** Name, topic and formats of the redacted stream. @default - the construct id in upper snake case, its topic in lower case with `-`, the source's formats */
  readonly sink?: SinkOptions;
  /** Refuse to drop the redacted stream (and delete its topic). @default - the cluster's `protect` */
  readonly protect?: boolean;
}

/**
 * A stream with personal data hidden on the fly, for consumers who must not see it: every column
 * of the source in order and under its own name, the ones in `mask` masked, redacted or dropped
 * (`CREATE STREAM ... AS SELECT`). Wraps one KsqlQuery, `resource`.
 *
 * @example
 * const redacted = new RedactedStream(this, 'BookingsRedacted', {
 *   source: bookings,
 *   mask: { CUSTOMER_NAME: Mask.redact(), CUSTOMER_EMAIL: Mask.redact(), PHONE: Mask.keepRight(4) },
 *   sink: { topic: { topicName: 'bookings-redacted' }, valueFormat: KsqlFormat.JSON_SR },
 * });
 */
export class RedactedStream extends Construct implements IKsqlSource {
  /** The query that writes the redacted stream. */
  readonly resource: KsqlQuery;
  /** Always `STREAM`. */
  readonly kind = 'STREAM' as const;
  /** Declared by this app. */
  readonly external = false;
  /** The redacted stream's name in ksqlDB. */
  readonly sourceName: string;
  /** The source's columns: names and types are kept. */
  readonly columns: readonly SourceColumnInfo[];

  constructor(scope: Construct, id: string, props: RedactedStreamProps) {
    super(scope, id);
    const v = new Validator(this);
    const source = props.source;
    const columns = source.columns ?? [];
    v.check(
      source.kind === 'STREAM',
      'source',
      source.sourceName,
      'is a table; RedactedStream writes a stream',
      'redact the stream the table is built from, or write a KsqlQuery with QuerySink.table(...)',
    );
    v.check(
      columns.length > 0,
      'source',
      source.sourceName,
      'has no known columns, so the masked projection cannot be written',
      'declare the source with columns (KsqlStream with columns or an Avro valueSchema)',
    );
    const entries = Object.entries(props.mask);
    v.check(
      entries.length > 0,
      'mask',
      props.mask,
      'is empty, so nothing would be hidden',
      'name the columns to hide, e.g. { EMAIL: Mask.redact() }',
    );
    if (columns.length > 0) {
      for (const [name, mask] of entries) {
        const col = columns.find((c) => c.name === name);
        if (!col) {
          const near = columns.find((c) => c.name.toUpperCase() === name.toUpperCase());
          v.add(
            `mask.${name}`,
            name,
            `is not a column of ${source.sourceName}`,
            near ? `did you mean '${near.name}'?` : `name one of the columns: ${columns.map((c) => c.name).join(', ')}`,
          );
          continue;
        }
        if (col.key) {
          v.add(
            `mask.${name}`,
            name,
            'is a key column; masking it would change the key, and so the partitioning and joins of the stream',
            'mask value columns only; to hide a key, first re-key the stream on a surrogate (PARTITION BY) and mask the old key as a value',
          );
          continue;
        }
        for (const p of mask._problems(col)) v.add(`mask.${name}${p.field}`, p.value, p.problem, p.fix);
      }
    }
    v.throwIfAny();

    const masks = new Map(entries);
    const select = columns.map((c) => {
      const mask = masks.get(c.name);
      return mask ? `${mask._render(c)} AS ${ident(c.name)}` : ident(c.name);
    });
    const name = props.sink?.name ?? ksqlNameFromId(id);
    this.resource = new KsqlQuery(this, 'Resource', {
      sink: QuerySink.stream({ ...props.sink, name }),
      select: new KsqlText(`SELECT ${select.join(', ')} FROM ${ident(source.sourceName)} EMIT CHANGES`, [source]),
      protect: props.protect,
    });
    this.sourceName = this.resource.sourceName;
    this.columns = columns.map((c) => ({ ...c }));
  }

  /** Partitions of its topic. */
  get partitions(): number {
    return this.resource.partitions;
  }
  /** The redacted stream's topic. */
  get topic(): Topic {
    return this.resource.topic;
  }
  /** The query resource: what reads the redacted stream is created after it. */
  get dependable(): ITerraformDependable {
    return this.resource.dependable;
  }
  /** The query's `instance_id`: queries reading the redacted stream are re-created when it is. */
  get replaceTrigger(): string {
    return this.resource.replaceTrigger;
  }
  /** The statement applied. */
  get statement(): string {
    return this.resource.statement;
  }
}
