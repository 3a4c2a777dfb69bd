// The SystemModstamp cursor of the Salesforce pollers: a second read again, records taken from it passed over.
import assert from 'node:assert/strict';
import type { SObjectRecord } from '../../nodes/salesforce/client/client.js';
import { advanceStampCursor, stampCondition, stampLimit, type StampCursor } from '../../nodes/salesforce/client/stamp-cursor.js';
import type { SoqlValue } from '../../nodes/salesforce/client/soql.js';

const S = '2026-03-01T10:00:00.000+0000';
const S_ISO = '2026-03-01T10:00:00.000Z';
const T = '2026-03-01T10:00:01.000+0000';
const T_ISO = '2026-03-01T10:00:01.000Z';
const rec = (id: string, stamp: string, extra: Record<string, unknown> = {}): SObjectRecord => ({ attributes: { type: 'Opportunity' }, Id: id, Name: id, SystemModstamp: stamp, ...extra });

/** What a sandbox-like org answers a poll: records after the cursor, ordered, limited. */
function answer(org: SObjectRecord[], cursor: StampCursor | undefined, batchSize: number): SObjectRecord[] {
  const params: Record<string, SoqlValue> = {};
  const cond = stampCondition(cursor, params);
  const ms = (r: SObjectRecord) => Date.parse(String(r['SystemModstamp']).replace('+0000', 'Z'));
  const at = cursor ? Date.parse(cursor.ts) : -Infinity;
  const after = org.filter((r) => {
    if (cond === undefined) return true;
    if (cond.startsWith('SystemModstamp >=')) return ms(r) >= at;
    if (cond.startsWith('(SystemModstamp >')) return ms(r) > at || (ms(r) === at && String(r['Id']) > String(cursor?.id));
    return ms(r) > at;
  });
  after.sort((a, b) => ms(a) - ms(b) || (String(a['Id']) < String(b['Id']) ? -1 : 1));
  return after.slice(0, stampLimit(cursor, batchSize));
}

/** Polls until caught up; the Ids taken, in order. */
function drain(org: SObjectRecord[], start: StampCursor | undefined, batchSize: number): { taken: string[]; cursor: StampCursor | undefined } {
  let cursor = start;
  const taken: string[] = [];
  for (let i = 0; i < 100; i++) {
    const { fresh, next, more } = advanceStampCursor(cursor, answer(org, cursor, batchSize), batchSize);
    taken.push(...fresh.map((r) => String(r['Id'])));
    cursor = next;
    if (!more) break;
  }
  return { taken, cursor };
}

describe('Salesforce SystemModstamp cursor', () => {
  it('takes a second holding more records than a page, page by page, each once', () => {
    const org = ['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => rec(id, S)).concat([rec('b1', T)]);
    const { taken, cursor } = drain(org, undefined, 2);
    assert.deepEqual(taken, ['a1', 'a2', 'a3', 'a4', 'a5', 'b1']);
    assert.deepEqual({ ts: cursor?.ts, seen: Object.keys(cursor?.seen ?? {}) }, { ts: T_ISO, seen: ['b1'] });
    // Nothing new: nothing again.
    assert.deepEqual(drain(org, cursor, 2).taken, []);
  });

  it("takes a record written in the cursor's second after the poll: a lower Id, or one read then and written again", () => {
    const org = [rec('a2', S), rec('a3', S)];
    const first = drain(org, undefined, 10);
    assert.deepEqual(first.taken, ['a2', 'a3']);
    org.push(rec('a1', S));
    org[0] = rec('a2', S, { Name: 'renamed' });
    const second = drain(org, first.cursor, 10);
    assert.deepEqual(second.taken, ['a1', 'a2']);
    assert.deepEqual(drain(org, second.cursor, 10).taken, []);
  });

  it('goes on from a cursor of the earlier version (ts and Id) without taking its second again', () => {
    const org = [rec('a1', S), rec('a2', S), rec('a3', S), rec('b1', T)];
    const legacy: StampCursor = { ts: S_ISO, id: 'a2' };
    const step = advanceStampCursor(legacy, answer(org, legacy, 1), 1);
    assert.deepEqual(step.fresh.map((r) => r['Id']), ['a3']);
    assert.deepEqual(step.next, { ts: S_ISO, id: 'a3' }, 'still in its second: still after (ts, Id)');
    const rest = drain(org, step.next, 1);
    assert.deepEqual(rest.taken, ['b1']);
    assert.deepEqual(Object.keys(rest.cursor?.seen ?? {}), ['b1']);
  });
});

describe('Salesforce SystemModstamp cursor, once the second is over', () => {
  const after = (ts: string, ms: number) => Date.parse(ts.replace('+0000', 'Z')) + ms;

  it("drops the second's records once Salesforce's clock is past it, and pages a large second by Id", () => {
    const org = ['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => rec(id, S));
    // Still open: the cursor keeps what it took and reads the second again.
    const open = advanceStampCursor(undefined, answer(org, undefined, 2), 2, after(S, 1500));
    assert.deepEqual(Object.keys(open.next.seen ?? {}), ['a1', 'a2']);
    // Over (two seconds past its start): after (ts, Id), with a page of 2, however many the second holds.
    const closed = advanceStampCursor(undefined, answer(org, undefined, 2), 2, after(S, 2000));
    assert.deepEqual(closed.next, { ts: S_ISO, id: 'a2' });
    let cursor: StampCursor = closed.next;
    const taken = closed.fresh.map((r) => r['Id']);
    for (let i = 0; i < 5; i++) {
      const page = answer(org, cursor, 2);
      assert.ok(page.length <= 2, 'a page of the batch size, not the second again');
      const step = advanceStampCursor(cursor, page, 2, after(S, 5000));
      taken.push(...step.fresh.map((r) => r['Id']));
      cursor = step.next;
      if (!step.more) break;
    }
    assert.deepEqual(taken, ['a1', 'a2', 'a3', 'a4', 'a5']);
    assert.equal(cursor.seen, undefined);
  });

  it('names the records written again within the second they were taken in', () => {
    const first = advanceStampCursor(undefined, [rec('a1', S), rec('a2', S)], 10, after(S, 100));
    const again = advanceStampCursor(first.next, [rec('a1', S), rec('a2', S, { Name: 'v2' }), rec('a3', S)], 10, after(S, 900));
    assert.deepEqual(again.fresh.map((r) => r['Id']), ['a2', 'a3']);
    assert.deepEqual([...again.rewritten], ['a2']);
  });

  it('reads a record the same whatever API version its attributes name', () => {
    const a = { attributes: { type: 'Account', url: '/services/data/v61.0/sobjects/Account/001' }, Id: '001', Name: 'A', SystemModstamp: S, Parent: { attributes: { type: 'Account', url: '/services/data/v61.0/x' }, Name: 'P' } };
    const b = { attributes: { type: 'Account', url: '/services/data/v62.0/sobjects/Account/001' }, Id: '001', Name: 'A', SystemModstamp: S, Parent: { attributes: { type: 'Account', url: '/services/data/v62.0/x' }, Name: 'P' } };
    const first = advanceStampCursor(undefined, [a], 10, after(S, 100));
    assert.deepEqual(advanceStampCursor(first.next, [b], 10, after(S, 200)).fresh, []);
  });
});
