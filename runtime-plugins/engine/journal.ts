// The transaction journal: what happened to each transaction, stage by stage, by correlation ID. Entries are
// small (never payloads, never credentials). They are buffered and written as segments (one store write per
// 20 ms of activity, not one per event), so journalling costs the hot path almost nothing; lookups scan the
// segments, newest first, and the sweep drops whole segments after their retention.
import { EventEmitter } from 'node:events';
import type { ErrorClass } from '../sync-error.js';
import type { Clock } from './clock.js';
import { pad, prefixEnd, type Store } from './store.js';

export interface JournalEvent {
  correlationId: string;
  businessKey?: string;
  /** What happened: accepted, delivered, retry, dead-lettered, replayed, discarded, duplicate… */
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

const SEGMENTS = 'journal/s/';
const FLUSH_MS = 20;
const MAX_SEGMENT = 2000;

export class Journal extends EventEmitter {
  private buffer: JournalEntry[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private counter = 0;
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly onWriteError: (err: unknown) => void,
  ) {
    super();
    this.setMaxListeners(0);
  }

  record(event: JournalEvent): JournalEntry {
    const now = this.clock.now();
    const seq = `${pad(now, 14)}-${pad(this.counter++ % 1_000_000, 6)}`;
    // The caller's event object becomes the entry (no copy): events are built for the journal and not reused.
    const entry = event as JournalEntry;
    entry.seq = seq;
    entry.at = new Date(now).toISOString();
    this.buffer.push(entry);
    if (this.buffer.length >= MAX_SEGMENT) this.flushBuffer();
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flushBuffer(), FLUSH_MS);
      this.flushTimer.unref?.();
    }
    if (this.listenerCount('entry') > 0) this.emit('entry', entry);
    return entry;
  }

  private flushBuffer(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.buffer.length === 0) return;
    const entries = this.buffer;
    this.buffer = [];
    const first = entries[0];
    this.store.write([{ type: 'put', key: `${SEGMENTS}${first.seq}`, value: entries }], 'lazy').catch(this.onWriteError);
  }

  async flush(): Promise<void> {
    this.flushBuffer();
    await this.store.flush();
  }

  /** Every entry of one transaction, oldest first (scans segments since `sinceMs`, default all). */
  async forTransaction(correlationId: string, sinceMs?: number): Promise<JournalEntry[]> {
    await this.flush();
    const out: JournalEntry[] = [];
    const range = sinceMs !== undefined ? { gte: `${SEGMENTS}${pad(sinceMs, 14)}`, lt: prefixEnd(SEGMENTS) } : { gte: SEGMENTS, lt: prefixEnd(SEGMENTS) };
    for await (const [, segment] of this.store.scan<JournalEntry[]>(range)) {
      for (const e of segment) if (e.correlationId === correlationId) out.push(e);
    }
    return out;
  }

  /** The most recent entries, newest first, optionally filtered. */
  async recent(limit = 100, filter: (e: JournalEntry) => boolean = () => true): Promise<JournalEntry[]> {
    await this.flush();
    const out: JournalEntry[] = [];
    for await (const [, segment] of this.store.scan<JournalEntry[]>({ gte: SEGMENTS, lt: prefixEnd(SEGMENTS), reverse: true })) {
      for (let i = segment.length - 1; i >= 0; i--) {
        const e = segment[i];
        if (filter(e)) out.push(e);
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /** Deletes segments older than `retentionMs`, in batches, yielding between them. */
  async sweep(retentionMs: number, batchSize = 500): Promise<number> {
    await this.flush();
    const cutoff = `${SEGMENTS}${pad(this.clock.now() - retentionMs, 14)}`;
    let removed = 0;
    for (;;) {
      const keys: string[] = [];
      for await (const k of this.store.scanKeys({ gte: SEGMENTS, lt: cutoff, limit: batchSize })) keys.push(k);
      if (keys.length === 0) return removed;
      await this.store.write(keys.map((key) => ({ type: 'del' as const, key })), 'lazy');
      removed += keys.length;
      await new Promise<void>((r) => setImmediate(r));
    }
  }
}
