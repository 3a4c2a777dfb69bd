// The transaction journal: what happened to each transaction, stage by stage, by correlation ID. Entries are
// small (never payloads, never credentials), written lazily in batches, and swept after their retention.
import { EventEmitter } from 'node:events';
import type { ErrorClass } from '../sync-error.js';
import type { Clock } from './clock.js';
import { pad, prefixEnd, type Store, type WriteOp } from './store.js';

export interface JournalEvent {
  correlationId: string;
  businessKey?: string;
  /** What happened: accepted, delivered, retry, dead-lettered, replayed, discarded, duplicate, claimed… */
  stage: string;
  status: 'ok' | 'failed' | 'info';
  /** The node or engine part that reports it. */
  source?: { nodeId?: string; nodeType?: string; name?: string; queue?: string };
  errorClass?: ErrorClass;
  code?: string;
  message?: string;
  /** Small extra facts (attempt, ids created, reason…). */
  detail?: Record<string, string | number | boolean | null>;
}

export interface JournalEntry extends JournalEvent {
  at: string;
  seq: string;
}

const BY_CORRELATION = 'journal/c/';
const BY_TIME = 'journal/t/';

export class Journal extends EventEmitter {
  private buffer: WriteOp[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private counter = 0;
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly onWriteError: (err: unknown) => void,
  ) {
    super();
  }

  record(event: JournalEvent): JournalEntry {
    const now = this.clock.now();
    const seq = `${pad(now, 14)}-${pad(this.counter++ % 1_000_000, 6)}`;
    const entry: JournalEntry = { ...event, at: new Date(now).toISOString(), seq };
    this.buffer.push({ type: 'put', key: `${BY_CORRELATION}${event.correlationId}/${seq}`, value: entry });
    this.buffer.push({ type: 'put', key: `${BY_TIME}${seq}`, value: event.correlationId });
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flushBuffer(), 20);
      this.flushTimer.unref?.();
    }
    this.emit('entry', entry);
    return entry;
  }

  private flushBuffer(): void {
    this.flushTimer = undefined;
    if (this.buffer.length === 0) return;
    const ops = this.buffer;
    this.buffer = [];
    this.store.write(ops, 'lazy').catch(this.onWriteError);
  }

  async flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushBuffer();
    await this.store.flush();
  }

  async forTransaction(correlationId: string): Promise<JournalEntry[]> {
    await this.flush();
    const out: JournalEntry[] = [];
    const prefix = `${BY_CORRELATION}${correlationId}/`;
    for await (const [, v] of this.store.scan<JournalEntry>({ gte: prefix, lt: prefixEnd(prefix) })) out.push(v);
    return out;
  }

  /** Most recent entries first. */
  async recent(limit = 100): Promise<JournalEntry[]> {
    await this.flush();
    const ids: Array<[string, string]> = [];
    for await (const [k, v] of this.store.scan<string>({ gte: BY_TIME, lt: prefixEnd(BY_TIME), reverse: true, limit })) ids.push([k.slice(BY_TIME.length), v]);
    const entries = await this.store.getMany<JournalEntry>(ids.map(([seq, corr]) => `${BY_CORRELATION}${corr}/${seq}`));
    return entries.filter((e): e is JournalEntry => e !== undefined);
  }

  /** Deletes entries older than `retentionMs`, in batches, yielding between them. */
  async sweep(retentionMs: number, batchSize = 1000): Promise<number> {
    await this.flush();
    const cutoff = pad(this.clock.now() - retentionMs, 14);
    let removed = 0;
    for (;;) {
      const ops: WriteOp[] = [];
      for await (const [k, corr] of this.store.scan<string>({ gte: BY_TIME, lt: `${BY_TIME}${cutoff}`, limit: batchSize })) {
        ops.push({ type: 'del', key: k }, { type: 'del', key: `${BY_CORRELATION}${corr}/${k.slice(BY_TIME.length)}` });
      }
      if (ops.length === 0) return removed;
      await this.store.write(ops, 'lazy');
      removed += ops.length / 2;
      await new Promise<void>((r) => setImmediate(r));
    }
  }
}
