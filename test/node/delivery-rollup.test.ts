// The delivery-rollup node in the test helper with a real engine store: a run says what to read, the entries read
// come back and each changed project leaves once with its figures; the same entries again (an overlap, a retried
// run, a restart) change nothing, a new one changes its project only, and the watermark moves with each run.
import assert from 'node:assert/strict';
import deliveryRollupNode from '../../nodes/delivery-rollup/delivery-rollup.js';
import { useEngineStore } from '../support/engine.js';
import { testFlow, useHelper } from '../support/helper.js';

type Msg = Record<string, unknown> & { payload?: unknown; rollup?: Record<string, unknown> };

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const time = (key: string, workspace: string, hours: number, currency = 'USD') => ({
  businessKey: key,
  resource: { businessKey: 'res:jane' },
  project: { externalIds: { kantata: workspace } },
  date: '2026-04-06',
  hours,
  billable: true,
  status: 'approved',
  billRate: { amount: '150.00', currency },
  costRate: { amount: '100.00', currency },
});

describe('syncwright-delivery-rollup node', function () {
  this.timeout(15_000);
  const helper = useHelper();
  useEngineStore();

  const load = async (extra: Record<string, unknown> = {}) => {
    await helper.load(
      [deliveryRollupNode],
      testFlow([
        { id: 'f', type: 'tab' },
        { id: 'rollup', type: 'syncwright-delivery-rollup', z: 'f', name: '', ledger: 'test', overlap: '60', wires: [['read'], ['projects']], ...extra },
        { id: 'read', type: 'helper', z: 'f' },
        { id: 'projects', type: 'helper', z: 'f' },
      ]),
    );
    const got: { read: Msg[]; projects: Msg[] } = { read: [], projects: [] };
    helper.getNode('read').on('input', (m) => got.read.push(m));
    helper.getNode('projects').on('input', (m) => got.projects.push(m));
    return got;
  };

  /** One run: start, then send back what was "read". */
  const runWith = async (got: { read: Msg[]; projects: Msg[] }, entries: unknown[]): Promise<{ window: Msg; changed: Msg[] }> => {
    const reads = got.read.length;
    const before = got.projects.length;
    helper.getNode('rollup').receive({ payload: Date.now() });
    await until('the read window', () => got.read.length > reads);
    const window = got.read[reads];
    helper.getNode('rollup').receive({ ...window, payload: entries });
    await new Promise((r) => setTimeout(r, 300));
    return { window, changed: got.projects.slice(before) };
  };

  it('reads everything first, then since the last run, and sends each changed project once', async () => {
    const got = await load();
    const first = await runWith(got, [time('te:1', '40001', 8), time('te:2', '40001', 2), time('te:3', '40002', 4)]);
    assert.deepEqual(first.window.payload, { modifiedSince: '1970-01-01T00:00:00.000Z' });
    assert.deepEqual(first.changed.map((m) => m.rollup?.['project']).sort(), ['kantata:40001', 'kantata:40002']);
    const alpha = first.changed.find((m) => m.rollup?.['project'] === 'kantata:40001') as Msg;
    assert.deepEqual(alpha.payload, { project: { externalIds: { kantata: '40001' } }, actualHours: 10, actualCost: { amount: '1000.00', currency: 'USD' }, marginPercent: 33.33, currency: 'USD' });
    assert.deepEqual([alpha.rollup?.['billablePercent'], alpha.rollup?.['revenue'], alpha.rollup?.['timeEntries']], [100, '1500.00', 2]);

    // The next run reads from the first run's start, less the overlap; the same entries again change nothing.
    const second = await runWith(got, [time('te:1', '40001', 8), time('te:2', '40001', 2)]);
    const since = Date.parse(String((second.window.payload as Record<string, unknown>)['modifiedSince']));
    assert.equal(since, Date.parse(String(first.window.rollup?.['until'])) - 60_000);
    assert.deepEqual(second.changed, []);

    // A new entry: its project only, with the total (not an increment).
    const third = await runWith(got, [time('te:2', '40001', 2), time('te:4', '40001', 5)]);
    assert.deepEqual(third.changed.map((m) => [m.rollup?.['project'], (m.payload as Record<string, unknown>)['actualHours']]), [['kantata:40001', 15]]);
  });

  it('keeps its ledger across a restart: nothing is counted twice', async () => {
    let got = await load();
    await runWith(got, [time('te:1', '40001', 8)]);
    await helper.unload();
    got = await load();
    const again = await runWith(got, [time('te:1', '40001', 8), time('te:5', '40003', 1)]);
    assert.deepEqual(again.changed.map((m) => [m.rollup?.['project'], (m.payload as Record<string, unknown>)['actualHours']]), [['kantata:40003', 1]]);
    assert.notEqual((again.window.payload as Record<string, unknown>)['modifiedSince'], '1970-01-01T00:00:00.000Z', 'the watermark survived');
  });

  const hoursBy = (changed: Msg[]) => changed.map((m) => [m.rollup?.['project'], (m.payload as Record<string, unknown>)['actualHours']]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));

  it('moves an entry read again under another project key, taking its hours back from the first', async () => {
    const got = await load();
    // The entry is first read before its PSA project existed: it counts under the project's business key.
    const early = { ...time('te:1', '40001', 8), project: { businessKey: 'proj:alpha' } };
    const first = await runWith(got, [early, time('te:2', '40009', 1)]);
    assert.deepEqual(hoursBy(first.changed), [['kantata:40009', 1], ['proj:alpha', 8]]);
    // Read again with the PSA project's id: it counts there, and no longer under the business key.
    const second = await runWith(got, [{ ...time('te:1', '40001', 8), project: { businessKey: 'proj:alpha', externalIds: { kantata: '40001' } } }]);
    assert.deepEqual(hoursBy(second.changed), [['kantata:40001', 8], ['proj:alpha', 0]]);
    const emptied = second.changed.find((m) => m.rollup?.['project'] === 'proj:alpha') as Msg;
    assert.deepEqual(emptied.payload, { project: { businessKey: 'proj:alpha', externalIds: {} }, actualHours: 0, actualCost: '0.00', marginPercent: 0 });
    // A batch holding both readings, the older last: the entry still counts once, under the PSA id.
    const both = await runWith(got, [{ ...time('te:1', '40001', 8), project: { businessKey: 'proj:alpha', externalIds: { kantata: '40001' } } }, early]);
    assert.deepEqual(both.changed, []);
    // And again: nothing changes, nothing is counted twice.
    assert.deepEqual((await runWith(got, [{ ...time('te:1', '40001', 8), project: { businessKey: 'proj:alpha', externalIds: { kantata: '40001' } } }])).changed, []);
  });

  it('takes back an entry that is no longer approved', async () => {
    const got = await load();
    await runWith(got, [time('te:1', '40001', 8), time('te:2', '40001', 2)]);
    const reopened = await runWith(got, [{ ...time('te:2', '40001', 2), status: 'submitted' }]);
    assert.deepEqual(hoursBy(reopened.changed), [['kantata:40001', 8]]);
    // Approved again: it counts once more.
    const again = await runWith(got, [time('te:2', '40001', 2)]);
    assert.deepEqual(hoursBy(again.changed), [['kantata:40001', 10]]);
  });

  it('counts two entries with one business key in two projects each in its own (two ERP accounts number alike)', async () => {
    const got = await load();
    const us = { ...time('exp:netsuite:1', '40001', 2), project: { externalIds: { kantata: '40001', netsuite: '12' } } };
    const uk = { ...time('exp:netsuite:1', '40002', 3, 'GBP'), project: { externalIds: { kantata: '40002', netsuite: '12' } } };
    const first = await runWith(got, [us, uk]);
    assert.deepEqual(hoursBy(first.changed), [['kantata:40001', 2], ['kantata:40002', 3]]);
    // One of them no longer approved: only its own project loses it.
    const second = await runWith(got, [{ ...uk, status: 'submitted' }]);
    assert.deepEqual(hoursBy(second.changed), [['kantata:40002', 0]]);
  });

  it('reports a project in two currencies and does not add it up, and does not count unapproved entries', async () => {
    const got = await load();
    const node = helper.getNode('rollup') as unknown as { error: { args?: unknown[][] }; warn: { args?: unknown[][] } };
    const run = await runWith(got, [time('te:1', '40001', 8), time('te:6', '40001', 1, 'GBP'), { ...time('te:7', '40002', 3), status: 'submitted' }]);
    assert.deepEqual(run.changed, []);
    assert.match(String(node.error.args?.[0]?.[0]), /project kantata:40001 has entries in GBP and USD/);
    assert.match(String(node.warn.args?.[0]?.[0]), /1 entry does not count: te:7 is submitted, not approved/);
  });
});
