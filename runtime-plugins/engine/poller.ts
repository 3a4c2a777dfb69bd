// A durable poller for trigger nodes (Salesforce closed-won, NetSuite changes): each poll's findings and the
// advanced cursor are written in one fsync'd batch into the poller's outbox queue, then emitted from there.
// A restart neither misses a record (the cursor never runs ahead of what is stored) nor repeats one (what was
// stored is emitted once and removed). Only a crash in the instant between emitting and removing can emit a
// record again, which the idempotency node downstream absorbs.
import { EventEmitter } from 'node:events';
import type { Engine } from './engine.js';
import type { DeliveryQueue, OutgoingDelivery } from './queue.js';
import type { WriteOp } from './store.js';

export interface PollResult<C> {
  items: Array<{ msg: Record<string, unknown>; key?: string; correlationId?: string; businessKey?: string }>;
  /** The cursor after these items (written atomically with them). */
  cursor: C;
  /** More results are waiting: poll again at once instead of after the interval. */
  more?: boolean;
  /** Further state written in the same atomic, fsync'd batch as the items and the cursor (e.g. what was emitted). */
  ops?: WriteOp[];
}

export interface PollerOptions<C> {
  intervalMs: number;
  poll(cursor: C | undefined): Promise<PollResult<C>>;
  emit(msg: Record<string, unknown>): void;
  /** Initial cursor when none is stored (e.g. "now" to skip history). */
  initialCursor?: () => C;
}

export class DurablePoller<C> extends EventEmitter {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** A poll was asked for while one was running. */
  private again = false;
  private stopped = false;
  private queue: DeliveryQueue | undefined;
  lastError: unknown;
  lastPollAt: number | undefined;

  constructor(
    private readonly engine: Engine,
    readonly id: string,
    private readonly options: PollerOptions<C>,
  ) {
    super();
  }

  private get cursorKey(): string {
    return `poller/${this.id}/cursor`;
  }

  async cursor(): Promise<C | undefined> {
    return this.engine.store.get<C>(this.cursorKey);
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.queue = await this.engine.queue(`poller:${this.id}`, { maxInFlight: 100, orderByKey: false, ackTimeoutMs: 60_000 });
    this.queue.attach((d: OutgoingDelivery) => this.deliver(d));
    if ((await this.cursor()) === undefined && this.options.initialCursor) {
      await this.engine.store.write([{ type: 'put', key: this.cursorKey, value: this.options.initialCursor() }], 'durable');
    }
    this.schedule(0);
  }

  private deliver(d: OutgoingDelivery): void {
    const q = this.queue;
    if (!q) return;
    for (const m of d.messages) this.options.emit(m);
    q.settle(d.token.id, d.messages.map(() => ({ ok: true }))).catch((err: unknown) => this.emit('error', err));
  }

  /** Runs the next poll after `ms`; never two polls at once (a trigger during a poll runs right after it). */
  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.running) {
      if (ms === 0) this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.pollOnce()
        .then(
          (more) => more,
          (err: unknown) => {
            this.lastError = err;
            this.emit('error', err);
            return false;
          },
        )
        .then((more) => {
          this.running = undefined;
          const now = more || this.again;
          this.again = false;
          this.schedule(now ? 0 : this.options.intervalMs);
        });
    }, ms);
  }

  /** One poll: returns whether more results are waiting. */
  async pollOnce(): Promise<boolean> {
    const q = this.queue;
    if (!q) throw new Error('poller not started');
    const cursor = await this.cursor();
    const result = await this.options.poll(cursor);
    this.lastPollAt = Date.now();
    this.lastError = undefined;
    const cursorOp = { type: 'put' as const, key: this.cursorKey, value: result.cursor };
    if (result.items.length > 0) await q.enqueueBatch(result.items, [cursorOp, ...(result.ops ?? [])]);
    else await this.engine.store.write([cursorOp, ...(result.ops ?? [])], 'durable');
    this.emit('polled', { found: result.items.length, cursor: result.cursor });
    return result.more === true;
  }

  /** Polls now (an inject into the trigger node). */
  trigger(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.queue?.detach();
    await this.running;
  }
}
