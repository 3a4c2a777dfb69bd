// The NetSuite change feed of invoices and customer payments: SuiteQL on `lastmodifieddate` finds what changed,
// each change is read whole and mapped to a canonical Invoice or Payment. SuiteQL shows date-times as dates
// only, so the feed reads `TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS')` (the account's time zone).
//
// The cursor is the last second seen plus the ids (with their modified second) emitted within the look-back
// window before it. Each poll re-reads from `cursor − look-back`: a change saved in the same second as the last
// one emitted, or committed late with a slightly older timestamp, is still found, and one already emitted is
// recognised by (id, modified) and not emitted again. With the DurablePoller storing the cursor atomically
// with what it found, a restart neither misses nor repeats a change.
import { createEnvelope, validateCanonical } from '../../canonical/index.js';
import { findMapping } from '../../canonical/mappings/index.js';
import type { NetSuiteMappingContext } from '../../canonical/mappings/netsuite/index.js';
import type { PollResult } from '../../runtime-plugins/engine/poller.js';
import { recordError } from '../../runtime-plugins/red/outcome.js';
import { isSyncError, SyncError } from '../../runtime-plugins/sync-error.js';
import type { NetSuiteClient } from './client/client.js';
import { SuiteQLTimestamp, type SuiteQLValue } from './client/suiteql.js';
import { customerCache, opportunityOf, opportunityTotals, withCustomer, withOpportunityTotals, type CustomerSummary, type OpportunityTotals } from './billing-context.js';
import { asSyncError } from './operation.js';

export const CHANGE_KINDS = {
  invoice: { transactionType: 'CustInvc', recordType: 'invoice', schema: 'syncwright/invoice@1' },
  payment: { transactionType: 'CustPymt', recordType: 'customerPayment', schema: 'syncwright/payment@1' },
} as const;
export type ChangeKind = keyof typeof CHANGE_KINDS;

export interface ChangeCursor {
  /** The latest modified second emitted, `YYYY-MM-DD HH24:MI:SS`; '' before the first change. */
  at: string;
  /** Internal id → modified second, for changes emitted within the look-back window before `at`. */
  seen: Record<string, string>;
  /** Set once the start position is known ("now" resolves on the first poll). */
  started: boolean;
}

export interface ChangeFeedOptions {
  kinds: readonly ChangeKind[];
  context: NetSuiteMappingContext;
  /** Seconds re-read before the cursor each poll (default 60). */
  lookbackSeconds?: number;
  /** At most this many changes per poll; the rest come at once in the next (default 200). */
  maxPerPoll?: number;
  /** Read the customer of open invoices and report those on credit hold as status `credit-hold`. */
  creditHold?: boolean;
  /**
   * Complete each change for a CRM: the account's business key, Salesforce id, open balance and credit hold
   * (`custom.accountOpenBalance`, `custom.creditHold`), and for an invoice naming an opportunity its invoiced and
   * paid totals (`custom.opportunityAmountInvoiced`, `custom.opportunityAmountPaid`).
   */
  rollups?: boolean;
  /** A payment also reports the invoices it pays (read again, as invoice changes), so their paid state travels. */
  paidInvoices?: boolean;
}

const MODIFIED = "TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS')";

/** `YYYY-MM-DD HH24:MI:SS` minus some seconds, as text in the same (account) time zone. */
export function secondsBefore(at: string, seconds: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(at);
  if (!m) return '';
  const t = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) - seconds * 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())}`;
}

export function initialCursor(startFrom: 'now' | 'all'): ChangeCursor {
  return { at: '', seen: {}, started: startFrom === 'all' };
}

type FeedItem = PollResult<ChangeCursor>['items'][number];

interface Row {
  id: string;
  type: string;
  modified: string;
}

/** Per-poll memos: each customer and each opportunity's totals are read once a poll. */
interface PollCaches {
  customer: (record: Record<string, unknown>) => Promise<CustomerSummary | undefined>;
  totals: Map<string, Promise<OpportunityTotals | undefined>>;
}

interface Found {
  item: FeedItem;
  /** The NetSuite record read (absent when it was deleted since). */
  record?: Record<string, unknown>;
}

export class NetSuiteChangeFeed {
  private readonly lookback: number;
  private readonly maxPerPoll: number;

  constructor(
    private readonly client: NetSuiteClient,
    private readonly options: ChangeFeedOptions,
  ) {
    if (options.kinds.length === 0) throw new Error('choose invoices, payments or both');
    this.lookback = options.lookbackSeconds ?? 60;
    this.maxPerPoll = options.maxPerPoll ?? 200;
  }

  private get transactionTypes(): string[] {
    return this.options.kinds.map((k) => CHANGE_KINDS[k].transactionType);
  }

  /** One poll from `cursor`: the changes found, mapped, and the cursor after them. */
  async poll(cursor: ChangeCursor | undefined): Promise<PollResult<ChangeCursor>> {
    const current = cursor ?? initialCursor('now');
    if (!current.started) return { items: [], cursor: await this.startNow() };
    const from = current.at === '' ? '' : secondsBefore(current.at, this.lookback);
    const rows = await this.changedSince(from);
    const fresh = rows.filter((r) => current.seen[r.id] !== r.modified);
    const batch = fresh.slice(0, this.maxPerPoll);
    const items: FeedItem[] = [];
    const caches: PollCaches = { customer: customerCache(this.client), totals: new Map() };
    const inBatch = new Set(batch.filter((r) => r.type === CHANGE_KINDS.invoice.transactionType).map((r) => r.id));
    for (const row of batch) {
      const found = await this.itemFor(row, caches);
      items.push(found.item);
      if (this.options.paidInvoices && found.record !== undefined && row.type === CHANGE_KINDS.payment.transactionType) {
        // The invoices this payment pays changed state with it; those changed in this poll are sent already.
        for (const invoiceId of paidInvoiceIds(found.record)) {
          if (inBatch.has(invoiceId)) continue;
          inBatch.add(invoiceId);
          items.push((await this.itemFor({ id: invoiceId, type: CHANGE_KINDS.invoice.transactionType, modified: row.modified }, caches, row.id)).item);
        }
      }
    }
    let at = current.at;
    const seen: Record<string, string> = { ...current.seen };
    for (const row of batch) {
      seen[row.id] = row.modified;
      if (row.modified > at) at = row.modified;
    }
    // Keep only what the next look-back can see again.
    const keepFrom = secondsBefore(at, this.lookback);
    for (const [id, modified] of Object.entries(seen)) if (modified < keepFrom) delete seen[id];
    return { items, cursor: { at, seen, started: true }, more: fresh.length > batch.length };
  }

  /** "Now": after the newest change that exists, every change of that second counted as seen. */
  private async startNow(): Promise<ChangeCursor> {
    const newest = await this.client.query(`SELECT id, ${MODIFIED} AS modified FROM transaction WHERE type IN :types ORDER BY lastmodifieddate DESC, id DESC`, { types: this.transactionTypes }, { pageSize: 1, maxResults: 1 });
    const at = newest.items[0]?.['modified'];
    if (at === undefined) return { at: '', seen: {}, started: true };
    const seen: Record<string, string> = {};
    for (const row of await this.changedSince(secondsBefore(at, this.lookback))) seen[row.id] = row.modified;
    return { at, seen, started: true };
  }

  private async changedSince(from: string): Promise<Row[]> {
    const since = from === '' ? '' : ' AND lastmodifieddate >= :from';
    const params: Record<string, SuiteQLValue> = { types: this.transactionTypes };
    if (from !== '') params['from'] = new SuiteQLTimestamp(from);
    const r = await this.client.query(`SELECT id, type, ${MODIFIED} AS modified FROM transaction WHERE type IN :types${since} ORDER BY lastmodifieddate, id`, params);
    return r.items.filter((i): i is Record<string, string> & Row => typeof i['id'] === 'string' && typeof i['modified'] === 'string' && typeof i['type'] === 'string');
  }

  private kindOf(transactionType: string): ChangeKind {
    return transactionType === CHANGE_KINDS.payment.transactionType ? 'payment' : 'invoice';
  }

  /**
   * The change as a message: the canonical object, or (output 2) why it could not be mapped. `paidBy` names the
   * payment whose change this invoice is reported for (its key then says so, and its own cursor is untouched).
   */
  private async itemFor(row: Row, caches: PollCaches, paidBy?: string): Promise<Found> {
    const kind = CHANGE_KINDS[this.kindOf(row.type)];
    const netsuite: Record<string, string> = { type: kind.recordType, id: row.id, modified: row.modified, ...(paidBy !== undefined ? { paidBy } : {}) };
    const idempotencyKey = paidBy === undefined ? `netsuite:${kind.recordType}:${row.id}:${row.modified}` : `netsuite:${kind.recordType}:${row.id}:paid-by:${paidBy}:${row.modified}`;
    let record: Record<string, unknown>;
    try {
      record = await this.client.get(kind.recordType, row.id, { expandSubResources: true });
    } catch (err) {
      // Deleted since it changed: reported on the failure output, and the feed moves on.
      if (isSyncError(err) && err.syncwright.status === 404) return { item: this.failure(row, netsuite, idempotencyKey, kind.schema, asSyncError(err)) };
      throw err;
    }
    try {
      const mapping = findMapping('netsuite', kind.recordType);
      if (!mapping) throw new Error(`no mapping for ${kind.recordType}`);
      const [mapped] = mapping.fromVendor(record, this.options.context) as Array<Record<string, unknown>>;
      let canonical: Record<string, unknown> = mapped ?? {};
      const isInvoice = kind.recordType === 'invoice';
      const open = canonical['status'] === 'open' || canonical['status'] === 'partially-paid';
      if (this.options.rollups || (this.options.creditHold && isInvoice && open)) {
        const customer = await caches.customer(record);
        if (customer !== undefined) {
          if (this.options.rollups) canonical = withCustomer(canonical, customer, isInvoice, this.options.creditHold === true);
          else if (customer.onHold) canonical['status'] = 'credit-hold';
        }
      }
      const opportunity = this.options.rollups && isInvoice ? opportunityOf(canonical) : undefined;
      if (opportunity !== undefined) {
        const key = JSON.stringify(opportunity);
        let totals = caches.totals.get(key);
        if (!totals) {
          totals = opportunityTotals(this.client, opportunity);
          caches.totals.set(key, totals);
        }
        const t = await totals;
        if (t !== undefined && t.invoices > 0) canonical = withOpportunityTotals(canonical, t);
      }
      const checked = validateCanonical(kind.schema, canonical);
      if (!checked.ok) throw new SyncError(`NetSuite ${kind.recordType} ${row.id} reads as an invalid ${kind.schema}: ${checked.errors[0]?.path ?? ''} ${checked.errors[0]?.message ?? ''}`, { class: 'data', code: 'MAPPING_ERROR', retryable: false, target: 'netsuite', fields: [checked.errors[0]?.path ?? ''] });
      const payload = checked.value as Record<string, unknown>;
      const businessKey = String(payload['businessKey']);
      const sync = createEnvelope({ businessKey, schema: kind.schema, source: { system: 'netsuite', id: row.id }, idempotencyKey });
      return { item: { msg: { topic: `netsuite.${kind.recordType}`, payload, sync, netsuite }, key: businessKey, correlationId: sync.correlationId, businessKey }, record };
    } catch (err) {
      return { item: this.failure(row, netsuite, idempotencyKey, kind.schema, asSyncError(err), record), record };
    }
  }

  private failure(row: Row, netsuite: Record<string, string>, idempotencyKey: string, schema: string, err: unknown, record?: Record<string, unknown>): FeedItem {
    const e = err instanceof SyncError ? err : new SyncError(err instanceof Error ? err.message : String(err), { class: 'data', code: 'MAPPING_ERROR', retryable: false, target: 'netsuite' });
    const businessKey = `netsuite:${netsuite['type']}:${row.id}`;
    const sync = { ...createEnvelope({ businessKey, schema, source: { system: 'netsuite', id: row.id }, idempotencyKey }), error: recordError(e) };
    return { msg: { topic: `netsuite.${String(netsuite['type'])}`, payload: record ?? null, sync, netsuite }, key: businessKey, correlationId: sync.correlationId, businessKey };
  }
}

/** Internal ids of the invoices a customer payment applies to. */
function paidInvoiceIds(payment: Record<string, unknown>): string[] {
  const apply = payment['apply'] as { items?: unknown } | undefined;
  const lines = Array.isArray(apply?.items) ? (apply.items as Array<Record<string, unknown>>) : [];
  const ids = lines.flatMap((l) => {
    const doc = l['doc'] as { id?: unknown } | undefined;
    return l['apply'] !== false && typeof doc?.id === 'string' ? [doc.id] : [];
  });
  return [...new Set(ids)];
}
