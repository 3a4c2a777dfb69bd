// How NetSuite answers on the wire: errors in the `o:errorDetails` shape (REST web services) or as OAuth 2.0
// `{error, error_description}` (the token endpoint), classified into SyncErrors. Concurrency governance is
// recognised by its code whatever the status, since accounts answer it as 429 or as 400.
import type { HttpResponse, VendorProfile } from '../../../runtime-plugins/http/http-client.js';
import { parseRetryAfter, SyncError, type ErrorClass, type SyncErrorInfo } from '../../../runtime-plugins/sync-error.js';

export const TARGET = 'netsuite';

/** Codes that mean "too many requests at once": REST/SOAP concurrency governance and RESTlets. */
export const RATE_LIMIT_CODES: ReadonlySet<string> = new Set(['CONCURRENCY_LIMIT_EXCEEDED', 'SSS_REQUEST_LIMIT_EXCEEDED']);

export interface ErrorDetail {
  detail: string;
  code?: string;
  path?: string;
  queryParam?: string;
  header?: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The details of a NetSuite error body; a body in another shape gives one detail of its text. */
export function errorDetails(body: unknown): ErrorDetail[] {
  if (isRecord(body)) {
    const list = body['o:errorDetails'];
    if (Array.isArray(list)) {
      return list.filter(isRecord).map((d) => ({
        detail: str(d['detail']) ?? str(body['title']) ?? 'error',
        code: str(d['o:errorCode']),
        path: str(d['o:errorPath']),
        queryParam: str(d['o:errorQueryParam']),
        header: str(d['o:errorHeader']),
      }));
    }
    const oauthError = str(body['error']);
    if (oauthError !== undefined) return [{ detail: str(body['error_description']) ?? oauthError, code: oauthError }];
    const title = str(body['title']);
    if (title !== undefined) return [{ detail: title }];
  }
  if (typeof body === 'string' && body.trim() !== '') return [{ detail: body.trim().slice(0, 300) }];
  return [];
}

/**
 * A repeated `X-NetSuite-Idempotency-Key`: the request was accepted before as the job at `jobLocation`. The
 * client follows that job instead of failing.
 */
export class IdempotencyConflict extends SyncError {
  constructor(
    message: string,
    info: SyncErrorInfo,
    readonly jobLocation: string | undefined,
  ) {
    super(message, info);
  }
}

/** Permission failures come as 400 USER_ERROR in NetSuite; their wording tells them apart. */
const PERMISSION_WORDING = /permission|not allowed|you do not have access|insufficient privileges/i;
const ALREADY_EXISTS = /already exists|duplicate (record|entity|key)/i;
const OAUTH_CODES = new Set(['invalid_client', 'invalid_grant', 'unauthorized_client', 'invalid_request', 'invalid_scope', 'unsupported_grant_type', 'access_denied']);

interface Classified {
  class: ErrorClass;
  retryable: boolean;
}

function classOf(status: number, code: string | undefined, detail: string): Classified {
  if ((code !== undefined && RATE_LIMIT_CODES.has(code)) || status === 429) return { class: 'rate-limit', retryable: true };
  if (status === 401 || (code !== undefined && OAUTH_CODES.has(code))) return { class: 'auth', retryable: false };
  if (code === 'IDEMPOTENCY_ERROR' || status === 409) return { class: 'conflict', retryable: false };
  if (ALREADY_EXISTS.test(detail)) return { class: 'conflict', retryable: false };
  if (status === 403 || code === 'INSUFFICIENT_PERMISSION' || (code === 'USER_ERROR' && PERMISSION_WORDING.test(detail))) return { class: 'policy', retryable: false };
  if (status >= 500) return { class: 'transient', retryable: status !== 501 && status !== 505 };
  if (status === 408) return { class: 'transient', retryable: true };
  return { class: 'data', retryable: false };
}

export interface NetSuiteProfileOptions {
  /** The account's concurrency limit as configured, reported with concurrency errors. */
  concurrencyLimit?: number;
}

export class NetSuiteProfile implements VendorProfile {
  readonly target = TARGET;
  constructor(private readonly options: NetSuiteProfileOptions = {}) {}

  isSuccess(res: HttpResponse): boolean {
    return res.status >= 200 && res.status < 300;
  }

  isUnauthorized(res: HttpResponse): boolean {
    return res.status === 401;
  }

  classify(res: HttpResponse): SyncError {
    const details = errorDetails(res.data);
    const first = details[0];
    const code = first?.code;
    const text = details.map((d) => d.detail).join('; ') || `HTTP ${res.status}`;
    const c = classOf(res.status, code, text);
    const info: SyncErrorInfo = { class: c.class, code: code ?? `HTTP_${res.status}`, retryable: c.retryable, target: TARGET, status: res.status };
    const fields = [...new Set(details.flatMap((d) => [d.path, d.queryParam, d.header].filter((f): f is string => f !== undefined)))];
    if (fields.length > 0) info.fields = fields;
    if (c.class === 'rate-limit') {
      const wait = parseRetryAfter(res.headers['retry-after']);
      if (wait !== undefined) info.retryAfterMs = wait;
      const max = this.options.concurrencyLimit;
      if (max !== undefined) info.limit = { used: max, max, kind: 'concurrency' };
    }
    const message = `NetSuite ${res.status} ${info.code} on ${res.request.method} ${res.request.url}: ${text}`;
    if (code === 'IDEMPOTENCY_ERROR') return new IdempotencyConflict(message, info, res.headers['location']);
    return new SyncError(message, info);
  }
}
