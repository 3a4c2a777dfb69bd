// Delivery figures on their own: what an approved time entry or expense adds to its project, the totals, billable
// share and margin, and what does not count.
import assert from 'node:assert/strict';
import { figuresOf, parseEntry, projectKeyOf, totalsOf, type Contribution, type Parsed } from '../../nodes/delivery-rollup/rollup.js';

const time = (key: string, hours: number, extra: Record<string, unknown> = {}) => ({
  businessKey: key,
  resource: { businessKey: 'res:jane' },
  project: { externalIds: { kantata: '40001' } },
  date: '2026-04-06',
  hours,
  billable: true,
  status: 'approved',
  billRate: { amount: '150.00', currency: 'USD' },
  costRate: { amount: '90.00', currency: 'USD' },
  ...extra,
});
const expense = (key: string, amount: string, billable: boolean) => ({
  businessKey: key,
  resource: { businessKey: 'res:jane' },
  project: { businessKey: 'proj:ALPHA', externalIds: { netsuite: '1003', kantata: '40001' } },
  date: '2026-04-07',
  category: 'Travel',
  amount: { amount, currency: 'USD' },
  billable,
  status: 'approved',
});
const parsed = (e: unknown): Parsed => {
  const p = parseEntry(e);
  if ('skip' in p) throw new Error(p.skip);
  return p;
};

describe('delivery rollup figures', () => {
  it('counts time at its cost and bill rates and an expense at cost, rebilled when billable', () => {
    const t = parsed(time('te:1', 7.5)).contribution;
    assert.deepEqual([t.hours, t.billableHours, Number(t.cost), Number(t.revenue), t.currency], [7.5, 7.5, 675, 1125, 'USD']);
    const nb = parsed(time('te:2', 2, { billable: false })).contribution;
    assert.deepEqual([nb.billableHours, Number(nb.cost), Number(nb.revenue)], [0, 180, 0]);
    const e = parsed(expense('exp:1', '240.00', true)).contribution;
    assert.deepEqual([Number(e.cost), Number(e.revenue)], [240, 240]);
    assert.equal(Number(parsed(expense('exp:2', '60.00', false)).contribution.revenue), 0);
  });

  it('meets time and expenses of one project under its PSA id', () => {
    assert.equal(parsed(time('te:1', 1)).projectKey, 'kantata:40001');
    assert.equal(parsed(expense('exp:1', '1.00', true)).projectKey, 'kantata:40001');
    assert.equal(projectKeyOf({ businessKey: 'proj:B', externalIds: { netsuite: '7' } }), 'proj:B');
    assert.equal(projectKeyOf({ externalIds: { netsuite: '7' } }), 'netsuite:7');
  });

  it('adds up hours, billable share, cost and margin', () => {
    const cs: Contribution[] = [time('te:1', 7.5), time('te:2', 2.5, { billable: false }), expense('exp:1', '240.00', true), expense('exp:2', '60.00', false)].map((e) => parsed(e).contribution);
    const totals = totalsOf(cs);
    assert.ok(!('currencies' in totals));
    const f = figuresOf(totals);
    // cost 675 + 225 + 240 + 60 = 1200; revenue 1125 + 240 = 1365; margin 165 / 1365.
    assert.deepEqual(f, { hours: 10, billableHours: 7.5, billablePercent: 75, cost: '1200.00', revenue: '1365.00', marginPercent: 12.09, currency: 'USD' });
  });

  it('gives margin 0 without revenue or cost, and −100 for cost without revenue', () => {
    const noRates = parsed(time('te:9', 3, { billRate: undefined, costRate: undefined })).contribution;
    assert.equal(noRates.noCostRate, true);
    const none = totalsOf([noRates]);
    assert.ok(!('currencies' in none));
    assert.deepEqual([figuresOf(none).marginPercent, none.withoutCostRate], [0, 1]);
    const costOnly = totalsOf([parsed(expense('exp:3', '50.00', false)).contribution]);
    assert.ok(!('currencies' in costOnly));
    assert.equal(figuresOf(costOnly).marginPercent, -100);
  });

  it('refuses to add up two currencies, and does not count what is not approved, not canonical or has no project', () => {
    const gbp = parsed({ ...expense('exp:4', '10.00', true), amount: { amount: '10.00', currency: 'GBP' } }).contribution;
    assert.deepEqual(totalsOf([parsed(time('te:1', 1)).contribution, gbp]), { currencies: ['GBP', 'USD'] });
    assert.match((parseEntry(time('te:5', 1, { status: 'submitted' })) as { skip: string }).skip, /te:5 is submitted, not approved/);
    assert.match((parseEntry({ businessKey: 'te:6', hours: 'x' }) as { skip: string }).skip, /not a canonical time entry/);
    assert.match((parseEntry(time('te:7', 1, { project: { businessKey: undefined, externalIds: {} } })) as { skip: string }).skip, /not a canonical time entry|names no project/);
  });
});
