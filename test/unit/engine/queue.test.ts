import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeadLetterStore } from '../../../runtime-plugins/engine/dead-letters.js';
import { LevelStore } from '../../../runtime-plugins/engine/level-store.js';
import { TargetLimiter } from '../../../runtime-plugins/engine/limiter.js';
import { MemoryStore } from '../../../runtime-plugins/engine/memory-store.js';
import { DeliveryQueue, type OutgoingDelivery, type QueueSettingsInput } from '../../../runtime-plugins/engine/queue.js';
import type { EncodedOp, Store } from '../../../runtime-plugins/engine/store.js';
import { SyncError } from '../../../runtime-plugins/sync-error.js';

const clock = { now: () => Date.now() };
const transient = (code = 'HTTP_503') => new SyncError('unavailable', { class: 'transient', code, retryable: true, status: 503 });

function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() > deadline) return reject(new Error('condition not met in time'));
      setTimeout(tick, 2);
    };
    tick();
  });
}

function makeQueue(store: Store, settings: QueueSettingsInput = {}, id = 'q1') {
  return new DeliveryQueue(id, { redeliveryDelayMs: 5, jitter: 0, ackTimeoutMs: 5000, ...settings }, store, new DeadLetterStore(store), clock, () => 0.5);
}

describe('delivery queue', () => {
  let store: MemoryStore;
  beforeEach(() => {
    store = new MemoryStore();
  });

  it('stores a message before acknowledging it, delivers it, and removes it only on success', async () => {
    const q = makeQueue(store);
    const out: OutgoingDelivery[] = [];
    await q.enqueue({ payload: { a: 1 }, topic: 't' }, { key: 'k1' });
    assert.equal((await q.records()).length, 1, 'in the store before delivery');
    q.attach((d) => out.push(d));
    await until(() => out.length === 1);
    assert.deepEqual(out[0]?.messages[0], { payload: { a: 1 }, topic: 't' });
    assert.equal((await q.records()).length, 1, 'still stored while unacknowledged');
    await q.settle(out[0]?.token.id, [{ ok: true }]);
    assert.equal((await q.records()).length, 0);
    assert.equal(q.stats().delivered, 1);
  });

  it('retries a transient failure with backoff, then moves it to the dead-letter queue with the reason', async () => {
    const q = makeQueue(store, { maximumRedeliveries: 2 });
    const out: OutgoingDelivery[] = [];
    q.attach((d) => out.push(d));
    await q.enqueue({ payload: 'x' }, { correlationId: 'c1', businessKey: 'acct:1' });
    for (let i = 1; i <= 3; i++) {
      await until(() => out.length === i);
      assert.equal(out[i - 1]?.token.attempt, i);
      await q.settle(out[i - 1]?.token.id, [{ ok: false, error: transient() }]);
    }
    const dlq = await new DeadLetterStore(store).list();
    assert.equal(dlq.length, 1);
    assert.equal(dlq[0]?.reason, 'retries-exhausted');
    assert.equal(dlq[0]?.attempts, 3);
    assert.equal(dlq[0]?.error.class, 'transient');
    assert.equal(dlq[0]?.correlationId, 'c1');
    assert.match(dlq[0]?.message ?? '', /"payload":"x"/);
    assert.equal((await q.records()).length, 0);
  });

  it('sends an error that cannot be retried straight to the dead-letter queue', async () => {
    const q = makeQueue(store);
    const out: OutgoingDelivery[] = [];
    q.attach((d) => out.push(d));
    await q.enqueue({ payload: 1 });
    await until(() => out.length === 1);
    await q.settle(out[0]?.token.id, [{ ok: false, error: new SyncError('bad', { class: 'data', code: 'INVALID_FIELD', retryable: false }) }]);
    const dlq = await new DeadLetterStore(store).list();
    assert.equal(dlq[0]?.reason, 'not-retryable');
    assert.equal(dlq[0]?.attempts, 1);
  });

  it('treats a throttle answer as a pause, not a failed attempt', async () => {
    const limiter = new TargetLimiter('t', { backoffInitialMs: 20, backoffJitter: 0 }, clock);
    const q = makeQueue(store, { maximumRedeliveries: 0 });
    const out: OutgoingDelivery[] = [];
    q.attach((d) => out.push(d), limiter);
    await q.enqueue({ payload: 1 });
    for (let i = 1; i <= 4; i++) {
      await until(() => out.length === i);
      await q.settle(out[i - 1]?.token.id, [{ ok: false, error: new SyncError('429', { class: 'rate-limit', code: 'HTTP_429', retryable: true, retryAfterMs: 10 }) }]);
    }
    await until(() => out.length === 5);
    assert.equal(out[4]?.token.attempt, 1, 'no attempt counted');
    await q.settle(out[4]?.token.id, [{ ok: true }]);
    assert.equal(await new DeadLetterStore(store).count(), 0);
    assert.equal(q.stats().throttled, 4);
    await limiter.close();
  });

  it('never delivers two messages with one business key out of order, while other keys go on', async () => {
    const q = makeQueue(store, { maxInFlight: 10 });
    const out: OutgoingDelivery[] = [];
    q.attach((d) => out.push(d));
    await q.enqueue({ payload: 'a1' }, { key: 'A' });
    await q.enqueue({ payload: 'a2' }, { key: 'A' });
    await q.enqueue({ payload: 'b1' }, { key: 'B' });
    await until(() => out.length === 2);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(out.map((d) => d.messages[0]?.['payload']), ['a1', 'b1'], 'a2 waits for a1');
    await q.settle(out[0]?.token.id, [{ ok: false, error: transient() }]);
    await until(() => out.length === 3);
    assert.equal(out[2]?.messages[0]?.['payload'], 'a1', 'a1 is retried before a2');
    await q.settle(out[2]?.token.id, [{ ok: true }]);
    await until(() => out.length === 4);
    assert.equal(out[3]?.messages[0]?.['payload'], 'a2');
  });

  it('shares deliveries among lanes by weight, so a burst on one lane cannot starve another', async () => {
    const q = makeQueue(store, { maxInFlight: 1, lanes: [{ name: 'invoices', weight: 1 }, { name: 'customers', weight: 3 }], orderByKey: false });
    for (let i = 0; i < 200; i++) await q.enqueue({ payload: i }, { lane: 'invoices' });
    for (let i = 0; i < 20; i++) await q.enqueue({ payload: i }, { lane: 'customers' });
    const lanes: string[] = [];
    q.attach((d) => {
      lanes.push(d.token.lane);
      setImmediate(() => void q.settle(d.token.id, [{ ok: true }]));
    });
    await until(() => lanes.length >= 40);
    const customers = lanes.slice(0, 40).filter((l) => l === 'customers').length;
    assert.ok(customers >= 20 && customers <= 30, `customers got ${customers} of the first 40 deliveries`);
  });

  it('delivers up to batchSize messages in one delivery and settles each by its own outcome', async () => {
    const q = makeQueue(store, { batchSize: 200, maxInFlight: 1, orderByKey: true });
    for (let i = 0; i < 450; i++) await q.enqueue({ payload: i }, { key: `k${i}` });
    const sizes: number[] = [];
    q.attach((d) => {
      sizes.push(d.messages.length);
      const outcomes = d.messages.map((m) => (m['payload'] === 7 ? { ok: false as const, error: new SyncError('dup', { class: 'data', code: 'DUPLICATE_VALUE', retryable: false }) } : { ok: true as const }));
      setImmediate(() => void q.settle(d.token.id, outcomes));
    });
    await until(() => q.stats().depth === 0);
    assert.deepEqual(sizes, [200, 200, 50]);
    const dlq = await new DeadLetterStore(store).list();
    assert.equal(dlq.length, 1);
    assert.equal(dlq[0]?.error.code, 'DUPLICATE_VALUE');
  });

  it('redelivers a delivery whose outcome never came back (acknowledgement timeout)', async () => {
    const q = makeQueue(store, { ackTimeoutMs: 30 });
    const out: OutgoingDelivery[] = [];
    q.attach((d) => out.push(d));
    await q.enqueue({ payload: 1 });
    await until(() => out.length === 2);
    assert.equal(out[1]?.token.attempt, 2);
    // A late success for the first delivery still counts.
    assert.equal(await q.settleLate(out[0]?.token, [{ ok: true }]), false, 'the record is out again');
    await q.settle(out[1]?.token.id, [{ ok: true }]);
    assert.equal(q.stats().depth, 0);
  });

  it('counts a late success for messages that wait to be redelivered, and removes them from the store', async () => {
    const q = makeQueue(store, { ackTimeoutMs: 30, redeliveryDelayMs: 60_000, batchSize: 2, orderByKey: false });
    const out: OutgoingDelivery[] = [];
    const delivered: unknown[] = [];
    q.on('delivered', ({ record }: { record: { seq: number } }) => delivered.push(record.seq));
    await q.enqueue({ payload: 1 });
    await q.enqueue({ payload: 2 });
    q.attach((d) => out.push(d));
    await until(() => out.length === 1 && q.stats().waitingRetry === 2);
    assert.equal(await q.settleLate(out[0]?.token, [{ ok: true }, { ok: true }]), true);
    assert.deepEqual(delivered, out[0]?.token.seqs);
    assert.deepEqual([q.stats().depth, q.stats().lanes[0]?.buffered, (await q.records()).length], [0, 0, 0]);
  });

  it('keeps a slot free for a quiet lane, so a burst on another lane does not make it wait (bulkhead)', async () => {
    const q = makeQueue(store, { lanes: [{ name: 'customers', weight: 1 }, { name: 'invoices', weight: 1 }], maxInFlight: 3, orderByKey: false });
    const out: OutgoingDelivery[] = [];
    q.attach((d) => out.push(d));
    for (let i = 0; i < 10; i++) await q.enqueue({ payload: i }, { lane: 'invoices' });
    await until(() => out.length === 2);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(out.length, 2, 'the burst holds 2 of the 3 slots; one is kept for the quiet lane');
    await q.enqueue({ payload: 'customer' }, { lane: 'customers' });
    await until(() => out.length === 3);
    assert.equal(out[2]?.token.lane, 'customers', 'the quiet lane goes out at once, not after an invoice');
    // Both lanes busy: nothing is kept back any more; each settled slot goes on with the lanes' turns.
    await q.settle(out[0]?.token.id, [{ ok: true }]);
    await until(() => out.length === 4);
    assert.equal(out[3]?.token.lane, 'invoices');
    await q.close();
  });

  it('refuses what it cannot store with a clear error and keeps nothing', async () => {
    const q = makeQueue(store, { maxMessageBytes: 2048 });
    const circular: Record<string, unknown> = { payload: {} };
    (circular['payload'] as Record<string, unknown>)['self'] = circular['payload'];
    await assert.rejects(q.enqueue(circular), /msg\.payload\.self is a circular reference/);
    await assert.rejects(q.enqueue({ payload: () => 1 }), /msg\.payload is a function/);
    await assert.rejects(q.enqueue({ payload: { at: new Map() } }), /msg\.payload\.at is a Map, not plain data/);
    await assert.rejects(q.enqueue({ payload: [1, NaN] }), /msg\.payload\[1\] is NaN/);
    await assert.rejects(q.enqueue({ payload: { n: 10n } }), /msg\.payload\.n is a BigInt/);
    await assert.rejects(q.enqueue({ payload: 'x'.repeat(5000) }), /too large to store/);
    await assert.rejects(q.enqueue({ payload: 1 }, { lane: 'nope' }), /unknown lane "nope"/);
    assert.equal((await q.records()).length, 0);
  });

  it('keeps Buffers and drops the live req/res of http-in messages', async () => {
    const q = makeQueue(store);
    const out: OutgoingDelivery[] = [];
    await q.enqueue({ payload: Buffer.from('héllo'), req: { socket: {} }, res: {} });
    q.attach((d) => out.push(d));
    await until(() => out.length === 1);
    const m = out[0]?.messages[0];
    assert.ok(Buffer.isBuffer(m['payload']));
    assert.equal((m['payload']).toString(), 'héllo');
    assert.equal(m['req'], undefined);
  });

  it('bounds the in-memory window by size as well as by count: thousands of small messages, a few large ones', async () => {
    const small = makeQueue(store, {}, 'small');
    for (let i = 0; i < 2000; i++) await small.enqueue({ payload: i });
    assert.equal(small.stats().lanes[0]?.buffered, 2000, 'small messages stay in memory, none read back from the store');
    const large = makeQueue(store, { windowBytes: 64 * 1024, maxInFlight: 1 }, 'large');
    const text = 'x'.repeat(20_000);
    for (let i = 0; i < 20; i++) await large.enqueue({ payload: { i, text } });
    const buffered = large.stats().lanes[0]?.buffered ?? 0;
    assert.equal(buffered, 16, 'of 20 kB messages, only the 16 a window always holds, not 20 (nor 4,096)');
    // The rest is read from the store as the window empties, in order, within the size bound.
    const seen: number[] = [];
    let most = 0;
    large.attach((d) => {
      most = Math.max(most, large.stats().lanes[0]?.buffered ?? 0);
      for (const m of d.messages) seen.push((m['payload'] as { i: number }).i);
      setImmediate(() => void large.settle(d.token.id, [{ ok: true }]));
    });
    await until(() => seen.length === 20);
    assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i));
    assert.ok(most <= 16, `at most ${most} large messages in memory`);
  });

  it('keeps delivering a lane while a large message waits out a long retry backoff in its window', async () => {
    const q = makeQueue(store, { windowBytes: 64 * 1024, maxInFlight: 2, orderByKey: false, redeliveryDelayMs: 60_000, maximumRedeliveries: 3 });
    await q.enqueue({ payload: { big: 'x'.repeat(40_000) } });
    for (let i = 0; i < 200; i++) await q.enqueue({ payload: i });
    const seen = new Set<unknown>();
    q.attach((d) => {
      const m = d.messages[0];
      const big = typeof m['payload'] === 'object';
      if (!big) seen.add(m['payload']);
      // A failure of this record only (a locked row), not of the target: it waits out its whole backoff.
      const locked = new SyncError('row locked', { class: 'transient', code: 'ROW_LOCK', retryable: true });
      setImmediate(() => void q.settle(d.token.id, [big ? { ok: false, error: locked } : { ok: true }]));
    });
    await until(() => seen.size === 200, 5000);
    assert.equal(q.stats().waitingRetry, 1, 'the large one waits its minute');
    await q.close();
  });

  it('hands the accepted message itself to its first delivery, and the stored copy to every later one', async () => {
    const q = makeQueue(store);
    const out: OutgoingDelivery[] = [];
    q.attach((d) => out.push(d));
    const msg = { payload: { name: 'Acme', lines: [1, 2] }, topic: 't' };
    await q.enqueue(msg);
    await until(() => out.length === 1);
    const first = out[0]?.messages[0] as typeof msg;
    assert.equal(first, msg, 'no decode of the stored text for the first delivery');
    // The delivery path changes the message (an http request node sets the response), then fails.
    first.payload = { name: 'changed by the first attempt', lines: [] };
    await q.settle(out[0]?.token.id, [{ ok: false, error: transient() }]);
    await until(() => out.length === 2);
    assert.notEqual(out[1]?.messages[0], msg);
    assert.deepEqual(out[1]?.messages[0], { payload: { name: 'Acme', lines: [1, 2] }, topic: 't' }, 'a retry gets what was accepted');
  });

  it('decodes the stored text even for a first delivery when the message would not come back the same (Date, undefined, req/res)', async () => {
    const q = makeQueue(store);
    const out: OutgoingDelivery[] = [];
    q.attach((d) => out.push(d));
    const withDate = { payload: { at: new Date('2026-01-02T03:04:05Z') } };
    const withUndefined = { payload: { a: undefined, list: [1, undefined] } };
    const withRes = { payload: 1, res: {} };
    for (const m of [withDate, withUndefined, withRes]) await q.enqueue(m);
    await until(() => out.length === 3);
    const got = out.map((d) => d.messages[0]);
    assert.deepEqual(got[0], { payload: { at: '2026-01-02T03:04:05.000Z' } });
    assert.deepEqual(got[1], { payload: { list: [1, null] } });
    assert.deepEqual(got[2], { payload: 1 });
    for (const [i, m] of [withDate, withUndefined, withRes].entries()) assert.notEqual(got[i], m);
    // A plain object with the codec's Buffer tag as a key decodes otherwise: its first delivery decodes too.
    const tagged = { payload: { __syncwright_buffer: 'aGk=' } };
    await q.enqueue(tagged);
    await until(() => out.length === 4);
    assert.notEqual(out[3]?.messages[0], tagged);
  });
});

describe('delivery queue and the wall clock', () => {
  it('delivers a retry whose delay had passed but could not go yet, after the wall clock steps back before it', async () => {
    let offset = 0;
    const stepped = { now: () => Date.now() + offset };
    const store = new MemoryStore();
    const settings: QueueSettingsInput = { lanes: [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }], maxInFlight: 3, redeliveryDelayMs: 200, jitter: 0, ackTimeoutMs: 10_000 };
    const q = new DeliveryQueue('q1', settings, store, new DeadLetterStore(store), stepped, () => 0.5);
    const out: OutgoingDelivery[] = [];
    q.attach((d) => out.push(d));
    const sent = (payload: string) => out.filter((d) => d.messages[0]?.['payload'] === payload);
    await q.enqueue({ payload: 'R' }, { lane: 'a' });
    await until(() => sent('R').length === 1);
    const conflict = new SyncError('conflict', { class: 'transient', code: 'HTTP_409', retryable: true, status: 409 });
    await q.settle(sent('R')[0]?.token.id, [{ ok: false, error: conflict }]);
    // Two more on lane a take its two slots (the third is kept for lane b): R waits out its 200 ms.
    await q.enqueue({ payload: 'X' }, { lane: 'a' });
    await q.enqueue({ payload: 'X2' }, { lane: 'a' });
    await until(() => sent('X').length === 1 && sent('X2').length === 1);
    // The clock passes R's delay; a pump (a redeploy's new settings) finds R due but no slot for it.
    offset = 300;
    q.updateSettings(settings);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(sent('R').length, 1);
    // The wall clock steps back (NTP) before R's delay ends, and a slot frees.
    offset = -100;
    await q.settle(sent('X')[0]?.token.id, [{ ok: true }]);
    // R goes once its delay is over again, without any other event (X2 stays out).
    await until(() => sent('R').length === 2, 2000);
    await q.close();
  });
});

describe('delivery queue on LevelDB', () => {
  it('recovers every unacknowledged message after a restart, and pages through a large backlog', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-queue-'));
    try {
      let store = await LevelStore.open(dir);
      let q = makeQueue(store, { windowSize: 64, maxInFlight: 50, orderByKey: false });
      for (let i = 0; i < 1000; i++) await q.enqueue({ payload: i });
      const first: OutgoingDelivery[] = [];
      q.attach((d) => first.push(d));
      await until(() => first.length === 50);
      // settle 10, then "crash": the other 40 in flight were never acknowledged
      for (const d of first.slice(0, 10)) await q.settle(d.token.id, [{ ok: true }]);
      await q.close();
      await store.close();
      store = await LevelStore.open(dir);
      q = makeQueue(store, { windowSize: 64, maxInFlight: 50, orderByKey: false });
      await q.ready;
      assert.equal(q.stats().depth, 990);
      const seen = new Set<number>();
      q.attach((d) => {
        for (const m of d.messages) seen.add(m['payload'] as number);
        setImmediate(() => void q.settle(d.token.id, [{ ok: true }]));
      });
      await until(() => q.stats().depth === 0, 20_000);
      assert.equal(seen.size, 990);
      for (let i = 10; i < 1000; i++) assert.ok(seen.has(i), `message ${i} delivered`);
      await q.close();
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A store whose range scans see the store as it was when they began, and answer a little later (as LevelDB's
 * iterators may): writes that complete meanwhile are not in the answer. */
class SlowScanStore extends MemoryStore {
  override async *scanRaw(range: Parameters<MemoryStore['scanRaw']>[0]): AsyncIterable<[string, string]> {
    const seen: Array<[string, string]> = [];
    for await (const e of super.scanRaw(range)) seen.push(e);
    await new Promise((r) => setTimeout(r, 3));
    yield* seen;
  }
}

/** A store whose writes take a while to be applied (a slow disk). */
class SlowWriteStore extends MemoryStore {
  protected override async applyBatch(ops: EncodedOp[]): Promise<void> {
    await new Promise((r) => setTimeout(r, 300));
    return super.applyBatch(ops);
  }
}

describe('delivery queue on a slow store', () => {
  it('sends the next delivery without waiting for the writes of the one just settled', async () => {
    const q = makeQueue(new SlowWriteStore(), { maxInFlight: 1 });
    const out: OutgoingDelivery[] = [];
    await q.enqueue({ payload: 1 });
    await q.enqueue({ payload: 2 });
    q.attach((d) => out.push(d));
    await until(() => out.length === 1);
    let settled = false;
    const settling = q.settle(out[0]?.token.id, [{ ok: true }]).then(() => (settled = true));
    await until(() => out.length === 2, 200);
    assert.equal(settled, false, 'the removal of the first is still being written');
    await settling;
    await q.close();
  });
});

/** A store whose range scans fail a little later, as LevelDB's iterators do when the database closes under them. */
class ClosingScanStore extends MemoryStore {
  // eslint-disable-next-line require-yield
  override async *scanRaw(): AsyncIterable<[string, string]> {
    await new Promise((r) => setTimeout(r, 20));
    throw new Error('Iterator is not open: cannot read after close()');
  }
}

describe('delivery queue: closing while the window refills', () => {
  it('does not raise an unhandled error when a refill fails after the queue closed (Node-RED stopping)', async () => {
    const store = new ClosingScanStore();
    const q = makeQueue(store, { windowSize: 8 });
    await q.ready;
    for (let i = 0; i < 20; i++) await q.enqueue({ payload: i });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      q.attach(() => undefined);
      await new Promise((r) => setTimeout(r, 5));
      await q.close();
      // With no listener left, an emitted 'error' throws out of the refill's handler: an unhandled rejection,
      // which stops a Node-RED process.
      await new Promise((r) => setTimeout(r, 60));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(unhandled.map(String), []);
  });

  it('reports a failing refill while the queue is open', async () => {
    const store = new ClosingScanStore();
    const q = makeQueue(store, { windowSize: 8 });
    await q.ready;
    const errors: unknown[] = [];
    q.on('error', (e) => errors.push(e));
    for (let i = 0; i < 20; i++) await q.enqueue({ payload: i });
    q.attach(() => undefined);
    await until(() => errors.length > 0);
    assert.match(String(errors[0]), /Iterator is not open/);
    await q.close();
  });
});

describe('delivery queue: intake while the window refills', () => {
  for (const kind of ['slow scans', 'leveldb'] as const) {
    it(`delivers every message accepted while a refill reads the store (${kind})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sw-queue-'));
      const store: Store = kind === 'slow scans' ? new SlowScanStore() : await LevelStore.open(dir);
      try {
        const q = makeQueue(store, { windowSize: 16, maxInFlight: 4, orderByKey: false });
        const seen = new Set<number>();
        q.attach((d) => {
          for (const m of d.messages) seen.add(m['payload'] as number);
          setImmediate(() => void q.settle(d.token.id, [{ ok: true }]));
        });
        // Producers keep writing while deliveries drain the window, so refills run beside new writes.
        const n = 2000;
        for (let i = 0; i < n; i += 20) {
          await Promise.all(Array.from({ length: 20 }, (_, j) => q.enqueue({ payload: i + j })));
          await new Promise((r) => setTimeout(r, 1));
        }
        await until(() => seen.size === n, 20_000).catch(() => {
          throw new Error(`${n - seen.size} of ${n} accepted messages never delivered (depth ${q.stats().depth}, buffered ${q.stats().lanes[0]?.buffered})`);
        });
        await until(() => q.stats().depth === 0);
        await q.close();
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('delivery queue batches', () => {
  it('sends a backlog in full batches, whatever the window (a short batch waits for the refill)', async () => {
    const store = new MemoryStore();
    // A window smaller than two batches is widened; a default window (512) is no multiple of 200.
    for (const windowSize of [64, 512]) {
      const q = makeQueue(store, { batchSize: 200, windowSize, maxInFlight: 2, orderByKey: false }, `backlog${windowSize}`);
      for (let i = 0; i < 1000; i += 100) await q.enqueueBatch(Array.from({ length: 100 }, (_, j) => ({ msg: { payload: i + j } })));
      const sizes: number[] = [];
      q.attach((d) => {
        sizes.push(d.messages.length);
        setImmediate(() => void q.settle(d.token.id, d.messages.map(() => ({ ok: true }))));
      });
      await until(() => q.stats().depth === 0);
      assert.deepEqual(sizes, [200, 200, 200, 200, 200], `window ${windowSize}`);
      await q.close();
    }
  });

  it('after an outage, sends what waits out its backoff as soon as the target answers a delivery in full', async () => {
    const store = new MemoryStore();
    const q = makeQueue(store, { batchSize: 1, maxInFlight: 1, redeliveryDelayMs: 60_000 });
    const out: OutgoingDelivery[] = [];
    q.attach((d) => out.push(d));
    await q.enqueue({ payload: 'during the outage' }, { key: 'a' });
    await q.enqueue({ payload: 'locked row' }, { key: 'b' });
    await until(() => out.length === 1);
    await q.settle(out[0]?.token.id, [{ ok: false, error: transient('HTTP_503') }]);
    await until(() => out.length === 2);
    // A per-record failure (no HTTP status of its own): it waits out its backoff whatever the target does.
    await q.settle(out[1]?.token.id, [{ ok: false, error: new SyncError('unable to lock row', { class: 'transient', code: 'UNABLE_TO_LOCK_ROW', retryable: true }) }]);
    await q.enqueue({ payload: 'after the outage' }, { key: 'c' });
    await until(() => out.length === 3);
    assert.equal(out[2]?.messages[0]?.['payload'], 'after the outage');
    await q.settle(out[2]?.token.id, [{ ok: true }]);
    // The target answered: the outage's record goes now, not in a minute; the locked row still waits.
    await until(() => out.length === 4, 2000);
    assert.equal(out[3]?.messages[0]?.['payload'], 'during the outage');
    assert.equal(out[3]?.token.attempt, 2);
    await q.settle(out[3]?.token.id, [{ ok: true }]);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(out.length, 4, 'the locked row waits out its backoff');
    assert.equal(q.stats().waitingRetry, 1);
    await q.close();
  });

  it('stores several messages and extra state (a cursor) in one atomic durable write', async () => {
    const store = new MemoryStore();
    const q = makeQueue(store);
    await q.enqueueBatch([{ msg: { payload: 'a' } }, { msg: { payload: 'b' } }], [{ type: 'put', key: 'cursor/poller', value: { at: '2026-01-01T00:00:00Z', id: '006B' } }]);
    assert.equal((await q.records()).length, 2);
    assert.deepEqual(await store.get('cursor/poller'), { at: '2026-01-01T00:00:00Z', id: '006B' });
    await assert.rejects(q.enqueueBatch([{ msg: { payload: 'c' } }, { msg: { payload: () => 1 } }], [{ type: 'put', key: 'cursor/poller', value: 'moved' }]), /is a function/);
    assert.equal((await q.records()).length, 2, 'nothing of a refused batch is stored');
    assert.deepEqual(await store.get('cursor/poller'), { at: '2026-01-01T00:00:00Z', id: '006B' });
  });
});

describe('message codec', () => {
  it('stores plain objects made in another realm (Node-RED function nodes run in a vm context)', async () => {
    const { runInNewContext } = await import('node:vm');
    const foreign = runInNewContext('({ payload: { name: "ACME", lines: [{ n: 1 }], at: new Date(0) } })') as Record<string, unknown>;
    const { encodeMessage, decodeMessage } = await import('../../../runtime-plugins/engine/message-codec.js');
    const decoded = decodeMessage(encodeMessage(foreign, 10_000));
    assert.deepEqual(decoded['payload'], { name: 'ACME', lines: [{ n: 1 }], at: '1970-01-01T00:00:00.000Z' });
    class Custom {
      x = 1;
    }
    assert.throws(() => encodeMessage({ payload: new Custom() }, 10_000), /msg\.payload is a Custom, not plain data/);
  });
});
