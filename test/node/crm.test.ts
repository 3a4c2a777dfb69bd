// The crm role node against the Salesforce sandbox, every capability: account and contact upserts, an
// opportunity read with its lines, the sync status written back (from the payload, the node or a saga's end),
// and billing status and delivery metrics written in bulk through sObject Collections, each record its own outcome.
import assert from 'node:assert/strict';
import crmNode from '../../nodes/crm/crm.js';
import kantataConnectionNode from '../../nodes/kantata/kantata-connection.js';
import landscapeNode from '../../nodes/landscape/landscape.js';
import netsuiteConnectionNode from '../../nodes/netsuite/netsuite-connection.js';
import { SalesforceClient } from '../../nodes/salesforce/client/client.js';
import salesforceConnectionNode from '../../nodes/salesforce/salesforce-connection.js';
import storeForwardNode from '../../nodes/store-forward/store-forward.js';
import { useEngineStore } from '../support/engine.js';
import { useHelper } from '../support/helper.js';
import { account, errorOf, kantataRules, resultOf, roleHarness, roleNode, startSandboxes, type Sandboxes } from '../support/roles-fixtures.js';

describe('crm role node (Salesforce)', function () {
  this.timeout(60_000);
  const helper = useHelper();
  useEngineStore();
  let s: Sandboxes;
  let client: SalesforceClient;
  before(async () => {
    s = await startSandboxes();
    client = new SalesforceClient({ loginUrl: s.sf.url, auth: { type: 'client-credentials', clientId: s.sf.demo.clientId, clientSecret: s.sf.demo.clientSecret } });
  });
  after(() => s.close());
  const h = roleHarness(helper, () => s, [salesforceConnectionNode, netsuiteConnectionNode, kantataConnectionNode, landscapeNode, crmNode, storeForwardNode]);
  const crm = (id: string, capability: string, extra: Record<string, unknown> = {}) => roleNode(id, 'crm', capability, ['out'], extra);
  const flow = [
    crm('account', 'upsert-account'),
    crm('contact', 'upsert-contact'),
    crm('read', 'read-opportunity'),
    crm('readAccount', 'read-account'),
    crm('status', 'update-opportunity-status'),
    crm('completed', 'update-opportunity-status', { syncStatus: 'Completed' }),
    crm('billing', 'write-billing-status'),
    crm('metrics', 'write-delivery-metrics'),
  ];
  const opp = (key: string) => s.sf.findByExternalId('Opportunity', 'Syncwright_Key__c', key)[0] ?? {};
  const acct = (key: string) => s.sf.findByExternalId('Account', 'Syncwright_Key__c', key)[0] ?? {};
  const collectionsCalls = () => s.sf.server.getJournal({ path: '/composite/sobjects$', method: 'PATCH' }).length;

  it('upserts an account and its contact, each once however often it runs', async () => {
    await h.load(kantataRules, flow);
    const run = async () => {
      const a = await h.send('account', { payload: { ...account('CRM-1', 'UK01', 'Crm One Ltd'), billingAddress: { line1: '1 High St', city: 'London', country: 'GB' } } });
      const c = await h.send('contact', { payload: { businessKey: 'contact:kim@crm-1.example', account: { businessKey: 'acct:CRM-1' }, lastName: 'Kim', email: 'kim@crm-1.example', roles: ['billing'] }, sync: a.sync });
      return { a, c };
    };
    const first = await run();
    const second = await run();
    assert.deepEqual([resultOf(first.a, 'crm.account')['created'], resultOf(second.a, 'crm.account')['created']], [true, false]);
    assert.equal(acct('acct:CRM-1')['BillingCity'], 'London');
    const contact = s.sf.findByExternalId('Contact', 'Syncwright_Key__c', 'contact:kim@crm-1.example')[0];
    assert.equal(contact?.['AccountId'], resultOf(first.a, 'crm.account')['id']);
    assert.equal(contact?.['Contact_Roles__c'], 'Billing');
    assert.equal(s.sf.server.getCreateCounts()['Account:acct:CRM-1'], 1);
  });

  it('reads an opportunity with its line items, by business key or Id', async () => {
    await h.load(kantataRules, flow);
    const byKey = await h.send('read', { payload: { businessKey: 'opp:ACME-ERP-2026' } });
    const o = byKey.payload as Record<string, unknown>;
    assert.deepEqual([o['businessKey'], o['status'], (o['lineItems'] as unknown[]).length], ['opp:ACME-ERP-2026', 'won', 3]);
    const id = resultOf(byKey, 'crm.opportunity')['id'] as string;
    const byId = await h.send('read', { payload: id });
    assert.equal((byId.payload as Record<string, unknown>)['businessKey'], 'opp:ACME-ERP-2026');
    const none = await h.fail('read', { payload: 'opp:NOPE' });
    assert.deepEqual([errorOf(none)['class'], errorOf(none)['code']], ['data', 'NOT_FOUND']);
  });

  it('reads an account with its parent, tax and legal entity, by business key or Id', async () => {
    await h.load(kantataRules, flow);
    const parent = await client.create('Account', { Name: 'Holding Read Ltd', Syncwright_Key__c: 'acct:HOLD-READ', Legal_Entity__c: 'UK01', CurrencyIsoCode: 'GBP', BillingCountry: 'GB' });
    const child = await client.create('Account', { Name: 'Child Read Ltd', ParentId: parent.id, Legal_Entity__c: 'UK01', Tax_Id__c: 'GB123456789', Payment_Terms__c: 'NET30', CurrencyIsoCode: 'GBP', BillingCity: 'Leeds', BillingCountry: 'GB' });
    const byId = await h.send('readAccount', { payload: { externalIds: { salesforce: child.id } } });
    const a = byId.payload as Record<string, unknown>;
    assert.equal(a['businessKey'], `acct:salesforce:${child.id}`);
    assert.deepEqual(a['parent'], { businessKey: 'acct:HOLD-READ', externalIds: { salesforce: parent.id } });
    assert.deepEqual([(a['legalEntity'] as Record<string, unknown>)['code'], (a['tax'] as Record<string, unknown>)['taxId'], a['currency']], ['UK01', 'GB123456789', 'GBP']);
    assert.deepEqual(resultOf(byId, 'crm.account'), { system: 'salesforce', connection: 'sf', id: child.id, key: `acct:salesforce:${child.id}` });
    // A key Syncwright derived from the Id reads by Id; a key of Syncwright_Key__c reads by that field.
    const byDerivedKey = await h.send('readAccount', { payload: `acct:salesforce:${child.id}` });
    assert.equal((byDerivedKey.payload as Record<string, unknown>)['name'], 'Child Read Ltd');
    const byKey = await h.send('readAccount', { payload: { businessKey: 'acct:HOLD-READ' } });
    assert.deepEqual([(byKey.payload as Record<string, unknown>)['name'], (byKey.payload as Record<string, unknown>)['parent']], ['Holding Read Ltd', undefined]);
    const none = await h.fail('readAccount', { payload: { businessKey: 'acct:NOPE' } });
    assert.deepEqual([errorOf(none)['class'], errorOf(none)['code']], ['data', 'NOT_FOUND']);
  });

  it('writes the sync status, the correlation id and the ids the transaction made, from a saga end too', async () => {
    await h.load(kantataRules, flow);
    const results = { 'erp.customer': { system: 'netsuite', connection: 'nsUS', id: '1042' }, 'erp.salesOrder': { system: 'netsuite', connection: 'nsUS', id: '2042' }, 'psa.project': { system: 'kantata', connection: 'kt', id: '40042' } };
    const sync = { correlationId: 'corr-status-1', businessKey: 'opp:ACME-SUPPORT-2026', occurredAt: '2026-03-02T10:00:00Z', results };
    await h.send('status', { payload: {}, sync, saga: { state: 'compensated', failure: { step: 'billing', error: { code: 'USER_ERROR', message: 'This entity already exists.' } } } });
    let o = opp('opp:ACME-SUPPORT-2026');
    assert.deepEqual([o['Sync_Status__c'], o['Sync_Error__c'], o['Sync_Correlation_Id__c']], ['Compensated', 'billing: USER_ERROR This entity already exists.', 'corr-status-1']);
    assert.deepEqual([o['NetSuite_Customer_Id__c'], o['NetSuite_Sales_Order_Id__c'], o['PSA_Project_Id__c']], ['1042', '2042', '40042']);

    const done = await h.send('completed', { payload: { opportunity: { businessKey: 'opp:ACME-SUPPORT-2026' } }, sync });
    o = opp('opp:ACME-SUPPORT-2026');
    assert.deepEqual([o['Sync_Status__c'], o['Sync_Error__c']], ['Completed', null], 'a completed status clears the error');
    assert.deepEqual([resultOf(done, 'crm.opportunityStatus')['status'], resultOf(done, 'crm.opportunityStatus')['id']], ['Completed', o['Id']]);

    await h.send('status', { payload: { opportunity: { externalIds: { salesforce: o['Id'] } }, status: 'needs remediation', error: 'parked by the saga' } });
    assert.deepEqual([opp('opp:ACME-SUPPORT-2026')['Sync_Status__c'], opp('opp:ACME-SUPPORT-2026')['Sync_Error__c']], ['Needs Remediation', 'parked by the saga']);

    const missing = await h.fail('completed', { payload: { opportunity: { businessKey: 'opp:NOT-THERE' } } });
    assert.equal(errorOf(missing)['class'], 'data');
    assert.equal(s.sf.findByExternalId('Opportunity', 'Syncwright_Key__c', 'opp:NOT-THERE').length, 0, 'an update never creates');
    const noStatus = await h.fail('status', { payload: { opportunity: { businessKey: 'opp:ACME-SUPPORT-2026' } } });
    assert.deepEqual(errorOf(noStatus)['fields'], ['payload.status']);
  });

  describe('billing status and delivery metrics', () => {
    const invoice = (n: number, accountKey: string, extra: Record<string, unknown> = {}) => ({
      businessKey: `inv:CRM-${n}`,
      invoiceNumber: `CRM-${n}`,
      account: { businessKey: accountKey },
      currency: 'USD',
      invoiceDate: `2026-04-${String(n).padStart(2, '0')}`,
      status: 'open',
      total: { amount: `${n}000.00`, currency: 'USD' },
      amountPaid: { amount: '0.00', currency: 'USD' },
      ...extra,
    });

    it('writes accounts and opportunities of a batch in one sObject Collections call, the latest invoice winning', async () => {
      await h.load(kantataRules, flow);
      const before = collectionsCalls();
      const out = await h.send('billing', {
        payload: [
          invoice(1, 'acct:ACME', { opportunity: { businessKey: 'opp:ACME-ERP-2026' }, custom: { accountOpenBalance: '12000.00' } }),
          invoice(3, 'acct:ACME', { opportunity: { businessKey: 'opp:ACME-ERP-2026' }, status: 'partially-paid', amountPaid: { amount: '1000.00', currency: 'USD' }, custom: { accountOpenBalance: '14000.00' } }),
          invoice(2, 'acct:ACME', { opportunity: { businessKey: 'opp:ACME-ERP-2026' } }),
          invoice(4, 'acct:INITECH', { status: 'credit-hold' }),
          { businessKey: 'pay:CRM-P1', paymentNumber: 'CRM-P1', account: { businessKey: 'acct:INITECH' }, amount: { amount: '500.00', currency: 'USD' }, paymentDate: '2026-04-20', status: 'applied' },
          invoice(5, 'acct:NOBODY'),
          invoice(6, 'acct:GLOBEX', { currency: 'GBP', total: { amount: '6000.00', currency: 'GBP' }, amountPaid: undefined, opportunity: { businessKey: 'opp:ACME-SUPPORT-2026' } }),
        ],
      });
      assert.equal(collectionsCalls() - before, 1, 'one Collections call');
      const results = out.results as Array<Record<string, unknown>>;
      assert.deepEqual(results.map((r) => r['ok']), [true, true, true, true, true, false, false]);
      assert.deepEqual([(results[5]?.['error'] as Record<string, unknown>)['code'], (results[5]?.['error'] as Record<string, unknown>)['fields']], ['NOT_FOUND', ['account']]);
      assert.equal((results[6]?.['error'] as Record<string, unknown>)['code'], 'CURRENCY_MISMATCH');
      const acme = acct('acct:ACME');
      assert.deepEqual([acme['Last_Invoice_Status__c'], acme['Open_Balance__c']], ['Partially Paid', 14000], 'invoice 3 is the latest');
      const erp = opp('opp:ACME-ERP-2026');
      assert.deepEqual([erp['Invoice_Status__c'], erp['Amount_Invoiced__c'], erp['Amount_Paid__c']], ['Partially Paid', 3000, 1000]);
      const initech = acct('acct:INITECH');
      assert.deepEqual([initech['Credit_Hold__c'], initech['Last_Invoice_Status__c'], initech['Last_Payment_Date__c']], [true, 'Credit Hold', '2026-04-20']);
      assert.deepEqual([results[0]?.['system'], results[0]?.['id'], results[0]?.['opportunity']], ['salesforce', acme['Id'], erp['Id']]);
    });

    it('fails only the record with a value Salesforce refuses, when it shares its opportunity with others', async () => {
      await h.load(kantataRules, flow);
      const out = await h.send('billing', {
        payload: [
          invoice(7, 'acct:UMBRELLA', { opportunity: { businessKey: 'opp:INITECH-AUDIT-2026' } }),
          invoice(8, 'acct:UMBRELLA', { opportunity: { businessKey: 'opp:INITECH-AUDIT-2026' }, custom: { opportunityInvoiceStatus: 'x'.repeat(300) } }),
        ],
      });
      const results = out.results as Array<Record<string, unknown>>;
      assert.deepEqual(results.map((r) => r['ok']), [true, false]);
      assert.equal((results[1]?.['error'] as Record<string, unknown>)['code'], 'STRING_TOO_LONG');
      assert.equal(opp('opp:INITECH-AUDIT-2026')['Amount_Invoiced__c'], 7000, 'the good record is written');
    });

    it('fails a batch as a whole when the one call for all its records fails (Salesforce unavailable), and writes it on the retry', async () => {
      await h.load(kantataRules, flow);
      s.sf.server.addFault({ kind: 'status', status: 503, method: 'PATCH', path: '/composite/sobjects$', count: 1 });
      const batch = { payload: [invoice(13, 'acct:ACME'), invoice(14, 'acct:INITECH')] };
      const failed = await h.fail('billing', batch);
      // One failure of the whole call, not two records that failed: the message (a delivery) is retried as it is.
      assert.deepEqual([errorOf(failed)['class'], errorOf(failed)['retryable']], ['transient', true]);
      assert.deepEqual((failed.results as Array<Record<string, unknown>>).map((r) => [r['ok'], (r['error'] as Record<string, unknown>)['status']]), [[false, 503], [false, 503]], 'each record names the same failure');
      assert.notEqual(acct('acct:INITECH')['Last_Invoice_Status__c'], 'Open', 'nothing written');
      const retried = await h.send('billing', batch);
      assert.deepEqual((retried.results as Array<Record<string, unknown>>).map((r) => r['ok']), [true, true]);
      assert.equal(acct('acct:INITECH')['Last_Invoice_Status__c'], 'Open');
    });

    it('settles each message of a store-forward batch delivery, and fails a batch of one as a message', async () => {
      await h.load(kantataRules, flow);
      const delivery = { queue: 'billing', id: 'd1', seqs: [1, 2], attempt: 1 };
      const out = await h.send('billing', { payload: [invoice(9, 'acct:ACME'), invoice(10, 'acct:NOBODY')], batch: [{ sync: { correlationId: 'c9', businessKey: 'inv:CRM-9' } }, { sync: { correlationId: 'c10', businessKey: 'inv:CRM-10' } }], sync: { correlationId: 'd', businessKey: 'd', delivery } });
      assert.deepEqual((out.results as Array<Record<string, unknown>>).map((r) => r['ok']), [true, false]);
      const one = await h.fail('billing', { payload: [invoice(11, 'acct:NOBODY')], batch: [{ sync: { correlationId: 'c11', businessKey: 'inv:CRM-11' } }], sync: { correlationId: 'd2', businessKey: 'd2', delivery } });
      assert.equal(errorOf(one)['code'], 'NOT_FOUND');
    });

    it('uses the request slot a store-forward paced by the same connection already holds', async () => {
      // One request at a time on the connection: had the node asked for a slot of its own, it would wait for
      // the one its delivery holds.
      const queue = { id: 'queue', type: 'syncwright-store-forward', z: 'f', name: '', queueName: 'q-crm', target: 'sf', maxInFlight: '1', key: 'sync.businessKey', keyType: 'msg', orderByKey: true, lane: '', laneType: 'msg', lanes: '', maximumRedeliveries: '2', redeliveryDelay: '0.01', backOffMultiplier: '1', maximumRedeliveryDelay: '1', jitter: '0', ackTimeout: '60', batchSize: '50', wires: [['billing'], ['out']] };
      await h.load(kantataRules, [queue, { ...crm('billing', 'write-billing-status'), wires: [['queue']] }], { sf: { concurrency: '1' } });
      const delivered = await h.send('queue', { payload: invoice(12, 'acct:ACME', { status: 'void' }), sync: { correlationId: 'c12', businessKey: 'inv:CRM-12', occurredAt: '2026-03-02T10:00:00Z' } });
      assert.equal((delivered.sync?.['delivery'] as { target?: string } | undefined)?.target, 'connection:sf');
      assert.equal(acct('acct:ACME')['Last_Invoice_Status__c'], 'Void');
    });

    it('writes delivery metrics on opportunities, by key or Id', async () => {
      await h.load(kantataRules, flow);
      const id = String(opp('opp:GLOBEX-DATA-2026')['Id']);
      const out = await h.send('metrics', {
        payload: [
          { opportunity: { businessKey: 'opp:ACME-ERP-2026' }, project: { businessKey: 'proj:ACME-ERP-2026' }, actualHours: 412.5, actualCost: { amount: '51200.00', currency: 'USD' }, marginPercent: 18.4 },
          { opportunity: { externalIds: { salesforce: id } }, actualHours: 12, actualCost: '1500.00', marginPercent: -3 },
        ],
      });
      assert.deepEqual((out.results as Array<Record<string, unknown>>).map((r) => r['ok']), [true, true]);
      const erp = opp('opp:ACME-ERP-2026');
      assert.deepEqual([erp['Actual_Hours__c'], erp['Actual_Cost__c'], erp['Margin_Percent__c']], [412.5, 51200, 18.4]);
      assert.equal(opp('opp:GLOBEX-DATA-2026')['Margin_Percent__c'], -3);
      const one = await h.send('metrics', { payload: { opportunity: { businessKey: 'opp:ACME-ERP-2026' }, actualHours: 420, actualCost: '52000.00', marginPercent: 18 } });
      assert.equal(resultOf(one, 'crm.deliveryMetrics')['id'], erp['Id']);
    });
  });

  it('writes delivery metrics on the opportunity holding the PSA project\'s id, and fails alone a project none holds', async () => {
    await h.load(kantataRules, flow);
    await client.update('Opportunity', String(opp('opp:ACME-SUPPORT-2026')['Id']), { PSA_Project_Id__c: '40077' });
    const out = await h.send('metrics', {
      payload: [
        { project: { externalIds: { kantata: '40077' } }, actualHours: 30, actualCost: '2700.00', marginPercent: 40 },
        { project: { businessKey: 'proj:NOWHERE', externalIds: { kantata: '49999' } }, actualHours: 1, actualCost: '90.00', marginPercent: 10 },
      ],
    });
    const results = out.results as Array<Record<string, unknown>>;
    assert.deepEqual([results[0]?.['ok'], results[1]?.['ok'], (results[1]?.['error'] as Record<string, unknown>)['code']], [true, false, 'NOT_FOUND']);
    assert.deepEqual([opp('opp:ACME-SUPPORT-2026')['Actual_Hours__c'], opp('opp:ACME-SUPPORT-2026')['Margin_Percent__c']], [30, 40]);
    const none = await h.fail('metrics', { payload: { project: { businessKey: 'proj:X' }, actualHours: 1, actualCost: '1.00', marginPercent: 1 } });
    assert.deepEqual([errorOf(none)['code'], errorOf(none)['fields']], ['INVALID_PAYLOAD', ['payload.opportunity']]);
  });

  it('keeps using a connection\'s client while it serves, and shows the org\'s API usage', async () => {
    await h.load(kantataRules, flow);
    await h.send('account', { payload: account('CRM-USAGE', 'US01') });
    assert.match(h.statusOf('account').text ?? '', /^salesforce Salesforce · created account acct:CRM-USAGE · api \d+\/15,000/);
    assert.ok(client);
  });
});
