// A durable delivery queue (store-and-forward). A message is acknowledged to its sender only once it is in
// the store (fsync'd group commit); it leaves the store only when its delivery is acknowledged by the outcome
// coming back, or when it moves to the dead-letter queue in the same atomic write. Only a small window of each
// lane is in memory, so a million queued messages cost disk, not heap.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isTransientNetworkCode, SyncError, type ErrorClass } from '../sync-error.js';
import type { Clock } from './clock.js';
import type { DeadLetterStore} from './dead-letters.js';
import { newDeadLetterId, type DeadLetter, type DeadLetterError } from './dead-letters.js';
import type { Permit, TargetLimiter } from './limiter.js';
import { decodeMessage, encodeMessageExactly } from './message-codec.js';
import type { ClaimRef } from './ledger.js';
import { pad, prefixEnd, type Store, type WriteOp } from './store.js';

export const QueueSettings = z.object({
  lanes: z
    .array(z.object({ name: z.string().trim().min(1).max(64).regex(/^[^/]+$/, 'lane names may not contain /'), weight: z.number().int().min(1).max(100) }))
    .min(1)
    .default([{ name: 'default', weight: 1 }]),
  maxInFlight: z.number().int().min(1).max(10_000).default(10),
  orderByKey: z.boolean().default(true),
  maximumRedeliveries: z.number().int().min(0).max(1000).default(5),
  redeliveryDelayMs: z.number().int().min(0).default(1000),
  backOffMultiplier: z.number().min(1).max(10).default(2),
  maximumRedeliveryDelayMs: z.number().int().min(0).default(300_000),
  jitter: z.number().min(0).max(1).default(0.2),
  ackTimeoutMs: z.number().int().min(10).default(60_000),
  batchSize: z.number().int().min(1).max(200).default(1),
  maxMessageBytes: z.number().int().min(1024).default(5 * 1024 * 1024),
  retryableClasses: z.array(z.enum(['transient', 'rate-limit', 'auth', 'data', 'conflict', 'policy'])).default(['transient']),
  /** Messages kept in memory per lane, at most (see windowBytes). */
  windowSize: z.number().int().min(8).max(100_000).default(4096),
  /**
   * Stored text kept in memory per lane, at most (UTF-16 code units, about bytes): the window is bounded by size as
   * well as by count, so it holds thousands of small messages but only a few large ones. It always holds two batches.
   */
  windowBytes: z.number().int().min(64 * 1024).max(1024 * 1024 * 1024).default(8 * 1024 * 1024),
});
export type QueueSettingsInput = z.input<typeof QueueSettings>;
export type QueueSettings = z.output<typeof QueueSettings>;

/** Records read into a lane's window by one refill. */
const REFILL_CHUNK = 512;
/** Records a lane's window holds whatever their size (see minWindow). */
const MIN_WINDOW = 16;

/** The window holds at least two batches, so a backlog can always go out in full ones. */
function withWindow(s: QueueSettings): QueueSettings {
  return s.windowSize < 2 * s.batchSize ? { ...s, windowSize: 2 * s.batchSize } : s;
}

/**
 * A failure of the target as a whole (no answer, or a 5xx for the whole call), not of one record: once the target
 * answers a delivery in full again, records that wait only for it to come back need not sit out their backoff.
 */
function isOutage(e: DeadLetterError | undefined): boolean {
  if (e === undefined || e.class !== 'transient') return false;
  if (e.status !== undefined) return e.status >= 500;
  return isTransientNetworkCode(e.code);
}

export interface QueueRecord {
  seq: number;
  lane: string;
  /** Ordering key (business key): two messages with one key are never delivered out of order. */
  key?: string;
  message: string;
  enqueuedAt: number;
  /** Failed deliveries so far. */
  attempts: number;
  /** Deliveries bounced by the target's rate limit (not failures). */
  throttled?: number;
  notBefore?: number;
  lastError?: DeadLetterError;
  correlationId?: string;
  businessKey?: string;
  /** The idempotency claim the message carries (msg.sync.claim), committed when it is delivered. */
  claim?: ClaimRef;
  /** The message belongs to a saga (msg.sync.sagaId): the saga, not the delivery, completes the claim. */
  inSaga?: boolean;
}

/** A record as stored: its metadata as JSON, a newline, then the message's own JSON text (never re-escaped). */
export function encodeRecord(r: QueueRecord): string {
  const { message, ...meta } = r;
  return `${JSON.stringify(meta)}\n${message}`;
}

export function decodeRecord(text: string): QueueRecord {
  const nl = text.indexOf('\n');
  const meta = JSON.parse(text.slice(0, nl)) as Omit<QueueRecord, 'message'>;
  return { ...meta, message: text.slice(nl + 1) };
}

function claimOf(msg: Record<string, unknown>): { claim?: ClaimRef; inSaga?: boolean } {
  const sync = msg['sync'];
  if (typeof sync !== 'object' || sync === null) return {};
  const out: { claim?: ClaimRef; inSaga?: boolean } = {};
  const c = (sync as { claim?: Partial<ClaimRef> }).claim;
  if (c && typeof c.scope === 'string' && typeof c.key === 'string' && typeof c.claimId === 'string' && typeof c.retentionMs === 'number') {
    out.claim = { scope: c.scope, key: c.key, claimId: c.claimId, retentionMs: c.retentionMs };
  }
  if (typeof (sync as { sagaId?: unknown }).sagaId === 'string') out.inSaga = true;
  return out;
}

function putRecord(key: string, r: QueueRecord): WriteOp {
  return { type: 'put', key, value: encodeRecord(r), raw: true };
}

export interface DeliveryToken {
  queue: string;
  id: string;
  seqs: number[];
  lane: string;
  attempt: number;
  /** The limiter that granted this delivery its slot (a connector using the same one does not ask again). */
  target?: string;
}

export interface OutgoingDelivery {
  token: DeliveryToken;
  messages: Array<Record<string, unknown>>;
}

export type Outcome = { ok: true; result?: unknown } | { ok: false; error: SyncError };

interface InFlight {
  token: DeliveryToken;
  records: QueueRecord[];
  permit: Permit | undefined;
  timer: NodeJS.Timeout;
  startedAt: number;
}

interface Lane {
  name: string;
  weight: number;
  credit: number;
  buffer: QueueRecord[];
  /** Highest seq loaded into memory (or known to be not in the store). */
  cursor: number;
  /** True when everything in the store for this lane up to now is in the buffer. */
  exhausted: boolean;
  depth: number;
  loading: Promise<void> | undefined;
  /**
   * Records of this lane applied to the store so far. A refill whose scan may have missed a record written
   * meanwhile must not call the lane exhausted: that record would then wait in the store until a restart.
   */
  written: number;
  /** Deliveries of this lane being dispatched or in flight. */
  slots: number;
  /** Length of the stored text of the records in `buffer`. */
  bytes: number;
}

/** A lane's share of one pump: its deliverable records, cut into `batches` batches, `next` of them sent. */
interface Candidate {
  lane: Lane;
  records: QueueRecord[];
  batches: number;
  next: number;
  taken: Set<number> | undefined;
}

export interface QueueStats {
  queue: string;
  depth: number;
  lanes: Array<{ name: string; depth: number; buffered: number }>;
  inFlight: number;
  waitingRetry: number;
  delivered: number;
  retried: number;
  throttled: number;
  deadLettered: number;
  accepted: number;
  attached: boolean;
  oldestEnqueuedAt?: number;
}

export interface QueueEvents {
  accepted: { record: QueueRecord };
  delivered: { record: QueueRecord; result: unknown };
  retry: { record: QueueRecord; error: SyncError; delayMs: number };
  throttled: { record: QueueRecord; error: SyncError; pauseMs: number };
  'dead-letter': { entry: DeadLetter };
  /** Something changed; call stats() for the figures. */
  state: undefined;
}

export function errorSummary(err: SyncError): DeadLetterError {
  const e: DeadLetterError = { class: err.syncwright.class, code: err.syncwright.code, message: err.message, retryable: err.syncwright.retryable };
  if (err.syncwright.status !== undefined) e.status = err.syncwright.status;
  if (err.syncwright.target !== undefined) e.target = err.syncwright.target;
  return e;
}

export class DeliveryQueue extends EventEmitter {
  private settings: QueueSettings;
  private readonly lanes = new Map<string, Lane>();
  private readonly inFlight = new Map<string, InFlight>();
  /** Records out for delivery (or being dispatched), by seq; they are not in their lane's buffer meanwhile. */
  private readonly out = new Map<number, { record: QueueRecord; lane: Lane; id: string }>();
  /**
   * The accepted message object itself, by seq, for records in a lane's window that were never delivered and
   * whose stored text decodes to the same data: their first delivery hands it on instead of decoding the text
   * (a Node-RED node owns a message it received). Every later delivery decodes the stored text.
   */
  private readonly live = new Map<number, { msg: Record<string, unknown>; bytes: number }>();
  /** Stored text of the records in `live`: at most half a window's bytes, as objects take more room than their text. */
  private liveBytes = 0;
  /** Keys of the records out for delivery, with counts: later records with one of these keys wait. */
  private readonly keyHeld = new Map<string, number>();
  private dispatching = 0;
  private nextSeq = 1;
  private deliver: ((d: OutgoingDelivery) => void) | undefined;
  private limiter: TargetLimiter | undefined;
  private pumpScheduled = false;
  /** Records put to wait out an outage's backoff (or loaded so) since targetAnswers last looked. */
  private outageWaiting = 0;
  /** A record with a notBefore joined a window since earliestRetry last found none waiting. */
  private mayHaveDelayed = false;
  private readonly deliveryPrefix = `${randomUUID()}.`;
  /** Keys a pump has passed over (reused: a pump runs after every settle). */
  private readonly blocked = new Set<string>();
  private deliveries = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryTimerAt = 0;
  private closed = false;
  private counters = { delivered: 0, retried: 0, throttled: 0, deadLettered: 0, accepted: 0 };
  private readonly prefix: string;
  ready: Promise<void>;

  constructor(
    readonly id: string,
    settings: QueueSettingsInput,
    private readonly store: Store,
    private readonly deadLetters: DeadLetterStore,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {
    super();
    if (id.includes('/')) throw new Error(`queue names may not contain "/": ${id}`);
    this.settings = withWindow(QueueSettings.parse(settings));
    this.prefix = `q/${id}/m/`;
    this.ready = this.load();
  }

  private laneKey(lane: string): string {
    return `${this.prefix}${lane}/`;
  }

  private recordKey(r: Pick<QueueRecord, 'lane' | 'seq'>): string {
    return `${this.laneKey(r.lane)}${pad(r.seq)}`;
  }

  /** Finds the lanes in the store (including ones no longer configured: their messages still get delivered). */
  private async load(): Promise<void> {
    for (const l of this.settings.lanes) this.ensureLane(l.name, l.weight);
    let from = this.prefix;
    for (;;) {
      let found: string | undefined;
      for await (const k of this.store.scanKeys({ gte: from, lt: prefixEnd(this.prefix), limit: 1 })) found = k;
      if (found === undefined) break;
      const lane = found.slice(this.prefix.length).split('/')[0];
      this.ensureLane(lane, 1);
      from = prefixEnd(this.laneKey(lane));
    }
    for (const lane of this.lanes.values()) {
      let depth = 0;
      let last = 0;
      for await (const k of this.store.scanKeys({ gte: this.laneKey(lane.name), lt: prefixEnd(this.laneKey(lane.name)) })) {
        depth += 1;
        last = Number(k.slice(this.laneKey(lane.name).length));
      }
      lane.depth = depth;
      lane.exhausted = depth === 0;
      this.nextSeq = Math.max(this.nextSeq, last + 1);
    }
  }

  private ensureLane(name: string, weight: number): Lane {
    let lane = this.lanes.get(name);
    if (!lane) {
      lane = { name, weight, credit: 0, buffer: [], cursor: 0, exhausted: true, depth: 0, loading: undefined, written: 0, slots: 0, bytes: 0 };
      this.lanes.set(name, lane);
    }
    return lane;
  }

  updateSettings(settings: QueueSettingsInput): void {
    this.settings = withWindow(QueueSettings.parse(settings));
    for (const l of this.settings.lanes) this.ensureLane(l.name, l.weight).weight = l.weight;
    this.schedulePump();
  }

  get laneNames(): string[] {
    return [...this.lanes.keys()];
  }

  /** Connects the node that sends deliveries into the flow, and the limiter that paces them. */
  attach(deliver: (d: OutgoingDelivery) => void, limiter?: TargetLimiter): void {
    this.deliver = deliver;
    this.limiter = limiter;
    // Deliveries handed to a previous node instance (before a redeploy) may never come back: send them again.
    for (const f of [...this.inFlight.values()]) this.requeue(f);
    this.schedulePump();
  }

  detach(): void {
    this.deliver = undefined;
    this.limiter = undefined;
  }

  get isAttached(): boolean {
    return this.deliver !== undefined;
  }

  /**
   * Stores a message durably and resolves once it is on disk. Throws a `data` SyncError (nothing stored) when
   * the message cannot be stored or names an unknown lane.
   */
  async enqueue(msg: Record<string, unknown>, opts: { lane?: string; key?: string; correlationId?: string; businessKey?: string } = {}): Promise<QueueRecord> {
    if (this.closed) throw new SyncError(`queue ${this.id} is closed (Node-RED is stopping)`, { class: 'transient', code: 'QUEUE_CLOSED', retryable: true });
    await this.ready;
    const laneName = opts.lane ?? (this.settings.lanes[0] as { name: string }).name;
    if (!this.settings.lanes.some((l) => l.name === laneName) && !this.lanes.has(laneName)) {
      throw new SyncError(`unknown lane "${laneName}" for queue ${this.id}; configured lanes: ${this.settings.lanes.map((l) => l.name).join(', ')}`, { class: 'data', code: 'UNKNOWN_LANE', retryable: false });
    }
    const { text: message, exact } = encodeMessageExactly(msg, this.settings.maxMessageBytes);
    const record: QueueRecord = { seq: this.nextSeq++, lane: laneName, message, enqueuedAt: this.clock.now(), attempts: 0, ...claimOf(msg) };
    if (opts.key !== undefined && this.settings.orderByKey) record.key = opts.key;
    if (opts.correlationId !== undefined) record.correlationId = opts.correlationId;
    if (opts.businessKey !== undefined) record.businessKey = opts.businessKey;
    await this.store.write([putRecord(this.recordKey(record), record)], 'durable');
    this.accepted(record, exact ? msg : undefined);
    this.schedulePump();
    return record;
  }

  /**
   * Stores several messages in one durable write, together with `extraOps` (e.g. a poller's cursor), so that
   * either all of them and the extra state are on disk or none is. Resolves once fsync'd.
   */
  async enqueueBatch(items: Array<{ msg: Record<string, unknown>; key?: string; correlationId?: string; businessKey?: string; lane?: string }>, extraOps: WriteOp[] = []): Promise<QueueRecord[]> {
    if (this.closed) throw new SyncError(`queue ${this.id} is closed (Node-RED is stopping)`, { class: 'transient', code: 'QUEUE_CLOSED', retryable: true });
    await this.ready;
    const now = this.clock.now();
    const exact: boolean[] = [];
    const records = items.map((item) => {
      const laneName = item.lane ?? (this.settings.lanes[0] as { name: string }).name;
      const encoded = encodeMessageExactly(item.msg, this.settings.maxMessageBytes);
      exact.push(encoded.exact);
      const record: QueueRecord = { seq: this.nextSeq++, lane: laneName, message: encoded.text, enqueuedAt: now, attempts: 0, ...claimOf(item.msg) };
      if (item.key !== undefined && this.settings.orderByKey) record.key = item.key;
      if (item.correlationId !== undefined) record.correlationId = item.correlationId;
      if (item.businessKey !== undefined) record.businessKey = item.businessKey;
      return record;
    });
    await this.store.write([...records.map((r) => putRecord(this.recordKey(r), r)), ...extraOps], 'durable');
    records.forEach((record, i) => this.accepted(record, exact[i] ? items[i]?.msg : undefined));
    this.schedulePump();
    return records;
  }

  /**
   * A record is on disk: count it, and put it in its lane's window when the lane keeps up (everything before it is
   * in memory). `msg`, when its stored text decodes to the same data, is kept for the first delivery.
   */
  private accepted(record: QueueRecord, msg: Record<string, unknown> | undefined): void {
    const lane = this.ensureLane(record.lane, 1);
    lane.written += 1;
    lane.depth += 1;
    if (lane.exhausted && this.fits(lane, record) && record.seq > lane.cursor) {
      this.addToWindow(lane, record);
      lane.cursor = record.seq;
      if (msg !== undefined) this.keepLive(record, msg);
    } else if (record.seq > lane.cursor) {
      lane.exhausted = false;
    }
    this.counters.accepted += 1;
    this.emit('accepted', { record });
  }

  /** Puts a dead letter back (replay), atomically with its removal from the dead-letter queue. */
  async restore(entry: DeadLetter, message: string): Promise<QueueRecord> {
    await this.ready;
    const lane = this.ensureLane(entry.lane, 1);
    const record: QueueRecord = { seq: this.nextSeq++, lane: entry.lane, message, enqueuedAt: this.clock.now(), attempts: 0 };
    if (entry.businessKey !== undefined) {
      record.businessKey = entry.businessKey;
      if (this.settings.orderByKey) record.key = entry.businessKey;
    }
    if (entry.correlationId !== undefined) record.correlationId = entry.correlationId;
    await this.store.write([this.deadLetters.delOp(entry.id), putRecord(this.recordKey(record), record)], 'durable');
    lane.written += 1;
    lane.depth += 1;
    if (record.seq > lane.cursor) lane.exhausted = false;
    this.emit('accepted', { record });
    this.schedulePump();
    return record;
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump().catch((err: unknown) => this.emit('error', err));
    });
  }

  private async refill(lane: Lane): Promise<void> {
    if (lane.exhausted) return;
    if (lane.loading) return lane.loading;
    lane.loading = (async () => {
      // At most REFILL_CHUNK records a time: a scan answers from the iterator's cache in microtasks, which hold
      // the event loop (other lanes' acknowledgements and intake) until it ends. The next pump refills again.
      const want = Math.min(REFILL_CHUNK, this.settings.windowSize - lane.buffer.length);
      if (want <= 0) return;
      const writtenBefore = lane.written;
      let loaded = 0;
      let full = false;
      for await (const [, v] of this.store.scanRaw({ gt: `${this.laneKey(lane.name)}${pad(lane.cursor)}`, lt: prefixEnd(this.laneKey(lane.name)), limit: want })) {
        const r = decodeRecord(v);
        loaded += 1;
        if (r.notBefore !== undefined && isOutage(r.lastError)) this.outageWaiting += 1;
        if (r.seq > lane.cursor) {
          this.addToWindow(lane, r);
          lane.cursor = r.seq;
        }
        // The window is full by size: the rest waits in the store (leaving the loop closes the scan).
        if (!this.fits(lane, { message: '' })) {
          full = true;
          break;
        }
      }
      // Exhausted only if no record was written while the scan ran (it may not have seen that one).
      if (!full && loaded < want && lane.written === writtenBefore) lane.exhausted = true;
    })().finally(() => {
      lane.loading = undefined;
    });
    return lane.loading;
  }

  /**
   * Records a window always has room for, whatever their size: two batches, and at least 16, so a large message
   * waiting out a retry's backoff never keeps the rest of its lane on disk.
   */
  private get minWindow(): number {
    return Math.min(this.settings.windowSize, Math.max(2 * this.settings.batchSize, MIN_WINDOW));
  }

  /** Whether a record may join the lane's window: below the count and size bounds, or below minWindow. */
  private fits(lane: Lane, record: Pick<QueueRecord, 'message'>): boolean {
    if (lane.buffer.length < this.minWindow) return true;
    return lane.buffer.length < this.settings.windowSize && lane.bytes + record.message.length <= this.settings.windowBytes;
  }

  /** The window has room for a refill: below half its count and half its size, or below half of minWindow. */
  private dueForRefill(count: number, bytes: number): boolean {
    return count < this.minWindow / 2 || (count < this.settings.windowSize / 2 && bytes < this.settings.windowBytes / 2);
  }

  /**
   * Takes the dispatched records out of the window. They are mostly its first ones (deliverable() takes records
   * in order): that prefix goes in one splice, not a pass over a window of thousands on every dispatch.
   */
  private removeFromWindow(lane: Lane, seqs: Set<number>): void {
    const b = lane.buffer;
    let prefix = 0;
    while (prefix < b.length && seqs.has((b[prefix]).seq)) {
      lane.bytes -= (b[prefix]).message.length;
      prefix += 1;
    }
    if (prefix > 0) b.splice(0, prefix);
    let left = seqs.size - prefix;
    for (let i = 0; i < b.length && left > 0; ) {
      const r = b[i];
      if (seqs.has(r.seq)) {
        b.splice(i, 1);
        lane.bytes -= r.message.length;
        left -= 1;
      } else i += 1;
    }
  }

  private addToWindow(lane: Lane, record: QueueRecord): void {
    if (record.notBefore !== undefined) this.mayHaveDelayed = true;
    lane.buffer.push(record);
    lane.bytes += record.message.length;
  }

  private keepLive(record: QueueRecord, msg: Record<string, unknown>): void {
    const bytes = record.message.length;
    if (this.liveBytes + bytes > this.settings.windowBytes / 2) return;
    this.live.set(record.seq, { msg, bytes });
    this.liveBytes += bytes;
  }

  /**
   * Records of a lane that may be delivered now, honouring per-key order and retry delays. Records out for
   * delivery are not in the buffer; their keys are in `keyHeld`.
   */
  private deliverable(lane: Lane, max: number, now: number, blocked: Set<string>): QueueRecord[] {
    const out: QueueRecord[] = [];
    for (const r of lane.buffer) {
      if (out.length >= max) break;
      if (r.key !== undefined) {
        if (blocked.has(r.key) || this.keyHeld.has(r.key)) continue;
        // Whatever happens to this record, later ones with its key wait behind it.
        blocked.add(r.key);
      }
      if (r.notBefore !== undefined && r.notBefore > now) continue;
      out.push(r);
    }
    return out;
  }

  private earliestRetry(now: number): number | undefined {
    // A pump that sends nothing asks this after every settle during a burst (the slot kept for a quiet lane):
    // without records waiting out a delay it would walk every window (thousands of records) for nothing.
    if (!this.mayHaveDelayed) return undefined;
    let min: number | undefined;
    let delayed = false;
    for (const lane of this.lanes.values()) {
      for (const r of lane.buffer) {
        if (r.notBefore === undefined) continue;
        delayed = true;
        if (r.notBefore > now) min = min === undefined ? r.notBefore : Math.min(min, r.notBefore);
      }
    }
    // No record has a delay at all: until a delayed record joins a window again, there is nothing to look for.
    // (One whose delay has passed but that could not go yet keeps the look: a wall clock stepped back makes it
    // wait again.)
    if (!delayed) this.mayHaveDelayed = false;
    return min;
  }

  private armRetryTimer(now: number): void {
    const at = this.earliestRetry(now);
    if (at === undefined) return;
    if (this.retryTimer && this.retryTimerAt <= at) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimerAt = at;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.schedulePump();
    }, Math.max(1, at - now));
    this.retryTimer.unref?.();
  }

  private async pump(): Promise<void> {
    if (!this.deliver || this.closed) return;
    await this.ready;
    for (;;) {
      if (!this.deliver || this.closed) return;
      const capacity = this.settings.maxInFlight - this.inFlight.size - this.dispatching;
      if (capacity <= 0) return;
      const now = this.clock.now();
      const blocked = this.blocked;
      blocked.clear();
      const size = this.settings.batchSize;
      const candidates: Candidate[] = [];
      for (const lane of this.lanes.values()) {
        // Refilled in the background (a pump follows): one lane's store reads never hold up another lane's deliveries.
        if (this.dueForRefill(lane.buffer.length, lane.bytes) && !lane.exhausted && !lane.loading) {
          this.refill(lane).then(
            () => this.schedulePump(),
            // A refill still reading when the queue closes (Node-RED stopping) fails with the store: nothing to report.
            (err: unknown) => {
              if (!this.closed) this.emit('error', err);
            },
          );
        }
        const records = this.deliverable(lane, capacity * size, now, blocked);
        if (records.length === 0) continue;
        let batches = Math.ceil(records.length / size);
        // A short last batch waits while the store holds more of this lane and the window is due for a refill:
        // it goes with what the refill brings, so a backlog goes out in full batches (not 200, 200, 112 per window).
        const lastLength = records.length - (batches - 1) * size;
        if (lastLength < size && !lane.exhausted) {
          let sent = 0;
          for (let i = 0; i < records.length - lastLength; i++) sent += (records[i]).message.length;
          if (this.dueForRefill(lane.buffer.length - (records.length - lastLength), lane.bytes - sent)) batches -= 1;
        }
        if (batches > 0) candidates.push({ lane, records, batches, next: 0, taken: undefined });
      }
      if (candidates.length === 0) {
        // (Short batches held back go out after the refill under way, which pumps again.)
        this.armRetryTimer(now);
        return;
      }
      // Smooth weighted round robin over the lanes that have something to deliver.
      let dispatched = false;
      for (let sent = 0; sent < capacity; sent++) {
        const free = capacity - sent;
        let best: Candidate | undefined;
        let total = 0;
        for (const c of candidates) {
          if (c.next >= c.batches || this.reserved(c.lane) >= free) continue;
          total += c.lane.weight;
          c.lane.credit += c.lane.weight;
          if (!best || c.lane.credit > best.lane.credit) best = c;
        }
        if (!best) break;
        best.lane.credit -= total;
        const batch = best.records.slice(best.next * size, (best.next + 1) * size);
        best.next += 1;
        best.taken ??= new Set();
        for (const r of batch) best.taken.add(r.seq);
        this.dispatch(best.lane, batch);
        dispatched = true;
      }
      for (const c of candidates) if (c.taken) this.removeFromWindow(c.lane, c.taken);
      // Nothing could go (the free slots are kept for quiet lanes): a settle pumps again.
      if (!dispatched) {
        this.armRetryTimer(now);
        return;
      }
    }
  }

  /**
   * Slots kept free for the other lanes that have nothing out (a bulkhead): a burst on one lane never holds every
   * slot, so a message on a quiet lane goes out at once instead of waiting for one to free. Only when there are
   * more slots than lanes.
   */
  private reserved(lane: Lane): number {
    if (this.settings.maxInFlight <= this.lanes.size) return 0;
    let n = 0;
    for (const other of this.lanes.values()) if (other !== lane && other.slots === 0) n += 1;
    return n;
  }

  private hold(record: QueueRecord, lane: Lane, id: string): void {
    this.out.set(record.seq, { record, lane, id });
    if (record.key !== undefined) this.keyHeld.set(record.key, (this.keyHeld.get(record.key) ?? 0) + 1);
  }

  /** Takes a record back from "out for delivery" (when `id` still holds it). */
  private unhold(seq: number, id: string): { record: QueueRecord; lane: Lane } | undefined {
    const o = this.out.get(seq);
    if (!o || o.id !== id) return undefined;
    this.out.delete(seq);
    const key = o.record.key;
    if (key !== undefined) {
      const n = (this.keyHeld.get(key) ?? 1) - 1;
      if (n <= 0) this.keyHeld.delete(key);
      else this.keyHeld.set(key, n);
    }
    return o;
  }

  private insertSorted(lane: Lane, record: QueueRecord): void {
    if (record.notBefore !== undefined) this.mayHaveDelayed = true;
    const b = lane.buffer;
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((b[mid]).seq < record.seq) lo = mid + 1;
      else hi = mid;
    }
    const replaced = b[lo]?.seq === record.seq ? (b[lo]) : undefined;
    if (replaced) {
      lane.bytes -= replaced.message.length;
      b[lo] = record;
    } else b.splice(lo, 0, record);
    lane.bytes += record.message.length;
  }

  private dispatch(lane: Lane, records: QueueRecord[]): void {
    // Unique across restarts (the prefix is drawn per queue) without a UUID per delivery.
    const id = `${this.deliveryPrefix}${(this.deliveries += 1).toString(36)}`;
    for (const r of records) this.hold(r, lane, id);
    this.dispatching += 1;
    lane.slots += 1;
    const limiter = this.limiter;
    const acquired = limiter ? limiter.acquire(1) : Promise.resolve(undefined);
    const giveBack = () => {
      for (const r of records) {
        const o = this.unhold(r.seq, id);
        if (o) this.insertSorted(o.lane, o.record);
      }
    };
    acquired
      .then((permit) => {
        this.dispatching -= 1;
        const deliver = this.deliver;
        if (!deliver || this.closed || records.some((r) => this.out.get(r.seq)?.id !== id)) {
          permit?.release();
          lane.slots -= 1;
          giveBack();
          this.schedulePump();
          return;
        }
        const attempt = Math.max(...records.map((r) => r.attempts)) + 1;
        const token: DeliveryToken = { queue: this.id, id, seqs: records.map((r) => r.seq), lane: lane.name, attempt };
        if (limiter) token.target = limiter.target;
        const timer = setTimeout(() => this.timeout(id), this.settings.ackTimeoutMs);
        timer.unref?.();
        this.inFlight.set(id, { token, records, permit, timer, startedAt: this.clock.now() });
        const messages = records.map((r) => this.takeLive(r.seq) ?? decodeMessage(r.message));
        deliver({ token, messages });
      })
      .catch((err: unknown) => {
        this.dispatching -= 1;
        lane.slots -= 1;
        giveBack();
        if (!this.closed) this.emit('error', err);
      });
  }

  /** The accepted message object of a record's first delivery (once), if it stands for the stored text. */
  private takeLive(seq: number): Record<string, unknown> | undefined {
    return this.live.size === 0 ? undefined : this.dropLive(seq);
  }

  /** Forgets the accepted object kept for a record; returns it. */
  private dropLive(seq: number): Record<string, unknown> | undefined {
    const kept = this.live.get(seq);
    if (kept === undefined) return undefined;
    this.live.delete(seq);
    this.liveBytes -= kept.bytes;
    return kept.msg;
  }

  private timeout(id: string): void {
    const f = this.inFlight.get(id);
    if (!f) return;
    const err = new SyncError(`no outcome came back within ${this.settings.ackTimeoutMs} ms (is the outcome wired back into the node?)`, { class: 'transient', code: 'ACK_TIMEOUT', retryable: true, target: this.limiter?.target });
    void this.settle(id, f.records.map(() => ({ ok: false, error: err }))).catch((e: unknown) => this.emit('error', e));
  }

  /** Hands in-flight records back to the buffer without counting an attempt (redeploy). */
  private requeue(f: InFlight): void {
    clearTimeout(f.timer);
    f.permit?.release();
    this.inFlight.delete(f.token.id);
    this.freeSlot(f);
    for (const r of f.records) {
      const o = this.unhold(r.seq, f.token.id);
      if (o) this.insertSorted(o.lane, o.record);
    }
  }

  private freeSlot(f: InFlight): void {
    const lane = this.lanes.get(f.token.lane);
    if (lane && lane.slots > 0) lane.slots -= 1;
  }

  /** Whether a delivery is still awaited. */
  isAwaiting(token: Pick<DeliveryToken, 'id'>): boolean {
    return this.inFlight.has(token.id);
  }

  /**
   * Settles a delivery: one outcome per record (a batch carries one per message). Success removes the record;
   * a throttle answer pauses the target and keeps it without counting an attempt; a retryable failure waits
   * and tries again up to `maximumRedeliveries`; anything else goes to the dead-letter queue.
   */
  async settle(id: string, outcomes: Outcome[]): Promise<void> {
    const f = this.inFlight.get(id);
    if (!f) return;
    clearTimeout(f.timer);
    this.inFlight.delete(id);
    this.freeSlot(f);
    f.permit?.release();
    const now = this.clock.now();
    const ops: WriteOp[] = [];
    const durableOps: WriteOp[] = [];
    const events: Array<() => void> = [];
    let throttlePause: number | undefined;
    // One delay per delivery: the records of a batch that failed together come back together, as a batch.
    let delays: Map<number, number> | undefined;
    const delayFor = (attempts: number): number => {
      delays ??= new Map<number, number>();
      let d = delays.get(attempts);
      if (d === undefined) delays.set(attempts, (d = this.redeliveryDelay(attempts)));
      return d;
    };
    f.records.forEach((held, i) => {
      const taken = this.unhold(held.seq, id);
      if (!taken) return;
      const { record, lane } = taken;
      const outcome = outcomes[i] ?? outcomes[outcomes.length - 1] ?? { ok: false, error: new SyncError('no outcome for this message in the batch result', { class: 'transient', code: 'MISSING_OUTCOME', retryable: true }) };
      if (outcome.ok) {
        ops.push({ type: 'del', key: this.recordKey(record) });
        lane.depth -= 1;
        this.counters.delivered += 1;
        events.push(() => this.emit('delivered', { record, result: outcome.result }));
        return;
      }
      const err = outcome.error;
      const cls: ErrorClass = err.syncwright.class;
      if (cls === 'rate-limit') {
        const pause = this.limiter ? this.limiter.throttled(err.syncwright.retryAfterMs) : (err.syncwright.retryAfterMs ?? this.settings.redeliveryDelayMs);
        throttlePause = pause;
        const updated: QueueRecord = { ...record, throttled: (record.throttled ?? 0) + 1, lastError: errorSummary(err) };
        if (!this.limiter) updated.notBefore = now + pause;
        this.insertSorted(lane, updated);
        ops.push(putRecord(this.recordKey(updated), updated));
        this.counters.throttled += 1;
        events.push(() => this.emit('throttled', { record: updated, error: err, pauseMs: pause }));
        return;
      }
      const retryable = err.syncwright.retryable && this.settings.retryableClasses.includes(cls);
      const attempts = record.attempts + 1;
      if (retryable && attempts <= this.settings.maximumRedeliveries) {
        const delay = delayFor(attempts);
        const updated: QueueRecord = { ...record, attempts, notBefore: now + delay, lastError: errorSummary(err) };
        if (isOutage(updated.lastError)) this.outageWaiting += 1;
        this.insertSorted(lane, updated);
        ops.push(putRecord(this.recordKey(updated), updated));
        this.counters.retried += 1;
        events.push(() => this.emit('retry', { record: updated, error: err, delayMs: delay }));
        return;
      }
      const entry: DeadLetter = {
        id: newDeadLetterId(now),
        queue: this.id,
        lane: record.lane,
        message: record.message,
        error: errorSummary(err),
        reason: retryable ? 'retries-exhausted' : 'not-retryable',
        attempts,
        enqueuedAt: new Date(record.enqueuedAt).toISOString(),
        deadAt: new Date(now).toISOString(),
      };
      if (record.correlationId !== undefined) entry.correlationId = record.correlationId;
      if (record.businessKey !== undefined) entry.businessKey = record.businessKey;
      durableOps.push({ type: 'del', key: this.recordKey(record) }, this.deadLetters.putOp(entry));
      lane.depth -= 1;
      this.counters.deadLettered += 1;
      events.push(() => this.emit('dead-letter', { entry }));
    });
    if (outcomes.some((o) => o.ok) && throttlePause === undefined) this.limiter?.succeeded();
    if (outcomes.length > 0 && outcomes.every((o) => o.ok)) this.targetAnswers(now);
    // The slots are free and the records out of the window: the next deliveries need not wait for these writes
    // (a refill reads only past the window, never a record settled here).
    this.schedulePump();
    // A move to the dead-letter queue is durable; everything else may be redone after a crash.
    if (durableOps.length === 0) await this.store.write(ops, 'lazy');
    else await Promise.all([this.store.write(ops, 'lazy'), this.store.write(durableOps, 'durable')]);
    for (const e of events) e();
    // Listeners (node status) read stats() when they redraw, at their own pace.
    this.emit('state');
    this.schedulePump();
  }

  /**
   * The target answered a whole delivery: records waiting out the backoff of an outage (isOutage) are due now.
   * Their stored notBefore stays (after a restart they wait it out once more); their attempt counts stay too.
   */
  private targetAnswers(now: number): void {
    // Only when such records were seen since the last look (the hot path pays nothing for it otherwise).
    if (this.outageWaiting === 0) return;
    this.outageWaiting = 0;
    for (const lane of this.lanes.values()) {
      for (const r of lane.buffer) {
        if (r.notBefore !== undefined && r.notBefore > now && isOutage(r.lastError)) r.notBefore = now;
      }
    }
  }

  /** Settles by record (a late success for a delivery that timed out still counts). */
  async settleLate(token: DeliveryToken, outcomes: Outcome[]): Promise<boolean> {
    if (this.inFlight.has(token.id)) {
      await this.settle(token.id, outcomes);
      return true;
    }
    if (!outcomes.every((o) => o.ok)) return false;
    // A success for a delivery we already gave up on: the message did arrive. Remove it unless it is out again.
    const removed: QueueRecord[] = [];
    for (const seq of token.seqs) {
      if (this.out.has(seq)) continue;
      for (const lane of this.lanes.values()) {
        const r = lane.buffer.find((x) => x.seq === seq);
        if (!r) continue;
        this.removeFromWindow(lane, new Set([seq]));
        this.dropLive(seq);
        lane.depth -= 1;
        this.counters.delivered += 1;
        removed.push(r);
      }
    }
    this.schedulePump();
    if (removed.length === 0) return false;
    await this.store.write(removed.map((r) => ({ type: 'del' as const, key: this.recordKey(r) })), 'lazy');
    for (const r of removed) this.emit('delivered', { record: r, result: undefined });
    return true;
  }

  private redeliveryDelay(attempt: number): number {
    const base = Math.min(this.settings.maximumRedeliveryDelayMs, this.settings.redeliveryDelayMs * this.settings.backOffMultiplier ** (attempt - 1));
    return Math.round(base * (1 - this.settings.jitter * this.random()));
  }

  stats(): QueueStats {
    let depth = 0;
    let waitingRetry = 0;
    let oldest: number | undefined;
    const now = this.clock.now();
    const lanes = [...this.lanes.values()].map((l) => {
      depth += l.depth;
      for (const r of l.buffer) if (r.notBefore !== undefined && r.notBefore > now) waitingRetry += 1;
      const first = l.buffer[0];
      if (first && (oldest === undefined || first.enqueuedAt < oldest)) oldest = first.enqueuedAt;
      return { name: l.name, depth: l.depth, buffered: l.buffer.length };
    });
    const s: QueueStats = { queue: this.id, depth, lanes, inFlight: this.inFlight.size, waitingRetry, ...this.counters, attached: this.isAttached };
    if (oldest !== undefined) s.oldestEnqueuedAt = oldest;
    return s;
  }

  /** Every stored record (for tests and the admin API), in seq order per lane. */
  async records(limit = 1000): Promise<QueueRecord[]> {
    await this.store.flush();
    const out: QueueRecord[] = [];
    for await (const [, v] of this.store.scanRaw({ gte: this.prefix, lt: prefixEnd(this.prefix), limit })) out.push(decodeRecord(v));
    return out;
  }

  close(): Promise<void> {
    this.closed = true;
    this.detach();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const f of this.inFlight.values()) {
      clearTimeout(f.timer);
      f.permit?.release();
    }
    this.inFlight.clear();
    this.live.clear();
    this.liveBytes = 0;
    for (const lane of this.lanes.values()) lane.slots = 0;
    this.removeAllListeners();
    return Promise.resolve();
  }
}
