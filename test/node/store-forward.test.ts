// nodes/store-forward and nodes/dead-letter through node-red-node-test-helper: the test plays the downstream
// system, taking deliveries from a helper node and sending outcomes back into the store-forward node.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import deadLetterNode from '../../nodes/dead-letter/dead-letter.js';
import storeForwardNode from '../../nodes/store-forward/store-forward.js';
import targetNode from '../../nodes/target/target.js';
import { useEngineStore } from '../support/engine.js';
import { testFlow, useHelper } from '../support/helper.js';

type Msg = Record<string, unknown> & { payload?: unknown; sync?: Record<string, unknown>; statusCode?: number };

const sf = (extra: Record<string, unknown> = {}) => ({ id: 'sf', type: 'syncwright-store-forward', z: 'f', name: '', queueName: 'q-test', target: '', maxInFlight: '5', key: 'sync.businessKey', keyType: 'msg', orderByKey: true, lane: '', laneType: 'msg', lanes: '', maximumRedeliveries: '2', redeliveryDelay: '0.01', backOffMultiplier: '1', maximumRedeliveryDelay: '1', jitter: '0', ackTimeout: '60', batchSize: '1', wires: [['out'], ['done']], ...extra });

function collector(helper: ReturnType<typeof useHelper>, id: string): Msg[] {
  const got: Msg[] = [];
  helper.getNode(id).on('input', (m: Msg) => got.push(m));
  return got;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('syncwright-store-forward node', () => {
  const helper = useHelper();
  useEngineStore();
  const nodes = [storeForwardNode, deadLetterNode, targetNode];
  const base = [{ id: 'f', type: 'tab' }, { id: 'out', type: 'helper', z: 'f' }, { id: 'done', type: 'helper', z: 'f' }, { id: 'catch', type: 'catch', z: 'f', scope: null, uncaught: false, wires: [['caught']] }, { id: 'caught', type: 'helper', z: 'f' }];

  it('delivers an accepted message and removes it when the outcome comes back', async () => {
    await helper.load(nodes, testFlow([...base, sf()]));
    const out = collector(helper, 'out');
    const done = collector(helper, 'done');
    helper.getNode('sf').receive({ payload: { name: 'ACME' }, sync: { correlationId: 'c1', businessKey: 'acct:1', occurredAt: '2026-01-01T00:00:00Z' } });
    await until(() => out.length === 1);
    const delivery = out[0];
    assert.deepEqual(delivery.payload, { name: 'ACME' });
    assert.equal((delivery.sync?.['delivery'] as { queue: string }).queue, 'q-test');
    assert.equal(delivery.sync?.['attempt'], 1);
    helper.getNode('sf').receive({ ...delivery, statusCode: 201 });
    await until(() => done.length === 1);
    assert.equal(done[0]?.statusCode, 201);
  });

  it('retries a 503 from an http request node and delivers on the next attempt', async () => {
    await helper.load(nodes, testFlow([...base, sf()]));
    const out = collector(helper, 'out');
    const done = collector(helper, 'done');
    helper.getNode('sf').receive({ payload: 1 });
    await until(() => out.length === 1);
    helper.getNode('sf').receive({ ...out[0], statusCode: 503, payload: 'Service Unavailable' });
    await until(() => out.length === 2);
    assert.equal(out[1]?.sync?.['attempt'], 2);
    helper.getNode('sf').receive({ ...out[1], statusCode: 200 });
    await until(() => done.length === 1);
  });

  it('sends a message that cannot succeed to the dead-letter queue, whose node reports it and replays it edited', async () => {
    await helper.load(nodes, testFlow([...base, sf({ wires: [['out'], ['done']] }), { id: 'dlq', type: 'syncwright-dead-letter', z: 'f', name: '', queue: '', errorClass: '', wires: [['dlqOut']] }, { id: 'dlqOut', type: 'helper', z: 'f' }]));
    const out = collector(helper, 'out');
    const dead = collector(helper, 'dlqOut');
    helper.getNode('sf').receive({ payload: { bad: true }, sync: { correlationId: 'c9', businessKey: 'acct:9', occurredAt: '2026-01-01T00:00:00Z' } });
    await until(() => out.length === 1);
    helper.getNode('sf').receive({ ...out[0], statusCode: 400, payload: '[{"errorCode":"INVALID_FIELD"}]' });
    await until(() => dead.length === 1);
    const event = dead[0] as Msg & { payload: { id: string; reason: string; error: { class: string; status: number }; businessKey: string } };
    assert.equal(event.topic, 'dead-letter');
    assert.equal(event.payload.reason, 'not-retryable');
    assert.equal(event.payload.error.class, 'data');
    assert.equal(event.payload.error.status, 400);
    assert.equal(event.payload.businessKey, 'acct:9');

    helper.getNode('dlq').receive({ topic: 'replay', payload: { ids: [event.payload.id], edit: { payload: { bad: false } } } });
    await until(() => dead.length === 2);
    assert.deepEqual(dead[1]?.payload, { count: 1, ids: [event.payload.id] });
    await until(() => out.length === 2);
    assert.deepEqual(out[1]?.payload, { bad: false });
    assert.equal(out[1]?.sync?.['correlationId'], 'c9', 'the replay keeps the transaction');
  });

  it('refuses to discard a dead letter without a reason, and discards with one', async () => {
    await helper.load(nodes, testFlow([...base, sf(), { id: 'dlq', type: 'syncwright-dead-letter', z: 'f', name: '', queue: '', errorClass: '', wires: [['dlqOut']] }, { id: 'dlqOut', type: 'helper', z: 'f' }]));
    const out = collector(helper, 'out');
    const dead = collector(helper, 'dlqOut');
    const caught = collector(helper, 'caught');
    helper.getNode('sf').receive({ payload: 1 });
    await until(() => out.length === 1);
    helper.getNode('sf').receive({ ...out[0], statusCode: 409 });
    await until(() => dead.length === 1);
    helper.getNode('dlq').receive({ topic: 'discard', payload: { all: true } });
    await until(() => caught.length === 1);
    assert.match(String((caught[0]?.error as { message: string }).message), /needs a reason/);
    helper.getNode('dlq').receive({ topic: 'discard', payload: { all: true, reason: 'duplicate of INC-42' } });
    await until(() => dead.length === 2);
    assert.equal((dead[1]?.payload as { count: number }).count, 1);
    helper.getNode('dlq').receive({ topic: 'count' });
    await until(() => dead.length === 3);
    assert.equal(dead[2]?.payload, 0);
  });

  it('rejects what it cannot store with an error a Catch node sees, naming the property and the class', async () => {
    await helper.load(nodes, testFlow([...base, sf()]));
    const caught = collector(helper, 'caught');
    const circular: Record<string, unknown> = {};
    circular['me'] = circular;
    helper.getNode('sf').receive({ payload: circular });
    await until(() => caught.length === 1);
    assert.match(String((caught[0]?.error as { message: string }).message), /msg\.payload\.me is a circular reference/);
    assert.equal((caught[0]?.sync?.['error'] as { class: string }).class, 'data');
  });

  it('does not count a 429 as a failed attempt, and pauses the target for Retry-After', async () => {
    await helper.load(nodes, testFlow([...base, { id: 't', type: 'syncwright-target', name: 'api', requestsPerSecond: '', concurrency: '2', dailyBudget: '', dailyHeadroomPercent: '10', maintenance: '' }, sf({ target: 't', maximumRedeliveries: '0' })]));
    const out = collector(helper, 'out');
    const done = collector(helper, 'done');
    helper.getNode('sf').receive({ payload: 1 });
    for (let i = 1; i <= 3; i++) {
      await until(() => out.length === i);
      helper.getNode('sf').receive({ ...out[i - 1], statusCode: 429, headers: { 'retry-after': '0' } });
    }
    await until(() => out.length === 4);
    assert.equal(out[3]?.sync?.['attempt'], 1, 'still the first attempt');
    helper.getNode('sf').receive({ ...out[3], statusCode: 200 });
    await until(() => done.length === 1);
  });

  it('shows a yellow status while the target is paused by a throttle answer, and idle again once delivered', async () => {
    // The delivery path wired back into the node (as a flow does; the helper node passes nothing on by itself).
    const wired = base.map((n) => (n.id === 'out' ? { ...n, wires: [['sf']] } : n));
    await helper.load(nodes, testFlow([...wired, { id: 't', type: 'syncwright-target', name: 'api', requestsPerSecond: '', concurrency: '2', dailyBudget: '', dailyHeadroomPercent: '10', maintenance: '' }, sf({ target: 't' })]));
    const out = collector(helper, 'out');
    const done = collector(helper, 'done');
    const statuses: Array<{ fill?: string; shape?: string; text?: string }> = [];
    (helper.getNode('sf') as unknown as EventEmitter).on('call:status', (c: { args: Array<{ fill?: string; shape?: string; text?: string }> }) => statuses.push(c.args[0] ?? {}));
    helper.getNode('sf').receive({ payload: 1 });
    await until(() => out.length === 1);
    helper.getNode('sf').receive({ ...out[0], statusCode: 429, headers: { 'retry-after': '2' } });
    await until(() => statuses.some((st) => st.fill === 'yellow'));
    const paused = statuses.find((st) => st.fill === 'yellow');
    assert.equal(paused?.shape, 'ring');
    assert.match(paused?.text ?? '', /^throttled until \d\d:\d\d:\d\d · queued 1 · in flight 0$/);
    await until(() => out.length === 2, 5000);
    helper.getNode('sf').receive({ ...out[1], statusCode: 200 });
    await until(() => done.length === 1);
    await until(() => statuses.at(-1)?.text === '1 delivered');
    assert.equal(statuses.at(-1)?.fill, 'grey', 'idle again');
  });

  it('keeps two messages for one key in order and lets another key pass', async () => {
    await helper.load(nodes, testFlow([...base, sf()]));
    const out = collector(helper, 'out');
    const env = (k: string) => ({ correlationId: `c-${k}`, businessKey: k, occurredAt: '2026-01-01T00:00:00Z' });
    helper.getNode('sf').receive({ payload: 'a1', sync: env('A') });
    helper.getNode('sf').receive({ payload: 'a2', sync: env('A') });
    helper.getNode('sf').receive({ payload: 'b1', sync: env('B') });
    await until(() => out.length === 2);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(out.map((m) => m.payload), ['a1', 'b1']);
    helper.getNode('sf').receive({ ...out[0], statusCode: 200 });
    await until(() => out.length === 3);
    assert.equal(out[2]?.payload, 'a2');
  });

  it('delivers a backlog in batches and settles each message by its own result', async () => {
    await helper.load(nodes, testFlow([...base, sf({ batchSize: '200', maxInFlight: '1' })]));
    const out = collector(helper, 'out');
    const sfNode = helper.getNode('sf');
    const accepted = 250;
    for (let i = 0; i < accepted; i++) sfNode.receive({ payload: { n: i }, sync: { correlationId: `c${i}`, businessKey: `k${i}`, occurredAt: '2026-01-01T00:00:00Z' } });
    await until(() => out.length >= 1);
    const sizes: number[] = [];
    let delivered = 0;
    for (let b = 0; delivered < accepted; b++) {
      await until(() => out.length > b);
      const batch = out[b] as Msg & { payload: unknown[] };
      sizes.push(batch.payload.length);
      delivered += batch.payload.length;
      sfNode.receive({ ...batch, results: batch.payload.map(() => ({ ok: true })) });
    }
    assert.equal(delivered, accepted);
    assert.ok(Math.max(...sizes) >= 190, `largest batch ${Math.max(...sizes)}`);
  });
});
