// The psa role on Kantata OX: workspaces, milestone stories and time entries upserted by their `syncwright`
// external reference (looked up, else created with the reference inline, so a lost answer never makes a second
// record); resource requests through a keyed workspace resource; approved time read back as canonical entries;
// a project closed by archiving its workspace. All through the Kantata client and the canonical mappings.
import type { CanonicalOf } from '../../canonical/registry.js';
import { findMapping, isMappingError, type MappingCall, type RefValue } from '../../canonical/mappings/index.js';
import type { KantataMappingContext } from '../../canonical/mappings/kantata/index.js';
import { correlationIdOf, earlierResult, stepResultOf, type RoleBackend, type RoleResult, type RunContext, type UnitOutcome } from '../../runtime-plugins/roles/backend.js';
import type { BackendSystem, Capability } from '../../runtime-plugins/roles/capabilities.js';
import type { LandscapeRule } from '../../runtime-plugins/roles/landscape.js';
import { payloadError, type ApprovedTimeQuery, type ParsedInput, type ResourceRequestQuery } from '../../runtime-plugins/roles/payloads.js';
import { isSyncError, SyncError } from '../../runtime-plugins/sync-error.js';
import { KANTATA_TARGET, SYNCWRIGHT_SERVICE, type KantataClient, type KantataRecord } from '../kantata/client/index.js';
import { isKantataConnection, type KantataConnectionNode } from '../kantata/connection.js';
import { runOperation } from '../kantata/operation.js';

type Project = CanonicalOf<'syncwright/project@1'>;
type WorkItem = CanonicalOf<'syncwright/work-item@1'>;
type TimeEntry = CanonicalOf<'syncwright/time-entry@1'>;
type ResourceRequest = CanonicalOf<'syncwright/resource-request@1'>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dataError(message: string, code: string, fields?: string[]): SyncError {
  return new SyncError(message, { class: 'data', code, retryable: false, target: KANTATA_TARGET, ...(fields ? { fields } : {}) });
}

function isNotFound(err: unknown): boolean {
  return isSyncError(err) && (err.syncwright.status === 404 || err.syncwright.code === 'NOT_FOUND');
}

/** A MappingError becomes a `data` SyncError naming the field. */
function mapped<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isMappingError(err)) throw new SyncError(err.message, { class: 'data', code: err.code, retryable: false, target: KANTATA_TARGET, fields: err.field === '' ? [] : [err.field] }, { cause: err });
    throw err;
  }
}

/** Canonical resource request status → Kantata's (pending, approved, rejected, canceled). */
const REQUEST_STATUS: Record<ResourceRequest['status'], string> = {
  draft: 'pending',
  open: 'pending',
  held: 'pending',
  assigned: 'approved',
  cancelled: 'canceled',
};

/** Kantata's request status → canonical (a rejected request is demand no longer asked for). */
const CANONICAL_REQUEST_STATUS: Record<string, ResourceRequest['status']> = {
  pending: 'open',
  approved: 'assigned',
  rejected: 'cancelled',
  canceled: 'cancelled',
};

export class KantataPsa implements RoleBackend {
  readonly role = 'psa' as const;
  readonly system: BackendSystem = 'kantata';
  readonly connectionId: string;
  readonly label: string;
  readonly limiterTarget: string;
  private roles: Promise<KantataRecord[]> | undefined;
  private me: Promise<KantataRecord> | undefined;

  constructor(private readonly connection: KantataConnectionNode) {
    this.connectionId = connection.id;
    this.label = connection.name || connection.id;
    this.limiterTarget = connection.limiterTarget;
  }

  private result(extra: Omit<RoleResult, 'system' | 'connection'>): RoleResult {
    return { system: 'kantata', connection: this.connectionId, ...extra };
  }

  async run(cap: Capability, input: ParsedInput, ctx: RunContext): Promise<UnitOutcome> {
    const client = await this.connection.client();
    const context = await this.connection.mappingContext();
    switch (cap.name) {
      case 'upsert-project':
        return this.upsertProject(client, context, (input as { value: Project }).value, ctx);
      case 'create-milestones':
        return this.createMilestones(client, context, listOf<WorkItem>(input), ctx);
      case 'post-time-entries':
        return this.postTimeEntries(client, context, listOf<TimeEntry>(input), ctx);
      case 'upsert-resource-request':
        return this.upsertResourceRequest(client, (input as { value: ResourceRequest }).value, ctx);
      case 'read-approved-time':
        return this.readApprovedTime(client, context, (input as { value: ApprovedTimeQuery }).value, ctx);
      case 'read-resource-requests':
        return this.readResourceRequests(client, (input as { value: ResourceRequestQuery }).value, ctx);
      case 'close-project':
        return this.closeProject(client, input.input === 'compensation' ? input.value : undefined, ctx);
      default:
        throw dataError(`Kantata cannot do psa ${cap.name}`, 'UNSUPPORTED');
    }
  }

  // ------------------------------------------------------------------------------------------- helpers

  /** The subject of the `syncwright` reference holding a business key, if any (two subjects: a conflict). */
  private async subjectOf(client: KantataClient, subjectType: string, key: string, ctx: RunContext): Promise<string | undefined> {
    const refs = await client.findReferences({ subjectType, serviceName: SYNCWRIGHT_SERVICE, serviceModelRef: key }, {}, { permitHeld: ctx.permitHeld });
    const subjects = [...new Set(refs.map((r) => String(r['subject_id'])))];
    if (subjects.length > 1) throw new SyncError(`business key ${key} names ${subjects.length} Kantata ${subjectType} records (${subjects.join(', ')})`, { class: 'conflict', code: 'DUPLICATE_REFERENCES', retryable: false, target: KANTATA_TARGET });
    return subjects[0];
  }

  /** A workspace id: this step's transaction made it (same key), the reference holds it, or its business key finds it. */
  private async workspaceId(client: KantataClient, ref: RefValue | undefined, field: string, ctx: RunContext, cache?: Map<string, string>): Promise<string> {
    if (ref === undefined) throw payloadError(field, 'is required (the project)', 'INVALID_PAYLOAD', KANTATA_TARGET);
    const cacheKey = JSON.stringify([ref.businessKey, ref.externalIds?.kantata]);
    const cached = cache?.get(cacheKey);
    if (cached !== undefined) return cached;
    const earlier = earlierResult(ctx.sync, 'psa.project', this.connectionId);
    // The same project: same key, or (a reference without key or Kantata id) the only one the transaction made.
    const same = earlier !== undefined && (ref.businessKey !== undefined ? earlier.key === undefined || earlier.key === ref.businessKey : ref.externalIds?.kantata === undefined);
    let id = same && typeof earlier.id === 'string' ? earlier.id : undefined;
    id ??= ref.externalIds?.kantata;
    if (id === undefined && ref.businessKey !== undefined) id = await this.subjectOf(client, 'Workspace', ref.businessKey, ctx);
    if (id === undefined) throw dataError(`${field} ${ref.businessKey ?? ''} is not in Kantata (${this.label}): upsert the project there first`, 'PARENT_NOT_FOUND', [field]);
    cache?.set(cacheKey, id);
    return id;
  }

  /** The workspace's currency (story budgets and rates are in it). */
  private async currencyOf(client: KantataClient, workspaceId: string, ctx: RunContext, cache: Map<string, string>): Promise<string | undefined> {
    const earlier = earlierResult(ctx.sync, 'psa.project', this.connectionId);
    if (earlier?.id === workspaceId && typeof earlier['currency'] === 'string') return earlier['currency'];
    let currency = cache.get(`currency:${workspaceId}`);
    if (currency === undefined) {
      const ws = await client.getWorkspace(workspaceId, {}, { permitHeld: ctx.permitHeld });
      currency = typeof ws['currency'] === 'string' ? ws['currency'] : undefined;
      if (currency !== undefined) cache.set(`currency:${workspaceId}`, currency);
    }
    return currency;
  }

  private call(ctx: RunContext, parents: Record<string, string>, currency?: string): MappingCall {
    const correlationId = correlationIdOf(ctx.sync);
    return { parents, ...(correlationId !== undefined ? { correlationId } : {}), ...(currency !== undefined ? { currency } : {}) };
  }

  // ---------------------------------------------------------------------------------------- capabilities

  private async upsertProject(client: KantataClient, context: KantataMappingContext, project: Project, ctx: RunContext): Promise<UnitOutcome> {
    const out = await runOperation(client, () => Promise.resolve(context), { object: 'workspace', operation: 'upsert', input: 'canonical', include: [] }, { payload: project, sync: ctx.sync, id: undefined, businessKey: undefined, params: undefined }, { permitHeld: ctx.permitHeld });
    const r = out.result as { id: string; created: boolean };
    // close-project archives; a project that is live again (a corrected re-run of its saga) is restored.
    if (!r.created && isRecord(out.payload) && out.payload['archived'] === true && project.status !== 'completed' && project.status !== 'cancelled') {
      await client.updateWorkspace(r.id, { archived: false }, { permitHeld: ctx.permitHeld });
    }
    const result = this.result({ id: r.id, created: r.created, key: project.businessKey, currency: project.currency });
    return { payload: result, results: { 'psa.project': result, 'kantata.workspace': { id: r.id, created: r.created } }, summary: `${r.created ? 'created' : 'updated'} workspace ${r.id}` };
  }

  private async createMilestones(client: KantataClient, context: KantataMappingContext, items: WorkItem[], ctx: RunContext): Promise<UnitOutcome> {
    items.forEach((item, i) => {
      if (item.kind !== 'milestone') throw payloadError(items.length > 1 ? `[${i}].kind` : 'kind', `is "${item.kind}": create-milestones takes milestones`, 'INVALID_PAYLOAD', KANTATA_TARGET);
    });
    const entry = findMapping('kantata', 'story');
    if (entry?.toVendor === undefined) throw dataError('no canonical mapping writes Kantata stories', 'NO_MAPPING');
    const toVendor = entry.toVendor;
    const cache = new Map<string, string>();
    const ids: string[] = [];
    let created = 0;
    let workspace = '';
    for (const item of items) {
      workspace = await this.workspaceId(client, item.project, 'project', ctx, cache);
      const currency = item.amount === undefined ? undefined : await this.currencyOf(client, workspace, ctx, cache);
      const fields = mapped(() => toVendor(item, context, this.call(ctx, { project: workspace }, currency)) as Record<string, unknown>);
      const r = await client.upsert('story', { businessKey: item.businessKey, fields }, { permitHeld: ctx.permitHeld });
      ids.push(r.id);
      if (r.created) created += 1;
    }
    const result = this.result({ ids, keys: items.map((i) => i.businessKey), created: created > 0, project: workspace });
    return { payload: result, results: { 'psa.milestones': result, 'kantata.story': { id: ids[ids.length - 1], created: created > 0 } }, summary: `${ids.length} milestone${ids.length === 1 ? '' : 's'} (${created} new) on workspace ${workspace}` };
  }

  private async postTimeEntries(client: KantataClient, context: KantataMappingContext, entries: TimeEntry[], ctx: RunContext): Promise<UnitOutcome> {
    const entry = findMapping('kantata', 'time_entry');
    if (entry?.toVendor === undefined) throw dataError('no canonical mapping writes Kantata time entries', 'NO_MAPPING');
    const toVendor = entry.toVendor;
    const cache = new Map<string, string>();
    const ids: string[] = [];
    let created = 0;
    for (const e of entries) {
      const workspace = await this.workspaceId(client, e.project, 'project', ctx, cache);
      const parents: Record<string, string> = { project: workspace };
      if (e.workItem !== undefined && e.workItem.externalIds?.kantata === undefined) {
        const key = e.workItem.businessKey;
        const story = key === undefined ? undefined : await this.subjectOf(client, 'Story', key, ctx);
        if (story === undefined) throw dataError(`workItem ${key ?? ''} is not in Kantata: create it first`, 'PARENT_NOT_FOUND', ['workItem']);
        parents['workItem'] = story;
      }
      const currency = e.billRate === undefined ? undefined : await this.currencyOf(client, workspace, ctx, cache);
      const fields = mapped(() => toVendor(e, context, this.call(ctx, parents, currency)) as Record<string, unknown>);
      const r = await client.upsert('time_entry', { businessKey: e.businessKey, fields }, { permitHeld: ctx.permitHeld });
      ids.push(r.id);
      if (r.created) created += 1;
    }
    const result = this.result({ ids, keys: entries.map((e) => e.businessKey), created: created > 0 });
    return { payload: result, results: { 'psa.timeEntries': result, 'kantata.time_entry': { id: ids[ids.length - 1], created: created > 0 } }, summary: `${ids.length} time entr${ids.length === 1 ? 'y' : 'ies'} (${created} new)` };
  }

  /** Kantata's role id for a role name (case-insensitive), from the account's roles (read once). */
  private async roleId(client: KantataClient, name: string, ctx: RunContext): Promise<string> {
    this.roles ??= client.list('role', {}, {}, { permitHeld: ctx.permitHeld });
    this.roles.catch(() => {
      this.roles = undefined;
    });
    const roles = await this.roles;
    const found = roles.find((r) => typeof r['name'] === 'string' && r['name'].toLowerCase() === name.toLowerCase());
    if (found === undefined) throw payloadError('role', `is "${name}", which is not a Kantata role (${roles.map((r) => String(r['name'])).join(', ')})`, 'INVALID_PAYLOAD', KANTATA_TARGET);
    return found.id;
  }

  /**
   * A Kantata resource request is demand for a role on a workspace. Requests take no external references, so
   * the request's business key goes on its workspace resource (the unnamed role slot it asks to fill), which is
   * upserted by reference; the request is the one on that resource (found, else created), its status brought to
   * the canonical one. Approver: the connection's own user. Held by Kantata: workspace, role, dates, status.
   */
  private async upsertResourceRequest(client: KantataClient, rr: ResourceRequest, ctx: RunContext): Promise<UnitOutcome> {
    const opts = { permitHeld: ctx.permitHeld };
    if (rr.project === undefined) throw payloadError('project', 'is required: a Kantata resource request belongs to a workspace (upsert the project first)', 'INVALID_PAYLOAD', KANTATA_TARGET);
    const workspace = await this.workspaceId(client, rr.project, 'project', ctx);
    const role = await this.roleId(client, rr.role, ctx);
    const resource = await client.upsert('workspace_resource', { businessKey: rr.businessKey, fields: { workspace_id: Number(workspace), role_id: Number(role) } }, opts);
    this.me ??= client.me(opts);
    this.me.catch(() => {
      this.me = undefined;
    });
    const approver = (await this.me).id;
    const status = REQUEST_STATUS[rr.status];
    const existing = (await client.listResourceRequests({ requests_for_approver: approver }, {}, opts)).find((r) => String(r['resource_id']) === resource.id);
    let request: KantataRecord;
    let created = false;
    if (existing !== undefined) {
      request = existing['status'] === status ? existing : await client.updateResourceRequest(existing.id, { status }, opts);
    } else {
      request = await client.createResourceRequest({ resource_id: Number(resource.id), approver_ids: [Number(approver)], workspace_allocation_start_date: rr.startDate, workspace_allocation_end_date: rr.endDate }, opts);
      created = true;
      if (request['status'] !== status) request = await client.updateResourceRequest(request.id, { status }, opts);
    }
    const result = this.result({ id: request.id, created, key: rr.businessKey, resource: resource.id, project: workspace, status });
    return { payload: result, results: { 'psa.resourceRequest': result, 'kantata.resource_request': { id: request.id, created } }, summary: `${created ? 'created' : 'updated'} resource request ${request.id} (${status})` };
  }

  /**
   * The resource requests on a project's workspace that Syncwright keyed (their workspace resource carries the
   * business key): key, role, status. Kantata's API returns neither a request's dates nor hours. A project
   * that is not in Kantata has none.
   */
  private async readResourceRequests(client: KantataClient, q: ResourceRequestQuery, ctx: RunContext): Promise<UnitOutcome> {
    if (q.project === undefined) throw payloadError('project', 'is required: Kantata resource requests belong to a workspace', 'INVALID_PAYLOAD', KANTATA_TARGET);
    const opts = { permitHeld: ctx.permitHeld };
    let workspace: string | undefined;
    try {
      workspace = await this.workspaceId(client, q.project, 'project', ctx);
    } catch (err) {
      if (!(isSyncError(err) && err.syncwright.code === 'PARENT_NOT_FOUND')) throw err;
    }
    const projectKey = q.project.businessKey;
    if (workspace === undefined) {
      const none = this.result({ count: 0, missing: true, ...(projectKey !== undefined ? { key: projectKey } : {}) });
      return { payload: [], results: { 'psa.resourceRequests': none }, summary: `no workspace for ${projectKey ?? 'the project'}` };
    }
    const resources = await client.list('workspace_resource', { workspace_id: workspace }, { include: ['external_references'] }, opts);
    this.me ??= client.me(opts);
    this.me.catch(() => {
      this.me = undefined;
    });
    const approver = (await this.me).id;
    const requests = await client.listResourceRequests({ requests_for_approver: approver }, {}, opts);
    const project = { ...(projectKey !== undefined ? { businessKey: projectKey } : {}), externalIds: { kantata: workspace } };
    const found = resources.flatMap((resource) => {
      const refs = Array.isArray(resource['external_references']) ? (resource['external_references'] as unknown[]) : [];
      const own = refs.find((r) => isRecord(r) && r['service_name'] === SYNCWRIGHT_SERVICE && typeof r['service_model_ref'] === 'string') as Record<string, unknown> | undefined;
      const request = requests.find((r) => String(r['resource_id']) === resource.id);
      if (own === undefined || request === undefined) return [];
      const status = CANONICAL_REQUEST_STATUS[String(request['status'])] ?? 'open';
      return [{ businessKey: own['service_model_ref'] as string, externalIds: { kantata: request.id }, project, role: typeof resource['role_name'] === 'string' ? resource['role_name'] : '', status }];
    });
    const result = this.result({ count: found.length, project: workspace, ...(projectKey !== undefined ? { key: projectKey } : {}) });
    return { payload: found, results: { 'psa.resourceRequests': result }, summary: `${found.length} resource request${found.length === 1 ? '' : 's'} on workspace ${workspace}` };
  }

  /** Approved time entries (of a workspace, performed from/to, changed since) as canonical TimeEntries. */
  private async readApprovedTime(client: KantataClient, context: KantataMappingContext, q: ApprovedTimeQuery, ctx: RunContext): Promise<UnitOutcome> {
    const params: Record<string, string | boolean> = { approved: true };
    let workspace: string | undefined;
    if (q.project !== undefined) {
      workspace = await this.workspaceId(client, q.project, 'project', ctx);
      params['workspace_id'] = workspace;
    }
    if (q.from !== undefined || q.to !== undefined) params['date_performed_between'] = `${q.from ?? '1970-01-01'}:${q.to ?? '9999-12-31'}`;
    if (q.modifiedSince !== undefined) params['updated_after'] = q.modifiedSince;
    const records = await client.listTimeEntries(params, { include: ['external_references'] }, { permitHeld: ctx.permitHeld });
    const entry = findMapping('kantata', 'time_entry');
    if (!entry) throw dataError('no canonical mapping reads Kantata time entries', 'NO_MAPPING');
    const entries = records.map((record) => {
      const refs = Array.isArray(record['external_references']) ? (record['external_references'] as unknown[]) : [];
      const own = refs.find((r) => isRecord(r) && r['service_name'] === SYNCWRIGHT_SERVICE && typeof r['service_model_ref'] === 'string') as Record<string, unknown> | undefined;
      const call: MappingCall = own ? { businessKey: own['service_model_ref'] as string } : {};
      const [value] = mapped(() => entry.fromVendor(record, context, call)) as Array<Record<string, unknown>>;
      // The project reference carries the business key asked for, so the entries roll up under it.
      if (value && q.project?.businessKey !== undefined && isRecord(value['project'])) value['project'] = { ...value['project'], businessKey: q.project.businessKey };
      return value;
    });
    const result = this.result({ count: entries.length, ...(workspace !== undefined ? { project: workspace } : {}) });
    return { payload: entries, results: { 'psa.approvedTime': result }, summary: `${entries.length} approved time entr${entries.length === 1 ? 'y' : 'ies'}` };
  }

  /**
   * Compensation of upsert-project: archives the workspace (Kantata keeps it, hidden from lists; people can
   * restore it). A workspace already gone counts as closed.
   */
  private async closeProject(client: KantataClient, payload: unknown, ctx: RunContext): Promise<UnitOutcome> {
    const made = stepResultOf(ctx.saga, 'psa.project') ?? earlierResult(ctx.sync, 'psa.project', this.connectionId);
    let id = made?.system === 'kantata' && typeof made.id === 'string' ? made.id : undefined;
    if (id === undefined && isRecord(payload)) {
      const ids = isRecord(payload['externalIds']) ? payload['externalIds'] : {};
      if (typeof ids['kantata'] === 'string') id = ids['kantata'];
      else if (typeof payload['businessKey'] === 'string') id = await this.subjectOf(client, 'Workspace', payload['businessKey'], ctx);
      else if (typeof payload['id'] === 'string' && /^\d+$/.test(payload['id'])) id = payload['id'];
    }
    if (id === undefined) {
      if (isRecord(payload) && typeof payload['businessKey'] === 'string') {
        const gone = this.result({ key: payload['businessKey'], closed: true, missing: true });
        return { payload: gone, results: { 'psa.project': gone }, summary: `no workspace for ${payload['businessKey']}` };
      }
      throw payloadError('', 'names no project to close: no psa.project result (msg.saga.stepResult or msg.sync.results) and no project (businessKey or externalIds.kantata) in the payload', 'INVALID_PAYLOAD', KANTATA_TARGET);
    }
    let missing = false;
    try {
      await client.updateWorkspace(id, { archived: true }, { permitHeld: ctx.permitHeld });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      missing = true;
    }
    const result = this.result({ id, closed: true, archived: !missing, ...(missing ? { missing: true } : {}) });
    return { payload: result, results: { 'psa.project': result }, summary: missing ? `workspace ${id} already gone` : `archived workspace ${id}` };
  }
}

function listOf<T>(input: ParsedInput): T[] {
  if (input.input === 'canonical-list') return input.values as T[];
  if (input.input === 'canonical') return [input.value as T];
  throw dataError('internal: expected canonical objects', 'INVALID_PAYLOAD');
}

export function kantataBackend(connection: unknown, _rule: LandscapeRule): RoleBackend {
  if (!isKantataConnection(connection)) throw dataError('this connection is not a Kantata connection', 'NO_CONNECTION', ['landscape']);
  return new KantataPsa(connection);
}
