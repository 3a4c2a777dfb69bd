import assert from 'node:assert/strict';
import fc from 'fast-check';
import { kantata as kt } from '../../../canonical/mappings/index.js';
import { EXPENSE_CATEGORIES, WORKSPACE_STATUSES } from '../../../sandbox/kantata/views.js';
import { accepted, assertMappingError, fixture, json, without } from './helpers.js';

const ctx = kt.defaultKantataContext;
const acct = { businessKey: 'acct:ACME', externalIds: { salesforce: '001000000000001AAA', netsuite: '1001' } };

describe('Kantata OX mappings', () => {
  it('matches the Kantata sandbox seed', () => {
    assert.deepEqual(
      ctx.users.map((u) => [u.id, u.name, u.resourceKey]),
      [
        ['1001', 'Jane Doe', 'res:jane.doe'],
        ['1002', 'Sam Lee', 'res:sam.lee'],
      ],
    );
  });

  it('knows exactly the project statuses and expense categories the sandbox serves', () => {
    assert.deepEqual(
      ctx.projectStatuses.map((p) => [p.key, p.message]).sort((a, b) => Number(a[0]) - Number(b[0])),
      Object.entries(WORKSPACE_STATUSES).map(([key, v]) => [Number(key), v.message]),
    );
    assert.deepEqual(Object.fromEntries(ctx.expenseCategories.map((c) => [c.id, c.name])), EXPENSE_CATEGORIES);
    // Every canonical status is written with one key, and that key reads back as the same status.
    for (const status of ['planned', 'active', 'on-hold', 'completed', 'cancelled'] as const) {
      const key = ctx.projectStatuses.find((p) => p.status === status)?.key;
      assert.ok(key !== undefined, status);
      assert.equal(ctx.projectStatuses.find((p) => p.key === key)?.status, status);
    }
  });

  describe('workspace', () => {
    it('round-trips every field Kantata holds', () => {
      const project = fixture('syncwright/project@1', { billingType: 'fixed-fee', description: 'Phase 1' });
      const written = kt.toKantataWorkspace(project, ctx);
      assert.deepEqual(written, {
        title: 'ACME ERP rollout',
        description: 'Phase 1',
        start_date: '2026-04-01',
        due_date: '2026-09-30',
        currency: 'USD',
        budgeted: true,
        price: 120000,
        status_key: 300,
        stories_are_fixed_fee_by_default: true,
        tasks_default_non_billable: false,
      });
      // As a read returns it: price in cents and the status as an object.
      const read = { id: '5001', ...json(written), price: '120,000.00', price_in_cents: 12_000_000, status: { color: 'green', key: '300', message: 'In Progress' } };
      const call = { businessKey: 'proj:ACME-ERP', refs: { account: acct, opportunity: { businessKey: 'opp:006000000000001AAA' } } };
      const back = accepted('syncwright/project@1', kt.fromKantataWorkspace(read, ctx, call));
      // Kantata has no field for a project manager's e-mail.
      assert.deepEqual(back, without({ ...project, externalIds: { kantata: '5001' } }, ['projectManager']));
    });

    it('keeps only task defaults of the billing type: milestone reads back as fixed fee', () => {
      const milestone = kt.toKantataWorkspace(fixture('syncwright/project@1'), ctx);
      assert.equal(milestone.stories_are_fixed_fee_by_default, true);
      const read = { id: '5001', ...json(milestone), status: { key: 300 } };
      assert.equal(kt.fromKantataWorkspace(read, ctx, { refs: { account: acct } }).billingType, 'fixed-fee');
      const none = kt.toKantataWorkspace(fixture('syncwright/project@1', { billingType: 'non-billable', billable: false }), ctx);
      assert.equal(kt.fromKantataWorkspace({ id: '5001', ...json(none), status: { key: 300 } }, ctx, { refs: { account: acct } }).billingType, 'non-billable');
    });

    it('refuses a budget with cents, an unknown status and a workspace without account', () => {
      assertMappingError(() => kt.toKantataWorkspace(fixture('syncwright/project@1', { budget: { amount: '120000.50', currency: 'USD' } }), ctx), 'budget.amount', /whole USD/);
      const read = { id: '5001', title: 'X', start_date: '2026-04-01', currency: 'USD', status: { key: 999, message: 'Archived' } };
      assertMappingError(() => kt.fromKantataWorkspace(read, ctx, { refs: { account: acct } }), 'status.key', /999 \(Archived\)/);
      assertMappingError(() => kt.fromKantataWorkspace({ ...read, status: { key: 300 } }, ctx), 'account', /call\.refs\.account/);
      assertMappingError(() => kt.fromKantataWorkspace({ ...read, status: undefined }, ctx), 'status', /required/);
    });
  });

  describe('story', () => {
    it('round-trips a milestone with its budget in cents', () => {
      const milestone = fixture('syncwright/work-item@1', { plannedHours: 12.5, sequence: 3 });
      const written = kt.toKantataStory(milestone, ctx, { currency: 'USD' });
      assert.deepEqual(written, {
        title: 'Design signed off',
        story_type: 'milestone',
        workspace_id: 5001,
        due_date: '2026-05-15',
        time_estimate_in_minutes: 750,
        billable: true,
        budget_estimate_in_cents: 4_000_000,
        state: 'not started',
        position: 3,
      });
      const read = { id: '8001', ...json(written), workspace_id: '5001' };
      const back = accepted('syncwright/work-item@1', kt.fromKantataStory(read, ctx, { businessKey: 'ms:ACME-ERP:1', currency: 'USD' }));
      assert.deepEqual(back, { ...milestone, externalIds: { kantata: '8001' }, project: { externalIds: { kantata: '5001' } } });
    });

    it('reads legacy and status-set states and story types', () => {
      const base = { id: '8002', title: 'Data migration', workspace_id: '5001', story_type: 'deliverable ', billable: false };
      assert.equal(kt.fromKantataStory({ ...base, state: 'needs info' }, ctx).status, 'in-progress');
      assert.equal(kt.fromKantataStory({ ...base, state: "won't fix" }, ctx).status, 'cancelled');
      assert.equal(kt.fromKantataStory({ ...base, state: 'started' }, ctx).kind, 'task');
      assertMappingError(() => kt.fromKantataStory({ ...base, state: 'paused' }, ctx), 'state', /paused/);
      assertMappingError(() => kt.fromKantataStory({ ...base, state: 'started', story_type: 'epic' }, ctx), 'story_type', /epic/);
      assertMappingError(() => kt.toKantataStory(fixture('syncwright/work-item@1', { status: 'cancelled' }), ctx), 'status', /cancelled/);
      assertMappingError(() => kt.toKantataStory(fixture('syncwright/work-item@1', { amount: { amount: '40000.001', currency: 'USD' } }), ctx), 'amount.amount', /minor units/);
    });
  });

  describe('time_entry', () => {
    it('round-trips every field Kantata holds', () => {
      const entry = fixture('syncwright/time-entry@1', { notes: 'Workshop prep' });
      const written = kt.toKantataTimeEntry(entry, ctx, { currency: 'USD' });
      assert.deepEqual(written, { workspace_id: 5001, user_id: 1001, date_performed: '2026-04-06', time_in_minutes: 450, billable: true, notes: 'Workshop prep', rate_in_cents: 20000 });
      const read = { id: '9001', ...json(written), workspace_id: '5001', user_id: '1001', currency: 'USD', approved: true };
      const back = accepted('syncwright/time-entry@1', kt.fromKantataTimeEntry(read, ctx, { businessKey: entry.businessKey }));
      const expected = { ...entry, externalIds: { kantata: '9001' }, resource: { businessKey: 'res:jane.doe', externalIds: { kantata: '1001' } }, project: { externalIds: { kantata: '5001' } } };
      assert.deepEqual(back, expected);
    });

    it('reads a time entry as the side-loaded response holds it', () => {
      const record = { id: '9002', workspace_id: '5001', user_id: '1002', story_id: '8001', date_performed: '2026-04-08', time_in_minutes: 95, billable: false, notes: '', rate_in_cents: 15050, cost_rate_in_cents: 7025, currency: 'GBP', currency_base_unit: 100, approved: false, active_submission_id: '77', is_invoiced: false, created_at: '2026-04-08T17:02:11-07:00' };
      const entry = accepted('syncwright/time-entry@1', kt.fromKantataTimeEntry(record, ctx));
      assert.equal(entry.businessKey, 'te:kantata:9002');
      assert.equal(entry.hours, 95 / 60);
      assert.equal(entry.status, 'submitted');
      assert.deepEqual(entry.billRate, { amount: '150.50', currency: 'GBP' });
      assert.deepEqual(entry.costRate, { amount: '70.25', currency: 'GBP' });
      assert.deepEqual(entry.workItem, { externalIds: { kantata: '8001' } });
      assert.deepEqual(entry.resource, { businessKey: 'res:sam.lee', externalIds: { kantata: '1002' } });
    });

    it('refuses a sub-cent rate, fractions of a minute, a rate in another currency and an unknown user', () => {
      assertMappingError(() => kt.toKantataTimeEntry(fixture('syncwright/time-entry@1', { billRate: { amount: '200.005', currency: 'USD' } }), ctx), 'billRate.amount', /minor units/);
      assertMappingError(() => kt.toKantataTimeEntry(fixture('syncwright/time-entry@1', { hours: 7.01 }), ctx), 'hours', /minutes/);
      assertMappingError(() => kt.toKantataTimeEntry(fixture('syncwright/time-entry@1'), ctx, { currency: 'GBP' }), 'billRate.currency', /workspace's currency is GBP/);
      assertMappingError(() => kt.toKantataTimeEntry(fixture('syncwright/time-entry@1', { resource: { businessKey: 'res:nobody' } }), ctx), 'resource', /no Kantata user/);
      assertMappingError(() => kt.toKantataTimeEntry(fixture('syncwright/time-entry@1', { project: { externalIds: { netsuite: '1' } } }), ctx), 'project', /no kantata id/);
      assertMappingError(() => kt.fromKantataTimeEntry({ id: '1', workspace_id: '5001', user_id: '1001', date_performed: '2026-04-08', time_in_minutes: 30, rate_in_cents: 100 }, ctx), 'currency', /call\.currency/);
      assertMappingError(() => kt.fromKantataTimeEntry({ id: '1', workspace_id: '5001', user_id: '1001', date_performed: '2026-04-08' }, ctx), 'time_in_minutes', /required/);
    });

    it('round-trips any amount of cents and whole minutes', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 24 * 60 }), fc.integer({ min: 0, max: 10_000_000 }), (minutes, cents) => {
          const rate = kt.fromKantataTimeEntry({ id: '1', workspace_id: '5001', user_id: '1001', date_performed: '2026-04-08', time_in_minutes: minutes, rate_in_cents: cents, currency: 'USD' }, ctx);
          const entry = accepted('syncwright/time-entry@1', rate);
          const written = kt.toKantataTimeEntry(entry, ctx);
          assert.equal(written.time_in_minutes, minutes);
          assert.equal(written.rate_in_cents, cents);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('expense', () => {
    it('round-trips every field Kantata holds', () => {
      const expense = fixture('syncwright/expense@1', { status: 'draft', description: 'Train to Leeds', reimbursable: false, resource: { businessKey: 'res:jane.doe' } });
      const withCategories = { ...ctx, expenseCategories: [{ id: '31', name: 'Travel' }] };
      const written = kt.toKantataExpense(expense, withCategories);
      assert.deepEqual(written, { workspace_id: 5001, user_id: 1001, date: '2026-04-07', category: 'Travel', expense_category_id: 31, amount_in_cents: 31240, billable: true, reimbursable: false, notes: 'Train to Leeds' });
      const read = { id: '9501', ...json(written), workspace_id: '5001', user_id: '1001', currency: 'USD', is_billable: true, billable: undefined };
      const back = accepted('syncwright/expense@1', kt.fromKantataExpense(read, ctx, { businessKey: 'exp:EX-1' }));
      assert.deepEqual(back, { ...expense, externalIds: { kantata: '9501' }, resource: { businessKey: 'res:jane.doe', externalIds: { kantata: '1001' } }, project: { externalIds: { kantata: '5001' } } });
    });

    it('refuses a sub-cent amount, naming the field', () => {
      assertMappingError(() => kt.toKantataExpense(fixture('syncwright/expense@1', { amount: { amount: '312.405', currency: 'USD' } }), ctx), 'amount.amount', /whole minor units/, 'to-vendor');
    });
  });

  describe('invoice', () => {
    const invoice = {
      id: '6601',
      title: 'Invoice #17',
      user_invoice_number: 17,
      invoice_date: '2026-05-16',
      due_date: '2026-06-15',
      currency: 'USD',
      currency_base_unit: 100,
      status: 'new',
      draft: false,
      balance_in_cents: 4_000_000,
      payment_schedule: 30,
      purchase_order: 'PO-778',
      workspace_ids: ['5001'],
      created_at: '2026-05-16T09:00:00-07:00',
    };

    it('reads an invoice; the account comes from the caller', () => {
      const inv = accepted('syncwright/invoice@1', kt.fromKantataInvoice(invoice, ctx, { refs: { account: acct } }));
      assert.equal(inv.businessKey, 'inv:kantata:17');
      assert.equal(inv.invoiceNumber, '17');
      assert.equal(inv.status, 'open');
      assert.deepEqual(inv.total, { amount: '40000.00', currency: 'USD' });
      assert.deepEqual(inv.paymentTerms, { code: 'NET30', days: 30 });
      assert.deepEqual(inv.project, { externalIds: { kantata: '5001' } });
    });

    it('reads draft, paid and cancelled invoices, refusing a paid one without total', () => {
      const call = { refs: { account: acct } };
      assert.equal(kt.fromKantataInvoice({ ...invoice, draft: true }, ctx, call).status, 'draft');
      assert.equal(kt.fromKantataInvoice({ ...invoice, status: 'cancelled' }, ctx, call).status, 'void');
      const paid = kt.fromKantataInvoice({ ...invoice, status: 'accepted payment', balance_in_cents: 0, total_in_cents: 4_000_000 }, ctx, call);
      assert.equal(paid.status, 'paid');
      assert.deepEqual(paid.amountDue, { amount: '0.00', currency: 'USD' });
      assertMappingError(() => kt.fromKantataInvoice({ ...invoice, status: 'accepted payment', balance_in_cents: 0 }, ctx, call), 'total_in_cents', /paid invoice/);
      assertMappingError(() => kt.fromKantataInvoice({ ...invoice, status: 'disputed' }, ctx, call), 'status', /disputed/);
    });
  });
});
