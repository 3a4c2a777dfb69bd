// The erp role on NetSuite: each capability through the NetSuite client and the canonical mappings. Every write
// is an upsert by external id (`PUT …/eid:<encoded business key>`), so a saga or a store-forward running a step
// again changes nothing more. Parent ids come from earlier steps on the same account (msg.sync.results role
// keys), else the reference's NetSuite id, else a look-up by the parent's business key in this account.
import { findMapping, fromNetSuiteExternalId, toNetSuiteExternalId, type MappingCall, type RefValue } from '../../canonical/mappings/index.js';
import { defaultNetSuiteContext, type NetSuiteMappingContext } from '../../canonical/mappings/netsuite/index.js';
import { validateCanonical } from '../../canonical/validate.js';
import type { CanonicalOf } from '../../canonical/registry.js';
import { correlationIdOf, earlierResult, idsOf, stepResultOf, type RoleBackend, type RoleResult, type RunContext, type UnitOutcome } from '../../runtime-plugins/roles/backend.js';
import type { BackendSystem, Capability } from '../../runtime-plugins/roles/capabilities.js';
import type { LandscapeRule } from '../../runtime-plugins/roles/landscape.js';
import { payloadError, type ApprovedTimeQuery, type ParsedInput, type RecordRef } from '../../runtime-plugins/roles/payloads.js';
import { isSyncError, SyncError } from '../../runtime-plugins/sync-error.js';
import type { NetSuiteClient, RecordKey } from '../netsuite/client/client.js';
import { SuiteQLTimestamp, type SuiteQLValue } from '../netsuite/client/suiteql.js';
import { customerOf, opportunityOf, opportunityTotals, withCustomer, withOpportunityTotals } from '../netsuite/billing-context.js';
import { isNetSuiteConnection, type NetSuiteConnection } from '../netsuite/connection.js';
import { mappingContextFrom } from '../netsuite/mapping-context.js';
import { asSyncError } from '../netsuite/operation.js';

type Account = CanonicalOf<'syncwright/account@1'>;
type Contact = CanonicalOf<'syncwright/contact@1'>;
type Project = CanonicalOf<'syncwright/project@1'>;
type WorkItem = CanonicalOf<'syncwright/work-item@1'>;
type Opportunity = CanonicalOf<'syncwright/opportunity@1'>;
type TimeEntry = CanonicalOf<'syncwright/time-entry@1'>;
type Expense = CanonicalOf<'syncwright/expense@1'>;

const TARGET = 'netsuite';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNotFound(err: unknown): boolean {
  return isSyncError(err) && err.syncwright.status === 404;
}

function dataError(message: string, code: string, fields?: string[]): SyncError {
  return new SyncError(message, { class: 'data', code, retryable: false, target: TARGET, ...(fields ? { fields } : {}) });
}

/** Where a parent reference's NetSuite id may come from. */
interface ParentSpec {
  /** Canonical field of the child (`account`, `project`, `workItem`). */
  field: string;
  /** The role key an earlier step wrote it under. */
  resultKey: string;
  recordType: string;
}

const CUSTOMER: ParentSpec = { field: 'account', resultKey: 'erp.customer', recordType: 'customer' };
const JOB: ParentSpec = { field: 'project', resultKey: 'erp.project', recordType: 'job' };
const TASK: ParentSpec = { field: 'workItem', resultKey: 'erp.milestones', recordType: 'projectTask' };

export class NetSuiteErp implements RoleBackend {
  readonly role = 'erp' as const;
  readonly system: BackendSystem = 'netsuite';
  readonly connectionId: string;
  readonly label: string;
  readonly limiterTarget: string;
  private readonly context: NetSuiteMappingContext;

  constructor(
    private readonly connection: NetSuiteConnection & { id: string; name?: string },
    rule: LandscapeRule,
  ) {
    this.connectionId = connection.id;
    this.label = connection.name || connection.id;
    this.limiterTarget = connection.limiterTarget;
    this.context = rule.context === '' ? defaultNetSuiteContext : mappingContextFrom(rule.context);
  }

  private result(extra: Omit<RoleResult, 'system' | 'connection'>): RoleResult {
    return { system: 'netsuite', connection: this.connectionId, ...extra };
  }

  async run(cap: Capability, input: ParsedInput, ctx: RunContext): Promise<UnitOutcome> {
    const client = await this.connection.client();
    try {
      return await this.dispatch(client, cap, input, ctx);
    } catch (err) {
      throw asSyncError(err);
    }
  }

  private dispatch(client: NetSuiteClient, cap: Capability, input: ParsedInput, ctx: RunContext): Promise<UnitOutcome> {
    switch (cap.name) {
      case 'resolve-customer':
        return this.resolveCustomer(client, canonical<Account>(input), ctx);
      case 'upsert-customer':
        return this.upsertCustomer(client, canonical<Account>(input), ctx);
      case 'upsert-contact':
        return this.upsertContact(client, canonical<Contact>(input), ctx);
      case 'upsert-project':
        return this.upsertProject(client, canonical<Project>(input), ctx);
      case 'create-billing-milestones':
        return this.createMilestones(client, list<WorkItem>(input), ctx, input.input === 'canonical-list' ? input.project : undefined);
      case 'create-sales-order':
        return this.createSalesOrder(client, canonical<Opportunity>(input), ctx);
      case 'post-time-entries':
        return this.postTimeEntries(client, list<TimeEntry>(input), ctx);
      case 'post-expenses':
        return this.postExpenses(client, list<Expense>(input), ctx);
      case 'read-invoice':
        return this.readTransaction(client, 'invoice', recordRef(input), ctx);
      case 'read-payment':
        return this.readTransaction(client, 'customerPayment', recordRef(input), ctx);
      case 'read-approved-expenses':
        return this.readApprovedExpenses(client, approvedQuery(input), ctx);
      case 'delete-billing-milestones':
        return this.deleteMilestones(client, input.input === 'compensation' ? input.value : undefined, ctx);
      case 'close-project':
        return this.closeProject(client, input.input === 'compensation' ? input.value : undefined, ctx);
      default:
        return Promise.reject(dataError(`NetSuite cannot do erp ${cap.name}`, 'UNSUPPORTED'));
    }
  }

  // ------------------------------------------------------------------------------------------- helpers

  /** Canonical → NetSuite record through the registry's mapping (validates the payload again). */
  private map(type: string, value: unknown, call: MappingCall, context: NetSuiteMappingContext = this.context): Record<string, unknown> {
    const entry = findMapping('netsuite', type);
    if (entry?.toVendor === undefined) throw dataError(`no canonical mapping writes NetSuite ${type}`, 'NO_MAPPING');
    return entry.toVendor(value, context, call) as Record<string, unknown>;
  }

  private async upsert(client: NetSuiteClient, type: string, businessKey: string, record: Record<string, unknown>, ctx: RunContext): Promise<{ id: string; externalId: string }> {
    const externalId = toNetSuiteExternalId(businessKey);
    const ref = await client.upsert(type, externalId, { ...record, externalId }, { permitHeld: ctx.permitHeld });
    return { id: ref.id, externalId };
  }

  private call(ctx: RunContext, parents: Record<string, string> = {}): MappingCall {
    const call: MappingCall = {};
    if (Object.keys(parents).length > 0) call.parents = parents;
    const correlationId = correlationIdOf(ctx.sync);
    if (correlationId !== undefined) call.correlationId = correlationId;
    return call;
  }

  /**
   * The NetSuite id of a parent: what an earlier step made on this account (same record by key), else the
   * reference's NetSuite id, else the record whose external id is the parent's business key. Undefined when
   * the reference gives nothing to go on (the mapping then names the field).
   */
  private async parentId(client: NetSuiteClient, ref: RefValue | undefined, spec: ParentSpec, ctx: RunContext, cache?: Map<string, string>): Promise<string | undefined> {
    if (ref === undefined) return undefined;
    const cacheKey = JSON.stringify([spec.recordType, ref.businessKey, ref.externalIds?.netsuite]);
    const cached = cache?.get(cacheKey);
    if (cached !== undefined) return cached;
    let id: string | undefined;
    const earlier = earlierResult(ctx.sync, spec.resultKey, this.connectionId);
    // The same record: same key, or (a reference without key or id here) the only one the transaction made.
    const same = earlier !== undefined && (ref.businessKey !== undefined ? earlier.key === undefined || earlier.key === ref.businessKey : ref.externalIds?.netsuite === undefined);
    if (same && typeof earlier.id === 'string') id = earlier.id;
    id ??= ref.externalIds?.netsuite;
    if (id === undefined && ref.businessKey !== undefined) {
      try {
        const found = await client.get(spec.recordType, { externalId: toNetSuiteExternalId(ref.businessKey) }, { fields: ['externalId'], permitHeld: ctx.permitHeld });
        id = String(found['id']);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        throw dataError(`${spec.field} ${ref.businessKey} is not in NetSuite account ${this.connection.accountId} (${this.label}): upsert the ${spec.recordType} there first`, 'PARENT_NOT_FOUND', [spec.field]);
      }
    }
    if (id !== undefined) cache?.set(cacheKey, id);
    return id;
  }

  private written(resultKey: string, vendorKey: string, r: { id: string; externalId: string }, key: string, summary: string, extra: Record<string, unknown> = {}): UnitOutcome {
    const result = this.result({ id: r.id, externalId: r.externalId, key, ...extra });
    return { payload: result, results: { [resultKey]: result, [vendorKey]: { id: r.id, externalId: r.externalId } }, summary };
  }

  // ---------------------------------------------------------------------------------------- capabilities

  /**
   * The customer upserted by its business key; a customer `resolve-customer` matched on this account by another
   * key (tax ID, domain, Salesforce id) is written by its internal id instead, which links it: its external id
   * becomes the account's key, so later runs find it by external id and no second customer is made.
   */
  private async upsertCustomer(client: NetSuiteClient, account: Account, ctx: RunContext): Promise<UnitOutcome> {
    const parents: Record<string, string> = {};
    const parent = await this.parentId(client, account.parent, { ...CUSTOMER, field: 'parent', resultKey: '-' }, ctx);
    if (parent !== undefined) parents['parent'] = parent;
    const record = this.map('customer', account, this.call(ctx, parents));
    const match = earlierResult(ctx.sync, 'erp.customerMatch', this.connectionId);
    const matched = match !== undefined && typeof match.id === 'string' && match.key === account.businessKey ? match.id : undefined;
    let r: { id: string; externalId: string };
    if (matched !== undefined) {
      const externalId = toNetSuiteExternalId(account.businessKey);
      await client.update('customer', matched, { ...record, externalId }, { permitHeld: ctx.permitHeld, ...(record['addressBook'] !== undefined ? { replace: ['addressBook'] } : {}) });
      r = { id: matched, externalId };
    } else {
      r = await this.upsert(client, 'customer', account.businessKey, record, ctx);
    }
    return this.written('erp.customer', 'netsuite.customer', r, account.businessKey, matched !== undefined ? `customer ${r.id} (matched)` : `customer ${r.id}`);
  }

  /**
   * Identity resolution: which customer of this account the CRM account is. First by external ids — the
   * account's business key as the customer's external id, then the Salesforce Id in custentity_sw_salesforce_id
   * — then by the node's secondary key (tax ID or domain). One match: that customer, read whole; none: new;
   * several, or one already linked to another CRM account: a `conflict` naming them, never a guess.
   */
  private async resolveCustomer(client: NetSuiteClient, account: Account, ctx: RunContext): Promise<UnitOutcome> {
    const opts = { permitHeld: ctx.permitHeld };
    const externalId = toNetSuiteExternalId(account.businessKey);
    const where = `NetSuite account ${this.connection.accountId} (${this.label})`;
    let found: { id: string; by: MatchedBy } | undefined;
    try {
      const byKey = await client.get('customer', { externalId }, { ...opts, fields: ['externalId'] });
      found = { id: String(byKey['id']), by: 'externalId' };
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const salesforceId = account.externalIds.salesforce;
    if (found === undefined && salesforceId !== undefined) {
      const ids = [...new Set([salesforceId, salesforceId.slice(0, 15)])];
      const rows = (await client.query('SELECT id, externalid FROM customer WHERE custentity_sw_salesforce_id IN ?', [ids], opts)).items;
      if (rows.length > 1) throw ambiguous(`${rows.length} customers in ${where} hold Salesforce Id ${salesforceId} (custentity_sw_salesforce_id): ${rows.map((r) => String(r['id'])).join(', ')}`, account, externalId, ['externalIds.salesforce']);
      if (rows[0] !== undefined) found = { id: String(rows[0]['id']), by: 'salesforceId' };
    }
    const secondary = this.secondaryKey(ctx, account);
    if (found === undefined && secondary !== undefined) {
      const sql = secondary.by === 'taxId' ? 'SELECT id, externalid FROM customer WHERE UPPER(vatregnumber) = ?' : 'SELECT id, externalid FROM customer WHERE LOWER(custentity_sw_domain) = ?';
      const rows = (await client.query(sql, [secondary.value], opts)).items;
      const what = `${secondary.by === 'taxId' ? 'tax ID' : 'domain'} ${secondary.value}`;
      if (rows.length > 1) throw ambiguous(`${rows.length} customers in ${where} match ${account.businessKey} by ${what}: ${rows.map((r) => String(r['id'])).join(', ')}`, account, externalId, [secondary.field]);
      const row = rows[0];
      if (row !== undefined) {
        const linked = typeof row['externalid'] === 'string' ? fromNetSuiteExternalId(row['externalid']) : undefined;
        if (linked !== undefined && linked.startsWith('acct:') && linked !== account.businessKey) {
          throw new SyncError(`customer ${String(row['id'])} in ${where} matches ${account.businessKey} by ${what}, but it is the customer of ${linked}: two CRM accounts for one customer? Merge them in the CRM, or give this account its own tax ID or domain, then replay`, { class: 'conflict', code: 'LINKED_ELSEWHERE', retryable: false, target: TARGET, fields: [secondary.field] });
        }
        found = { id: String(row['id']), by: secondary.by };
      }
    }
    const match = found === undefined ? 'new' : found.by === 'externalId' || found.by === 'salesforceId' ? 'external-id' : 'secondary-key';
    let erp: Record<string, unknown> | undefined;
    if (found !== undefined) {
      const record = await client.get('customer', found.id, { ...opts, expandSubResources: true });
      const entry = findMapping('netsuite', 'customer');
      if (!entry) throw dataError('no canonical mapping reads NetSuite customer', 'NO_MAPPING');
      const [mapped] = entry.fromVendor(record, this.context) as Array<Record<string, unknown>>;
      // Resolved as the account's counterpart: the same business key, whatever external id it had before.
      erp = { ...mapped, businessKey: account.businessKey };
      // When NetSuite last changed it, for survivorship rules that prefer the most recent system.
      const modified = typeof record['lastModifiedDate'] === 'string' ? Date.parse(record['lastModifiedDate']) : NaN;
      if (Number.isFinite(modified)) erp['updatedAt'] = new Date(modified).toISOString();
    }
    const result = this.result({ key: account.businessKey, match, ...(found !== undefined ? { id: found.id, matchedBy: found.by } : {}) });
    return {
      payload: { match, ...(found !== undefined ? { matchedBy: found.by, id: found.id } : {}), crm: account, ...(erp !== undefined ? { erp } : {}) },
      results: { 'erp.customerMatch': result },
      summary: found === undefined ? `no customer for ${account.businessKey}: new` : `customer ${found.id} by ${found.by}`,
    };
  }

  /** The secondary key's value in the account (normalised as the query compares it), if the node uses one. */
  private secondaryKey(ctx: RunContext, account: Account): { by: 'taxId' | 'domain'; value: string; field: string } | undefined {
    const by = ctx.options.matchOn ?? 'taxId';
    if (by === 'taxId') {
      const taxId = account.tax?.taxId?.trim();
      return taxId ? { by, value: taxId.toUpperCase(), field: 'tax.taxId' } : undefined;
    }
    if (by === 'domain') {
      const domain = account.domain?.trim().toLowerCase();
      return domain ? { by, value: domain, field: 'domain' } : undefined;
    }
    return undefined;
  }

  private async upsertContact(client: NetSuiteClient, contact: Contact, ctx: RunContext): Promise<UnitOutcome> {
    const account = await this.parentId(client, contact.account, CUSTOMER, ctx);
    const record = this.map('contact', contact, this.call(ctx, account === undefined ? {} : { account }));
    const r = await this.upsert(client, 'contact', contact.businessKey, record, ctx);
    return this.written('erp.contact', 'netsuite.contact', r, contact.businessKey, `contact ${r.id}`);
  }

  private async upsertProject(client: NetSuiteClient, value: Project, ctx: RunContext): Promise<UnitOutcome> {
    let project = value;
    let context = this.context;
    // The job holds the PSA project's id: the PSA an earlier step of this transaction wrote it to decides which.
    const psa = earlierResult(ctx.sync, 'psa.project');
    if (psa && (psa.system === 'kantata' || psa.system === 'certinia') && typeof psa.id === 'string' && (psa.key === undefined || psa.key === project.businessKey)) {
      context = { ...context, psaSystem: psa.system };
      if (project.externalIds[psa.system] === undefined) project = { ...project, externalIds: { ...project.externalIds, [psa.system]: psa.id } };
    }
    const account = await this.parentId(client, project.account, CUSTOMER, ctx);
    const record = this.map('job', project, this.call(ctx, account === undefined ? {} : { account }), context);
    const r = await this.upsert(client, 'job', project.businessKey, record, ctx);
    return this.written('erp.project', 'netsuite.job', r, project.businessKey, `project ${r.id}`);
  }

  /**
   * Project tasks marked as milestones, with their amounts, upserted one by one. Given a billing plan
   * (`{project, milestones}`), the job is upserted first (the ERP side of the project) and the milestones go on it.
   */
  private async createMilestones(client: NetSuiteClient, items: WorkItem[], ctx: RunContext, planProject?: Project): Promise<UnitOutcome> {
    items.forEach((item, i) => {
      if (item.kind !== 'milestone') throw payloadError(planProject !== undefined ? `milestones[${i}].kind` : items.length > 1 ? `[${i}].kind` : 'kind', `is "${item.kind}": create-billing-milestones takes milestones`, 'INVALID_PAYLOAD', TARGET);
    });
    let job: UnitOutcome | undefined;
    if (planProject !== undefined) {
      job = await this.upsertProject(client, planProject, ctx);
      ctx = { ...ctx, sync: { ...ctx.sync, results: { ...(isRecord(ctx.sync?.['results']) ? ctx.sync['results'] : {}), ...job.results } } };
    }
    const projects = new Map<string, string>();
    const ids: string[] = [];
    const keys: string[] = [];
    let projectId: string | undefined;
    for (const item of items) {
      projectId = await this.parentId(client, item.project, JOB, ctx, projects);
      const record = this.map('projectTask', item, this.call(ctx, projectId === undefined ? {} : { project: projectId }));
      const r = await this.upsert(client, 'projectTask', item.businessKey, record, ctx);
      ids.push(r.id);
      keys.push(item.businessKey);
    }
    const made = job?.results['erp.project'] as RoleResult | undefined;
    projectId ??= made?.id;
    const result = this.result({ ids, keys, ...(projectId !== undefined ? { project: projectId } : {}) });
    const last = ids[ids.length - 1];
    return {
      payload: result,
      results: { ...job?.results, 'erp.milestones': result, ...(last !== undefined ? { 'netsuite.projectTask': { id: last } } : {}) },
      summary: `${job ? 'project and ' : ''}${ids.length} milestone${ids.length === 1 ? '' : 's'} on project ${projectId ?? '?'}`,
    };
  }

  private async createSalesOrder(client: NetSuiteClient, opportunity: Opportunity, ctx: RunContext): Promise<UnitOutcome> {
    const account = await this.parentId(client, opportunity.account, CUSTOMER, ctx);
    const record = this.map('salesOrder', opportunity, this.call(ctx, account === undefined ? {} : { account }));
    const r = await this.upsert(client, 'salesOrder', opportunity.businessKey, record, ctx);
    return this.written('erp.salesOrder', 'netsuite.salesOrder', r, opportunity.businessKey, `sales order ${r.id}`);
  }

  private async postTimeEntries(client: NetSuiteClient, entries: TimeEntry[], ctx: RunContext): Promise<UnitOutcome> {
    const projects = new Map<string, string>();
    const ids: string[] = [];
    for (const entry of entries) {
      const parents: Record<string, string> = {};
      const project = await this.parentId(client, entry.project, JOB, ctx, projects);
      if (project !== undefined) parents['project'] = project;
      const task = entry.workItem === undefined || entry.workItem.externalIds?.netsuite !== undefined ? undefined : await this.parentId(client, entry.workItem, { ...TASK, resultKey: '-' }, ctx, projects);
      if (task !== undefined) parents['workItem'] = task;
      const record = this.map('timeBill', entry, this.call(ctx, parents));
      ids.push((await this.upsert(client, 'timeBill', entry.businessKey, record, ctx)).id);
    }
    const result = this.result({ ids, keys: entries.map((e) => e.businessKey) });
    return { payload: result, results: { 'erp.timeEntries': result, 'netsuite.timeBill': { id: ids[ids.length - 1] } }, summary: `${ids.length} time entr${ids.length === 1 ? 'y' : 'ies'}` };
  }

  private async postExpenses(client: NetSuiteClient, expenses: Expense[], ctx: RunContext): Promise<UnitOutcome> {
    const projects = new Map<string, string>();
    const ids: string[] = [];
    for (const expense of expenses) {
      const project = await this.parentId(client, expense.project, JOB, ctx, projects);
      const record = this.map('expenseReport', expense, this.call(ctx, project === undefined ? {} : { project }));
      ids.push((await this.upsert(client, 'expenseReport', expense.businessKey, record, ctx)).id);
    }
    const result = this.result({ ids, keys: expenses.map((e) => e.businessKey) });
    return { payload: result, results: { 'erp.expenses': result, 'netsuite.expenseReport': { id: ids[ids.length - 1] } }, summary: `${ids.length} expense report${ids.length === 1 ? '' : 's'}` };
  }

  /**
   * An invoice or payment by its NetSuite id, its number (`invoiceNumber`/`paymentNumber`, or a key
   * `inv:<number>`/`pay:<number>`), or the external id of a business key Syncwright wrote. The account
   * reference is completed from the customer (its business key, Salesforce id), with the customer's balance
   * in `custom.accountOpenBalance` and, for an open invoice of a customer on credit hold, status `credit-hold`.
   */
  private async readTransaction(client: NetSuiteClient, type: 'invoice' | 'customerPayment', ref: RecordRef, ctx: RunContext): Promise<UnitOutcome> {
    const opts = { permitHeld: ctx.permitHeld };
    const prefix = type === 'invoice' ? 'inv' : 'pay';
    const numberField = type === 'invoice' ? 'invoiceNumber' : 'paymentNumber';
    let key: RecordKey | undefined = ref.externalIds?.netsuite ?? ref.id;
    // Keys of transactions born in NetSuite: inv:<number>, inv:netsuite:<id>, inv:netsuite-eid:<external id>.
    const keyed = ref.businessKey === undefined ? undefined : new RegExp(`^${prefix}:(.+)$`).exec(ref.businessKey)?.[1];
    const byId = keyed === undefined ? undefined : /^netsuite:(\d+)$/.exec(keyed)?.[1];
    const byEid = keyed === undefined ? undefined : /^netsuite-eid:(.+)$/.exec(keyed)?.[1];
    key ??= byId ?? (byEid !== undefined ? { externalId: byEid } : undefined);
    const tranId = (type === 'invoice' ? ref.invoiceNumber : ref.paymentNumber) ?? (keyed !== undefined && byId === undefined && byEid === undefined ? keyed : undefined);
    if (key === undefined && tranId !== undefined) {
      const rows = await client.query('SELECT id FROM transaction WHERE type = ? AND tranid = ?', [type === 'invoice' ? 'CustInvc' : 'CustPymt', tranId], opts);
      if (rows.items.length === 0) throw dataError(`NetSuite account ${this.connection.accountId} has no ${type} number ${tranId}`, 'NOT_FOUND', [numberField]);
      if (rows.items.length > 1) throw new SyncError(`NetSuite account ${this.connection.accountId} has ${rows.items.length} ${type} records numbered ${tranId}`, { class: 'conflict', code: 'MULTIPLE_MATCHES', retryable: false, target: TARGET, fields: [numberField] });
      key = String(rows.items[0]?.['id']);
    }
    if (key === undefined && ref.businessKey !== undefined) key = { externalId: toNetSuiteExternalId(ref.businessKey) };
    if (key === undefined) throw payloadError('', `names no NetSuite ${type}: give externalIds.netsuite, id, ${numberField} or businessKey`, 'INVALID_PAYLOAD', TARGET);
    const record = await client.get(type, key, { ...opts, expandSubResources: true });
    const entry = findMapping('netsuite', type);
    if (!entry) throw dataError(`no canonical mapping reads NetSuite ${type}`, 'NO_MAPPING');
    const [mapped] = entry.fromVendor(record, this.context) as Array<Record<string, unknown>>;
    const value = await this.completeAccount(client, record, mapped ?? {}, type === 'invoice', ctx);
    const schema = type === 'invoice' ? 'syncwright/invoice@1' : 'syncwright/payment@1';
    const checked = validateCanonical(schema, value);
    if (!checked.ok) throw dataError(`NetSuite ${type} ${String(record['id'])} reads as an invalid ${schema}: ${checked.errors[0]?.path ?? ''} ${checked.errors[0]?.message ?? ''}`, 'MAPPING_ERROR', [checked.errors[0]?.path ?? '']);
    const id = String(record['id']);
    const businessKey = typeof value['businessKey'] === 'string' ? value['businessKey'] : undefined;
    const result = this.result({ id, ...(businessKey !== undefined ? { key: businessKey } : {}) });
    return { payload: checked.value, results: { [type === 'invoice' ? 'erp.invoice' : 'erp.payment']: result }, summary: `read ${type} ${id}` };
  }

  /**
   * The customer behind a transaction (a project's customer for a project): key, Salesforce id, balance, hold;
   * for an invoice naming an opportunity, the opportunity's invoiced and paid totals over its invoices here.
   */
  private async completeAccount(client: NetSuiteClient, record: Record<string, unknown>, canonical: Record<string, unknown>, isInvoice: boolean, ctx: RunContext): Promise<Record<string, unknown>> {
    const opts = { permitHeld: ctx.permitHeld };
    const customer = await customerOf(client, record, opts);
    let out = customer === undefined ? canonical : withCustomer(canonical, customer, isInvoice);
    const opportunity = isInvoice ? opportunityOf(out) : undefined;
    const totals = opportunity === undefined ? undefined : await opportunityTotals(client, opportunity, opts);
    if (totals !== undefined && totals.invoices > 0) out = withOpportunityTotals(out, totals);
    return out;
  }

  /**
   * Approved expense reports as canonical Expenses: SuiteQL finds the reports (changed since a point), each is read
   * whole and mapped, and kept when approved and within the project and dates asked for. The project reference is
   * completed from the job (business key, the PSA project's id), once per job, so the expenses meet the PSA's time.
   */
  private async readApprovedExpenses(client: NetSuiteClient, q: ApprovedTimeQuery, ctx: RunContext): Promise<UnitOutcome> {
    const opts = { permitHeld: ctx.permitHeld };
    const params: Record<string, SuiteQLValue> = {};
    let where = "type = 'ExpRept'";
    if (q.modifiedSince !== undefined) {
      where += ' AND lastmodifieddate >= :since';
      params['since'] = new SuiteQLTimestamp(q.modifiedSince.slice(0, 19).replace('T', ' '));
    }
    const projectId = q.project === undefined ? undefined : await this.parentId(client, q.project, JOB, ctx);
    const rows = await client.query(`SELECT id FROM transaction WHERE ${where} ORDER BY id`, params, { ...opts, maxResults: 100_000 });
    const entry = findMapping('netsuite', 'expenseReport');
    if (!entry) throw dataError('no canonical mapping reads NetSuite expense reports', 'NO_MAPPING');
    const jobs = new Map<string, Promise<Record<string, unknown>>>();
    const expenses: Array<Record<string, unknown>> = [];
    const skipped: Array<{ id: string; reason: string }> = [];
    for (const row of rows.items) {
      const id = String(row['id']);
      const record = await client.get('expenseReport', id, { ...opts, expandSubResources: true });
      let expense: Record<string, unknown>;
      try {
        [expense] = entry.fromVendor(record, this.context) as Array<Record<string, unknown>>;
      } catch (err) {
        skipped.push({ id, reason: err instanceof Error ? err.message : String(err) });
        continue;
      }
      if (expense['status'] !== 'approved' && expense['status'] !== 'reimbursed') continue;
      const date = String(expense['date']);
      if ((q.from !== undefined && date < q.from) || (q.to !== undefined && date > q.to)) continue;
      const project = isRecord(expense['project']) && isRecord(expense['project']['externalIds']) ? expense['project']['externalIds']['netsuite'] : undefined;
      if (typeof project !== 'string' || (projectId !== undefined && project !== projectId)) continue;
      let job = jobs.get(project);
      if (!job) {
        job = this.jobReference(client, project, ctx);
        jobs.set(project, job);
      }
      expenses.push({ ...expense, project: await job });
    }
    const result = this.result({ count: expenses.length, ...(skipped.length > 0 ? { skipped } : {}), ...(projectId !== undefined ? { project: projectId } : {}) });
    return { payload: expenses, results: { 'erp.approvedExpenses': result }, summary: `${expenses.length} approved expense${expenses.length === 1 ? '' : 's'}${skipped.length > 0 ? `, ${skipped.length} unreadable` : ''}` };
  }

  /** A job as a project reference: its business key (external id), NetSuite id and the PSA project's id. */
  private async jobReference(client: NetSuiteClient, id: string, ctx: RunContext): Promise<Record<string, unknown>> {
    try {
      const job = await client.get('job', id, { permitHeld: ctx.permitHeld, fields: ['externalId', 'custentity_sw_psa_project_id'] });
      const key = typeof job['externalId'] === 'string' ? fromNetSuiteExternalId(job['externalId']) : undefined;
      const psa = job['custentity_sw_psa_project_id'];
      return { ...(key !== undefined ? { businessKey: key } : {}), externalIds: { netsuite: id, ...(typeof psa === 'string' && psa !== '' ? { [this.context.psaSystem]: psa } : {}) } };
    } catch (err) {
      // An expense on a customer rather than a job: the reference stays as NetSuite gave it.
      if (isNotFound(err)) return { externalIds: { netsuite: id } };
      throw err;
    }
  }

  /**
   * Compensation of create-billing-milestones: deletes the project tasks the step made (msg.saga.stepResult,
   * else msg.sync.results `erp.milestones` of this account), else those the payload's milestones name by key.
   * A task already gone counts as undone.
   */
  private async deleteMilestones(client: NetSuiteClient, payload: unknown, ctx: RunContext): Promise<UnitOutcome> {
    const made = stepResultOf(ctx.saga, 'erp.milestones') ?? earlierResult(ctx.sync, 'erp.milestones', this.connectionId);
    let keys: RecordKey[] = idsOf(made);
    if (keys.length === 0) {
      // A milestone, or a billing plan ({project, milestones}) — a failed step's undo has no result to go by.
      const items = Array.isArray(payload) ? (payload as unknown[]) : isRecord(payload) && Array.isArray(payload['milestones']) ? (payload['milestones'] as unknown[]) : [payload];
      keys = items.flatMap((item): RecordKey[] => {
        if (!isRecord(item)) return [];
        const ns = isRecord(item['externalIds']) && typeof item['externalIds']['netsuite'] === 'string' ? item['externalIds']['netsuite'] : undefined;
        if (ns !== undefined) return [ns];
        return typeof item['businessKey'] === 'string' ? [{ externalId: toNetSuiteExternalId(item['businessKey']) }] : [];
      });
    }
    if (keys.length === 0) throw payloadError('', 'names no milestones to delete: no erp.milestones result (msg.saga.stepResult or msg.sync.results) and no milestones with a businessKey in the payload', 'INVALID_PAYLOAD', TARGET);
    const deleted: string[] = [];
    const missing: string[] = [];
    for (const key of keys) {
      const shown = typeof key === 'object' ? `eid:${key.externalId}` : String(key);
      try {
        await client.delete('projectTask', key, { permitHeld: ctx.permitHeld });
        deleted.push(shown);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        missing.push(shown);
      }
    }
    const result = this.result({ ids: deleted, missing, deleted: true });
    return { payload: result, results: { 'erp.milestones': result }, summary: `deleted ${deleted.length} milestone${deleted.length === 1 ? '' : 's'}${missing.length > 0 ? `, ${missing.length} already gone` : ''}` };
  }

  /**
   * Compensation of upsert-project: sets the job's status to the context's status for `completed` (NetSuite's
   * stock "Closed"), which stops time and billing on it. Idempotent; a job already gone counts as closed. The
   * job is not deleted: NetSuite refuses that while tasks, time or transactions refer to it, and a corrected
   * re-run of the saga upserts the same job again (by external id) and sets its status back.
   */
  private async closeProject(client: NetSuiteClient, payload: unknown, ctx: RunContext): Promise<UnitOutcome> {
    const made = stepResultOf(ctx.saga, 'erp.project') ?? earlierResult(ctx.sync, 'erp.project', this.connectionId);
    let key: RecordKey | undefined = typeof made?.id === 'string' ? made.id : undefined;
    if (key === undefined && isRecord(payload)) {
      const ids = isRecord(payload['externalIds']) ? payload['externalIds'] : {};
      if (typeof ids['netsuite'] === 'string') key = ids['netsuite'];
      else if (typeof payload['businessKey'] === 'string') key = { externalId: toNetSuiteExternalId(payload['businessKey']) };
    }
    if (key === undefined) throw payloadError('', 'names no project to close: no erp.project result (msg.saga.stepResult or msg.sync.results) and no project (businessKey or externalIds.netsuite) in the payload', 'INVALID_PAYLOAD', TARGET);
    const closed = this.context.projectStatuses.find((s) => s.status === 'completed');
    if (closed === undefined) throw dataError('the mapping context has no project status for completed (NetSuite "Closed")', 'NO_MAPPING', ['projectStatuses']);
    const shown = typeof key === 'object' ? `eid:${key.externalId}` : String(key);
    let missing = false;
    try {
      await client.update('job', key, { entityStatus: { id: closed.id } }, { permitHeld: ctx.permitHeld });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      missing = true;
    }
    const result = this.result({ id: shown, closed: true, ...(missing ? { missing: true } : {}) });
    return { payload: result, results: { 'erp.project': result }, summary: missing ? `project ${shown} already gone` : `closed project ${shown}` };
  }
}

type MatchedBy = 'externalId' | 'salesforceId' | 'taxId' | 'domain';

/** Several customers could be the CRM account: never guess (a wrong link merges two customers' books). */
function ambiguous(what: string, account: Account, externalId: string, fields: string[]): SyncError {
  return new SyncError(`${what}. Which one is ${account.name}? Link it — set its external id to ${externalId} — or merge the duplicates in NetSuite, then replay`, { class: 'conflict', code: 'AMBIGUOUS_MATCH', retryable: false, target: TARGET, fields });
}

function canonical<T>(input: ParsedInput): T {
  if (input.input !== 'canonical') throw new SyncError('internal: expected a canonical payload', { class: 'data', code: 'INVALID_PAYLOAD', retryable: false, target: TARGET });
  return input.value as T;
}

function list<T>(input: ParsedInput): T[] {
  if (input.input === 'canonical-list') return input.values as T[];
  return [canonical<T>(input)];
}

function approvedQuery(input: ParsedInput): ApprovedTimeQuery {
  if (input.input !== 'approved-time-query') throw new SyncError('internal: expected an approved-time query', { class: 'data', code: 'INVALID_PAYLOAD', retryable: false, target: TARGET });
  return input.value;
}

function recordRef(input: ParsedInput): RecordRef {
  if (input.input !== 'record-ref') throw new SyncError('internal: expected a record reference', { class: 'data', code: 'INVALID_PAYLOAD', retryable: false, target: TARGET });
  return input.value;
}

/** The backend factory of the erp node: NetSuite connections only. */
export function netsuiteBackend(connection: unknown, system: BackendSystem, rule: LandscapeRule): RoleBackend {
  if (system !== 'netsuite' || !isNetSuiteConnection(connection)) throw dataError(`erp is served by NetSuite connections only, not ${system}`, 'NO_CONNECTION', ['landscape']);
  return new NetSuiteErp(connection, rule);
}
