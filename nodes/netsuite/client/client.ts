// The NetSuite client: SuiteTalk REST web services records (create, get, update, delete, upsert by external
// id, list), SuiteQL with paging and bound parameters, and asynchronous requests with an idempotency key, over
// the one HTTP layer (limiter, timeouts, one re-authentication). Typed results in, SyncErrors out; no Node-RED.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { HttpClient, type CallContext, type HttpRequest, type HttpResponse } from '../../../runtime-plugins/http/http-client.js';
import type { TargetLimiter } from '../../../runtime-plugins/engine/limiter.js';
import { isSyncError, SyncError } from '../../../runtime-plugins/sync-error.js';
import { checkAccountId, resolveBaseUrl, tbaRealm } from './account.js';
import { OAuth2ClientCredentials, TokenBasedAuth, type AssertionAlgorithm } from './auth.js';
import { IdempotencyConflict, NetSuiteProfile, TARGET } from './profile.js';
import { bindSuiteQL, type SuiteQLParams } from './suiteql.js';

export type NetSuiteAuthConfig =
  | { type: 'oauth2'; clientId: string; certificateId: string; privateKeyPem: string; algorithm?: AssertionAlgorithm; scopes?: readonly string[] }
  | { type: 'tba'; consumerKey: string; consumerSecret: string; tokenId: string; tokenSecret: string };

export interface NetSuiteClientOptions {
  /** `1234567` or `1234567_SB1`: gives the host and the OAuth 1.0 realm. */
  accountId: string;
  /** Override of `https://{account}.suitetalk.api.netsuite.com/services/rest` (sandboxes, proxies). */
  baseUrl?: string;
  auth: NetSuiteAuthConfig;
  /** The connection's shared limiter (concurrency governance). */
  limiter?: TargetLimiter;
  /** The account's concurrency limit, reported with concurrency errors (default: the limiter's). */
  concurrencyLimit?: number;
  /** Per-call timeout (default 120 s; NetSuite itself gives up after 15 minutes). */
  timeoutMs?: number;
  maxPauseWaitMs?: number;
  /** Asynchronous requests: first poll after this long, growing ×1.5 up to 5 s (default 500 ms). */
  asyncPollIntervalMs?: number;
  /** Give up waiting for an asynchronous job after this long (default 5 minutes): a transient error. */
  asyncTimeoutMs?: number;
  now?: () => number;
}

/** A record by internal id, or by external id (`eid:`). */
export type RecordKey = string | number | { externalId: string };

export interface RecordRef {
  id: string;
  externalId?: string;
  /** The record's URL as NetSuite gave it in `Location`. */
  location?: string;
}

export interface AsyncOptions {
  /** `X-NetSuite-Idempotency-Key` (a UUID): a repeat of the same request is not run twice. */
  idempotencyKey?: string;
}

export interface WriteOptions extends CallContext {
  /** Run as an asynchronous job (`Prefer: respond-async`) and wait for its result. */
  async?: AsyncOptions;
}

export interface GetOptions extends CallContext {
  expandSubResources?: boolean;
  fields?: readonly string[];
  async?: AsyncOptions;
}

export interface ListOptions extends CallContext {
  /** Record API query, e.g. `email START_WITH "ap@"`. */
  q?: string;
  /** Page size, 1–1000 (default 1000). */
  limit?: number;
  offset?: number;
  /** Stop after this many ids (listAll; default 100,000). */
  maxResults?: number;
}

export interface ListPage {
  ids: string[];
  hasMore: boolean;
  totalResults: number;
  offset: number;
}

export interface QueryOptions extends CallContext {
  /** Rows per page, 1–1000 (default 1000). */
  pageSize?: number;
  /** Stop after this many rows (default and at most 100,000, what SuiteQL paging reaches). */
  maxResults?: number;
  async?: AsyncOptions;
}

export type SuiteQLRow = Record<string, string>;

export interface QueryResult {
  items: SuiteQLRow[];
  /** How many rows match, as NetSuite counts them (may exceed what paging reaches). */
  totalResults: number;
  /** More rows match than were read (maxResults or the 100,000 rows paging reaches). */
  truncated: boolean;
  pages: number;
}

export interface ConnectionCheck {
  ok: boolean;
  message: string;
  details?: Record<string, string | number | boolean>;
}

/** SuiteQL pages reach at most this many rows; NetSuite refuses offsets beyond. */
export const SUITEQL_MAX_RESULTS = 100_000;
const MAX_PAGE = 1000;
const RECORD_TYPE = /^[A-Za-z][A-Za-z0-9_]*$/;
const INTERNAL_ID = /^-?\d+$/;
const EXTERNAL_ID = /^[A-Za-z0-9_-]{1,255}$/;

const PageAnswer = z.object({
  items: z.array(z.record(z.string(), z.unknown())).default([]),
  hasMore: z.boolean().default(false),
  totalResults: z.number().optional(),
  offset: z.number().optional(),
  count: z.number().optional(),
  links: z.array(z.object({ rel: z.string(), href: z.string() })).default([]),
});

const JobAnswer = z.object({ completed: z.boolean(), progress: z.string().optional(), id: z.union([z.string(), z.number()]).optional() });
const TaskList = z.object({ items: z.array(z.object({ links: z.array(z.object({ rel: z.string(), href: z.string() })).default([]) })).default([]) });

function dataError(message: string, code = 'INVALID_REQUEST'): SyncError {
  return new SyncError(message, { class: 'data', code, retryable: false, target: TARGET });
}

function checkType(type: string): string {
  if (!RECORD_TYPE.test(type)) throw dataError(`"${type}" is not a NetSuite record type: use its REST name, e.g. customer, salesOrder, customrecord_sw_x`, 'INVALID_RECORD_TYPE');
  return type;
}

function checkExternalId(externalId: string): string {
  if (!EXTERNAL_ID.test(externalId)) {
    throw dataError(`the external id "${externalId}" is not one NetSuite accepts: letters, digits, "_" and "-" only, 1 to 255 characters (encode business keys with toNetSuiteExternalId)`, 'INVALID_EXTERNAL_ID');
  }
  return externalId;
}

/** The path segment of a record key: `123` or `eid:ABC-1`. */
export function recordPathId(key: RecordKey): string {
  if (typeof key === 'object') return `eid:${checkExternalId(key.externalId)}`;
  const text = String(key).trim();
  if (text.startsWith('eid:')) return `eid:${checkExternalId(text.slice(4))}`;
  if (!INTERNAL_ID.test(text)) throw dataError(`"${text}" is not a NetSuite internal id (digits) nor eid:<external id>`, 'INVALID_ID');
  return text;
}

/** The id at the end of a `Location` (`…/record/v1/customer/1002` → `1002`). */
export function idFromLocation(location: string | undefined): string | undefined {
  if (location === undefined || location === '') return undefined;
  const path = location.split('?')[0].replace(/\/+$/, '');
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last === '' ? undefined : decodeURIComponent(last);
}

/** A SuiteQL row as data: every value is a string; NetSuite's `links` is dropped. */
function rowOf(item: Record<string, unknown>): SuiteQLRow {
  const row: SuiteQLRow = {};
  for (const [k, v] of Object.entries(item)) if (k !== 'links' && v !== null && v !== undefined) row[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return row;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class NetSuiteClient {
  readonly accountId: string;
  readonly baseUrl: string;
  readonly authType: 'oauth2' | 'tba';
  private readonly http: HttpClient;
  private readonly auth: OAuth2ClientCredentials | TokenBasedAuth;
  private readonly now: () => number;

  constructor(readonly options: NetSuiteClientOptions) {
    this.accountId = checkAccountId(options.accountId);
    this.baseUrl = resolveBaseUrl(this.accountId, options.baseUrl);
    this.now = options.now ?? Date.now;
    this.authType = options.auth.type;
    const profile = new NetSuiteProfile({ concurrencyLimit: options.concurrencyLimit ?? options.limiter?.state().limits.concurrency });
    const timeoutMs = options.timeoutMs ?? 120_000;
    if (options.auth.type === 'oauth2') {
      const tokenHttp = new HttpClient({ baseURL: this.baseUrl, profile, timeoutMs: Math.min(timeoutMs, 60_000) });
      this.auth = new OAuth2ClientCredentials(options.auth, `${this.baseUrl}/auth/oauth2/v1/token`, tokenHttp, this.now);
    } else {
      this.auth = new TokenBasedAuth(options.auth, tbaRealm(this.accountId), this.now);
    }
    this.http = new HttpClient({ baseURL: this.baseUrl, profile, auth: this.auth, limiter: options.limiter, timeoutMs, maxPauseWaitMs: options.maxPauseWaitMs });
  }

  get limiter(): TargetLimiter | undefined {
    return this.options.limiter;
  }

  // ---- records ----

  /** `POST /record/v1/{type}` → the new record's id (from `Location`). Not idempotent: prefer upsert. */
  async create(type: string, body: Record<string, unknown>, opts: WriteOptions = {}): Promise<RecordRef> {
    const res = await this.send({ method: 'POST', url: `record/v1/${checkType(type)}`, data: body, headers: { 'content-type': 'application/json' } }, opts, opts.async);
    return this.refFrom(res, typeof body['externalId'] === 'string' ? body['externalId'] : undefined);
  }

  /**
   * `PUT /record/v1/{type}/eid:{externalId}`: creates the record or updates the one with this external id,
   * replacing the sublists sent. The idempotent write: a retry after a lost answer changes nothing more.
   */
  async upsert(type: string, externalId: string, body: Record<string, unknown>, opts: WriteOptions = {}): Promise<RecordRef> {
    checkExternalId(externalId);
    const bodyExternalId = body['externalId'];
    if (bodyExternalId !== undefined && bodyExternalId !== externalId) throw dataError(`the record's externalId (${JSON.stringify(bodyExternalId)}) differs from the external id to upsert by (${externalId})`, 'EXTERNAL_ID_MISMATCH');
    const { externalId: _omit, ...fields } = body;
    const res = await this.send({ method: 'PUT', url: `record/v1/${checkType(type)}/eid:${externalId}`, data: fields, headers: { 'content-type': 'application/json' } }, opts, opts.async);
    return this.refFrom(res, externalId);
  }

  /** `GET /record/v1/{type}/{id}`, sublists expanded on request. */
  async get(type: string, key: RecordKey, opts: GetOptions = {}): Promise<Record<string, unknown>> {
    const params: Record<string, string> = {};
    if (opts.expandSubResources) params['expandSubResources'] = 'true';
    if (opts.fields && opts.fields.length > 0) params['fields'] = opts.fields.join(',');
    const res = await this.send<unknown>({ method: 'GET', url: `record/v1/${checkType(type)}/${recordPathId(key)}`, params }, opts, opts.async);
    if (typeof res.data !== 'object' || res.data === null || Array.isArray(res.data)) throw new SyncError(`NetSuite answered GET ${type} ${String(recordPathId(key))} without a record`, { class: 'transient', code: 'EMPTY_ANSWER', retryable: true, target: TARGET });
    return res.data as Record<string, unknown>;
  }

  /** `PATCH /record/v1/{type}/{id}`: the fields sent change; sublist lines merge by `line` unless `replace` names the sublist. */
  async update(type: string, key: RecordKey, body: Record<string, unknown>, opts: WriteOptions & { replace?: readonly string[] } = {}): Promise<void> {
    const params: Record<string, string> = {};
    if (opts.replace && opts.replace.length > 0) params['replace'] = opts.replace.join(',');
    await this.send({ method: 'PATCH', url: `record/v1/${checkType(type)}/${recordPathId(key)}`, params, data: body, headers: { 'content-type': 'application/json' } }, opts, opts.async);
  }

  /** `DELETE /record/v1/{type}/{id}`. */
  async delete(type: string, key: RecordKey, opts: WriteOptions = {}): Promise<void> {
    await this.send({ method: 'DELETE', url: `record/v1/${checkType(type)}/${recordPathId(key)}` }, opts, opts.async);
  }

  /** One page of `GET /record/v1/{type}`: the ids of the records (optionally those matching `q`). */
  async list(type: string, opts: ListOptions = {}): Promise<ListPage> {
    const limit = opts.limit ?? MAX_PAGE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw dataError(`list limit must be 1 to ${MAX_PAGE}, got ${limit}`);
    const offset = opts.offset ?? 0;
    if (!Number.isInteger(offset) || offset < 0) throw dataError(`list offset must be 0 or more, got ${offset}`);
    const params: Record<string, string | number> = { limit, offset };
    if (opts.q !== undefined && opts.q.trim() !== '') params['q'] = opts.q;
    const res = await this.http.request<unknown>({ method: 'GET', url: `record/v1/${checkType(type)}`, params }, opts);
    const page = this.page(res);
    return { ids: page.items.map((i) => String(i['id'])), hasMore: page.hasMore, totalResults: page.totalResults ?? page.items.length, offset };
  }

  /** Every id of `GET /record/v1/{type}`, page after page. */
  async listAll(type: string, opts: ListOptions = {}): Promise<ListPage> {
    const max = opts.maxResults ?? SUITEQL_MAX_RESULTS;
    const limit = opts.limit ?? MAX_PAGE;
    const ids: string[] = [];
    let offset = opts.offset ?? 0;
    let last: ListPage;
    do {
      last = await this.list(type, { ...opts, limit, offset });
      ids.push(...last.ids);
      offset += last.ids.length;
    } while (last.hasMore && last.ids.length > 0 && ids.length < max);
    return { ids: ids.slice(0, max), hasMore: last.hasMore || ids.length > max, totalResults: last.totalResults, offset: opts.offset ?? 0 };
  }

  // ---- SuiteQL ----

  /**
   * Runs a SuiteQL query with bound parameters and reads every page (`limit`/`offset`, `Prefer: transient`),
   * up to `maxResults` rows (at most 100,000, all that SuiteQL paging reaches).
   */
  async query(sql: string, params?: SuiteQLParams, opts: QueryOptions = {}): Promise<QueryResult> {
    const items: SuiteQLRow[] = [];
    let totalResults = 0;
    let truncated = false;
    let pages = 0;
    for await (const page of this.queryPages(sql, params, opts)) {
      items.push(...page.items);
      totalResults = page.totalResults;
      truncated = page.truncated;
      pages += 1;
    }
    return { items, totalResults, truncated, pages };
  }

  /** The pages of a SuiteQL query, one request each, for callers that process rows as they come. */
  async *queryPages(sql: string, params?: SuiteQLParams, opts: QueryOptions = {}): AsyncGenerator<{ items: SuiteQLRow[]; totalResults: number; offset: number; truncated: boolean }> {
    const q = bindSuiteQL(sql, params);
    const pageSize = opts.pageSize ?? MAX_PAGE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE) throw dataError(`SuiteQL page size must be 1 to ${MAX_PAGE}, got ${pageSize}`);
    const max = Math.min(opts.maxResults ?? SUITEQL_MAX_RESULTS, SUITEQL_MAX_RESULTS);
    let offset = 0;
    let read = 0;
    for (;;) {
      const limit = Math.min(pageSize, max - read);
      const res = await this.send<unknown>(
        { method: 'POST', url: 'query/v1/suiteql', params: { limit, offset }, data: { q }, headers: { 'content-type': 'application/json', prefer: 'transient' } },
        opts,
        opts.async,
      );
      const page = this.page(res);
      const rows = page.items.map(rowOf);
      read += rows.length;
      const next = this.nextOffset(page.links, offset + rows.length);
      const reachedCap = read >= max || next >= SUITEQL_MAX_RESULTS;
      const more = page.hasMore && rows.length > 0;
      yield { items: rows, totalResults: page.totalResults ?? read, offset, truncated: more && reachedCap };
      if (!more || reachedCap) return;
      offset = next;
    }
  }

  /** The offset of the `next` link when NetSuite gives one, else right after what was read. */
  private nextOffset(links: ReadonlyArray<{ rel: string; href: string }>, fallback: number): number {
    const next = links.find((l) => l.rel === 'next');
    if (next) {
      try {
        const raw = new URL(next.href, this.baseUrl).searchParams.get('offset');
        const n = raw === null ? Number.NaN : Number(raw);
        if (Number.isInteger(n) && n >= fallback) return n;
      } catch {
        // an unreadable link: page on by count
      }
    }
    return fallback;
  }

  // ---- the connection itself ----

  /**
   * Signs in and reads the record catalog, then the account's concurrency limit (an admin-only resource,
   * so its absence is not a failure). Says in plain words what is wrong; never shows a secret.
   */
  async testConnection(): Promise<ConnectionCheck> {
    try {
      await this.http.request({ method: 'GET', url: 'record/v1/metadata-catalog', params: { select: 'customer' } });
    } catch (err) {
      return { ok: false, message: this.explain(err) };
    }
    const details: Record<string, string | number | boolean> = { account: this.accountId, baseUrl: this.baseUrl, auth: this.authType };
    let message = `connected to NetSuite account ${this.accountId} (${this.authType === 'oauth2' ? 'OAuth 2.0 client credentials' : 'token-based authentication'})`;
    try {
      const res = await this.http.request<unknown>({ method: 'GET', url: 'system/v1/governanceLimits' });
      const limit = z.object({ accountConcurrencyLimit: z.number() }).safeParse(res.data);
      if (limit.success) {
        details['accountConcurrencyLimit'] = limit.data.accountConcurrencyLimit;
        const configured = this.options.concurrencyLimit;
        message += `; the account allows ${limit.data.accountConcurrencyLimit} concurrent requests`;
        if (configured !== undefined && configured > limit.data.accountConcurrencyLimit) message += ` — lower the connection's concurrency limit from ${configured} to at most ${limit.data.accountConcurrencyLimit}`;
      }
    } catch {
      // governanceLimits needs an administrator role; the connection works without it.
    }
    return { ok: true, message, details };
  }

  /** A failure in plain words, for the Test connection button. */
  explain(err: unknown): string {
    if (!isSyncError(err)) return describe(err);
    const info = err.syncwright;
    const code = info.code;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot find the host of ${this.baseUrl}: check the account id (${this.accountId}) or the base URL`;
    if (code === 'ECONNREFUSED') return `cannot reach ${this.baseUrl}: connection refused`;
    if (code === 'ETIMEDOUT') return `${this.baseUrl} did not answer in time`;
    if (info.class === 'transient' && info.status === undefined) return `cannot reach ${this.baseUrl}: ${err.message}`;
    if (code === 'invalid_client') return `NetSuite does not accept the client: check the client id, the certificate id, and that the private key belongs to the certificate uploaded for this integration (${err.message.replace(/^.*?: /, '')})`;
    if (code === 'invalid_grant' || code === 'invalid_scope' || code === 'invalid_request' || code === 'unauthorized_client') {
      return `NetSuite refused the client credentials token request (${code}): ${err.message.replace(/^.*?: /, '')}. Check the integration has Client Credentials (M2M) and the REST Web Services scope`;
    }
    if (info.class === 'auth' && info.status === 401) {
      return this.authType === 'tba'
        ? `NetSuite refused the token-based login (${code}): check the consumer key and secret, the token id and secret, and the account id (realm ${tbaRealm(this.accountId)})`
        : `NetSuite refused the access token (${code}): check the integration's role and that the certificate mapping is active`;
    }
    if (info.class === 'auth') return err.message;
    if (info.class === 'policy') return `signed in, but the role may not use REST web services or read records: ${err.message}`;
    if (info.status === 404) return `${this.baseUrl} does not serve NetSuite REST web services (404): check the base URL`;
    return err.message;
  }

  // ---- internals ----

  private page(res: HttpResponse<unknown>): z.output<typeof PageAnswer> {
    const parsed = PageAnswer.safeParse(res.data);
    if (!parsed.success) throw new SyncError(`NetSuite answered ${res.request.method} ${res.request.url} with a page in an unexpected shape`, { class: 'transient', code: 'UNEXPECTED_ANSWER', retryable: true, target: TARGET, status: res.status });
    return parsed.data;
  }

  private refFrom(res: HttpResponse<unknown>, externalId: string | undefined): RecordRef {
    const location = res.headers['location'];
    const id = idFromLocation(location);
    if (id === undefined) throw new SyncError(`NetSuite answered ${res.request.method} ${res.request.url} with ${res.status} but no Location of the record`, { class: 'transient', code: 'NO_LOCATION', retryable: true, target: TARGET, status: res.status });
    const ref: RecordRef = { id };
    if (externalId !== undefined) ref.externalId = externalId;
    if (location !== undefined) ref.location = location;
    return ref;
  }

  /** A request, synchronously or as an asynchronous job whose result is read back. */
  private async send<T = unknown>(req: HttpRequest, ctx: CallContext, async: AsyncOptions | undefined): Promise<HttpResponse<T>> {
    if (async === undefined) return this.http.request<T>(req, ctx);
    const headers: Record<string, string> = { ...req.headers, prefer: [req.headers?.['prefer'], 'respond-async'].filter(Boolean).join(', ') };
    if (async.idempotencyKey !== undefined) {
      if (async.idempotencyKey.trim() === '' || async.idempotencyKey.length > 255) throw dataError('an idempotency key must be 1 to 255 characters (a UUID)', 'INVALID_IDEMPOTENCY_KEY');
      headers['x-netsuite-idempotency-key'] = async.idempotencyKey;
    }
    let jobLocation: string | undefined;
    try {
      const accepted = await this.http.request({ ...req, headers }, ctx);
      jobLocation = accepted.headers['location'];
      if (accepted.status !== 202 || jobLocation === undefined) {
        // NetSuite ran it at once after all: that answer is the result.
        return accepted as HttpResponse<T>;
      }
    } catch (err) {
      // The same key was submitted before: its job, not a new one, holds the answer.
      if (err instanceof IdempotencyConflict && err.jobLocation !== undefined) jobLocation = err.jobLocation;
      else throw err;
    }
    return this.jobResult<T>(jobLocation, ctx);
  }

  private async jobResult<T>(location: string, ctx: CallContext): Promise<HttpResponse<T>> {
    const jobUrl = new URL(location, `${this.baseUrl}/`).toString().replace(/\/+$/, '');
    const deadline = this.now() + (this.options.asyncTimeoutMs ?? 300_000);
    let wait = this.options.asyncPollIntervalMs ?? 500;
    for (;;) {
      const status = await this.http.request<unknown>({ method: 'GET', url: jobUrl }, ctx);
      const job = JobAnswer.safeParse(status.data);
      if (!job.success) throw new SyncError(`NetSuite answered the async job ${jobUrl} in an unexpected shape`, { class: 'transient', code: 'UNEXPECTED_ANSWER', retryable: true, target: TARGET });
      if (job.data.completed) break;
      if (this.now() + wait > deadline) {
        throw new SyncError(`NetSuite's async job ${jobUrl} has not completed (${job.data.progress ?? 'pending'}); sending the request again with the same idempotency key waits for this job`, {
          class: 'transient',
          code: 'ASYNC_JOB_PENDING',
          retryable: true,
          target: TARGET,
        });
      }
      await sleep(wait);
      wait = Math.min(5000, Math.round(wait * 1.5));
    }
    const tasks = TaskList.safeParse((await this.http.request<unknown>({ method: 'GET', url: `${jobUrl}/task` }, ctx)).data);
    const taskHref = tasks.success ? tasks.data.items[0]?.links.find((l) => l.rel === 'self')?.href : undefined;
    if (taskHref === undefined) throw new SyncError(`NetSuite's async job ${jobUrl} completed without a task to read`, { class: 'transient', code: 'UNEXPECTED_ANSWER', retryable: true, target: TARGET });
    const resultUrl = `${new URL(taskHref, `${this.baseUrl}/`).toString().replace(/\/+$/, '')}/result`;
    // The task result answers as the request itself would have: a success, or the error it met.
    return this.http.request<T>({ method: 'GET', url: resultUrl }, ctx);
  }
}
