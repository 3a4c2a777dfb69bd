import assert from 'node:assert/strict';
import { IdempotencyLedger, type ClaimOptions } from '../../../runtime-plugins/engine/ledger.js';
import { MemoryStore } from '../../../runtime-plugins/engine/memory-store.js';

class TestClock {
  t = Date.parse('2026-01-01T00:00:00Z');
  now(): number {
    return this.t;
  }
}

describe('idempotency ledger', () => {
  let store: MemoryStore;
  let clock: TestClock;
  let ledger: IdempotencyLedger;
  const opts: ClaimOptions = { leaseMs: 60_000, retentionMs: 30 * 86_400_000, onFingerprintChange: 'conflict', fingerprint: 'f1' };
  beforeEach(() => {
    store = new MemoryStore();
    clock = new TestClock();
    ledger = new IdempotencyLedger(store, clock, (e) => {
      throw e;
    });
  });

  it('claims a new key, reports it in flight to a second caller, and replays the stored result once completed', async () => {
    const first = await ledger.claim('s', 'opp:1', opts);
    assert.equal(first.outcome, 'claimed');
    assert.equal((await ledger.claim('s', 'opp:1', opts)).outcome, 'in-flight');
    assert.equal(await ledger.complete('s', 'opp:1', first.entry.claimId, { netsuite: '42' }, opts.retentionMs), true);
    const dup = await ledger.claim('s', 'opp:1', opts);
    assert.equal(dup.outcome, 'duplicate');
    assert.deepEqual(dup.entry.result, { netsuite: '42' });
  });

  it('lets only one of many concurrent claims of one key through', async () => {
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => ledger.claim('s', 'k', opts)));
    assert.equal(outcomes.filter((o) => o.outcome === 'claimed').length, 1);
    assert.equal(outcomes.filter((o) => o.outcome === 'in-flight').length, 49);
  });

  it('reports a conflict for the same key with another fingerprint, or runs it as a new version', async () => {
    const c = await ledger.claim('s', 'k', opts);
    await ledger.complete('s', 'k', c.entry.claimId, 'r1', opts.retentionMs);
    assert.equal((await ledger.claim('s', 'k', { ...opts, fingerprint: 'f2' })).outcome, 'conflict');
    const v2 = await ledger.claim('s', 'k', { ...opts, fingerprint: 'f2', onFingerprintChange: 'new-version' });
    assert.equal(v2.outcome, 'claimed');
    assert.equal(v2.entry.version, 2);
  });

  it('releases a claim on failure so a retry can run, and ignores a stale claim id', async () => {
    const c = await ledger.claim('s', 'k', opts);
    assert.equal(await ledger.release('s', 'k', 'not-mine'), false);
    assert.equal(await ledger.release('s', 'k', c.entry.claimId), true);
    assert.equal((await ledger.claim('s', 'k', opts)).outcome, 'claimed');
    assert.equal(await ledger.complete('s', 'k', c.entry.claimId, 'late', opts.retentionMs), false, 'the old holder cannot complete');
  });

  it('makes a key claimable again when its holder crashed and the lease expired', async () => {
    await ledger.claim('s', 'k', opts);
    clock.t += 59_000;
    assert.equal((await ledger.claim('s', 'k', opts)).outcome, 'in-flight');
    clock.t += 2_000;
    assert.equal((await ledger.claim('s', 'k', opts)).outcome, 'claimed');
  });

  it('survives a restart (entries are in the store, not only the cache)', async () => {
    const c = await ledger.claim('s', 'k', opts);
    await ledger.complete('s', 'k', c.entry.claimId, { id: 7 }, opts.retentionMs);
    await store.flush();
    const fresh = new IdempotencyLedger(store, clock, (e) => {
      throw e;
    });
    const dup = await fresh.claim('s', 'k', opts);
    assert.equal(dup.outcome, 'duplicate');
    assert.deepEqual(dup.entry.result, { id: 7 });
  });

  it('sweeps keys whose retention ended and keeps the others', async () => {
    for (let i = 0; i < 30; i++) {
      const c = await ledger.claim('s', `old${i}`, { ...opts, retentionMs: 1000 });
      await ledger.complete('s', `old${i}`, c.entry.claimId, null, 1000);
    }
    const keep = await ledger.claim('s', 'keep', opts);
    await ledger.complete('s', 'keep', keep.entry.claimId, null, opts.retentionMs);
    await store.flush();
    clock.t += 5000;
    assert.equal(await ledger.sweep(1000, 7), 30);
    assert.equal(await ledger.count(), 1);
    assert.equal((await ledger.claim('s', 'old3', opts)).outcome, 'claimed');
  });
});
