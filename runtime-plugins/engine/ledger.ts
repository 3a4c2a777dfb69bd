// The idempotency ledger (Camel's Idempotent Consumer, with Stripe's stored results): one entry per key,
// claimed with a lease, completed with the result of the first run, released on failure, swept after its
// retention. Entries are cached in memory; writes are lazy (a claim lost with the machine only lets the
// message run again, and every side effect downstream is keyed).
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Clock } from './clock.js';
import { BloomFilter } from './bloom.js';
import { KeyedMutex } from './keyed-mutex.js';
import { prefixEnd, type Store, type WriteOp } from './store.js';

/** What the idempotency node writes into msg.sync.claim, so that whoever completes the transaction can commit it. */
export interface ClaimRef {
  scope: string;
  key: string;
  claimId: string;
  retentionMs: number;
}

export interface LedgerEntry {
  scope: string;
  key: string;
  state: 'claimed' | 'completed';
  claimId: string;
  version: number;
  fingerprint?: string;
  claimedAt: number;
  leaseUntil: number;
  completedAt?: number;
  /** What the first run produced (e.g. the ids it created), replayed to duplicates. */
  result?: unknown;
  correlationId?: string;
  /** When the sweep may delete the entry. */
  expiresAt: number;
}

export type ClaimOutcome =
  | { outcome: 'claimed'; entry: LedgerEntry }
  | { outcome: 'duplicate'; entry: LedgerEntry }
  | { outcome: 'in-flight'; entry: LedgerEntry }
  | { outcome: 'conflict'; entry: LedgerEntry };

export interface ClaimOptions {
  fingerprint?: string;
  leaseMs: number;
  /** How long a completed key is remembered. */
  retentionMs: number;
  /** Same key, different fingerprint, already completed: report a conflict, or run it as a new version. */
  onFingerprintChange: 'conflict' | 'new-version';
  correlationId?: string;
}

const ENTRY = 'idem/e/';

/** Emits `changed` ({scope, key, entry}) whenever an entry is claimed, completed, released or removed. */
export class IdempotencyLedger extends EventEmitter {
  private readonly cache = new Map<string, LedgerEntry | null>();
  private readonly mutex = new KeyedMutex();
  /** Every key ever written since start plus those found in the store; ready once the store was scanned. */
  private readonly bloom = new BloomFilter();
  private bloomReady = false;
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly onWriteError: (err: unknown) => void,
    private readonly cacheSize = 100_000,
  ) {
    super();
    this.setMaxListeners(0);
  }

  private id(scope: string, key: string): string {
    return `${scope}\u0000${key}`;
  }

  private entryKey(scope: string, key: string): string {
    return `${ENTRY}${scope}/${key}`;
  }

  /** Reads every stored key into the Bloom filter (in the background, at start); until then every miss reads the store. */
  async warmUp(): Promise<void> {
    for await (const k of this.store.scanKeys({ gte: ENTRY, lt: prefixEnd(ENTRY) })) {
      const rest = k.slice(ENTRY.length);
      const slash = rest.indexOf('/');
      this.bloom.add(this.id(rest.slice(0, slash), rest.slice(slash + 1)));
    }
    this.bloomReady = true;
  }

  /** Known absent without a store read: the filter is ready and has never seen the key. */
  private knownAbsent(id: string): boolean {
    return this.bloomReady && !this.bloom.mightContain(id);
  }

  private async load(scope: string, key: string): Promise<LedgerEntry | undefined> {
    const id = this.id(scope, key);
    if (!this.cache.has(id) && this.knownAbsent(id)) {
      this.remember(id, null);
      return undefined;
    }
    const cached = this.cache.get(id);
    if (cached !== undefined) {
      // refresh LRU position
      this.cache.delete(id);
      this.cache.set(id, cached);
      return cached ?? undefined;
    }
    const stored = await this.store.get<LedgerEntry>(this.entryKey(scope, key));
    this.remember(id, stored ?? null);
    return stored;
  }

  private remember(id: string, entry: LedgerEntry | null): void {
    this.cache.delete(id);
    this.cache.set(id, entry);
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }

  /** One write per change: the entry itself (the sweep finds expired entries by scanning, no index to keep). */
  private persist(_previous: LedgerEntry | undefined, next: LedgerEntry | undefined, scope: string, key: string): void {
    const ops: WriteOp[] = [next ? { type: 'put', key: this.entryKey(scope, key), value: next } : { type: 'del', key: this.entryKey(scope, key) }];
    if (next) this.bloom.add(this.id(scope, key));
    this.remember(this.id(scope, key), next ?? null);
    this.store.write(ops, 'lazy').catch(this.onWriteError);
    this.emit('changed', { scope, key, entry: next });
  }

  claim(scope: string, key: string, opts: ClaimOptions): Promise<ClaimOutcome> {
    const id = this.id(scope, key);
    // Fast path: the entry is cached and nobody else is working on the key, so deciding synchronously is
    // atomic (one thread) and costs no store read.
    if (!this.mutex.isBusy(id)) {
      const cached = this.cache.get(id);
      if (cached !== undefined) return Promise.resolve(this.decide(scope, key, cached ?? undefined, opts));
      if (this.knownAbsent(id)) return Promise.resolve(this.decide(scope, key, undefined, opts));
    }
    return this.mutex.run(id, async () => this.decide(scope, key, await this.load(scope, key), opts));
  }

  private decide(scope: string, key: string, existing: LedgerEntry | undefined, opts: ClaimOptions): ClaimOutcome {
    const now = this.clock.now();
    const fresh = (version: number): LedgerEntry => {
      const e: LedgerEntry = { scope, key, state: 'claimed', claimId: randomUUID(), version, claimedAt: now, leaseUntil: now + opts.leaseMs, expiresAt: now + Math.max(opts.retentionMs, opts.leaseMs) };
      if (opts.fingerprint !== undefined) e.fingerprint = opts.fingerprint;
      if (opts.correlationId !== undefined) e.correlationId = opts.correlationId;
      return e;
    };
    if (!existing || existing.expiresAt <= now) {
      const entry = fresh(1);
      this.persist(existing, entry, scope, key);
      return { outcome: 'claimed', entry };
    }
    if (existing.state === 'claimed') {
      if (existing.leaseUntil > now) return { outcome: 'in-flight', entry: existing };
      // The holder crashed or gave up without releasing: its lease expired, the key is claimable again.
      const entry = fresh(existing.version);
      this.persist(existing, entry, scope, key);
      return { outcome: 'claimed', entry };
    }
    const changed = opts.fingerprint !== undefined && existing.fingerprint !== undefined && opts.fingerprint !== existing.fingerprint;
    if (!changed) return { outcome: 'duplicate', entry: existing };
    if (opts.onFingerprintChange === 'conflict') return { outcome: 'conflict', entry: existing };
    const entry = fresh(existing.version + 1);
    this.persist(existing, entry, scope, key);
    return { outcome: 'claimed', entry };
  }

  /**
   * Runs a read-modify-write of one key: synchronously when its entry is cached and nobody else is working on
   * it (atomic on one thread, no store read, no promise chain), else in turn behind the key's mutex.
   */
  private update<T>(scope: string, key: string, change: (existing: LedgerEntry | undefined) => T): Promise<T> {
    const id = this.id(scope, key);
    if (!this.mutex.isBusy(id)) {
      const cached = this.cache.get(id);
      if (cached !== undefined) {
        try {
          return Promise.resolve(change(cached ?? undefined));
        } catch (err) {
          // (a 'changed' listener that throws): a rejection, as from the mutex path, never a synchronous throw
          return Promise.reject(err instanceof Error ? err : new Error(String(err)));
        }
      }
    }
    return this.mutex.run(id, async () => change(await this.load(scope, key)));
  }

  /** Records the result of the run that holds `claimId`; false if the claim is no longer held. */
  complete(scope: string, key: string, claimId: string, result: unknown, retentionMs: number): Promise<boolean> {
    return this.update(scope, key, (existing) => {
      if (!existing || existing.claimId !== claimId) return false;
      if (existing.state === 'completed') return true;
      const now = this.clock.now();
      const entry: LedgerEntry = { ...existing, state: 'completed', completedAt: now, expiresAt: now + retentionMs };
      if (result !== undefined) entry.result = result;
      this.persist(existing, entry, scope, key);
      return true;
    });
  }

  /** Gives the key up after a failure (removeOnFailure), so a retry can run; false if not held. */
  release(scope: string, key: string, claimId: string): Promise<boolean> {
    return this.update(scope, key, (existing) => {
      if (!existing || existing.claimId !== claimId || existing.state !== 'claimed') return false;
      this.persist(existing, undefined, scope, key);
      return true;
    });
  }

  /** Extends the lease of a long-running holder. */
  renew(scope: string, key: string, claimId: string, leaseMs: number): Promise<boolean> {
    return this.update(scope, key, (existing) => {
      if (!existing || existing.claimId !== claimId || existing.state !== 'claimed') return false;
      const now = this.clock.now();
      const entry = { ...existing, leaseUntil: now + leaseMs, expiresAt: Math.max(existing.expiresAt, now + leaseMs) };
      this.persist(existing, entry, scope, key);
      return true;
    });
  }

  async get(scope: string, key: string): Promise<LedgerEntry | undefined> {
    return this.load(scope, key);
  }

  /** Removes an entry whatever its state (an operator resetting a key). */
  async forget(scope: string, key: string): Promise<void> {
    await this.mutex.run(this.id(scope, key), async () => {
      const existing = await this.load(scope, key);
      if (existing) this.persist(existing, undefined, scope, key);
    });
  }

  /**
   * Deletes entries whose retention ended, scanning the ledger in small batches with a yield between them so
   * the flow is never blocked. Returns how many were removed.
   */
  async sweep(maxEntries = 1_000_000, batchSize = 1000): Promise<number> {
    await this.store.flush();
    const now = this.clock.now();
    let removed = 0;
    let after: string | undefined;
    for (;;) {
      const expired: LedgerEntry[] = [];
      let seen = 0;
      for await (const [k, e] of this.store.scan<LedgerEntry>({ ...(after === undefined ? { gte: ENTRY } : { gt: after }), lt: prefixEnd(ENTRY), limit: batchSize })) {
        after = k;
        seen += 1;
        if (e.expiresAt <= now) expired.push(e);
      }
      for (const e of expired) {
        await this.mutex.run(this.id(e.scope, e.key), async () => {
          const current = await this.load(e.scope, e.key);
          if (current && current.expiresAt <= now) {
            this.persist(current, undefined, e.scope, e.key);
            removed += 1;
          }
        });
      }
      if (seen < batchSize || removed >= maxEntries) break;
      await new Promise<void>((r) => setImmediate(r));
    }
    await this.store.flush();
    return removed;
  }

  /** Number of entries (for status and tests; scans keys). */
  async count(): Promise<number> {
    await this.store.flush();
    let n = 0;
    for await (const _ of this.store.scanKeys({ gte: ENTRY, lt: prefixEnd(ENTRY) })) n += 1;
    return n;
  }
}
