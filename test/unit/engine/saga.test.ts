// The saga coordinator against a real engine (LevelDB in a temporary directory). A small harness plays the
// nodes: it attaches ports, answers actions the way a test step says, and wires "next" to the following step.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { Engine } from '../../../runtime-plugins/engine/engine.js';
import { StepPolicy, type SagaOptionsInput, type SagaOutcome, type SagaRecord, type StepPolicyInput, type StepPort } from '../../../runtime-plugins/engine/saga.js';
import { SyncError } from '../../../runtime-plugins/sync-error.js';

type Msg = Record<string, unknown> & { sync?: Record<string, unknown>; saga?: Record<string, unknown> };
type Reply = { results?: Record<string, unknown>; error?: SyncError } | 'hang';

interface StepSpec {
  name: string;
  do?: (msg: Msg, n: number) => Reply;
  undo?: ((msg: Msg, n: number) => Reply) | null;
  policy?: StepPolicyInput;
}

const transient = (code = 'HTTP_503') => new SyncError('unavailable', { class: 'transient', code, retryable: true, status: 503 });
const dataError = (code = 'INVALID_FIELD') => new SyncError('bad data', { class: 'data', code, retryable: false, status: 400 });
const fast: StepPolicyInput = { redeliveryDelayMs: 5, backOffMultiplier: 1, compensation: { maximumRedeliveries: 2, redeliveryDelayMs: 5, backOffMultiplier: 1 } };

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 3));
  }
}

/** Plays a flow of one saga: start → steps in order → end, every action answered as its spec says. */
class Harness {
  readonly log: Array<{ step: string; output: 'do' | 'next' | 'undo'; msg: Msg }> = [];
  readonly outcomes: Array<{ kind: SagaOutcome; msg: Msg }> = [];
  readonly ports = new Map<string, StepPort>();
  private readonly detach: Array<() => void> = [];
  private readonly counts = new Map<string, number>();

  constructor(
    readonly engine: Engine,
    readonly saga: string,
    readonly steps: StepSpec[],
    attach: { start?: boolean; steps?: string[]; end?: boolean } = {},
  ) {
    if (attach.start !== false) this.detach.push(engine.sagas.attachStart({ saga, emit: (m) => this.forward(-1, m) }));
    for (const spec of steps) if (!attach.steps || attach.steps.includes(spec.name)) this.attachStep(spec.name);
    if (attach.end !== false) this.attachEnd();
  }

  attachEnd(): void {
    this.detach.push(this.engine.sagas.attachEnd({ saga: this.saga, emit: (kind, msg) => this.outcomes.push({ kind, msg }) }));
  }

  attachStep(name: string): void {
    const i = this.steps.findIndex((s) => s.name === name);
    const spec = this.steps[i];
    const port: StepPort = {
      saga: this.saga,
      step: spec.name,
      policy: StepPolicy.parse({ ...fast, ...spec.policy }),
      hasCompensation: spec.undo !== null,
      emit: (output, msg) => {
        this.log.push({ step: spec.name, output, msg });
        if (output === 'next') this.forward(i, msg);
        else this.answer(port, spec, output, msg);
      },
    };
    this.ports.set(name, port);
    this.detach.push(this.engine.sagas.attachStep(port));
  }

  private forward(from: number, msg: Msg): void {
    setImmediate(() => {
      const next = this.steps[from + 1];
      const nextPort = next ? this.ports.get(next.name) : undefined;
      const p = next ? (nextPort ? this.engine.sagas.arrive(nextPort, msg) : Promise.resolve({})) : this.engine.sagas.finish(this.saga, msg);
      p.catch((err: unknown) => this.log.push({ step: '!', output: 'do', msg: { error: String(err) } }));
    });
  }

  private answer(port: StepPort, spec: StepSpec, kind: 'do' | 'undo', msg: Msg): void {
    const key = `${spec.name}/${kind}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    const none = (): Reply => ({});
    const fn = kind === 'do' ? (spec.do ?? none) : (spec.undo ?? none);
    const reply: Reply = fn(msg, n);
    if (reply === 'hang') return;
    setImmediate(() => {
      const sync: Record<string, unknown> = { ...(msg.sync ?? {}) };
      let failure: SyncError | undefined;
      if (reply.error) failure = reply.error;
      else if (reply.results) sync['results'] = { ...((sync['results']) ?? {}), ...reply.results };
      this.engine.sagas.outcome(port, { ...msg, sync }, failure, sync['results']).catch((err: unknown) => this.log.push({ step: '!', output: kind, msg: { error: String(err) } }));
    });
  }

  /** Answers an action that was left hanging. */
  reply(step: string, kind: 'do' | 'undo', reply: Reply, which = -1): Promise<void> {
    const entries = this.log.filter((e) => e.step === step && e.output === kind);
    const entry = entries.at(which);
    if (!entry || reply === 'hang') throw new Error(`no ${kind} of ${step}`);
    const sync = { ...(entry.msg.sync ?? {}) };
    let failure: SyncError | undefined;
    if (reply.error) failure = reply.error;
    else if (reply.results) sync['results'] = { ...((sync['results']) ?? {}), ...reply.results };
    return this.engine.sagas.outcome(this.ports.get(step) as StepPort, { ...entry.msg, sync }, failure, sync['results']);
  }

  actions(step: string, kind: 'do' | 'next' | 'undo'): Msg[] {
    return this.log.filter((e) => e.step === step && e.output === kind).map((e) => e.msg);
  }

  order(kind: 'do' | 'undo'): string[] {
    return this.log.filter((e) => e.output === kind).map((e) => e.step);
  }

  errors(): string[] {
    return this.log.filter((e) => e.step === '!').map((e) => String(e.msg['error']));
  }

  start(msg: Msg = {}, opts: Partial<SagaOptionsInput> = {}): Promise<SagaRecord> {
    return this.engine.sagas.start({ name: this.saga, timeoutMs: 60_000, ...opts }, { payload: { opp: 'ACME' }, sync: { correlationId: 'c-1', businessKey: 'opp:ACME', occurredAt: '2026-01-01T00:00:00Z' }, ...msg });
  }

  async state(id: string): Promise<SagaRecord> {
    const got = await this.engine.sagas.get(id);
    if (!got) throw new Error(`no saga ${id}`);
    return got.record;
  }

  close(): void {
    for (const d of this.detach) d();
  }
}

const fourSteps = (over: Partial<Record<string, Partial<StepSpec>>> = {}): StepSpec[] =>
  [
    { name: 'erp customer', do: () => ({ results: { 'netsuite.customer': { id: '1001' } } }), undo: null },
    { name: 'psa project', do: () => ({ results: { 'kantata.workspace': { id: '40002' } } }) },
    { name: 'billing', do: () => ({ results: { 'netsuite.projectTask': { id: '7' } } }) },
    { name: 'report to crm', do: () => ({}), undo: null },
  ].map((s) => ({ ...s, ...(over[s.name] ?? {}) }));

describe('saga coordinator', () => {
  let dir: string;
  let engine: Engine;
  const open = async () => {
    engine = await Engine.open({ storeDir: dir, store: 'leveldb', log: { info: () => undefined, warn: () => undefined, error: (m) => console.error(m) } });
    return engine;
  };
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sw-saga-'));
    await open();
  });
  afterEach(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the steps in order, merges what each created into msg.sync.results, and completes at the end', async () => {
    const h = new Harness(engine, 'closed-won', fourSteps());
    const s = await h.start();
    await until(() => h.outcomes.length === 1);
    assert.deepEqual(h.order('do'), ['erp customer', 'psa project', 'billing', 'report to crm']);
    const done = h.outcomes[0];
    assert.equal(done?.kind, 'completed');
    assert.deepEqual(done?.msg.sync?.['results'], { 'netsuite.customer': { id: '1001' }, 'kantata.workspace': { id: '40002' }, 'netsuite.projectTask': { id: '7' } });
    assert.deepEqual(done?.msg.payload, { opp: 'ACME' });
    const r = await h.state(s.id);
    assert.equal(r.state, 'completed');
    assert.deepEqual(r.steps.map((x) => [x.name, x.state]), [['erp customer', 'done'], ['psa project', 'done'], ['billing', 'done'], ['report to crm', 'done']]);
    assert.deepEqual(r.steps[1]?.result, { 'kantata.workspace': { id: '40002' } });
    // the action message carries the token, the next one does not
    const action = h.actions('psa project', 'do')[0];
    assert.equal((action?.sync?.['sagaAction'] as { step: string }).step, 'psa project');
    assert.equal(action?.sync?.['step'], 'psa project');
    assert.deepEqual(action?.sync?.['results'], { 'netsuite.customer': { id: '1001' } }, 'a step sees what earlier steps created');
    const next = h.actions('psa project', 'next')[0];
    assert.equal(next?.sync?.['sagaAction'], undefined);
    const stages = (await engine.journal.forTransaction('c-1')).map((e) => e.stage);
    assert.deepEqual(stages.filter((x) => x.startsWith('saga:')), ['saga:running', 'saga:completed']);
    assert.equal(stages.filter((x) => x === 'step:done').length, 4);
  });

  it('compensates the completed steps in reverse order when a step fails for good, and reports compensated', async () => {
    const h = new Harness(engine, 'closed-won', fourSteps({ billing: { do: () => ({ error: dataError() }) } }));
    const s = await h.start();
    await until(() => h.outcomes.length === 1);
    assert.equal(h.outcomes[0]?.kind, 'compensated');
    assert.deepEqual(h.order('undo'), ['psa project'], 'only steps with a compensation run one; the failed one does not');
    const undo = h.actions('psa project', 'undo')[0];
    assert.deepEqual(undo?.saga?.['stepResult'], { 'kantata.workspace': { id: '40002' } });
    assert.equal((undo?.sync?.['sagaAction'] as { kind: string }).kind, 'undo');
    const r = await h.state(s.id);
    assert.equal(r.state, 'compensated');
    assert.deepEqual(r.steps.map((x) => x.state), ['compensated', 'compensated', 'failed']);
    assert.equal(r.failure?.step, 'billing');
    assert.equal(r.failure?.error.code, 'INVALID_FIELD');
    assert.equal(r.steps[2]?.attempts, 1, 'a data error is not retried');
    const notified = h.outcomes[0]?.msg.saga as { state: string; failure: { step: string } };
    assert.equal(notified.state, 'compensated');
    assert.equal(notified.failure.step, 'billing');
    assert.equal(await engine.deadLetters.count(), 0);
  });

  it('runs compensations from the last completed step back to the first', async () => {
    const steps: StepSpec[] = ['a', 'b', 'c'].map((name) => ({ name, do: () => ({ results: { [name]: 1 } }) }));
    steps.push({ name: 'd', do: () => ({ error: dataError() }) });
    const h = new Harness(engine, 'abc', steps);
    await h.start();
    await until(() => h.outcomes.length === 1);
    assert.deepEqual(h.order('undo'), ['c', 'b', 'a']);
  });

  it('retries a transient failure of a forward action under the step policy and goes on when it succeeds', async () => {
    const h = new Harness(engine, 'retry', [{ name: 'flaky', do: (_m, n) => (n < 3 ? { error: transient() } : { results: { x: n } }), policy: { maximumRedeliveries: 3 } }]);
    const s = await h.start();
    await until(() => h.outcomes.length === 1);
    assert.equal(h.outcomes[0]?.kind, 'completed');
    const attempts = h.actions('flaky', 'do').map((m) => (m.saga as { attempt: number }).attempt);
    assert.deepEqual(attempts, [1, 2, 3]);
    const r = await h.state(s.id);
    assert.equal(r.steps[0]?.attempts, 2, 'two failed attempts');
    assert.equal(r.steps[0]?.lastError?.code, 'HTTP_503');
  });

  it('gives up after maximumRedeliveries and compensates', async () => {
    const h = new Harness(engine, 'giveup', [{ name: 'a', do: () => ({ results: { a: 1 } }) }, { name: 'b', do: () => ({ error: transient() }), policy: { maximumRedeliveries: 2 } }]);
    const s = await h.start();
    await until(() => h.outcomes.length === 1);
    assert.equal(h.actions('b', 'do').length, 3);
    assert.equal(h.outcomes[0]?.kind, 'compensated');
    assert.equal((await h.state(s.id)).steps[1]?.attempts, 3);
  });

  it('does not count a rate-limit answer as an attempt', async () => {
    const limited = new SyncError('slow down', { class: 'rate-limit', code: 'HTTP_429', retryable: true, retryAfterMs: 1 });
    const h = new Harness(engine, 'throttle', [{ name: 'a', do: (_m, n) => (n <= 3 ? { error: limited } : {}), policy: { maximumRedeliveries: 0 } }]);
    const s = await h.start();
    await until(() => h.outcomes.length === 1);
    assert.equal(h.outcomes[0]?.kind, 'completed');
    const r = await h.state(s.id);
    assert.equal(r.steps[0]?.attempts, 0);
    assert.equal(r.steps[0]?.throttled, 3);
  });

  it('treats an action whose outcome never comes back as a transient failure and sends it again', async () => {
    const h = new Harness(engine, 'lost', [{ name: 'a', do: (_m, n) => (n === 1 ? 'hang' : {}), policy: { outcomeTimeoutMs: 20 } }]);
    const s = await h.start();
    await until(() => h.outcomes.length === 1);
    assert.equal(h.actions('a', 'do').length, 2);
    assert.equal((await h.state(s.id)).steps[0]?.lastError?.code, 'OUTCOME_TIMEOUT');
  });

  it('accepts a late success of an earlier dispatch but ignores a late failure', async () => {
    const h = new Harness(engine, 'late', [{ name: 'a', do: () => 'hang', policy: { outcomeTimeoutMs: 30, maximumRedeliveries: 5 } }]);
    const s = await h.start();
    await until(() => h.actions('a', 'do').length === 2);
    await h.reply('a', 'do', { error: dataError() }, 0);
    let r = await h.state(s.id);
    assert.equal(r.steps[0]?.state, 'running', 'the stale failure changed nothing');
    await h.reply('a', 'do', { results: { a: 'first' } }, 0);
    await until(() => h.outcomes.length === 1);
    r = await h.state(s.id);
    assert.deepEqual(r.steps[0]?.result, { a: 'first' });
  });

  it('retries a compensation, and when it fails for good dead-letters the saga with everything an operator needs and notifies', async () => {
    const steps: StepSpec[] = [
      { name: 'customer', do: () => ({ results: { customer: 'C1' } }), undo: null },
      { name: 'project', do: () => ({ results: { project: 'P1' } }), undo: () => ({ error: transient('HTTP_500') }) },
      { name: 'milestones', do: () => ({ results: { tasks: ['T1'] } }) },
      { name: 'billing', do: () => ({ error: dataError('USER_ERROR') }) },
    ];
    const h = new Harness(engine, 'q2c', steps);
    const s = await h.start();
    await until(() => h.outcomes.length === 1);
    assert.equal(h.outcomes[0]?.kind, 'attention');
    assert.deepEqual(h.order('undo'), ['milestones', 'project', 'project', 'project'], 'the first compensation succeeded, the second was tried 3 times');
    const r = await h.state(s.id);
    assert.equal(r.state, 'compensation-failed');
    assert.deepEqual(r.steps.map((x) => x.state), ['done', 'compensation-failed', 'compensated', 'failed'], 'the customer is left for the operator');
    await until(async () => (await engine.deadLetters.count()) === 1);
    const [dl] = await engine.deadLetters.list();
    assert.equal(dl?.reason, 'compensation-failed');
    assert.equal(dl?.id, r.deadLetterId);
    assert.equal(dl?.queue, 'saga:q2c');
    assert.equal(dl?.error.code, 'HTTP_500');
    assert.equal(dl?.attempts, 3);
    assert.equal(dl?.businessKey, 'opp:ACME');
    assert.match(dl?.message ?? '', /"opp":"ACME"/, 'the original message');
    assert.equal((JSON.parse(dl?.message ?? '{}') as { sync: { sagaId: string } }).sync.sagaId, s.id, 'marked with the saga it was in');
    const ctx = (dl?.context as { saga: { steps: Array<{ name: string; state: string; result: unknown; lastError: { code: string } | null }>; failure: { step: string } } }).saga;
    assert.equal(ctx.failure.step, 'billing');
    assert.deepEqual(ctx.steps.map((x) => [x.name, x.state, x.result]), [['customer', 'done', { customer: 'C1' }], ['project', 'compensation-failed', { project: 'P1' }], ['milestones', 'compensated', { tasks: ['T1'] }], ['billing', 'failed', null]]);
    assert.equal(ctx.steps[1]?.lastError?.code, 'HTTP_500');
    const note = h.outcomes[0]?.msg.saga as { state: string; deadLetterId: string };
    assert.equal(note.state, 'compensation-failed');
    assert.equal(note.deadLetterId, dl?.id);
  });

  it('lets an operator retry a failed compensation, continuing from where it stopped', async () => {
    let fix = false;
    const h = new Harness(engine, 'fixme', [
      { name: 'a', do: () => ({ results: { a: 1 } }) },
      { name: 'b', do: () => ({ results: { b: 1 } }), undo: () => (fix ? {} : { error: dataError() }) },
      { name: 'c', do: () => ({ error: dataError() }) },
    ]);
    const s = await h.start();
    await until(() => h.outcomes.length === 1);
    assert.equal((await h.state(s.id)).state, 'compensation-failed');
    await assert.rejects(engine.sagas.resume(s.id), /compensated again/);
    fix = true;
    await engine.sagas.compensate(s.id, 'ops@example');
    await until(() => h.outcomes.length === 2);
    assert.equal(h.outcomes[1]?.kind, 'compensated');
    assert.deepEqual(h.order('undo'), ['b', 'b', 'a']);
    await until(async () => (await engine.deadLetters.count()) === 0);
  });

  it('parks a saga as needs-remediation without compensating, and resumes it by re-running the failed step', async () => {
    let fixed = false;
    const h = new Harness(engine, 'finance', [{ name: 'a', do: () => ({ results: { a: 1 } }) }, { name: 'b', do: () => (fixed ? { results: { b: 2 } } : { error: dataError() }) }]);
    const s = await h.start({}, { onFailure: 'park' });
    await until(() => h.outcomes.length === 1);
    assert.equal(h.outcomes[0]?.kind, 'attention');
    assert.deepEqual(h.order('undo'), []);
    let r = await h.state(s.id);
    assert.equal(r.state, 'needs-remediation');
    await until(async () => (await engine.deadLetters.list({ reason: 'needs-remediation' })).length === 1);
    fixed = true;
    await engine.sagas.resume(s.id, 'ops@example');
    await until(() => h.outcomes.length === 2);
    assert.equal(h.outcomes[1]?.kind, 'completed');
    r = await h.state(s.id);
    assert.equal(r.state, 'completed');
    assert.equal(r.steps[1]?.attempts, 0, 'resume starts the step afresh');
    await until(async () => (await engine.deadLetters.count()) === 0);
    const journal = await engine.journal.forTransaction('c-1');
    assert.ok(journal.some((e) => e.stage === 'discarded' && /resumed by an operator/.test(e.message ?? '')));
  });

  it('compensates a saga that does not reach its end in time, waiting for a step whose action is out', async () => {
    const h = new Harness(engine, 'slow', [{ name: 'a', do: () => ({ results: { a: 1 } }) }, { name: 'b', do: () => 'hang' }]);
    const s = await h.start({}, { timeoutMs: 30 });
    await until(async () => (await h.state(s.id)).state === 'compensating');
    assert.deepEqual(h.order('undo'), [], 'b is still out: its outcome decides whether it needs undoing');
    await h.reply('b', 'do', { results: { b: 'late' } });
    await until(() => h.outcomes.length === 1);
    assert.deepEqual(h.order('undo'), ['b', 'a']);
    const r = await h.state(s.id);
    assert.equal(r.state, 'compensated');
    assert.equal(r.failure?.reason, 'timeout');
    assert.equal(r.failure?.error.code, 'SAGA_TIMEOUT');
  });

  it('parks a saga that times out when its policy is park', async () => {
    const h = new Harness(engine, 'slowpark', [{ name: 'a', do: () => 'hang' }]);
    const s = await h.start({}, { timeoutMs: 20, onFailure: 'park' });
    await until(() => h.outcomes.length === 1);
    assert.equal(h.outcomes[0]?.kind, 'attention');
    assert.equal((await h.state(s.id)).state, 'needs-remediation');
  });

  it('sends an action that was out when the saga was parked again when an operator resumes it', async () => {
    const h = new Harness(engine, 'parkedout', [{ name: 'a', do: (_m, n) => (n === 1 ? 'hang' : { results: { a: 1 } }) }]);
    const s = await h.start({}, { timeoutMs: 20, onFailure: 'park' });
    await until(() => h.outcomes.length === 1);
    assert.equal((await h.state(s.id)).steps[0]?.state, 'running');
    await engine.sagas.resume(s.id);
    await until(() => h.outcomes.length === 2);
    assert.equal(h.outcomes[1]?.kind, 'completed');
    assert.equal(h.actions('a', 'do').length, 2);
  });

  it('counts a step with no compensation wired as compensated, with nothing to undo', async () => {
    const h = new Harness(engine, 'noundo', [{ name: 'a', do: () => ({}), undo: null }, { name: 'b', do: () => ({ error: dataError() }) }]);
    const s = await h.start();
    await until(() => h.outcomes.length === 1);
    assert.deepEqual(h.order('undo'), []);
    assert.equal((await h.state(s.id)).steps[0]?.state, 'compensated');
  });

  it('also compensates a failed step when told to (its action may have taken effect)', async () => {
    const h = new Harness(engine, 'uncertain', [{ name: 'a', do: () => ({ results: { a: 1 } }) }, { name: 'b', do: () => ({ error: transient() }), policy: { maximumRedeliveries: 0, compensateFailed: true } }]);
    await h.start();
    await until(() => h.outcomes.length === 1);
    assert.deepEqual(h.order('undo'), ['b', 'a']);
    assert.equal(h.actions('b', 'undo')[0]?.saga?.['stepResult'], null);
  });

  it('commits the idempotency claim with the saga results on completion and releases it on compensation', async () => {
    const claimed = await engine.ledger.claim('default', 'opp:1', { leaseMs: 1000, retentionMs: 60_000, onFingerprintChange: 'conflict' });
    const claim = { scope: 'default', key: 'opp:1', claimId: claimed.entry.claimId, retentionMs: 60_000 };
    const ok = new Harness(engine, 'claims', [{ name: 'a', do: () => ({ results: { a: 'A1' } }) }]);
    await ok.start({ sync: { correlationId: 'c-9', businessKey: 'opp:1', occurredAt: '2026-01-01T00:00:00Z', claim } });
    await until(async () => (await engine.ledger.get('default', 'opp:1'))?.state === 'completed');
    assert.deepEqual((await engine.ledger.get('default', 'opp:1'))?.result, { a: 'A1' });
    ok.close();

    const claimed2 = await engine.ledger.claim('default', 'opp:2', { leaseMs: 1000, retentionMs: 60_000, onFingerprintChange: 'conflict' });
    const bad = new Harness(engine, 'claims2', [{ name: 'a', do: () => ({ error: dataError() }) }]);
    await bad.start({ sync: { correlationId: 'c-10', businessKey: 'opp:2', occurredAt: '2026-01-01T00:00:00Z', claim: { ...claim, key: 'opp:2', claimId: claimed2.entry.claimId } } });
    await until(() => bad.outcomes.length === 1);
    await until(async () => (await engine.ledger.get('default', 'opp:2')) === undefined);
  });

  it('holds the idempotency claim of a parked saga, so a repeat of the event does not start it again', async () => {
    const claimed = await engine.ledger.claim('default', 'opp:3', { leaseMs: 50, retentionMs: 60_000, onFingerprintChange: 'conflict' });
    const h = new Harness(engine, 'held', [{ name: 'a', do: () => ({ error: dataError() }) }]);
    await h.start({ sync: { correlationId: 'c-11', businessKey: 'opp:3', occurredAt: '2026-01-01T00:00:00Z', claim: { scope: 'default', key: 'opp:3', claimId: claimed.entry.claimId, retentionMs: 60_000 } } }, { onFailure: 'park' });
    await until(() => h.outcomes.length === 1);
    await until(async () => ((await engine.ledger.get('default', 'opp:3'))?.leaseUntil ?? 0) > Date.now() + 30_000);
    await new Promise((r) => setTimeout(r, 60));
    const again = await engine.ledger.claim('default', 'opp:3', { leaseMs: 50, retentionMs: 60_000, onFingerprintChange: 'conflict' });
    assert.equal(again.outcome, 'in-flight');
  });

  it('refuses a message that is not in a saga or that is the action of another step, and ignores a step arriving twice', async () => {
    const h = new Harness(engine, 'strict', [{ name: 'a', do: () => 'hang' }, { name: 'b' }]);
    const a = h.ports.get('a') as StepPort;
    const b = h.ports.get('b') as StepPort;
    await assert.rejects(engine.sagas.arrive(a, { payload: 1 }), (e: SyncError) => e.syncwright.code === 'NOT_IN_SAGA');
    const s = await h.start();
    await until(() => h.actions('a', 'do').length === 1);
    await assert.rejects(engine.sagas.arrive(b, h.actions('a', 'do')[0]), (e: SyncError) => e.syncwright.code === 'SAGA_MISWIRED' && /wire the end of that path back into step "a"/.test(e.message));
    const again = await engine.sagas.arrive(a, { payload: 1, sync: { sagaId: s.id } });
    assert.match(again.ignored ?? '', /already ran/);
    const other = new Harness(engine, 'other', [{ name: 'a' }]);
    await assert.rejects(engine.sagas.arrive(other.ports.get('a') as StepPort, { sync: { sagaId: s.id } }), (e: SyncError) => e.syncwright.code === 'SAGA_MISMATCH');
  });

  it('fails the saga at once when a step gets a message that cannot be stored', async () => {
    const h = new Harness(engine, 'unstorable', [{ name: 'a', do: () => ({ results: { a: 1 } }) }, { name: 'b' }], { steps: ['a'] });
    const s = await h.start();
    await until(() => h.actions('a', 'next').length === 1);
    h.attachStep('b');
    await assert.rejects(engine.sagas.arrive(h.ports.get('b') as StepPort, { payload: { f: () => 1 }, sync: { sagaId: s.id } }), /msg\.payload\.f is a function/);
    await until(() => h.outcomes.length === 1);
    assert.equal(h.outcomes[0]?.kind, 'compensated');
    assert.deepEqual(h.order('undo'), ['a']);
    assert.equal((await h.state(s.id)).steps[1]?.lastError?.code, 'UNSERIALISABLE');
  });

  it('stores messages whose objects a function node made (in another realm) as the plain data they are', async () => {
    const payload = runInNewContext('({ customer: { name: "ACME", tags: ["a", { b: 1 }] } })') as Record<string, unknown>;
    const created = runInNewContext('({ id: "W1" })') as Record<string, unknown>;
    const h = new Harness(engine, 'realms', [{ name: 'a', do: () => ({ results: { 'kantata.workspace': created } }) }]);
    await h.start({ payload });
    await until(() => h.outcomes.length === 1);
    assert.equal(h.outcomes[0]?.kind, 'completed');
    assert.deepEqual(JSON.parse(JSON.stringify(h.outcomes[0]?.msg.payload)), { customer: { name: 'ACME', tags: ['a', { b: 1 }] } });
    assert.deepEqual(h.outcomes[0]?.msg.sync?.['results'], { 'kantata.workspace': { id: 'W1' } });
    await assert.rejects(h.start({ payload: { when: runInNewContext('new Map()') as unknown } }), /msg\.payload\.when is a Map/, 'what is not plain data is still refused');
  });

  it('lists sagas by name, state and business key, newest first', async () => {
    const h = new Harness(engine, 'listed', [{ name: 'a', do: (m) => ((m.payload as { n: number }).n === 2 ? { error: dataError() } : {}) }]);
    for (const n of [1, 2, 3]) {
      await h.start({ payload: { n }, sync: { correlationId: `c-${n}`, businessKey: `k${n}`, occurredAt: '2026-01-01T00:00:00Z' } });
      await until(() => h.outcomes.length === n);
    }
    const all = await engine.sagas.list({ name: 'listed' });
    assert.deepEqual(all.map((r) => r.businessKey), ['k3', 'k2', 'k1']);
    assert.deepEqual((await engine.sagas.list({ state: 'compensated' })).map((r) => r.businessKey), ['k2']);
    assert.deepEqual((await engine.sagas.list({ businessKey: 'k1' })).map((r) => r.state), ['completed']);
    assert.equal((await engine.sagas.list({ name: 'nope' })).length, 0);
  });

  it('sweeps finished sagas after their retention and keeps the ones that need a person', async () => {
    const h = new Harness(engine, 'sweep', [{ name: 'a', do: (m) => ((m.payload as { n: number }).n === 2 ? { error: dataError() } : {}) }]);
    await h.start({ payload: { n: 1 } });
    await h.start({ payload: { n: 2 } }, { onFailure: 'park' });
    await until(() => h.outcomes.length === 2);
    await until(async () => (await engine.sagas.list({ name: 'sweep', state: 'needs-remediation' })).length === 1);
    assert.equal(await engine.sagas.sweep(60_000), 0);
    assert.equal(await engine.sagas.sweep(-1), 1);
    const left = await engine.sagas.list({ name: 'sweep' });
    assert.deepEqual(left.map((r) => r.state), ['needs-remediation']);
  });

  describe('after a restart (reopened store)', () => {
    const reopen = async (): Promise<Engine> => {
      await engine.close();
      return open();
    };

    it('sends a forward action that was in flight again once its step is deployed, and finishes the saga', async () => {
      const steps: StepSpec[] = [{ name: 'a', do: () => ({ results: { a: 1 } }) }, { name: 'b', do: () => 'hang' }, { name: 'c', do: () => ({}) }];
      let h = new Harness(engine, 'restart', steps);
      const s = await h.start();
      await until(() => h.actions('b', 'do').length === 1);
      await reopen();
      steps[1] = { name: 'b', do: () => ({ results: { b: 2 } }) };
      h = new Harness(engine, 'restart', steps, { steps: ['a', 'c'] });
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(h.log.length, 0, 'nothing is sent before the step it belongs to is deployed');
      h.attachStep('b');
      await until(() => h.outcomes.length === 1);
      assert.deepEqual(h.order('do'), ['b', 'c'], 'a is not run again');
      const r = await h.state(s.id);
      assert.equal(r.state, 'completed');
      assert.equal(r.steps[1]?.attempts, 0, 'a resend after a restart is not a failed attempt');
    });

    it('continues a compensation that was in flight', async () => {
      const steps: StepSpec[] = [{ name: 'a', do: () => ({ results: { a: 1 } }) }, { name: 'b', do: () => ({ results: { b: 1 } }), undo: () => 'hang' }, { name: 'c', do: () => ({ error: dataError() }) }];
      let h = new Harness(engine, 'restart-undo', steps);
      const s = await h.start();
      await until(() => h.actions('b', 'undo').length === 1);
      await reopen();
      steps[1] = { ...steps[1], undo: () => ({}) };
      h = new Harness(engine, 'restart-undo', steps);
      await until(() => h.outcomes.length === 1);
      assert.equal(h.outcomes[0]?.kind, 'compensated');
      assert.deepEqual(h.order('undo'), ['b', 'a']);
      assert.deepEqual(h.order('do'), [], 'no forward action runs again');
      assert.equal((await h.state(s.id)).state, 'compensated');
    });

    it('passes on the message of a completed step whose next step never recorded it', async () => {
      const steps: StepSpec[] = [{ name: 'a', do: () => ({ results: { a: 1 } }) }, { name: 'b', do: () => ({}) }];
      let h = new Harness(engine, 'restart-next', steps, { steps: ['a'] });
      const s = await h.start();
      await until(() => h.actions('a', 'next').length === 1);
      await reopen();
      h = new Harness(engine, 'restart-next', steps);
      await until(() => h.outcomes.length === 1);
      assert.deepEqual(h.order('do'), ['b']);
      assert.equal(h.outcomes[0]?.kind, 'completed');
      assert.deepEqual(h.outcomes[0]?.msg.sync?.['results'], { a: 1 });
      assert.equal((await h.state(s.id)).state, 'completed');
    });

    it('reports a saga that ended while no end node was deployed once one is', async () => {
      const steps: StepSpec[] = [{ name: 'a', do: () => ({ error: dataError() }) }];
      let h = new Harness(engine, 'restart-end', steps, { end: false });
      const s = await h.start({}, { onFailure: 'park' });
      await until(async () => (await h.state(s.id)).state === 'needs-remediation');
      await until(async () => (await engine.deadLetters.count()) === 1);
      await reopen();
      h = new Harness(engine, 'restart-end', steps);
      await until(() => h.outcomes.length === 1);
      assert.equal(h.outcomes[0]?.kind, 'attention');
      assert.equal(await engine.deadLetters.count(), 1, 'the dead letter is not written twice');
    });

    it('times out a saga whose deadline passed while Node-RED was down', async () => {
      const steps: StepSpec[] = [{ name: 'a', do: () => ({ results: { a: 1 } }) }, { name: 'b', do: () => 'hang' }];
      let h = new Harness(engine, 'restart-deadline', steps);
      const s = await h.start({}, { timeoutMs: 150 });
      await until(() => h.actions('b', 'do').length === 1);
      await reopen();
      await new Promise((r) => setTimeout(r, 200));
      h = new Harness(engine, 'restart-deadline', [steps[0], { name: 'b', do: () => ({ error: transient() }) }]);
      await until(() => h.outcomes.length === 1);
      assert.equal(h.outcomes[0]?.kind, 'compensated');
      assert.deepEqual(h.order('undo'), ['a']);
      assert.equal((await h.state(s.id)).failure?.reason, 'timeout');
    });
  });
});
