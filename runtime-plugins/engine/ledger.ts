// The idempotency ledger (Camel's Idempotent Consumer, with Stripe's stored results): one entry per key,
// claimed with a lease, completed with the result of the first run, released on failure, swept after its
// retention. Entries are cached in memory; writes are lazy (a claim lost with the machine only lets the
// message run again, and every side effect downstream is keyed).
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Clock } from './clock.js';
import { KeyedMutex } from './keyed-mutex.js';
import { pad, prefixEnd, type Store, type WriteOp } from './store.js';

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
const EXPIRY = 'idem/x/';

/** Emits `changed` ({scope, key, entry}) whenever an entry is claimed, completed, released or removed. */
export class IdempotencyLedger extends EventEmitter {
  private readonly cache = new Map<string, LedgerEntry | null>();
  private readonly mutex = new KeyedMutex();
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

  private expiryKey(e: Pick<LedgerEntry, 'expiresAt' | 'scope' | 'key'>): string {
    return `${EXPIRY}${pad(e.expiresAt)}/${e.scope}/${e.key}`;
  }

  private async load(scope: string, key: string): Promise<LedgerEntry | undefined> {
    const id = this.id(scope, key);
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

  private persist(previous: LedgerEntry | undefined, next: LedgerEntry | undefined, scope: string, key: string): void {
    const ops: WriteOp[] = [];
    if (previous && (!next || previous.expiresAt !== next.expiresAt)) ops.push({ type: 'del', key: this.expiryKey(previous) });
    if (next) {
      ops.push({ type: 'put', key: this.entryKey(scope, key), value: next });
      if (!previous || previous.expiresAt !== next.expiresAt) ops.push({ type: 'put', key: this.expiryKey(next), value: 1 });
    } else {
      ops.push({ type: 'del', key: this.entryKey(scope, key) });
    }
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

  /** Records the result of the run that holds `claimId`; false if the claim is no longer held. */
  complete(scope: string, key: string, claimId: string, result: unknown, retentionMs: number): Promise<boolean> {
    return this.mutex.run(this.id(scope, key), async () => {
      const existing = await this.load(scope, key);
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
    return this.mutex.run(this.id(scope, key), async () => {
      const existing = await this.load(scope, key);
      if (!existing || existing.claimId !== claimId || existing.state !== 'claimed') return false;
      this.persist(existing, undefined, scope, key);
      return true;
    });
  }

  /** Extends the lease of a long-running holder. */
  renew(scope: string, key: string, claimId: string, leaseMs: number): Promise<boolean> {
    return this.mutex.run(this.id(scope, key), async () => {
      const existing = await this.load(scope, key);
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
   * Deletes entries whose retention ended, in small batches with a yield between them so the flow is never
   * blocked. Returns how many were removed.
   */
  async sweep(maxEntries = 100_000, batchSize = 500): Promise<number> {
    const now = this.clock.now();
    let removed = 0;
    for (;;) {
      const due: string[] = [];
      for await (const k of this.store.scanKeys({ gte: EXPIRY, lt: `${EXPIRY}${pad(now)}`, limit: batchSize })) due.push(k);
      if (due.length === 0) break;
      for (const k of due) {
        const rest = k.slice(EXPIRY.length + 17);
        const slash = rest.indexOf('/');
        const scope = rest.slice(0, slash);
        const key = rest.slice(slash + 1);
        await this.mutex.run(this.id(scope, key), async () => {
          const entry = await this.load(scope, key);
          const ops: WriteOp[] = [{ type: 'del', key: k }];
          if (entry && entry.expiresAt <= now) {
            ops.push({ type: 'del', key: this.entryKey(scope, key) });
            this.remember(this.id(scope, key), null);
            removed += 1;
          }
          await this.store.write(ops, 'lazy');
        });
      }
      if (removed >= maxEntries) break;
      await new Promise<void>((r) => setImmediate(r));
    }
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
