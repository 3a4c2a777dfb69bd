// The closed-won poll, without Node-RED: Opportunities with IsWon = true (or, watching every opportunity, those
// matching the flow's condition) changed since the cursor, in (SystemModstamp, Id) order, with their line items, as
// canonical opportunities with msg.sync. The cursor (stamp-cursor.ts) reads its second again, so records sharing
// a timestamp with the last one read, or written within its second after the poll, are neither skipped nor read twice.
import { createEnvelope } from '../../canonical/index.js';
import type { SalesforceMappingContext } from '../../canonical/mappings/salesforce/index.js';
import type { PollResult } from '../../runtime-plugins/engine/poller.js';
import type { Store, WriteOp } from '../../runtime-plugins/engine/store.js';
import { recordError } from '../../runtime-plugins/red/outcome.js';
import { fromSalesforce, mappingFailure } from './client/canonical.js';
import type { SalesforceClient, SObjectRecord } from './client/client.js';
import { readFields } from './client/objects.js';
import { attachLineItems } from './client/opportunity.js';
import { checkWhereCondition, type SoqlParams } from './client/soql.js';
import { advanceStampCursor, stampCondition, stampCursorNow, stampLimit, stampOf, type StampCursor } from './client/stamp-cursor.js';

export type ClosedWonCursor =
  | StampCursor
  /** "Start from now", until the first poll asks Salesforce where now is (its clock, not ours). */
  | { from: 'now' };

export const START_FROM_NOW: ClosedWonCursor = { from: 'now' };

export const CLOSED_WON_TOPIC = 'salesforce/opportunity/closed-won';
/** Topic of an opportunity a trigger watching every opportunity sends. */
export const CHANGED_TOPIC = 'salesforce/opportunity/changed';

/** Which opportunities a trigger watches: won ones (closed-won), or every one (open, won, lost). */
export type OpportunityWatch = 'won' | 'all';

/**
 * The SOQL condition of the opportunities a trigger watches: `IsWon = true` for won ones, and the flow's own
 * condition (e.g. `Resource_Needs__c != null`), ANDed in parentheses. Empty: every opportunity.
 */
export function watchCondition(watch: OpportunityWatch, condition = ''): string {
  const own = condition.trim();
  checkWhereCondition(own);
  const base = watch === 'won' ? 'IsWon = true' : '';
  if (own === '') return base;
  return base === '' ? `(${own})` : `${base} AND (${own})`;
}

/** Topic of an opportunity that could not be mapped (the trigger's topic + `/unmappable`): reported as an error, with the record. */
export const isUnmappableTopic = (topic: unknown): boolean => typeof topic === 'string' && topic.endsWith('/unmappable');

export interface ClosedWonOptions {
  client: SalesforceClient;
  context: SalesforceMappingContext;
  /** Records per poll (LIMIT). */
  batchSize: number;
  /** `once`: an opportunity is emitted when first seen won, not again when edited later. */
  emit: 'once' | 'every-change';
  /** Where `once` remembers the opportunities already emitted. */
  store: Store;
  /** The opportunities watched (`watchCondition`); default `IsWon = true`. */
  where?: string;
  /** Topic of the messages; default `salesforce/opportunity/closed-won`. */
  topic?: string;
  /** Key prefix of those marks, unique to the node. */
  markPrefix: string;
}

/** The SOQL of one poll and its parameters. */
export function closedWonQuery(cursor: Exclude<ClosedWonCursor, { from: 'now' }> | undefined, multiCurrency: boolean, batchSize: number, watched = 'IsWon = true'): { soql: string; params: SoqlParams } {
  const fields = readFields('Opportunity', multiCurrency).join(', ');
  const params: Record<string, SoqlParams[string]> = { n: stampLimit(cursor, batchSize) };
  const where = watched === '' ? [] : [watched];
  const after = stampCondition(cursor, params);
  if (after !== undefined) where.push(after);
  return { soql: `SELECT ${fields} FROM Opportunity${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY SystemModstamp, Id LIMIT :n`, params };
}

/** A poller's `poll`: reads the next page of won opportunities after the cursor. */
export function closedWonPoll(options: ClosedWonOptions): (cursor: ClosedWonCursor | undefined) => Promise<PollResult<ClosedWonCursor>> {
  const poll = async (stored: ClosedWonCursor | undefined): Promise<PollResult<ClosedWonCursor>> => {
    if (stored !== undefined && 'from' in stored) {
      // "Now" is after the last won opportunity Salesforce has.
      return { items: [], cursor: await stampCursorNow(options.client, 'Opportunity', readFields('Opportunity', options.context.multiCurrency), options.where ?? 'IsWon = true') };
    }
    const cursor = stored;
    const { soql, params } = closedWonQuery(cursor, options.context.multiCurrency, options.batchSize, options.where);
    const { records, serverTime } = await options.client.query(soql, params);
    const advanced = advanceStampCursor(cursor, records, options.batchSize, serverTime);
    const next: ClosedWonCursor = advanced.next;
    let fresh = advanced.fresh;
    if (options.emit === 'once' && fresh.length > 0) {
      const marks = await options.store.getMany(fresh.map((r) => `${options.markPrefix}${String(r['Id'])}`));
      fresh = fresh.filter((_, i) => marks[i] === undefined);
    }
    const withLines = fresh.length > 0 ? await attachLineItems(options.client, fresh) : [];
    const items = withLines.map((record) => toItem(record, options.context, options.topic ?? CLOSED_WON_TOPIC));
    // Emitted opportunities are remembered in the same atomic write as the stored items and the cursor: a crash
    // can leave neither a mark without its message nor a message without its mark.
    const at = new Date().toISOString();
    const ops: WriteOp[] = options.emit === 'once' ? fresh.map((r) => ({ type: 'put', key: `${options.markPrefix}${String(r['Id'])}`, value: { at } })) : [];
    return { items, cursor: next, more: advanced.more, ...(ops.length > 0 ? { ops } : {}) };
  };
  return poll;
}

function toItem(record: SObjectRecord, context: SalesforceMappingContext, topic: string): PollResult<ClosedWonCursor>['items'][number] {
  const id = String(record['Id']);
  const occurredAt = stampOf(record);
  try {
    const [canonical] = fromSalesforce('Opportunity', record, { context }) as Array<{ businessKey: string }>;
    const businessKey = (canonical).businessKey;
    const sync = createEnvelope({ businessKey, schema: 'syncwright/opportunity@1', source: { system: 'salesforce', id }, ...(occurredAt ? { occurredAt } : {}) });
    return { msg: { topic, payload: canonical, sync }, key: businessKey, correlationId: sync.correlationId, businessKey };
  } catch (err) {
    // Not emitted as an opportunity, never silently dropped: reported with the record so a Catch node sees it.
    const businessKey = typeof record['Syncwright_Key__c'] === 'string' ? record['Syncwright_Key__c'] : `opp:${id}`;
    const sync = { ...createEnvelope({ businessKey, schema: 'syncwright/opportunity@1', source: { system: 'salesforce', id }, ...(occurredAt ? { occurredAt } : {}) }), error: recordError(mappingFailure(err)) };
    return { msg: { topic: `${topic}/unmappable`, payload: record, sync }, key: businessKey, correlationId: sync.correlationId, businessKey };
  }
}
