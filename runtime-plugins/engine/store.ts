// Storage behind one interface. The engine's parts (ledger, queues, dead letters, journal, saga log) see only
// ordered keys with JSON values, atomic batches, range scans and two durabilities. LevelDB is the default; a
// PostgreSQL implementation of the same interface can replace it without any part above knowing.

/**
 * A put writes `value` as JSON, or, with `raw`, a string stored verbatim (read back with getRaw/scanRaw): the
 * queue stores a message's own JSON text that way, so it is never escaped into another JSON document.
 */
export type WriteOp = { type: 'put'; key: string; value: unknown; raw?: false } | { type: 'put'; key: string; value: string; raw: true } | { type: 'del'; key: string };

/**
 * `durable`: fsync'd before the promise resolves (what acknowledges a message).
 * `lazy`: written in order with everything else, survives a process crash (kill -9) but may be lost with the
 * machine; for state that can be rebuilt or redone (claims, acks, journal).
 */
export type Durability = 'durable' | 'lazy';

export interface ScanRange {
  gte?: string;
  gt?: string;
  lt?: string;
  lte?: string;
  limit?: number;
  reverse?: boolean;
}

export interface StoreStats {
  kind: string;
  flushes: number;
  opsWritten: number;
  syncedFlushes: number;
  pendingOps: number;
}

export interface Store {
  readonly kind: string;
  get<T>(key: string): Promise<T | undefined>;
  getMany<T>(keys: string[]): Promise<Array<T | undefined>>;
  /** A value written with `raw: true`. */
  getRaw(key: string): Promise<string | undefined>;
  /** Atomic: every op of one call is applied together, in call order relative to every other call. */
  write(ops: WriteOp[], durability: Durability): Promise<void>;
  /** Entries in key order. Reflects every write whose promise has resolved. */
  scan<T>(range: ScanRange): AsyncIterable<[string, T]>;
  scanKeys(range: ScanRange): AsyncIterable<string>;
  /** Entries written with `raw: true`, in key order. */
  scanRaw(range: ScanRange): AsyncIterable<[string, string]>;
  /** Resolves once every write submitted so far is applied. */
  flush(): Promise<void>;
  stats(): StoreStats;
  close(): Promise<void>;
}

/** The end of a prefix range: every key that starts with `prefix` is `>= prefix` and `< prefixEnd(prefix)`. */
export function prefixEnd(prefix: string): string {
  return `${prefix}\uffff`;
}

/** Fixed-width decimal, so numbers sort as strings. */
export function pad(n: number, width = 16): string {
  return String(Math.max(0, Math.floor(n))).padStart(width, '0');
}

/** How long lazy writes alone wait to gather before they are flushed. */
const LAZY_DELAY_MS = 2;

/** An operation as a backend applies it: every value already encoded to its stored text. */
export type EncodedOp = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

interface Pending {
  ops: EncodedOp[];
  durable: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: writes queue up while a flush is in progress and go to disk together in one batch, fsync'd
 * when any of them asked for durability. One fsync is shared by every message accepted meanwhile, so
 * durability costs a few milliseconds of latency, not a disk flush per message.
 *
 * Lazy writes alone wait up to LAZY_DELAY_MS to be flushed, gathering into fewer, larger batches; a durable write
 * takes every write pending before it along at once. So a durable write (a message being accepted) seldom waits
 * behind a flush of acknowledgements that could have waited: a burst being delivered on one lane does not slow
 * intake on another.
 */
export abstract class GroupCommitStore implements Store {
  abstract readonly kind: string;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  /** Values written but not yet applied, so reads see their own writes. */
  protected readonly overlay = new Map<string, { deleted: boolean; value: unknown; count: number }>();
  private counters = { flushes: 0, opsWritten: 0, syncedFlushes: 0 };
  /** Durable writes waiting in `queue`. */
  private durablePending = 0;
  /** Callers of flush() waiting: lazy writes go at once. */
  private urgent = 0;
  private lazyTimer: NodeJS.Timeout | undefined;
  private draining = false;
  /** A key was written again while an earlier write to it was pending (see drain). */
  private repeatedKeys = false;
  protected closed = false;
  constructor(private readonly maxBatchOps = 10_000) {}

  protected abstract applyBatch(ops: EncodedOp[], sync: boolean): Promise<void>;
  protected abstract readOne(key: string): Promise<unknown>;
  protected abstract readMany(keys: string[]): Promise<unknown[]>;
  protected abstract readRaw(key: string): Promise<string | undefined>;
  abstract scan<T>(range: ScanRange): AsyncIterable<[string, T]>;
  abstract scanKeys(range: ScanRange): AsyncIterable<string>;
  abstract scanRaw(range: ScanRange): AsyncIterable<[string, string]>;
  protected abstract closeBackend(): Promise<void>;

  async get<T>(key: string): Promise<T | undefined> {
    const o = this.overlay.get(key);
    if (o) return o.deleted ? undefined : (o.value as T);
    return (await this.readOne(key)) as T | undefined;
  }

  async getRaw(key: string): Promise<string | undefined> {
    const o = this.overlay.get(key);
    if (o) return o.deleted ? undefined : (o.value as string);
    return this.readRaw(key);
  }

  async getMany<T>(keys: string[]): Promise<Array<T | undefined>> {
    // Writes pending now: a flush that ends while the backend reads takes them out of the overlay, and the read
    // may have looked before they were applied. What was written before the call is what the call must see.
    const pending = keys.map((k) => this.overlay.get(k));
    const out = (await this.readMany(keys)) as Array<T | undefined>;
    keys.forEach((k, i) => {
      const o = this.overlay.get(k) ?? pending[i];
      if (o) out[i] = o.deleted ? undefined : (o.value as T);
    });
    return out;
  }

  write(ops: WriteOp[], durability: Durability): Promise<void> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    if (ops.length === 0) return Promise.resolve();
    // Encoded here, so a value that cannot be stored fails its own write only, never the batch it would share
    // with other callers' writes (nor the store: a throw inside a flush).
    const encoded = new Array<EncodedOp>(ops.length);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (op.type === 'del') {
        encoded[i] = op;
        continue;
      }
      if (op.raw === true) {
        if (typeof op.value !== 'string') return Promise.reject(new Error(`cannot store ${op.key}: a raw value must be a string, not ${typeof op.value}`));
        encoded[i] = { type: 'put', key: op.key, value: op.value };
        continue;
      }
      let text: unknown;
      try {
        text = JSON.stringify(op.value);
      } catch (err) {
        return Promise.reject(new Error(`cannot store ${op.key}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
      }
      if (typeof text !== 'string') return Promise.reject(new Error(`cannot store ${op.key}: ${op.value === undefined ? 'undefined' : `a ${typeof op.value}`} is not a JSON value`));
      encoded[i] = { type: 'put', key: op.key, value: text };
    }
    for (const op of ops) {
      const o = this.overlay.get(op.key);
      if (o === undefined) this.overlay.set(op.key, { deleted: op.type === 'del', value: op.type === 'put' ? op.value : undefined, count: 1 });
      else {
        // A write to this key is still pending: the batch that takes both must keep only the last.
        this.repeatedKeys = true;
        o.deleted = op.type === 'del';
        o.value = op.type === 'put' ? op.value : undefined;
        o.count += 1;
      }
    }
    return new Promise<void>((resolve, reject) => {
      const durable = durability === 'durable';
      this.queue.push({ ops: encoded, durable, resolve, reject });
      if (durable) this.durablePending += 1;
      if (this.flushing) return;
      if (durable) this.startDrain();
      else this.gatherLazy();
    });
  }

  /** Flushes the pending (lazy) writes in LAZY_DELAY_MS, unless a flush starts before. */
  private gatherLazy(): void {
    this.lazyTimer ??= setTimeout(() => {
      this.lazyTimer = undefined;
      if (!this.flushing) this.startDrain();
    }, LAZY_DELAY_MS);
  }

  private startDrain(): void {
    if (this.lazyTimer) {
      clearTimeout(this.lazyTimer);
      this.lazyTimer = undefined;
    }
    const run = this.drain();
    // A drain that ended without awaiting (it cannot, as applyBatch is asynchronous, but if) cleared `flushing`
    // before this assignment: do not leave a settled promise there, which would stop every later write.
    this.flushing = this.draining ? run : undefined;
  }

  async flush(): Promise<void> {
    this.urgent += 1;
    try {
      for (;;) {
        if (!this.flushing && this.queue.length > 0) this.startDrain();
        if (!this.flushing) return;
        await this.flushing;
      }
    } finally {
      this.urgent -= 1;
    }
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        // Take as many pending writes as fit, in one slice (shift() per item is quadratic with thousands waiting).
        let n = 0;
        let take = 0;
        while (take < this.queue.length && (take === 0 || n + (this.queue[take]).ops.length <= this.maxBatchOps)) {
          n += (this.queue[take]).ops.length;
          take += 1;
        }
        const batch = this.queue.slice(0, take);
        this.queue = take === this.queue.length ? [] : this.queue.slice(take);
        // Only a key written twice while pending needs the batch's ops deduplicated (most batches have none).
        const dedupe = this.repeatedKeys;
        if (this.queue.length === 0) this.repeatedKeys = false;
        let sync = false;
        let all: EncodedOp[] = [];
        for (const p of batch) {
          if (p.durable) {
            this.durablePending -= 1;
            sync = true;
          }
          if (batch.length === 1) all = p.ops;
          else for (const op of p.ops) all.push(op);
        }
        const ops = dedupe ? lastWritePerKey(all) : all;
        try {
          await this.applyBatch(ops, sync);
          this.counters.flushes += 1;
          this.counters.opsWritten += ops.length;
          if (sync) this.counters.syncedFlushes += 1;
          this.settleOverlay(batch);
          for (const p of batch) p.resolve();
        } catch (err) {
          this.settleOverlay(batch);
          for (const p of batch) p.reject(err);
        }
        // Only lazy writes left, and nobody waiting for them: they wait to gather.
        if (this.queue.length > 0 && this.durablePending === 0 && this.urgent === 0 && !this.closed) {
          this.gatherLazy();
          break;
        }
      }
    } finally {
      this.draining = false;
      this.flushing = undefined;
    }
  }

  private settleOverlay(batch: Pending[]): void {
    for (const p of batch) {
      for (const op of p.ops) {
        const o = this.overlay.get(op.key);
        if (!o) continue;
        o.count -= 1;
        if (o.count <= 0) this.overlay.delete(op.key);
      }
    }
  }

  stats(): StoreStats {
    return { kind: this.kind, ...this.counters, pendingOps: this.queue.reduce((n, p) => n + p.ops.length, 0) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    // A write that came in while the flush ended (no more are taken now).
    await this.flush();
    await this.closeBackend();
  }
}

/**
 * Within one atomic batch only the last write to a key matters: a claim completed before its first write was
 * flushed, or a record put and deleted in the same window, costs one operation, not several.
 */
export function lastWritePerKey<T extends { key: string }>(ops: T[]): T[] {
  if (ops.length < 2) return ops;
  const last = new Map<string, number>();
  ops.forEach((op, i) => last.set(op.key, i));
  if (last.size === ops.length) return ops;
  return ops.filter((op, i) => last.get(op.key) === i);
}
