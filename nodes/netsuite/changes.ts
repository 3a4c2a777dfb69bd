// The NetSuite change feed of invoices and customer payments: SuiteQL on `lastmodifieddate` finds what changed,
// each change is read whole and mapped to a canonical Invoice or Payment. SuiteQL shows date-times as dates
// only, so the feed reads `TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS')` (the account's time zone).
//
// The cursor is the last second seen plus the ids (with their modified second) emitted within the look-back
// window before it. Each poll re-reads from `cursor − look-back`: a change saved in the same second as the last
// one emitted, or committed late with a slightly older timestamp, is still found, and one already emitted is
// recognised by (id, modified) and not emitted again. With the DurablePoller storing the cursor atomically
// with what it found, a restart neither misses nor repeats a change.
import { createEnvelope } from '../../canonical/index.js';
import { findMapping } from '../../canonical/mappings/index.js';
import type { NetSuiteMappingContext } from '../../canonical/mappings/netsuite/index.js';
import type { PollResult } from '../../runtime-plugins/engine/poller.js';
import { recordError } from '../../runtime-plugins/red/outcome.js';
import { isSyncError, SyncError } from '../../runtime-plugins/sync-error.js';
import type { NetSuiteClient } from './client/client.js';
import { SuiteQLTimestamp, type SuiteQLValue } from './client/suiteql.js';
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
    const customers = new Map<string, Promise<boolean>>();
    for (const row of batch) items.push(await this.itemFor(row, customers));
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

  /** The change as a message: the canonical object, or (output 2) why it could not be mapped. */
  private async itemFor(row: Row, customers: Map<string, Promise<boolean>>): Promise<FeedItem> {
    const kind = CHANGE_KINDS[this.kindOf(row.type)];
    const netsuite = { type: kind.recordType, id: row.id, modified: row.modified };
    const idempotencyKey = `netsuite:${kind.recordType}:${row.id}:${row.modified}`;
    let record: Record<string, unknown>;
    try {
      record = await this.client.get(kind.recordType, row.id, { expandSubResources: true });
    } catch (err) {
      // Deleted since it changed: reported on the failure output, and the feed moves on.
      if (isSyncError(err) && err.syncwright.status === 404) return this.failure(row, netsuite, idempotencyKey, kind.schema, asSyncError(err));
      throw err;
    }
    try {
      const mapping = findMapping('netsuite', kind.recordType);
      if (!mapping) throw new Error(`no mapping for ${kind.recordType}`);
      const [canonical] = mapping.fromVendor(record, this.options.context) as Array<Record<string, unknown>>;
      if (this.options.creditHold && kind.recordType === 'invoice' && (canonical['status'] === 'open' || canonical['status'] === 'partially-paid')) {
        if (await this.onCreditHold(record, customers)) canonical['status'] = 'credit-hold';
      }
      const businessKey = String(canonical['businessKey']);
      const sync = createEnvelope({ businessKey, schema: kind.schema, source: { system: 'netsuite', id: row.id }, idempotencyKey });
      return { msg: { topic: `netsuite.${kind.recordType}`, payload: canonical, sync, netsuite }, key: businessKey, correlationId: sync.correlationId, businessKey };
    } catch (err) {
      return this.failure(row, netsuite, idempotencyKey, kind.schema, asSyncError(err), record);
    }
  }

  private failure(row: Row, netsuite: Record<string, string>, idempotencyKey: string, schema: string, err: unknown, record?: Record<string, unknown>): FeedItem {
    const e = err instanceof SyncError ? err : new SyncError(err instanceof Error ? err.message : String(err), { class: 'data', code: 'MAPPING_ERROR', retryable: false, target: 'netsuite' });
    const businessKey = `netsuite:${netsuite['type']}:${row.id}`;
    const sync = { ...createEnvelope({ businessKey, schema, source: { system: 'netsuite', id: row.id }, idempotencyKey }), error: recordError(e) };
    return { msg: { topic: `netsuite.${String(netsuite['type'])}`, payload: record ?? null, sync, netsuite }, key: businessKey, correlationId: sync.correlationId, businessKey };
  }

  /** Whether the invoice's customer (the project's customer for a project) is on credit hold. */
  private onCreditHold(invoice: Record<string, unknown>, customers: Map<string, Promise<boolean>>): Promise<boolean> {
    const entity = invoice['entity'] as { id?: unknown; links?: Array<{ href?: unknown }> } | undefined;
    const id = typeof entity?.id === 'string' ? entity.id : undefined;
    if (id === undefined) return Promise.resolve(false);
    const href = entity?.links?.[0]?.href;
    const isProject = typeof href === 'string' && /\/record\/v1\/job\//i.test(href);
    const key = `${isProject ? 'job' : 'customer'}:${id}`;
    let known = customers.get(key);
    if (!known) {
      known = (async () => {
        let customerId = id;
        if (isProject) {
          const job = await this.client.get('job', id, { fields: ['parent'] });
          const parent = job['parent'] as { id?: unknown } | undefined;
          if (typeof parent?.id !== 'string') return false;
          customerId = parent.id;
        }
        const customer = await this.client.get('customer', customerId, { fields: ['creditHoldOverride'] });
        const hold = customer['creditHoldOverride'] as { id?: unknown } | undefined;
        return hold?.id === 'ON';
      })();
      customers.set(key, known);
    }
    return known;
  }
}
