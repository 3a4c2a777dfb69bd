// How Kantata OX answers: errors are `{"errors":[{type, message, field}]}` whatever the status, 401 carries
// type `oauth`, and 429 comes with no documented headers (the limiter backs off on its own then).
import { z } from 'zod';
import type { HttpResponse, VendorProfile } from '../../../runtime-plugins/http/http-client.js';
import { classifyHttpStatus, parseRetryAfter, SyncError, type SyncErrorInfo } from '../../../runtime-plugins/sync-error.js';

export const KANTATA_TARGET = 'kantata';

const KantataErrorItem = z.object({
  type: z.string().optional(),
  message: z.string().optional(),
  field: z.string().optional(),
});
const KantataErrorBody = z.object({ errors: z.array(KantataErrorItem) });
export type KantataErrorItem = z.infer<typeof KantataErrorItem>;

/** The error items of a Kantata answer, or none when the body is not in Kantata's error shape. */
export function errorItems(data: unknown): KantataErrorItem[] {
  const parsed = KantataErrorBody.safeParse(data);
  return parsed.success ? parsed.data.errors : [];
}

/** `POST /workspaces.json` from an absolute URL (no query string: filters may carry business data). */
function describeRequest(res: HttpResponse): string {
  let path = res.request.url;
  try {
    path = new URL(res.request.url).pathname.replace(/^.*\/api\/v1/, '');
  } catch {
    // keep the URL as sent
  }
  return `${res.request.method} ${path}`;
}

function codeOf(status: number, items: KantataErrorItem[]): string {
  const type = items[0]?.type;
  if (status === 401) return 'OAUTH';
  if (status === 422 || type === 'validation') return 'VALIDATION';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 503) return 'SERVICE_UNAVAILABLE';
  if (status === 403) return 'FORBIDDEN';
  if (status === 400) return 'BAD_REQUEST';
  return `HTTP_${status}`;
}

function explain(status: number, items: KantataErrorItem[], request: string): string {
  const said = items
    .map((i) => (i.field ? `${i.field}: ${i.message ?? 'invalid'}` : (i.message ?? '')))
    .filter((m) => m.length > 0)
    .join('; ');
  const detail = said.length > 0 ? said : `HTTP ${status}`;
  switch (status) {
    case 401:
      return `Kantata refused the bearer token for ${request} (${detail}): the token is wrong, revoked or expired — enter a valid OAuth token in the connection`;
    case 403:
      return `Kantata does not allow ${request} for this token's user (${detail})`;
    case 404:
      return `Kantata has no such record for ${request} (${detail})`;
    case 422:
      return `Kantata refused ${request}: ${detail}`;
    case 429:
      return `Kantata is rate limiting ${request} (${detail})`;
    case 503:
      return `Kantata is unavailable for ${request} (${detail})`;
    default:
      return `Kantata answered ${status} to ${request}: ${detail}`;
  }
}

export const kantataProfile: VendorProfile = {
  target: KANTATA_TARGET,
  isSuccess: (res) => res.status >= 200 && res.status < 300,
  isUnauthorized: (res) => res.status === 401,
  classify(res) {
    const items = errorItems(res.data);
    const base = classifyHttpStatus(res.status);
    const info: SyncErrorInfo = { ...base, code: codeOf(res.status, items), status: res.status, target: KANTATA_TARGET };
    // A validation error is data whatever the status Kantata chose for it.
    if (items.some((i) => i.type === 'validation')) {
      info.class = 'data';
      info.retryable = false;
    }
    const fields = items.map((i) => i.field).filter((f): f is string => typeof f === 'string' && f.length > 0);
    if (fields.length > 0) info.fields = fields;
    // Kantata documents no rate-limit headers; honour Retry-After only if one is there.
    const wait = parseRetryAfter(res.headers['retry-after']);
    if (wait !== undefined) info.retryAfterMs = wait;
    return new SyncError(explain(res.status, items, describeRequest(res)), info);
  },
};
