/** Errors of the engine; messages are ksqlDB's. */

/** A statement ksqlDB refuses (KsqlStatementException / KsqlException). */
export class KsqlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KsqlError';
  }
}

/** A statement that fails to parse (ParseFailedException). */
export class KsqlParseError extends KsqlError {
  constructor(message: string) {
    super(message);
    this.name = 'KsqlParseError';
  }
}

/** Something ksqlDB does that this engine does not do: never a wrong answer. */
export class NotSupportedError extends KsqlError {
  constructor(feature: string) {
    super(`not supported by the local ksqlDB: ${feature}`);
    this.name = 'NotSupportedError';
  }
}

/** A failure while processing one record (logged to the processing log, the record is skipped). */
export class RecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordError';
  }
}
