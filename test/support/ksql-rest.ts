/**
 * Statements to a ksqlDB server's `/ksql` endpoint as the tests send them: the raw answer, or the
 * entities of a statement that must succeed.
 */

/** The entities as ksqlDB sends them: the tests read their JSON fields directly. */
type Json = any;

export async function ksqlRequest(
  url: string,
  sql: string,
  streamsProperties: Record<string, unknown> = {},
): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${url}/ksql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/vnd.ksql.v1+json' },
    body: JSON.stringify({ ksql: sql, streamsProperties }),
  });
  return { status: res.status, body: await res.json() };
}

/** The statement's entities; a status other than 200 fails with the statement and ksqlDB's answer. */
export async function ksqlOk(url: string, sql: string, streamsProperties: Record<string, unknown> = {}): Promise<Json[]> {
  const a = await ksqlRequest(url, sql, streamsProperties);
  if (a.status !== 200) throw new Error(`${sql}: ${a.status} ${JSON.stringify(a.body)}`);
  return a.body as Json[];
}
