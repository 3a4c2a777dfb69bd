// The Kantata OX (Mavenlink API v1) client: bearer token, the shared HTTP layer and limiter, side-loaded reads
// flattened with automatic paging, and upsert by business key through `syncwright` external references.
// Plain TypeScript: no Node-RED.
import type { TargetLimiter } from '../../../runtime-plugins/engine/limiter.js';
import { HttpClient, type CallContext, type HttpRequest } from '../../../runtime-plugins/http/http-client.js';
import { isSyncError, SyncError } from '../../../runtime-plugins/sync-error.js';
import { flattenEnvelope, type KantataRecord } from './envelope.js';
import { KANTATA_TARGET, kantataProfile } from './profile.js';

export const DEFAULT_KANTATA_BASE_URL = 'https://api.mavenlink.com/api/v1';
/** The service name of the external references that carry Syncwright's business keys. */
export const SYNCWRIGHT_SERVICE = 'syncwright';
/** Kantata serves at most 200 records a page. */
export const MAX_PER_PAGE = 200;

/** The Kantata objects the client writes and reads. */
export const KANTATA_OBJECTS = {
  workspace: { path: 'workspaces', singular: 'workspace', subjectType: 'Workspace', serviceModel: 'Project', writable: true, deletable: false },
  story: { path: 'stories', singular: 'story', subjectType: 'Story', serviceModel: 'WorkItem', writable: true, deletable: true },
  time_entry: { path: 'time_entries', singular: 'time_entry', subjectType: 'TimeEntry', serviceModel: 'TimeEntry', writable: true, deletable: true },
  expense: { path: 'expenses', singular: 'expense', subjectType: 'Expense', serviceModel: 'Expense', writable: true, deletable: true },
  invoice: { path: 'invoices', singular: 'invoice', subjectType: 'Invoice', serviceModel: 'Invoice', writable: false, deletable: false },
  resource_request: { path: 'resource_requests', singular: 'resource_request', subjectType: undefined, serviceModel: 'ResourceRequest', writable: true, deletable: false },
  // A resource slot on a workspace (named or an unnamed role); unlike resource requests it takes external references.
  workspace_resource: { path: 'workspace_resources', singular: 'workspace_resource', subjectType: 'WorkspaceResource', serviceModel: 'WorkspaceResource', writable: true, deletable: true },
  role: { path: 'roles', singular: 'role', subjectType: 'Role', serviceModel: 'Role', writable: false, deletable: false },
  user: { path: 'users', singular: 'user', subjectType: 'User', serviceModel: 'Resource', writable: false, deletable: false },
  external_reference: { path: 'external_references', singular: 'external_reference', subjectType: undefined, serviceModel: 'ExternalReference', writable: false, deletable: false },
} as const;
export type KantataObject = keyof typeof KANTATA_OBJECTS;

export function isKantataObject(v: unknown): v is KantataObject {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(KANTATA_OBJECTS, v);
}

/** Fields of a record as Kantata takes them on create or update. */
export type KantataFields = Readonly<Record<string, unknown>>;

export type ListParams = Readonly<Record<string, string | number | boolean | undefined>>;

export interface ReadOptions {
  /** Associations to side-load and resolve into each record (`workspace`, `participants`…). */
  include?: readonly string[];
}

export interface ListOptions extends ReadOptions {
  /** Records per page (at most 200, the default). */
  perPage?: number;
  /** Stop after this many records (default: every page). */
  maxRecords?: number;
}

export interface ExternalReferenceInput {
  service_name: string;
  service_model: string;
  service_model_ref: string;
  status?: 'pending' | 'successful' | 'failed';
  external_link?: string;
  external_message?: string;
  external_status?: string;
}

export interface ExternalReferenceQuery {
  subjectType: string;
  subjectId?: string;
  serviceName?: string;
  serviceModel?: string;
  serviceModelRef?: string;
}

export interface UpsertInput {
  /** Syncwright's business key, kept as the `syncwright` external reference's `service_model_ref`. */
  businessKey: string;
  fields: KantataFields;
  /** `service_model` of the syncwright reference (default: the canonical object, e.g. `Project`). */
  serviceModel?: string;
  /** Further references written after the record (e.g. `salesforce`/`Opportunity`/`006…`). */
  references?: readonly ExternalReferenceInput[];
}

export interface UpsertResult {
  id: string;
  created: boolean;
  record: KantataRecord;
}

export interface KantataClientOptions {
  /** `https://api.mavenlink.com/api/v1` (default) or a sandbox's `…/api/v1`. */
  baseUrl?: string;
  /** OAuth bearer token. */
  token: string;
  /** The connection's shared limiter. */
  limiter?: TargetLimiter;
  /** Per-call timeout (default 60 s; Kantata's own limit is 3 minutes). */
  timeoutMs?: number;
  maxPauseWaitMs?: number;
  /** Records per page of lists (default 200). */
  perPage?: number;
}

function dataError(message: string, code: string, fields?: string[]): SyncError {
  return new SyncError(message, { class: 'data', code, retryable: false, target: KANTATA_TARGET, ...(fields ? { fields } : {}) });
}

function recordId(id: unknown, field = 'id'): string {
  const text = typeof id === 'number' && Number.isInteger(id) ? String(id) : typeof id === 'string' ? id.trim() : '';
  if (!/^[1-9]\d{0,17}$/.test(text)) throw dataError(`${field} must be a Kantata id (digits), got ${JSON.stringify(id) ?? String(id)}`, 'INVALID_ID', [field]);
  return text;
}

function isNotFound(err: unknown): boolean {
  return isSyncError(err) && err.syncwright.status === 404;
}

export class KantataClient {
  readonly http: HttpClient;
  private readonly authorization: string;
  private readonly perPage: number;

  constructor(readonly options: KantataClientOptions) {
    const token = options.token.trim();
    if (token === '') throw new SyncError('the Kantata connection has no bearer token', { class: 'auth', code: 'NO_TOKEN', retryable: false, target: KANTATA_TARGET });
    // A static bearer token cannot be renewed, so there is no Authenticator: a 401 would only fail again.
    this.authorization = `Bearer ${token}`;
    this.perPage = Math.max(1, Math.min(MAX_PER_PAGE, options.perPage ?? MAX_PER_PAGE));
    const httpOptions: ConstructorParameters<typeof HttpClient>[0] = {
      baseURL: (options.baseUrl ?? DEFAULT_KANTATA_BASE_URL).replace(/\/+$/, ''),
      profile: kantataProfile,
      timeoutMs: options.timeoutMs ?? 60_000,
    };
    if (options.limiter) httpOptions.limiter = options.limiter;
    if (options.maxPauseWaitMs !== undefined) httpOptions.maxPauseWaitMs = options.maxPauseWaitMs;
    this.http = new HttpClient(httpOptions);
  }

  get target(): string {
    return KANTATA_TARGET;
  }

  get limiter(): TargetLimiter | undefined {
    return this.http.limiter;
  }

  private async call<T = unknown>(req: HttpRequest, ctx: CallContext = {}): Promise<T> {
    const res = await this.http.request<T>({ ...req, headers: { ...req.headers, authorization: this.authorization } }, ctx);
    return res.data;
  }

  // ------------------------------------------------------------------------------------------- generic

  /** One record by id. */
  async get(object: KantataObject, id: string | number, opts: ReadOptions & { params?: ListParams } = {}, ctx: CallContext = {}): Promise<KantataRecord> {
    const def = KANTATA_OBJECTS[object];
    const include = opts.include ?? [];
    const params: Record<string, string | number | boolean | undefined> = { ...opts.params };
    if (include.length > 0) params['include'] = include.join(',');
    const body = await this.call({ method: 'GET', url: `/${def.path}/${recordId(id)}.json`, params }, ctx);
    const record = flattenEnvelope(body, include).records[0];
    if (record === undefined) throw dataError(`Kantata has no ${def.singular} ${String(id)}`, 'NOT_FOUND');
    return record;
  }

  /** Every record matching the filters, page after page (`page`, `per_page` ≤ 200), in Kantata's order. */
  async list(object: KantataObject, params: ListParams = {}, opts: ListOptions = {}, ctx: CallContext = {}): Promise<KantataRecord[]> {
    const def = KANTATA_OBJECTS[object];
    const include = opts.include ?? [];
    const perPage = Math.max(1, Math.min(MAX_PER_PAGE, opts.perPage ?? this.perPage));
    const max = opts.maxRecords ?? Number.POSITIVE_INFINITY;
    const out: KantataRecord[] = [];
    for (let page = 1; out.length < max; page++) {
      const query: Record<string, string | number | boolean | undefined> = { ...params, page, per_page: perPage };
      if (include.length > 0) query['include'] = include.join(',');
      const body = await this.call({ method: 'GET', url: `/${def.path}.json`, params: query }, ctx);
      const got = flattenEnvelope(body, include);
      out.push(...got.records.slice(0, max - out.length));
      const lastPage = got.pageCount !== undefined ? page >= got.pageCount : got.records.length < perPage;
      if (lastPage || got.records.length === 0) break;
    }
    return out;
  }

  /** Creates one record; `external_reference` in the fields is written in the same request. */
  async create(object: KantataObject, fields: KantataFields, ctx: CallContext = {}): Promise<KantataRecord> {
    const def = this.writable(object, 'create');
    const body = await this.call({ method: 'POST', url: `/${def.path}.json`, data: { [def.singular]: fields } }, ctx);
    const record = flattenEnvelope(body).records[0];
    if (record === undefined) throw new SyncError(`Kantata answered the ${def.singular} create without the record`, { class: 'transient', code: 'BAD_ENVELOPE', retryable: true, target: KANTATA_TARGET });
    return record;
  }

  async update(object: KantataObject, id: string | number, fields: KantataFields, ctx: CallContext = {}): Promise<KantataRecord> {
    const def = this.writable(object, 'update');
    const body = await this.call({ method: 'PUT', url: `/${def.path}/${recordId(id)}.json`, data: { [def.singular]: fields } }, ctx);
    const record = flattenEnvelope(body).records[0];
    if (record === undefined) throw new SyncError(`Kantata answered the ${def.singular} update without the record`, { class: 'transient', code: 'BAD_ENVELOPE', retryable: true, target: KANTATA_TARGET });
    return record;
  }

  async remove(object: KantataObject, id: string | number, ctx: CallContext = {}): Promise<void> {
    const def = KANTATA_OBJECTS[object];
    if (!def.deletable) throw dataError(`Kantata ${def.singular} records cannot be deleted through Syncwright`, 'UNSUPPORTED_OPERATION');
    await this.call({ method: 'DELETE', url: `/${def.path}/${recordId(id)}.json` }, ctx);
  }

  private writable(object: KantataObject, what: string): (typeof KANTATA_OBJECTS)[KantataObject] {
    const def = KANTATA_OBJECTS[object];
    if (!def.writable) throw dataError(`Kantata ${def.singular} records are read-only: cannot ${what} one`, 'UNSUPPORTED_OPERATION');
    return def;
  }

  // ------------------------------------------------------------------------------------------- typed

  testConnection(ctx: CallContext = {}): Promise<KantataRecord> {
    return this.me(ctx);
  }

  /** The token's own user (`GET /users/me.json`). */
  async me(ctx: CallContext = {}): Promise<KantataRecord> {
    const body = await this.call({ method: 'GET', url: '/users/me.json' }, ctx);
    const user = flattenEnvelope(body).records[0];
    if (user === undefined) throw new SyncError('Kantata answered /users/me without a user', { class: 'transient', code: 'BAD_ENVELOPE', retryable: true, target: KANTATA_TARGET });
    return user;
  }

  getWorkspace(id: string | number, opts?: ReadOptions, ctx?: CallContext): Promise<KantataRecord> {
    return this.get('workspace', id, opts, ctx);
  }
  listWorkspaces(params?: ListParams, opts?: ListOptions, ctx?: CallContext): Promise<KantataRecord[]> {
    return this.list('workspace', params, opts, ctx);
  }
  /** `creator_role` defaults to `maven` (the provider side), as Kantata requires one on create. */
  createWorkspace(fields: KantataFields, ctx?: CallContext): Promise<KantataRecord> {
    return this.create('workspace', { creator_role: 'maven', ...fields }, ctx);
  }
  updateWorkspace(id: string | number, fields: KantataFields, ctx?: CallContext): Promise<KantataRecord> {
    return this.update('workspace', id, fields, ctx);
  }

  createStory(fields: KantataFields, ctx?: CallContext): Promise<KantataRecord> {
    return this.create('story', fields, ctx);
  }
  updateStory(id: string | number, fields: KantataFields, ctx?: CallContext): Promise<KantataRecord> {
    return this.update('story', id, fields, ctx);
  }
  deleteStory(id: string | number, ctx?: CallContext): Promise<void> {
    return this.remove('story', id, ctx);
  }
  /** Stories (tasks, deliverables, milestones) of one workspace. */
  listStories(workspaceId: string | number, params: ListParams = {}, opts?: ListOptions, ctx?: CallContext): Promise<KantataRecord[]> {
    return this.list('story', { ...params, workspace_id: recordId(workspaceId, 'workspace_id') }, opts, ctx);
  }

  createTimeEntry(fields: KantataFields, ctx?: CallContext): Promise<KantataRecord> {
    return this.create('time_entry', fields, ctx);
  }
  updateTimeEntry(id: string | number, fields: KantataFields, ctx?: CallContext): Promise<KantataRecord> {
    return this.update('time_entry', id, fields, ctx);
  }
  deleteTimeEntry(id: string | number, ctx?: CallContext): Promise<void> {
    return this.remove('time_entry', id, ctx);
  }
  listTimeEntries(params?: ListParams, opts?: ListOptions, ctx?: CallContext): Promise<KantataRecord[]> {
    return this.list('time_entry', params, opts, ctx);
  }

  createExpense(fields: KantataFields, ctx?: CallContext): Promise<KantataRecord> {
    return this.create('expense', fields, ctx);
  }
  listExpenses(params?: ListParams, opts?: ListOptions, ctx?: CallContext): Promise<KantataRecord[]> {
    return this.list('expense', params, opts, ctx);
  }

  getInvoice(id: string | number, opts?: ReadOptions, ctx?: CallContext): Promise<KantataRecord> {
    return this.get('invoice', id, opts, ctx);
  }
  listInvoices(params?: ListParams, opts?: ListOptions, ctx?: CallContext): Promise<KantataRecord[]> {
    return this.list('invoice', params, opts, ctx);
  }

  createResourceRequest(fields: KantataFields, ctx?: CallContext): Promise<KantataRecord> {
    return this.create('resource_request', fields, ctx);
  }
  updateResourceRequest(id: string | number, fields: KantataFields, ctx?: CallContext): Promise<KantataRecord> {
    return this.update('resource_request', id, fields, ctx);
  }
  getResourceRequest(id: string | number, opts?: ReadOptions, ctx?: CallContext): Promise<KantataRecord> {
    return this.get('resource_request', id, opts, ctx);
  }
  listResourceRequests(params?: ListParams, opts?: ListOptions, ctx?: CallContext): Promise<KantataRecord[]> {
    return this.list('resource_request', params, opts, ctx);
  }

  getUser(id: string | number, ctx?: CallContext): Promise<KantataRecord> {
    return this.get('user', id, {}, ctx);
  }
  listUsers(params?: ListParams, opts?: ListOptions, ctx?: CallContext): Promise<KantataRecord[]> {
    return this.list('user', params, opts, ctx);
  }
  /** The user with this e-mail address, if any. */
  async findUserByEmail(email: string, ctx?: CallContext): Promise<KantataRecord | undefined> {
    const found = await this.list('user', { by_email_address: email }, { maxRecords: 1 }, ctx);
    return found[0];
  }

  // ------------------------------------------------------------------------------- external references

  /** References matching the query (`subject_type` is required by Kantata). */
  findReferences(q: ExternalReferenceQuery, opts: ListOptions = {}, ctx: CallContext = {}): Promise<KantataRecord[]> {
    if (q.subjectType.trim() === '') throw dataError('subjectType is required to look up external references', 'INVALID_QUERY', ['subject_type']);
    const params: Record<string, string | undefined> = {
      subject_type: q.subjectType,
      subject_id: q.subjectId === undefined ? undefined : recordId(q.subjectId, 'subject_id'),
      service_name: q.serviceName,
      service_model: q.serviceModel,
      service_model_ref: q.serviceModelRef,
    };
    return this.list('external_reference', params, opts, ctx);
  }

  /** `POST /external_references/create_or_update.json`: one reference per (subject type, service, model, ref). */
  async createOrUpdateReference(ref: ExternalReferenceInput & { subject_type: string; subject_id: string }, ctx: CallContext = {}): Promise<KantataRecord> {
    const body = await this.call(
      { method: 'POST', url: '/external_references/create_or_update.json', data: { external_reference: { ...ref, subject_id: recordId(ref.subject_id, 'subject_id') } } },
      ctx,
    );
    const record = flattenEnvelope(body).records[0];
    if (record === undefined) throw new SyncError('Kantata answered create_or_update without the reference', { class: 'transient', code: 'BAD_ENVELOPE', retryable: true, target: KANTATA_TARGET });
    return record;
  }

  /**
   * Upsert by business key, safe against a lost response: look up the `syncwright` reference; found → update its
   * subject; else create the record WITH the reference inline, so a create whose answer was lost is found by
   * the retry's lookup (a reference written in a second call would leave it unreferenced and duplicated).
   */
  async upsert(object: KantataObject, input: UpsertInput, ctx: CallContext = {}): Promise<UpsertResult> {
    const def = this.writable(object, 'upsert');
    const subjectType = def.subjectType;
    if (subjectType === undefined) throw dataError(`Kantata ${def.singular} records take no external references, so they cannot be upserted by business key: use create and update`, 'UNSUPPORTED_OPERATION');
    const businessKey = typeof input.businessKey === 'string' ? input.businessKey.trim() : '';
    if (businessKey === '' || businessKey.length > 255) throw dataError(`businessKey must be 1 to 255 characters to upsert a Kantata ${def.singular}, got ${JSON.stringify(input.businessKey)}`, 'INVALID_BUSINESS_KEY', ['businessKey']);
    if (Object.prototype.hasOwnProperty.call(input.fields, 'external_reference')) {
      throw dataError('fields must not carry external_reference: the upsert writes the syncwright reference itself (pass others in references)', 'INVALID_FIELDS', ['external_reference']);
    }
    const found = await this.findReferences({ subjectType, serviceName: SYNCWRIGHT_SERVICE, serviceModelRef: businessKey }, {}, ctx);
    const subjects = [...new Set(found.map((r) => String(r['subject_id'])))];
    if (subjects.length > 1) {
      throw new SyncError(`business key ${businessKey} names ${subjects.length} Kantata ${def.path} (${subjects.join(', ')}): resolve the duplicate references first`, {
        class: 'conflict',
        code: 'DUPLICATE_REFERENCES',
        retryable: false,
        target: KANTATA_TARGET,
      });
    }
    const serviceModel = input.serviceModel ?? def.serviceModel;
    let record: KantataRecord | undefined;
    let created = false;
    const existing = subjects[0];
    if (existing !== undefined) {
      try {
        record = await this.update(object, existing, input.fields, ctx);
      } catch (err) {
        // A reference left pointing at a deleted record: create afresh (the inline reference moves to it).
        if (!isNotFound(err)) throw err;
      }
    }
    if (record === undefined) {
      const reference: ExternalReferenceInput = { service_name: SYNCWRIGHT_SERVICE, service_model: serviceModel, service_model_ref: businessKey, status: 'successful' };
      record = await this.create(object, { ...(object === 'workspace' ? { creator_role: 'maven' } : {}), ...input.fields, external_reference: reference }, ctx);
      created = true;
    }
    for (const ref of input.references ?? []) {
      await this.createOrUpdateReference({ status: 'successful', ...ref, subject_type: subjectType, subject_id: record.id }, ctx);
    }
    return { id: record.id, created, record };
  }
}
