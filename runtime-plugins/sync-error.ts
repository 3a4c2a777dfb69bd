// The one error type of Syncwright. Every failure a connector, the engine or a node reports is a SyncError
// whose `syncwright` property says what kind of failure it is, so flows (Catch nodes), retries and the
// dead-letter queue can decide without parsing messages.

export const ERROR_CLASSES = ['transient', 'rate-limit', 'auth', 'data', 'conflict', 'policy'] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

export interface LimitUsage {
  used: number;
  max: number;
  /** What the numbers count, e.g. `api-usage` (Salesforce daily requests) or `concurrency`. */
  kind: string;
}

export interface SyncErrorInfo {
  class: ErrorClass;
  /** The vendor's error code (`DUPLICATE_VALUE`, `CONCURRENCY_LIMIT_EXCEEDED`) or ours (`ECONNRESET`, `HTTP_503`). */
  code: string;
  retryable: boolean;
  /** The system that failed: `salesforce`, `netsuite`, `kantata`, `http`, a connection name… */
  target?: string;
  status?: number;
  /** When the target asked us to wait (Retry-After), in milliseconds. */
  retryAfterMs?: number;
  limit?: LimitUsage;
  /** Fields the target named as the cause. */
  fields?: string[];
}

export class SyncError extends Error {
  readonly syncwright: SyncErrorInfo;

  constructor(message: string, info: SyncErrorInfo, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SyncError';
    this.syncwright = info;
  }

  get errorClass(): ErrorClass {
    return this.syncwright.class;
  }
  get retryable(): boolean {
    return this.syncwright.retryable;
  }

  toJSON(): { name: string; message: string; syncwright: SyncErrorInfo } {
    return { name: this.name, message: this.message, syncwright: this.syncwright };
  }
}

export function isSyncError(err: unknown): err is SyncError {
  return err instanceof SyncError || (typeof err === 'object' && err !== null && 'syncwright' in err && isErrorInfo((err).syncwright));
}

function isErrorInfo(v: unknown): v is SyncErrorInfo {
  return typeof v === 'object' && v !== null && ERROR_CLASSES.includes((v as { class: ErrorClass }).class) && typeof (v as { retryable: unknown }).retryable === 'boolean';
}

/** Class and retryability of an HTTP status, for any API that has no more specific code. */
export function classifyHttpStatus(status: number): { class: ErrorClass; retryable: boolean } {
  if (status === 429) return { class: 'rate-limit', retryable: true };
  if (status === 401) return { class: 'auth', retryable: false };
  if (status === 403) return { class: 'policy', retryable: false };
  if (status === 408 || status === 425) return { class: 'transient', retryable: true };
  if (status === 409 || status === 300 || status === 412) return { class: 'conflict', retryable: false };
  if (status >= 500) return { class: 'transient', retryable: status !== 501 && status !== 505 };
  return { class: 'data', retryable: false };
}

const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'UND_ERR_SOCKET', 'ERR_BAD_RESPONSE']);

/** A network failure (no HTTP answer at all) is transient: the request may or may not have been applied. */
export function isTransientNetworkCode(code: string | undefined): boolean {
  return code !== undefined && TRANSIENT_NETWORK_CODES.has(code);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined | null, now: number = Date.now()): number | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return Math.round(secs * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Turns whatever a node or client threw — a SyncError, a core `http request` result, a network error, a plain
 * Error — into a SyncError. Unknown errors are `transient` and retryable: retrying is safe because every
 * side effect is keyed, and a human sees it in the dead-letter queue if it never succeeds.
 */
export function toSyncError(err: unknown, target?: string): SyncError {
  if (err instanceof SyncError) return err;
  if (isSyncError(err)) {
    const e = err as { message?: unknown; syncwright: SyncErrorInfo };
    return new SyncError(typeof e.message === 'string' ? e.message : 'error', { ...e.syncwright });
  }
  const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : 'unknown error';
  if (isTransientNetworkCode(code)) {
    return new SyncError(message, { class: 'transient', code: code as string, retryable: true, target }, { cause: err });
  }
  return new SyncError(message, { class: 'transient', code: code ?? 'UNKNOWN', retryable: true, target }, { cause: err });
}

/** A SyncError from an HTTP status when nothing more specific is known (e.g. Node-RED's core http request node). */
export function httpStatusError(status: number, message: string, target = 'http', retryAfter?: string): SyncError {
  const c = classifyHttpStatus(status);
  const info: SyncErrorInfo = { ...c, code: `HTTP_${status}`, status, target };
  const wait = parseRetryAfter(retryAfter);
  if (wait !== undefined) info.retryAfterMs = wait;
  return new SyncError(message, info);
}
