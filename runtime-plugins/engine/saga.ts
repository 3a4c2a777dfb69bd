// Sagas (Camel's Saga EIP, orchestrated): a multi-step transaction whose steps run forward actions and, when a
// step fails for good or the saga times out, run the compensations of the completed steps in reverse order, or
// park the saga for a human. The SagaLog keeps every saga in the engine's store; the SagaCoordinator drives
// them. Every transition is one atomic durable write made BEFORE the action it leads to is emitted, so after a
// kill -9 each saga resumes from its record: an action in flight is sent again (steps are idempotent), nothing
// is forgotten.
//
// The coordinator never talks to Node-RED: nodes attach "ports" (saga name + step name), and the coordinator
// emits actions through them. A saga whose port is not attached yet (after a restart, before the flows start)
// waits for it.
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { ERROR_CLASSES, SyncError, type ErrorClass } from '../sync-error.js';
import type { Clock } from './clock.js';
import { newDeadLetterId, type DeadLetter, type DeadLetterError, type DeadLetterFilter } from './dead-letters.js';
import type { ClaimRef, EngineLog } from './engine.js';
import type { JournalEvent } from './journal.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { IdempotencyLedger } from './ledger.js';
import { decodeMessage, encodeMessage } from './message-codec.js';
import { pad, prefixEnd, type Store, type WriteOp } from './store.js';

export const SAGA_STATES = ['running', 'completed', 'compensating', 'compensated', 'compensation-failed', 'needs-remediation'] as const;
export type SagaState = (typeof SAGA_STATES)[number];
export const STEP_STATES = ['pending', 'running', 'done', 'failed', 'compensating', 'compensated', 'compensation-failed'] as const;
export type StepState = (typeof STEP_STATES)[number];
/** The three outcomes a saga's end node reports. */
export type SagaOutcome = 'completed' | 'compensated' | 'attention';

export const SagaName = z
  .string()
  .trim()
  .min(1, 'a saga needs a name')
  .max(64, 'a saga name has at most 64 characters')
  .regex(/^[^/]+$/, 'a saga name may not contain /');
export const StepName = z.string().trim().min(1, 'a saga step needs a name').max(128, 'a step name has at most 128 characters');

const RetryPolicy = z.object({
  maximumRedeliveries: z.number().int().min(0).max(1000),
  redeliveryDelayMs: z.number().int().min(0).max(86_400_000),
  backOffMultiplier: z.number().min(1).max(10),
  maximumRedeliveryDelayMs: z.number().int().min(0).max(86_400_000).default(300_000),
  retryableClasses: z.array(z.enum(ERROR_CLASSES)).default(['transient']),
});

export const StepPolicy = z.object({
  /** Retries of the forward action (Camel's names), only for errors of `retryableClasses`. */
  maximumRedeliveries: z.number().int().min(0).max(1000).default(3),
  redeliveryDelayMs: z.number().int().min(0).max(86_400_000).default(1000),
  backOffMultiplier: z.number().min(1).max(10).default(2),
  maximumRedeliveryDelayMs: z.number().int().min(0).max(86_400_000).default(300_000),
  retryableClasses: z.array(z.enum(ERROR_CLASSES)).default(['transient']),
  /** An action (forward or compensation) whose outcome has not come back in this time failed (transient). */
  outcomeTimeoutMs: z.number().int().min(10).max(86_400_000).default(60_000),
  /** The compensation's own retries. */
  compensation: RetryPolicy.default({ maximumRedeliveries: 5, redeliveryDelayMs: 1000, backOffMultiplier: 2, maximumRedeliveryDelayMs: 300_000, retryableClasses: ['transient'] }),
  /** Also compensate this step when its own forward action failed for good (it may have taken effect). */
  compensateFailed: z.boolean().default(false),
});
export type StepPolicyInput = z.input<typeof StepPolicy>;
export type StepPolicy = z.output<typeof StepPolicy>;

export const SagaOptions = z.object({
  name: SagaName,
  /** The saga must reach its end node within this time, or it is compensated (or parked). */
  timeoutMs: z.number().int().min(10).max(365 * 86_400_000).default(15 * 60_000),
  onFailure: z.enum(['compensate', 'park']).default('compensate'),
});
export type SagaOptionsInput = z.input<typeof SagaOptions>;

export interface SagaError {
  class: ErrorClass;
  code: string;
  message: string;
  retryable: boolean;
  status?: number;
  target?: string;
  at: number;
}

/** What is in flight for a step: its forward action (`do`) or its compensation (`undo`). */
export interface StepDispatch {
  id: string;
  kind: 'do' | 'undo';
  attempt: number;
  at: number;
  timeoutAt: number;
}

export interface SagaStep {
  name: string;
  index: number;
  state: StepState;
  /** Failed forward attempts (a throttled attempt is not a failure). */
  attempts: number;
  /** Failed compensation attempts. */
  compensationAttempts: number;
  /** Answers of "slow down" (rate limits), which wait without using up an attempt. */
  throttled: number;
  /** What the step created: the entries its action added to msg.sync.results. */
  result?: Record<string, unknown>;
  lastError?: SagaError;
  /** Whether the flow wires a compensation for this step (none: nothing to undo). */
  hasCompensation: boolean;
  policy: StepPolicy;
  dispatch?: StepDispatch;
  /** Waiting for a retry until then. */
  notBefore?: number;
  startedAt: number;
  updatedAt: number;
  completedAt?: number;
  compensatedAt?: number;
}

export interface SagaFailure {
  reason: 'step-failed' | 'timeout' | 'operator';
  step?: string;
  error: SagaError;
  at: number;
}

/** After-effects of a finished saga, kept in the record until done, so a crash cannot lose them. */
export interface SagaPending {
  claim?: 'commit' | 'release' | 'hold';
  deadLetter?: boolean;
  notify?: SagaOutcome;
}

export interface SagaRecord {
  id: string;
  name: string;
  state: SagaState;
  correlationId: string;
  businessKey?: string;
  startedAt: number;
  updatedAt: number;
  /** When a running saga times out. */
  deadline: number;
  timeoutMs: number;
  endedAt?: number;
  onFailure: 'compensate' | 'park';
  steps: SagaStep[];
  failure?: SagaFailure;
  /** The idempotency claim of the message that started the saga. */
  claim?: ClaimRef;
  /** Which stored message is the latest snapshot (`start`, `s000-in`, `s000-out`, `end`). */
  snapshot: string;
  deadLetterId?: string;
  pending: SagaPending;
}

export interface SagaFilter {
  name?: string;
  state?: SagaState | SagaState[];
  businessKey?: string;
  correlationId?: string;
  /** Started at or after (ISO date-time or epoch ms). */
  since?: string | number;
}

/** The token an action message carries in msg.sync.sagaAction, recognised when its outcome comes back. */
export interface SagaActionToken {
  sagaId: string;
  saga: string;
  step: string;
  kind: 'do' | 'undo';
  id: string;
  attempt: number;
}

type Msg = Record<string, unknown>;

export interface StartPort {
  readonly saga: string;
  emit(msg: Msg): void;
}

export interface StepPort {
  readonly saga: string;
  readonly step: string;
  readonly policy: StepPolicy;
  readonly hasCompensation: boolean;
  emit(output: 'do' | 'next' | 'undo', msg: Msg): void;
}

export interface EndPort {
  readonly saga: string;
  emit(output: SagaOutcome, msg: Msg): void;
}

/** What the coordinator needs of the engine. */
export interface SagaHost {
  readonly store: Store;
  readonly clock: Clock;
  readonly log: EngineLog;
  readonly ledger: IdempotencyLedger;
  record(event: JournalEvent): void;
  deadLetter(entry: Omit<DeadLetter, 'id' | 'deadAt'> & { id?: string }): Promise<DeadLetter>;
  discard(filter: DeadLetterFilter, reason: string, by?: string): Promise<DeadLetter[]>;
}

export interface ArrivalResult {
  /** Set when the message did not start the step, with the reason. */
  ignored?: string;
}

const RECORD = 'saga/r/';
const MESSAGE = 'saga/m/';
const ACTIVE = 'saga/a/';
const ENDED = 'saga/x/';
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_MESSAGE_BYTES = 5 * 1024 * 1024;
const ATTENTION: readonly SagaState[] = ['compensation-failed', 'needs-remediation'];

export function newSagaId(now: number): string {
  return `${pad(now, 14)}-${randomBytes(5).toString('hex')}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function syncOf(msg: Msg): Record<string, unknown> {
  const s = msg['sync'];
  if (isObject(s)) return s;
  const fresh: Record<string, unknown> = {};
  msg['sync'] = fresh;
  return fresh;
}

export function actionTokenOf(msg: Msg): SagaActionToken | undefined {
  const sync = msg['sync'];
  if (!isObject(sync)) return undefined;
  const t = sync['sagaAction'];
  if (!isObject(t)) return undefined;
  const ok = typeof t['sagaId'] === 'string' && typeof t['saga'] === 'string' && typeof t['step'] === 'string' && (t['kind'] === 'do' || t['kind'] === 'undo') && typeof t['id'] === 'string' && typeof t['attempt'] === 'number';
  return ok ? (t as unknown as SagaActionToken) : undefined;
}

function claimOf(msg: Msg): ClaimRef | undefined {
  const sync = msg['sync'];
  if (!isObject(sync) || !isObject(sync['claim'])) return undefined;
  const c = sync['claim'];
  if (typeof c['scope'] !== 'string' || typeof c['key'] !== 'string' || typeof c['claimId'] !== 'string' || typeof c['retentionMs'] !== 'number') return undefined;
  return { scope: c['scope'], key: c['key'], claimId: c['claimId'], retentionMs: c['retentionMs'] };
}

function summariseError(err: SyncError, at: number): SagaError {
  const e: SagaError = { class: err.syncwright.class, code: err.syncwright.code, message: err.message, retryable: err.syncwright.retryable, at };
  if (err.syncwright.status !== undefined) e.status = err.syncwright.status;
  if (err.syncwright.target !== undefined) e.target = err.syncwright.target;
  return e;
}

/** The entries of msg.sync.results an action added or changed: what the step created. */
export function stepResultOf(before: unknown, after: unknown): Record<string, unknown> | undefined {
  if (!isObject(after)) return undefined;
  const prior = isObject(before) ? before : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(after)) if (JSON.stringify(prior[k]) !== JSON.stringify(v)) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

function encode(msg: Msg): string {
  return encodeMessage(msg, MAX_MESSAGE_BYTES);
}

function retryDelay(p: { redeliveryDelayMs: number; backOffMultiplier: number; maximumRedeliveryDelayMs: number }, attempt: number): number {
  return Math.round(Math.min(p.maximumRedeliveryDelayMs, p.redeliveryDelayMs * p.backOffMultiplier ** Math.max(0, attempt - 1)));
}

function sagaConflict(message: string): SyncError {
  return new SyncError(message, { class: 'conflict', code: 'SAGA_STATE', retryable: false });
}

/** One transition in progress: the working copy of the record, and what to do once it is on disk. */
interface Work {
  s: SagaRecord;
  now: number;
  ops: WriteOp[];
  journal: JournalEvent[];
  emits: Array<() => void>;
  after: Array<() => void>;
  /** Messages read or written during this transition (slot → text). */
  texts: Map<string, string>;
  changed: boolean;
}

export interface SagaCounts {
  running: number;
  compensating: number;
  completed: number;
  compensated: number;
  attention: number;
}

/**
 * The saga log (records, message snapshots, indexes) and the coordinator that drives every saga through its
 * states. Emits `changed` (SagaRecord) after every transition.
 */
export class SagaCoordinator extends EventEmitter {
  private readonly active = new Map<string, SagaRecord>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly mutex = new KeyedMutex();
  private readonly startPorts = new Map<string, StartPort>();
  private readonly stepPorts = new Map<string, StepPort>();
  private readonly endPorts = new Map<string, EndPort>();
  private readonly finished = new Map<string, { completed: number; compensated: number; attention: number }>();
  private closed = false;
  readonly ready: Promise<void>;

  constructor(private readonly host: SagaHost) {
    super();
    this.setMaxListeners(0);
    this.ready = this.load();
    this.ready.catch((err: unknown) => this.host.log.error(`[syncwright] loading sagas failed: ${String(err)}`));
  }

  // ---- keys ----

  private recordKey(id: string): string {
    return `${RECORD}${id}`;
  }
  private messageKey(id: string, slot: string): string {
    return `${MESSAGE}${id}/${slot}`;
  }
  private static slotIn(i: number): string {
    return `s${pad(i, 3)}-in`;
  }
  private static slotOut(i: number): string {
    return `s${pad(i, 3)}-out`;
  }

  /** Active sagas (running, compensating, or with after-effects outstanding) are kept in memory. */
  private async load(): Promise<void> {
    const ids: string[] = [];
    for await (const k of this.host.store.scanKeys({ gte: ACTIVE, lt: prefixEnd(ACTIVE) })) ids.push(k.slice(ACTIVE.length));
    const records = await this.host.store.getMany<SagaRecord>(ids.map((id) => this.recordKey(id)));
    for (const r of records) {
      if (!r) continue;
      this.active.set(r.id, r);
      this.arm(r);
    }
    for (const r of this.active.values()) if (hasPending(r.pending)) this.scheduleEffects(r.id);
  }

  // ---- ports ----

  attachStart(port: StartPort): () => void {
    this.startPorts.set(port.saga, port);
    this.onAttach(port.saga, (s) => s.state === 'running' && s.steps.length === 0, (w) => this.emitStart(w));
    return () => {
      if (this.startPorts.get(port.saga) === port) this.startPorts.delete(port.saga);
    };
  }

  attachStep(port: StepPort): () => void {
    const key = `${port.saga}\u0000${port.step}`;
    const previous = this.stepPorts.get(key);
    if (previous && previous !== port) this.host.log.warn(`[syncwright] step "${port.step}" of saga "${port.saga}" is deployed twice; the last one deployed takes its actions`);
    this.stepPorts.set(key, port);
    this.onAttach(port.saga, (s) => s.steps.some((st) => st.name === port.step), (w) => this.resumeStep(w, port));
    return () => {
      if (this.stepPorts.get(key) === port) this.stepPorts.delete(key);
    };
  }

  attachEnd(port: EndPort): () => void {
    this.endPorts.set(port.saga, port);
    this.ready
      .then(() => {
        for (const s of this.active.values()) if (s.name === port.saga && s.pending.notify) this.scheduleEffects(s.id);
      })
      .catch(() => undefined);
    return () => {
      if (this.endPorts.get(port.saga) === port) this.endPorts.delete(port.saga);
    };
  }

  private stepPort(saga: string, step: string): StepPort | undefined {
    return this.stepPorts.get(`${saga}\u0000${step}`);
  }

  /** A node (re)attached: sagas waiting on it send again what a previous node instance or process may have lost. */
  private onAttach(saga: string, concerns: (s: SagaRecord) => boolean, act: (w: Work) => Promise<void>): void {
    this.ready
      .then(() => {
        for (const s of [...this.active.values()]) {
          if (s.name !== saga || !concerns(s)) continue;
          this.transition(s.id, act).catch((err: unknown) => this.host.log.error(`[syncwright] saga ${s.id}: ${String(err)}`));
        }
      })
      .catch(() => undefined);
  }

  // ---- transitions ----

  private async loadRecord(id: string): Promise<SagaRecord | undefined> {
    return this.active.get(id) ?? (await this.host.store.get<SagaRecord>(this.recordKey(id)));
  }

  /**
   * Runs `fn` on a working copy of the saga under its lock, writes the result in one atomic durable batch, and
   * only then journals and emits what the transition produced.
   */
  private transition<T>(id: string, fn: (w: Work) => Promise<T> | T, durability: 'durable' | 'lazy' = 'durable'): Promise<T> {
    return this.mutex.run(id, async () => {
      if (this.closed) throw new SyncError('the saga log is closed (Node-RED is stopping)', { class: 'transient', code: 'SAGA_LOG_CLOSED', retryable: true });
      await this.ready;
      const current = await this.loadRecord(id);
      if (!current) throw new SyncError(`no saga with id ${id}`, { class: 'data', code: 'SAGA_NOT_FOUND', retryable: false });
      const w: Work = { s: structuredClone(current), now: this.host.clock.now(), ops: [], journal: [], emits: [], after: [], texts: new Map(), changed: false };
      const out = await fn(w);
      if (w.changed) await this.commit(w, durability);
      return out;
    });
  }

  private async commit(w: Work, durability: 'durable' | 'lazy'): Promise<void> {
    const s = w.s;
    s.updatedAt = w.now;
    const wasActive = this.active.has(s.id);
    const isActive = s.state === 'running' || s.state === 'compensating' || hasPending(s.pending);
    const ops: WriteOp[] = [{ type: 'put', key: this.recordKey(s.id), value: s }, ...w.ops];
    if (isActive && !wasActive) ops.push({ type: 'put', key: `${ACTIVE}${s.id}`, value: s.name });
    if (!isActive && wasActive) ops.push({ type: 'del', key: `${ACTIVE}${s.id}` });
    // Finished sagas are swept after their retention; ones that need a person are kept until resolved.
    if (!isActive && (s.state === 'completed' || s.state === 'compensated') && s.endedAt !== undefined) ops.push({ type: 'put', key: `${ENDED}${pad(s.endedAt)}/${s.id}`, value: 1 });
    await this.host.store.write(ops, durability);
    if (isActive) this.active.set(s.id, s);
    else this.active.delete(s.id);
    this.arm(s);
    for (const e of w.journal) this.host.record(e);
    for (const emit of w.emits) {
      try {
        emit();
      } catch (err) {
        this.host.log.error(`[syncwright] saga ${s.id}: emitting failed: ${String(err)}`);
      }
    }
    for (const a of w.after) a();
    this.emit('changed', s);
  }

  private journalSaga(w: Work, status: JournalEvent['status'], detail: Record<string, string | number | boolean | null> = {}, error?: SagaError): void {
    const s = w.s;
    const e: JournalEvent = { correlationId: s.correlationId, stage: `saga:${s.state}`, status, source: { name: s.name }, detail: { sagaId: s.id, saga: s.name, ...detail } };
    if (s.businessKey !== undefined) e.businessKey = s.businessKey;
    if (error) Object.assign(e, { errorClass: error.class, code: error.code, message: error.message });
    w.journal.push(e);
    w.changed = true;
  }

  private journalStep(w: Work, step: SagaStep, status: JournalEvent['status'], detail: Record<string, string | number | boolean | null> = {}, error?: SagaError): void {
    const s = w.s;
    const e: JournalEvent = { correlationId: s.correlationId, stage: `step:${step.state}`, status, source: { name: `${s.name}/${step.name}` }, detail: { sagaId: s.id, saga: s.name, step: step.name, ...detail } };
    if (s.businessKey !== undefined) e.businessKey = s.businessKey;
    if (error) Object.assign(e, { errorClass: error.class, code: error.code, message: error.message });
    w.journal.push(e);
    w.changed = true;
  }

  private async text(w: Work, slot: string): Promise<string> {
    const cached = w.texts.get(slot);
    if (cached !== undefined) return cached;
    const t = await this.host.store.get<string>(this.messageKey(w.s.id, slot));
    if (t === undefined) throw new Error(`saga ${w.s.id}: stored message ${slot} is missing`);
    w.texts.set(slot, t);
    return t;
  }

  private putText(w: Work, slot: string, text: string): void {
    w.texts.set(slot, text);
    w.ops.push({ type: 'put', key: this.messageKey(w.s.id, slot), value: text });
    w.changed = true;
  }

  private sagaInfo(s: SagaRecord): Record<string, unknown> {
    return { id: s.id, name: s.name };
  }

  /** Starts a saga for a message; the message (with msg.sync.sagaId) leaves through the start port. */
  async start(options: SagaOptionsInput, msg: Msg): Promise<SagaRecord> {
    const opts = SagaOptions.parse(options);
    await this.ready;
    if (this.closed) throw new SyncError('the saga log is closed (Node-RED is stopping)', { class: 'transient', code: 'SAGA_LOG_CLOSED', retryable: true });
    const sync = syncOf(msg);
    // The message as it arrived: a dead letter holds it, and a replay starts the saga again from it.
    const original = { ...msg, sync: { ...sync } };
    const os = original.sync as Record<string, unknown>;
    for (const k of ['sagaId', 'saga', 'step', 'sagaAction', 'delivery'] as const) delete os[k];
    const text = encode(original);
    const now = this.host.clock.now();
    const id = newSagaId(now);
    const correlationId = typeof sync['correlationId'] === 'string' && sync['correlationId'] !== '' ? sync['correlationId'] : id;
    const s: SagaRecord = { id, name: opts.name, state: 'running', correlationId, startedAt: now, updatedAt: now, deadline: now + opts.timeoutMs, timeoutMs: opts.timeoutMs, onFailure: opts.onFailure, steps: [], snapshot: 'start', pending: {} };
    if (typeof sync['businessKey'] === 'string') s.businessKey = sync['businessKey'];
    const claim = claimOf(msg);
    if (claim) s.claim = claim;
    await this.mutex.run(id, async () => {
      const w: Work = { s, now, ops: [], journal: [], emits: [], after: [], texts: new Map(), changed: true };
      this.putText(w, 'start', text);
      this.journalSaga(w, 'ok', { timeoutMs: opts.timeoutMs, onFailure: opts.onFailure });
      sync['sagaId'] = id;
      sync['saga'] = this.sagaInfo(s);
      w.emits.push(() => this.startPorts.get(s.name)?.emit(msg));
      if (claim) w.after.push(() => this.holdClaim(s, s.deadline - now + 60_000));
      await this.commit(w, 'durable');
    });
    return s;
  }

  private emitStart(w: Work): Promise<void> {
    const s = w.s;
    return this.text(w, 'start').then((text) => {
      const msg = decodeMessage(text);
      const sync = syncOf(msg);
      sync['sagaId'] = s.id;
      sync['saga'] = this.sagaInfo(s);
      const port = this.startPorts.get(s.name);
      if (!port) return;
      w.emits.push(() => port.emit(msg));
      w.changed = true;
    });
  }

  /** A message arriving at a step: records the step and sends its forward action. */
  arrive(port: StepPort, msg: Msg): Promise<ArrivalResult> {
    const sync = msg['sync'];
    const sagaId = isObject(sync) ? sync['sagaId'] : undefined;
    if (typeof sagaId !== 'string' || sagaId === '') {
      return Promise.reject(new SyncError(`the message is not inside a saga (no msg.sync.sagaId): put a saga start node before step "${port.step}"`, { class: 'data', code: 'NOT_IN_SAGA', retryable: false, fields: ['sync.sagaId'] }));
    }
    const token = actionTokenOf(msg);
    if (token) {
      return Promise.reject(new SyncError(`the message is the ${token.kind === 'do' ? 'action' : 'compensation'} of step "${token.step}" of saga "${token.saga}": wire the end of that path back into step "${token.step}", not into "${port.step}"`, { class: 'data', code: 'SAGA_MISWIRED', retryable: false, fields: ['sync.sagaAction'] }));
    }
    return this.transition(sagaId, async (w): Promise<ArrivalResult & { error?: SyncError }> => {
      const s = w.s;
      if (s.name !== port.saga) {
        throw new SyncError(`the message belongs to saga "${s.name}", but step "${port.step}" is in saga "${port.saga}"`, { class: 'data', code: 'SAGA_MISMATCH', retryable: false, fields: ['sync.sagaId'] });
      }
      if (s.steps.some((st) => st.name === port.step)) return { ignored: `step "${port.step}" already ran in saga ${s.id}` };
      if (s.state !== 'running') return { ignored: `saga ${s.id} is ${s.state}` };
      const index = s.steps.length;
      const step: SagaStep = { name: port.step, index, state: 'pending', attempts: 0, compensationAttempts: 0, throttled: 0, hasCompensation: port.hasCompensation, policy: port.policy, startedAt: w.now, updatedAt: w.now };
      s.steps.push(step);
      const clean = { ...msg, sync: { ...(msg['sync'] as Record<string, unknown>) } };
      delete (clean.sync as Record<string, unknown>)['step'];
      let text: string;
      try {
        text = encode(clean);
      } catch (err) {
        const e = err instanceof SyncError ? err : new SyncError(String(err), { class: 'data', code: 'UNSERIALISABLE', retryable: false });
        step.state = 'failed';
        step.hasCompensation = false; // its action never ran
        step.lastError = summariseError(e, w.now);
        this.journalStep(w, step, 'failed', {}, step.lastError);
        // The saga fails now (the step can never run) rather than waiting for its timeout.
        await this.failSaga(w, 'step-failed', step, step.lastError);
        return { error: e };
      }
      this.putText(w, SagaCoordinator.slotIn(index), text);
      s.snapshot = SagaCoordinator.slotIn(index);
      await this.dispatchDo(w, step);
      return {};
    }).then(({ error, ...result }) => {
      if (error) throw error;
      return result;
    });
  }

  /** The outcome of a step's action or compensation, coming back on the feedback wire. */
  outcome(port: StepPort, msg: Msg, failure: SyncError | undefined, result: unknown): Promise<void> {
    const token = actionTokenOf(msg);
    if (!token) return Promise.reject(new Error('not an outcome message'));
    return this.transition(token.sagaId, async (w) => {
      const s = w.s;
      const step = s.steps.find((st) => st.name === token.step);
      if (!step || s.name !== token.saga) return;
      if (token.kind === 'do') await this.onDoOutcome(w, step, token, failure, result);
      else await this.onUndoOutcome(w, step, token, failure);
    }).catch((err: unknown) => {
      if (err instanceof SyncError && err.syncwright.code === 'SAGA_NOT_FOUND') {
        this.host.log.warn(`[syncwright] an outcome came back for saga ${token.sagaId}, which is no longer kept; ignored`);
        return;
      }
      throw err;
    });
  }

  private lateOutcome(w: Work, step: SagaStep, token: SagaActionToken, failure: SyncError | undefined): void {
    const e: JournalEvent = { correlationId: w.s.correlationId, stage: 'step:late-outcome', status: 'info', source: { name: `${w.s.name}/${step.name}` }, detail: { sagaId: w.s.id, step: step.name, kind: token.kind, ok: failure === undefined, stepState: step.state } };
    this.host.record(e);
  }

  private async onDoOutcome(w: Work, step: SagaStep, token: SagaActionToken, failure: SyncError | undefined, result: unknown): Promise<void> {
    const s = w.s;
    if (step.state !== 'running' && step.state !== 'pending') return this.lateOutcome(w, step, token, failure);
    if (failure) {
      // Only the outcome of the dispatch we wait for counts; an older one failing says nothing new.
      if (step.dispatch?.id !== token.id) return this.lateOutcome(w, step, token, failure);
      return this.onDoFailure(w, step, failure);
    }
    // Success of any dispatch of this step completes it (every dispatch runs the same idempotent action).
    const inMsg = decodeMessage(await this.text(w, SagaCoordinator.slotIn(step.index)));
    const inSync = syncOf(inMsg);
    const stepResult = stepResultOf(inSync['results'], result);
    const out = inMsg;
    const sync = syncOf(out);
    if (stepResult) sync['results'] = { ...(isObject(inSync['results']) ? inSync['results'] : {}), ...stepResult };
    delete sync['step'];
    delete sync['sagaAction'];
    out['saga'] = { ...this.sagaInfo(s), step: step.name, stepResult: stepResult ?? null };
    const outSlot = SagaCoordinator.slotOut(step.index);
    this.putText(w, outSlot, encode(out));
    step.state = 'done';
    if (stepResult) step.result = stepResult;
    else delete step.result;
    step.completedAt = w.now;
    step.updatedAt = w.now;
    delete step.dispatch;
    delete step.notBefore;
    s.snapshot = outSlot;
    this.journalStep(w, step, 'ok', { attempt: token.attempt, results: stepResult ? Object.keys(stepResult).join(',') : null });
    if (s.state === 'running') {
      const port = this.stepPort(s.name, step.name);
      if (port) w.emits.push(() => port.emit('next', out));
    } else if (s.state === 'compensating') {
      await this.driveCompensation(w);
    }
  }

  private async onDoFailure(w: Work, step: SagaStep, err: SyncError): Promise<void> {
    const s = w.s;
    const summary = summariseError(err, w.now);
    step.lastError = summary;
    step.updatedAt = w.now;
    delete step.dispatch;
    if (s.state !== 'running') {
      // The saga already left running (timeout, operator): no more retries, the step is failed.
      step.attempts += 1;
      step.state = 'failed';
      delete step.notBefore;
      this.journalStep(w, step, 'failed', { attempt: step.attempts }, summary);
      if (s.state === 'compensating') await this.driveCompensation(w);
      return;
    }
    const p = step.policy;
    if (err.syncwright.class === 'rate-limit') {
      step.throttled += 1;
      step.state = 'pending';
      step.notBefore = w.now + (err.syncwright.retryAfterMs ?? retryDelay(p, step.attempts + 1));
      this.journalStep(w, step, 'info', { throttled: step.throttled, waitMs: step.notBefore - w.now }, summary);
      return;
    }
    step.attempts += 1;
    const retryable = err.syncwright.retryable && p.retryableClasses.includes(err.syncwright.class);
    if (retryable && step.attempts <= p.maximumRedeliveries) {
      step.state = 'pending';
      step.notBefore = w.now + retryDelay(p, step.attempts);
      this.journalStep(w, step, 'failed', { attempt: step.attempts, retryInMs: step.notBefore - w.now }, summary);
      return;
    }
    step.state = 'failed';
    delete step.notBefore;
    this.journalStep(w, step, 'failed', { attempt: step.attempts, retryable }, summary);
    await this.failSaga(w, 'step-failed', step, summary);
  }

  private async onUndoOutcome(w: Work, step: SagaStep, token: SagaActionToken, failure: SyncError | undefined): Promise<void> {
    if (step.state !== 'compensating') return this.lateOutcome(w, step, token, failure);
    if (failure && step.dispatch?.id !== token.id) return this.lateOutcome(w, step, token, failure);
    if (!failure) {
      step.state = 'compensated';
      step.compensatedAt = w.now;
      step.updatedAt = w.now;
      delete step.dispatch;
      delete step.notBefore;
      this.journalStep(w, step, 'ok', { attempt: token.attempt });
      if (w.s.state === 'compensating') await this.driveCompensation(w);
      return;
    }
    const summary = summariseError(failure, w.now);
    step.lastError = summary;
    step.updatedAt = w.now;
    delete step.dispatch;
    const p = step.policy.compensation;
    if (failure.syncwright.class === 'rate-limit') {
      step.throttled += 1;
      step.notBefore = w.now + (failure.syncwright.retryAfterMs ?? retryDelay(p, step.compensationAttempts + 1));
      this.journalStep(w, step, 'info', { throttled: step.throttled, waitMs: step.notBefore - w.now }, summary);
      return;
    }
    step.compensationAttempts += 1;
    const retryable = failure.syncwright.retryable && p.retryableClasses.includes(failure.syncwright.class);
    if (retryable && step.compensationAttempts <= p.maximumRedeliveries) {
      step.notBefore = w.now + retryDelay(p, step.compensationAttempts);
      this.journalStep(w, step, 'failed', { attempt: step.compensationAttempts, retryInMs: step.notBefore - w.now }, summary);
      return;
    }
    step.state = 'compensation-failed';
    delete step.notBefore;
    this.journalStep(w, step, 'failed', { attempt: step.compensationAttempts, retryable }, summary);
    this.enterTerminal(w, 'compensation-failed');
  }

  /** Sends a step's forward action, or leaves it pending until its node is deployed. */
  private async dispatchDo(w: Work, step: SagaStep): Promise<void> {
    const s = w.s;
    const port = this.stepPort(s.name, step.name);
    step.updatedAt = w.now;
    w.changed = true;
    if (!port) {
      if (step.state !== 'pending') {
        step.state = 'pending';
        this.journalStep(w, step, 'info', { waiting: 'node not deployed' });
      }
      delete step.dispatch;
      return;
    }
    step.policy = port.policy;
    step.hasCompensation = port.hasCompensation;
    const token: SagaActionToken = { sagaId: s.id, saga: s.name, step: step.name, kind: 'do', id: randomUUID(), attempt: step.attempts + 1 };
    step.dispatch = { id: token.id, kind: 'do', attempt: token.attempt, at: w.now, timeoutAt: w.now + step.policy.outcomeTimeoutMs };
    delete step.notBefore;
    const wasRunning = step.state === 'running';
    step.state = 'running';
    if (!wasRunning || token.attempt > 1) this.journalStep(w, step, 'info', { attempt: token.attempt });
    const msg = decodeMessage(await this.text(w, SagaCoordinator.slotIn(step.index)));
    const sync = syncOf(msg);
    sync['step'] = step.name;
    sync['sagaAction'] = token;
    msg['saga'] = { ...this.sagaInfo(s), step: step.name, action: 'do', attempt: token.attempt };
    w.emits.push(() => port.emit('do', msg));
  }

  /** Sends a step's compensation, or leaves it waiting until its node is deployed. */
  private async dispatchUndo(w: Work, step: SagaStep): Promise<void> {
    const s = w.s;
    const port = this.stepPort(s.name, step.name);
    const wasCompensating = step.state === 'compensating';
    step.state = 'compensating';
    step.updatedAt = w.now;
    w.changed = true;
    delete step.notBefore;
    if (!port) {
      delete step.dispatch;
      if (!wasCompensating) this.journalStep(w, step, 'info', { waiting: 'node not deployed' });
      return;
    }
    step.policy = port.policy;
    const token: SagaActionToken = { sagaId: s.id, saga: s.name, step: step.name, kind: 'undo', id: randomUUID(), attempt: step.compensationAttempts + 1 };
    step.dispatch = { id: token.id, kind: 'undo', attempt: token.attempt, at: w.now, timeoutAt: w.now + step.policy.outcomeTimeoutMs };
    if (!wasCompensating || token.attempt > 1) this.journalStep(w, step, 'info', { attempt: token.attempt });
    // The message as it was when the step completed (for a failed step: as it arrived).
    const slot = step.completedAt !== undefined ? SagaCoordinator.slotOut(step.index) : SagaCoordinator.slotIn(step.index);
    const msg = decodeMessage(await this.text(w, slot));
    const sync = syncOf(msg);
    sync['step'] = step.name;
    sync['sagaAction'] = token;
    msg['saga'] = { ...this.sagaInfo(s), step: step.name, action: 'undo', attempt: token.attempt, stepResult: step.result ?? null };
    w.emits.push(() => port.emit('undo', msg));
  }

  private async failSaga(w: Work, reason: SagaFailure['reason'], step: SagaStep | undefined, error: SagaError): Promise<void> {
    const s = w.s;
    s.failure = { reason, error, at: w.now };
    if (step) s.failure.step = step.name;
    if (s.onFailure === 'park') {
      this.enterTerminal(w, 'needs-remediation');
      return;
    }
    s.state = 'compensating';
    this.journalSaga(w, 'failed', { reason, step: step?.name ?? null }, error);
    await this.driveCompensation(w);
  }

  /** Compensates the completed steps from the last to the first, one at a time. */
  private async driveCompensation(w: Work): Promise<void> {
    const s = w.s;
    for (let i = s.steps.length - 1; i >= 0; i--) {
      const step = s.steps[i];
      if (step.state === 'compensated') continue;
      if (step.state === 'running') return; // its forward action is out: wait for the outcome (or its timeout)
      if (step.state === 'pending') {
        // A retry that had not been sent yet: cancelled.
        step.state = 'failed';
        delete step.notBefore;
        step.updatedAt = w.now;
        this.journalStep(w, step, 'failed', { cancelled: true }, step.lastError);
      }
      // The deployed node knows best (a redeploy may have wired or unwired the compensation since).
      const port = this.stepPort(s.name, step.name);
      if (port) {
        step.hasCompensation = port.hasCompensation;
        step.policy = port.policy;
      }
      if (step.state === 'failed' && !step.policy.compensateFailed) continue;
      if (!step.hasCompensation) {
        step.state = 'compensated';
        step.compensatedAt = w.now;
        step.updatedAt = w.now;
        this.journalStep(w, step, 'ok', { nothingToUndo: true });
        continue;
      }
      if (step.state === 'compensating' && (step.dispatch !== undefined || (step.notBefore !== undefined && step.notBefore > w.now))) return;
      await this.dispatchUndo(w, step);
      return;
    }
    this.enterTerminal(w, 'compensated');
  }

  private enterTerminal(w: Work, state: 'completed' | 'compensated' | 'compensation-failed' | 'needs-remediation'): void {
    const s = w.s;
    s.state = state;
    s.endedAt = w.now;
    const attention = ATTENTION.includes(state);
    if (s.claim) s.pending.claim = state === 'completed' ? 'commit' : state === 'compensated' ? 'release' : 'hold';
    if (attention) {
      s.deadLetterId = newDeadLetterId(w.now);
      s.pending.deadLetter = true;
    }
    s.pending.notify = state === 'completed' ? 'completed' : state === 'compensated' ? 'compensated' : 'attention';
    this.journalSaga(w, state === 'completed' || state === 'compensated' ? 'ok' : 'failed', { reason: s.failure?.reason ?? null, step: s.failure?.step ?? null, deadLetterId: s.deadLetterId ?? null }, attention ? s.failure?.error : undefined);
    const counts = this.finished.get(s.name) ?? { completed: 0, compensated: 0, attention: 0 };
    counts[s.pending.notify] += 1;
    this.finished.set(s.name, counts);
    w.after.push(() => this.scheduleEffects(s.id));
  }

  /** A message reaching the end node: the saga completed. */
  finish(saga: string, msg: Msg): Promise<ArrivalResult> {
    const sync = msg['sync'];
    const sagaId = isObject(sync) ? sync['sagaId'] : undefined;
    if (typeof sagaId !== 'string' || sagaId === '') {
      return Promise.reject(new SyncError('the message is not inside a saga (no msg.sync.sagaId): it cannot end one', { class: 'data', code: 'NOT_IN_SAGA', retryable: false, fields: ['sync.sagaId'] }));
    }
    return this.transition(sagaId, (w): ArrivalResult => {
      const s = w.s;
      if (s.name !== saga) throw new SyncError(`the message belongs to saga "${s.name}", not "${saga}"`, { class: 'data', code: 'SAGA_MISMATCH', retryable: false, fields: ['sync.sagaId'] });
      if (s.state !== 'running') return { ignored: `saga ${s.id} is ${s.state}` };
      const running = s.steps.find((st) => st.state !== 'done');
      if (running) return { ignored: `step "${running.name}" of saga ${s.id} is ${running.state}` };
      const final = { ...msg, sync: { ...(msg['sync'] as Record<string, unknown>) } };
      delete (final.sync as Record<string, unknown>)['step'];
      delete (final.sync as Record<string, unknown>)['sagaAction'];
      this.putText(w, 'end', encode(final));
      s.snapshot = 'end';
      this.enterTerminal(w, 'completed');
      return {};
    });
  }

  // ---- after-effects of a finished saga: claim, dead letter, notification ----

  private scheduleEffects(id: string): void {
    setImmediate(() => {
      if (this.closed) return;
      this.settleEffects(id).catch((err: unknown) => this.host.log.error(`[syncwright] saga ${id}: ${String(err)}`));
    });
  }

  private settleEffects(id: string): Promise<void> {
    return this.transition(
      id,
      async (w) => {
        const s = w.s;
        const p = s.pending;
        if (p.claim && s.claim) {
          const c = s.claim;
          if (p.claim === 'commit') await this.host.ledger.complete(c.scope, c.key, c.claimId, this.allResults(s), c.retentionMs);
          else if (p.claim === 'release') await this.host.ledger.release(c.scope, c.key, c.claimId);
          // A saga waiting for a person keeps its key: a repeat of the event must not start it again meanwhile.
          else await this.host.ledger.renew(c.scope, c.key, c.claimId, c.retentionMs);
          delete p.claim;
          w.changed = true;
        } else if (p.claim) {
          delete p.claim;
          w.changed = true;
        }
        if (p.deadLetter && s.deadLetterId !== undefined) {
          await this.host.deadLetter(this.deadLetterOf(s, await this.text(w, 'start')));
          delete p.deadLetter;
          w.changed = true;
        }
        if (p.notify) {
          const port = this.endPorts.get(s.name);
          if (port) {
            const kind = p.notify;
            const msg = decodeMessage(await this.text(w, s.snapshot));
            const sync = syncOf(msg);
            delete sync['step'];
            delete sync['sagaAction'];
            sync['sagaId'] = s.id;
            const results = this.allResults(s);
            if (Object.keys(results).length > 0) sync['results'] = { ...(isObject(sync['results']) ? sync['results'] : {}), ...results };
            msg['saga'] = this.describe(s);
            w.emits.push(() => port.emit(kind, msg));
            delete p.notify;
            w.changed = true;
          }
        }
      },
      'lazy',
    );
  }

  private allResults(s: SagaRecord): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const st of s.steps) if (st.result && st.state === 'done') Object.assign(out, st.result);
    return out;
  }

  private deadLetterOf(s: SagaRecord, startText: string): Omit<DeadLetter, 'deadAt'> {
    const err: SagaError = s.failure?.error ?? { class: 'transient', code: 'SAGA_FAILED', message: 'the saga failed', retryable: false, at: s.updatedAt };
    const failedUndo = s.steps.find((st) => st.state === 'compensation-failed');
    const error: DeadLetterError = s.state === 'compensation-failed' && failedUndo?.lastError ? pickError(failedUndo.lastError) : pickError(err);
    const stepOfError = s.state === 'compensation-failed' ? failedUndo : s.steps.find((st) => st.name === s.failure?.step);
    const entry: Omit<DeadLetter, 'deadAt'> = {
      id: s.deadLetterId ?? newDeadLetterId(s.updatedAt),
      queue: sagaQueueName(s.name),
      lane: 'default',
      message: this.deadLetterMessage(s, startText),
      error,
      reason: s.state,
      attempts: s.state === 'compensation-failed' ? (failedUndo?.compensationAttempts ?? 0) : (stepOfError?.attempts ?? 0),
      enqueuedAt: new Date(s.startedAt).toISOString(),
      correlationId: s.correlationId,
      context: { saga: this.describe(s) },
    };
    if (s.businessKey !== undefined) entry.businessKey = s.businessKey;
    return entry;
  }

  /**
   * The message as it started the saga, marked with the saga it was in: a replay starts the saga afresh, and
   * the delivery of the replay does not commit the message's idempotency claim (the new saga does, at its end).
   */
  private deadLetterMessage(s: SagaRecord, startText: string): string {
    const msg = decodeMessage(startText);
    syncOf(msg)['sagaId'] = s.id;
    return encodeMessage(msg, Number.MAX_SAFE_INTEGER);
  }

  /** The saga as operators and flows see it: every step with its state, result and last error. */
  describe(s: SagaRecord): Record<string, unknown> {
    const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
    const err = (e: SagaError | undefined) => (e ? { ...pickError(e), at: iso(e.at) } : null);
    return {
      id: s.id,
      name: s.name,
      state: s.state,
      correlationId: s.correlationId,
      businessKey: s.businessKey ?? null,
      startedAt: iso(s.startedAt),
      updatedAt: iso(s.updatedAt),
      deadline: iso(s.deadline),
      endedAt: iso(s.endedAt),
      onFailure: s.onFailure,
      failure: s.failure ? { reason: s.failure.reason, step: s.failure.step ?? null, error: err(s.failure.error), at: iso(s.failure.at) } : null,
      deadLetterId: s.deadLetterId ?? null,
      steps: s.steps.map((st) => ({
        name: st.name,
        state: st.state,
        attempts: st.attempts,
        compensationAttempts: st.compensationAttempts,
        hasCompensation: st.hasCompensation,
        result: st.result ?? null,
        lastError: err(st.lastError),
        startedAt: iso(st.startedAt),
        completedAt: iso(st.completedAt),
        compensatedAt: iso(st.compensatedAt),
        waitingUntil: iso(st.notBefore),
        inFlight: st.dispatch ? { kind: st.dispatch.kind, attempt: st.dispatch.attempt, since: iso(st.dispatch.at), timeoutAt: iso(st.dispatch.timeoutAt) } : null,
      })),
      results: this.allResults(s),
    };
  }

  private holdClaim(s: SagaRecord, leaseMs: number): void {
    const c = s.claim;
    if (!c) return;
    this.host.ledger.renew(c.scope, c.key, c.claimId, leaseMs).catch((err: unknown) => this.host.log.error(`[syncwright] saga ${s.id}: renewing the idempotency claim failed: ${String(err)}`));
  }

  // ---- timers: saga deadlines, retry delays, outcome timeouts ----

  private nextWake(s: SagaRecord): number | undefined {
    let at: number | undefined;
    const consider = (t: number | undefined) => {
      if (t !== undefined && (at === undefined || t < at)) at = t;
    };
    if (s.state === 'running') consider(s.deadline);
    if (s.state === 'running' || s.state === 'compensating' || s.state === 'needs-remediation' || s.state === 'compensation-failed') {
      for (const st of s.steps) {
        consider(st.notBefore);
        consider(st.dispatch?.timeoutAt);
      }
    }
    return at;
  }

  private arm(s: SagaRecord): void {
    const old = this.timers.get(s.id);
    if (old) clearTimeout(old);
    this.timers.delete(s.id);
    if (this.closed || !this.active.has(s.id)) return;
    const at = this.nextWake(s);
    if (at === undefined) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at - this.host.clock.now()));
    const timer = setTimeout(() => {
      this.timers.delete(s.id);
      this.wake(s.id)
        .then(() => {
          // Nothing was due (a timer may fire a little early): wait again.
          const r = this.active.get(s.id);
          if (r && !this.timers.has(s.id)) this.arm(r);
        })
        .catch((err: unknown) => this.host.log.error(`[syncwright] saga ${s.id}: ${String(err)}`));
    }, delay);
    timer.unref?.();
    this.timers.set(s.id, timer);
  }

  private wake(id: string): Promise<void> {
    return this.transition(id, async (w) => {
      const s = w.s;
      const now = w.now;
      if (s.state === 'running' && now >= s.deadline) {
        const error: SagaError = { class: 'transient', code: 'SAGA_TIMEOUT', message: `the saga did not finish within ${s.timeoutMs} ms`, retryable: false, at: now };
        await this.failSaga(w, 'timeout', undefined, error);
        return;
      }
      for (const step of s.steps) {
        const d = step.dispatch;
        if (d && d.timeoutAt <= now) {
          const err = new SyncError(`no outcome came back within ${step.policy.outcomeTimeoutMs} ms (is the end of the ${d.kind === 'do' ? 'action' : 'compensation'} path wired back into step "${step.name}"?)`, { class: 'transient', code: 'OUTCOME_TIMEOUT', retryable: true });
          const token: SagaActionToken = { sagaId: s.id, saga: s.name, step: step.name, kind: d.kind, id: d.id, attempt: d.attempt };
          if (d.kind === 'do') await this.onDoOutcome(w, step, token, err, undefined);
          else await this.onUndoOutcome(w, step, token, err);
          return;
        }
        if (!d && step.notBefore !== undefined && step.notBefore <= now) {
          if (step.state === 'pending' && s.state === 'running') await this.dispatchDo(w, step);
          else if (step.state === 'compensating' && s.state === 'compensating') await this.driveCompensation(w);
          else {
            delete step.notBefore;
            w.changed = true;
          }
          return;
        }
      }
    });
  }

  /** A step node attached: send again what it may have lost (a restart, a redeploy). */
  private async resumeStep(w: Work, port: StepPort): Promise<void> {
    const s = w.s;
    const step = s.steps.find((st) => st.name === port.step);
    if (!step) return;
    const due = step.notBefore === undefined || step.notBefore <= w.now;
    if (step.state === 'running' && step.dispatch?.kind === 'do') return this.dispatchDo(w, step);
    if (s.state === 'running') {
      const last = s.steps[s.steps.length - 1];
      if (step !== last) return;
      if (step.state === 'pending' && due) return this.dispatchDo(w, step);
      if (step.state === 'done') {
        const out = decodeMessage(await this.text(w, SagaCoordinator.slotOut(step.index)));
        w.emits.push(() => port.emit('next', out));
        w.changed = true;
      }
      return;
    }
    if (s.state === 'compensating' && step.state === 'compensating') {
      if (step.dispatch) return this.dispatchUndo(w, step);
      if (due) return this.driveCompensation(w);
    }
  }

  // ---- operator actions ----

  /** Re-runs the failed (or parked) step of a saga that needs remediation, with a fresh deadline. */
  resume(id: string, by?: string): Promise<SagaRecord> {
    return this.transition(id, async (w) => {
      const s = w.s;
      if (s.state !== 'needs-remediation') throw sagaConflict(`saga ${id} is ${s.state}; only a saga that needs remediation can be resumed${s.state === 'compensation-failed' ? ' (this one can be compensated again)' : ''}`);
      const oldDeadLetter = this.clearAttention(w);
      s.state = 'running';
      delete s.endedAt;
      s.deadline = w.now + s.timeoutMs;
      this.journalSaga(w, 'info', { resumedBy: by ?? null });
      const last = s.steps[s.steps.length - 1];
      if (!last) await this.emitStart(w);
      else if (last.state === 'failed' || last.state === 'pending') {
        last.attempts = 0;
        last.state = 'pending';
        await this.dispatchDo(w, last);
      } else if (last.state === 'running') {
        await this.dispatchDo(w, last); // out when the saga was parked: send it again rather than wait for its timeout
      } else if (last.state === 'done') {
        const port = this.stepPort(s.name, last.name);
        const out = decodeMessage(await this.text(w, SagaCoordinator.slotOut(last.index)));
        if (port) w.emits.push(() => port.emit('next', out));
      }
      this.afterOperator(w, oldDeadLetter, `saga resumed by an operator${by ? ` (${by})` : ''}`, by);
      if (s.claim) w.after.push(() => this.holdClaim(s, s.timeoutMs + 60_000));
      return s;
    });
  }

  /** Compensates a saga now: a running one (abort), a parked one, or one whose compensation failed (retried). */
  compensate(id: string, by?: string): Promise<SagaRecord> {
    return this.transition(id, async (w) => {
      const s = w.s;
      if (s.state !== 'running' && s.state !== 'needs-remediation' && s.state !== 'compensation-failed') {
        throw sagaConflict(`saga ${id} is ${s.state}; only a running saga, one that needs remediation or one whose compensation failed can be compensated`);
      }
      const oldDeadLetter = this.clearAttention(w);
      for (const st of s.steps) {
        if (st.state === 'compensation-failed') {
          st.state = 'compensating';
          st.compensationAttempts = 0;
          delete st.notBefore;
          delete st.dispatch;
        }
      }
      if (!s.failure) s.failure = { reason: 'operator', error: { class: 'policy', code: 'OPERATOR_COMPENSATE', message: `compensation requested by an operator${by ? ` (${by})` : ''}`, retryable: false, at: w.now }, at: w.now };
      s.state = 'compensating';
      delete s.endedAt;
      this.journalSaga(w, 'info', { requestedBy: by ?? null });
      await this.driveCompensation(w);
      this.afterOperator(w, oldDeadLetter, `saga compensated by an operator${by ? ` (${by})` : ''}`, by);
      return s;
    });
  }

  /** Takes a saga out of an attention state: its pending dead letter and notification are dropped. */
  private clearAttention(w: Work): string | undefined {
    const s = w.s;
    const old = s.pending.deadLetter ? undefined : s.deadLetterId;
    delete s.deadLetterId;
    delete s.pending.deadLetter;
    if (s.pending.notify === 'attention') delete s.pending.notify;
    if (s.pending.claim === 'hold') delete s.pending.claim;
    w.changed = true;
    return old;
  }

  private afterOperator(w: Work, deadLetterId: string | undefined, reason: string, by: string | undefined): void {
    if (deadLetterId === undefined) return;
    w.after.push(() => {
      this.host.discard({ ids: [deadLetterId] }, reason, by).catch((err: unknown) => this.host.log.error(`[syncwright] removing dead letter ${deadLetterId} failed: ${String(err)}`));
    });
  }

  // ---- reading ----

  async get(id: string): Promise<{ record: SagaRecord; message: Msg | undefined } | undefined> {
    await this.ready;
    const record = await this.loadRecord(id);
    if (!record) return undefined;
    const text = await this.host.store.get<string>(this.messageKey(id, record.snapshot));
    return { record, message: text === undefined ? undefined : decodeMessage(text) };
  }

  /** Sagas, newest first. */
  async list(filter: SagaFilter = {}, limit = 100): Promise<SagaRecord[]> {
    await this.ready;
    await this.host.store.flush();
    const states = filter.state === undefined ? undefined : Array.isArray(filter.state) ? filter.state : [filter.state];
    const since = filter.since === undefined ? undefined : typeof filter.since === 'number' ? filter.since : Date.parse(filter.since);
    const out: SagaRecord[] = [];
    for await (const [, r] of this.host.store.scan<SagaRecord>({ gte: RECORD, lt: prefixEnd(RECORD), reverse: true })) {
      if (since !== undefined && r.startedAt < since) break;
      if (filter.name !== undefined && r.name !== filter.name) continue;
      if (states && !states.includes(r.state)) continue;
      if (filter.businessKey !== undefined && r.businessKey !== filter.businessKey) continue;
      if (filter.correlationId !== undefined && r.correlationId !== filter.correlationId) continue;
      out.push(r);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Active sagas and those finished since the runtime started, for node status. */
  counts(name: string): SagaCounts {
    const c: SagaCounts = { running: 0, compensating: 0, completed: 0, compensated: 0, attention: 0, ...(this.finished.get(name) ?? {}) };
    for (const s of this.active.values()) {
      if (s.name !== name) continue;
      if (s.state === 'running') c.running += 1;
      else if (s.state === 'compensating') c.compensating += 1;
    }
    return c;
  }

  /** Steps of active sagas by state, for a step node's status. */
  stepCounts(name: string, step: string): Partial<Record<StepState, number>> {
    const c: Partial<Record<StepState, number>> = {};
    for (const s of this.active.values()) {
      if (s.name !== name) continue;
      const st = s.steps.find((x) => x.name === step);
      if (st) c[st.state] = (c[st.state] ?? 0) + 1;
    }
    return c;
  }

  /** Deletes completed and compensated sagas that ended more than `retentionMs` ago. */
  async sweep(retentionMs: number, batchSize = 500): Promise<number> {
    const cutoff = `${ENDED}${pad(this.host.clock.now() - retentionMs)}`;
    let removed = 0;
    for (;;) {
      const due: string[] = [];
      for await (const k of this.host.store.scanKeys({ gte: ENDED, lt: cutoff, limit: batchSize })) due.push(k);
      if (due.length === 0) return removed;
      // The deletions of a batch are written in order and awaited together (lazy writes gather for a moment: one
      // await per saga would make a long sweep slow).
      const writes: Array<Promise<void>> = [];
      for (const k of due) {
        const id = k.slice(k.lastIndexOf('/') + 1);
        await this.mutex.run(id, async () => {
          const ops: WriteOp[] = [{ type: 'del', key: k }];
          const r = await this.host.store.get<SagaRecord>(this.recordKey(id));
          if (r && !this.active.has(id) && (r.state === 'completed' || r.state === 'compensated')) {
            ops.push({ type: 'del', key: this.recordKey(id) });
            for await (const mk of this.host.store.scanKeys({ gte: `${MESSAGE}${id}/`, lt: prefixEnd(`${MESSAGE}${id}/`) })) ops.push({ type: 'del', key: mk });
            removed += 1;
          }
          const write = this.host.store.write(ops, 'lazy');
          // Awaited below with the others; handled now, so a failure before then is not an unhandled rejection.
          write.catch(() => undefined);
          writes.push(write);
        });
      }
      await Promise.all(writes);
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  /** Stops the timers and detaches every node; resolves once loading (which reads the store) has ended. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.startPorts.clear();
    this.stepPorts.clear();
    this.endPorts.clear();
    this.removeAllListeners();
    await this.ready.catch(() => undefined);
  }
}

function hasPending(p: SagaPending): boolean {
  return p.claim !== undefined || p.deadLetter === true || p.notify !== undefined;
}

function pickError(e: SagaError): DeadLetterError {
  const out: DeadLetterError = { class: e.class, code: e.code, message: e.message, retryable: e.retryable };
  if (e.status !== undefined) out.status = e.status;
  if (e.target !== undefined) out.target = e.target;
  return out;
}

/** The dead-letter queue name of a saga: a replay there starts the saga again from its original message. */
export function sagaQueueName(saga: string): string {
  return `saga:${saga}`;
}
