/**
 * Error kinds of the server and the JSON envelopes ksqlDB sends for them
 * (`KsqlErrorMessage` = generic_error, `KsqlStatementErrorMessage` = statement_error; see
 * ksqlDB's `Errors` and `KsqlResource#handleKsqlStatements`).
 */

/**
 * `KsqlStatementException` with problem STATEMENT: HTTP 400, statement_error 40001.
 * `suffixed` marks exceptions built from (message, statement) whose "unlogged" form, shown by the
 * /query-stream endpoint, is `<message>\nStatement: <statement>`.
 */
export class StatementError extends Error {
  constructor(
    message: string,
    readonly statementText: string,
    readonly suffixed = false,
  ) {
    super(message);
  }

  unloggedMessage(): string {
    return this.suffixed ? `${this.message}\nStatement: ${this.statementText}` : this.message;
  }
}

/** A plain `KsqlException`; reaching the resource unwrapped it becomes HTTP 400 generic_error 40000. */
export class KsqlException extends Error {}

/** `KsqlStatementException` with problem OTHER: HTTP 500 statement_error 50000 for one statement. */
export class OtherStatementError extends Error {
  constructor(
    message: string,
    readonly statementText: string,
  ) {
    super(message);
  }
}

/** Any other exception: HTTP 500 statement_error 50000 whose statementText is the whole request text. */
export class ServerError extends Error {}

/** A complete HTTP answer decided deep inside (e.g. 503 50301, 400 40002). */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message ?? ''));
  }
}

export function genericError(code: number, message: string): Record<string, unknown> {
  return { '@type': 'generic_error', error_code: code, message };
}

export function statementError(code: number, message: string, statementText: string): Record<string, unknown> {
  return { '@type': 'statement_error', error_code: code, message, statementText, entities: [] };
}

export const NOT_READY = genericError(50302, 'KSQL is not yet ready to serve requests.');
export const SHUTTING_DOWN = genericError(50303, 'The server is shutting down');

/** ksqlDB's `Errors#queryEndpoint` (40002) for SELECT / PRINT sent to /ksql. */
export function queryEndpointError(statementText: string): RestError {
  return new RestError(
    400,
    statementError(
      40002,
      "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT",
      statementText,
    ),
  );
}

/**
 * `ErrorMessageUtil#buildErrorMessage` for a message and its cause: each cause line is
 * "Caused by: ..." word-wrapped at 80 columns with "\n\t" (commons-text `WordUtils.wrap`).
 */
export function withCause(message: string, cause: string): string {
  if (!cause || message.includes(cause)) return message;
  return `${message}\n${wrap80('Caused by: ' + cause)}`;
}

function wrap80(text: string): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    let rest = line;
    while (rest.length > 80) {
      let cut = rest.lastIndexOf(' ', 80);
      if (cut <= 0) cut = 80;
      out.push(rest.slice(0, cut));
      rest = rest.slice(cut).replace(/^ /, '');
    }
    out.push(rest);
  }
  return out.join('\n\t');
}
