// Canonical objects through the Salesforce client and the mappings, against the sandbox: opportunities with
// their line items, Certinia PSA objects, bulk upserts where only the bad payload fails.
import assert from 'node:assert/strict';
import { bulkUpsertCanonical, createCanonical, getCanonical, queryCanonical, upsertCanonical } from '../../nodes/salesforce/client/canonical.js';
import { SalesforceClient } from '../../nodes/salesforce/client/client.js';
import type { SalesforceError } from '../../nodes/salesforce/client/errors.js';
import { SyncError } from '../../runtime-plugins/sync-error.js';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.js';
import { example } from '../fixtures/canonical.js';

type Rec = Record<string, unknown>;
const usd = (amount: string) => ({ amount, currency: 'USD' });

function opportunity(lines: Array<{ n: number; qty: string; price: string; code?: string }>): Rec {
  const opp = example('syncwright/opportunity@1');
  opp['businessKey'] = 'opp:NEW-DEAL';
  opp['externalIds'] = {};
  opp['account'] = { businessKey: 'acct:ACME' };
  delete opp['amount'];
  opp['lineItems'] = lines.map((l) => ({ lineNumber: l.n, productCode: l.code ?? `P${l.n}`, quantity: l.qty, unitPrice: usd(l.price), total: usd((Number(l.qty) * Number(l.price)).toFixed(2)) }));
  return opp;
}

async function failure(p: Promise<unknown>): Promise<SyncError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SyncError);
    return err;
  }
  assert.fail('expected a failure');
}

describe('Salesforce client: canonical objects', function () {
  this.timeout(20_000);
  let sb: SalesforceSandbox;
  let client: SalesforceClient;

  beforeEach(async () => {
    sb = await startSalesforceSandbox({ seedData: true });
    client = new SalesforceClient({ loginUrl: sb.url, auth: { type: 'client-credentials', clientId: sb.demo.clientId, clientSecret: sb.demo.clientSecret } });
  });
  afterEach(() => sb.close());

  const lines = (oppId: string) =>
    sb
      .records('OpportunityLineItem')
      .filter((l) => l['OpportunityId'] === oppId)
      .map((l) => ({ n: l['Line_Number__c'], qty: l['Quantity'], price: l['UnitPrice'], id: l['Id'] }))
      .sort((a, b) => Number(a.n) - Number(b.n));

  it('upserts an opportunity with its lines, then replaces the lines by Line_Number__c', async () => {
    const first = await upsertCanonical(client, 'Opportunity', opportunity([{ n: 1, qty: '1', price: '100000.00' }, { n: 2, qty: '100', price: '200.00' }]), { call: { correlationId: 'corr-1' } });
    assert.equal(first.created, true);
    assert.equal(first.key, 'opp:NEW-DEAL');
    assert.deepEqual(first.lineItems, { created: 2, updated: 0, deleted: 0 });
    const before = lines(first.id);
    assert.deepEqual(before.map((l) => [l.n, l.qty, l.price]), [[1, 1, 100000], [2, 100, 200]]);
    const record = sb.record('Opportunity', first.id);
    assert.equal(record?.['Amount'], 120000);
    assert.equal(record?.['Sync_Correlation_Id__c'], 'corr-1');
    assert.equal(record?.['CurrencyIsoCode'], 'USD');

    const second = await upsertCanonical(client, 'Opportunity', opportunity([{ n: 2, qty: '120', price: '200.00' }, { n: 3, qty: '10', price: '150.00' }]));
    assert.equal(second.created, false);
    assert.equal(second.id, first.id);
    assert.deepEqual(second.lineItems, { created: 1, updated: 1, deleted: 1 });
    const after = lines(first.id);
    assert.deepEqual(after.map((l) => [l.n, l.qty]), [[2, 120], [3, 10]]);
    assert.equal(after[0]?.id, before[1]?.id, 'line 2 was updated in place, not recreated');
    assert.equal(sb.record('Opportunity', first.id)?.['Amount'], 25500);

    const back = await getCanonical(client, 'Opportunity', { field: 'Syncwright_Key__c', value: 'opp:NEW-DEAL' });
    const canonical = back.canonical[0] as { lineItems: Array<{ lineNumber: number; quantity: string; total: { amount: string } }>; status: string; externalIds: { salesforce: string } };
    assert.deepEqual(canonical.lineItems.map((l) => [l.lineNumber, l.quantity, l.total.amount]), [[2, '120', '24000.00'], [3, '10', '1500.00']]);
    assert.equal(canonical.status, 'won');
    assert.equal(canonical.externalIds.salesforce, first.id);
  });

  it('leaves the lines alone when the opportunity comes without any, and keeps unlisted ones in upsert mode', async () => {
    const { id } = await upsertCanonical(client, 'Opportunity', opportunity([{ n: 1, qty: '1', price: '10.00' }, { n: 2, qty: '2', price: '10.00' }]));
    await upsertCanonical(client, 'Opportunity', opportunity([]));
    assert.equal(lines(id).length, 2);
    await upsertCanonical(client, 'Opportunity', opportunity([{ n: 3, qty: '3', price: '10.00' }]), { lineItems: 'upsert' });
    assert.deepEqual(lines(id).map((l) => l.n), [1, 2, 3]);
  });

  it('creates an opportunity and its lines', async () => {
    const created = await createCanonical(client, 'Opportunity', { ...opportunity([{ n: 1, qty: '4', price: '25.00' }]), businessKey: 'opp:CREATED' });
    assert.equal(created.created, true);
    assert.deepEqual(lines(created.id).map((l) => [l.n, l.qty]), [[1, 4]]);
  });

  it('writes and reads every Certinia PSA object', async () => {
    const project = example('syncwright/project@1');
    project['businessKey'] = 'proj:NEW';
    project['account'] = { businessKey: 'acct:ACME' };
    project['opportunity'] = { businessKey: 'opp:ACME-ERP-2026' };
    project['billingType'] = 'fixed-fee';
    delete project['projectManager'];
    const p = await upsertCanonical(client, 'pse__Proj__c', project);
    assert.equal(sb.record('pse__Proj__c', p.id)?.['pse__Billing_Type__c'], 'Fixed Price');

    const milestone = { ...example('syncwright/work-item@1'), project: { businessKey: 'proj:NEW' } };
    const m = await upsertCanonical(client, 'pse__Milestone__c', milestone);
    assert.equal(sb.record('pse__Milestone__c', m.id)?.['pse__Project__c'], p.id);

    const monday = { ...example('syncwright/time-entry@1'), resource: { businessKey: 'resource:riley.chen@syncwright.demo' }, project: { businessKey: 'proj:NEW' }, businessKey: 'te:resource:riley.chen@syncwright.demo:2026-04-06:NEW' };
    const tuesday = { ...monday, date: '2026-04-07', hours: 6, businessKey: 'te:resource:riley.chen@syncwright.demo:2026-04-07:NEW' };
    const tc = await upsertCanonical(client, 'pse__Timecard_Header__c', monday);
    const tc2 = await upsertCanonical(client, 'pse__Timecard_Header__c', tuesday);
    assert.equal(tc2.id, tc.id, 'one timecard per resource, project and week');
    const week = await getCanonical(client, 'pse__Timecard_Header__c', { id: tc.id });
    assert.deepEqual((week.canonical as Array<{ date: string; hours: number }>).map((e) => [e.date, e.hours]), [['2026-04-06', 7.5], ['2026-04-07', 6]]);

    const request = { ...example('syncwright/resource-request@1'), opportunity: { businessKey: 'opp:ACME-ERP-2026' }, project: { businessKey: 'proj:NEW' } };
    const rr = await upsertCanonical(client, 'pse__Resource_Request__c', request);
    assert.equal(sb.record('pse__Resource_Request__c', rr.id)?.['pse__Status__c'], 'Ready to Staff');
    const read = await getCanonical(client, 'pse__Resource_Request__c', { id: rr.id });
    assert.equal((read.canonical[0] as { status: string }).status, 'open');

    const all = await queryCanonical(client, 'pse__Milestone__c', 'pse__Project__r.Syncwright_Key__c = :key', { key: 'proj:NEW' });
    assert.deepEqual((all.canonical as Array<{ businessKey: string; amount: { amount: string } }>).map((w) => [w.businessKey, w.amount.amount]), [['ms:ACME-ERP:1', '40000.00']]);
  });

  it('reads the seeded closed-won opportunity with its lines as a valid canonical opportunity', async () => {
    const { canonical } = await queryCanonical(client, 'Opportunity', 'IsWon = true');
    assert.equal(canonical.length, 1);
    const opp = canonical[0] as { businessKey: string; lineItems: unknown[]; account: { businessKey: string } };
    assert.equal(opp.businessKey, 'opp:ACME-ERP-2026');
    assert.equal(opp.lineItems.length, 3);
    assert.equal(opp.account.businessKey, 'acct:ACME');
  });

  it('fails a payload that does not map with a data error naming the field', async () => {
    const bad = example('syncwright/account@1');
    bad['name'] = '';
    const e = await failure(upsertCanonical(client, 'Account', bad));
    assert.equal(e.syncwright.class, 'data');
    assert.equal(e.syncwright.code, 'MAPPING_ERROR');
    assert.deepEqual(e.syncwright.fields, ['name']);
    const mismatch = await failure(upsertCanonical(client, 'Account', example('syncwright/account@1'), { schema: 'syncwright/contact@1' }));
    assert.equal(mismatch.syncwright.code, 'SCHEMA_MISMATCH');
    assert.equal((await failure(upsertCanonical(client, 'Lead', {}))).syncwright.code, 'NO_MAPPING');
  });

  it('bulk-upserts canonical objects: only the payload that does not map, or that Salesforce refuses, fails', async () => {
    const account = (key: string, extra: Rec = {}): Rec => {
      const a = example('syncwright/account@1');
      delete a['parent'];
      delete a['externalIds'];
      return { ...a, businessKey: key, name: key, ...extra };
    };
    const outcomes = await bulkUpsertCanonical(client, 'Account', [account('acct:B1'), account('acct:B2', { currency: 'XYZ' }), account('acct:B3', { currency: 'KRW', creditLimit: { amount: '10', currency: 'KRW' } }), account('acct:B4')]);
    assert.deepEqual(outcomes.map((o) => o.ok), [true, false, false, true]);
    const unmappable = outcomes[1] as { ok: false; error: SalesforceError };
    assert.equal(unmappable.error.syncwright.code, 'MAPPING_ERROR');
    assert.deepEqual(unmappable.error.syncwright.fields, ['currency']);
    const refused = outcomes[2] as { ok: false; error: SalesforceError };
    assert.equal(refused.error.syncwright.code, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'KRW is not an active currency of the org');
    assert.equal(sb.findByExternalId('Account', 'Syncwright_Key__c', 'acct:B4').length, 1);
  });

  it('bulk-upserts opportunities and then each one\'s lines', async () => {
    const a = { ...opportunity([{ n: 1, qty: '1', price: '5.00' }]), businessKey: 'opp:BULK-A' };
    const b = { ...opportunity([{ n: 1, qty: '2', price: '5.00' }, { n: 2, qty: '3', price: '5.00' }]), businessKey: 'opp:BULK-B' };
    const outcomes = await bulkUpsertCanonical(client, 'Opportunity', [a, b]);
    const ids = outcomes.map((o) => (o.ok ? o.id : ''));
    assert.deepEqual(lines(ids[0]).map((l) => l.qty), [1]);
    assert.deepEqual(lines(ids[1]).map((l) => l.qty), [2, 3]);
  });
});
