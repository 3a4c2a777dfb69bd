// Template 4 (account and contact master, CRM → ERP) deployed as `npm start` deploys it, against the sandboxes:
// Salesforce customer accounts and their contacts reach NetSuite through identity resolution (an account found by
// external id, one found only by its tax ID and linked, a new one created, an ambiguous one sent to remediation),
// survivorship field by field, UK01 routed to the second NetSuite account, and a repeat that creates nothing.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toNetSuiteExternalId } from '../../canonical/mappings/index.js';
import { SalesforceClient } from '../../nodes/salesforce/client/client.js';
import type { NetSuiteSandbox } from '../../sandbox/netsuite/index.js';
import type { FlowNode, NodeRedProcess } from '../support/node-red-process.js';
import { runTemplates, type TemplateRun } from '../support/templates.js';

const FILE = '04-account-master.json';

async function waitFor(what: string, cond: () => boolean, ms = 60_000, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} ${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0) : []);
const eid = (key: string) => toNetSuiteExternalId(key);

async function netsuite(ns: NetSuiteSandbox, method: string, path: string, body?: unknown): Promise<string> {
  const res = await fetch(`${ns.restUrl}${path}`, { method, headers: { authorization: `Bearer ${ns.issueAccessToken()}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${await res.text()}`);
  return res.headers.get('location')?.split('/').pop() ?? '';
}

async function addTestNodes(nr: NodeRedProcess, nodes: FlowNode[]): Promise<void> {
  const current = await nr.request('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' });
  const flows = (current.body as { flows: FlowNode[] }).flows.filter((n) => !nodes.some((m) => m.id === n.id));
  await nr.deploy([...flows, ...nodes], 'nodes');
}

describe('template 4: account and contact master, CRM → ERP', function () {
  this.timeout(300_000);
  let run: TemplateRun;
  let sf: SalesforceClient;
  const remediation = () => join(run.nr.userDir, 't4-remediation.log');

  before(async () => {
    run = await runTemplates([FILE]);
    sf = new SalesforceClient({ loginUrl: run.sb.salesforce.url, auth: { type: 'client-credentials', clientId: run.sb.salesforce.demo.clientId, clientSecret: run.sb.salesforce.demo.clientSecret } });
  });
  after(async () => {
    await run?.close();
  });

  /** A customer as NetSuite shows it (addresses expanded), by internal id or by external id. */
  const customer = (ns: NetSuiteSandbox, by: { id?: string; key?: string }) => ns.records('customer').find((c) => (by.id !== undefined ? c['id'] === by.id : c['externalId'] === eid(by.key ?? '')));
  const contact = (ns: NetSuiteSandbox, key: string) => ns.records('contact').find((c) => c['externalId'] === eid(key));
  const refId = (v: unknown) => (v as { id?: unknown } | undefined)?.id;
  const soql = () => run.sb.salesforce.server.getJournal({ path: '/query' }).length;

  it('deploys with no unknown node types and no error', async () => {
    assert.ok(!run.nr.logs.some((l) => /unknown type|Waiting for missing types/i.test(l)), run.nr.logs.join('\n'));
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(run.nr.errors(), []);
  });

  it('resolves, merges and writes accounts and contacts: matched by external id or tax ID, new, ambiguous to remediation, UK01 to the UK account', async () => {
    const { netsuite: us, netsuiteUk: uk } = run.sb;
    // Both triggers started "from now" (their first query asks Salesforce for the latest change).
    await waitFor('both triggers to start', () => soql() >= 2);
    await addTestNodes(run.nr, [
      { id: 'it4.tab', type: 'tab', label: 'test: template 4 remediation' },
      { id: 'it4.dlq', type: 'syncwright-dead-letter', z: 'it4.tab', name: '', queue: 't4-account-master', errorClass: '', x: 120, y: 60, wires: [['it4.line']] },
      { id: 'it4.line', type: 'change', z: 'it4.tab', name: '', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '$string(payload.businessKey) & " " & payload.error.class & " " & payload.error.code', tot: 'jsonata' }], action: '', property: '', from: '', to: '', reg: false, x: 300, y: 60, wires: [['it4.file']] },
      { id: 'it4.file', type: 'file', z: 'it4.tab', name: '', filename: remediation(), filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', x: 480, y: 60, wires: [] },
    ]);

    // NetSuite US01 already holds: the customer of acct:T4-EXT (by external id), a legacy customer with Initrode's
    // tax ID but no link, and two legacy customers sharing one tax ID.
    const base = { subsidiary: { id: '2' }, currency: { id: '1' } };
    const ext = await netsuite(us, 'PUT', `/record/v1/customer/eid:${eid('acct:T4-EXT')}`, { ...base, companyName: 'Ext (old name)', terms: { id: '3' }, creditLimit: 80000 });
    const legacy = await netsuite(us, 'PUT', '/record/v1/customer/eid:LEGACY-4242', { ...base, companyName: 'Initrode (legacy)', vatRegNumber: 'US-TAX-4242', terms: { id: '3' }, creditLimit: 500000, email: 'ap@initrode.example' });
    const twinA = await netsuite(us, 'PUT', '/record/v1/customer/eid:LEGACY-777A', { ...base, companyName: 'Dupe Inc', vatRegNumber: 'DUP-777' });
    const twinB = await netsuite(us, 'PUT', '/record/v1/customer/eid:LEGACY-777B', { ...base, companyName: 'Dupe Incorporated', vatRegNumber: 'DUP-777' });
    const usCustomers = us.records('customer').length;

    // Salesforce: five customer accounts, a prospect (not a customer: not synced), two contacts.
    const account = (key: string, fields: Record<string, unknown>) => sf.create('Account', { Syncwright_Key__c: key, Type: 'Customer - Direct', Legal_Entity__c: 'US01', Payment_Terms__c: 'NET30', ...fields });
    await account('acct:T4-EXT', { Name: 'Ext Corp', Credit_Limit__c: 1000, BillingCity: 'Boston', BillingCountry: 'US' });
    await account('acct:T4-TAX', { Name: 'Initrode', Tax_Id__c: 'us-tax-4242', Credit_Limit__c: 100000, BillingStreet: '4120 Freidrich Lane', BillingCity: 'Austin', BillingCountry: 'US' });
    const newco = (await account('acct:T4-NEW', { Name: 'Newco', Tax_Id__c: 'NEW-1', Credit_Limit__c: 20000 })).id;
    await account('acct:T4-AMB', { Name: 'Dupe Inc', Tax_Id__c: 'DUP-777' });
    const britco = (await account('acct:T4-UK', { Name: 'Britco Ltd', Legal_Entity__c: 'UK01', CurrencyIsoCode: 'GBP', Tax_Id__c: 'GB-UK-1', BillingCity: 'Leeds', BillingCountry: 'GB' })).id;
    await account('acct:T4-PROSPECT', { Name: 'Maybe Ltd', Type: 'Prospect' });
    await sf.create('Contact', { Syncwright_Key__c: 'contact:jo@newco.example', LastName: 'Jones', FirstName: 'Jo', Email: 'jo@newco.example', Phone: '+1 555 0101', AccountId: newco });
    await sf.create('Contact', { Syncwright_Key__c: 'contact:ann@britco.example', LastName: 'Smith', FirstName: 'Ann', Email: 'ann@britco.example', AccountId: britco });

    assert.equal((await run.nr.request('POST', '/inject/t4.poll')).status, 200);
    const done = () =>
      customer(us, { key: 'acct:T4-NEW' }) !== undefined &&
      customer(us, { id: legacy })?.['externalId'] === eid('acct:T4-TAX') &&
      customer(us, { id: ext })?.['companyName'] === 'Ext Corp' &&
      contact(us, 'contact:jo@newco.example') !== undefined &&
      contact(uk, 'contact:ann@britco.example') !== undefined &&
      lines(remediation()).length >= 1;
    await waitFor('every account and contact in NetSuite', done, 60_000, () => JSON.stringify({ remediation: lines(remediation()), logs: run.nr.logs.slice(-15) }));
    await new Promise((r) => setTimeout(r, 1500));

    // Matched by external id: updated in place, no second customer.
    const e = customer(us, { id: ext }) ?? {};
    assert.deepEqual([e['companyName'], refId(e['terms']), e['creditLimit']], ['Ext Corp', '3', 80000], 'CRM name; ERP terms and credit limit');
    assert.equal(us.createCount('customer', eid('acct:T4-EXT')), 1, 'only the customer staged before');

    // Matched only by tax ID: the legacy customer is linked and merged field by field, not duplicated.
    const t = customer(us, { id: legacy }) ?? {};
    assert.equal(t['externalId'], eid('acct:T4-TAX'), 'linked: its external id is the account key now');
    assert.equal(t['companyName'], 'Initrode', 'name: the CRM wins');
    const address = ((t['addressBook'] as { items?: Array<{ addressBookAddress?: Record<string, unknown> }> } | undefined)?.items ?? [])[0]?.addressBookAddress ?? {};
    assert.deepEqual([address['addr1'], address['city']], ['4120 Freidrich Lane', 'Austin'], 'addresses: the CRM wins');
    assert.deepEqual([refId(t['terms']), t['creditLimit']], ['3', 500000], 'payment terms and credit limit: the ERP wins');
    assert.equal(t['email'], 'ap@initrode.example', 'the CRM has no billing e-mail: the ERP\'s stays');
    assert.equal(t['vatRegNumber'], 'US-TAX-4242', 'tax registration: the ERP wins');
    assert.equal(us.createCount('customer', eid('acct:T4-TAX')), 0);

    // New: created once, with its contact under it.
    const n = customer(us, { key: 'acct:T4-NEW' }) ?? {};
    assert.deepEqual([n['companyName'], refId(n['terms']), n['creditLimit'], n['vatRegNumber']], ['Newco', '2', 20000, 'NEW-1']);
    assert.equal(refId(contact(us, 'contact:jo@newco.example')?.['company']), n['id']);
    assert.equal(us.records('customer').length, usCustomers + 1, 'one customer more in US01: Newco');

    // Ambiguous: nothing written, the account sent to remediation with the candidates named.
    assert.equal(customer(us, { key: 'acct:T4-AMB' }), undefined);
    assert.deepEqual([customer(us, { id: twinA })?.['externalId'], customer(us, { id: twinB })?.['externalId']], ['LEGACY-777A', 'LEGACY-777B']);
    assert.deepEqual(lines(remediation()), ['acct:T4-AMB conflict AMBIGUOUS_MATCH']);

    // UK01: the customer and its contact in the UK account only.
    const b = customer(uk, { key: 'acct:T4-UK' }) ?? {};
    assert.deepEqual([b['companyName'], refId(b['subsidiary']), refId(b['currency'])], ['Britco Ltd', '3', '2']);
    assert.equal(refId(contact(uk, 'contact:ann@britco.example')?.['company']), b['id']);
    assert.equal(customer(us, { key: 'acct:T4-UK' }), undefined);
    assert.equal(contact(us, 'contact:ann@britco.example'), undefined);
    // The prospect is not a customer.
    assert.equal(customer(us, { key: 'acct:T4-PROSPECT' }), undefined);
    assert.deepEqual(run.nr.errors(), []);
  });

  it('creates nothing when the same accounts and contacts change again', async () => {
    const { netsuite: us, netsuiteUk: uk } = run.sb;
    const counts = () => ({ us: us.server.getCreateCounts(), uk: uk.server.getCreateCounts(), usCustomers: us.records('customer').length, ukCustomers: uk.records('customer').length, usContacts: us.records('contact').length, ukContacts: uk.records('contact').length });
    const before = counts();
    const id = (type: string, key: string) => String(run.sb.salesforce.findByExternalId(type, 'Syncwright_Key__c', key)[0]?.['Id']);
    for (const key of ['acct:T4-EXT', 'acct:T4-TAX', 'acct:T4-NEW', 'acct:T4-UK']) await sf.update('Account', id('Account', key), { Website: `https://${key.slice(5).toLowerCase()}.example` });
    await sf.update('Contact', id('Contact', 'contact:jo@newco.example'), { Phone: '+1 555 0199' });
    await sf.update('Contact', id('Contact', 'contact:ann@britco.example'), { Title: 'Finance Director' });
    assert.equal((await run.nr.request('POST', '/inject/t4.poll')).status, 200);
    await waitFor('the second round', () => customer(uk, { key: 'acct:T4-UK' })?.['url'] === 'https://t4-uk.example' && contact(us, 'contact:jo@newco.example')?.['phone'] === '+1 555 0199' && contact(uk, 'contact:ann@britco.example')?.['title'] === 'Finance Director' && customer(us, { key: 'acct:T4-TAX' })?.['url'] === 'https://t4-tax.example');
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(counts(), before, 'no create, no new record');
    assert.deepEqual([us.server.duplicates(), uk.server.duplicates()], [{}, {}]);
    assert.deepEqual(run.nr.errors(), []);
  });
});
