// The cursor of a Salesforce poll by SystemModstamp. Salesforce keeps datetimes to the second: writes within one
// second share a SystemModstamp, and a record written in the second the last poll ended in may have a lower Id
// than the last record read, or be a record read then and written again. A cursor of (SystemModstamp, Id) alone
// would pass over both for good. So while that second may still receive writes, a poll reads it again and passes
// over only the records it already took from it unchanged (same Id, same content as read). Once Salesforce's clock
// (the answer's Date header) is CLOSED_AFTER_MS past the second's start, no write can land in it any more: the cursor
// drops what it took and goes on after (SystemModstamp, Id), so a second holding thousands of records (a mass
// update) is not read again on every poll, nor kept in the cursor.
import { createHash } from 'node:crypto';
import type { SalesforceClient, SObjectRecord } from './client.js';
import { parseSalesforceDateTime, SoqlDateTime, type SoqlValue } from './soql.js';

/** A second is closed when Salesforce's clock reads this long after its start: the second itself, and one more for a write still committing. */
export const CLOSED_AFTER_MS = 2000;

/** A cursor from the beginning of time. */
const EPOCH = new Date(0).toISOString();

export interface StampCursor {
  /** SystemModstamp of the last record read, ISO 8601 UTC with milliseconds. */
  ts: string;
  /** Its Id; absent for a cursor that only marks a point in time. */
  id?: string;
  /**
   * The records taken with SystemModstamp = ts: Id → fingerprint of the record as read. Present (the second may
   * still receive writes), the next poll reads from ts itself (`>=`); absent (the second is closed, or a cursor
   * stored by an earlier version), after (ts, id).
   */
  seen?: Record<string, string>;
}

/** SystemModstamp as ISO 8601 UTC with milliseconds, or undefined. */
export function stampOf(record: SObjectRecord): string | undefined {
  const stamp = record['SystemModstamp'];
  if (typeof stamp !== 'string') return undefined;
  const ms = parseSalesforceDateTime(stamp);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/**
 * What a record read says, in short: a record written again within its second reads differently. Without the
 * `attributes` Salesforce adds to every record and parent (their URL names the API version, which the connection
 * may change).
 */
export function fingerprintOf(record: SObjectRecord): string {
  const text = JSON.stringify(record, (key, value: unknown) => (key === 'attributes' ? undefined : value));
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** Whether Salesforce's clock says no write can land in the second `ts` any more. */
function closed(ts: string, serverTime: number | undefined): boolean {
  return serverTime !== undefined && serverTime >= Date.parse(ts) + CLOSED_AFTER_MS;
}

/** The cursor as the next poll needs it: after (ts, id) once its second is closed. */
function settle(cursor: StampCursor, serverTime: number | undefined): StampCursor {
  if (cursor.seen === undefined || !closed(cursor.ts, serverTime)) return cursor;
  return cursor.id === undefined ? { ts: cursor.ts } : { ts: cursor.ts, id: cursor.id };
}

/** The cursor's condition (and its parameters, added to `params`), or undefined from the beginning. */
export function stampCondition(cursor: StampCursor | undefined, params: Record<string, SoqlValue>): string | undefined {
  if (cursor === undefined) return undefined;
  params['ts'] = new SoqlDateTime(cursor.ts);
  if (cursor.seen !== undefined) return 'SystemModstamp >= :ts';
  if (cursor.id !== undefined) {
    params['id'] = cursor.id;
    return '(SystemModstamp > :ts OR (SystemModstamp = :ts AND Id > :id))';
  }
  return 'SystemModstamp > :ts';
}

/** LIMIT of a poll: a page of new records beyond those of the cursor's second read again. */
export function stampLimit(cursor: StampCursor | undefined, batchSize: number): number {
  return batchSize + Object.keys(cursor?.seen ?? {}).length;
}

/**
 * The cursor of a poll starting "now": after every record (of `where`, if given) of the latest second Salesforce
 * has, as they read now (its clock, not ours: no skew). `fields` are those the polls read, so a record of that
 * second written later reads differently.
 */
export async function stampCursorNow(client: SalesforceClient, object: string, fields: string[], where = ''): Promise<StampCursor> {
  const { records } = await client.query(`SELECT Id, SystemModstamp FROM ${object}${where === '' ? '' : ` WHERE ${where}`} ORDER BY SystemModstamp DESC, Id DESC LIMIT 1`);
  const latest = records[0];
  const ts = latest ? stampOf(latest) : undefined;
  if (!latest || ts === undefined) return { ts: EPOCH, seen: {} };
  const { records: atTs, serverTime } = await client.query(`SELECT ${fields.join(', ')} FROM ${object} WHERE SystemModstamp = :ts`, { ts: new SoqlDateTime(ts) });
  const seen: Record<string, string> = {};
  for (const r of atTs) if (typeof r['Id'] === 'string' && stampOf(r) === ts) seen[r['Id']] = fingerprintOf(r);
  return settle({ ts, id: String(latest['Id']), seen }, serverTime);
}

/**
 * The records of a poll (read with stampCondition, ORDER BY SystemModstamp, Id, LIMIT stampLimit) that are new,
 * the cursor after them, whether a full page came (more may wait), and the Ids of the fresh records that were
 * taken before within the same second and read differently now (written again within it: the same
 * SystemModstamp names two versions). `serverTime` is Salesforce's clock when it answered.
 */
export function advanceStampCursor(
  cursor: StampCursor | undefined,
  records: SObjectRecord[],
  batchSize: number,
  serverTime?: number,
): { fresh: SObjectRecord[]; next: StampCursor; more: boolean; rewritten: Set<string> } {
  const seen = cursor?.seen;
  // Fingerprints only of the records of the cursor's second (to compare) and of the last second read (to keep).
  const read = records.map((r) => ({ r, id: typeof r['Id'] === 'string' ? r['Id'] : undefined, ts: stampOf(r) }));
  const rewritten = new Set<string>();
  const fresh: SObjectRecord[] = [];
  for (const x of read) {
    const before = seen !== undefined && x.ts === cursor?.ts && x.id !== undefined ? seen[x.id] : undefined;
    if (before !== undefined && x.id !== undefined) {
      if (before === fingerprintOf(x.r)) continue;
      rewritten.add(x.id);
    }
    fresh.push(x.r);
  }
  const more = records.length >= stampLimit(cursor, batchSize);
  const last = read[read.length - 1];
  if (!last || last.ts === undefined || last.id === undefined) return { fresh, next: settle(cursor ?? { ts: EPOCH, seen: {} }, serverTime), more, rewritten };
  // A cursor without `seen` still in its second (closed, or of an earlier version): the records of that second
  // before its Id are not known by content, so it goes on after (ts, id) until a later second begins. A second
  // already over needs no record of what was taken in it either.
  if ((cursor !== undefined && seen === undefined && last.ts === cursor.ts) || closed(last.ts, serverTime)) return { fresh, next: { ts: last.ts, id: last.id }, more, rewritten };
  // The records of the last second read: those of the cursor's second taken before (when it is still the same),
  // and this page's, which are the first of that second by Id (the page is ordered by SystemModstamp, Id).
  const nextSeen: Record<string, string> = seen !== undefined && last.ts === cursor?.ts ? { ...seen } : {};
  for (const x of read) if (x.ts === last.ts && x.id !== undefined) nextSeen[x.id] = fingerprintOf(x.r);
  return { fresh, next: { ts: last.ts, id: last.id, seen: nextSeen }, more, rewritten };
}
