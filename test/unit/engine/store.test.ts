import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelStore } from '../../../runtime-plugins/engine/level-store.js';
import { MemoryStore } from '../../../runtime-plugins/engine/memory-store.js';
import type { Store } from '../../../runtime-plugins/engine/store.js';

const kinds: Array<[string, () => Promise<{ store: Store; cleanup: () => void }>]> = [
  ['memory', () => Promise.resolve({ store: new MemoryStore(), cleanup: () => undefined })],
  [
    'leveldb',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sw-store-'));
      return { store: await LevelStore.open(dir), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
];

for (const [kind, make] of kinds) {
  describe(`${kind} store`, () => {
    let store: Store;
    let cleanup: () => void;
    beforeEach(async () => {
      ({ store, cleanup } = await make());
    });
    afterEach(async () => {
      await store.close();
      cleanup();
    });

    it('reads its own writes before they are flushed, and scans in key order', async () => {
      const w = store.write([{ type: 'put', key: 'b', value: { n: 2 } }, { type: 'put', key: 'a', value: { n: 1 } }, { type: 'put', key: 'c', value: 3 }], 'lazy');
      assert.deepEqual(await store.get('b'), { n: 2 });
      await w;
      const keys: string[] = [];
      for await (const [k] of store.scan({ gte: 'a', lt: 'c' })) keys.push(k);
      assert.deepEqual(keys, ['a', 'b']);
      const rev: string[] = [];
      for await (const k of store.scanKeys({ gte: 'a', lte: 'c', reverse: true, limit: 2 })) rev.push(k);
      assert.deepEqual(rev, ['c', 'b']);
      await store.write([{ type: 'del', key: 'a' }], 'durable');
      assert.equal(await store.get('a'), undefined);
      assert.deepEqual(await store.getMany(['a', 'b', 'zz']), [undefined, { n: 2 }, undefined]);
    });

    it('refuses a value it cannot store in that write alone: the batch it would share and later writes go on', async () => {
      const loop: Record<string, unknown> = {};
      loop['self'] = loop;
      const results = await Promise.allSettled([
        store.write([{ type: 'put', key: 'ok1', value: 1 }], 'durable'),
        store.write([{ type: 'put', key: 'big', value: { n: 10n } }], 'durable'),
        store.write([{ type: 'put', key: 'none', value: undefined }], 'durable'),
        store.write([{ type: 'put', key: 'loop', value: loop }], 'lazy'),
        store.write([{ type: 'put', key: 'ok2', value: 2 }], 'durable'),
      ]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled']);
      assert.match(String((results[1] as PromiseRejectedResult).reason), /cannot store big: .*BigInt/);
      assert.match(String((results[2] as PromiseRejectedResult).reason), /cannot store none: undefined is not a JSON value/);
      await store.write([{ type: 'put', key: 'ok3', value: 3 }], 'durable');
      assert.deepEqual(await store.getMany(['ok1', 'big', 'none', 'loop', 'ok2', 'ok3']), [1, undefined, undefined, undefined, 2, 3]);
      const keys: string[] = [];
      for await (const k of store.scanKeys({})) keys.push(k);
      assert.deepEqual(keys, ['ok1', 'ok2', 'ok3'], 'nothing empty or unreadable was stored');
    });

    it('lets lazy writes gather, and sends them with the next durable write at once', async () => {
      const lazy = [store.write([{ type: 'put', key: 'ack1', value: 1 }], 'lazy'), store.write([{ type: 'put', key: 'ack2', value: 2 }], 'lazy')];
      await new Promise((r) => setImmediate(r));
      const durable = store.write([{ type: 'put', key: 'msg', value: 3 }], 'durable');
      await Promise.all([...lazy, durable]);
      assert.deepEqual([store.stats().flushes, store.stats().syncedFlushes, store.stats().opsWritten], [1, 1, 3], 'one synced flush for all three');
      // Lazy writes alone go within a few milliseconds, together.
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.write([{ type: 'put', key: `l${i}`, value: i }], 'lazy')));
      assert.equal(store.stats().flushes, 2);
      // flush() does not wait for them to gather.
      void store.write([{ type: 'del', key: 'l0' }], 'lazy');
      await store.flush();
      assert.equal(store.stats().pendingOps, 0);
      assert.equal(await store.get('l0'), undefined);
    });

    it('shares one synced flush among writes that arrive while a flush is in progress (group commit)', async () => {
      await Promise.all(Array.from({ length: 500 }, (_, i) => store.write([{ type: 'put', key: `k${i}`, value: i }], 'durable')));
      const s = store.stats();
      assert.equal(s.opsWritten, 500);
      assert.ok(s.syncedFlushes < 100, `${s.syncedFlushes} synced flushes for 500 writes`);
    });

    it('writes a key written twice while pending once, with its last value; a deletion of it likewise', async () => {
      const writes = [
        store.write([{ type: 'put', key: 'claim', value: { state: 'in-progress' } }], 'lazy'),
        store.write([{ type: 'put', key: 'other', value: 1 }], 'lazy'),
        store.write([{ type: 'put', key: 'claim', value: { state: 'completed' } }], 'lazy'),
        store.write([{ type: 'put', key: 'rec', value: 'text', raw: true }], 'lazy'),
        store.write([{ type: 'del', key: 'rec' }], 'durable'),
      ];
      await Promise.all(writes);
      assert.deepEqual([store.stats().flushes, store.stats().opsWritten], [1, 3], 'claim, other and rec: one op each');
      assert.deepEqual(await store.getMany(['claim', 'other', 'rec']), [{ state: 'completed' }, 1, undefined]);
      // A later batch without a repeated key is written as it is, and reads back.
      await store.write([{ type: 'put', key: 'claim', value: { state: 'released' } }, { type: 'put', key: 'rec', value: 'again', raw: true }], 'durable');
      assert.equal(store.stats().opsWritten, 5);
      assert.deepEqual(await store.get('claim'), { state: 'released' });
      assert.equal(await store.getRaw('rec'), 'again');
    });
  });
}

/** A store whose reads of several keys answer late, with what the backend held when they began. */
class SlowReadStore extends MemoryStore {
  protected override async readMany(keys: string[]): Promise<unknown[]> {
    const then = await super.readMany(keys);
    await new Promise((r) => setTimeout(r, 30));
    return then;
  }
}

describe('store reads racing a flush', () => {
  it('gives what was written before the call even when the flush ends while the backend reads', async () => {
    const store = new SlowReadStore();
    const written = store.write([{ type: 'put', key: 'k', value: 'v1' }], 'lazy');
    // The read begins while the write is pending; the lazy flush (2 ms) ends before it answers.
    const read = store.getMany(['k', 'other']);
    await written;
    assert.deepEqual(await read, ['v1', undefined]);
    await store.close();
  });
});

describe('leveldb store on disk', () => {
  it('keeps what was written across a reopen, and refuses a second opener with a clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-store-'));
    try {
      const a = await LevelStore.open(dir);
      await a.write([{ type: 'put', key: 'x', value: { kept: true } }], 'durable');
      await assert.rejects(LevelStore.open(dir), /in use by another process/);
      await a.close();
      const b = await LevelStore.open(dir);
      assert.deepEqual(await b.get('x'), { kept: true });
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes raw text and JSON values that read back the same after a reopen (non-ASCII included)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-store-'));
    try {
      const a = await LevelStore.open(dir);
      await a.write([{ type: 'put', key: 'q/ü/1', value: '{"seq":1}\n{"payload":"héllo €"}', raw: true }, { type: 'put', key: 'j/1', value: { name: 'Zoë', n: [1, 2] } }, { type: 'put', key: 'gone', value: 1 }], 'lazy');
      await a.write([{ type: 'del', key: 'gone' }], 'durable');
      await a.close();
      const b = await LevelStore.open(dir);
      assert.equal(await b.getRaw('q/ü/1'), '{"seq":1}\n{"payload":"héllo €"}');
      assert.deepEqual(await b.get('j/1'), { name: 'Zoë', n: [1, 2] });
      assert.equal(await b.get('gone'), undefined);
      const raw: Array<[string, string]> = [];
      for await (const e of b.scanRaw({ gte: 'q/', lt: 'q0' })) raw.push(e);
      assert.deepEqual(raw, [['q/ü/1', '{"seq":1}\n{"payload":"héllo €"}']]);
      assert.equal(b.stats().opsWritten, 0);
      await b.close();
      await assert.rejects(b.write([{ type: 'put', key: 'late', value: 1 }], 'durable'), /closed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
