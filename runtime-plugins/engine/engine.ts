// The engine: one per Node-RED runtime. It owns the store and everything kept in it (idempotency ledger,
// delivery queues, dead letters, journal), the limiters of every target, and the background sweeps.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { SyncError } from '../sync-error.js';
import { systemClock, type Clock } from './clock.js';
import { DeadLetterStore, newDeadLetterId, type DeadLetter, type DeadLetterFilter } from './dead-letters.js';
import { Journal, type JournalEvent } from './journal.js';
import { IdempotencyLedger, type ClaimRef } from './ledger.js';
import { LevelStore } from './level-store.js';
import { TargetLimiter, type TargetLimitsInput } from './limiter.js';
import { MemoryStore } from './memory-store.js';
import { decodeMessage, encodeMessage } from './message-codec.js';
import { DeliveryQueue, type QueueRecord, type QueueSettingsInput } from './queue.js';
import { SagaCoordinator } from './saga.js';
import type { Store } from './store.js';

export interface EngineLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface EngineOptions {
  /** Where the LevelDB store lives (inside the Node-RED user directory by default). */
  storeDir: string;
  store?: 'leveldb' | 'memory';
  clock?: Clock;
  log?: EngineLog;
  /** How often retention sweeps run. */
  sweepIntervalMs?: number;
  journalRetentionMs?: number;
  /** How long completed and compensated sagas are kept (default 30 days). */
  sagaRetentionMs?: number;
}

export type { ClaimRef } from './ledger.js';

const DAY = 24 * 3600_000;

export class Engine extends EventEmitter {
  readonly ledger: IdempotencyLedger;
  readonly journal: Journal;
  readonly deadLetters: DeadLetterStore;
  readonly sagas: SagaCoordinator;
  private readonly queues = new Map<string, DeliveryQueue>();
  private readonly limiters = new Map<string, TargetLimiter>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly clock: Clock;
  readonly log: EngineLog;

  private constructor(
    readonly store: Store,
    private readonly options: EngineOptions,
  ) {
    super();
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? { info: () => undefined, warn: (m) => console.warn(m), error: (m) => console.error(m) };
    const onWriteError = (err: unknown) => this.log.error(`[syncwright] store write failed: ${err instanceof Error ? err.message : String(err)}`);
    this.ledger = new IdempotencyLedger(store, this.clock, onWriteError);
    this.journal = new Journal(store, this.clock, onWriteError);
    this.deadLetters = new DeadLetterStore(store);
    this.ledger.warmUp().catch((err: unknown) => this.log.error(`[syncwright] reading the idempotency ledger failed: ${err instanceof Error ? err.message : String(err)}`));
    this.sagas = new SagaCoordinator(this);
    const interval = options.sweepIntervalMs ?? 3600_000;
    this.sweepTimer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.log.error(`[syncwright] retention sweep failed: ${err instanceof Error ? err.message : String(err)}`));
    }, interval);
    this.sweepTimer.unref?.();
  }

  static async open(options: EngineOptions): Promise<Engine> {
    const store = options.store === 'memory' ? new MemoryStore() : await LevelStore.open(join(options.storeDir));
    return new Engine(store, options);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The limiter of a target, created on first use; given limits replace the current ones. */
  limiter(target: string, limits?: TargetLimitsInput): TargetLimiter {
    let l = this.limiters.get(target);
    if (!l) {
      l = new TargetLimiter(target, limits ?? {}, this.clock);
      this.limiters.set(target, l);
    } else if (limits) {
      l.update(limits);
    }
    return l;
  }

  hasLimiter(target: string): boolean {
    return this.limiters.has(target);
  }

  /** A delivery queue, loaded from the store on first use. */
  async queue(id: string, settings: QueueSettingsInput = {}): Promise<DeliveryQueue> {
    let q = this.queues.get(id);
    if (!q) {
      q = new DeliveryQueue(id, settings, this.store, this.deadLetters, this.clock);
      this.queues.set(id, q);
      this.wireQueue(q);
    } else {
      q.updateSettings(settings);
    }
    await q.ready;
    return q;
  }

  queueIds(): string[] {
    return [...this.queues.keys()];
  }

  private wireQueue(q: DeliveryQueue): void {
    const source = { queue: q.id };
    const base = (r: QueueRecord) => ({ correlationId: r.correlationId ?? `seq:${q.id}:${r.seq}`, ...(r.businessKey !== undefined ? { businessKey: r.businessKey } : {}) });
    // Acceptance is not journalled on its own (the queue record shows a waiting message): the delivered entry
    // says when the message was accepted, which keeps journalling to one entry per message on the hot path.
    q.on('delivered', ({ record, result }: { record: QueueRecord; result: unknown }) => {
      // Built in one literal (no spread of base()): this runs once per delivered message.
      const entry: JournalEvent = { correlationId: record.correlationId ?? `seq:${q.id}:${record.seq}`, stage: 'delivered', status: 'ok', source, detail: { attempts: record.attempts + 1, acceptedAt: new Date(record.enqueuedAt).toISOString(), lane: record.lane } };
      if (record.businessKey !== undefined) entry.businessKey = record.businessKey;
      this.journal.record(entry);
      this.commitClaimOf(record, result);
    });
    q.on('retry', ({ record, error, delayMs }: { record: QueueRecord; error: SyncError; delayMs: number }) => {
      this.journal.record({ ...base(record), stage: 'retry', status: 'failed', source, errorClass: error.syncwright.class, code: error.syncwright.code, message: error.message, detail: { attempt: record.attempts, delayMs } });
    });
    q.on('throttled', ({ record, error, pauseMs }: { record: QueueRecord; error: SyncError; pauseMs: number }) => {
      this.journal.record({ ...base(record), stage: 'throttled', status: 'info', source, errorClass: error.syncwright.class, code: error.syncwright.code, message: error.message, detail: { pauseMs } });
    });
    q.on('dead-letter', ({ entry }: { entry: DeadLetter }) => {
      this.journal.record({ correlationId: entry.correlationId ?? `dlq:${entry.id}`, ...(entry.businessKey !== undefined ? { businessKey: entry.businessKey } : {}), stage: 'dead-lettered', status: 'failed', source, errorClass: entry.error.class, code: entry.error.code, message: entry.error.message, detail: { reason: entry.reason, attempts: entry.attempts, id: entry.id } });
      this.releaseClaimOf(entry.message);
      this.emit('dead-letter', entry);
    });
    q.on('error', (err: unknown) => this.log.error(`[syncwright] queue ${q.id}: ${err instanceof Error ? err.message : String(err)}`));
  }

  /** The transaction a queue delivered completed it, unless a saga owns it: commit its idempotency claim. */
  private commitClaimOf(record: QueueRecord, result: unknown): void {
    const claim = record.claim;
    if (!claim || record.inSaga) return;
    this.ledger.complete(claim.scope, claim.key, claim.claimId, result, claim.retentionMs).catch((err: unknown) => this.log.error(`[syncwright] idempotency commit failed: ${String(err)}`));
  }

  /** A dead-lettered transaction gives its claim up, so a replay (or a retry from the source) can run. */
  private releaseClaimOf(message: string): void {
    const claim = claimInMessage(message);
    // Inside a saga the saga owns the claim: it releases it when it is compensated, not when one delivery dies.
    if (!claim || message.includes('"sagaId"')) return;
    this.ledger.release(claim.scope, claim.key, claim.claimId).catch((err: unknown) => this.log.error(`[syncwright] idempotency release failed: ${String(err)}`));
  }

  record(event: JournalEvent): void {
    this.journal.record(event);
  }

  /**
   * Adds an entry to the dead-letter queue directly (a saga that cannot compensate, a node that gives up).
   */
  async deadLetter(entry: Omit<DeadLetter, 'id' | 'deadAt'> & { id?: string }): Promise<DeadLetter> {
    const now = this.clock.now();
    const full: DeadLetter = { ...entry, id: entry.id ?? newDeadLetterId(now), deadAt: new Date(now).toISOString() };
    await this.store.write([this.deadLetters.putOp(full)], 'durable');
    this.journal.record({ correlationId: full.correlationId ?? `dlq:${full.id}`, ...(full.businessKey !== undefined ? { businessKey: full.businessKey } : {}), stage: 'dead-lettered', status: 'failed', source: { queue: full.queue }, errorClass: full.error.class, code: full.error.code, message: full.error.message, detail: { reason: full.reason, id: full.id } });
    this.emit('dead-letter', full);
    return full;
  }

  /**
   * Puts dead letters back on their queues. Replay is safe because every side effect is keyed. `edit`
   * replaces msg.payload of each replayed message (for a fix made by an operator).
   */
  async replay(filter: DeadLetterFilter, opts: { edit?: { payload: unknown }; by?: string } = {}): Promise<DeadLetter[]> {
    const entries = await this.deadLetters.list(filter, 10_000);
    const replayed: DeadLetter[] = [];
    for (const entry of entries) {
      let message = entry.message;
      if (opts.edit) {
        const msg = decodeMessage(message);
        msg['payload'] = opts.edit.payload;
        message = encodeMessage(msg, 50 * 1024 * 1024);
      }
      const q = await this.queue(entry.queue);
      await q.restore(entry, message);
      this.journal.record({ correlationId: entry.correlationId ?? `dlq:${entry.id}`, ...(entry.businessKey !== undefined ? { businessKey: entry.businessKey } : {}), stage: 'replayed', status: 'info', source: { queue: entry.queue }, detail: { id: entry.id, edited: opts.edit !== undefined, by: opts.by ?? null } });
      replayed.push(entry);
    }
    return replayed;
  }

  /** Removes dead letters for good. A reason is required and kept in the journal. */
  async discard(filter: DeadLetterFilter, reason: string, by?: string): Promise<DeadLetter[]> {
    if (typeof reason !== 'string' || reason.trim().length === 0) {
      throw new SyncError('discarding a dead letter needs a reason (it is kept in the journal)', { class: 'data', code: 'REASON_REQUIRED', retryable: false, fields: ['reason'] });
    }
    const entries = await this.deadLetters.list(filter, 10_000);
    if (entries.length === 0) return [];
    await this.store.write(entries.map((e) => this.deadLetters.delOp(e.id)), 'durable');
    for (const entry of entries) {
      this.journal.record({ correlationId: entry.correlationId ?? `dlq:${entry.id}`, ...(entry.businessKey !== undefined ? { businessKey: entry.businessKey } : {}), stage: 'discarded', status: 'info', source: { queue: entry.queue }, message: reason.trim(), detail: { id: entry.id, by: by ?? null } });
    }
    return entries;
  }

  async sweep(): Promise<{ ledger: number; journal: number; sagas: number }> {
    const ledger = await this.ledger.sweep();
    const journal = await this.journal.sweep(this.options.journalRetentionMs ?? 30 * DAY);
    const sagas = await this.sagas.sweep(this.options.sagaRetentionMs ?? 30 * DAY);
    return { ledger, journal, sagas };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.sagas.close();
    for (const q of this.queues.values()) await q.close();
    for (const l of this.limiters.values()) await l.close();
    await this.journal.flush();
    await this.store.close();
    this.removeAllListeners();
  }
}

function claimInMessage(message: string): ClaimRef | undefined {
  // Cheap test before parsing: most messages carry no claim.
  if (!message.includes('"claim"')) return undefined;
  const sync = decodeMessage(message)['sync'];
  if (typeof sync !== 'object' || sync === null) return undefined;
  const c = (sync as { claim?: Partial<ClaimRef> }).claim;
  if (!c || typeof c.scope !== 'string' || typeof c.key !== 'string' || typeof c.claimId !== 'string' || typeof c.retentionMs !== 'number') return undefined;
  return c as ClaimRef;
}
