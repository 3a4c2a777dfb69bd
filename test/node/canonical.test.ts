// nodes/canonical through node-red-node-test-helper.
import assert from 'node:assert/strict';
import type { Node } from 'node-red';
import canonicalNode from '../../nodes/canonical/canonical.js';
import { example } from '../fixtures/canonical.js';
import { useHelper } from '../support/helper.js';

type Msg = Record<string, unknown> & { payload?: unknown; sync?: Record<string, unknown>; errors?: Array<{ path: string; code: string; message: string }> };

function flow(extra: Record<string, unknown> = {}) {
  return [
    { id: 'c', type: 'syncwright-canonical', name: '', schema: 'syncwright/opportunity@1', businessKey: 'payload.businessKey', businessKeyType: 'msg', sourceSystem: 'salesforce', wires: [['ok'], ['bad']], ...extra },
    { id: 'ok', type: 'helper' },
    { id: 'bad', type: 'helper' },
  ];
}

/** Sends one message and resolves with the output it came out of. */
async function run(helper: ReturnType<typeof useHelper>, msg: Msg, extra?: Record<string, unknown>): Promise<{ port: 'ok' | 'bad'; msg: Msg }> {
  await helper.load(canonicalNode, flow(extra));
  const ok = helper.getNode('ok');
  const bad = helper.getNode('bad');
  return new Promise((resolve) => {
    ok.on('input', (m: Msg) => resolve({ port: 'ok', msg: m }));
    bad.on('input', (m: Msg) => resolve({ port: 'bad', msg: m }));
    helper.getNode('c').receive(msg);
  });
}

describe('syncwright-canonical node', () => {
  const helper = useHelper();

  it('sends a valid, normalised opportunity to output 1 with a new msg.sync', async () => {
    const payload = example('syncwright/opportunity@1');
    payload['amount'] = { amount: '120000.00', currency: 'usd' };
    const out = await run(helper, { payload });
    assert.equal(out.port, 'ok');
    assert.deepEqual((out.msg.payload as { amount: unknown }).amount, { amount: '120000.00', currency: 'USD' });
    assert.equal(out.msg.sync?.['businessKey'], 'opp:006000000000001AAA');
    assert.equal(out.msg.sync?.['schema'], 'syncwright/opportunity@1');
    assert.deepEqual(out.msg.sync?.['source'], { system: 'salesforce' });
    assert.match(String(out.msg.sync?.['correlationId']), /^[0-9a-f-]{36}$/);
  });

  it('keeps an existing msg.sync, including fields it does not know', async () => {
    const out = await run(helper, { payload: example('syncwright/opportunity@1'), sync: { correlationId: 'corr-1', businessKey: 'opp:upstream', occurredAt: '2026-01-01T00:00:00Z', custom: 'kept' } });
    assert.equal(out.port, 'ok');
    assert.equal(out.msg.sync?.['correlationId'], 'corr-1');
    assert.equal(out.msg.sync?.['businessKey'], 'opp:upstream');
    assert.equal(out.msg.sync?.['custom'], 'kept');
  });

  it('builds the business key from a JSONata expression', async () => {
    const out = await run(helper, { payload: example('syncwright/opportunity@1') }, { businessKey: '"opp:" & payload.externalIds.salesforce & ":closed-won"', businessKeyType: 'jsonata' });
    assert.equal(out.msg.sync?.['businessKey'], 'opp:006000000000001AAA:closed-won');
  });

  it('sends an invalid payload to output 2 with msg.errors naming every bad field', async () => {
    const payload = example('syncwright/opportunity@1');
    payload['closeDate'] = '2026-13-01';
    payload['amount'] = { amount: 5, currency: 'ZZZ' };
    const out = await run(helper, { payload });
    assert.equal(out.port, 'bad');
    const paths = out.msg.errors?.map((e) => e.path) ?? [];
    assert.ok(paths.includes('closeDate'));
    assert.ok(paths.includes('amount.amount'));
    assert.ok(paths.includes('amount.currency'));
    assert.equal(out.msg.sync, undefined);
  });

  it('routes hostile input to output 2 instead of throwing', async () => {
    for (const payload of ['just text', 42, null, JSON.parse('{"__proto__":{"polluted":true}}') as unknown, { name: 'x'.repeat(2_000_000) }]) {
      const out = await run(helper, { payload });
      assert.equal(out.port, 'bad', `payload ${typeof payload}`);
      assert.ok((out.msg.errors?.length ?? 0) > 0);
      await helper.unload();
    }
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('reports a missing business key on output 2', async () => {
    const out = await run(helper, { payload: example('syncwright/opportunity@1') }, { businessKey: 'payload.nothing', businessKeyType: 'msg' });
    assert.equal(out.port, 'bad');
    assert.equal(out.msg.errors?.[0]?.code, 'missing_business_key');
  });

  it('reads the schema from msg.sync.schema when configured so, and rejects an unknown one', async () => {
    const ok = await run(helper, { payload: example('syncwright/invoice@1'), sync: { schema: 'syncwright/invoice@1' } }, { schema: 'msg' });
    assert.equal(ok.port, 'ok');
    await helper.unload();
    const bad = await run(helper, { payload: example('syncwright/invoice@1'), sync: { schema: 'syncwright/widget@9' } }, { schema: 'msg' });
    assert.equal(bad.port, 'bad');
    assert.equal(bad.msg.errors?.[0]?.code, 'unknown_schema');
  });

  it('shows counts in its status', async () => {
    await helper.load(canonicalNode, flow());
    const c = helper.getNode('c') as Node & { status: (s: unknown) => void };
    const seen: unknown[] = [];
    const original = c.status.bind(c);
    c.status = (s: unknown) => {
      seen.push(s);
      original(s);
    };
    await new Promise<void>((resolve) => {
      helper.getNode('bad').on('input', () => resolve());
      c.receive({ payload: 'bad' });
    });
    const last = seen.at(-1) as { fill: string; shape: string; text: string };
    assert.equal(last.fill, 'red');
    assert.equal(last.shape, 'ring');
    assert.match(last.text, /^0 valid · 1 invalid · payload: payload must be/);
  });
});
