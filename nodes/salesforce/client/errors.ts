// What Salesforce's errors mean. REST answers carry `[{message, errorCode, fields}]`; save results of sObject
// Collections carry the same with `statusCode`; a 300 lists the URLs of the records an external ID matched;
// the OAuth endpoint answers `{error, error_description}`. Each becomes a SyncError of the right class.
import { classifyHttpStatus, SyncError, type ErrorClass, type LimitUsage, type SyncErrorInfo } from '../../../runtime-plugins/sync-error.js';

export const TARGET = 'salesforce';

/** One error of Salesforce's error array (REST `errorCode`, save results `statusCode`). */
export interface SalesforceErrorItem {
  code: string;
  message: string;
  fields?: string[];
}

/** A SyncError that keeps Salesforce's own error list and, for a 300, the URLs of the matched records. */
export class SalesforceError extends SyncError {
  constructor(
    message: string,
    info: SyncErrorInfo,
    readonly errors: SalesforceErrorItem[] = [],
    /** Record URLs of a `300 Multiple Choices` (several records share the external ID). */
    readonly matches: string[] = [],
  ) {
    super(message, info);
    this.name = 'SalesforceError';
  }
}

const RATE_LIMIT_CODES = new Set(['REQUEST_LIMIT_EXCEEDED', 'TOO_MANY_REQUESTS', 'CONCURRENT_REQUESTS_LIMIT_EXCEEDED']);
const TRANSIENT_CODES = new Set([
  'UNABLE_TO_LOCK_ROW',
  'SERVER_UNAVAILABLE',
  'UNKNOWN_EXCEPTION',
  'QUERY_TIMEOUT',
  'REQUEST_RUNNING_TOO_LONG',
  'INVALID_QUERY_LOCATOR',
  // With allOrNone the record itself was fine: another one failed and took it down.
  'ALL_OR_NONE_OPERATION_ROLLED_BACK',
]);
const CONFLICT_CODES = new Set(['DUPLICATE_VALUE', 'DUPLICATES_DETECTED', 'DUPLICATE_EXTERNAL_ID', 'MULTIPLE_CHOICES']);
const POLICY_CODES = new Set([
  'ENTITY_IS_LOCKED',
  'INSUFFICIENT_ACCESS',
  'INSUFFICIENT_ACCESS_OR_READONLY',
  'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY',
  'API_DISABLED_FOR_ORG',
  'API_CURRENTLY_DISABLED',
  'FUNCTIONALITY_NOT_ENABLED',
  'INVALID_TYPE_FOR_OPERATION',
  'CANNOT_MODIFY_MANAGED_OBJECT',
]);
const AUTH_CODES = new Set(['INVALID_SESSION_ID', 'INVALID_AUTH_HEADER']);

/** Class and retryability of a Salesforce error code; the HTTP status decides for codes not listed. */
export function classifyCode(code: string, status: number): { class: ErrorClass; retryable: boolean } {
  if (RATE_LIMIT_CODES.has(code)) return { class: 'rate-limit', retryable: true };
  if (TRANSIENT_CODES.has(code)) return { class: 'transient', retryable: true };
  if (CONFLICT_CODES.has(code)) return { class: 'conflict', retryable: false };
  if (POLICY_CODES.has(code)) return { class: 'policy', retryable: false };
  if (AUTH_CODES.has(code)) return { class: 'auth', retryable: false };
  if (status === 0 || status === 200) return { class: 'data', retryable: false };
  return classifyHttpStatus(status);
}

/** `Sforce-Limit-Info: api-usage=18/15000` (possibly beside `per-app-api-usage=…`). */
export function parseLimitInfo(header: string | undefined): LimitUsage | undefined {
  if (header === undefined) return undefined;
  const m = /(?:^|[;,\s])api-usage=(\d+)\/(\d+)/.exec(header);
  if (!m) return undefined;
  return { used: Number(m[1]), max: Number(m[2]), kind: 'api-usage' };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Salesforce's error array, whichever of `errorCode` or `statusCode` it uses. */
export function readErrorItems(body: unknown): SalesforceErrorItem[] {
  const list = Array.isArray(body) ? body : isRecord(body) ? [body] : [];
  const out: SalesforceErrorItem[] = [];
  for (const e of list) {
    if (!isRecord(e)) continue;
    const code = typeof e['errorCode'] === 'string' ? e['errorCode'] : typeof e['statusCode'] === 'string' ? e['statusCode'] : undefined;
    if (code === undefined) continue;
    const item: SalesforceErrorItem = { code, message: typeof e['message'] === 'string' ? e['message'] : code };
    if (Array.isArray(e['fields'])) item.fields = e['fields'].filter((f): f is string => typeof f === 'string');
    out.push(item);
  }
  return out;
}

function infoOf(code: string, status: number, items: SalesforceErrorItem[], limit: LimitUsage | undefined): SyncErrorInfo {
  const c = classifyCode(code, status);
  const info: SyncErrorInfo = { class: c.class, code, retryable: c.retryable, target: TARGET };
  if (status > 0) info.status = status;
  const fields = [...new Set(items.flatMap((e) => e.fields ?? []))];
  if (fields.length > 0) info.fields = fields;
  if (limit) info.limit = limit;
  return info;
}

/** The SyncError of a failed REST answer. */
export function errorFromResponse(status: number, body: unknown, what: string, limit?: LimitUsage): SalesforceError {
  if (status === 300 && Array.isArray(body)) {
    const matches = body.filter((u): u is string => typeof u === 'string');
    return new SalesforceError(`${what}: the external ID matches ${matches.length} records, nothing was written: ${matches.join(', ')}`, infoOf('MULTIPLE_CHOICES', 300, [], limit), [], matches);
  }
  const items = readErrorItems(body);
  const first = items[0];
  if (!first) {
    const text = typeof body === 'string' && body.trim() !== '' ? `: ${body.trim().slice(0, 200)}` : '';
    return new SalesforceError(`${what} failed with HTTP ${status}${text}`, infoOf(`HTTP_${status}`, status, [], limit));
  }
  const detail = items.map((e) => `${e.code}: ${e.message.trim()}${e.fields && e.fields.length > 0 ? ` [${e.fields.join(', ')}]` : ''}`).join('; ');
  return new SalesforceError(`${what}: ${detail}`, infoOf(first.code, status, items, limit), items);
}

/** The SyncError of one failed record of a save result (sObject Collections). */
export function errorFromSaveResult(errors: unknown, what: string, limit?: LimitUsage): SalesforceError {
  const items = readErrorItems(errors);
  const first = items[0] ?? { code: 'UNKNOWN_ERROR', message: 'the record failed without an error' };
  const detail = (items.length > 0 ? items : [first]).map((e) => `${e.code}: ${e.message.trim()}${e.fields && e.fields.length > 0 ? ` [${e.fields.join(', ')}]` : ''}`).join('; ');
  return new SalesforceError(`${what}: ${detail}`, infoOf(first.code, 0, items, limit), items);
}

const OAUTH_WORDS: Record<string, string> = {
  invalid_client_id: 'the consumer key (client id) is not known to Salesforce',
  invalid_client: 'the client secret is wrong, or the client-credentials flow is not enabled for this connected app',
  unsupported_grant_type: 'this login URL does not accept the grant type',
  inactive_user: 'the integration user is inactive',
  inactive_org: 'the org is locked, closed or suspended',
};

/** The SyncError of a failed token request, in plain words; never carries the assertion or a secret. */
export function errorFromTokenResponse(status: number, body: unknown, flow: 'jwt' | 'client-credentials'): SalesforceError {
  const error = isRecord(body) && typeof body['error'] === 'string' ? body['error'] : undefined;
  const description = isRecord(body) && typeof body['error_description'] === 'string' ? body['error_description'] : undefined;
  if (status >= 500 || status === 429) {
    const c = status === 429 ? { class: 'rate-limit' as const, retryable: true } : { class: 'transient' as const, retryable: true };
    return new SalesforceError(`Salesforce's login service answered HTTP ${status}${description ? `: ${description}` : ''}`, { ...c, code: error ?? `HTTP_${status}`, status, target: TARGET });
  }
  let words: string;
  if (error === undefined) words = `Salesforce's login service answered HTTP ${status} without an OAuth error`;
  else if (OAUTH_WORDS[error] !== undefined) words = `${OAUTH_WORDS[error]} (${error}${description ? `: ${description}` : ''})`;
  else if (flow === 'jwt' && error === 'invalid_grant') words = `Salesforce refused the JWT: ${description ?? 'invalid grant'}`;
  else words = `Salesforce refused the login: ${error}${description ? `: ${description}` : ''}`;
  return new SalesforceError(words, { class: 'auth', code: error ?? `HTTP_${status}`, retryable: false, status, target: TARGET });
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'the host name is not known',
  EAI_AGAIN: 'the host name could not be looked up',
  ETIMEDOUT: 'no answer in time',
  ECONNABORTED: 'no answer in time',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host name',
};

/** Why a URL could not be reached, in plain words, from a network error code. */
export function unreachableWords(code: string): string {
  const known = NETWORK_WORDS[code];
  if (known !== undefined) return known;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|TLS|SSL/i.test(code)) return `its TLS certificate is not trusted (${code})`;
  return code;
}

/** Whether a SyncError is a failure to reach the target at all (no HTTP answer). */
export function isUnreachable(err: SyncError): boolean {
  return err.syncwright.status === undefined && err.syncwright.class === 'transient';
}
