import assert from 'node:assert/strict';
import { Journal } from '../../../runtime-plugins/engine/journal.js';
import { MemoryStore } from '../../../runtime-plugins/engine/memory-store.js';

describe('transaction journal', () => {
  it('finds a transaction by correlation ID, lists the newest entries first, and sweeps old segments', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = new MemoryStore();
    const journal = new Journal(store, { now: () => now }, (e) => {
      throw e;
    });
    journal.record({ correlationId: 'c1', businessKey: 'opp:1', stage: 'claimed', status: 'info' });
    journal.record({ correlationId: 'c2', stage: 'delivered', status: 'ok' });
    await journal.flush();
    now += 40 * 86_400_000;
    journal.record({ correlationId: 'c1', stage: 'delivered', status: 'ok', detail: { attempts: 2 } });
    await journal.flush();
    const c1 = await journal.forTransaction('c1');
    assert.deepEqual(c1.map((e) => e.stage), ['claimed', 'delivered']);
    assert.equal(c1[0]?.at, '2026-01-01T00:00:00.000Z');
    const recent = await journal.recent(2);
    assert.deepEqual(recent.map((e) => `${e.correlationId}:${e.stage}`), ['c1:delivered', 'c2:delivered']);
    assert.equal(await journal.sweep(30 * 86_400_000), 1, 'the old segment goes');
    assert.deepEqual((await journal.forTransaction('c1')).map((e) => e.stage), ['delivered']);
  });
});
