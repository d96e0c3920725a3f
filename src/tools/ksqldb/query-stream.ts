/**
 * `POST /query-stream` and `POST /close-query` (ksqlDB's QueryStreamHandler / QueryEndpoint /
 * CloseQueryHandler), limited to what a catalog-only server can answer honestly: a push query
 * gets its header (queryId, columnNames, columnTypes) and then no rows until it is closed; pull
 * queries and PRINT are refused with a `[ksqlDB stand-in]` error.
 */
import { ServerResponse } from 'node:http';
import { analyzeQuery, resultHeader } from './analyzer';
import { Ctx, prepare } from './engine';
import { genericError, KsqlException, StandInUnsupported, statementError, StatementError } from './errors';
import { parseRequest } from './ksql-resource';
import { PushQueryRegistry, transientQueryId } from './push-queries';

export const DELIMITED = 'application/vnd.ksqlapi.delimited.v1';
export const KSQL_V1_JSON = 'application/vnd.ksql.v1+json';

export interface QueryStreamArgs {
  readonly sql: string;
  readonly properties: Record<string, unknown>;
}

/** An error answered through ksqlDB's FailureHandler (no Content-Type header). */
export interface FailureAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export type QueryStreamOutcome =
  | { readonly kind: 'error'; readonly answer: FailureAnswer }
  | { readonly kind: 'stream'; readonly header: Record<string, unknown>; readonly id: string; readonly sql: string };

/** Plans a push query (or explains why not), without touching the response. */
export function planQueryStream(ctx: Ctx, args: QueryStreamArgs, contentType: string): QueryStreamOutcome {
  const fail = (status: number, body: Record<string, unknown>): QueryStreamOutcome => ({ kind: 'error', answer: { status, body } });
  try {
    const parsed = parseRequest(args.sql);
    if (parsed.length !== 1) {
      throw new StatementError(`Expected exactly one KSQL statement; found ${parsed.length} instead`, args.sql, true);
    }
    const p = prepare(ctx, parsed[0]);
    const s = p.statement;
    if (s.kind === 'print') throw new StandInUnsupported('PRINT is not supported: the stand-in holds no data');
    if (s.kind !== 'query') throw new StatementError('Neither a query nor a print statement', args.sql, true);
    if (s.query.emit === undefined) {
      throw new StandInUnsupported('pull queries are not supported: the stand-in holds no data and cannot answer them');
    }
    let analysis;
    try {
      analysis = analyzeQuery(p.sanitized!, {});
    } catch (e) {
      if (e instanceof KsqlException) throw new StatementError(e.message, p.text);
      throw e;
    }
    if (contentType !== DELIMITED && contentType !== 'application/json') {
      throw new StandInUnsupported(
        `/query-stream responses of type ${contentType} are not supported; ask for ${DELIMITED} or application/json`,
      );
    }
    const id = transientQueryId(p.sanitized!.sources[0].alias);
    return { kind: 'stream', header: { queryId: id, ...resultHeader(analysis) }, id, sql: args.sql };
  } catch (e) {
    if (e instanceof StatementError) return fail(400, statementError(40001, e.unloggedMessage(), e.statementText));
    if (e instanceof StandInUnsupported) return fail(500, genericError(50000, e.message));
    return fail(
      500,
      genericError(
        50000,
        'The server encountered an internal error when processing the query. Please consult the server logs for more information.',
      ),
    );
  }
}

/** Starts streaming: header first, then nothing until the query is closed. */
export function startStream(
  res: ServerResponse,
  outcome: Extract<QueryStreamOutcome, { kind: 'stream' }>,
  contentType: string,
  registry: PushQueryRegistry,
): void {
  const json = contentType === 'application/json';
  res.writeHead(200, { 'Content-Type': json ? 'application/json' : DELIMITED, 'Transfer-Encoding': 'chunked' });
  res.write(json ? '[' + JSON.stringify(outcome.header) : JSON.stringify(outcome.header) + '\n');
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    if (json && !res.writableEnded) res.write(']');
    if (!res.writableEnded) res.end();
  };
  registry.add({ id: outcome.id, sql: outcome.sql, close: end });
  res.on('close', () => {
    ended = true;
    registry.remove(outcome.id);
  });
}
