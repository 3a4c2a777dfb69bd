// The crm role on Salesforce: accounts and contacts upserted by Syncwright_Key__c, opportunities read with
// their lines, the sync status written back, and billing status and delivery metrics written in bulk through
// sObject Collections — each record its own outcome. All through the Salesforce client and canonical mappings.
import type { CanonicalOf } from '../../canonical/registry.js';
import { subtractDecimals } from '../../canonical/mappings/decimal.js';
import type { SalesforceMappingContext } from '../../canonical/mappings/salesforce/index.js';
import { correlationIdOf, earlierResult, type RoleBackend, type RoleResult, type RunContext, type UnitOutcome } from '../../runtime-plugins/roles/backend.js';
import type { BackendSystem, Capability } from '../../runtime-plugins/roles/capabilities.js';
import type { LandscapeRule } from '../../runtime-plugins/roles/landscape.js';
import { payloadError, type BillingRecord, type DeliveryMetrics, type OpportunityStatusRequest, type ParsedInput, type RecordRef, type SyncStatus } from '../../runtime-plugins/roles/payloads.js';
import { SyncError } from '../../runtime-plugins/sync-error.js';
import { getCanonical, upsertCanonical, type CanonicalOptions } from '../salesforce/client/canonical.js';
import type { RecordOutcome, SalesforceClient, SObjectRecord } from '../salesforce/client/client.js';
import { SalesforceError, TARGET } from '../salesforce/client/errors.js';
import { isSalesforceConnection, type SalesforceConnection } from '../salesforce/connection.js';

type Account = CanonicalOf<'syncwright/account@1'>;
type Contact = CanonicalOf<'syncwright/contact@1'>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dataError(message: string, code: string, fields?: string[]): SalesforceError {
  return new SalesforceError(message, { class: 'data', code, retryable: false, target: TARGET, ...(fields ? { fields } : {}) });
}

const ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;
const PREFIX = { Account: '001', Opportunity: '006' } as const;
type Target = keyof typeof PREFIX;

/** A Salesforce Id held by a key Syncwright derives for records it did not create (`opp:006…`, `acct:salesforce:001…`). */
function idFromKey(type: Target, key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  const m = type === 'Opportunity' ? /^opp:(?:salesforce:)?([A-Za-z0-9]{15,18})$/.exec(key) : /^acct:salesforce:([A-Za-z0-9]{15,18})$/.exec(key);
  const id = m?.[1];
  return id !== undefined && ID.test(id) && id.startsWith(PREFIX[type]) ? id : undefined;
}

/** What identifies the Account or Opportunity a record writes to. */
interface TargetRef {
  type: Target;
  /** The payload field it came from, for errors. */
  field: string;
  id?: string;
  key?: string;
  /** NetSuite id: an Account's NetSuite_Id__c, an Opportunity's NetSuite_Sales_Order_Id__c. */
  netsuite?: string;
  /** The PSA project's id, which an Opportunity holds in PSA_Project_Id__c. */
  psa?: string;
}

function targetRef(type: Target, field: string, ref: unknown): TargetRef | undefined {
  if (!isRecord(ref)) return undefined;
  const ids = isRecord(ref['externalIds']) ? ref['externalIds'] : {};
  const key = typeof ref['businessKey'] === 'string' ? ref['businessKey'] : undefined;
  const sf = typeof ids['salesforce'] === 'string' && ID.test(ids['salesforce']) ? ids['salesforce'] : undefined;
  const id = sf ?? idFromKey(type, key);
  const netsuite = typeof ids['netsuite'] === 'string' ? ids['netsuite'] : undefined;
  if (id === undefined && key === undefined && netsuite === undefined) return undefined;
  return { type, field, ...(id !== undefined ? { id } : {}), ...(key !== undefined ? { key } : {}), ...(netsuite !== undefined ? { netsuite } : {}) };
}

interface Found {
  id: string;
  currency?: string;
}

/** One field write of one input record on one target record. */
interface Write {
  ref: TargetRef;
  fields: SObjectRecord;
  /** Money written, checked against the target's currency. */
  currency?: string;
}

const INVOICE_STATUS_LABEL: Record<CanonicalOf<'syncwright/invoice@1'>['status'], string> = {
  draft: 'Draft',
  open: 'Open',
  'partially-paid': 'Partially Paid',
  paid: 'Paid',
  void: 'Void',
  'credit-hold': 'Credit Hold',
};

function amount(text: string): number {
  return Number(text);
}

/** Sync_Status__c from a saga's state (saga end node outputs), when neither the node nor the payload sets one. */
function statusFromSaga(saga: Record<string, unknown> | undefined): SyncStatus | undefined {
  switch (saga?.['state']) {
    case 'completed':
      return 'Completed';
    case 'compensated':
      return 'Compensated';
    case 'needs-remediation':
    case 'compensation-failed':
      return 'Needs Remediation';
    case 'compensating':
      return 'Failed';
    case 'running':
      return 'In Progress';
    default:
      return undefined;
  }
}

function sagaErrorText(saga: Record<string, unknown> | undefined): string | undefined {
  const failure = isRecord(saga?.['failure']) ? saga['failure'] : undefined;
  const error = isRecord(failure?.['error']) ? failure['error'] : undefined;
  if (typeof error?.['message'] !== 'string') return undefined;
  const step = typeof failure?.['step'] === 'string' ? `${failure['step']}: ` : '';
  const code = typeof error['code'] === 'string' ? `${error['code']} ` : '';
  return `${step}${code}${error['message']}`;
}

export class SalesforceCrm implements RoleBackend {
  readonly role = 'crm' as const;
  readonly system: BackendSystem = 'salesforce';
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

  private async client(): Promise<SalesforceClient> {
    this.last = await this.connection.client();
    return this.last;
  }

  usage(): string | undefined {
    const u = this.last?.apiUsage;
    return u ? ` · api ${u.used.toLocaleString('en-US')}/${u.max.toLocaleString('en-US')}` : undefined;
  }

  private result(extra: Omit<RoleResult, 'system' | 'connection'>): RoleResult {
    return { system: 'salesforce', connection: this.connectionId, ...extra };
  }

  private options(ctx: RunContext, parents: Record<string, string> = {}): CanonicalOptions {
    const correlationId = correlationIdOf(ctx.sync);
    return { context: this.context, call: { ...(correlationId !== undefined ? { correlationId } : {}), ...(Object.keys(parents).length > 0 ? { parents } : {}) } };
  }

  async run(cap: Capability, input: ParsedInput, ctx: RunContext): Promise<UnitOutcome> {
    const client = await this.client();
    const call = { permitHeld: ctx.permitHeld };
    switch (cap.name) {
      case 'upsert-account': {
        const account = (input as { value: Account }).value;
        const r = await upsertCanonical(client, 'Account', account, this.options(ctx), call);
        const result = this.result({ id: r.id, created: r.created, key: r.key });
        return { payload: result, results: { 'crm.account': result, 'salesforce.Account': { id: r.id, created: r.created } }, summary: `${r.created ? 'created' : 'updated'} account ${r.key}` };
      }
      case 'upsert-contact': {
        const contact = (input as { value: Contact }).value;
        const parents: Record<string, string> = {};
        const account = earlierResult(ctx.sync, 'crm.account', this.connectionId);
        if (account && typeof account.id === 'string' && contact.account.externalIds?.salesforce === undefined && (account.key === undefined || account.key === contact.account.businessKey)) parents['account'] = account.id;
        const r = await upsertCanonical(client, 'Contact', contact, this.options(ctx, parents), call);
        const result = this.result({ id: r.id, created: r.created, key: r.key });
        return { payload: result, results: { 'crm.contact': result, 'salesforce.Contact': { id: r.id, created: r.created } }, summary: `${r.created ? 'created' : 'updated'} contact ${r.key}` };
      }
      case 'read-account':
        return this.readAccount(client, (input as { value: RecordRef }).value, ctx);
      case 'read-opportunity':
        return this.readOpportunity(client, (input as { value: RecordRef }).value, ctx);
      case 'update-opportunity-status':
        return this.updateStatus(client, (input as { value: OpportunityStatusRequest }).value, ctx);
      default: {
        // A batch capability asked for one record.
        const [one] = await this.runBatch(cap, [input], [ctx]);
        if (one === undefined || one instanceof SyncError) throw one ?? dataError('no outcome', 'NO_OUTCOME');
        return one;
      }
    }
  }

  async runBatch(cap: Capability, inputs: readonly ParsedInput[], ctxs: readonly RunContext[]): Promise<Array<UnitOutcome | SyncError>> {
    const client = await this.client();
    const permitHeld = ctxs.some((c) => c.permitHeld);
    if (cap.name === 'write-billing-status') {
      const records = inputs.map((i) => (i as { record: BillingRecord }).record);
      return this.writeInBulk(client, cap, records.map((r) => this.billingWrites(r)), records.map((r) => r.value.businessKey), records.map((r) => (r.schema === 'syncwright/invoice@1' ? r.value.invoiceDate : r.value.paymentDate)), permitHeld);
    }
    if (cap.name === 'write-delivery-metrics') {
      const metrics = inputs.map((i) => (i as { value: DeliveryMetrics }).value);
      return this.writeInBulk(client, cap, metrics.map((m) => this.metricWrites(m)), metrics.map((m) => m.opportunity?.businessKey ?? m.project?.businessKey), metrics.map(() => ''), permitHeld);
    }
    throw dataError(`crm ${cap.name} is not a batch capability`, 'UNSUPPORTED');
  }

  // ------------------------------------------------------------------------------- accounts (read)

  /** The Account as canonical `syncwright/account@1` (parent, legal entity, tax, addresses…), by Id or key. */
  private async readAccount(client: SalesforceClient, ref: RecordRef, ctx: RunContext): Promise<UnitOutcome> {
    const id = ref.externalIds?.salesforce ?? (ref.id !== undefined && ID.test(ref.id) ? ref.id : undefined) ?? idFromKey('Account', ref.businessKey);
    if (id === undefined && ref.businessKey === undefined) throw payloadError('', 'names no account: give its businessKey or externalIds.salesforce', 'INVALID_PAYLOAD', TARGET);
    const by = id !== undefined ? { id } : { field: 'Syncwright_Key__c', value: ref.businessKey as string };
    const r = await getCanonical(client, 'Account', by, this.options(ctx), { permitHeld: ctx.permitHeld });
    const account = r.canonical[0] as Record<string, unknown>;
    const key = typeof account['businessKey'] === 'string' ? account['businessKey'] : undefined;
    const result = this.result({ id: String(r.record['Id']), ...(key !== undefined ? { key } : {}) });
    return { payload: account, results: { 'crm.account': result }, summary: `read account ${key ?? result.id ?? ''}` };
  }

  // ------------------------------------------------------------------------------------ opportunities

  private async readOpportunity(client: SalesforceClient, ref: RecordRef, ctx: RunContext): Promise<UnitOutcome> {
    const id = ref.externalIds?.salesforce ?? (ref.id !== undefined && ID.test(ref.id) ? ref.id : undefined) ?? idFromKey('Opportunity', ref.businessKey);
    if (id === undefined && ref.businessKey === undefined) throw payloadError('', 'names no opportunity: give its businessKey or externalIds.salesforce', 'INVALID_PAYLOAD', TARGET);
    const by = id !== undefined ? { id } : { field: 'Syncwright_Key__c', value: ref.businessKey as string };
    const r = await getCanonical(client, 'Opportunity', by, this.options(ctx), { permitHeld: ctx.permitHeld });
    const opportunity = r.canonical[0] as Record<string, unknown>;
    const key = typeof opportunity['businessKey'] === 'string' ? opportunity['businessKey'] : undefined;
    const result = this.result({ id: String(r.record['Id']), ...(key !== undefined ? { key } : {}) });
    return { payload: opportunity, results: { 'crm.opportunity': result }, summary: `read opportunity ${key ?? result.id ?? ''}` };
  }

  /**
   * Writes Sync_Status__c, Sync_Correlation_Id__c, Sync_Error__c and the ids the transaction made (from the
   * payload, else msg.sync.results `erp.customer`, `erp.salesOrder`, `psa.project`) on the Opportunity.
   * An update: it never creates one.
   */
  private async updateStatus(client: SalesforceClient, req: OpportunityStatusRequest, ctx: RunContext): Promise<UnitOutcome> {
    const syncKey = typeof ctx.sync?.['businessKey'] === 'string' ? ctx.sync['businessKey'] : undefined;
    const ref = targetRef('Opportunity', 'opportunity', req.opportunity ?? (syncKey?.startsWith('opp:') ? { businessKey: syncKey } : undefined));
    if (ref === undefined || (ref.id === undefined && ref.key === undefined)) throw payloadError('opportunity', 'is required (a businessKey or externalIds.salesforce), unless msg.sync.businessKey is the opportunity\'s (opp:…)', 'INVALID_PAYLOAD', TARGET);
    const status = ctx.options.syncStatus ?? req.status ?? statusFromSaga(ctx.saga);
    if (status === undefined) throw payloadError('status', 'is required: set it in the payload or the node, or send the message of a saga end node (msg.saga.state)', 'INVALID_PAYLOAD', TARGET);
    const error = req.error !== undefined ? req.error : (sagaErrorText(ctx.saga) ?? (status === 'Completed' || status === 'In Progress' || status === 'Pending' ? null : undefined));
    const correlationId = req.correlationId ?? correlationIdOf(ctx.sync);
    const idOf = (key: string): string | undefined => {
      const r = earlierResult(ctx.sync, key);
      return typeof r?.id === 'string' ? r.id : undefined;
    };
    const fields: SObjectRecord = { Sync_Status__c: status };
    if (correlationId !== undefined) fields['Sync_Correlation_Id__c'] = correlationId;
    if (error !== undefined) fields['Sync_Error__c'] = error === null ? null : error.slice(0, 32_000);
    const customer = req.netsuiteCustomerId ?? idOf('erp.customer');
    const salesOrder = req.netsuiteSalesOrderId ?? idOf('erp.salesOrder');
    const project = req.psaProjectId ?? idOf('psa.project');
    if (customer !== undefined) fields['NetSuite_Customer_Id__c'] = customer;
    if (salesOrder !== undefined) fields['NetSuite_Sales_Order_Id__c'] = salesOrder;
    if (project !== undefined) fields['PSA_Project_Id__c'] = project;
    const call = { permitHeld: ctx.permitHeld };
    let id: string;
    if (ref.id !== undefined) {
      await client.update('Opportunity', ref.id, fields, call);
      id = ref.id;
    } else {
      id = (await client.updateByExternalId('Opportunity', 'Syncwright_Key__c', ref.key as string, fields, call)).id;
    }
    const result = this.result({ id, ...(ref.key !== undefined ? { key: ref.key } : {}), status });
    return { payload: { ...result, fields }, results: { 'crm.opportunityStatus': result, 'salesforce.Opportunity': { id, created: false } }, summary: `opportunity ${ref.key ?? id} ${status}` };
  }

  // -------------------------------------------------------------------------------- billing & metrics

  private billingWrites(record: BillingRecord): Write[] | SyncError {
    const custom = isRecord(record.value.custom) ? record.value.custom : {};
    const balance = typeof custom['accountOpenBalance'] === 'string' || typeof custom['accountOpenBalance'] === 'number' ? String(custom['accountOpenBalance']) : undefined;
    if (balance !== undefined && !/^-?\d{1,15}(\.\d{1,8})?$/.test(balance)) return payloadError('custom.accountOpenBalance', `is "${balance}", not a decimal`, 'INVALID_PAYLOAD', TARGET);
    const account = targetRef('Account', 'account', record.value.account);
    if (account === undefined) return payloadError('account', 'has no business key, Salesforce id or NetSuite id', 'INVALID_PAYLOAD', TARGET);
    const writes: Write[] = [];
    if (record.schema === 'syncwright/invoice@1') {
      const inv = record.value;
      const fields: SObjectRecord = { Last_Invoice_Status__c: INVOICE_STATUS_LABEL[inv.status] };
      const hold = typeof custom['creditHold'] === 'boolean' ? custom['creditHold'] : inv.status === 'credit-hold' ? true : undefined;
      if (hold !== undefined) fields['Credit_Hold__c'] = hold;
      if (balance !== undefined) fields['Open_Balance__c'] = amount(balance);
      writes.push({ ref: account, fields, ...(balance !== undefined ? { currency: inv.currency } : {}) });
      const opportunity = targetRef('Opportunity', 'opportunity', inv.opportunity);
      if (opportunity !== undefined) {
        const invoiced = typeof custom['opportunityAmountInvoiced'] === 'string' ? custom['opportunityAmountInvoiced'] : inv.total.amount;
        const paid = typeof custom['opportunityAmountPaid'] === 'string' ? custom['opportunityAmountPaid'] : (inv.amountPaid?.amount ?? (inv.amountDue !== undefined ? subtractDecimals(inv.total.amount, inv.amountDue.amount) : inv.status === 'paid' ? inv.total.amount : '0'));
        const statusText = typeof custom['opportunityInvoiceStatus'] === 'string' ? custom['opportunityInvoiceStatus'] : INVOICE_STATUS_LABEL[inv.status];
        writes.push({ ref: opportunity, fields: { Invoice_Status__c: statusText, Amount_Invoiced__c: amount(invoiced), Amount_Paid__c: amount(paid) }, currency: inv.currency });
      }
    } else {
      const pay = record.value;
      const fields: SObjectRecord = { Last_Payment_Date__c: pay.paymentDate };
      if (balance !== undefined) fields['Open_Balance__c'] = amount(balance);
      writes.push({ ref: account, fields, ...(balance !== undefined ? { currency: pay.amount.currency } : {}) });
    }
    return writes;
  }

  private metricWrites(m: DeliveryMetrics): Write[] | SyncError {
    const psa = m.project?.externalIds?.kantata ?? m.project?.externalIds?.certinia;
    const opportunity = m.opportunity !== undefined ? targetRef('Opportunity', 'opportunity', m.opportunity) : psa !== undefined ? { type: 'Opportunity' as const, field: 'project', psa } : undefined;
    if (opportunity === undefined) return payloadError('opportunity', 'has no business key or Salesforce id', 'INVALID_PAYLOAD', TARGET);
    const currency = m.actualCost.currency ?? m.currency;
    return [{ ref: opportunity, fields: { Actual_Hours__c: m.actualHours, Actual_Cost__c: amount(m.actualCost.amount), Margin_Percent__c: m.marginPercent }, ...(currency !== undefined ? { currency } : {}) }];
  }

  /** Finds the Accounts and Opportunities the writes name: one query per object, by Id, key and NetSuite id. */
  private async resolve(client: SalesforceClient, refs: readonly TargetRef[], permitHeld: boolean): Promise<Map<TargetRef, Found | SyncError>> {
    const out = new Map<TargetRef, Found | SyncError>();
    const multi = this.context.multiCurrency;
    for (const type of ['Account', 'Opportunity'] as const) {
      const mine = refs.filter((r) => r.type === type);
      if (mine.length === 0) continue;
      const nsField = type === 'Account' ? 'NetSuite_Id__c' : 'NetSuite_Sales_Order_Id__c';
      const ids = [...new Set(mine.flatMap((r) => (r.id !== undefined ? [r.id] : [])))];
      const keys = [...new Set(mine.flatMap((r) => (r.id === undefined && r.key !== undefined ? [r.key] : [])))];
      const ns = [...new Set(mine.flatMap((r) => (r.id === undefined && r.key === undefined && r.netsuite !== undefined ? [r.netsuite] : [])))];
      const psa = [...new Set(mine.flatMap((r) => (r.id === undefined && r.key === undefined && r.netsuite === undefined && r.psa !== undefined ? [r.psa] : [])))];
      const where = [ids.length > 0 ? 'Id IN :ids' : '', keys.length > 0 ? 'Syncwright_Key__c IN :keys' : '', ns.length > 0 ? `${nsField} IN :ns` : '', psa.length > 0 ? 'PSA_Project_Id__c IN :psa' : ''].filter((w) => w !== '');
      const select = ['Id', 'Syncwright_Key__c', nsField, ...(psa.length > 0 ? ['PSA_Project_Id__c'] : []), ...(multi ? ['CurrencyIsoCode'] : [])];
      const { records } = await client.query(`SELECT ${select.join(', ')} FROM ${type} WHERE ${where.join(' OR ')}`, { ...(ids.length > 0 ? { ids } : {}), ...(keys.length > 0 ? { keys } : {}), ...(ns.length > 0 ? { ns } : {}), ...(psa.length > 0 ? { psa } : {}) }, {}, { permitHeld });
      const found = (r: SObjectRecord): Found => ({ id: String(r['Id']), currency: multi && typeof r['CurrencyIsoCode'] === 'string' ? r['CurrencyIsoCode'] : this.context.corporateCurrency });
      for (const ref of mine) {
        let matches: SObjectRecord[];
        let what: string;
        if (ref.id !== undefined) {
          const id15 = ref.id.slice(0, 15);
          matches = records.filter((r) => String(r['Id']).slice(0, 15) === id15);
          what = `Id ${ref.id}`;
        } else if (ref.key !== undefined) {
          const k = ref.key.toLowerCase();
          matches = records.filter((r) => typeof r['Syncwright_Key__c'] === 'string' && r['Syncwright_Key__c'].toLowerCase() === k);
          what = `Syncwright_Key__c ${ref.key}`;
        } else if (ref.netsuite !== undefined) {
          matches = records.filter((r) => r[nsField] === ref.netsuite);
          what = `${nsField} ${ref.netsuite}`;
        } else {
          matches = records.filter((r) => ref.psa !== undefined && r['PSA_Project_Id__c'] === ref.psa);
          what = `PSA_Project_Id__c ${ref.psa ?? ''}`;
        }
        if (matches.length === 1) out.set(ref, found(matches[0]));
        else if (matches.length === 0) out.set(ref, dataError(`no ${type} has ${what}`, 'NOT_FOUND', [ref.field]));
        else out.set(ref, new SalesforceError(`${matches.length} ${type} records have ${what}`, { class: 'conflict', code: 'MULTIPLE_MATCHES', retryable: false, target: TARGET, fields: [ref.field] }));
      }
    }
    return out;
  }

  /**
   * Writes every record's fields in as few sObject Collections calls as Salesforce allows: writes to the same
   * Account or Opportunity are merged (the latest record by date, then by position, wins a field), Accounts and
   * Opportunities go in one call (two chunks), at most 200 records a call. A merged write Salesforce refuses is
   * sent again record by record, so only the record with the bad value fails.
   */
  private async writeInBulk(client: SalesforceClient, cap: Capability, planned: Array<Write[] | SyncError>, keys: ReadonlyArray<string | undefined>, dates: readonly string[], permitHeld: boolean): Promise<Array<UnitOutcome | SyncError>> {
    const outcome: Array<SyncError | undefined> = planned.map((p) => (p instanceof SyncError ? p : undefined));
    const refs = planned.flatMap((p) => (p instanceof SyncError ? [] : p.map((w) => w.ref)));
    const found = await this.resolve(client, refs, permitHeld);
    // Each record's writes with their target ids; a record whose target is unknown, ambiguous or in another currency fails alone.
    const targets: Array<Array<{ id: string; type: Target; fields: SObjectRecord }>> = planned.map((p, i) => {
      if (p instanceof SyncError) return [];
      const list: Array<{ id: string; type: Target; fields: SObjectRecord }> = [];
      for (const w of p) {
        const f = found.get(w.ref);
        if (f === undefined || f instanceof SyncError) {
          outcome[i] ??= f ?? dataError(`the ${w.ref.type} was not found`, 'NOT_FOUND', [w.ref.field]);
          return [];
        }
        if (w.currency !== undefined && f.currency !== undefined && w.currency !== f.currency) {
          outcome[i] ??= dataError(`the amounts are in ${w.currency}, but ${w.ref.type} ${f.id} is in ${f.currency} (Salesforce holds a record's amounts in its currency)`, 'CURRENCY_MISMATCH', [w.ref.field]);
          return [];
        }
        list.push({ id: f.id, type: w.ref.type, fields: w.fields });
      }
      return list;
    });
    const order = planned.map((_, i) => i).filter((i) => outcome[i] === undefined).sort((a, b) => ((dates[a] ?? '') < (dates[b] ?? '') ? -1 : (dates[a] ?? '') > (dates[b] ?? '') ? 1 : a - b));
    const merged = new Map<string, { type: Target; fields: SObjectRecord; contributors: number[] }>();
    for (const i of order) {
      for (const t of targets[i] ?? []) {
        const m = merged.get(t.id) ?? { type: t.type, fields: { Id: t.id }, contributors: [] };
        Object.assign(m.fields, t.fields);
        m.contributors.push(i);
        merged.set(t.id, m);
      }
    }
    const entries = [...merged.entries()];
    const results = entries.length === 0 ? [] : await client.updateRecords(entries.map(([, m]) => ({ type: m.type, fields: m.fields })), {}, { permitHeld });
    const failedBy = new Map<number, SyncError>();
    const retry: Array<Array<{ record: number; type: Target; fields: SObjectRecord }>> = [];
    entries.forEach(([id, m], k) => {
      const r: RecordOutcome | undefined = results[k];
      if (r?.ok) return;
      const error = r && !r.ok ? r.error : dataError(`no result for ${m.type} ${id}`, 'MISSING_RESULT');
      if (m.contributors.length === 1) {
        failedBy.set(m.contributors[0], error);
        return;
      }
      // Isolate: each contributor's own write, one per call for this record (never the same Id twice in a call).
      m.contributors.forEach((i, round) => {
        const own = (targets[i] ?? []).find((t) => t.id === id);
        if (own) (retry[round] ??= []).push({ record: i, type: m.type, fields: { Id: id, ...own.fields } });
      });
    });
    for (const round of retry) {
      const again = await client.updateRecords(round.map((w) => ({ type: w.type, fields: w.fields })), {}, { permitHeld });
      round.forEach((w, k) => {
        const r = again[k];
        if (!r?.ok && !failedBy.has(w.record)) failedBy.set(w.record, r && !r.ok ? r.error : dataError('no result', 'MISSING_RESULT'));
      });
    }
    return planned.map((_, i) => {
      const e = outcome[i] ?? failedBy.get(i);
      if (e !== undefined) return e;
      const ts = targets[i] ?? [];
      const account = ts.find((t) => t.type === 'Account')?.id;
      const opportunity = ts.find((t) => t.type === 'Opportunity')?.id;
      const key = keys[i];
      const result = this.result({ id: account ?? opportunity, ...(account !== undefined && opportunity !== undefined ? { opportunity } : {}), ...(key !== undefined ? { key } : {}), updated: ts.map((t) => `${t.type} ${t.id}`) });
      return { payload: result, results: { [cap.resultKey]: result }, summary: `updated ${ts.map((t) => t.type).join(' and ')}` };
    });
  }
}

/** The backend factory of the crm node: Salesforce connections only. */
export function salesforceBackend(connection: unknown, system: BackendSystem, _rule: LandscapeRule): RoleBackend {
  if (system !== 'salesforce' || !isSalesforceConnection(connection)) throw dataError(`crm is served by Salesforce connections only, not ${system}`, 'NO_CONNECTION', ['landscape']);
  return new SalesforceCrm(connection);
}
