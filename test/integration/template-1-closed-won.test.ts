// Template 1 (closed-won → customer, project and billing activation) deployed as `npm start` deploys it, against
// the sandboxes: an opportunity closed in Salesforce becomes a NetSuite customer, a Kantata project, an ERP project
// with billing milestones and a Completed Opportunity — once, however often the event comes; the CRM's endpoint
// answers 202 with the correlation id (400 with the errors for an invalid opportunity); UK01 deals land in the UK
// NetSuite account; a billing failure closes the Kantata project again and says Compensated; a deal the checks
// refuse creates nothing and says Needs Remediation with the reason; every outcome is a line for analytics.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toNetSuiteExternalId } from '../../canonical/mappings/index.js';
import { SalesforceClient } from '../../nodes/salesforce/client/client.js';
import type { NetSuiteSandbox } from '../../sandbox/netsuite/index.js';
import { runTemplates, type TemplateRun } from '../support/templates.js';
import { closeDeal, waitFor } from './template-1-deals.js';

const FILE = '01-closed-won-activation.json';


/** The canonical opportunity the CRM would post to the endpoint. */
function canonical(key: string, id: string): Record<string, unknown> {
  return {
    businessKey: `opp:${key}`,
    externalIds: { salesforce: id },
    name: `${key} rollout`,
    account: { businessKey: `acct:${key}` },
    stage: 'Closed Won',
    status: 'won',
    closeDate: '2026-03-31',
    amount: { amount: '120000.00', currency: 'USD' },
    currency: 'USD',
    billingType: 'milestone',
    serviceLine: 'Implementation',
    legalEntity: { code: 'US01' },
    contractTerms: { startDate: '2026-04-01', endDate: '2026-09-30', paymentTerms: { code: 'NET30', days: 30 } },
    lineItems: [],
  };
}

describe('template 1: closed-won → customer, project and billing activation', function () {
  this.timeout(300_000);
  let run: TemplateRun;
  let sf: SalesforceClient;

  before(async () => {
    run = await runTemplates([FILE]);
    sf = new SalesforceClient({ loginUrl: run.sb.salesforce.url, auth: { type: 'client-credentials', clientId: run.sb.salesforce.demo.clientId, clientSecret: run.sb.salesforce.demo.clientSecret } });
    // The trigger starts "from now": its first query asks Salesforce for the newest won opportunity.
    await waitFor('the trigger to start', () => run.sb.salesforce.server.getJournal({ path: '/query' }).some((e) => (new URLSearchParams(e.query).get('q') ?? '').includes('ORDER BY SystemModstamp DESC')));
  });
  after(async () => {
    await run?.close();
  });

  const opportunity = (key: string) => run.sb.salesforce.findByExternalId('Opportunity', 'Syncwright_Key__c', key)[0] ?? {};
  const status = (key: string) => opportunity(key)['Sync_Status__c'] as string | undefined;
  const settled = (key: string) => waitFor(`${key} to be settled`, () => (['Completed', 'Compensated', 'Needs Remediation'].includes(status(key) ?? '') ? status(key) : undefined), 90_000, () => JSON.stringify(opportunity(key)) + '\n' + run.nr.logs.slice(-30).join('\n'));
  const pollNow = () => run.nr.request('POST', '/inject/t1.pollNow');
  const nsRecord = (ns: NetSuiteSandbox, type: string, key: string) => ns.records(type).find((r) => r['externalId'] === toNetSuiteExternalId(key));
  const analytics = (): Array<Record<string, unknown>> => {
    const file = join(run.env['ANALYTICS_DIR'], 'q2c-closed-won.jsonl');
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
  };

  it('deploys with no unknown node types and no error', async () => {
    assert.ok(!run.nr.logs.some((l) => /unknown type|Waiting for missing types/i.test(l)), run.nr.logs.join('\n'));
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(run.nr.errors(), []);
  });

  it('activates an opportunity closed in Salesforce: customer, Kantata project, ERP project and milestones, Completed with the ids', async () => {
    const id = await closeDeal(sf, { key: 'T1-ACME' });
    await pollNow();
    assert.equal(await settled('opp:T1-ACME'), 'Completed', String(opportunity('opp:T1-ACME')['Sync_Error__c']));
    const o = opportunity('opp:T1-ACME');
    const customer = nsRecord(run.sb.netsuite, 'customer', 'acct:T1-ACME');
    assert.ok(customer, 'the customer is in NetSuite US01');
    assert.equal(o['NetSuite_Customer_Id__c'], String(customer['id']));
    const workspaces = run.sb.kantata.recordsForBusinessKey('workspaces', 'proj:T1-ACME');
    assert.equal(workspaces.length, 1);
    assert.equal(o['PSA_Project_Id__c'], String(workspaces[0]?.['id']));
    const job = nsRecord(run.sb.netsuite, 'job', 'proj:T1-ACME');
    assert.ok(job, 'the ERP project is in NetSuite US01');
    const tasks = run.sb.netsuite.records('projectTask').filter((t) => String((t['company'] as { id?: string } | undefined)?.id) === String(job['id']));
    assert.deepEqual(tasks.map((t) => t['custevent_sw_milestone_amount']), [120000]);
    assert.equal(o['Sync_Correlation_Id__c'] !== undefined, true);
    const line = await waitFor('the analytics line', () => analytics().find((e) => e['opportunity'] === 'opp:T1-ACME'));
    assert.deepEqual([line['outcome'], line['opportunityId'], line['legalEntity'], line['psa'], (line['ids'] as Record<string, unknown>)['customer']], ['completed', id, 'US01', 'kantata', String(customer['id'])]);
  });

  it('answers a repeat with the stored results and creates nothing twice (create counts)', async () => {
    const id = opportunity('opp:T1-ACME')['Id'] as string;
    const again = await run.nr.request('POST', '/q2c/closed-won', canonical('T1-ACME', id));
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const body = again.body as { duplicate: boolean; results: Record<string, { id?: string }> };
    assert.equal(body.duplicate, true);
    assert.equal(body.results['erp.customer']?.id, opportunity('opp:T1-ACME')['NetSuite_Customer_Id__c']);
    await new Promise((r) => setTimeout(r, 1000));
    const counts = run.sb.netsuite.server.getCreateCounts();
    assert.deepEqual([counts[`customer:${toNetSuiteExternalId('acct:T1-ACME')}`], counts[`job:${toNetSuiteExternalId('proj:T1-ACME')}`], counts[`projectTask:${toNetSuiteExternalId('ms:T1-ACME:I1')}`]], [1, 1, 1]);
    assert.deepEqual(run.sb.netsuite.server.duplicates(), {});
    assert.deepEqual(run.sb.kantata.server.duplicates(), {});
    assert.equal(analytics().filter((e) => e['opportunity'] === 'opp:T1-ACME').length, 1);
  });

  it('the endpoint answers 202 with the correlation id at once, and the activation completes under it', async () => {
    // The Opportunity stays open in Salesforce here, so only the endpoint activates it.
    const account = await sf.upsert('Account', 'Syncwright_Key__c', 'acct:T1-API', { Name: 'T1 Api Inc', Legal_Entity__c: 'US01', CurrencyIsoCode: 'USD', BillingCountry: 'US' });
    const opp = await sf.upsert('Opportunity', 'Syncwright_Key__c', 'opp:T1-API', { Name: 'T1 Api advisory', AccountId: account.id, StageName: 'Negotiation/Review', CloseDate: '2026-03-31', Amount: 45000, CurrencyIsoCode: 'USD' });
    const res = await run.nr.request('POST', '/q2c/closed-won', { ...canonical('T1-API', opp.id), billingType: 'time-and-materials', serviceLine: 'Advisory', amount: { amount: '45000.00', currency: 'USD' } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const { correlationId } = res.body as { correlationId: string };
    assert.match(correlationId, /\S+/);
    assert.equal(await settled('opp:T1-API'), 'Completed', String(opportunity('opp:T1-API')['Sync_Error__c']));
    assert.equal(opportunity('opp:T1-API')['Sync_Correlation_Id__c'], correlationId);
    // Time and materials: the ERP project, no milestones.
    const job = nsRecord(run.sb.netsuite, 'job', 'proj:T1-API');
    assert.ok(job);
    assert.equal(run.sb.netsuite.records('projectTask').filter((t) => String((t['company'] as { id?: string } | undefined)?.id) === String(job['id'])).length, 0);
  });

  it('the endpoint answers 400 with the errors of an invalid opportunity, and starts nothing', async () => {
    const bad = await run.nr.request('POST', '/q2c/closed-won', { ...canonical('T1-BAD', '006000000000999AAA'), name: ' ', closeDate: '2026-02-30', amount: { amount: 1200.5, currency: 'USD' } });
    assert.equal(bad.status, 400);
    const errors = (bad.body as { errors: Array<{ path: string; message: string }> }).errors;
    assert.deepEqual(errors.map((e) => e.path).sort(), ['amount.amount', 'closeDate', 'name']);
    const open = await run.nr.request('POST', '/q2c/closed-won', { ...canonical('T1-OPEN', '006000000000998AAA'), stage: 'Qualification', status: 'open', externalIds: {} });
    assert.equal(open.status, 400);
    assert.deepEqual((open.body as { errors: Array<{ path: string }> }).errors.map((e) => e.path), ['externalIds.salesforce', 'status']);
    assert.equal(run.sb.netsuite.records('customer').some((c) => c['externalId'] === toNetSuiteExternalId('acct:T1-BAD')), false);
  });

  it('activates a UK01 deal in the UK NetSuite account, its customer under the parent account created first', async () => {
    const parent = await sf.upsert('Account', 'Syncwright_Key__c', 'acct:T1-HOLDING', { Name: 'T1 Holding plc', Legal_Entity__c: 'UK01', CurrencyIsoCode: 'GBP', BillingCountry: 'GB', Tax_Id__c: 'GB123456789' });
    await closeDeal(sf, { key: 'T1-GLOBEX', entity: 'UK01', billing: 'Fixed Fee', account: { ParentId: parent.id, Tax_Id__c: 'GB987654321' }, lines: [
      { Line_Number__c: 1, Quantity: 1, UnitPrice: 30000, Description: 'Discovery', ServiceDate: '2026-04-01', End_Date__c: '2026-05-15', Billing_Type__c: 'Fixed Fee' },
      { Line_Number__c: 2, Quantity: 1, UnitPrice: 50000, Description: 'Build', ServiceDate: '2026-05-16', End_Date__c: '2026-09-30', Billing_Type__c: 'Fixed Fee' },
      { Line_Number__c: 3, Quantity: 40, UnitPrice: 150, Description: 'Support hours', Billing_Type__c: 'Time and Materials' },
    ] });
    await pollNow();
    assert.equal(await settled('opp:T1-GLOBEX'), 'Completed', String(opportunity('opp:T1-GLOBEX')['Sync_Error__c']));
    const uk = run.sb.netsuiteUk;
    const holding = nsRecord(uk, 'customer', 'acct:T1-HOLDING');
    const customer = nsRecord(uk, 'customer', 'acct:T1-GLOBEX');
    assert.ok(holding && customer, 'parent and customer are in the UK account');
    assert.equal(String((customer['parent'] as { id?: string } | undefined)?.id), String(holding['id']));
    assert.equal(customer['vatRegNumber'], 'GB987654321');
    assert.equal(nsRecord(run.sb.netsuite, 'customer', 'acct:T1-GLOBEX'), undefined, 'nothing in the US account');
    const job = nsRecord(uk, 'job', 'proj:T1-GLOBEX');
    assert.ok(job);
    const tasks = uk.records('projectTask').filter((t) => String((t['company'] as { id?: string } | undefined)?.id) === String(job['id']));
    assert.deepEqual(tasks.map((t) => [t['title'], t['custevent_sw_milestone_amount'], t['finishByDate']]), [['Discovery', 30000, '2026-05-15'], ['Build', 50000, '2026-09-30']]);
    assert.equal(opportunity('opp:T1-GLOBEX')['NetSuite_Customer_Id__c'], String(customer['id']));
  });

  it('when billing cannot be set up, closes the Kantata project and the ERP project again, and says Compensated', async () => {
    run.sb.netsuite.server.addFault({ kind: 'status', status: 400, path: 'projectTask', method: 'PUT', count: 50 });
    try {
      await closeDeal(sf, { key: 'T1-FAIL', billing: 'Fixed Fee', amount: 90000 });
      await pollNow();
      assert.equal(await settled('opp:T1-FAIL'), 'Compensated', String(opportunity('opp:T1-FAIL')['Sync_Error__c']));
    } catch (err) {
      const sagas = await run.nr.request('GET', '/syncwright/sagas?name=closed-won&limit=3');
      console.log(JSON.stringify(sagas.body, null, 1).slice(0, 6000));
      throw err;
    } finally {
      run.sb.netsuite.server.clearFaults();
    }
    const o = opportunity('opp:T1-FAIL');
    assert.match(String(o['Sync_Error__c']), /^erp billing: /);
    const workspace = run.sb.kantata.recordsForBusinessKey('workspaces', 'proj:T1-FAIL')[0];
    assert.equal(workspace?.['archived'], true, 'the Kantata project is archived');
    const job = nsRecord(run.sb.netsuite, 'job', 'proj:T1-FAIL');
    assert.equal(String((job?.['entityStatus'] as { id?: string } | undefined)?.id), '1', 'the ERP project is closed');
    assert.ok(nsRecord(run.sb.netsuite, 'customer', 'acct:T1-FAIL'), 'the customer stays: master data');
    const line = await waitFor('the analytics line', () => analytics().find((e) => e['opportunity'] === 'opp:T1-FAIL'));
    assert.deepEqual([line['outcome'], (line['failure'] as Record<string, unknown>)['step']], ['compensated', 'erp billing']);
  });

  it('a deal the checks refuse (service line, contract end, tax id, payment terms) creates nothing and says Needs Remediation with every reason', async () => {
    await closeDeal(sf, { key: 'T1-CHECKS', serviceLine: 'Underwater Basket Weaving', account: { Tax_Exempt__c: true, Payment_Terms__c: 'Net 45' } });
    const id = opportunity('opp:T1-CHECKS')['Id'] as string;
    await sf.update('Opportunity', id, { Contract_End_Date__c: null });
    await pollNow();
    assert.equal(await settled('opp:T1-CHECKS'), 'Needs Remediation');
    const error = String(opportunity('opp:T1-CHECKS')['Sync_Error__c']);
    assert.match(error, /^Checks failed, nothing was created: /);
    assert.match(error, /serviceLine is "Underwater Basket Weaving", not a service line the firm delivers/);
    assert.match(error, /contractTerms\.endDate is missing/);
    assert.match(error, /account\.tax\.taxId is missing: a tax-exempt customer/);
    assert.match(error, /account\.paymentTerms\.code is "Net 45", not one of the ERP's payment terms \(NET15, NET30, NET60, DUE\)/);
    assert.equal(nsRecord(run.sb.netsuite, 'customer', 'acct:T1-CHECKS'), undefined);
    assert.deepEqual(run.sb.kantata.recordsForBusinessKey('workspaces', 'proj:T1-CHECKS'), []);
    const line = await waitFor('the analytics line', () => analytics().find((e) => e['opportunity'] === 'opp:T1-CHECKS'));
    assert.equal(line['outcome'], 'needs-remediation');
  });

  it('re-runs an opportunity read fresh from the CRM (the operator inject, as shipped: the seeded Acme ERP deal, its "Net 30" the ERP\'s NET30)', async () => {
    assert.equal(status('opp:ACME-ERP-2026'), 'Pending');
    await run.nr.request('POST', '/inject/t1.rerun');
    assert.equal(await settled('opp:ACME-ERP-2026'), 'Completed', String(opportunity('opp:ACME-ERP-2026')['Sync_Error__c']));
    const job = nsRecord(run.sb.netsuite, 'job', 'proj:ACME-ERP-2026');
    assert.ok(job);
    const tasks = run.sb.netsuite.records('projectTask').filter((t) => String((t['company'] as { id?: string } | undefined)?.id) === String(job['id']));
    assert.deepEqual(tasks.map((t) => [t['title'], t['custevent_sw_milestone_amount']]), [['Solution architecture', 24000], ['Implementation consulting', 60000], ['Project management', 14000]]);
  });

  it('refuses a parent account of another subsidiary, and a contract that ends before it starts, naming the field', async () => {
    const parent = await sf.upsert('Account', 'Syncwright_Key__c', 'acct:T1-US-PARENT', { Name: 'T1 US Parent Inc', Legal_Entity__c: 'US01', CurrencyIsoCode: 'USD', BillingCountry: 'US' });
    await closeDeal(sf, { key: 'T1-CROSS', entity: 'UK01', account: { ParentId: parent.id } });
    await closeDeal(sf, { key: 'T1-DATES', start: '2026-09-30', end: '2026-04-01' });
    await pollNow();
    assert.equal(await settled('opp:T1-CROSS'), 'Needs Remediation');
    assert.match(String(opportunity('opp:T1-CROSS')['Sync_Error__c']), /account\.parent\.legalEntity is US01, but the opportunity is booked on UK01/);
    assert.equal(await settled('opp:T1-DATES'), 'Needs Remediation');
    assert.match(String(opportunity('opp:T1-DATES')['Sync_Error__c']), /^Not activated: .*Contract_End_Date__c|contractTerms\.endDate/);
    assert.equal(nsRecord(run.sb.netsuiteUk, 'customer', 'acct:T1-CROSS'), undefined);
  });
});
