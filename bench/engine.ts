// Engine figures on LevelDB, one process: idempotency checks, durable intake, and memory with a large
// backlog. Each figure is the median of several runs; the baseline is what core Node-RED offers for the same.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeadLetterStore } from '../runtime-plugins/engine/dead-letters.js';
import { IdempotencyLedger } from '../runtime-plugins/engine/ledger.js';
import { LevelStore } from '../runtime-plugins/engine/level-store.js';
import { TargetLimiter } from '../runtime-plugins/engine/limiter.js';
import Bottleneck from 'bottleneck';
import { DeliveryQueue } from '../runtime-plugins/engine/queue.js';
import type { Benchmark, Figure } from './index.js';
import { median, percentile, repeat, round } from './stats.js';

const clock = { now: () => Date.now() };

async function withStore<T>(fn: (store: LevelStore) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'sw-bench-'));
  const store = await LevelStore.open(dir);
  try {
    return await fn(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Claims of new keys (cache misses: a LevelDB read and a write each), then repeats of known keys. */
async function idempotencyRun(n: number): Promise<{ perSecond: number; p99us: number; p50us: number }> {
  return withStore(async (store) => {
    const ledger = new IdempotencyLedger(store, clock, (e) => {
      throw e;
    });
    const opts = { leaseMs: 300_000, retentionMs: 30 * 86_400_000, onFingerprintChange: 'conflict' as const, fingerprint: 'f' };
    // Warm the store with earlier keys, as a running system has them, and drop them from the cache.
    for (let i = 0; i < n; i++) await ledger.claim('bench', `old:${i}`, opts);
    await store.flush();
    const cold = new IdempotencyLedger(store, clock, (e) => {
      throw e;
    });
    // As the engine does when it opens: the Bloom filter learns the stored keys (the cache stays cold).
    await cold.warmUp();
    const lat: number[] = [];
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const t = process.hrtime.bigint();
      // half repeats of stored keys (read from disk), half new keys
      await cold.claim('bench', i % 2 === 0 ? `old:${i}` : `new:${i}`, opts);
      lat.push(Number(process.hrtime.bigint() - t) / 1000);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await store.flush();
    return { perSecond: n / seconds, p99us: percentile(lat, 99), p50us: percentile(lat, 50) };
  });
}

/** Messages accepted per second, each acknowledged only after its fsync'd group commit. */
async function intakeRun(n: number, concurrency: number): Promise<{ perSecond: number; p99ms: number; syncedFlushes: number }> {
  return withStore(async (store) => {
    const q = new DeliveryQueue('bench', {}, store, new DeadLetterStore(store), clock);
    await q.ready;
    const msg = { payload: { businessKey: 'acct:ACME', name: 'ACME Corporation', currency: 'USD', amount: '1250.00' }, topic: 'account' };
    const lat: number[] = [];
    let next = 0;
    const started = process.hrtime.bigint();
    const worker = async () => {
      while (next < n) {
        const i = next++;
        const t = process.hrtime.bigint();
        await q.enqueue(msg, { key: `acct:${i % 1000}` });
        lat.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await q.close();
    return { perSecond: n / seconds, p99ms: percentile(lat, 99), syncedFlushes: store.stats().syncedFlushes };
  });
}

/** Bottleneck's ceiling: jobs per second through one limiter, one unit per job vs. a batch of units per job. */
async function limiterCeiling(): Promise<{ perJob: number; batched: number; unitsPerJob: number }> {
  const n = 3000;
  const plain = new Bottleneck({ maxConcurrent: 10 });
  let t = performance.now();
  await Promise.all(Array.from({ length: n }, () => plain.schedule(() => Promise.resolve())));
  const perJob = n / ((performance.now() - t) / 1000);
  await plain.stop();
  const limiter = new TargetLimiter('bench', { requestsPerSecond: 100_000, concurrency: 1000 }, clock);
  const units = limiter.unitsPerJob;
  t = performance.now();
  await Promise.all(Array.from({ length: n / 3 }, async () => (await limiter.acquire(units)).release()));
  const batched = ((n / 3) * units) / ((performance.now() - t) / 1000);
  await limiter.close();
  return { perJob, batched, unitsPerJob: units };
}

/** Resident memory with a large backlog queued (the queue keeps only a window in memory). */
async function backlogRun(n: number): Promise<{ rssMB: number; heapMB: number; depth: number }> {
  return withStore(async (store) => {
    const q = new DeliveryQueue('bench', {}, store, new DeadLetterStore(store), clock);
    await q.ready;
    const msg = { payload: { businessKey: 'acct:ACME', name: 'ACME Corporation', currency: 'USD', amount: '1250.00' }, topic: 'account' };
    let next = 0;
    const worker = async () => {
      while (next < n) {
        next++;
        await q.enqueue(msg, { key: `acct:${next % 5000}` });
      }
    };
    await Promise.all(Array.from({ length: 500 }, worker));
    // A delivery window is loaded as when a node attaches; deliveries are never acknowledged.
    q.attach(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    global.gc?.();
    const m = process.memoryUsage();
    const depth = q.stats().depth;
    await q.close();
    return { rssMB: m.rss / 2 ** 20, heapMB: m.heapUsed / 2 ** 20, depth };
  });
}

/** What holding messages costs core Node-RED: a delay node's rate-limit queue is an array in the heap. */
function coreQueueHeapMB(n: number): number {
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const held: unknown[] = [];
  for (let i = 0; i < n; i++) held.push({ _msgid: `${i}`, payload: { businessKey: `acct:${i}`, name: 'ACME Corporation', currency: 'USD', amount: '1250.00' }, topic: 'account', req: undefined });
  global.gc?.();
  const after = process.memoryUsage().heapUsed;
  return held.length > 0 ? (after - before) / 2 ** 20 : 0;
}

export const engineBenchmark: Benchmark = {
  name: 'engine',
  description: 'idempotency checks, durable intake and a 1,000,000-message backlog on LevelDB',
  async run(): Promise<Figure[]> {
    const runs = Number(process.env['BENCH_RUNS'] ?? 3);
    const idem = await repeat(runs, () => idempotencyRun(20_000));
    const intake = await repeat(runs, () => intakeRun(100_000, Number(process.env['BENCH_INTAKE_CONCURRENCY'] ?? 100)));
    const backlogSize = Number(process.env['BENCH_BACKLOG'] ?? 1_000_000);
    const backlog = await backlogRun(backlogSize);
    const coreHeap = coreQueueHeapMB(5000);
    const ceiling = await limiterCeiling();
    const idemRate = median(idem.map((r) => r.perSecond));
    const idemP99 = median(idem.map((r) => r.p99us));
    const intakeRate = median(intake.map((r) => r.perSecond));
    return [
      { figure: 'idempotency checks on LevelDB, one process', value: round(idemRate, 0), unit: 'checks/s', target: '≥ 20,000/s', meetsTarget: idemRate >= 20_000, note: `half repeats of keys read from disk (cold cache), half new keys (known new by the Bloom filter the engine fills when it opens); one check at a time; p50 ${round(median(idem.map((r) => r.p50us)))} µs` },
      { figure: 'idempotency check latency p99', value: round(idemP99), unit: 'µs', target: '≤ 150 µs', meetsTarget: idemP99 <= 150, baseline: { name: 'core Node-RED', value: 0, unit: 'µs', note: 'no such thing' } },
      { figure: 'durable intake, acknowledged only after an fsync\'d group commit', value: round(intakeRate, 0), unit: 'msgs/s', target: '≥ 30,000 msgs/s', meetsTarget: intakeRate >= 30_000, note: `${process.env['BENCH_INTAKE_CONCURRENCY'] ?? 100} producers, each waiting for its acknowledgement; p99 acknowledgement ${round(median(intake.map((r) => r.p99ms)), 2)} ms; ${median(intake.map((r) => r.syncedFlushes))} fsyncs for 100,000 messages`, baseline: { name: 'core Node-RED', value: 0, unit: 'msgs/s', note: 'not durable' } },
      { figure: 'Bottleneck ceiling, one limiter', value: round(ceiling.perJob, 0), unit: 'jobs/s', note: `with ${ceiling.unitsPerJob} units per job (how a fast target's limiter schedules batches) ${round(ceiling.batched, 0)} units/s` },
      { figure: `${backlogSize.toLocaleString('en')} messages queued`, value: round(backlog.rssMB, 0), unit: 'MB resident', target: '≤ 300 MB', meetsTarget: backlog.rssMB <= 300, note: `heap ${round(backlog.heapMB, 0)} MB, depth ${backlog.depth}`, baseline: { name: 'core Node-RED (messages held in memory, as a delay node does)', value: round(coreHeap, 1), unit: 'MB heap for 5,000 queued' } },
    ];
  },
};
