// Reading the outcome of a delivery from the message that comes back on a feedback wire: from a Syncwright
// node (msg.sync.error / msg.results), a Catch node (msg.error), or Node-RED's core http request node
// (msg.statusCode, which it sets instead of failing on 4xx/5xx).
import { ERROR_CLASSES, httpStatusError, isTransientNetworkCode, SyncError, type ErrorClass, type SyncErrorInfo } from '../sync-error.js';
import type { Outcome } from '../engine/queue.js';

/** What Syncwright nodes write to msg.sync.error before `done(err)`, so Catch nodes and outcomes keep the class. */
export interface RecordedError extends SyncErrorInfo {
  message: string;
  at?: string;
}

export function recordError(err: SyncError): RecordedError {
  return { ...err.syncwright, message: err.message, at: new Date().toISOString() };
}

function fromRecorded(e: unknown): SyncError | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const r = e as Partial<RecordedError>;
  if (!ERROR_CLASSES.includes(r.class as ErrorClass) || typeof r.retryable !== 'boolean') return undefined;
  const { message, at: _at, ...info } = r as RecordedError;
  return new SyncError(typeof message === 'string' ? message : 'failed', info);
}

function header(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return typeof v === 'string' ? v : Array.isArray(v) ? String(v[0]) : undefined;
  return undefined;
}

/** The failure a message reports, if any. */
export function failureOf(msg: Record<string, unknown>): SyncError | undefined {
  const sync = msg['sync'];
  const recorded = typeof sync === 'object' && sync !== null ? fromRecorded((sync as { error?: unknown }).error) : undefined;
  if (recorded) return recorded;
  const error = msg['error'];
  if (typeof error === 'object' && error !== null) {
    const e = error as { message?: unknown; code?: unknown; source?: { type?: unknown } };
    const message = typeof e.message === 'string' ? e.message : 'failed';
    const code = typeof e.code === 'string' ? e.code : undefined;
    const status = typeof msg['statusCode'] === 'number' ? msg['statusCode'] : undefined;
    if (status !== undefined && status >= 400) return httpStatusError(status, message, 'http', header(msg['headers'], 'retry-after'));
    const target = typeof e.source?.type === 'string' ? e.source.type : undefined;
    if (isTransientNetworkCode(code)) return new SyncError(message, { class: 'transient', code: code as string, retryable: true, target });
    // An error we cannot classify is retried (every side effect is keyed) and ends in the DLQ if it persists.
    return new SyncError(message, { class: 'transient', code: code ?? 'NODE_ERROR', retryable: true, target });
  }
  const status = msg['statusCode'];
  if (typeof status === 'number' && status >= 400) {
    const body = typeof msg['payload'] === 'string' ? msg['payload'].slice(0, 200) : '';
    return httpStatusError(status, `HTTP ${status}${body ? `: ${body}` : ''}`, 'http', header(msg['headers'], 'retry-after'));
  }
  return undefined;
}

/** The result worth remembering of a successful outcome (ids created…). */
export function resultOf(msg: Record<string, unknown>): unknown {
  const sync = msg['sync'];
  if (typeof sync === 'object' && sync !== null && 'results' in sync) return (sync).results;
  return undefined;
}

/** Outcomes for a delivery of `n` messages: per message from msg.results when the message carries them. */
export function outcomesOf(msg: Record<string, unknown>, n: number): Outcome[] {
  const results = msg['results'];
  if (n > 1 && Array.isArray(results)) {
    return Array.from({ length: n }, (_, i) => {
      const r = results[i] as unknown;
      if (typeof r !== 'object' || r === null) return { ok: false, error: new SyncError(`no result for message ${i} of the batch`, { class: 'transient', code: 'MISSING_RESULT', retryable: true }) };
      const rr = r as { ok?: unknown; error?: unknown };
      if (rr.ok === false) return { ok: false, error: fromRecorded(rr.error) ?? new SyncError('failed', { class: 'transient', code: 'BATCH_ITEM_FAILED', retryable: true }) };
      return { ok: true, result: r };
    });
  }
  const failure = failureOf(msg);
  const one: Outcome = failure ? { ok: false, error: failure } : { ok: true, result: resultOf(msg) };
  return Array.from({ length: n }, () => one);
}
