// Template 2 (invoice and payment status → CRM) deployed as `npm start` deploys it, against the sandboxes:
// invoices and payments changed in the US01 and UK01 NetSuite accounts reach the Salesforce Account and
// Opportunity through few sObject Collections calls (batches of up to 200), a record Salesforce cannot take is
// dead-lettered alone, and a restart of Node-RED neither repeats what was written nor misses what changed while
// it was down.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toNetSuiteExternalId } from '../../canonical/mappings/index.js';
import { SalesforceClient } from '../../nodes/salesforce/client/client.js';
import type { NetSuiteSandbox } from '../../sandbox/netsuite/index.js';
import { NodeRedProcess, type FlowNode } from '../support/node-red-process.js';
import { runTemplates, type TemplateRun } from '../support/templates.js';

const FILE = '02-invoice-payment-status.json';

async function waitFor(what: string, cond: () => boolean, ms = 60_000, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} ${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0) : []);

/** A NetSuite REST call with a sandbox token; answers the new record's id for a create. */
async function netsuite(ns: NetSuiteSandbox, method: string, path: string, body?: unknown): Promise<string> {
  const res = await fetch(`${ns.restUrl}${path}`, { method, headers: { authorization: `Bearer ${ns.issueAccessToken()}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${await res.text()}`);
  return res.headers.get('location')?.split('/').pop() ?? '';
}

/** Adds a tab of test nodes to what is deployed (only the new nodes start). */
async function addTestNodes(nr: NodeRedProcess, nodes: FlowNode[]): Promise<void> {
  const current = await nr.request('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' });
  const flows = (current.body as { flows: FlowNode[] }).flows.filter((n) => !nodes.some((m) => m.id === n.id));
  await nr.deploy([...flows, ...nodes], 'nodes');
}

describe('template 2: invoice and payment status → CRM', function () {
  this.timeout(300_000);
  let run: TemplateRun;
  let nr: NodeRedProcess;
  let sf: SalesforceClient;
  const dead = () => join(run.nr.userDir, 't2-dead.log');

  before(async () => {
    run = await runTemplates([FILE]);
    nr = run.nr;
    sf = new SalesforceClient({ loginUrl: run.sb.salesforce.url, auth: { type: 'client-credentials', clientId: run.sb.salesforce.demo.clientId, clientSecret: run.sb.salesforce.demo.clientSecret } });
  });
  after(async () => {
    if (nr !== run?.nr) await nr?.dispose();
    await run?.close();
  });

  const sfRecord = (type: string, key: string) => run.sb.salesforce.findByExternalId(type, 'Syncwright_Key__c', key)[0] ?? {};
  const collections = () => run.sb.salesforce.server.getJournal({ path: '/composite/sobjects$', method: 'PATCH' }).length;
  const suiteqlCalls = (ns: NetSuiteSandbox) => ns.server.getJournal({ path: 'query/v1/suiteql', method: 'POST' }).length;
  const customer = (ns: NetSuiteSandbox, key: string, subsidiary: string, currency: string) =>
    netsuite(ns, 'PUT', `/record/v1/customer/eid:${toNetSuiteExternalId(key)}`, { companyName: key.slice(5), subsidiary: { id: subsidiary }, currency: { id: currency } });
  const invoice = (ns: NetSuiteSandbox, key: string, opportunityId: string | undefined, rate: number) =>
    netsuite(ns, 'POST', '/record/v1/invoice', { entity: { externalId: toNetSuiteExternalId(key) }, ...(opportunityId ? { custbody_sw_salesforce_opp_id: opportunityId } : {}), item: { items: [{ item: { id: '100' }, quantity: 1, rate }] } });
  const balanceOf = (ns: NetSuiteSandbox, key: string) => ns.records('customer').find((c) => c['externalId'] === toNetSuiteExternalId(key))?.['balance'];

  it('deploys with no unknown node types and no error', async () => {
    assert.ok(!nr.logs.some((l) => /unknown type|Waiting for missing types/i.test(l)), nr.logs.join('\n'));
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(nr.errors(), []);
  });

  it('writes US01 and UK01 invoices and payments to the Salesforce Account and Opportunity in batches, the refused record dead-lettered alone', async () => {
    const { netsuite: us, netsuiteUk: uk } = run.sb;
    // Both triggers have started "from now" (their first query asks NetSuite for the newest change).
    await waitFor('both triggers to start', () => suiteqlCalls(us) > 0 && suiteqlCalls(uk) > 0);
    await addTestNodes(nr, [
      { id: 'it2.tab', type: 'tab', label: 'test: template 2 dead letters' },
      { id: 'it2.dlq', type: 'syncwright-dead-letter', z: 'it2.tab', name: '', queue: 't2-billing-status', errorClass: '', x: 120, y: 60, wires: [['it2.line']] },
      { id: 'it2.line', type: 'change', z: 'it2.tab', name: '', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '$string(payload.businessKey) & " " & payload.error.class & " " & payload.error.code', tot: 'jsonata' }], action: '', property: '', from: '', to: '', reg: false, x: 300, y: 60, wires: [['it2.file']] },
      { id: 'it2.file', type: 'file', z: 'it2.tab', name: '', filename: dead(), filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', x: 480, y: 60, wires: [] },
    ]);

    // Salesforce: Globex keeps its books in GBP, with an opportunity in GBP for the UK invoices.
    const globex = String(sfRecord('Account', 'acct:GLOBEX')['Id']);
    await sf.update('Account', globex, { CurrencyIsoCode: 'GBP' });
    const globexOpp = (await sf.create('Opportunity', { Name: 'Globex reporting', AccountId: globex, StageName: 'Closed Won', CloseDate: '2026-03-01', CurrencyIsoCode: 'GBP', Syncwright_Key__c: 'opp:GLOBEX-T2-2026' })).id;
    const acmeOpp = String(sfRecord('Opportunity', 'opp:ACME-ERP-2026')['Id']);
    const initechOpp = String(sfRecord('Opportunity', 'opp:INITECH-AUDIT-2026')['Id']);

    // NetSuite US01: 150 invoices for Acme, 70 for Initech (on credit hold), one for a customer the CRM does not
    // know, and a payment of Acme's first invoice and part of its second. UK01: 5 invoices for Globex and a payment.
    await customer(us, 'acct:ACME', '2', '1');
    const initech = await customer(us, 'acct:INITECH', '2', '1');
    await netsuite(us, 'PATCH', `/record/v1/customer/${initech}`, { creditHoldOverride: { id: 'ON' } });
    await customer(us, 'acct:NOBODY', '2', '1');
    await customer(uk, 'acct:GLOBEX', '3', '2');
    const acmeInvoices: string[] = [];
    for (let i = 1; i <= 150; i++) acmeInvoices.push(await invoice(us, 'acct:ACME', acmeOpp, 100 + i));
    for (let i = 1; i <= 70; i++) await invoice(us, 'acct:INITECH', initechOpp, 200);
    const orphan = await invoice(us, 'acct:NOBODY', undefined, 999);
    await netsuite(us, 'POST', '/record/v1/customerPayment', { customer: { externalId: toNetSuiteExternalId('acct:ACME') }, payment: 151, apply: { items: [{ doc: { id: acmeInvoices[0] }, amount: 101 }, { doc: { id: acmeInvoices[1] }, amount: 50 }] } });
    const globexInvoices: string[] = [];
    for (let i = 1; i <= 5; i++) globexInvoices.push(await invoice(uk, 'acct:GLOBEX', globexOpp, 1000));
    await netsuite(uk, 'POST', '/record/v1/customerPayment', { customer: { externalId: toNetSuiteExternalId('acct:GLOBEX') }, payment: 1000, apply: { items: [{ doc: { id: globexInvoices[0] }, amount: 1000 }] } });
    const orphanKey = `inv:${String(us.records('invoice').find((r) => r['id'] === orphan)?.['tranId'])}`;
    const before = collections();

    assert.equal((await nr.request('POST', '/inject/t2.poll')).status, 200);
    const acmeOppDone = () => sfRecord('Opportunity', 'opp:ACME-ERP-2026')['Amount_Paid__c'] === 151 && sfRecord('Opportunity', 'opp:ACME-ERP-2026')['Amount_Invoiced__c'] === 26325;
    const globexDone = () => sfRecord('Opportunity', 'opp:GLOBEX-T2-2026')['Amount_Paid__c'] === 1000 && sfRecord('Account', 'acct:GLOBEX')['Last_Payment_Date__c'] !== null && sfRecord('Account', 'acct:GLOBEX')['Last_Payment_Date__c'] !== undefined;
    const initechDone = () => sfRecord('Account', 'acct:INITECH')['Credit_Hold__c'] === true && sfRecord('Opportunity', 'opp:INITECH-AUDIT-2026')['Amount_Invoiced__c'] === 14000;
    await waitFor('the CRM to hold every change', () => acmeOppDone() && globexDone() && initechDone() && lines(dead()).length >= 1, 120_000, () =>
      JSON.stringify({ acme: sfRecord('Opportunity', 'opp:ACME-ERP-2026'), dead: lines(dead()), calls: collections() - before, logs: nr.logs.slice(-20) }),
    );
    await new Promise((r) => setTimeout(r, 1500));

    // Accounts: balance, last payment, credit hold and last invoice status from NetSuite.
    const acme = sfRecord('Account', 'acct:ACME');
    assert.equal(acme['Open_Balance__c'], balanceOf(us, 'acct:ACME'));
    assert.equal(acme['Open_Balance__c'], 26325 - 151);
    assert.equal(acme['Last_Payment_Date__c'], us.records('customerPayment').at(-1)?.['tranDate']);
    assert.equal(acme['Credit_Hold__c'], false);
    const initechAccount = sfRecord('Account', 'acct:INITECH');
    assert.deepEqual([initechAccount['Credit_Hold__c'], initechAccount['Last_Invoice_Status__c'], initechAccount['Open_Balance__c']], [true, 'Credit Hold', 14000]);
    const globexAccount = sfRecord('Account', 'acct:GLOBEX');
    assert.deepEqual([globexAccount['Open_Balance__c'], globexAccount['Last_Payment_Date__c']], [4000, uk.records('customerPayment').at(-1)?.['tranDate']]);
    // Opportunities: totals over all their invoices, the paid part included.
    const acmeO = sfRecord('Opportunity', 'opp:ACME-ERP-2026');
    assert.deepEqual([acmeO['Amount_Invoiced__c'], acmeO['Amount_Paid__c']], [26325, 151]);
    const globexO = sfRecord('Opportunity', 'opp:GLOBEX-T2-2026');
    assert.deepEqual([globexO['Amount_Invoiced__c'], globexO['Amount_Paid__c']], [5000, 1000]);
    assert.ok(typeof globexO['Invoice_Status__c'] === 'string');

    // About 230 changes in a handful of Collections calls (a batch is at most 200 changes: at least two).
    const calls = collections() - before;
    assert.ok(calls >= 2 && calls <= 8, `${calls} sObject Collections calls`);
    // Only the invoice of the customer Salesforce does not know is dead-lettered.
    assert.deepEqual(lines(dead()), [`${orphanKey} data NOT_FOUND`]);
    assert.deepEqual(nr.errors(), []);
  });

  it('after a restart repeats nothing and delivers what changed while Node-RED was down', async () => {
    const us = run.sb.netsuite;
    const acmeOpp = String(sfRecord('Opportunity', 'opp:ACME-ERP-2026')['Id']);
    const before = collections();
    await nr.stop();
    await invoice(us, 'acct:ACME', acmeOpp, 500);
    const polls = suiteqlCalls(us);
    nr = await NodeRedProcess.start({ userDir: run.nr.userDir, env: run.env });
    await waitFor('the invoice made while Node-RED was down', () => sfRecord('Opportunity', 'opp:ACME-ERP-2026')['Amount_Invoiced__c'] === 26825);
    // Let the triggers poll again after that: still nothing is sent twice.
    assert.equal((await nr.request('POST', '/inject/t2.poll')).status, 200);
    await waitFor('another poll', () => suiteqlCalls(us) >= polls + 3);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(collections() - before, 1, 'one Collections call: the new invoice alone');
    assert.equal(sfRecord('Account', 'acct:ACME')['Open_Balance__c'], 26325 - 151 + 500);
    assert.equal(lines(dead()).length, 1, 'no dead letter again');
    assert.deepEqual(nr.errors(), []);
  });
});
