// The netsuite-changes trigger through the test helper against the NetSuite sandbox (its clock in the test's
// hands): changed invoices and payments come out as canonical objects with msg.sync, once each — across a
// restart, for a change saved in the same second as the last one, and for one with a lower id.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { validateCanonical } from '../../canonical/index.js';
import netsuiteChangesNode from '../../nodes/netsuite/netsuite-changes.js';
import netsuiteConnectionNode from '../../nodes/netsuite/netsuite-connection.js';
import { ManualClock } from '../../sandbox/core/clock.js';
import { startNetSuiteSandbox, type NetSuiteSandbox } from '../../sandbox/netsuite/index.js';
import { useEngineStore } from '../support/engine.js';
import { testFlow, useHelper } from '../support/helper.js';

type Msg = Record<string, unknown> & { payload?: Record<string, unknown> | null; sync?: Record<string, unknown>; netsuite?: Record<string, string> };

async function until(cond: () => boolean, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('syncwright-netsuite-changes node', function () {
  this.timeout(30_000);
  const helper = useHelper();
  useEngineStore();
  let ns: NetSuiteSandbox;
  let clock: ManualClock;
  let token: string;

  beforeEach(async () => {
    // The sandbox clock starts at the real second (TBA signatures carry real timestamps) and moves only when told.
    clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
    ns = await startNetSuiteSandbox({ seedData: true, clock });
    token = ns.issueAccessToken();
  });
  afterEach(() => ns.close());

  async function call(method: string, path: string, body?: unknown): Promise<string | undefined> {
    const res = await fetch(`${ns.restUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${await res.text()}`);
    return res.headers.get('location')?.split('/').pop();
  }
  const newInvoice = (memo: string) => call('POST', '/record/v1/invoice', { entity: { id: '201' }, memo, item: { items: [{ item: { id: '100' }, quantity: 2, rate: 150 }] } });

  const nodes = [netsuiteConnectionNode, netsuiteChangesNode];
  const flow = (extra: Record<string, unknown> = {}) =>
    testFlow([
      { id: 'f', type: 'tab' },
      { id: 'conn', type: 'syncwright-netsuite-connection', name: 'sandbox', accountId: ns.accountId, baseUrl: ns.restUrl, authType: 'tba', clientId: '', certificateId: '', algorithm: 'auto', concurrency: '5', requestsPerSecond: '', dailyBudget: '', dailyHeadroomPercent: '', maintenance: '', timeout: '' },
      { id: 'changes', type: 'syncwright-netsuite-changes', z: 'f', name: '', connection: 'conn', invoices: true, payments: true, interval: '3600', startFrom: 'all', lookback: '60', creditHold: true, context: '', wires: [['out'], ['unmapped']], ...extra },
      { id: 'out', type: 'helper', z: 'f' },
      { id: 'unmapped', type: 'helper', z: 'f' },
    ]);
  const credentials = () => ({ conn: { ...ns.demo.tba } });

  interface Run {
    out: Msg[];
    unmapped: Msg[];
    polls: () => number;
  }

  async function start(extra: Record<string, unknown> = {}): Promise<Run> {
    await helper.load(nodes, flow(extra), credentials());
    const run: Run = { out: [], unmapped: [], polls: () => polls };
    let polls = 0;
    helper.getNode('out').on('input', (m) => run.out.push(m as Msg));
    helper.getNode('unmapped').on('input', (m) => run.unmapped.push(m as Msg));
    // The test helper reports every node.status() call as a `call:status` event.
    (helper.getNode('changes') as unknown as EventEmitter).on('call:status', (c: { args: Array<{ text?: string }> }) => {
      if (c.args[0]?.text?.startsWith('polled')) polls += 1;
    });
    return run;
  }

  /** Polls now and waits until that poll is done. */
  async function pollNow(run: Run): Promise<void> {
    const before = run.polls();
    helper.getNode('changes').receive({ payload: 'poll' });
    await until(() => run.polls() > before);
    // What a poll found is emitted from the outbox right after it.
    await new Promise((r) => setTimeout(r, 50));
  }

  const ids = (msgs: Msg[]) => msgs.map((m) => `${m.netsuite?.['type']}:${m.netsuite?.['id']}`);

  it('emits every invoice and payment as a valid canonical object with msg.sync', async () => {
    const run = await start();
    await until(() => run.out.length === 4);
    assert.deepEqual(ids(run.out).sort(), ['customerPayment:303', 'invoice:300', 'invoice:301', 'invoice:302']);
    for (const m of run.out) {
      const schema = m.sync?.['schema'] as string;
      assert.ok(validateCanonical(schema as 'syncwright/invoice@1', m.payload).ok, `${schema} is valid`);
      assert.deepEqual(m.sync?.['source'], { system: 'netsuite', id: m.netsuite?.['id'] });
      assert.equal(m.sync?.['businessKey'], m.payload?.['businessKey']);
      assert.match(String(m.sync?.['idempotencyKey']), /^netsuite:(invoice|customerPayment):\d+:\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      assert.equal(typeof m.sync?.['correlationId'], 'string');
    }
    const payment = run.out.find((m) => m.netsuite?.['type'] === 'customerPayment');
    assert.deepEqual([payment?.sync?.['schema'], payment?.payload?.['status'], payment?.payload?.['method']], ['syncwright/payment@1', 'applied', 'ach']);
    assert.deepEqual(run.unmapped, []);
  });

  it('starting from now, emits only what changes after the start', async () => {
    const run = await start({ startFrom: 'now' });
    await until(() => run.polls() >= 1);
    clock.advance(2000);
    const id = await newInvoice('after start');
    await pollNow(run);
    assert.deepEqual(ids(run.out), [`invoice:${id}`]);
  });

  it('neither misses nor repeats a change across a restart', async () => {
    let run = await start();
    await until(() => run.out.length === 4);
    await helper.unload();
    await new Promise((r) => setTimeout(r, 200));

    // While Node-RED is down: a new invoice and a payment of an older one.
    clock.advance(5000);
    const invoice = await newInvoice('while stopped');
    clock.advance(1000);
    const payment = await call('POST', '/record/v1/customerPayment', { customer: { id: '200' }, payment: 12000, apply: { items: [{ doc: { id: '301' }, amount: 12000 }] } });

    run = await start();
    await until(() => run.out.length === 2);
    await pollNow(run);
    assert.deepEqual(ids(run.out), [`invoice:${invoice}`, `customerPayment:${payment}`]);
  });

  it('finds a change saved in the same second as the last one emitted, even with a lower id, and repeats none', async () => {
    const run = await start();
    await until(() => run.out.length === 4);
    clock.advance(3000);
    const id = await newInvoice('same second');
    await pollNow(run);
    assert.deepEqual(ids(run.out).slice(4), [`invoice:${id}`]);
    // Same second, an older invoice (lower id) changes.
    await call('PATCH', '/record/v1/invoice/300', { memo: 'edited in the same second' });
    await pollNow(run);
    assert.deepEqual(ids(run.out).slice(5), ['invoice:300']);
    await pollNow(run);
    assert.equal(run.out.length, 6, 'nothing again');
    // A later change of the same invoice is a new change.
    clock.advance(1000);
    await call('PATCH', '/record/v1/invoice/300', { memo: 'edited again' });
    await pollNow(run);
    assert.deepEqual(ids(run.out).slice(6), ['invoice:300']);
  });

  it('sends a change it cannot map to the second output and goes on', async () => {
    const context = JSON.stringify({ currencies: [{ id: '1', code: 'USD' }] });
    const run = await start({ context });
    await until(() => run.out.length === 3 && run.unmapped.length === 1);
    const bad = run.unmapped[0];
    assert.equal(bad.netsuite?.['id'], '302');
    const error = bad.sync?.['error'] as Record<string, unknown>;
    assert.deepEqual([error['class'], error['code'], error['fields']], ['data', 'MAPPING_ERROR', ['currency.id']]);
    assert.equal((bad.payload as Record<string, unknown>)['tranId'], 'INV0003', 'the NetSuite record travels with it');
  });

  it('reports open invoices of a customer on credit hold as credit-hold', async () => {
    await call('PATCH', '/record/v1/customer/200', { creditHoldOverride: { id: 'ON' } });
    const run = await start({ payments: false });
    await until(() => run.out.length === 3);
    const status = Object.fromEntries(run.out.map((m): [string, unknown] => [String(m.netsuite?.['id']), m.payload?.['status']]));
    assert.deepEqual(status, { '300': 'paid', '301': 'credit-hold', '302': 'open' });
  });

  it('with CRM rollups, completes each change with its account and an invoice with its opportunity\'s totals', async () => {
    const opp = '006000000000042AAA';
    await call('PATCH', '/record/v1/customer/200', { externalId: 'acct_c_uacme', custentity_sw_salesforce_id: '001000000000042AAA', creditHoldOverride: { id: 'ON' } });
    const run = await start({ startFrom: 'now', rollups: true });
    await until(() => run.polls() >= 1);
    clock.advance(2000);
    const customer = { externalId: 'acct_c_uacme' };
    const first = await call('POST', '/record/v1/invoice', { entity: customer, custbody_sw_salesforce_opp_id: opp, item: { items: [{ item: { id: '100' }, quantity: 10, rate: 150 }] } });
    const second = await call('POST', '/record/v1/invoice', { entity: customer, custbody_sw_salesforce_opp_id: opp, item: { items: [{ item: { id: '100' }, quantity: 4, rate: 125.5 }] } });
    await call('POST', '/record/v1/customerPayment', { customer, payment: 1000, apply: { items: [{ doc: { id: first }, amount: 1000 }] } });
    await pollNow(run);
    assert.deepEqual(ids(run.out).slice(0, 2), [`invoice:${first}`, `invoice:${second}`]);
    for (const m of run.out) {
      assert.deepEqual(m.payload?.['account'], { businessKey: 'acct:ACME', externalIds: { netsuite: '200', salesforce: '001000000000042AAA' } });
      const custom = m.payload?.['custom'] as Record<string, unknown>;
      assert.deepEqual([custom['creditHold'], custom['accountOpenBalance']], [true, '13002'], `${String(m.netsuite?.['id'])}: the customer's balance (12,000 open before) after all three`);
    }
    const invoice = run.out[1]?.payload ?? {};
    assert.equal(invoice['status'], 'credit-hold');
    // Both invoices of the opportunity (1,500 and 502), 1,000 paid on the first.
    assert.deepEqual([(invoice['custom'] as Record<string, unknown>)['opportunityAmountInvoiced'], (invoice['custom'] as Record<string, unknown>)['opportunityAmountPaid']], ['2002', '1000']);
  });

  it('with paid invoices, a payment also sends the invoices it pays, and an invoice changed in the same poll once', async () => {
    const run = await start({ startFrom: 'now', paidInvoices: true, rollups: true });
    await until(() => run.polls() >= 1);
    clock.advance(2000);
    const fresh = await newInvoice('paid at once');
    const payment = await call('POST', '/record/v1/customerPayment', { customer: { id: '201' }, payment: 8800, apply: { items: [{ doc: { id: '302' }, amount: 8500 }, { doc: { id: fresh }, amount: 300 }] } });
    await pollNow(run);
    assert.deepEqual(ids(run.out), [`invoice:${fresh}`, `customerPayment:${payment}`, 'invoice:302']);
    const paid = run.out[2];
    assert.deepEqual([paid?.payload?.['status'], paid?.netsuite?.['paidBy']], ['paid', payment]);
    assert.match(String(paid?.sync?.['idempotencyKey']), new RegExp(`^netsuite:invoice:302:paid-by:${payment ?? ''}:`));
    await pollNow(run);
    assert.equal(run.out.length, 3, 'nothing again');
  });
});
