// nodes/idempotency through node-red-node-test-helper.
import assert from 'node:assert/strict';
import type { Node } from 'node-red';
import idempotencyNode from '../../nodes/idempotency/idempotency.js';
import storeForwardNode from '../../nodes/store-forward/store-forward.js';
import { useEngineStore } from '../support/engine.js';
import { testFlow, useHelper } from '../support/helper.js';

type Msg = Record<string, unknown> & { payload?: unknown; sync?: Record<string, unknown>; idempotency?: Record<string, unknown> };

const idem = (extra: Record<string, unknown> = {}) => ({ id: 'idem', type: 'syncwright-idempotency', z: 'f', name: '', key: 'sync.businessKey', keyType: 'msg', scope: 'default', fingerprint: 'payload', fingerprintType: 'msg', onFingerprintChange: 'conflict', whenInFlight: 'hold', holdTimeout: '5', lease: '300', retention: '30', removeOnFailure: true, wires: [['first'], ['dup'], ['inflight'], ['conflict']], ...extra });
const outputs = ['first', 'dup', 'inflight', 'conflict'].map((id) => ({ id, type: 'helper', z: 'f' }));
const base = [{ id: 'f', type: 'tab' }, ...outputs, { id: 'catch', type: 'catch', z: 'f', scope: null, uncaught: false, wires: [['caught']] }, { id: 'caught', type: 'helper', z: 'f' }];

function env(key: string, correlationId = `c-${key}`) {
  return { correlationId, businessKey: key, occurredAt: '2026-01-01T00:00:00Z' };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('syncwright-idempotency node', () => {
  const helper = useHelper();
  useEngineStore();
  let got: Record<string, Msg[]>;

  async function load(extra: Record<string, unknown> = {}, more: Array<Record<string, unknown>> = []): Promise<Node> {
    await helper.load([idempotencyNode, storeForwardNode], testFlow([...base, idem(extra), ...more]));
    got = {};
    for (const id of ['first', 'dup', 'inflight', 'conflict', 'caught', 'out']) {
      got[id] = [];
      try {
        helper.getNode(id).on('input', (m: Msg) => (got[id]).push(m));
      } catch {
        // node not in this flow
      }
    }
    return helper.getNode('idem');
  }

  it('lets the first message through and answers a repeat with the stored result of the first run', async () => {
    const node = await load();
    node.receive({ payload: { n: 1 }, sync: env('opp:1') });
    await until(() => got['first']?.length === 1);
    const first = got['first']?.[0];
    assert.equal(first.idempotency?.['status'], 'first');
    assert.equal(first.sync?.['idempotencyKey'], 'opp:1');
    // the outcome comes back with the ids the transaction created
    node.receive({ ...first, sync: { ...first.sync, results: { netsuiteCustomer: '1001', kantataWorkspace: '40002' } } });
    node.receive({ payload: { n: 1 }, sync: env('opp:1', 'c-repeat') });
    await until(() => got['dup']?.length === 1);
    const dup = got['dup']?.[0];
    assert.deepEqual(dup.idempotency?.['result'], { netsuiteCustomer: '1001', kantataWorkspace: '40002' });
    assert.deepEqual(dup.sync?.['results'], { netsuiteCustomer: '1001', kantataWorkspace: '40002' });
    assert.equal(dup.sync?.['correlationId'], 'c-repeat');
  });

  it('holds a repeat while the first is in flight, and lets it run when the first fails and is released', async () => {
    const node = await load();
    node.receive({ payload: 1, sync: env('k') });
    await until(() => got['first']?.length === 1);
    node.receive({ payload: 1, sync: env('k', 'c2') });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(got['first']?.length, 1, 'never runs twice at once');
    assert.equal(got['inflight']?.length, 0, 'held, not routed');
    node.receive({ ...(got['first']?.[0]), error: { message: 'NetSuite said no' } });
    await until(() => got['first']?.length === 2);
    assert.equal(got['first']?.[1]?.sync?.['correlationId'], 'c2');
  });

  it('routes a message whose key is in flight to output 3 when set to route', async () => {
    const node = await load({ whenInFlight: 'route' });
    node.receive({ payload: 1, sync: env('k') });
    node.receive({ payload: 1, sync: env('k') });
    await until(() => got['inflight']?.length === 1);
    assert.equal(got['first']?.length, 1);
  });

  it('reports a conflict for the same key with changed data, or runs it as a new version', async () => {
    let node = await load();
    node.receive({ payload: { amount: '100' }, sync: env('k') });
    await until(() => got['first']?.length === 1);
    node.receive({ ...(got['first']?.[0]) });
    node.receive({ payload: { amount: '999' }, sync: env('k') });
    await until(() => got['conflict']?.length === 1);
    await helper.unload();
    node = await load({ onFingerprintChange: 'new-version' });
    node.receive({ payload: { amount: '999' }, sync: env('k') });
    await until(() => got['first']?.length === 1);
    assert.equal(got['first']?.[0]?.idempotency?.['version'], 2);
  });

  it('commits the claim when a store-forward after it acknowledges the delivery', async () => {
    const node = await load({ wires: [['sf'], ['dup'], ['inflight'], ['conflict']] }, [
      { id: 'sf', type: 'syncwright-store-forward', z: 'f', queueName: 'q', target: '', maxInFlight: '5', key: 'sync.businessKey', keyType: 'msg', orderByKey: true, lane: '', laneType: 'msg', lanes: '', maximumRedeliveries: '1', redeliveryDelay: '0.01', backOffMultiplier: '1', maximumRedeliveryDelay: '1', jitter: '0', ackTimeout: '60', batchSize: '1', wires: [['out'], []] },
      { id: 'out', type: 'helper', z: 'f' },
    ]);
    node.receive({ payload: 1, sync: env('acct:7') });
    await until(() => got['out']?.length === 1);
    const delivery = got['out']?.[0];
    helper.getNode('sf').receive({ ...delivery, sync: { ...delivery.sync, results: { id: 'X1' } } });
    node.receive({ payload: 1, sync: env('acct:7', 'again') });
    await until(() => got['dup']?.length === 1);
    assert.deepEqual(got['dup']?.[0]?.idempotency?.['result'], { id: 'X1' });
  });

  it('fails a message without a key with a data error a Catch node sees', async () => {
    const node = await load({ key: 'payload.id', keyType: 'msg' });
    node.receive({ payload: {} });
    await until(() => got['caught']?.length === 1);
    const caught = got['caught']?.[0] as Msg & { error: { message: string } };
    assert.match(caught.error.message, /idempotency key .* gave nothing/);
    assert.equal((caught.sync?.['error'] as { class: string; code: string }).code, 'MISSING_IDEMPOTENCY_KEY');
  });
});
