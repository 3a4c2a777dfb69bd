// The erp role node against the NetSuite sandbox, every capability: customer, contact, project, billing
// milestones, sales order, time and expenses written by external id (a second run and a lost answer create
// nothing twice), invoices and payments read back completed from their customer, and the compensations.
import assert from 'node:assert/strict';
import { toNetSuiteExternalId } from '../../canonical/mappings/index.js';
import erpNode from '../../nodes/erp/erp.js';
import kantataConnectionNode from '../../nodes/kantata/kantata-connection.js';
import landscapeNode from '../../nodes/landscape/landscape.js';
import { NetSuiteClient } from '../../nodes/netsuite/client/client.js';
import netsuiteConnectionNode from '../../nodes/netsuite/netsuite-connection.js';
import salesforceConnectionNode from '../../nodes/salesforce/salesforce-connection.js';
import { useEngineStore } from '../support/engine.js';
import { useHelper } from '../support/helper.js';
import { account, errorOf, kantataRules, milestones, project, resultOf, roleHarness, roleNode, startSandboxes, type Sandboxes } from '../support/roles-fixtures.js';

const eid = (key: string) => `eid:${toNetSuiteExternalId(key)}`;

describe('erp role node (NetSuite)', function () {
  this.timeout(60_000);
  const helper = useHelper();
  useEngineStore();
  let s: Sandboxes;
  before(async () => {
    s = await startSandboxes();
  });
  after(() => s.close());
  const h = roleHarness(helper, () => s, [salesforceConnectionNode, netsuiteConnectionNode, kantataConnectionNode, landscapeNode, erpNode]);
  const erp = (id: string, capability: string, extra: Record<string, unknown> = {}) => roleNode(id, 'erp', capability, ['out'], extra);
  const sync = (key: string, results: Record<string, unknown> = {}) => ({ correlationId: `corr-${key}`, businessKey: key, occurredAt: '2026-03-02T10:00:00Z', results });

  it('writes customer, contact, project, milestones, sales order, time and expenses, each once however often it runs', async () => {
    await h.load(kantataRules, [
      erp('customer', 'upsert-customer'),
      erp('contact', 'upsert-contact'),
      erp('project', 'upsert-project'),
      erp('milestones', 'create-billing-milestones'),
      erp('order', 'create-sales-order'),
      erp('time', 'post-time-entries'),
      erp('expenses', 'post-expenses'),
    ]);
    const key = 'ERP-1';
    const run = async () => {
      const customer = await h.send('customer', { payload: account(key, 'US01'), sync: sync(`opp:${key}`) });
      let results = customer.sync?.['results'] as Record<string, unknown>;
      const contact = await h.send('contact', { payload: { businessKey: `contact:jo@${key}.example`, account: { businessKey: `acct:${key}` }, firstName: 'Jo', lastName: 'Bloggs', email: `jo@${key}.example` }, sync: sync(`opp:${key}`, results) });
      const job = await h.send('project', { payload: project(key, key, 'USD', { legalEntity: { code: 'US01' }, opportunity: { businessKey: `opp:${key}`, externalIds: { salesforce: '006000000000042AAA' } } }), sync: { ...sync(`opp:${key}`, { ...results, 'psa.project': { system: 'kantata', connection: 'kt', id: '40077', key: `proj:${key}` } }) } });
      results = job.sync?.['results'] as Record<string, unknown>;
      const ms = await h.send('milestones', { payload: milestones(key, 'USD'), sync: sync(`opp:${key}`, results) });
      const order = await h.send('order', {
        payload: { businessKey: `opp:${key}`, name: `Deal ${key}`, account: { businessKey: `acct:${key}` }, stage: 'Closed Won', status: 'won', closeDate: '2026-03-02', currency: 'USD', legalEntity: { code: 'US01' }, lineItems: [{ lineNumber: 1, quantity: '1', unitPrice: { amount: '100000.00', currency: 'USD' }, total: { amount: '100000.00', currency: 'USD' }, billingType: 'milestone' }] },
        sync: sync(`opp:${key}`),
      });
      const time = await h.send('time', { payload: [{ businessKey: `te:jane.doe:2026-04-06:${key}`, resource: { businessKey: 'res:jane.doe' }, project: { businessKey: `proj:${key}` }, date: '2026-04-06', hours: 7.5, status: 'approved' }], sync: sync(`opp:${key}`) });
      const expenses = await h.send('expenses', { payload: { businessKey: `exp:${key}:1`, resource: { businessKey: 'res:jane.doe' }, project: { businessKey: `proj:${key}` }, date: '2026-04-07', category: 'Travel', amount: { amount: '412.50', currency: 'USD' }, status: 'submitted' }, sync: sync(`opp:${key}`) });
      return { customer, contact, job, ms, order, time, expenses };
    };
    const first = await run();
    const second = await run();

    const customer = resultOf(first.customer, 'erp.customer');
    assert.deepEqual({ system: customer['system'], connection: customer['connection'], key: customer['key'] }, { system: 'netsuite', connection: 'nsUS', key: 'acct:ERP-1' });
    assert.deepEqual(resultOf(first.customer, 'netsuite.customer')['id'], customer['id']);
    assert.equal(s.nsUS.record('contact', eid('contact:jo@ERP-1.example'))?.values['company'] !== undefined, true);
    const job = s.nsUS.record('job', eid('proj:ERP-1'));
    assert.equal(String((job?.values['parent'] as { id?: unknown } | undefined)?.id), customer['id'], 'the job belongs to the customer of the earlier step');
    assert.equal(job?.values['custentity_sw_psa_project_id'], '40077', 'the PSA project id of the earlier step');
    assert.equal(job?.values['custentity_sw_salesforce_opp_id'], '006000000000042AAA');
    const ms = resultOf(first.ms, 'erp.milestones');
    assert.equal((ms['ids'] as string[]).length, 2);
    assert.equal(ms['project'], resultOf(first.job, 'erp.project')['id']);
    const task = s.nsUS.record('projectTask', eid('ms:ERP-1:DESIGN'));
    assert.deepEqual([task?.values['isMilestone'], task?.values['custevent_sw_milestone_amount']], [true, 40000]);
    assert.ok(s.nsUS.record('salesOrder', eid('opp:ERP-1')));
    assert.equal(s.nsUS.record('timeBill', eid('te:jane.doe:2026-04-06:ERP-1'))?.values['hours'] !== undefined, true);
    assert.ok(s.nsUS.record('expenseReport', eid('exp:ERP-1:1')));

    for (const [type, key] of [['customer', 'acct:ERP-1'], ['contact', 'contact:jo@ERP-1.example'], ['job', 'proj:ERP-1'], ['projectTask', 'ms:ERP-1:GOLIVE'], ['salesOrder', 'opp:ERP-1'], ['timeBill', 'te:jane.doe:2026-04-06:ERP-1'], ['expenseReport', 'exp:ERP-1:1']] as const) {
      assert.equal(s.nsUS.createCount(type, toNetSuiteExternalId(key)), 1, `${type} ${key} created once`);
    }
    assert.deepEqual(resultOf(second.ms, 'erp.milestones')['ids'], ms['ids']);
    assert.deepEqual(s.nsUS.server.duplicates(), {});
    assert.match(h.statusOf('expenses').text ?? '', /^netsuite NetSuite US · 1 expense report/);
  });

  it('creates nothing twice when NetSuite applied a write but its answer was lost', async () => {
    await h.load(kantataRules, [erp('customer', 'upsert-customer')]);
    s.nsUS.server.addFault({ kind: 'lost-after-commit', method: 'PUT', path: 'record/v1/customer/eid:', count: 1 });
    const lost = await h.fail('customer', { payload: account('ERP-LOST', 'US01') });
    assert.equal(errorOf(lost)['class'], 'transient');
    await h.send('customer', { payload: account('ERP-LOST', 'US01') });
    assert.equal(s.nsUS.createCount('customer', toNetSuiteExternalId('acct:ERP-LOST')), 1);
  });

  it('reads invoices and payments as canonical objects completed from their customer', async () => {
    const client = new NetSuiteClient({ accountId: s.nsUS.accountId, baseUrl: s.nsUS.restUrl, auth: { type: 'tba', ...s.nsUS.demo.tba } });
    await client.update('customer', '200', { creditHoldOverride: 'ON' });
    await h.load(kantataRules, [erp('invoice', 'read-invoice'), erp('payment', 'read-payment')]);
    const byNumber = await h.send('invoice', { payload: { invoiceNumber: 'INV0002', legalEntity: 'US01' } });
    const invoice = byNumber.payload as Record<string, unknown>;
    assert.equal(invoice['invoiceNumber'], 'INV0002');
    assert.equal(invoice['status'], 'credit-hold', 'open, and the customer is on hold');
    assert.deepEqual((invoice['account'] as Record<string, unknown>)['externalIds'], { netsuite: '200' });
    assert.equal((invoice['custom'] as Record<string, unknown>)['creditHold'], true);
    assert.match(String((invoice['custom'] as Record<string, unknown>)['accountOpenBalance']), /^\d+(\.\d+)?$/);
    assert.equal(resultOf(byNumber, 'erp.invoice')['id'], (invoice['externalIds'] as Record<string, unknown>)['netsuite']);
    const byKey = await h.send('invoice', { payload: invoice['businessKey'] });
    assert.equal((byKey.payload as Record<string, unknown>)['invoiceNumber'], 'INV0002');
    const paid = await h.send('invoice', { payload: { externalIds: { netsuite: '300' } } });
    assert.equal((paid.payload as Record<string, unknown>)['status'], 'paid');

    const payment = await h.send('payment', { payload: 'pay:PYMT0001' });
    const p = payment.payload as Record<string, unknown>;
    assert.deepEqual([p['paymentNumber'], p['status'], (p['amount'] as Record<string, unknown>)['amount']], ['PYMT0001', 'applied', '6000.00']);

    const missing = await h.fail('invoice', { payload: { invoiceNumber: 'INV9999' } });
    assert.deepEqual([errorOf(missing)['class'], errorOf(missing)['code'], errorOf(missing)['fields']], ['data', 'NOT_FOUND', ['invoiceNumber']]);
  });

  it('resolves the customer of a CRM account by external id, Salesforce id or a secondary key, and never guesses', async () => {
    const client = new NetSuiteClient({ accountId: s.nsUK.accountId, baseUrl: s.nsUK.restUrl, auth: { type: 'tba', ...s.nsUK.demo.tba } });
    const customer = async (body: Record<string, unknown>): Promise<string> => {
      const eidOf = typeof body['externalId'] === 'string' ? body['externalId'] : `legacy-${Math.random().toString(36).slice(2)}`;
      return (await client.upsert('customer', eidOf, { subsidiary: { id: '3' }, currency: { id: '2' }, ...body, externalId: eidOf })).id;
    };
    const keyed = await customer({ externalId: toNetSuiteExternalId('acct:RES-KEY'), companyName: 'Keyed Ltd' });
    const bySf = await customer({ companyName: 'Old import', custentity_sw_salesforce_id: '001000000000077AAA' });
    const byTax = await customer({ companyName: 'Taxed Ltd (legacy name)', vatRegNumber: 'GB777000111', creditLimit: 50000, terms: { id: '3' } });
    const byDomain = await customer({ companyName: 'Domain Ltd', custentity_sw_domain: 'domain.example' });
    await customer({ companyName: 'Twin A', vatRegNumber: 'GB999' });
    await customer({ companyName: 'Twin B', vatRegNumber: 'gb999' });
    await customer({ externalId: toNetSuiteExternalId('acct:RES-OTHER'), companyName: 'Other Ltd', vatRegNumber: 'GB555' });
    await h.load(kantataRules, [erp('resolve', 'resolve-customer'), erp('byDomain', 'resolve-customer', { matchOn: 'domain' }), erp('upsert', 'upsert-customer')]);
    const crm = (key: string, extra: Record<string, unknown> = {}) => ({ ...account(key, 'UK01', `${key} Ltd`), ...extra });
    const resolve = async (id: string, payload: Record<string, unknown>) => {
      const out = await h.send(id, { payload });
      return { out, p: out.payload as Record<string, unknown> };
    };

    const a = await resolve('resolve', crm('RES-KEY', { tax: { taxId: 'GB999' } }));
    assert.deepEqual([a.p['match'], a.p['matchedBy'], a.p['id']], ['external-id', 'externalId', keyed], 'the external id wins over an ambiguous tax ID');
    assert.equal(resultOf(a.out, 'erp.customerMatch')['connection'], 'nsUK', 'UK01 resolves in the UK account');
    const b = await resolve('resolve', crm('RES-SF', { externalIds: { salesforce: '001000000000077AAA' } }));
    assert.deepEqual([b.p['match'], b.p['matchedBy'], b.p['id']], ['external-id', 'salesforceId', bySf]);
    const c = await resolve('resolve', crm('RES-TAX', { tax: { taxId: ' gb777000111 ', taxExempt: false } }));
    assert.deepEqual([c.p['match'], c.p['matchedBy'], c.p['id']], ['secondary-key', 'taxId', byTax]);
    const erpSide = c.p['erp'] as Record<string, unknown>;
    assert.deepEqual([erpSide['name'], (erpSide['creditLimit'] as Record<string, unknown>)['amount'], erpSide['businessKey']], ['Taxed Ltd (legacy name)', '50000.00', 'acct:RES-TAX']);
    assert.match(String(erpSide['updatedAt']), /^\d{4}-\d{2}-\d{2}T/);
    assert.equal((c.p['crm'] as Record<string, unknown>)['name'], 'RES-TAX Ltd', 'the CRM account travels with it');
    const d = await resolve('byDomain', crm('RES-DOM', { domain: 'Domain.Example', tax: { taxId: 'GB999', taxExempt: false } }));
    assert.deepEqual([d.p['match'], d.p['matchedBy'], d.p['id']], ['secondary-key', 'domain', byDomain], 'matching on domain ignores the tax ID');
    const e = await resolve('resolve', crm('RES-NEW', { tax: { taxId: 'GB123', taxExempt: false } }));
    assert.deepEqual([e.p['match'], e.p['erp']], ['new', undefined]);

    const twins = await h.fail('resolve', { payload: crm('RES-TWIN', { tax: { taxId: 'GB999', taxExempt: false } }) });
    assert.deepEqual([errorOf(twins)['class'], errorOf(twins)['code'], errorOf(twins)['fields']], ['conflict', 'AMBIGUOUS_MATCH', ['tax.taxId']]);
    assert.match(String(errorOf(twins)['message']), /2 customers in NetSuite account 7654321_SB2 \(NetSuite UK\) match acct:RES-TWIN by tax ID GB999: \d+, \d+\. Which one is RES-TWIN Ltd\? Link it — set its external id to acct_c_ures-twin/);
    const other = await h.fail('resolve', { payload: crm('RES-THIRD', { tax: { taxId: 'GB555', taxExempt: false } }) });
    assert.deepEqual([errorOf(other)['class'], errorOf(other)['code']], ['conflict', 'LINKED_ELSEWHERE']);

    // Upserting after a secondary-key match writes (and links) that customer: no second one, then by external id.
    const customers = () => s.nsUK.records('customer').length;
    const count = customers();
    await h.send('upsert', { payload: crm('RES-TAX'), sync: c.out.sync });
    assert.equal(customers(), count, 'no new customer');
    assert.deepEqual([s.nsUK.record('customer', byTax)?.values['externalId'], s.nsUK.record('customer', byTax)?.values['companyName']], [toNetSuiteExternalId('acct:RES-TAX'), 'RES-TAX Ltd']);
    const again = await resolve('resolve', crm('RES-TAX', { tax: { taxId: 'GB777000111', taxExempt: false } }));
    assert.deepEqual([again.p['matchedBy'], again.p['id']], ['externalId', byTax]);
    assert.equal(s.nsUK.createCount('customer', toNetSuiteExternalId('acct:RES-TAX')), 0);

    await helper.unload();
    await h.load(kantataRules, [erp('badKey', 'resolve-customer', { matchOn: 'vat' })]);
    const refused = await h.fail('badKey', { payload: crm('RES-BAD') });
    assert.deepEqual([errorOf(refused)['code'], errorOf(refused)['fields']], ['INVALID_NODE_SETTING', ['matchOn']]);
  });

  it('reads approved expense reports with their project completed from the job, changed since a point', async () => {
    const client = new NetSuiteClient({ accountId: s.nsUS.accountId, baseUrl: s.nsUS.restUrl, auth: { type: 'tba', ...s.nsUS.demo.tba } });
    const job = (await client.upsert('job', toNetSuiteExternalId('proj:EXP-1'), { companyName: 'Expenses project', parent: { id: '200' }, custentity_sw_psa_project_id: '40123' })).id;
    const other = (await client.upsert('job', toNetSuiteExternalId('proj:EXP-2'), { companyName: 'Another project', parent: { id: '200' } })).id;
    const report = (customer: string, amount: number, approved: boolean, date = '2026-04-10', lines = 1) =>
      client.create('expenseReport', {
        entity: { id: '5' },
        tranDate: date,
        ...(approved ? { complete: true, supervisorApproval: true, accountingApproval: true } : { complete: true }),
        expense: { items: Array.from({ length: lines }, () => ({ category: { id: '1' }, amount, currency: { id: '1' }, customer: { id: customer }, isBillable: true, expenseDate: date })) },
      });
    const since = new Date(Date.now() - 1000).toISOString();
    const approved = (await report(job, 420, true)).id;
    await report(job, 99, false);
    await report(other, 55, true, '2026-05-01');
    const twoLines = (await report(job, 10, true, '2026-04-11', 2)).id;
    await h.load(kantataRules, [erp('expenses', 'read-approved-expenses')]);

    const all = await h.send('expenses', { payload: { modifiedSince: since } });
    const expenses = all.payload as Array<Record<string, unknown>>;
    assert.equal(expenses.length, 2, 'the approved ones');
    const mine = expenses.find((e) => (e['externalIds'] as Record<string, unknown>)['netsuite'] === approved) ?? {};
    assert.deepEqual(mine['project'], { businessKey: 'proj:EXP-1', externalIds: { netsuite: job, kantata: '40123' } });
    assert.deepEqual([(mine['amount'] as Record<string, unknown>)['amount'], mine['status'], mine['billable']], ['420.00', 'approved', true]);
    const skipped = resultOf(all, 'erp.approvedExpenses')['skipped'] as Array<Record<string, unknown>>;
    assert.deepEqual(skipped.map((x) => x['id']), [twoLines]);
    const ofProject = await h.send('expenses', { payload: { project: { businessKey: 'proj:EXP-2' }, from: '2026-04-01' } });
    assert.deepEqual((ofProject.payload as Array<Record<string, unknown>>).map((e) => (e['amount'] as Record<string, unknown>)['amount']), ['55.00']);
    const later = await h.send('expenses', { payload: { modifiedSince: new Date(Date.now() + 60_000).toISOString() } });
    assert.deepEqual(later.payload, []);
  });

  it('compensates: deletes the milestones its step made and closes the project, and does it again harmlessly', async () => {
    await h.load(kantataRules, [erp('milestones', 'create-billing-milestones'), erp('undoMilestones', 'delete-billing-milestones'), erp('close', 'close-project')]);
    const made = await h.send('milestones', { payload: { project: project('ERP-UNDO', 'ACME', 'USD', { account: { externalIds: { netsuite: '200' } }, legalEntity: { code: 'US01' } }), milestones: milestones('ERP-UNDO', 'USD') } });
    const stepResult = { 'erp.milestones': resultOf(made, 'erp.milestones'), 'erp.project': resultOf(made, 'erp.project') };
    assert.ok(s.nsUS.record('projectTask', eid('ms:ERP-UNDO:DESIGN')));

    const saga = { id: 's1', name: 'closed won', step: 'billing', action: 'undo', stepResult };
    const undone = await h.send('undoMilestones', { payload: made.payload, saga });
    assert.equal((resultOf(undone, 'erp.milestones')['ids'] as string[]).length, 2);
    assert.equal(s.nsUS.record('projectTask', eid('ms:ERP-UNDO:DESIGN')), undefined);
    const again = await h.send('undoMilestones', { payload: made.payload, saga });
    assert.deepEqual([(resultOf(again, 'erp.milestones')['ids'] as string[]).length, (resultOf(again, 'erp.milestones')['missing'] as string[]).length], [0, 2]);

    // A step that failed half-way has no result: its billing plan names the milestones by key.
    const plan = { project: project('ERP-HALF', 'ACME', 'USD', { account: { externalIds: { netsuite: '200' } }, legalEntity: { code: 'US01' } }), milestones: milestones('ERP-HALF', 'USD') };
    await h.send('milestones', { payload: { ...plan, milestones: plan.milestones.slice(0, 1) } });
    const half = await h.send('undoMilestones', { payload: plan, saga: { ...saga, stepResult: null } });
    assert.deepEqual([(resultOf(half, 'erp.milestones')['ids'] as string[]).length, (resultOf(half, 'erp.milestones')['missing'] as string[]).length], [1, 1]);
    assert.equal(s.nsUS.record('projectTask', eid('ms:ERP-HALF:DESIGN')), undefined);

    await h.send('close', { payload: made.payload, saga });
    assert.equal(s.nsUS.record('job', eid('proj:ERP-UNDO'))?.values['entityStatus'], '1', 'Closed');
    const byKey = await h.send('close', { payload: { businessKey: 'proj:ERP-NEVER' } });
    assert.equal(resultOf(byKey, 'erp.project')['missing'], true);
    const nothing = await h.fail('close', { payload: {} });
    assert.deepEqual(errorOf(nothing)['fields'], ['payload']);
  });

  it('refuses a task where milestones are wanted, and names a parent missing from the account', async () => {
    await h.load(kantataRules, [erp('milestones', 'create-billing-milestones'), erp('project', 'upsert-project')]);
    const task = milestones('ERP-BAD', 'USD').map((m, i) => (i === 1 ? { ...m, kind: 'task', amount: undefined } : m));
    const refused = await h.fail('milestones', { payload: task });
    assert.deepEqual(errorOf(refused)['fields'], ['payload[1].kind']);
    const orphan = await h.fail('project', { payload: project('ERP-ORPHAN', 'NOBODY', 'USD') });
    assert.deepEqual([errorOf(orphan)['code'], errorOf(orphan)['fields']], ['PARENT_NOT_FOUND', ['account']]);
    assert.match(String(errorOf(orphan)['message']), /account acct:NOBODY is not in NetSuite account 1234567_SB1 \(NetSuite US\)/);
  });
});
