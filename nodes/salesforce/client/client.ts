// The Salesforce REST client (and Certinia PSA, whose objects live in the same org): typed operations in,
// typed results or a classified SyncError out. Every request goes through the one HTTP layer, so the
// connection's limiter, one re-authentication on an expired session and the error classes are shared.
import { HttpClient, type CallContext, type HttpResponse } from '../../../runtime-plugins/http/http-client.js';
import type { TargetLimiter } from '../../../runtime-plugins/engine/limiter.js';
import type { LimitUsage } from '../../../runtime-plugins/sync-error.js';
import { SalesforceAuthenticator, type SalesforceAuthConfig, type SalesforceSession } from './auth.js';
import { errorFromSaveResult, SalesforceError, TARGET } from './errors.js';
import { SalesforceProfile } from './profile.js';
import { bindSoql, type SoqlParams } from './soql.js';

export const DEFAULT_API_VERSION = '62.0';
/** sObject Collections take at most 200 records a call. */
export const COLLECTION_LIMIT = 200;

export type SObjectRecord = Record<string, unknown>;

export interface SalesforceClientOptions {
  /** `https://login.salesforce.com`, `https://test.salesforce.com` or a My Domain URL. */
  loginUrl: string;
  /** The org's own URL; default the `instance_url` of the token answer. */
  instanceUrl?: string;
  /** REST API version, e.g. `62.0`. */
  apiVersion?: string;
  auth: SalesforceAuthConfig;
  /** The connection's shared limiter (engine.limiter('connection:<id>')). */
  limiter?: TargetLimiter;
  /** Per-call timeout (default 60 s; Salesforce itself gives up after 10 minutes). */
  timeoutMs?: number;
  /** How long a call waits for a paused limiter before failing fast with a rate-limit error (default 10 s). */
  maxPauseWaitMs?: number;
  /** Clock for the JWT assertion's expiry. */
  now?: () => number;
}

export interface UpsertResult {
  id: string;
  created: boolean;
}

/** The outcome of one record of a bulk call, in the order of the input. */
export type RecordOutcome = { ok: true; id: string; created: boolean } | { ok: false; error: SalesforceError };

export interface BulkOptions {
  /** Roll back every record of a call when one fails (per call of at most 200 records). Default false. */
  allOrNone?: boolean;
  /** Records per call, at most 200. */
  batchSize?: number;
}

export interface QueryOptions {
  /** Include deleted and archived records (`queryAll`). */
  all?: boolean;
  /** Records per page, 200–2000 (`Sforce-Query-Options: batchSize=N`). */
  batchSize?: number;
  /** Stop following pages once this many records are read. */
  maxRecords?: number;
}

export interface QueryResult<T = SObjectRecord> {
  totalSize: number;
  records: T[];
  /** Pages read (one request each). */
  pages: number;
  /** True when every page was read (false when maxRecords stopped it). */
  done: boolean;
  /** Salesforce's clock when it answered the query (its first page's `Date` header, to the second), if it said. */
  serverTime?: number;
}

export interface ConnectionCheck {
  instanceUrl: string;
  apiVersion: string;
  identityUrl?: string;
  dailyApiRequests?: { max: number; remaining: number };
}

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;
const RECORD_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

function dataError(message: string, code: string, fields?: string[]): SalesforceError {
  return new SalesforceError(message, { class: 'data', code, retryable: false, target: TARGET, ...(fields ? { fields } : {}) });
}

function checkName(kind: string, name: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) throw dataError(`"${String(name)}" is not a Salesforce ${kind} name (letters, digits and _, starting with a letter)`, 'INVALID_NAME');
  return name;
}

function checkId(id: unknown): string {
  if (typeof id !== 'string' || !RECORD_ID.test(id)) throw dataError(`"${String(id)}" is not a Salesforce record Id (15 or 18 letters and digits)`, 'MALFORMED_ID', ['Id']);
  return id;
}

function externalValue(field: string, value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value.trim() === '') throw dataError(`the record has no value for its external ID field ${field}`, 'MISSING_EXTERNAL_ID', [field]);
  return value;
}

/**
 * A value that cannot travel in the URL path of /sobjects/{o}/{field}/{value}: a slash or backslash, or a
 * suffix that Salesforce takes for a file extension (a documented cause of 404). Those go through Collections.
 */
function unsafeInPath(value: string): boolean {
  return /[/\\]/.test(value) || /\.[A-Za-z0-9]{1,8}$/.test(value);
}

/** The record without `attributes`, `Id` and the external ID field (Salesforce refuses those in the body). */
function upsertBody(record: SObjectRecord, field: string): SObjectRecord {
  const out: SObjectRecord = {};
  const lower = field.toLowerCase();
  for (const [k, v] of Object.entries(record)) {
    const l = k.toLowerCase();
    if (l === 'attributes' || l === 'id' || l === lower) continue;
    out[k] = v;
  }
  return out;
}

function valueOf(record: SObjectRecord, field: string): unknown {
  const lower = field.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : record[key];
}

function isRecord(v: unknown): v is SObjectRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Splits records into calls of at most `size`, never putting two records with the same external ID into one
 * call (Salesforce refuses the pair with DUPLICATE_EXTERNAL_ID); a later one goes to a later call, so they
 * are applied in input order.
 */
export function planCalls<T>(items: readonly T[], keyOf: (item: T) => string | undefined, size: number): number[][] {
  const calls: number[][] = [];
  const lastCallOf = new Map<string, number>();
  let firstOpen = 0;
  items.forEach((item, index) => {
    const key = keyOf(item)?.toLowerCase();
    let c = Math.max(firstOpen, key === undefined ? 0 : (lastCallOf.get(key) ?? -1) + 1);
    while (calls[c] !== undefined && (calls[c]).length >= size) c++;
    calls[c] ??= [];
    (calls[c]).push(index);
    if (key !== undefined) lastCallOf.set(key, c);
    while (calls[firstOpen] !== undefined && (calls[firstOpen]).length >= size) firstOpen++;
  });
  return calls;
}

export class SalesforceClient {
  readonly apiVersion: string;
  private readonly profile = new SalesforceProfile();
  private readonly auth: SalesforceAuthenticator;
  private readonly http: HttpClient;

  constructor(readonly options: SalesforceClientOptions) {
    const version = (options.apiVersion ?? DEFAULT_API_VERSION).trim().replace(/^v/i, '');
    if (!/^\d{2,3}\.0$/.test(version)) throw dataError(`API version "${options.apiVersion ?? ''}" must look like 62.0`, 'INVALID_API_VERSION');
    this.apiVersion = version;
    const loginUrl = options.loginUrl.trim().replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+/i.test(loginUrl)) throw dataError(`the login URL "${options.loginUrl}" is not an http(s) URL`, 'INVALID_URL');
    const instanceUrl = options.instanceUrl?.trim().replace(/\/+$/, '') || undefined;
    if (instanceUrl !== undefined && !/^https?:\/\/[^/]+/i.test(instanceUrl)) throw dataError(`the instance URL "${instanceUrl}" is not an http(s) URL`, 'INVALID_URL');
    // Client credentials are issued by the org's own (My Domain) URL, JWT bearer by the login URL.
    const tokenBaseUrl = options.auth.type === 'client-credentials' ? (instanceUrl ?? loginUrl) : loginUrl;
    this.auth = new SalesforceAuthenticator({ loginUrl, tokenBaseUrl, auth: options.auth, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}), ...(options.now ? { now: options.now } : {}) });
    this.http = new HttpClient({
      baseURL: instanceUrl ?? loginUrl,
      profile: this.profile,
      auth: this.auth,
      ...(options.limiter ? { limiter: options.limiter } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.maxPauseWaitMs !== undefined ? { maxPauseWaitMs: options.maxPauseWaitMs } : {}),
    });
  }

  get target(): string {
    return TARGET;
  }

  get limiter(): TargetLimiter | undefined {
    return this.options.limiter;
  }

  /** The last `Sforce-Limit-Info` Salesforce sent (daily API requests used / allowed). */
  get apiUsage(): LimitUsage | undefined {
    return this.profile.lastUsage;
  }

  /** Token requests made so far. */
  get logins(): number {
    return this.auth.logins;
  }

  /** Logs in (or reuses the cached session). */
  session(): Promise<SalesforceSession> {
    return this.auth.currentSession();
  }

  /** Forgets the cached token; the next call logs in again. */
  forgetSession(): void {
    this.auth.invalidate();
  }

  private async instanceUrl(): Promise<string> {
    const configured = this.options.instanceUrl?.trim().replace(/\/+$/, '');
    if (configured) return configured;
    return (await this.auth.currentSession()).instanceUrl;
  }

  /** `{instance}/services/data/v62.0{path}`, or `{instance}{path}` for a path already under /services/. */
  private async url(path: string): Promise<string> {
    const base = await this.instanceUrl();
    return path.startsWith('/services/') ? `${base}${path}` : `${base}/services/data/v${this.apiVersion}${path}`;
  }

  private async call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, ctx: CallContext, extra: { data?: unknown; params?: Record<string, string | number | boolean | undefined>; headers?: Record<string, string> } = {}): Promise<HttpResponse<T>> {
    const url = await this.url(path);
    const headers: Record<string, string> = { ...extra.headers };
    if (extra.data !== undefined) headers['content-type'] = 'application/json';
    return this.http.request<T>({ method, url, headers, ...(extra.params ? { params: extra.params } : {}), ...(extra.data !== undefined ? { data: extra.data } : {}) }, ctx);
  }

  // ---------------------------------------------------------------------------------------------- records

  /** `PATCH /sobjects/{o}/{field}/{value}`: creates (201, created true) or updates the one record the value matches. */
  async upsert(sobject: string, field: string, value: string | number, fields: SObjectRecord, ctx: CallContext = {}): Promise<UpsertResult> {
    checkName('object', sobject);
    checkName('field', field);
    const key = externalValue(field, value);
    if (unsafeInPath(key)) {
      const [outcome] = await this.bulkUpsert(sobject, field, [{ ...fields, [field]: key }], {}, ctx);
      if (!outcome) throw new SalesforceError(`Salesforce gave no result for the upsert of ${sobject} ${key}`, { class: 'transient', code: 'MISSING_RESULT', retryable: true, target: TARGET });
      if (!outcome.ok) throw outcome.error;
      return { id: outcome.id, created: outcome.created };
    }
    const path = `/sobjects/${sobject}/${field}/${encodeURIComponent(key)}`;
    const res = await this.call<unknown>('PATCH', path, ctx, { data: upsertBody(fields, field) });
    if (res.status === 204) {
      // API versions before 46.0 answer an update with 204 and no body.
      const found = await this.getByExternalId(sobject, field, key, ['Id'], ctx);
      return { id: String(found['Id']), created: false };
    }
    const body = res.data;
    if (!isRecord(body) || typeof body['id'] !== 'string') throw new SalesforceError(`Salesforce answered the upsert of ${sobject} ${key} without an id`, { class: 'transient', code: 'UNEXPECTED_ANSWER', retryable: true, target: TARGET, status: res.status });
    return { id: body['id'], created: body['created'] === true || res.status === 201 };
  }

  /** `POST /sobjects/{o}` → the new record's Id. */
  async create(sobject: string, fields: SObjectRecord, ctx: CallContext = {}): Promise<{ id: string }> {
    checkName('object', sobject);
    const { attributes: _a, ...body } = fields;
    const res = await this.call<unknown>('POST', `/sobjects/${sobject}`, ctx, { data: body });
    const data = res.data;
    if (!isRecord(data) || typeof data['id'] !== 'string') throw new SalesforceError(`Salesforce answered the create of a ${sobject} without an id`, { class: 'transient', code: 'UNEXPECTED_ANSWER', retryable: true, target: TARGET, status: res.status });
    return { id: data['id'] };
  }

  /** `GET /sobjects/{o}/{id}`, optionally only some fields. */
  async get(sobject: string, id: string, fields?: readonly string[], ctx: CallContext = {}): Promise<SObjectRecord> {
    checkName('object', sobject);
    const params = fields && fields.length > 0 ? { fields: fields.map((f) => checkName('field', f)).join(',') } : undefined;
    const res = await this.call<SObjectRecord>('GET', `/sobjects/${sobject}/${checkId(id)}`, ctx, params ? { params } : {});
    return res.data;
  }

  /** `GET /sobjects/{o}/{field}/{value}`; several matches are a conflict listing them. */
  async getByExternalId(sobject: string, field: string, value: string | number, fields?: readonly string[], ctx: CallContext = {}): Promise<SObjectRecord> {
    checkName('object', sobject);
    checkName('field', field);
    const key = externalValue(field, value);
    if (unsafeInPath(key)) {
      const soql = `SELECT ${(fields && fields.length > 0 ? fields : ['Id']).map((f) => checkName('field', f)).join(', ')} FROM ${sobject} WHERE ${field} = :key LIMIT 2`;
      const { records } = await this.query(soql, { key }, {}, ctx);
      if (records.length === 0) throw new SalesforceError(`no ${sobject} has ${field} = ${key}`, { class: 'data', code: 'NOT_FOUND', retryable: false, target: TARGET, status: 404 });
      if (records.length > 1) throw new SalesforceError(`several ${sobject} records have ${field} = ${key}`, { class: 'conflict', code: 'MULTIPLE_CHOICES', retryable: false, target: TARGET, status: 300 });
      return records[0];
    }
    const params = fields && fields.length > 0 ? { fields: fields.map((f) => checkName('field', f)).join(',') } : undefined;
    const res = await this.call<SObjectRecord>('GET', `/sobjects/${sobject}/${field}/${encodeURIComponent(key)}`, ctx, params ? { params } : {});
    return res.data;
  }

  /** `PATCH /sobjects/{o}/{id}` (204). */
  async update(sobject: string, id: string, fields: SObjectRecord, ctx: CallContext = {}): Promise<void> {
    checkName('object', sobject);
    const { attributes: _a, Id: _id, ...body } = fields;
    await this.call('PATCH', `/sobjects/${sobject}/${checkId(id)}`, ctx, { data: body });
  }

  /** Updates the one record an external ID matches, never creating one (`?updateOnly=true`; none → 404 NOT_FOUND). */
  async updateByExternalId(sobject: string, field: string, value: string | number, fields: SObjectRecord, ctx: CallContext = {}): Promise<{ id: string }> {
    checkName('object', sobject);
    checkName('field', field);
    const key = externalValue(field, value);
    if (unsafeInPath(key)) {
      const found = await this.getByExternalId(sobject, field, key, ['Id'], ctx);
      const id = String(found['Id']);
      await this.update(sobject, id, upsertBody(fields, field), ctx);
      return { id };
    }
    const res = await this.call<unknown>('PATCH', `/sobjects/${sobject}/${field}/${encodeURIComponent(key)}`, ctx, { data: upsertBody(fields, field), params: { updateOnly: true } });
    const body = res.data;
    if (isRecord(body) && typeof body['id'] === 'string') return { id: body['id'] };
    const found = await this.getByExternalId(sobject, field, key, ['Id'], ctx);
    return { id: String(found['Id']) };
  }

  /** `DELETE /sobjects/{o}/{id}` (204); deleting a deleted record is ENTITY_IS_DELETED. */
  async delete(sobject: string, id: string, ctx: CallContext = {}): Promise<void> {
    checkName('object', sobject);
    await this.call('DELETE', `/sobjects/${sobject}/${checkId(id)}`, ctx);
  }

  /** `DELETE /sobjects/{o}/{field}/{value}`. */
  async deleteByExternalId(sobject: string, field: string, value: string | number, ctx: CallContext = {}): Promise<void> {
    checkName('object', sobject);
    checkName('field', field);
    const key = externalValue(field, value);
    if (unsafeInPath(key)) {
      const found = await this.getByExternalId(sobject, field, key, ['Id'], ctx);
      await this.delete(sobject, String(found['Id']), ctx);
      return;
    }
    await this.call('DELETE', `/sobjects/${sobject}/${field}/${encodeURIComponent(key)}`, ctx);
  }

  // ---------------------------------------------------------------------------------- sObject Collections

  private saveResults(res: HttpResponse<unknown>, count: number, what: (i: number) => string): RecordOutcome[] {
    const body = Array.isArray(res.data) ? (res.data as unknown[]) : [];
    const limit = this.profile.lastUsage;
    return Array.from({ length: count }, (_, i): RecordOutcome => {
      const r = body[i];
      if (!isRecord(r)) return { ok: false, error: new SalesforceError(`${what(i)}: Salesforce returned no result for it`, { class: 'transient', code: 'MISSING_RESULT', retryable: true, target: TARGET }) };
      if (r['success'] === true && typeof r['id'] === 'string') return { ok: true, id: r['id'], created: r['created'] === true };
      return { ok: false, error: errorFromSaveResult(r['errors'], what(i), limit) };
    });
  }

  /**
   * Upserts many records by external ID through `PATCH /composite/sobjects/{o}/{field}`, up to 200 a call.
   * The outcomes come back in input order, each record's own: one bad record fails alone (unless allOrNone,
   * which holds per call). A failure of a whole call (rate limit, expired login, network) is thrown.
   */
  async bulkUpsert(sobject: string, field: string, records: readonly SObjectRecord[], options: BulkOptions = {}, ctx: CallContext = {}): Promise<RecordOutcome[]> {
    checkName('object', sobject);
    checkName('field', field);
    const size = Math.min(COLLECTION_LIMIT, Math.max(1, Math.floor(options.batchSize ?? COLLECTION_LIMIT)));
    const outcomes: Array<RecordOutcome | undefined> = new Array<RecordOutcome | undefined>(records.length);
    const keys = records.map((r, i) => {
      try {
        return externalValue(field, valueOf(r, field));
      } catch (err) {
        outcomes[i] = { ok: false, error: err as SalesforceError };
        return undefined;
      }
    });
    const sendable = records.map((_, i) => i).filter((i) => keys[i] !== undefined);
    const calls = planCalls(sendable, (i) => keys[i], size).map((positions) => positions.map((p) => sendable[p]));
    if (options.allOrNone === true && outcomes.some((o) => o !== undefined)) {
      // A record refused before sending fails an all-or-nothing request, as Salesforce would.
      for (const i of sendable) outcomes[i] = { ok: false, error: errorFromSaveResult([{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'another record of the request has no external ID' }], `${sobject} ${field} ${keys[i] ?? ''}`) };
      return outcomes as RecordOutcome[];
    }
    for (const call of calls) {
      const body = {
        allOrNone: options.allOrNone === true,
        records: call.map((i) => ({ attributes: { type: sobject }, ...upsertBody(records[i], field), [field]: keys[i] })),
      };
      const res = await this.call<unknown>('PATCH', `/composite/sobjects/${sobject}/${field}`, ctx, { data: body });
      const results = this.saveResults(res, call.length, (k) => `${sobject} ${field} ${keys[call[k]] ?? ''}`);
      call.forEach((i, k) => {
        outcomes[i] = results[k];
      });
    }
    return outcomes.map((o) => o ?? { ok: false, error: new SalesforceError('the record was not sent', { class: 'transient', code: 'NOT_SENT', retryable: true, target: TARGET }) });
  }

  /** `POST /composite/sobjects`: creates up to 200 records of any types a call. */
  async createMany(sobject: string, records: readonly SObjectRecord[], options: BulkOptions = {}, ctx: CallContext = {}): Promise<RecordOutcome[]> {
    checkName('object', sobject);
    const out: RecordOutcome[] = [];
    for (let start = 0; start < records.length; start += COLLECTION_LIMIT) {
      const chunk = records.slice(start, start + COLLECTION_LIMIT);
      const res = await this.call<unknown>('POST', '/composite/sobjects', ctx, { data: { allOrNone: options.allOrNone === true, records: chunk.map((r) => ({ ...r, attributes: { type: sobject } })) } });
      out.push(...this.saveResults(res, chunk.length, (k) => `new ${sobject} #${start + k + 1}`).map((o): RecordOutcome => (o.ok ? { ...o, created: true } : o)));
    }
    return out;
  }

  /** `PATCH /composite/sobjects`: updates up to 200 records (each with its Id) a call. */
  async updateMany(sobject: string, records: readonly SObjectRecord[], options: BulkOptions = {}, ctx: CallContext = {}): Promise<RecordOutcome[]> {
    checkName('object', sobject);
    const out: RecordOutcome[] = [];
    for (let start = 0; start < records.length; start += COLLECTION_LIMIT) {
      const chunk = records.slice(start, start + COLLECTION_LIMIT);
      for (const r of chunk) checkId(valueOf(r, 'Id'));
      const res = await this.call<unknown>('PATCH', '/composite/sobjects', ctx, { data: { allOrNone: options.allOrNone === true, records: chunk.map((r) => ({ ...r, attributes: { type: sobject } })) } });
      out.push(...this.saveResults(res, chunk.length, (k) => `${sobject} ${String(valueOf(chunk[k], 'Id'))}`));
    }
    return out;
  }

  /**
   * `PATCH /composite/sobjects` with records of several types (each `{type, fields}` with its `Id`), up to 200 a
   * call. Salesforce processes a call in chunks of consecutive records of one type (at most 10 chunks), so the
   * records are sent grouped by type, in their order within a type; the outcomes come back in input order.
   */
  async updateRecords(records: ReadonlyArray<{ type: string; fields: SObjectRecord }>, options: BulkOptions = {}, ctx: CallContext = {}): Promise<RecordOutcome[]> {
    const types: string[] = [];
    for (const r of records) {
      checkName('object', r.type);
      checkId(valueOf(r.fields, 'Id'));
      if (!types.includes(r.type)) types.push(r.type);
    }
    const order = types.flatMap((t) => records.map((r, i) => (r.type === t ? i : -1)).filter((i) => i >= 0));
    const outcomes: RecordOutcome[] = new Array<RecordOutcome>(records.length);
    for (let start = 0; start < order.length; start += COLLECTION_LIMIT) {
      const chunk = order.slice(start, start + COLLECTION_LIMIT);
      const res = await this.call<unknown>('PATCH', '/composite/sobjects', ctx, { data: { allOrNone: options.allOrNone === true, records: chunk.map((i) => ({ ...records[i].fields, attributes: { type: records[i].type } })) } });
      this.saveResults(res, chunk.length, (k) => `${records[chunk[k]].type} ${String(valueOf(records[chunk[k]].fields, 'Id'))}`).forEach((o, k) => {
        outcomes[chunk[k]] = o;
      });
    }
    return outcomes;
  }

  /** `DELETE /composite/sobjects?ids=…`: deletes up to 200 records a call. */
  async deleteMany(ids: readonly string[], options: BulkOptions = {}, ctx: CallContext = {}): Promise<RecordOutcome[]> {
    const out: RecordOutcome[] = [];
    for (let start = 0; start < ids.length; start += COLLECTION_LIMIT) {
      const chunk = ids.slice(start, start + COLLECTION_LIMIT).map(checkId);
      const res = await this.call<unknown>('DELETE', '/composite/sobjects', ctx, { params: { ids: chunk.join(','), allOrNone: options.allOrNone === true } });
      out.push(...this.saveResults(res, chunk.length, (k) => `record ${chunk[k] ?? ''}`));
    }
    return out;
  }

  // ----------------------------------------------------------------------------------------------- SOQL

  /**
   * Runs a SOQL query with named parameters (`WHERE Name = :name`), bound by SOQL's escaping rules, and
   * follows `nextRecordsUrl` until every page is read (or `maxRecords`).
   */
  async query<T = SObjectRecord>(template: string, params: SoqlParams = {}, options: QueryOptions = {}, ctx: CallContext = {}): Promise<QueryResult<T>> {
    const records: T[] = [];
    let totalSize = 0;
    let pages = 0;
    let done = false;
    let serverTime: number | undefined;
    for await (const page of this.queryPages<T>(template, params, options, ctx)) {
      pages += 1;
      if (pages === 1) serverTime = page.serverTime;
      totalSize = page.totalSize;
      records.push(...page.records);
      done = page.done;
      if (options.maxRecords !== undefined && records.length >= options.maxRecords) break;
    }
    return { totalSize, records: options.maxRecords !== undefined ? records.slice(0, options.maxRecords) : records, pages, done, ...(serverTime !== undefined ? { serverTime } : {}) };
  }

  /** The pages of a query, one request each. */
  async *queryPages<T = SObjectRecord>(template: string, params: SoqlParams = {}, options: QueryOptions = {}, ctx: CallContext = {}): AsyncGenerator<{ totalSize: number; records: T[]; done: boolean; serverTime?: number }> {
    const soql = bindSoql(template, params);
    const headers: Record<string, string> = {};
    if (options.batchSize !== undefined) headers['sforce-query-options'] = `batchSize=${Math.min(2000, Math.max(200, Math.floor(options.batchSize)))}`;
    let res = await this.call<unknown>('GET', options.all ? '/queryAll' : '/query', ctx, { params: { q: soql }, headers });
    for (;;) {
      const body = res.data;
      if (!isRecord(body) || !Array.isArray(body['records'])) throw new SalesforceError('Salesforce answered a query without records', { class: 'transient', code: 'UNEXPECTED_ANSWER', retryable: true, target: TARGET, status: res.status });
      const done = body['done'] !== false;
      const date = res.headers['date'] === undefined ? Number.NaN : Date.parse(res.headers['date']);
      yield { totalSize: typeof body['totalSize'] === 'number' ? body['totalSize'] : (body['records'] as unknown[]).length, records: body['records'] as T[], done, ...(Number.isFinite(date) ? { serverTime: date } : {}) };
      const next = body['nextRecordsUrl'];
      if (done || typeof next !== 'string') return;
      if (!/^\/services\/data\/v\d+\.\d+\/query(All)?\/[A-Za-z0-9-]+$/.test(next)) throw new SalesforceError(`Salesforce gave an unexpected nextRecordsUrl ${next}`, { class: 'transient', code: 'UNEXPECTED_ANSWER', retryable: true, target: TARGET });
      res = await this.call<unknown>('GET', next, ctx, { headers });
    }
  }

  // ------------------------------------------------------------------------------------------- the org

  /** `GET /limits`: the org's limits, e.g. `DailyApiRequests: {Max, Remaining}`. */
  async limits(ctx: CallContext = {}): Promise<Record<string, { Max: number; Remaining: number }>> {
    const res = await this.call<Record<string, { Max: number; Remaining: number }>>('GET', '/limits', ctx);
    return res.data;
  }

  /** Logs in and reads the limits: proves the credentials, the instance and the API version. */
  async testConnection(): Promise<ConnectionCheck> {
    const session = await this.auth.currentSession();
    const limits = await this.limits();
    const daily = limits['DailyApiRequests'];
    const out: ConnectionCheck = { instanceUrl: await this.instanceUrl(), apiVersion: this.apiVersion };
    if (session.identityUrl !== undefined) out.identityUrl = session.identityUrl;
    if (daily && typeof daily.Max === 'number' && typeof daily.Remaining === 'number') out.dailyApiRequests = { max: daily.Max, remaining: daily.Remaining };
    return out;
  }
}
