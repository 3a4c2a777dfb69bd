// The cursor of a Salesforce poll by SystemModstamp. Salesforce keeps datetimes to the second: writes within one
// second share a SystemModstamp, and a record written in the second the last poll ended in may have a lower Id
// than the last record read, or be a record read then and written again. A cursor of (SystemModstamp, Id) alone
// would pass over both for good. So a poll reads the cursor's second again and passes over only the records it
// already took from that second unchanged (same Id, same content as read).
import { createHash } from 'node:crypto';
import type { SObjectRecord } from './client.js';
import { parseSalesforceDateTime, SoqlDateTime, type SoqlValue } from './soql.js';

export interface StampCursor {
  /** SystemModstamp of the last record read, ISO 8601 UTC with milliseconds. */
  ts: string;
  /** Its Id; absent for a cursor that only marks a point in time. */
  id?: string;
  /**
   * The records taken with SystemModstamp = ts: Id → fingerprint of the record as read. Present, the next poll
   * reads from ts itself (`>=`); absent (a cursor stored by an earlier version), after (ts, id) as before.
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

/** What a record read says, in short: a record written again within its second reads differently. */
export function fingerprintOf(record: SObjectRecord): string {
  return createHash('sha256').update(JSON.stringify(record)).digest('base64url').slice(0, 22);
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

/** The cursor that marks where a poll starting "now" begins: after every record of the latest second, as they read now. */
export function stampCursorAt(ts: string, id: string, atTs: SObjectRecord[]): StampCursor {
  const seen: Record<string, string> = {};
  for (const r of atTs) if (typeof r['Id'] === 'string' && stampOf(r) === ts) seen[r['Id']] = fingerprintOf(r);
  return { ts, id, seen };
}

/**
 * The records of a poll (read with stampCondition, ORDER BY SystemModstamp, Id, LIMIT stampLimit) that are new,
 * the cursor after them, and whether a full page came (more may wait).
 */
export function advanceStampCursor(cursor: StampCursor | undefined, records: SObjectRecord[], batchSize: number): { fresh: SObjectRecord[]; next: StampCursor; more: boolean } {
  const seen = cursor?.seen ?? {};
  const read = records.map((r) => ({ r, id: typeof r['Id'] === 'string' ? r['Id'] : undefined, ts: stampOf(r), fp: fingerprintOf(r) }));
  const fresh = read.filter((x) => !(cursor?.seen !== undefined && x.ts === cursor.ts && x.id !== undefined && seen[x.id] === x.fp)).map((x) => x.r);
  const more = records.length >= stampLimit(cursor, batchSize);
  const last = read[read.length - 1];
  if (!last || last.ts === undefined || last.id === undefined) return { fresh, next: cursor ?? { ts: new Date(0).toISOString(), seen: {} }, more };
  // A cursor of an earlier version still in its second: the records of that second before its Id are not known
  // by content, so it goes on after (ts, id) until a later second begins.
  if (cursor !== undefined && cursor.seen === undefined && last.ts === cursor.ts) return { fresh, next: { ts: last.ts, id: last.id }, more };
  // The records of the last second read: those of the cursor's second taken before (when it is still the same),
  // and this page's, which are the first of that second by Id (the page is ordered by SystemModstamp, Id).
  const nextSeen: Record<string, string> = cursor?.seen !== undefined && last.ts === cursor.ts ? { ...seen } : {};
  for (const x of read) if (x.ts === last.ts && x.id !== undefined) nextSeen[x.id] = x.fp;
  return { fresh, next: { ts: last.ts, id: last.id, seen: nextSeen }, more };
}
