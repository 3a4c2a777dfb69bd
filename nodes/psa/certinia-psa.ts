// The psa role on Certinia PSA (pse__ objects in a Salesforce org): projects, milestones, timecards and resource
// requests upserted by Syncwright_Key__c through the Salesforce client and the Certinia mappings; approved
// timecards read back as canonical TimeEntries (one per day); a project closed by deactivating and cancelling it.
import type { CanonicalOf } from '../../canonical/registry.js';
import type { MappingCall } from '../../canonical/mappings/index.js';
import { timecardWeekStart, type SalesforceMappingContext } from '../../canonical/mappings/salesforce/index.js';
import { correlationIdOf, earlierResult, stepResultOf, type RoleBackend, type RoleResult, type RunContext, type UnitOutcome } from '../../runtime-plugins/roles/backend.js';
import type { BackendSystem, Capability } from '../../runtime-plugins/roles/capabilities.js';
import type { LandscapeRule } from '../../runtime-plugins/roles/landscape.js';
import { payloadError, type ApprovedTimeQuery, type ParsedInput, type ResourceRequestQuery } from '../../runtime-plugins/roles/payloads.js';
import { isSyncError } from '../../runtime-plugins/sync-error.js';
import { bulkUpsertCanonical, queryCanonical, upsertCanonical, type CanonicalOptions } from '../salesforce/client/canonical.js';
import type { SalesforceClient, SObjectRecord } from '../salesforce/client/client.js';
import { SalesforceError, TARGET } from '../salesforce/client/errors.js';
import { CERTINIA_OBJECTS } from '../salesforce/client/objects.js';
import { SoqlDate, SoqlDateTime, type SoqlValue } from '../salesforce/client/soql.js';
import { isSalesforceConnection, type SalesforceConnection } from '../salesforce/connection.js';

type Project = CanonicalOf<'syncwright/project@1'>;
type WorkItem = CanonicalOf<'syncwright/work-item@1'>;
type TimeEntry = CanonicalOf<'syncwright/time-entry@1'>;
type ResourceRequest = CanonicalOf<'syncwright/resource-request@1'>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dataError(message: string, code: string, fields?: string[]): SalesforceError {
  return new SalesforceError(message, { class: 'data', code, retryable: false, target: TARGET, ...(fields ? { fields } : {}) });
}

function isNotFound(err: unknown): boolean {
  return isSyncError(err) && (err.syncwright.status === 404 || err.syncwright.code === 'NOT_FOUND' || err.syncwright.code === 'ENTITY_IS_DELETED');
}

const ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

export class CertiniaPsa implements RoleBackend {
  readonly role = 'psa' as const;
  readonly system: BackendSystem = 'certinia';
  readonly connectionId: string;
  readonly label: string;
  readonly limiterTarget: string;
  private last: SalesforceClient | undefined;

  constructor(private readonly connection: SalesforceConnection) {
    this.connectionId = connection.id;
    this.label = connection.name || connection.id;
    this.limiterTarget = connection.limiterTarget;
  }

  private get context(): SalesforceMappingContext {
    return this.connection.mappingContext;
  }

  usage(): string | undefined {
    const u = this.last?.apiUsage;
    return u ? ` · api ${u.used.toLocaleString('en-US')}/${u.max.toLocaleString('en-US')}` : undefined;
  }

  private result(extra: Omit<RoleResult, 'system' | 'connection'>): RoleResult {
    return { system: 'certinia', connection: this.connectionId, ...extra };
  }

  private options(ctx: RunContext, parents: Record<string, string>): CanonicalOptions {
    const correlationId = correlationIdOf(ctx.sync);
    const call: MappingCall = { ...(correlationId !== undefined ? { correlationId } : {}), ...(Object.keys(parents).length > 0 ? { parents } : {}) };
    return { context: this.context, call };
  }

  /**
   * The Salesforce id an earlier step of this transaction made in this org for a reference (same key), for a
   * reference that holds none: `psa.project` (Certinia project), `crm.account`, `crm.opportunity`.
   */
  private madeHere(ctx: RunContext, resultKey: string, ref: { businessKey?: string | undefined; externalIds?: { salesforce?: string | undefined; certinia?: string | undefined } | undefined } | undefined): string | undefined {
    if (ref === undefined || ref.externalIds?.salesforce !== undefined || ref.externalIds?.certinia !== undefined) return undefined;
    const r = earlierResult(ctx.sync, resultKey, this.connectionId);
    return r && typeof r.id === 'string' && (r.key === undefined || ref.businessKey === undefined || r.key === ref.businessKey) ? r.id : undefined;
  }

  async run(cap: Capability, input: ParsedInput, ctx: RunContext): Promise<UnitOutcome> {
    const client = await this.connection.client();
    this.last = client;
    switch (cap.name) {
      case 'upsert-project':
        return this.upsertProject(client, (input as { value: Project }).value, ctx);
      case 'create-milestones':
        return this.upsertMany(client, CERTINIA_OBJECTS.milestone, listOf<WorkItem>(input), ctx, 'psa.milestones', 'milestone');
      case 'post-time-entries':
        return this.upsertMany(client, CERTINIA_OBJECTS.timecard, listOf<TimeEntry>(input), ctx, 'psa.timeEntries', 'time entry');
      case 'upsert-resource-request':
        return this.upsertResourceRequest(client, (input as { value: ResourceRequest }).value, ctx);
      case 'read-approved-time':
        return this.readApprovedTime(client, (input as { value: ApprovedTimeQuery }).value, ctx);
      case 'read-resource-requests':
        return this.readResourceRequests(client, (input as { value: ResourceRequestQuery }).value, ctx);
      case 'close-project':
        return this.closeProject(client, input.input === 'compensation' ? input.value : undefined, ctx);
      default:
        throw dataError(`Certinia cannot do psa ${cap.name}`, 'UNSUPPORTED');
    }
  }

  private async upsertProject(client: SalesforceClient, project: Project, ctx: RunContext): Promise<UnitOutcome> {
    const parents: Record<string, string> = {};
    const account = this.madeHere(ctx, 'crm.account', project.account);
    if (account !== undefined) parents['account'] = account;
    const opportunity = this.madeHere(ctx, 'crm.opportunity', project.opportunity);
    if (opportunity !== undefined) parents['opportunity'] = opportunity;
    const r = await upsertCanonical(client, CERTINIA_OBJECTS.project, project, this.options(ctx, parents), { permitHeld: ctx.permitHeld });
    const result = this.result({ id: r.id, created: r.created, key: r.key, currency: project.currency });
    return { payload: result, results: { 'psa.project': result, [`salesforce.${CERTINIA_OBJECTS.project}`]: { id: r.id, created: r.created } }, summary: `${r.created ? 'created' : 'updated'} project ${r.key}` };
  }

  /** Milestones or timecards in one sObject Collections upsert; the first record Salesforce refuses fails the step (after the others are written). */
  private async upsertMany(client: SalesforceClient, sobject: string, items: Array<WorkItem | TimeEntry>, ctx: RunContext, resultKey: string, what: string): Promise<UnitOutcome> {
    if (sobject === CERTINIA_OBJECTS.milestone) {
      items.forEach((item, i) => {
        if ((item as WorkItem).kind !== 'milestone') throw payloadError(items.length > 1 ? `[${i}].kind` : 'kind', `is "${(item as WorkItem).kind}": create-milestones takes milestones`, 'INVALID_PAYLOAD', TARGET);
      });
    }
    // The project an earlier step made in this org, when every item is of that project.
    const projects = new Set(items.map((i) => JSON.stringify([i.project.businessKey, i.project.externalIds])));
    const parents: Record<string, string> = {};
    const first = items[0];
    const project = projects.size === 1 && first ? this.madeHere(ctx, 'psa.project', first.project) : undefined;
    if (project !== undefined) parents['project'] = project;
    const outcomes = await bulkUpsertCanonical(client, sobject, items, this.options(ctx, parents), { permitHeld: ctx.permitHeld });
    const failedAt = outcomes.findIndex((o) => !o.ok);
    const failed = outcomes[failedAt];
    if (failed && !failed.ok) {
      const e = failed.error;
      throw new SalesforceError(`${what} ${items.length > 1 ? `${failedAt + 1} of ${items.length} ` : ''}(${items[failedAt]?.businessKey ?? ''}): ${e.message}`, { ...e.syncwright, fields: (e.syncwright.fields ?? []).map((f) => (items.length > 1 ? `[${failedAt}].${f}` : f)) }, e.errors);
    }
    const ids = [...new Set(outcomes.flatMap((o) => (o.ok ? [o.id] : [])))];
    const created = outcomes.some((o) => o.ok && o.created);
    const result = this.result({ ids, keys: items.map((i) => i.businessKey), created, ...(project !== undefined ? { project } : {}) });
    return { payload: result, results: { [resultKey]: result, [`salesforce.${sobject}`]: { id: ids[ids.length - 1], created } }, summary: `${items.length} ${items.length === 1 ? what : what === 'time entry' ? 'time entries' : `${what}s`} in ${ids.length} record${ids.length === 1 ? '' : 's'}` };
  }

  private async upsertResourceRequest(client: SalesforceClient, rr: ResourceRequest, ctx: RunContext): Promise<UnitOutcome> {
    const parents: Record<string, string> = {};
    const project = this.madeHere(ctx, 'psa.project', rr.project);
    if (project !== undefined) parents['project'] = project;
    const opportunity = this.madeHere(ctx, 'crm.opportunity', rr.opportunity);
    if (opportunity !== undefined) parents['opportunity'] = opportunity;
    const r = await upsertCanonical(client, CERTINIA_OBJECTS.resourceRequest, rr, this.options(ctx, parents), { permitHeld: ctx.permitHeld });
    const result = this.result({ id: r.id, created: r.created, key: r.key });
    return { payload: result, results: { 'psa.resourceRequest': result, [`salesforce.${CERTINIA_OBJECTS.resourceRequest}`]: { id: r.id, created: r.created } }, summary: `${r.created ? 'created' : 'updated'} resource request ${r.key}` };
  }

  /** The pse__Resource_Request__c records of a project and/or an opportunity, as canonical ResourceRequests. */
  private async readResourceRequests(client: SalesforceClient, q: ResourceRequestQuery, ctx: RunContext): Promise<UnitOutcome> {
    const any: string[] = [];
    const params: Record<string, SoqlValue> = {};
    const by = (ref: NonNullable<ResourceRequestQuery['project']>, field: 'project' | 'opportunity', idField: string, relation: string, resultKey: string): void => {
      const sf = ref.externalIds?.salesforce;
      const id = (field === 'project' ? ref.externalIds?.certinia : undefined) ?? (sf !== undefined && ID.test(sf) ? sf : undefined) ?? this.madeHere(ctx, resultKey, ref);
      if (id !== undefined) {
        any.push(`${idField} = :${field}`);
        params[field] = id;
      } else if (ref.businessKey !== undefined) {
        any.push(`${relation}.Syncwright_Key__c = :${field}Key`);
        params[`${field}Key`] = ref.businessKey;
      } else throw payloadError(field, 'has no business key or Salesforce id', 'INVALID_PAYLOAD', TARGET);
    };
    if (q.project !== undefined) by(q.project, 'project', 'pse__Project__c', 'pse__Project__r', 'psa.project');
    if (q.opportunity !== undefined) by(q.opportunity, 'opportunity', 'pse__Opportunity__c', 'pse__Opportunity__r', 'crm.opportunity');
    const where = any.length === 1 ? any[0] : any.map((w) => `(${w})`).join(' OR ');
    const r = await queryCanonical(client, CERTINIA_OBJECTS.resourceRequest, where, params, { context: this.context, orderBy: 'CreatedDate, Id' }, { permitHeld: ctx.permitHeld });
    const requests = r.canonical as Array<Record<string, unknown>>;
    // None for a project: say whether the project is there at all (as Kantata's role does), so a flow can wait
    // for it (template 5 holds a won deal's requests until the closed-won activation has made its project).
    if (requests.length === 0 && q.project !== undefined && q.opportunity === undefined) {
      const key = q.project.businessKey;
      const projectWhere = 'project' in params ? 'Id = :project' : 'Syncwright_Key__c = :projectKey';
      const found = await client.query(`SELECT Id FROM ${CERTINIA_OBJECTS.project} WHERE ${projectWhere} LIMIT 1`, params, {}, { permitHeld: ctx.permitHeld });
      if (found.records.length === 0) {
        const none = this.result({ count: 0, missing: true, ...(key !== undefined ? { key } : {}) });
        return { payload: [], results: { 'psa.resourceRequests': none }, summary: `no project ${key ?? ''} in Certinia`.trimEnd() };
      }
    }
    const result = this.result({ count: requests.length });
    return { payload: requests, results: { 'psa.resourceRequests': result }, summary: `${requests.length} resource request${requests.length === 1 ? '' : 's'}` };
  }

  /** Approved timecards (of a project, of weeks from/to, changed since) as one canonical TimeEntry per day. */
  private async readApprovedTime(client: SalesforceClient, q: ApprovedTimeQuery, ctx: RunContext): Promise<UnitOutcome> {
    const where = ['pse__Status__c = :status'];
    const params: Record<string, SoqlValue> = { status: 'Approved' };
    if (q.project !== undefined) {
      const id = q.project.externalIds?.certinia ?? (q.project.externalIds?.salesforce !== undefined && ID.test(q.project.externalIds.salesforce) ? q.project.externalIds.salesforce : undefined) ?? this.madeHere(ctx, 'psa.project', q.project);
      if (id !== undefined) {
        where.push('pse__Project__c = :project');
        params['project'] = id;
      } else if (q.project.businessKey !== undefined) {
        where.push('pse__Project__r.Syncwright_Key__c = :projectKey');
        params['projectKey'] = q.project.businessKey;
      } else throw payloadError('project', 'has no business key or Certinia id', 'INVALID_PAYLOAD', TARGET);
    }
    if (q.from !== undefined) {
      where.push('pse__Start_Date__c >= :weekFrom');
      params['weekFrom'] = new SoqlDate(timecardWeekStart(q.from, this.context.timecardWeekStart));
    }
    if (q.to !== undefined) {
      where.push('pse__Start_Date__c <= :to');
      params['to'] = new SoqlDate(q.to);
    }
    if (q.modifiedSince !== undefined) {
      where.push('LastModifiedDate >= :since');
      params['since'] = new SoqlDateTime(q.modifiedSince);
    }
    const r = await queryCanonical(client, CERTINIA_OBJECTS.timecard, where.join(' AND '), params, { context: this.context, orderBy: 'pse__Start_Date__c, Id' }, { permitHeld: ctx.permitHeld });
    const entries = (r.canonical as Array<Record<string, unknown>>).filter((e) => {
      const date = typeof e['date'] === 'string' ? e['date'] : '';
      return (q.from === undefined || date >= q.from) && (q.to === undefined || date <= q.to);
    });
    const result = this.result({ count: entries.length, timecards: r.records.length });
    return { payload: entries, results: { 'psa.approvedTime': result }, summary: `${entries.length} approved time entr${entries.length === 1 ? 'y' : 'ies'} from ${r.records.length} timecard${r.records.length === 1 ? '' : 's'}` };
  }

  /**
   * Compensation of upsert-project: pse__Is_Active__c false and pse__Stage__c Canceled (Certinia keeps the
   * record; its actuals and history stay). A project already gone counts as closed.
   */
  private async closeProject(client: SalesforceClient, payload: unknown, ctx: RunContext): Promise<UnitOutcome> {
    const made = stepResultOf(ctx.saga, 'psa.project') ?? earlierResult(ctx.sync, 'psa.project', this.connectionId);
    let id = made?.system === 'certinia' && typeof made.id === 'string' ? made.id : undefined;
    let key: string | undefined;
    if (id === undefined && isRecord(payload)) {
      const ids = isRecord(payload['externalIds']) ? payload['externalIds'] : {};
      if (typeof ids['certinia'] === 'string') id = ids['certinia'];
      else if (typeof payload['businessKey'] === 'string') key = payload['businessKey'];
    }
    if (id === undefined && key === undefined) throw payloadError('', 'names no project to close: no psa.project result (msg.saga.stepResult or msg.sync.results) and no project (businessKey or externalIds.certinia) in the payload', 'INVALID_PAYLOAD', TARGET);
    const fields: SObjectRecord = { pse__Is_Active__c: false, pse__Stage__c: 'Canceled' };
    const opts = { permitHeld: ctx.permitHeld };
    let missing = false;
    try {
      if (id !== undefined) await client.update(CERTINIA_OBJECTS.project, id, fields, opts);
      else id = (await client.updateByExternalId(CERTINIA_OBJECTS.project, 'Syncwright_Key__c', key as string, fields, opts)).id;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      missing = true;
    }
    const result = this.result({ ...(id !== undefined ? { id } : {}), ...(key !== undefined ? { key } : {}), closed: true, ...(missing ? { missing: true } : {}) });
    return { payload: result, results: { 'psa.project': result }, summary: missing ? `project ${id ?? key ?? ''} already gone` : `cancelled project ${id ?? key ?? ''}` };
  }
}

function listOf<T>(input: ParsedInput): T[] {
  if (input.input === 'canonical-list') return input.values as T[];
  if (input.input === 'canonical') return [input.value as T];
  throw dataError('internal: expected canonical objects', 'INVALID_PAYLOAD');
}

export function certiniaBackend(connection: unknown, _rule: LandscapeRule): RoleBackend {
  if (!isSalesforceConnection(connection)) throw dataError('this connection is not a Salesforce connection', 'NO_CONNECTION', ['landscape']);
  return new CertiniaPsa(connection);
}
