/**
 * Function names known to ksqlDB (its built-in UDF/UDAF/UDTF names, read from the ksqlDB
 * source) and a small table of return types the stand-in can infer. A name ksqlDB does not know
 * gets ksqlDB's own error; a name it knows but this table does not cover gets an explicit
 * `[ksqlDB stand-in]` error instead of a guessed type.
 */
import { KsqlException, StandInUnsupported } from './errors';
import { decimalOf, SqlType, T } from './sql-types';

export const AGGREGATE_FUNCTIONS = new Set([
  'ATTR',
  'AVG',
  'COLLECT_LIST',
  'COLLECT_SET',
  'CORRELATION',
  'COUNT',
  'COUNT_DISTINCT',
  'EARLIEST_BY_OFFSET',
  'HISTOGRAM',
  'LATEST_BY_OFFSET',
  'MAX',
  'MIN',
  'STDDEV_SAMP',
  'STDDEV_SAMPLE',
  'SUM',
  'SUM_LIST',
  'TOPK',
  'TOPKDISTINCT',
]);

export const TABLE_FUNCTIONS = new Set(['EXPLODE', 'CUBE_EXPLODE']);

const SCALAR_FUNCTIONS = new Set(
  (
    'ABS ACOS ARRAY_CONCAT ARRAY_CONTAINS ARRAY_DISTINCT ARRAY_EXCEPT ARRAY_INTERSECT ARRAY_JOIN ARRAY_LENGTH ' +
    'ARRAY_MAX ARRAY_MIN ARRAY_REMOVE ARRAY_SORT ARRAY_UNION ASIN AS_MAP AS_VALUE ATAN ATAN2 BIGINT_FROM_BYTES CBRT ' +
    'CEIL CHR COALESCE CONCAT CONCAT_WS CONVERT_TZ COS COSH COT DATEADD DATESUB DATETOSTRING DEGREES ' +
    'DOUBLE_FROM_BYTES ELT ENCODE ENTRIES EXP EXTRACTJSONFIELD FIELD FILTER FLOOR FORMAT_DATE FORMAT_TIME ' +
    'FORMAT_TIMESTAMP FROM_BYTES FROM_DAYS FROM_UNIXTIME GENERATE_SERIES GEO_DISTANCE GREATEST IFNULL INITCAP ' +
    'INSTR INT_FROM_BYTES IS_JSON_STRING JSON_ARRAY_CONTAINS JSON_ARRAY_LENGTH JSON_CONCAT JSON_ITEMS JSON_KEYS ' +
    'JSON_RECORDS LCASE LEAST LEN LN LOG LPAD MAP_KEYS MAP_UNION MAP_VALUES MASK MASK_KEEP_LEFT MASK_KEEP_RIGHT ' +
    'MASK_LEFT MASK_RIGHT MD5 NULLIF PARSE_DATE PARSE_TIME PARSE_TIMESTAMP PI POWER RADIANS RANDOM REDUCE ' +
    'REGEXP_EXTRACT REGEXP_EXTRACT_ALL REGEXP_REPLACE REGEXP_SPLIT_TO_ARRAY REPLACE REVERSE ROUND RPAD SIGN SIN ' +
    'SINH SLICE SPLIT SPLIT_TO_MAP SQRT STRINGTODATE STRINGTOTIMESTAMP SUBSTRING TAN TANH TIMEADD TIMESTAMPADD ' +
    'TIMESTAMPSUB TIMESTAMPTOSTRING TIMESUB TO_BYTES TO_JSON_STRING TRANSFORM TRIM TRUNC UCASE UNIX_DATE ' +
    'UNIX_TIMESTAMP URL_DECODE_PARAM URL_ENCODE_PARAM URL_EXTRACT_FRAGMENT URL_EXTRACT_HOST URL_EXTRACT_PARAMETER ' +
    'URL_EXTRACT_PATH URL_EXTRACT_PORT URL_EXTRACT_PROTOCOL URL_EXTRACT_QUERY UUID'
  ).split(' '),
);

export function isKnownFunction(name: string): boolean {
  return SCALAR_FUNCTIONS.has(name) || AGGREGATE_FUNCTIONS.has(name) || TABLE_FUNCTIONS.has(name);
}

export function isAggregate(name: string): boolean {
  return AGGREGATE_FUNCTIONS.has(name);
}

/** ksqlDB's message for an unknown function (`InternalFunctionRegistry#getUdfFactory`). */
export function unknownFunction(name: string): KsqlException {
  return new KsqlException(`Can't find any functions with the name '${name}'`);
}

const STRING_RESULT = new Set(
  (
    'UCASE LCASE CONCAT CONCAT_WS SUBSTRING MASK MASK_KEEP_LEFT MASK_KEEP_RIGHT MASK_LEFT MASK_RIGHT TRIM INITCAP ' +
    'LPAD RPAD REPLACE REVERSE REGEXP_REPLACE REGEXP_EXTRACT TIMESTAMPTOSTRING DATETOSTRING FORMAT_DATE FORMAT_TIME ' +
    'FORMAT_TIMESTAMP EXTRACTJSONFIELD CHR ENCODE MD5 UUID TO_JSON_STRING ELT JSON_CONCAT ARRAY_JOIN FROM_BYTES ' +
    'URL_DECODE_PARAM URL_ENCODE_PARAM URL_EXTRACT_FRAGMENT URL_EXTRACT_HOST URL_EXTRACT_PARAMETER URL_EXTRACT_PATH ' +
    'URL_EXTRACT_PROTOCOL URL_EXTRACT_QUERY'
  ).split(' '),
);

const DOUBLE_RESULT = new Set(
  'AVG SQRT EXP LN LOG POWER CBRT SIN COS TAN ASIN ACOS ATAN ATAN2 SINH COSH TANH COT DEGREES RADIANS RANDOM PI GEO_DISTANCE STDDEV_SAMP STDDEV_SAMPLE CORRELATION DOUBLE_FROM_BYTES'.split(
    ' ',
  ),
);

const INT_RESULT = new Set(
  'LEN INSTR FIELD SIGN ARRAY_LENGTH JSON_ARRAY_LENGTH UNIX_DATE STRINGTODATE INT_FROM_BYTES URL_EXTRACT_PORT'.split(' '),
);
const BIGINT_RESULT = new Set('COUNT COUNT_DISTINCT STRINGTOTIMESTAMP UNIX_TIMESTAMP BIGINT_FROM_BYTES'.split(' '));
const BOOLEAN_RESULT = new Set('ARRAY_CONTAINS IS_JSON_STRING JSON_ARRAY_CONTAINS'.split(' '));
/** result type = type of the first (non-null) argument */
const SAME_AS_FIRST = new Set(
  'SUM MIN MAX ABS CEIL FLOOR AS_VALUE COALESCE IFNULL NULLIF GREATEST LEAST ARRAY_DISTINCT ARRAY_EXCEPT ARRAY_INTERSECT ARRAY_UNION ARRAY_REMOVE ARRAY_SORT ARRAY_CONCAT MAP_UNION SLICE'.split(
    ' ',
  ),
);

/**
 * Return type of a function call. `args` holds the argument types (undefined for NULL literals).
 * Throws ksqlDB's error for unknown names and a stand-in error for names outside the table.
 */
export function functionReturnType(name: string, args: ReadonlyArray<SqlType | undefined>): SqlType {
  if (!isKnownFunction(name)) throw unknownFunction(name);
  const first = args.find((a) => a !== undefined);
  const unsupported = (): never => {
    throw new StandInUnsupported(
      `cannot infer the result type of ${name}(${args.map((a) => (a ? a.base : 'NULL')).join(', ')}): the function is not in the stand-in's function table`,
    );
  };
  if (STRING_RESULT.has(name)) return T.STRING;
  if (DOUBLE_RESULT.has(name)) return T.DOUBLE;
  if (INT_RESULT.has(name)) return T.INTEGER;
  if (BIGINT_RESULT.has(name)) return T.BIGINT;
  if (BOOLEAN_RESULT.has(name)) return T.BOOLEAN;
  if (SAME_AS_FIRST.has(name)) return first ?? unsupported();
  switch (name) {
    case 'ROUND': {
      if (!first) return unsupported();
      if (args.length > 1) return first.base === 'DECIMAL' ? first : first.base === 'DOUBLE' ? T.DOUBLE : first;
      if (first.base === 'DOUBLE') return T.BIGINT;
      if (first.base === 'DECIMAL') {
        const d = decimalOf(first)!;
        return T.decimal(d.precision - d.scale + 1, 0);
      }
      return first;
    }
    case 'LATEST_BY_OFFSET':
    case 'EARLIEST_BY_OFFSET':
      if (!first) return unsupported();
      return args.length > 1 && args[1]?.base === 'INTEGER' ? T.array(first) : first;
    case 'COLLECT_LIST':
    case 'COLLECT_SET':
    case 'TOPK':
    case 'TOPKDISTINCT':
    case 'GENERATE_SERIES':
      return first ? T.array(first) : unsupported();
    case 'HISTOGRAM':
      return T.map(T.STRING, T.BIGINT);
    case 'ARRAY_MAX':
    case 'ARRAY_MIN':
      return first?.base === 'ARRAY' ? first.item : unsupported();
    case 'MAP_KEYS':
      return first?.base === 'MAP' ? T.array(first.key) : unsupported();
    case 'MAP_VALUES':
      return first?.base === 'MAP' ? T.array(first.value) : unsupported();
    case 'AS_MAP':
      return args[0]?.base === 'ARRAY' && args[1]?.base === 'ARRAY' ? T.map(args[0].item, args[1].item) : unsupported();
    case 'SPLIT':
      return T.array(first?.base === 'BYTES' ? T.BYTES : T.STRING);
    case 'REGEXP_SPLIT_TO_ARRAY':
    case 'REGEXP_EXTRACT_ALL':
    case 'JSON_KEYS':
    case 'JSON_ITEMS':
      return T.array(T.STRING);
    case 'SPLIT_TO_MAP':
    case 'JSON_RECORDS':
      return T.map(T.STRING, T.STRING);
    case 'TO_BYTES':
      return T.BYTES;
    case 'PARSE_TIMESTAMP':
    case 'FROM_UNIXTIME':
    case 'TIMESTAMPADD':
    case 'TIMESTAMPSUB':
    case 'CONVERT_TZ':
      return T.TIMESTAMP;
    case 'PARSE_DATE':
    case 'FROM_DAYS':
    case 'DATEADD':
    case 'DATESUB':
      return T.DATE;
    case 'PARSE_TIME':
    case 'TIMEADD':
    case 'TIMESUB':
      return T.TIME;
    default:
      return unsupported();
  }
}
