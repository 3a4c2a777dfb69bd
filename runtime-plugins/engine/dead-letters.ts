// The dead-letter queue: messages whose retries are exhausted or whose error cannot be retried, each with
// its original message, the reason and its class. Nothing is dropped: an entry leaves only by replay or by a
// discard that gives a reason (kept in the journal).
import { randomBytes } from 'node:crypto';
import type { ErrorClass } from '../sync-error.js';
import { pad, prefixEnd, type Store, type WriteOp } from './store.js';

export interface DeadLetterError {
  class: ErrorClass;
  code: string;
  message: string;
  retryable: boolean;
  status?: number;
  target?: string;
}

export interface DeadLetter {
  id: string;
  /** The queue the message came from, and goes back to on replay. */
  queue: string;
  lane: string;
  /** The original message as stored at intake (JSON text, see message-codec). */
  message: string;
  error: DeadLetterError;
  /** `retries-exhausted`, `not-retryable`, `compensation-failed`, `needs-remediation`… */
  reason: string;
  attempts: number;
  enqueuedAt: string;
  deadAt: string;
  correlationId?: string;
  businessKey?: string;
  /** Extra context for an operator (saga state, step results…). */
  context?: Record<string, unknown>;
}

export interface DeadLetterFilter {
  ids?: string[];
  queue?: string;
  errorClass?: ErrorClass;
  code?: string;
  reason?: string;
  businessKey?: string;
  correlationId?: string;
  /** ISO date-time: dead at or after. */
  since?: string;
}

const PREFIX = 'dlq/e/';

export function newDeadLetterId(now: number): string {
  return `${pad(now, 14)}-${randomBytes(4).toString('hex')}`;
}

export function matches(entry: DeadLetter, f: DeadLetterFilter): boolean {
  if (f.ids && !f.ids.includes(entry.id)) return false;
  if (f.queue !== undefined && entry.queue !== f.queue) return false;
  if (f.errorClass !== undefined && entry.error.class !== f.errorClass) return false;
  if (f.code !== undefined && entry.error.code !== f.code) return false;
  if (f.reason !== undefined && entry.reason !== f.reason) return false;
  if (f.businessKey !== undefined && entry.businessKey !== f.businessKey) return false;
  if (f.correlationId !== undefined && entry.correlationId !== f.correlationId) return false;
  if (f.since !== undefined && entry.deadAt < f.since) return false;
  return true;
}

export class DeadLetterStore {
  constructor(private readonly store: Store) {}

  key(id: string): string {
    return `${PREFIX}${id}`;
  }

  /** The write that adds an entry (to be batched atomically with the removal from its queue). */
  putOp(entry: DeadLetter): WriteOp {
    return { type: 'put', key: this.key(entry.id), value: entry };
  }

  delOp(id: string): WriteOp {
    return { type: 'del', key: this.key(id) };
  }

  get(id: string): Promise<DeadLetter | undefined> {
    return this.store.get<DeadLetter>(this.key(id));
  }

  /** Entries in the order they died, oldest first, after the id `after` when given. */
  async list(filter: DeadLetterFilter = {}, limit = 100, after?: string): Promise<DeadLetter[]> {
    await this.store.flush();
    const out: DeadLetter[] = [];
    if (filter.ids) {
      const got = await this.store.getMany<DeadLetter>(filter.ids.map((id) => this.key(id)));
      return got.filter((e): e is DeadLetter => e !== undefined && matches(e, filter)).slice(0, limit);
    }
    const range = after !== undefined ? { gt: this.key(after), lt: prefixEnd(PREFIX) } : { gte: PREFIX, lt: prefixEnd(PREFIX) };
    for await (const [, v] of this.store.scan<DeadLetter>(range)) {
      if (matches(v, filter)) out.push(v);
      if (out.length >= limit) break;
    }
    return out;
  }

  async count(filter: DeadLetterFilter = {}): Promise<number> {
    await this.store.flush();
    let n = 0;
    for await (const [, v] of this.store.scan<DeadLetter>({ gte: PREFIX, lt: prefixEnd(PREFIX) })) if (matches(v, filter)) n += 1;
    return n;
  }
}
