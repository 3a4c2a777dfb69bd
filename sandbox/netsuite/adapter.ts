// NetSuite SuiteTalk REST web services as a VendorAdapter on the shared sandbox server: the routes under
// /services/rest, async jobs, SuiteQL, and NetSuite's answers for limits, faults and bad requests.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { ActiveFault, Limits } from '../core/faults.js';
import { Router, type SandboxRequest, type SandboxResponse } from '../core/http.js';
import type { LimitKind, SandboxServer, VendorAdapter } from '../core/sandbox.js';
import type { NetSuiteAuth } from './auth.js';
import { invalidLogin, NetSuiteFault, nsError, nsError1, NONEXISTENT_RECORD } from './errors.js';
import { matches, parseRecordQuery } from './recordquery.js';
import { RECORD_TYPES, recordSchema, recordType, type RecordTypeDef } from './records.js';
import { seedDemoData } from './seed.js';
import { EXTERNAL_ID, RecordStore, textOf, type StoredRecord } from './store.js';
import { parseSuiteQL, queryError, SuiteQLExecutor } from './suiteql.js';
import { buildTables } from './tables.js';

export const REST_ROOT = '/services/rest';
const MAX_PAGE = 1000;
const MAX_SUITEQL_RESULTS = 100_000;

export interface NetSuiteAdapterOptions {
  accountId: string;
  clock: Clock;
  auth: NetSuiteAuth;
  concurrencyErrorStatus: 429 | 400;
  concurrencyLimit: number;
}

interface RequestContext {
  /** `http://host/services/rest`, the base of every link and Location. */
  base: string;
  principal: string;
  async: boolean;
}

type RestHandler = (req: SandboxRequest, ctx: RequestContext) => SandboxResponse | Promise<SandboxResponse>;

interface AsyncJob {
  id: number;
  idempotencyKey?: string;
  principal: string;
  submitted: number;
  started?: number;
  ended?: number;
  result?: SandboxResponse;
}

function headerOf(req: SandboxRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function preferences(req: SandboxRequest): Set<string> {
  return new Set((headerOf(req, 'prefer') ?? '').split(',').map((p) => p.trim().toLowerCase()).filter((p) => p !== ''));
}

function pageParam(req: SandboxRequest, name: 'limit' | 'offset', fallback: number, max: number): number {
  const raw = req.query.get(name);
  if (raw === null) return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  const min = name === 'limit' ? 1 : 0;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw NetSuiteFault.of(400, 'INVALID_PARAMETER', `Invalid value '${raw}' for query parameter '${name}': use an integer from ${min} to ${max}.`, { 'o:errorQueryParam': name });
  }
  return n;
}

function pagingLinks(selfUrl: string, params: URLSearchParams, limit: number, offset: number, total: number): Array<{ rel: string; href: string }> {
  const at = (o: number): string => {
    const p = new URLSearchParams(params);
    p.set('limit', String(limit));
    p.set('offset', String(o));
    return `${selfUrl}?${p.toString()}`;
  };
  const lastOffset = total === 0 ? 0 : Math.floor((total - 1) / limit) * limit;
  const links: Array<{ rel: string; href: string }> = [];
  if (offset > 0) links.push({ rel: 'previous', href: at(Math.max(0, offset - limit)) });
  links.push({ rel: 'first', href: at(0) });
  if (offset + limit < total) links.push({ rel: 'next', href: at(offset + limit) });
  links.push({ rel: 'last', href: at(lastOffset) });
  links.push({ rel: 'self', href: at(offset) });
  return links;
}

export class NetSuiteAdapter implements VendorAdapter {
  readonly name = 'netsuite';
  readonly router = new Router();
  readonly store: RecordStore;
  /** Set by the sandbox once the server exists, for create counts. */
  server?: SandboxServer;
  private readonly jobs = new Map<number, AsyncJob>();
  private readonly jobsByKey = new Map<string, number>();
  private nextJobId = 1;
  private readonly tables;

  constructor(private readonly options: NetSuiteAdapterOptions) {
    this.store = new RecordStore(options.clock);
    this.tables = buildTables(this.store);
    this.routes();
  }

  private get auth(): NetSuiteAuth {
    return this.options.auth;
  }

  // ---- VendorAdapter ----

  limitResponse(kind: LimitKind, _req: SandboxRequest, limits: Limits): SandboxResponse {
    const detail =
      kind === 'concurrency'
        ? 'Concurrent request limit exceeded. Request blocked.'
        : kind === 'rate'
          ? `Request rate limit exceeded (${String(limits.requestsPerSecond)} per second). Request blocked.`
          : `Daily request limit exceeded (${String(limits.dailyBudget)}). Request blocked.`;
    return nsError1(this.options.concurrencyErrorStatus, 'CONCURRENCY_LIMIT_EXCEEDED', detail);
  }

  faultResponse(rule: ActiveFault, _req: SandboxRequest): SandboxResponse {
    const status = rule.kind === 'maintenance' ? 503 : (rule.status ?? 500);
    const headers: Record<string, string> = rule.retryAfter !== undefined ? { 'retry-after': String(rule.retryAfter) } : {};
    if (status === 401) {
      const res = invalidLogin(this.auth.realm);
      return { ...res, headers: { ...res.headers, ...headers } };
    }
    const [code, detail] =
      rule.kind === 'maintenance'
        ? ['SERVICE_UNAVAILABLE', 'NetSuite is undergoing scheduled maintenance. Please try again later.']
        : status === 429
          ? ['CONCURRENCY_LIMIT_EXCEEDED', 'Concurrent request limit exceeded. Request blocked.']
          : status === 400
            ? ['USER_ERROR', 'The request could not be processed.']
            : status === 403
              ? ['INSUFFICIENT_PERMISSION', 'Permission Violation: you are not allowed to perform this operation.']
              : status === 404
                ? ['NONEXISTENT_ID', NONEXISTENT_RECORD]
                : status >= 500 && status !== 500
                  ? ['SERVICE_UNAVAILABLE', 'The service is temporarily unavailable. Please try again later.']
                  : ['UNEXPECTED_ERROR', `An unexpected error occurred. Error ID: ${randomBytes(8).toString('hex')}`];
    return nsError(status, [{ detail, 'o:errorCode': code }], { headers });
  }

  notFoundResponse(req: SandboxRequest, methodMismatch: boolean): SandboxResponse {
    if (methodMismatch) return nsError1(405, 'INVALID_REQUEST', `The HTTP method ${req.method} is not allowed for ${req.path}.`);
    return nsError1(404, 'NONEXISTENT_ID', `The requested resource ${req.path} does not exist.`);
  }

  malformedBodyResponse(_req: SandboxRequest, error: Error): SandboxResponse {
    return nsError1(400, 'INVALID_CONTENT', `Error while accessing a resource. The request body is not valid JSON: ${error.message}`);
  }

  internalErrorResponse(_req: SandboxRequest, _error: unknown): SandboxResponse {
    return nsError1(500, 'UNEXPECTED_ERROR', `An unexpected error occurred. Error ID: ${randomBytes(8).toString('hex')}`);
  }

  expireTokens(): void {
    this.auth.expireAll();
  }

  expireTokenOf(req: SandboxRequest): void {
    this.auth.expireFor(req);
  }

  reset(): void {
    this.store.clear();
    this.jobs.clear();
    this.jobsByKey.clear();
    this.nextJobId = 1;
    this.auth.reset();
  }

  seed(): void {
    seedDemoData(this.store, this.options.clock);
  }

  inspect(): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = {};
    for (const def of RECORD_TYPES) out[def.name] = this.store.sorted(def.name).map((r) => this.store.toJson(r, REST_ROOT, { expand: true }));
    return out;
  }

  // ---- routing ----

  private baseOf(req: SandboxRequest): string {
    return `http://${headerOf(req, 'host') ?? '127.0.0.1'}${REST_ROOT}`;
  }

  private route(method: string, pattern: string, handler: RestHandler, opts: { async?: boolean } = {}): void {
    this.router.add(method, `${REST_ROOT}${pattern}`, async (req) => {
      const base = this.baseOf(req);
      const auth = this.auth.authenticate(req, `${base.slice(0, -REST_ROOT.length)}${req.path}`);
      if ('response' in auth) return auth.response;
      req.principal = auth.principal;
      const ctx: RequestContext = { base, principal: auth.principal, async: false };
      if (opts.async && preferences(req).has('respond-async')) return this.submitAsync(req, ctx, handler);
      return this.run(handler, req, ctx);
    });
  }

  private async run(handler: RestHandler, req: SandboxRequest, ctx: RequestContext): Promise<SandboxResponse> {
    try {
      return await handler(req, ctx);
    } catch (err) {
      if (err instanceof NetSuiteFault) return err.toResponse();
      throw err;
    }
  }

  private routes(): void {
    this.router.post(`${REST_ROOT}/auth/oauth2/v1/token`, (req) => this.auth.tokenEndpoint(req, `${this.baseOf(req)}/auth/oauth2/v1/token`));
    this.route('GET', '/record/v1/metadata-catalog', (req, ctx) => this.metadataCatalog(req, ctx));
    this.route('GET', '/record/v1/metadata-catalog/:type', (req, ctx) => this.metadata(req, ctx));
    this.route('GET', '/record/v1/:type', (req, ctx) => this.list(req, ctx), { async: true });
    this.route('POST', '/record/v1/:type', (req, ctx) => this.create(req, ctx), { async: true });
    this.route('GET', '/record/v1/:type/:id', (req, ctx) => this.get(req, ctx), { async: true });
    this.route('PATCH', '/record/v1/:type/:id', (req, ctx) => this.patch(req, ctx), { async: true });
    this.route('PUT', '/record/v1/:type/:id', (req, ctx) => this.upsert(req, ctx), { async: true });
    this.route('DELETE', '/record/v1/:type/:id', (req, ctx) => this.remove(req, ctx), { async: true });
    this.route('GET', '/record/v1/:type/:id/:sublist', (req, ctx) => this.sublist(req, ctx));
    this.route('POST', '/query/v1/suiteql', (req, ctx) => this.suiteql(req, ctx), { async: true });
    this.route('GET', '/async/v1/job/:job', (req, ctx) => this.jobStatus(req, ctx));
    this.route('GET', '/async/v1/job/:job/task', (req, ctx) => this.jobTasks(req, ctx));
    this.route('GET', '/async/v1/job/:job/task/:task', (req, ctx) => this.taskStatus(req, ctx));
    this.route('GET', '/async/v1/job/:job/task/:task/result', (req, ctx) => this.taskResult(req, ctx));
    this.route('GET', '/system/v1/governanceLimits', () => ({
      status: 200,
      body: { accountConcurrencyLimit: this.server?.getLimits().concurrency ?? this.options.concurrencyLimit, accountConcurrencyLimitType: 'ACCOUNT', integrationConcurrencyLimit: null },
    }));
  }

  // ---- records ----

  private typeOf(req: SandboxRequest): RecordTypeDef {
    const def = recordType(req.params['type']);
    if (!def) throw NetSuiteFault.of(404, 'NONEXISTENT_ID', `Record type '${req.params['type']}' does not exist.`);
    return def;
  }

  private writable(def: RecordTypeDef, verb: string): void {
    if (def.readOnly) throw NetSuiteFault.of(400, 'USER_ERROR', `Permission Violation: the integration role may not ${verb} ${def.title} records.`);
  }

  /** The record a path id names: an internal id or `eid:{externalId}`. */
  private find(def: RecordTypeDef, rawId: string): StoredRecord {
    let rec: StoredRecord | undefined;
    if (rawId.startsWith('eid:')) rec = this.store.byExternal(def.name, rawId.slice(4));
    else if (/^\d+$/.test(rawId)) rec = this.store.get(def.name, Number(rawId));
    if (!rec) throw NetSuiteFault.of(404, 'NONEXISTENT_ID', NONEXISTENT_RECORD);
    return rec;
  }

  private location(ctx: RequestContext, rec: StoredRecord): SandboxResponse {
    return { status: 204, headers: { location: `${ctx.base}/record/v1/${rec.def.name}/${rec.id}` } };
  }

  private countCreate(rec: StoredRecord): void {
    const ext = rec.values['externalId'];
    this.server?.countCreate(rec.def.name, typeof ext === 'string' ? ext : String(rec.id));
  }

  private create(req: SandboxRequest, ctx: RequestContext): SandboxResponse {
    const def = this.typeOf(req);
    this.writable(def, 'create');
    const rec = this.store.create(def, this.store.parseWrite(def, req.body));
    this.countCreate(rec);
    return this.location(ctx, rec);
  }

  private get(req: SandboxRequest, ctx: RequestContext): SandboxResponse {
    const def = this.typeOf(req);
    const rec = this.find(def, req.params['id']);
    const fieldsParam = req.query.get('fields');
    const fields = fieldsParam ? new Set(fieldsParam.split(',').map((f) => f.trim())) : undefined;
    if (fields) {
      for (const f of fields) {
        if (!def.fields[f] && !def.sublists[f]) throw NetSuiteFault.of(400, 'INVALID_PARAMETER', `Invalid field name '${f}' in query parameter 'fields'.`, { 'o:errorQueryParam': 'fields' });
      }
    }
    return { status: 200, body: this.store.toJson(rec, ctx.base, { expand: req.query.get('expandSubResources') === 'true', fields }) };
  }

  private sublist(req: SandboxRequest, ctx: RequestContext): SandboxResponse {
    const def = this.typeOf(req);
    const rec = this.find(def, req.params['id']);
    const name = req.params['sublist'];
    if (!def.sublists[name]) throw NetSuiteFault.of(404, 'NONEXISTENT_ID', `Sublist '${name}' does not exist on record type '${def.name}'.`);
    return { status: 200, body: this.store.sublistJson(rec, name, ctx.base) };
  }

  private patch(req: SandboxRequest, _ctx: RequestContext): SandboxResponse {
    const def = this.typeOf(req);
    this.writable(def, 'edit');
    const rec = this.find(def, req.params['id']);
    const write = this.store.parseWrite(def, req.body);
    const replace = new Set((req.query.get('replace') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''));
    for (const r of replace) if (!def.sublists[r]) throw NetSuiteFault.of(400, 'INVALID_PARAMETER', `Invalid sublist name '${r}' in query parameter 'replace'.`, { 'o:errorQueryParam': 'replace' });
    this.store.update(rec, write, replace);
    return { status: 204 };
  }

  /** `PUT /record/v1/{type}/eid:{externalId}`: create or update by external id; sublists sent are replaced. */
  private upsert(req: SandboxRequest, ctx: RequestContext): SandboxResponse {
    const def = this.typeOf(req);
    const rawId = req.params['id'];
    if (!rawId.startsWith('eid:')) throw NetSuiteFault.of(405, 'INVALID_REQUEST', 'PUT is supported only as an upsert by external ID: PUT /record/v1/{type}/eid:{externalId}. Use PATCH to update by internal ID.');
    this.writable(def, 'create');
    const externalId = rawId.slice(4);
    if (!EXTERNAL_ID.test(externalId)) {
      throw NetSuiteFault.of(400, 'INVALID_ID', `The external ID '${externalId}' is not valid: use only letters, digits, "_" and "-", at most 255 characters.`);
    }
    const write = this.store.parseWrite(def, req.body);
    const bodyExt = write.values['externalId'];
    if (bodyExt !== undefined && bodyExt !== null && bodyExt !== externalId) {
      throw NetSuiteFault.of(400, 'INVALID_CONTENT', `The externalId in the body (${textOf(bodyExt)}) differs from the one in the URL (${externalId}).`, { 'o:errorPath': 'externalId' });
    }
    write.values['externalId'] = externalId;
    const existing = this.store.byExternal(def.name, externalId);
    if (existing) {
      this.store.update(existing, write, new Set(Object.keys(write.sublists)));
      return this.location(ctx, existing);
    }
    const rec = this.store.create(def, write);
    this.countCreate(rec);
    return this.location(ctx, rec);
  }

  private remove(req: SandboxRequest, _ctx: RequestContext): SandboxResponse {
    const def = this.typeOf(req);
    this.writable(def, 'delete');
    this.store.delete(this.find(def, req.params['id']));
    return { status: 204 };
  }

  private list(req: SandboxRequest, ctx: RequestContext): SandboxResponse {
    const def = this.typeOf(req);
    const limit = pageParam(req, 'limit', MAX_PAGE, MAX_PAGE);
    const offset = pageParam(req, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const q = req.query.get('q');
    const cond = q ? parseRecordQuery(def, q) : undefined;
    const all = this.store.sorted(def.name).filter((r) => !cond || matches(r, this.store.valuesOf(r), cond));
    const page = all.slice(offset, offset + limit);
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    const self = `${ctx.base}/record/v1/${def.name}`;
    return {
      status: 200,
      body: {
        links: pagingLinks(self, params, limit, offset, all.length),
        count: page.length,
        hasMore: offset + page.length < all.length,
        items: page.map((r) => ({ links: [{ rel: 'self', href: `${self}/${r.id}` }], id: String(r.id) })),
        offset,
        totalResults: all.length,
      },
    };
  }

  // ---- metadata ----

  private metadataCatalog(req: SandboxRequest, ctx: RequestContext): SandboxResponse {
    const selectParam = req.query.get('select');
    const wanted = selectParam ? new Set(selectParam.split(',').map((s) => s.trim().toLowerCase())) : undefined;
    const items = RECORD_TYPES.filter((d) => !wanted || wanted.has(d.name.toLowerCase())).map((d) => ({
      name: d.name,
      links: [
        { rel: 'canonical', href: `${ctx.base}/record/v1/metadata-catalog/${d.name}`, mediaType: 'application/json' },
        { rel: 'alternate', href: `${ctx.base}/record/v1/metadata-catalog/${d.name}`, mediaType: 'application/swagger+json' },
        { rel: 'alternate', href: `${ctx.base}/record/v1/metadata-catalog/${d.name}`, mediaType: 'application/schema+json' },
        { rel: 'describes', href: `${ctx.base}/record/v1/${d.name}` },
      ],
    }));
    return { status: 200, body: { items, links: [{ rel: 'self', href: `${ctx.base}/record/v1/metadata-catalog` }] } };
  }

  private metadata(req: SandboxRequest, ctx: RequestContext): SandboxResponse {
    const def = this.typeOf(req);
    const schema = recordSchema(def, `${ctx.base}/record/v1/metadata-catalog`);
    const accept = (headerOf(req, 'accept') ?? '').toLowerCase();
    if (accept.includes('application/swagger+json')) {
      return {
        status: 200,
        headers: { 'content-type': 'application/swagger+json;charset=UTF-8' },
        body: { openapi: '3.0.1', info: { title: 'NetSuite REST Record API', version: 'v1' }, paths: {}, components: { schemas: { [def.name]: schema } } },
      };
    }
    return { status: 200, headers: { 'content-type': 'application/schema+json;charset=UTF-8' }, body: schema };
  }

  // ---- SuiteQL ----

  private suiteql(req: SandboxRequest, ctx: RequestContext): SandboxResponse {
    if (!ctx.async && !preferences(req).has('transient')) {
      throw NetSuiteFault.of(400, 'INVALID_HEADER', "SuiteQL requests need the header 'Prefer: transient'.", { 'o:errorHeader': 'Prefer' });
    }
    const body = req.body;
    const q = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)['q'] : undefined;
    if (typeof q !== 'string') throw NetSuiteFault.of(400, 'INVALID_CONTENT', 'The request body must be a JSON object with the query in "q".', { 'o:errorPath': 'q' });
    const limit = pageParam(req, 'limit', MAX_PAGE, MAX_PAGE);
    const offset = pageParam(req, 'offset', 0, MAX_SUITEQL_RESULTS - 1);
    const stmt = parseSuiteQL(q);
    const table = this.tables.get(stmt.table);
    if (!table) throw queryError(`Invalid search type: ${stmt.table}.`);
    const result = new SuiteQLExecutor(table, stmt, { now: this.options.clock.now() }).run();
    const total = result.rows.length;
    const reachable = Math.min(total, MAX_SUITEQL_RESULTS);
    const page = result.rows.slice(offset, Math.min(offset + limit, reachable));
    return {
      status: 200,
      body: {
        links: pagingLinks(`${ctx.base}/query/v1/suiteql`, new URLSearchParams(), limit, offset, reachable),
        count: page.length,
        hasMore: offset + page.length < reachable,
        items: page.map((row) => ({ links: [], ...row })),
        offset,
        totalResults: total,
      },
    };
  }

  // ---- async ----

  private submitAsync(req: SandboxRequest, ctx: RequestContext, handler: RestHandler): SandboxResponse {
    const key = headerOf(req, 'x-netsuite-idempotency-key');
    if (key !== undefined) {
      if (key.trim() === '' || key.length > 255) throw NetSuiteFault.of(400, 'INVALID_HEADER', 'The X-NetSuite-Idempotency-Key header must be 1 to 255 characters, a UUID recommended.', { 'o:errorHeader': 'X-NetSuite-Idempotency-Key' });
      const original = this.jobsByKey.get(key);
      if (original !== undefined) {
        return nsError(400, [{ detail: `A request with the idempotency key ${key} was already submitted as job ${original}.`, 'o:errorCode': 'IDEMPOTENCY_ERROR', 'o:errorHeader': 'X-NetSuite-Idempotency-Key' }], {
          title: 'Conflict',
          headers: { location: `${REST_ROOT}/async/v1/job/${original}` },
        });
      }
    }
    const job: AsyncJob = { id: this.nextJobId++, idempotencyKey: key, principal: ctx.principal, submitted: this.options.clock.now() };
    this.jobs.set(job.id, job);
    if (key !== undefined) this.jobsByKey.set(key, job.id);
    // The job runs after the 202 is on its way, as NetSuite queues it.
    const queued: SandboxRequest = { ...req, query: new URLSearchParams(req.query), params: { ...req.params } };
    setImmediate(() => void this.runJob(job, handler, queued, { ...ctx, async: true }));
    return { status: 202, headers: { location: `${REST_ROOT}/async/v1/job/${job.id}`, 'preference-applied': 'respond-async' } };
  }

  private async runJob(job: AsyncJob, handler: RestHandler, req: SandboxRequest, ctx: RequestContext): Promise<void> {
    job.started = this.options.clock.now();
    try {
      job.result = await this.run(handler, req, ctx);
    } catch {
      job.result = this.internalErrorResponse(req, undefined);
    }
    job.ended = this.options.clock.now();
  }

  private job(req: SandboxRequest, ctx: RequestContext): AsyncJob {
    const id = req.params['job'];
    const job = /^\d+$/.test(id) ? this.jobs.get(Number(id)) : undefined;
    if (!job || job.principal !== ctx.principal) throw NetSuiteFault.of(404, 'NONEXISTENT_ID', `The async job ${id} does not exist.`);
    return job;
  }

  private progress(job: AsyncJob): 'pending' | 'succeeded' | 'failed' {
    return job.result === undefined ? 'pending' : job.result.status < 400 ? 'succeeded' : 'failed';
  }

  private jobStatus(req: SandboxRequest, ctx: RequestContext): SandboxResponse {
    const job = this.job(req, ctx);
    const self = `${ctx.base}/async/v1/job/${job.id}`;
    return {
      status: 200,
      body: { links: [{ rel: 'self', href: self }], completed: job.result !== undefined, id: String(job.id), progress: this.progress(job), task: { links: [{ rel: 'self', href: `${self}/task` }] } },
    };
  }

  private jobTasks(req: SandboxRequest, ctx: RequestContext): SandboxResponse {
    const job = this.job(req, ctx);
    const self = `${ctx.base}/async/v1/job/${job.id}/task`;
    return {
      status: 200,
      body: { links: [{ rel: 'self', href: self }], count: 1, hasMore: false, items: [{ links: [{ rel: 'self', href: `${self}/${job.id}` }] }], offset: 0, totalResults: 1 },
    };
  }

  private task(req: SandboxRequest, ctx: RequestContext): AsyncJob {
    const job = this.job(req, ctx);
    if (req.params['task'] !== String(job.id)) throw NetSuiteFault.of(404, 'NONEXISTENT_ID', `The task ${req.params['task']} of async job ${job.id} does not exist.`);
    return job;
  }

  private taskStatus(req: SandboxRequest, ctx: RequestContext): SandboxResponse {
    const job = this.task(req, ctx);
    const self = `${ctx.base}/async/v1/job/${job.id}/task/${job.id}`;
    const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z'));
    return {
      status: 200,
      body: {
        links: [...(job.result ? [{ rel: 'related', href: `${self}/result` }] : []), { rel: 'self', href: self }],
        completed: job.result !== undefined,
        ...(job.ended !== undefined ? { endTime: iso(job.ended) } : {}),
        id: String(job.id),
        progress: this.progress(job),
        ...(job.started !== undefined ? { startTime: iso(job.started) } : {}),
      },
    };
  }

  /** The original request's answer, status, headers and body as they would have come synchronously. */
  private taskResult(req: SandboxRequest, ctx: RequestContext): SandboxResponse {
    const job = this.task(req, ctx);
    if (!job.result) throw NetSuiteFault.of(400, 'USER_ERROR', `The task ${job.id} has not completed yet.`);
    return job.result;
  }
}

