import type { AxiosError, AxiosInstance, AxiosRequestConfig, AxiosStatic, Method } from 'axios';
import { z } from 'zod';
import { abortError, checkAborted, sleep } from './abort';
import { requestCounter } from './request-counter';
import { extraTrust } from './trust';

/** Basic authentication for an HTTP endpoint. */
export interface BasicAuth {
  readonly username: string;
  readonly password: string;
}

export interface HttpEndpoint {
  /** Base URL, e.g. `http://localhost:8081/apis/ccompat/v7`. */
  readonly url: string;
  readonly basicAuth?: BasicAuth;
  /**
   * Bound on one call, retries included: a server that does not answer (e.g. a port that accepts
   * connections and never replies) is reported after this long. @default 30000
   */
  readonly timeoutMs?: number;
}

/** The bound on one call to a server, retries included, unless the endpoint sets another. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** A server answered with an error status (or not at all); carries what a person needs to act. */
export class ServerError extends Error {
  /** The server did not answer within the call's timeout (not worth another attempt). */
  timedOut = false;

  constructor(
    readonly server: string,
    readonly method: string,
    readonly path: string,
    readonly status: number | undefined,
    /** The server's own error code (`error_code`), when it sent one. */
    readonly code: number | undefined,
    readonly serverMessage: string,
    readonly body?: unknown,
  ) {
    super(`${server} ${method} ${path} failed${status ? ` with HTTP ${status}` : ''}${code ? ` (error ${code})` : ''}: ${serverMessage}`);
    this.name = 'ServerError';
  }
}

/** A server answered successfully, but with a body that does not match its documented shape. */
class UnexpectedResponseError extends Error {
  constructor(server: string, method: string, path: string, issues: string, body: unknown) {
    super(`${server} ${method} ${path} answered with an unexpected body (${issues}): ${truncate(JSON.stringify(body), 500)}`);
    this.name = 'UnexpectedResponseError';
  }
}

function truncate(s: string | undefined, n: number): string {
  if (s === undefined) return 'nothing';
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

export interface RetryPolicy {
  /** Total attempts for retryable failures. @default 6 */
  readonly attempts?: number;
  /** First back-off delay; doubles each time. @default 250 */
  readonly initialDelayMs?: number;
  /** Decides whether a failure is worth another attempt. @default connection errors and 503 */
  readonly retryable?: (err: ServerError) => boolean;
}

const ERROR_BODY = z.object({ error_code: z.number().optional(), message: z.string().optional() }).loose();

/**
 * A JSON-over-HTTP client for one server: axios underneath, every response body parsed with a zod
 * schema, errors turned into ServerError with the server's own message.
 */
export class HttpClient {
  private readonly http: AxiosInstance;
  private readonly timeoutMs: number;

  constructor(
    /** Human name of the server, e.g. `Schema Registry at http://localhost:8081`. */
    readonly server: string,
    /** Key under which requests are counted (`schema-registry`, `connect`, `ksqldb`). */
    readonly kind: string,
    endpoint: HttpEndpoint,
    contentType = 'application/json',
    private readonly retry: RetryPolicy = {},
    /** Aborts requests in flight and the waits between retries. */
    private readonly signal?: AbortSignal,
  ) {
    this.timeoutMs = endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // loaded with the first client: a provider run that talks only to Kafka never loads axios
    const axios = require('axios') as AxiosStatic;
    const secureContext = /^https:/i.test(endpoint.url) ? extraTrust() : undefined;
    this.http = axios.create({
      httpsAgent: secureContext && new (require('https') as typeof import('https')).Agent({ keepAlive: true, secureContext }),
      baseURL: endpoint.url.replace(/\/+$/, ''),
      timeout: this.timeoutMs,
      auth: endpoint.basicAuth,
      headers: { 'Content-Type': contentType, Accept: `${contentType}, application/json` },
      validateStatus: () => true,
      transitional: { clarifyTimeoutError: true },
    });
  }

  async request<T>(
    method: Method,
    path: string,
    schema: z.ZodType<T>,
    opts: { body?: unknown; params?: AxiosRequestConfig['params']; accept404?: false } = {},
  ): Promise<T> {
    const data = await this.raw(method, path, opts.body, opts.params);
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      throw new UnexpectedResponseError(this.server, method.toUpperCase(), path, z.prettifyError(parsed.error).replace(/\n/g, '; '), data);
    }
    return parsed.data;
  }

  /** Like request, but resolves undefined on HTTP 404. */
  async maybe<T>(
    method: Method,
    path: string,
    schema: z.ZodType<T>,
    opts: { body?: unknown; params?: AxiosRequestConfig['params'] } = {},
  ): Promise<T | undefined> {
    try {
      return await this.request(method, path, schema, opts);
    } catch (err) {
      if (err instanceof ServerError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * Performs the call with retries; resolves the body of a 2xx answer, rejects with ServerError
   * otherwise. The whole call, retries included, is bounded by the endpoint's timeout: a server
   * that does not answer is reported once, after that long (not once per attempt).
   */
  async raw(method: Method, path: string, body?: unknown, params?: AxiosRequestConfig['params']): Promise<unknown> {
    const attempts = this.retry.attempts ?? 6;
    let delay = this.retry.initialDelayMs ?? 250;
    const retryable = this.retry.retryable ?? ((e: ServerError) => e.status === undefined || e.status === 503);
    const deadline = Date.now() + this.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      checkAborted(this.signal);
      try {
        return await this.once(method, path, body, params, deadline - Date.now());
      } catch (err) {
        if (!(err instanceof ServerError) || attempt >= attempts || !retryable(err) || err.timedOut) throw err;
        const left = deadline - Date.now();
        if (left <= 0) throw err;
        await sleep(Math.min(delay, left), this.signal);
        if (Date.now() >= deadline) throw err;
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  private async once(
    method: Method,
    path: string,
    body: unknown,
    params: AxiosRequestConfig['params'],
    timeoutMs: number,
  ): Promise<unknown> {
    requestCounter.add(this.kind);
    const m = method.toUpperCase();
    let res;
    try {
      res = await this.http.request({
        method,
        url: path,
        data: body === undefined ? undefined : JSON.stringify(body),
        params,
        signal: this.signal,
        timeout: Math.max(1, timeoutMs),
      });
    } catch (err) {
      if (this.signal?.aborted) throw abortError(this.signal);
      const e = err as AxiosError;
      if (e.code === 'ETIMEDOUT' || e.code === 'ECONNABORTED') {
        const s = this.timeoutMs / 1000;
        const error = new ServerError(
          this.server,
          m,
          path,
          undefined,
          undefined,
          `no answer within ${s} s (is the URL right, and is the server up? raise the provider's request_timeout_seconds if it is only slow)`,
        );
        error.timedOut = true;
        throw error;
      }
      const refused = e.code === 'ECONNREFUSED' ? ' (nothing listens there: is the server running, and is the URL right?)' : '';
      throw new ServerError(this.server, m, path, undefined, undefined, `${e.code ?? ''} ${e.message}`.trim() + refused);
    }
    if (res.status >= 200 && res.status < 300) return res.data === '' ? undefined : res.data;
    const parsed = ERROR_BODY.safeParse(res.data);
    const message =
      parsed.success && parsed.data.message
        ? parsed.data.message
        : typeof res.data === 'string' && res.data
          ? truncate(
              res.data
                .replace(/<[^>]+>/g, ' ')
                .replace(/\s+/g, ' ')
                .trim(),
              300,
            )
          : res.statusText;
    throw new ServerError(this.server, m, path, res.status, parsed.success ? parsed.data.error_code : undefined, message, res.data);
  }
}
