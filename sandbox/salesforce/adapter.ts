// The Salesforce REST API on the shared sandbox server: OAuth, sObject rows, upsert by external ID, sObject
// Collections, Composite, SOQL with cursors, describe and limits, every answer in Salesforce's own shapes.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { ActiveFault, Limits } from '../core/faults.js';
import { Router, type SandboxRequest, type SandboxResponse } from '../core/http.js';
import type { LimitKind, SandboxServer, VendorAdapter } from '../core/sandbox.js';
import { OAuthError, TokenBook, type ClientCredentialsApp, type JwtApp, type Session } from './auth.js';
import { CONCURRENT_LIMIT, DAILY_LIMIT, errorResponse, fail, failureResponse, NOT_FOUND, saveErrors, SESSION_INVALID, SfFailure, type SfError } from './errors.js';
import { makeId, normalizeId, randomIdTail, withChecksum } from './ids.js';
import { describeGlobalEntry, describeObject, OrgSchema, type FieldDef, type SObjectDef } from './schema.js';
import { seedDemoOrg } from './seed.js';
import { runSoql } from './soql.js';
import { OrgStore, toWire, type Row } from './store.js';

export const DEFAULT_API_VERSION = '62.0';
const MIN_VERSION = 46;
const MAX_VERSION = 66;
const RELEASES = ['Summer', 'Winter', 'Spring'];
const COLLECTION_LIMIT = 200;
const COMPOSITE_LIMIT = 25;
const CURSOR_IDLE_MS = 15 * 60_000;
const CURSORS_PER_USER = 10;
const JSON_TYPE = 'application/json;charset=UTF-8';

export interface SalesforceAdapterOptions {
  clock: Clock;
  tokenTtlMs: number;
  dailyApiRequests: number;
  jwtApps: JwtApp[];
  clientApps: ClientCredentialsApp[];
}

interface ApiContext {
  version: string;
  session: Session;
}

type ApiHandler = (req: SandboxRequest, ctx: ApiContext) => SandboxResponse | Promise<SandboxResponse>;

interface Cursor {
  id: string;
  records: Array<Record<string, unknown>>;
  totalSize: number;
  userId: string;
  lastUsed: number;
  all: boolean;
}

interface SaveResult {
  id?: string | null;
  success: boolean;
  errors: Array<{ statusCode: string; message: string; fields: string[] }>;
  created?: boolean;
}

const ROLLED_BACK = { statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] as string[] };
const HALTED_ROLLBACK = 'The transaction was rolled back since another operation in the same transaction failed.';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The version list of `GET /services/data`, each with its release name (v46.0 was Summer '19, three a year). */
function versionList(): Array<{ label: string; url: string; version: string }> {
  const out = [];
  for (let v = MIN_VERSION; v <= MAX_VERSION; v++) {
    const k = v - MIN_VERSION;
    const year = 19 + Math.floor((k + 2) / 3);
    out.push({ label: `${RELEASES[k % 3]} '${year}`, url: `/services/data/v${v}.0`, version: `${v}.0` });
  }
  return out;
}

export class SalesforceAdapter implements VendorAdapter {
  readonly name = 'salesforce';
  readonly router = new Router();
  /** The same API routes, unauthenticated, for Composite subrequests (which run as the caller). */
  private readonly inner = new Router();
  private readonly contexts = new WeakMap<SandboxRequest, ApiContext>();
  readonly schema = new OrgSchema();
  readonly store: OrgStore;
  readonly tokens: TokenBook;
  readonly orgId = makeId('00D', 1);
  private readonly cursors = new Map<string, Cursor>();
  private readonly recordJson = new WeakMap<Row, Map<string, string>>();
  private server: SandboxServer | undefined;
  private readonly versions = new Set<string>();
  private readonly clock: Clock;
  /** Usernames of the org's users that exist before any seeding (the OAuth apps' users). */
  private readonly orgUsers: string[];

  constructor(private readonly options: SalesforceAdapterOptions) {
    this.clock = options.clock;
    for (let v = MIN_VERSION; v <= MAX_VERSION; v++) this.versions.add(`${v}.0`);
    this.store = new OrgStore(this.schema, this.clock, (type, key) => this.server?.countCreate(type, key));
    this.tokens = new TokenBook(this.clock, options.tokenTtlMs, this.orgId, options.clientApps);
    this.orgUsers = [...new Set([...options.clientApps.map((a) => a.username), ...options.jwtApps.flatMap((a) => a.users)])];
    this.createOrgUsers();
    this.routes();
  }

  async init(): Promise<void> {
    for (const app of this.options.jwtApps) await this.tokens.addJwtApp(app);
  }

  attach(server: SandboxServer): void {
    this.server = server;
  }

  get url(): string {
    if (!this.server) throw new Error('salesforce sandbox is not attached to a server');
    return this.server.url;
  }

  private get userDef(): SObjectDef {
    return this.schema.get('User') as SObjectDef;
  }

  private createOrgUsers(): void {
    for (const username of this.orgUsers) this.ensureUser(username, 'Integration', 'User');
  }

  /** The Id of the user with this username, creating the user when the org does not have one. */
  ensureUser(username: string, firstName: string, lastName: string, title?: string): string {
    const existing = this.store.findBy(this.userDef, this.userDef.byName.get('username') as FieldDef, username)[0];
    if (existing) return existing['Id'] as string;
    const email = username.includes('@') ? username : `${username}@example.invalid`;
    return this.store.seedRecord(this.userDef, { Username: username, FirstName: firstName, LastName: lastName, Alias: (firstName.slice(0, 1) + lastName).slice(0, 8).toLowerCase(), Email: email, IsActive: true, TimeZoneSidKey: 'GMT', ...(title ? { Title: title } : {}) }, makeId('005', 1));
  }

  userIdOf(username: string): string | undefined {
    return this.store.findBy(this.userDef, this.userDef.byName.get('username') as FieldDef, username)[0]?.['Id'] as string | undefined;
  }

  // ---- VendorAdapter ----

  limitResponse(kind: LimitKind, _req: SandboxRequest, _limits: Limits): SandboxResponse {
    // Salesforce has no per-second rate limit; too many requests at once is its concurrent-request limit.
    return errorResponse(403, [kind === 'daily' ? DAILY_LIMIT : CONCURRENT_LIMIT]);
  }

  faultResponse(rule: ActiveFault, _req: SandboxRequest): SandboxResponse {
    if (rule.kind === 'maintenance') return errorResponse(503, [{ errorCode: 'SERVER_UNAVAILABLE', message: 'Server temporarily unavailable for scheduled maintenance. Please try again later.' }]);
    const status = rule.status ?? 500;
    const errors: Record<number, SfError> = {
      400: { errorCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record or 1 records', fields: [] },
      401: SESSION_INVALID,
      403: CONCURRENT_LIMIT,
      404: { errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' },
      409: { errorCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record or 1 records', fields: [] },
      429: CONCURRENT_LIMIT,
      503: { errorCode: 'SERVER_UNAVAILABLE', message: 'Server temporarily unavailable' },
    };
    return errorResponse(status, [errors[status] ?? { errorCode: 'UNKNOWN_EXCEPTION', message: `An unexpected error occurred. Please include this ErrorId if you contact support: ${this.errorId()}` }]);
  }

  notFoundResponse(req: SandboxRequest, methodMismatch: boolean): SandboxResponse {
    if (methodMismatch) {
      const allowed = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'].filter((m) => 'handler' in this.router.match(m, req.path));
      return errorResponse(405, [{ errorCode: 'METHOD_NOT_ALLOWED', message: `HTTP Method '${req.method}' not allowed. Allowed are ${allowed.join(',')}` }]);
    }
    return failureResponse(NOT_FOUND());
  }

  malformedBodyResponse(_req: SandboxRequest, error: Error): SandboxResponse {
    const raw = _req.rawBody;
    const m = /position (\d+)/.exec(error.message);
    const pos = m ? Number(m[1]) : raw.length;
    const before = raw.slice(0, pos);
    const line = before.split('\n').length;
    const column = pos - before.lastIndexOf('\n');
    const ch = raw[pos];
    const what = ch === undefined ? 'Unexpected end-of-input' : `Unexpected character ('${ch}' (code ${ch.charCodeAt(0)}))`;
    return errorResponse(400, [{ errorCode: 'JSON_PARSER_ERROR', message: `${what}: was expecting a valid JSON value at [line:${line}, column:${column}]` }]);
  }

  internalErrorResponse(_req: SandboxRequest, _error: unknown): SandboxResponse {
    return errorResponse(500, [{ errorCode: 'UNKNOWN_EXCEPTION', message: `An unexpected error occurred. Please include this ErrorId if you contact support: ${this.errorId()}` }]);
  }

  decorate(_req: SandboxRequest, res: SandboxResponse): void {
    const usage = `api-usage=${this.apiUsed()}/${this.apiMax()}`;
    if (res.headers) res.headers['Sforce-Limit-Info'] = usage;
    else res.headers = { 'Sforce-Limit-Info': usage };
  }

  expireTokens(): void {
    this.tokens.expireAll();
  }

  expireTokenOf(req: SandboxRequest): void {
    const session = this.tokens.check(req.headers.authorization);
    if (session) this.tokens.revoke(session.token);
  }

  reset(): void {
    this.store.clear();
    this.cursors.clear();
    this.tokens.expireAll();
    this.createOrgUsers();
  }

  seed(): void {
    seedDemoOrg(this);
  }

  inspect(): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = {};
    for (const def of this.schema.objects) out[def.name] = this.store.rows(def, true).map((r) => toWire(def, r, DEFAULT_API_VERSION));
    return out;
  }

  // ---- limits ----

  private apiMax(): number {
    return this.server?.getLimits().dailyBudget ?? this.options.dailyApiRequests;
  }
  private apiUsed(): number {
    return this.server?.dailyUsed() ?? 0;
  }
  private errorId(): string {
    return `${randomBytes(4).readUInt32BE(0)}-${randomBytes(2).readUInt16BE(0)} (${-randomBytes(4).readUInt32BE(0)})`;
  }

  // ---- routing ----

  /** Registers an API route: authenticated on the public router, as is on the inner one (Composite). */
  private route(method: string, pattern: string, handler: ApiHandler): void {
    const full = `/services/data/:version${pattern}`;
    this.router.add(method, full, (req) => this.authenticated(req, handler));
    this.inner.add(method, full, async (req) => {
      const ctx = this.contexts.get(req) as ApiContext;
      const version = this.versionOf(req);
      if (!version) return failureResponse(NOT_FOUND());
      try {
        return await handler(req, { ...ctx, version });
      } catch (err) {
        if (err instanceof SfFailure) return failureResponse(err);
        throw err;
      }
    });
  }

  private versionOf(req: SandboxRequest): string | undefined {
    const v = req.params['version'] ?? '';
    if (v.length < 2 || v[0] !== 'v') return undefined;
    const n = v.slice(1);
    return this.versions.has(n) ? n : undefined;
  }

  private async authenticated(req: SandboxRequest, handler: ApiHandler): Promise<SandboxResponse> {
    const version = this.versionOf(req);
    if (!version) return failureResponse(NOT_FOUND());
    const session = this.tokens.check(req.headers.authorization);
    if (!session) return errorResponse(401, [SESSION_INVALID], { 'WWW-Authenticate': 'Token' });
    req.principal = session.username;
    // The org's daily allowance, also when the sandbox's own daily limit was switched off.
    if (this.server?.getLimits().dailyBudget === undefined && this.apiUsed() > this.options.dailyApiRequests) return errorResponse(403, [DAILY_LIMIT]);
    try {
      return await handler(req, { version, session });
    } catch (err) {
      if (err instanceof SfFailure) return failureResponse(err);
      throw err;
    }
  }

  private routes(): void {
    const r = this.router;
    r.get('/services/data', () => ({ status: 200, body: versionList() }));
    r.post('/services/oauth2/token', (req) => this.token(req));
    r.post('/services/oauth2/revoke', (req) => {
      const form = isObject(req.body) ? req.body : {};
      const token = typeof form['token'] === 'string' ? form['token'] : (req.query.get('token') ?? '');
      if (!this.tokens.revoke(token)) return { status: 400, body: { error: 'unsupported_token_type', error_description: 'this token type is not supported' } };
      return { status: 200 };
    });
    r.get('/services/oauth2/userinfo', (req) => {
      const session = this.tokens.check(req.headers.authorization);
      if (!session) return { status: 403, body: 'Bad_OAuth_Token' };
      return { status: 200, body: this.userInfo(session) };
    });
    r.get('/id/:org/:user', (req) => {
      const token = req.query.get('oauth_token');
      const session = token ? this.tokens.checkToken(token) : this.tokens.check(req.headers.authorization);
      if (!session) return { status: 403, body: 'Bad_OAuth_Token' };
      return { status: 200, body: this.identity(session) };
    });

    this.route('GET', '', (_req, { version }) => ({
      status: 200,
      body: Object.fromEntries(['sobjects', 'query', 'queryAll', 'composite', 'limits'].map((k) => [k, `/services/data/v${version}/${k}`]).concat([['identity', `${this.url}/id/${this.orgId}/${makeId('005', 1)}`]])),
    }));
    this.route('GET', '/limits', () => ({ status: 200, body: this.limits() }));
    this.route('GET', '/sobjects', (_req, { version }) => ({ status: 200, body: { encoding: 'UTF-8', maxBatchSize: 200, sobjects: this.schema.objects.map((d) => describeGlobalEntry(d, version)) } }));
    this.route('GET', '/sobjects/:sobject', (req, { version }) => {
      const def = this.object(req);
      return { status: 200, body: { objectDescribe: describeGlobalEntry(def, version), recentItems: [] } };
    });
    this.route('GET', '/sobjects/:sobject/describe', (req, { version }) => ({ status: 200, body: describeObject(this.object(req), version, this.schema) }));
    this.route('POST', '/sobjects/:sobject', (req, ctx) => {
      const def = this.object(req);
      const id = this.store.create(def, this.recordBody(req, def), { userId: ctx.session.userId, rawBody: req.rawBody });
      return { status: 201, body: { id, success: true, errors: [] } };
    });
    this.route('GET', '/sobjects/:sobject/:id', (req, { version }) => {
      const def = this.object(req);
      const row = this.rowById(def, req.params['id']);
      const fields = this.fieldsParam(def, req.query.get('fields'));
      if (fields) return { status: 200, body: toWire(def, row, version, fields) };
      return { status: 200, headers: { 'content-type': JSON_TYPE }, body: this.wholeRecordJson(def, row, version) };
    });
    this.route('PATCH', '/sobjects/:sobject/:id', (req, ctx) => {
      const def = this.object(req);
      const id = this.idOf(def, req.params['id']);
      const body = this.recordBody(req, def);
      if (Object.keys(body).some((k) => k.toLowerCase() === 'id')) throw fail(400, 'INVALID_FIELD', 'The Id field should not be specified in the sobject data.');
      this.store.update(def, id, body, { userId: ctx.session.userId, rawBody: req.rawBody });
      return { status: 204 };
    });
    this.route('DELETE', '/sobjects/:sobject/:id', (req, ctx) => {
      const def = this.object(req);
      this.store.delete(def, this.idOf(def, req.params['id']), { userId: ctx.session.userId });
      return { status: 204 };
    });
    this.route('GET', '/sobjects/:sobject/:field/:value', (req, { version }) => {
      const def = this.object(req);
      const matches = this.byExternalId(def, req.params['field'], req.params['value']);
      if (matches.length === 0) throw NOT_FOUND();
      if (matches.length > 1) return this.multipleChoices(def, matches, version);
      return { status: 200, body: toWire(def, matches[0], version, this.fieldsParam(def, req.query.get('fields'))) };
    });
    this.route('PATCH', '/sobjects/:sobject/:field/:value', (req, ctx) => this.upsertOne(req, ctx));
    this.route('DELETE', '/sobjects/:sobject/:field/:value', (req, ctx) => {
      const def = this.object(req);
      const matches = this.byExternalId(def, req.params['field'], req.params['value']);
      if (matches.length === 0) throw NOT_FOUND();
      if (matches.length > 1) return this.multipleChoices(def, matches, ctx.version);
      this.store.delete(def, matches[0]['Id'] as string, { userId: ctx.session.userId });
      return { status: 204 };
    });

    for (const all of [false, true]) {
      const base = all ? '/queryAll' : '/query';
      this.route('GET', base, (req, ctx) => this.query(req, ctx, all));
      this.route('GET', `${base}/:locator`, (req, ctx) => this.queryMore(req, ctx));
    }

    this.route('POST', '/composite', (req, ctx) => this.composite(req, ctx));
    this.route('POST', '/composite/sobjects', (req, ctx) => this.collection(req, ctx, 'create'));
    this.route('PATCH', '/composite/sobjects', (req, ctx) => this.collection(req, ctx, 'update'));
    this.route('DELETE', '/composite/sobjects', (req, ctx) => this.collectionDelete(req, ctx));
    this.route('GET', '/composite/sobjects/:sobject', (req, ctx) => this.collectionGet(req, ctx, req.query.get('ids')?.split(','), req.query.get('fields')?.split(',')));
    this.route('POST', '/composite/sobjects/:sobject', (req, ctx) => {
      const body = isObject(req.body) ? req.body : {};
      const ids = Array.isArray(body['ids']) ? body['ids'].map(String) : undefined;
      const fields = Array.isArray(body['fields']) ? body['fields'].map(String) : undefined;
      return this.collectionGet(req, ctx, ids, fields);
    });
    this.route('PATCH', '/composite/sobjects/:sobject/:field', (req, ctx) => this.collectionUpsert(req, ctx));
  }

  // ---- helpers ----

  private object(req: SandboxRequest): SObjectDef {
    const def = this.schema.get(req.params['sobject'] ?? '');
    if (!def) throw NOT_FOUND();
    return def;
  }

  /** The Id a path segment names for this object; anything else reads as an unknown external ID field. */
  private idOf(def: SObjectDef, segment: string): string {
    const id = normalizeId(segment);
    if (!id) throw fail(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${segment}`);
    if (!id.startsWith(def.keyPrefix)) throw fail(404, 'NOT_FOUND', 'The requested resource does not exist');
    return id;
  }

  private rowById(def: SObjectDef, segment: string): Row {
    const row = this.store.get(def, this.idOf(def, segment));
    if (!row) throw NOT_FOUND();
    return row;
  }

  /** The JSON of a whole record: rows never change in place, so it is built once per row and version. */
  private wholeRecordJson(def: SObjectDef, row: Row, version: string): string {
    let byVersion = this.recordJson.get(row);
    if (!byVersion) {
      byVersion = new Map();
      this.recordJson.set(row, byVersion);
    }
    let json = byVersion.get(version);
    if (json === undefined) {
      json = JSON.stringify(toWire(def, row, version));
      byVersion.set(version, json);
    }
    return json;
  }

  private fieldsParam(def: SObjectDef, param: string | null): FieldDef[] | undefined {
    if (param === null || param.trim() === '') return undefined;
    return param.split(',').map((name) => {
      const f = def.byName.get(name.trim().toLowerCase());
      if (!f) throw fail(400, 'INVALID_FIELD', `No such column '${name.trim()}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`);
      return f;
    });
  }

  private recordBody(req: SandboxRequest, def: SObjectDef): Record<string, unknown> {
    const body = req.body;
    if (!isObject(body)) {
      const token = body === undefined ? 'NOT_AVAILABLE' : Array.isArray(body) ? 'START_ARRAY' : 'VALUE_STRING';
      throw fail(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of ${def.name} from ${token} value ${Array.isArray(body) ? '[' : ''} or request may be missing a required field at [line:1, column:1]`);
    }
    return body;
  }

  private externalField(def: SObjectDef, name: string): FieldDef {
    const f = def.byName.get(name.toLowerCase());
    if (!f || !(f.externalId || f.type === 'id')) throw fail(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${name}`);
    return f;
  }

  private byExternalId(def: SObjectDef, fieldName: string, value: string): Row[] {
    return this.store.findBy(def, this.externalField(def, fieldName), value);
  }

  private multipleChoices(def: SObjectDef, rows: Row[], version: string): SandboxResponse {
    return { status: 300, body: rows.map((row) => `/services/data/v${version}/sobjects/${def.name}/${String(row['Id'])}`) };
  }

  private upsertOne(req: SandboxRequest, ctx: ApiContext): SandboxResponse {
    const def = this.object(req);
    const f = this.externalField(def, req.params['field']);
    const value = req.params['value'];
    const body = this.recordBody(req, def);
    for (const key of Object.keys(body)) {
      const lower = key.toLowerCase();
      if (lower === 'id' || lower === f.name.toLowerCase()) throw fail(400, 'INVALID_FIELD', `The ${lower === 'id' ? 'Id' : f.name} field should not be specified in the sobject data.`);
    }
    const matches = this.store.findBy(def, f, value);
    const write = { userId: ctx.session.userId, rawBody: req.rawBody };
    if (matches.length > 1) return this.multipleChoices(def, matches, ctx.version);
    if (matches.length === 1) {
      const id = matches[0]['Id'] as string;
      this.store.update(def, id, body, write);
      return { status: 200, body: { id, success: true, errors: [], created: false } };
    }
    if (req.query.get('updateOnly') === 'true' || f.type === 'id') throw NOT_FOUND();
    const id = this.store.create(def, { ...body, [f.name]: value }, write);
    return { status: 201, body: { id, success: true, errors: [], created: true } };
  }

  // ---- SOQL ----

  private batchSize(req: SandboxRequest): number {
    const header = req.headers['sforce-query-options'];
    const m = typeof header === 'string' ? /batchSize\s*=\s*(\d+)/i.exec(header) : null;
    // Salesforce takes 200–2000 and may round; out-of-range sizes are clamped.
    return m ? Math.min(2000, Math.max(200, Number(m[1]))) : 2000;
  }

  private query(req: SandboxRequest, ctx: ApiContext, all: boolean): SandboxResponse {
    const q = req.query.get('q');
    if (q === null) throw fail(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const result = runSoql(q, this.schema, this.store, this.clock.now(), ctx.version, all);
    const batch = this.batchSize(req);
    if (result.records.length <= batch) return { status: 200, body: { totalSize: result.totalSize, done: true, records: result.records } };
    const cursor = this.openCursor(result.records, result.totalSize, ctx.session.userId, all);
    return this.page(cursor, 0, batch, ctx.version);
  }

  private queryMore(req: SandboxRequest, ctx: ApiContext): SandboxResponse {
    const m = /^(01g[0-9A-Za-z]{15})-(\d+)$/.exec(req.params['locator'] ?? '');
    const cursor = m ? this.cursors.get(m[1]) : undefined;
    if (!m || !cursor || cursor.userId !== ctx.session.userId || this.clock.now() - cursor.lastUsed > CURSOR_IDLE_MS) {
      if (m) this.cursors.delete(m[1]);
      throw fail(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    return this.page(cursor, Number(m[2]), this.batchSize(req), ctx.version);
  }

  private openCursor(records: Array<Record<string, unknown>>, totalSize: number, userId: string, all: boolean): Cursor {
    const mine = [...this.cursors.values()].filter((c) => c.userId === userId);
    // A user holds at most 10 open cursors; opening another closes the oldest, as on Salesforce.
    if (mine.length >= CURSORS_PER_USER) this.cursors.delete(mine[0].id);
    const id = withChecksum(`01gSw0${randomIdTail(Math.random).slice(0, 9)}`);
    const cursor: Cursor = { id, records, totalSize, userId, lastUsed: this.clock.now(), all };
    this.cursors.set(id, cursor);
    return cursor;
  }

  private page(cursor: Cursor, from: number, batch: number, version: string): SandboxResponse {
    cursor.lastUsed = this.clock.now();
    const records = cursor.records.slice(from, from + batch);
    const next = from + records.length;
    const done = next >= cursor.records.length;
    if (done) this.cursors.delete(cursor.id);
    const body: Record<string, unknown> = { totalSize: cursor.totalSize, done };
    if (!done) body['nextRecordsUrl'] = `/services/data/v${version}/${cursor.all ? 'queryAll' : 'query'}/${cursor.id}-${next}`;
    body['records'] = records;
    return { status: 200, body };
  }

  // ---- sObject Collections ----

  private collectionRecords(req: SandboxRequest): { allOrNone: boolean; records: Array<Record<string, unknown>> } {
    const body = req.body;
    if (!isObject(body) || !Array.isArray(body['records'])) throw fail(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of SObjectCollectionsRequest: records is required');
    const records = body['records'];
    if (records.length > COLLECTION_LIMIT) throw fail(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${COLLECTION_LIMIT} records into this call`);
    if (!records.every(isObject)) throw fail(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of SObject from a value that is not an object');
    return { allOrNone: body['allOrNone'] === true, records };
  }

  /** Runs one save per record; with allOrNone, one failure rolls all back and the rest say so. */
  private saveAll<T>(items: T[], allOrNone: boolean, save: (item: T) => SaveResult, failedId: (item: T) => string | null | undefined): SaveResult[] {
    const sp = allOrNone ? this.store.begin() : undefined;
    let results: SaveResult[];
    try {
      results = items.map((item) => {
        try {
          return save(item);
        } catch (err) {
          if (!(err instanceof SfFailure)) throw err;
          const out: SaveResult = { success: false, errors: saveErrors(err.errors) };
          const id = failedId(item);
          return id === undefined ? out : { id, ...out };
        }
      });
    } catch (err) {
      // An unexpected error must not leave the savepoint open.
      if (sp) this.store.rollback(sp);
      throw err;
    }
    if (!sp) return results;
    if (results.every((r) => r.success)) {
      this.store.commit();
      return results;
    }
    this.store.rollback(sp);
    return results.map((r, i) => {
      if (!r.success) return r;
      const id = failedId(items[i]);
      const out: SaveResult = { success: false, errors: [ROLLED_BACK] };
      return id === undefined ? out : { id, ...out };
    });
  }

  private collection(req: SandboxRequest, ctx: ApiContext, mode: 'create' | 'update'): SandboxResponse {
    const { allOrNone, records } = this.collectionRecords(req);
    const write = { userId: ctx.session.userId };
    const results = this.saveAll(
      records,
      allOrNone,
      (record) => {
        const attributes = record['attributes'];
        const type = isObject(attributes) && typeof attributes['type'] === 'string' ? attributes['type'] : undefined;
        const def = type ? this.schema.get(type) : undefined;
        if (!def) throw fail(400, 'INVALID_TYPE', type ? `sObject type '${type}' is not supported.` : 'No SObject Type defined in record', []);
        const { attributes: _a, ...fields } = record;
        if (mode === 'create') {
          const id = this.store.create(def, fields, write);
          return { id, success: true, errors: [] };
        }
        const idKey = Object.keys(fields).find((k) => k.toLowerCase() === 'id');
        const id = idKey ? normalizeId(String(fields[idKey])) : undefined;
        if (!idKey || !id) throw fail(400, 'MALFORMED_ID', `invalid record id`, []);
        const { [idKey]: _id, ...changes } = fields;
        if (!id.startsWith(def.keyPrefix)) throw fail(400, 'MALFORMED_ID', `${def.label} ID: id value of incorrect type: ${id}`, ['Id']);
        this.store.update(def, id, changes, write);
        return { id, success: true, errors: [] };
      },
      (record) => {
        if (mode === 'create') return undefined;
        const idKey = Object.keys(record).find((k) => k.toLowerCase() === 'id');
        return idKey ? (normalizeId(String(record[idKey])) ?? String(record[idKey])) : null;
      },
    );
    return { status: 200, body: results };
  }

  private collectionDelete(req: SandboxRequest, ctx: ApiContext): SandboxResponse {
    const ids = (req.query.get('ids') ?? '').split(',').filter((s) => s.length > 0);
    if (ids.length === 0) throw fail(400, 'MISSING_ARGUMENT', 'ids parameter is required');
    if (ids.length > COLLECTION_LIMIT) throw fail(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${COLLECTION_LIMIT} records into this call`);
    const results = this.saveAll(
      ids,
      req.query.get('allOrNone') === 'true',
      (raw) => {
        const id = normalizeId(raw);
        const def = id ? this.schema.byKeyPrefix(id.slice(0, 3)) : undefined;
        if (!id || !def) throw fail(400, 'MALFORMED_ID', `malformed id ${raw}`, []);
        if (!this.store.getAny(def, id)) throw fail(404, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', []);
        this.store.delete(def, id, { userId: ctx.session.userId });
        return { id, success: true, errors: [] };
      },
      (raw) => normalizeId(raw) ?? raw,
    );
    return { status: 200, body: results };
  }

  private collectionGet(req: SandboxRequest, ctx: ApiContext, ids: string[] | undefined, fields: string[] | undefined): SandboxResponse {
    const def = this.object(req);
    if (!ids || ids.length === 0) throw fail(400, 'MISSING_ARGUMENT', 'ids parameter is required');
    if (!fields || fields.length === 0) throw fail(400, 'MISSING_ARGUMENT', 'fields parameter is required');
    if (ids.length > 2000) throw fail(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 2000 records into this call');
    const wanted = this.fieldsParam(def, fields.join(','));
    return {
      status: 200,
      body: ids.map((raw) => {
        const id = normalizeId(raw);
        const row = id && id.startsWith(def.keyPrefix) ? this.store.get(def, id) : undefined;
        return row ? toWire(def, row, ctx.version, wanted) : null;
      }),
    };
  }

  private collectionUpsert(req: SandboxRequest, ctx: ApiContext): SandboxResponse {
    const def = this.object(req);
    const f = def.byName.get((req.params['field'] ?? '').toLowerCase());
    if (!f || !(f.externalId || f.type === 'id')) throw fail(400, 'INVALID_FIELD', `Field name provided, ${req.params['field']} is not an External ID or indexed field for ${def.name}`);
    const { allOrNone, records } = this.collectionRecords(req);
    const keyOf = (record: Record<string, unknown>): string | undefined => {
      const k = Object.keys(record).find((key) => key.toLowerCase() === f.name.toLowerCase());
      const v = k === undefined ? undefined : record[k];
      return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
    };
    const seen = new Map<string, number>();
    for (const record of records) {
      const key = keyOf(record)?.toLowerCase();
      if (key !== undefined) seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    const write = { userId: ctx.session.userId };
    const results = this.saveAll(
      records,
      allOrNone,
      (record) => {
        const attributes = record['attributes'];
        const type = isObject(attributes) && typeof attributes['type'] === 'string' ? attributes['type'] : undefined;
        if (type === undefined || this.schema.get(type) !== def) throw fail(400, 'INVALID_FIELD', `Record type ${type ?? '(none)'} does not match ${def.name}: all records must be of the URL's type`, []);
        const value = keyOf(record);
        if (value === undefined || value === '') throw fail(400, 'MISSING_ARGUMENT', `${f.name} not specified`, [f.name]);
        if ((seen.get(value.toLowerCase()) ?? 0) > 1) throw fail(400, 'DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${value}`, [f.name]);
        const fields: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(record)) if (k !== 'attributes' && k.toLowerCase() !== f.name.toLowerCase()) fields[k] = v;
        const matches = this.store.findBy(def, f, value);
        if (matches.length > 1) throw fail(300, 'DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${value}`, [f.name]);
        if (matches.length === 1) {
          const id = matches[0]['Id'] as string;
          this.store.update(def, id, fields, write);
          return { id, success: true, errors: [], created: false };
        }
        if (f.type === 'id') throw fail(404, 'NOT_FOUND', 'The requested resource does not exist', []);
        const id = this.store.create(def, { ...fields, [f.name]: value }, write);
        return { id, success: true, errors: [], created: true };
      },
      () => null,
    );
    return { status: 200, body: results };
  }

  // ---- Composite ----

  private async composite(req: SandboxRequest, ctx: ApiContext): Promise<SandboxResponse> {
    const body = req.body;
    if (!isObject(body) || !Array.isArray(body['compositeRequest'])) throw fail(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of CompositeRequest: compositeRequest is required');
    const subrequests = body['compositeRequest'];
    if (subrequests.length === 0) throw fail(400, 'INVALID_INPUT', 'compositeRequest must contain at least one subrequest');
    if (subrequests.length > COMPOSITE_LIMIT) throw fail(400, 'INVALID_INPUT', `Composite request cannot have more than ${COMPOSITE_LIMIT} subrequests`);
    const seenRefs = new Set<string>();
    for (const sub of subrequests) {
      if (!isObject(sub) || typeof sub['method'] !== 'string' || typeof sub['url'] !== 'string' || typeof sub['referenceId'] !== 'string') {
        throw fail(400, 'JSON_PARSER_ERROR', 'Each subrequest needs method, url and referenceId');
      }
      const ref = sub['referenceId'];
      if (!/^[A-Za-z0-9_]+$/.test(ref)) throw fail(400, 'INVALID_INPUT', `Invalid referenceId ${ref}: only letters, digits and underscores are allowed`);
      if (seenRefs.has(ref)) throw fail(400, 'INVALID_INPUT', `Duplicate referenceId provided in the request: ${ref}`);
      seenRefs.add(ref);
    }
    const allOrNone = body['allOrNone'] === true;
    const sp = allOrNone ? this.store.begin() : undefined;
    const responses: Array<{ body: unknown; httpHeaders: Record<string, string>; httpStatusCode: number; referenceId: string }> = [];
    const results = new Map<string, unknown>();
    let failedAt: number;
    try {
      failedAt = await this.runSubrequests(req, ctx, subrequests as Array<Record<string, unknown>>, allOrNone, responses, results);
    } catch (err) {
      if (sp) this.store.rollback(sp);
      throw err;
    }
    if (sp) {
      if (failedAt < 0) this.store.commit();
      else {
        this.store.rollback(sp);
        const halted = { body: [{ errorCode: 'PROCESSING_HALTED', message: HALTED_ROLLBACK }], httpHeaders: {}, httpStatusCode: 400 };
        for (let k = 0; k < subrequests.length; k++) {
          if (k === failedAt) continue;
          responses[k] = { ...halted, referenceId: (subrequests[k] as Record<string, unknown>)['referenceId'] as string };
        }
      }
    }
    return { status: 200, body: { compositeResponse: responses } };
  }

  /** Runs subrequests in order; returns the index of the first failure under allOrNone, else -1. */
  private async runSubrequests(
    req: SandboxRequest,
    ctx: ApiContext,
    subrequests: Array<Record<string, unknown>>,
    allOrNone: boolean,
    responses: Array<{ body: unknown; httpHeaders: Record<string, string>; httpStatusCode: number; referenceId: string }>,
    results: Map<string, unknown>,
  ): Promise<number> {
    for (let k = 0; k < subrequests.length; k++) {
      const sub = subrequests[k];
      const referenceId = sub['referenceId'] as string;
      let out: SandboxResponse;
      try {
        const url = this.resolveReferences(sub['url'], results, true) as string;
        const subBody = sub['body'] === undefined ? undefined : this.resolveReferences(sub['body'], results, false);
        out = await this.runSubrequest(req, ctx, String(sub['method']).toUpperCase(), url, subBody);
      } catch (err) {
        if (!(err instanceof SfFailure)) throw err;
        out = failureResponse(err);
      }
      const headers: Record<string, string> = {};
      if (out.status === 201 && isObject(out.body) && typeof out.body['id'] === 'string') {
        const def = this.schema.byKeyPrefix(out.body['id'].slice(0, 3));
        if (def) headers['Location'] = `/services/data/v${ctx.version}/sobjects/${def.name}/${out.body['id']}`;
      }
      responses.push({ body: out.body ?? null, httpHeaders: headers, httpStatusCode: out.status, referenceId });
      if (out.status < 300) results.set(referenceId, out.body);
      if (out.status >= 400 && allOrNone) {
        return k;
      }
    }
    return -1;
  }

  /** Replaces `@{ref.path}` with values from earlier subresults; a reference alone keeps the value's type. */
  private resolveReferences(value: unknown, results: Map<string, unknown>, inUrl: boolean): unknown {
    if (typeof value === 'string') {
      const whole = /^@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])+)\}$/.exec(value);
      if (whole && !inUrl) return this.referenceValue(whole[1], whole[2], results);
      return value.replace(/@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])+)\}/g, (_m, ref: string, path: string) => String(this.referenceValue(ref, path, results)));
    }
    if (Array.isArray(value)) return value.map((v) => this.resolveReferences(v, results, inUrl));
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolveReferences(v, results, inUrl)]));
    return value;
  }

  private referenceValue(ref: string, path: string, results: Map<string, unknown>): unknown {
    const invalid = () => fail(400, 'PROCESSING_HALTED', `Invalid reference specified. No value for ${ref}${path} found in ${ref}. Provided referenceId ('${ref}') must match a referenceId from a previous successful subrequest in the same request.`);
    if (!results.has(ref)) throw invalid();
    let current: unknown = results.get(ref);
    for (const step of path.match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
      if (step.startsWith('[')) current = Array.isArray(current) ? current[Number(step.slice(1, -1))] : undefined;
      else current = isObject(current) ? current[step.slice(1)] : undefined;
      if (current === undefined) throw invalid();
    }
    if (current === null || typeof current === 'object') throw invalid();
    return current;
  }

  private async runSubrequest(parent: SandboxRequest, ctx: ApiContext, method: string, url: string, body: unknown): Promise<SandboxResponse> {
    const parsed = new URL(url, 'http://sandbox');
    if (!/^\/services\/data\/v\d+\.\d+\//.test(parsed.pathname) || /\/composite\/?$/.test(parsed.pathname)) {
      throw fail(400, 'INVALID_INPUT', `The URL ${url} is not supported in a composite subrequest`);
    }
    const match = this.inner.match(method, parsed.pathname);
    if (!('handler' in match)) return match.methodMismatch ? errorResponse(405, [{ errorCode: 'METHOD_NOT_ALLOWED', message: `HTTP Method '${method}' not allowed.` }]) : failureResponse(NOT_FOUND());
    const sub: SandboxRequest = {
      id: parent.id,
      method,
      path: parsed.pathname,
      query: parsed.searchParams,
      headers: parent.headers,
      rawBody: body === undefined ? '' : JSON.stringify(body),
      params: match.params,
      body,
      receivedAt: parent.receivedAt,
      principal: parent.principal,
    };
    this.contexts.set(sub, ctx);
    const out = await match.handler(sub);
    // Whole records come pre-serialised; a composite response embeds them as JSON values.
    if (typeof out.body === 'string' && out.headers?.['content-type'] === JSON_TYPE) return { status: out.status, body: JSON.parse(out.body) as unknown };
    return out;
  }

  // ---- OAuth and identity ----

  private async token(req: SandboxRequest): Promise<SandboxResponse> {
    const form: Record<string, string> = {};
    if (isObject(req.body)) for (const [k, v] of Object.entries(req.body)) if (typeof v === 'string') form[k] = v;
    for (const [k, v] of req.query) form[k] ??= v;
    try {
      const grant = form['grant_type'];
      let who: { username: string; secret: string };
      if (grant === 'client_credentials') who = this.tokens.clientCredentials(form);
      else if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') who = await this.tokens.jwtBearer(form, this.url);
      else throw new OAuthError(400, 'unsupported_grant_type', 'grant type not supported');
      const userId = this.userIdOf(who.username);
      if (!userId) throw new OAuthError(400, 'invalid_grant', 'user hasn\'t approved this consumer');
      const session = this.tokens.issue(who.username, userId);
      const id = `${this.url}/id/${this.orgId}/${userId}`;
      const issuedAt = String(session.issuedAt);
      return {
        status: 200,
        body: { access_token: session.token, signature: TokenBook.signature(id, issuedAt, who.secret), scope: 'api', instance_url: this.url, id, token_type: 'Bearer', issued_at: issuedAt },
      };
    } catch (err) {
      if (err instanceof OAuthError) return { status: err.status, body: { error: err.error, error_description: err.description } };
      throw err;
    }
  }

  private userRow(session: Session): Row | undefined {
    return this.store.get(this.userDef, session.userId);
  }

  private userInfo(session: Session): Record<string, unknown> {
    const user = this.userRow(session);
    return {
      sub: `${this.url}/id/${this.orgId}/${session.userId}`,
      user_id: session.userId,
      organization_id: this.orgId,
      preferred_username: session.username,
      name: user?.['Name'] ?? session.username,
      email: user?.['Email'] ?? null,
      email_verified: true,
      user_type: 'STANDARD',
      active: true,
    };
  }

  private identity(session: Session): Record<string, unknown> {
    const user = this.userRow(session);
    const base = `${this.url}/services/data/v${DEFAULT_API_VERSION}`;
    return {
      id: `${this.url}/id/${this.orgId}/${session.userId}`,
      asserted_user: true,
      user_id: session.userId,
      organization_id: this.orgId,
      username: session.username,
      nick_name: user?.['Alias'] ?? null,
      display_name: user?.['Name'] ?? session.username,
      email: user?.['Email'] ?? null,
      active: true,
      user_type: 'STANDARD',
      language: 'en_US',
      locale: 'en_US',
      utcOffset: 0,
      urls: { rest: `${base}/`, sobjects: `${base}/sobjects/`, query: `${base}/query/`, recent: `${base}/recent/`, profile: `${this.url}/${session.userId}` },
      last_modified_date: user ? toWire(this.userDef, user, DEFAULT_API_VERSION)['LastModifiedDate'] : null,
    };
  }

  private limits(): Record<string, { Max: number; Remaining: number }> {
    const max = this.apiMax();
    const pair = (Max: number, used = 0) => ({ Max, Remaining: Math.max(0, Max - used) });
    let records = 0;
    for (const def of this.schema.objects) records += this.store.rows(def).length;
    return {
      ConcurrentAsyncGetReportInstances: pair(200),
      ConcurrentSyncReportRuns: pair(20),
      DailyApiRequests: pair(max, this.apiUsed()),
      DailyAsyncApexExecutions: pair(250000),
      DailyBulkApiBatches: pair(15000),
      DailyBulkV2QueryJobs: pair(10000),
      DailyGenericStreamingApiEvents: pair(10000),
      DailyStreamingApiEvents: pair(1000000),
      DataStorageMB: pair(1024, Math.ceil((records * 2) / 1024)),
      FileStorageMB: pair(1024),
      HourlyPublishedPlatformEvents: pair(250000),
      SingleEmail: pair(5000),
    };
  }
}
