// Template 1b: the closed-won activation on the Certinia landscape — the same process (one subflow shared with
// template 1), the project a pse__Proj__c in the Salesforce org. Its trigger ships disabled (two enabled
// closed-won triggers would activate every opportunity into two PSAs): the endpoint activates as deployed; with
// the trigger enabled through the Admin API, a deal closed in Salesforce is activated, and a billing failure
// cancels the Certinia project again.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { toNetSuiteExternalId } from '../../canonical/mappings/index.js';
import { SalesforceClient } from '../../nodes/salesforce/client/client.js';
import { loadTemplates, withEnvCredentials } from '../../scripts/templates.js';
import type { FlowNode } from '../support/node-red-process.js';
import { runTemplates, type TemplateRun } from '../support/templates.js';
import { closeDeal, waitFor } from './template-1-deals.js';

const FILE = '01b-closed-won-activation-certinia.json';
const dir = resolve(__dirname, '../../../flows/templates');
const nodesOf = (file: string): FlowNode[] => JSON.parse(readFileSync(resolve(dir, file), 'utf8')) as FlowNode[];


describe('template 1b: closed-won activation with Certinia PSA', function () {
  this.timeout(300_000);

  it('is template 1 but for the landscape, the names of its queues and endpoint, and its disabled trigger', () => {
    const a = nodesOf('01-closed-won-activation.json');
    const b = nodesOf(FILE);
    // The process is one subflow, byte-identical in both files (deployed once when both are).
    const sub = (nodes: FlowNode[]) => nodes.filter((n) => n.id === 't1.process' || n['z'] === 't1.process').map((n) => JSON.stringify(n));
    assert.ok(sub(a).length > 30);
    assert.deepEqual(sub(b), sub(a));
    // The tab: the same nodes and wires, once t1b. reads t1. and the known differences are set aside.
    const tab = (nodes: FlowNode[], prefix: string) =>
      nodes
        .filter((n) => n.id.startsWith(prefix) && n.id !== 't1.process' && n['z'] !== 't1.process')
        .map((n) => {
          const text = JSON.stringify(n).replaceAll(`"${prefix}`, '"t1.').replaceAll(`"${prefix.slice(0, -1)}"`, '"t1"').replaceAll('sw.landscape.q2c-certinia', 'sw.landscape.q2c').replaceAll('closed-won-certinia', 'closed-won').replaceAll('Q2C · Certinia PSA', 'Q2C · Kantata PSA');
          const m = JSON.parse(text) as FlowNode;
          for (const k of ['info', 'label', 'd']) delete m[k];
          if (m.type === 'comment') delete m['name'];
          if (m.id === 't1.trigger') delete m['name'];
          return m;
        });
    const tabA = tab(a, 't1.');
    const tabB = tab(b, 't1b.');
    assert.deepEqual(tabB, tabA);
    const trigger = b.find((n) => n.id === 't1b.trigger');
    assert.equal(trigger?.['d'], true, 'the Certinia trigger is disabled');
    assert.equal(a.find((n) => n.id === 't1.trigger')?.['d'], undefined);
    // Both templates together deploy as one flow set (shared nodes identical).
    assert.doesNotThrow(() => loadTemplates([resolve(dir, '01-closed-won-activation.json'), resolve(dir, FILE)]));
  });

  describe('deployed', () => {
    let run: TemplateRun;
    let sf: SalesforceClient;
    before(async () => {
      run = await runTemplates([FILE]);
      sf = new SalesforceClient({ loginUrl: run.sb.salesforce.url, auth: { type: 'client-credentials', clientId: run.sb.salesforce.demo.clientId, clientSecret: run.sb.salesforce.demo.clientSecret } });
    });
    after(async () => {
      await run?.close();
    });
    const opportunity = (key: string) => run.sb.salesforce.findByExternalId('Opportunity', 'Syncwright_Key__c', key)[0] ?? {};
    const status = (key: string) => opportunity(key)['Sync_Status__c'] as string | undefined;
    const settled = (key: string) => waitFor(`${key} to be settled`, () => (['Completed', 'Compensated', 'Needs Remediation'].includes(status(key) ?? '') ? status(key) : undefined), 90_000, () => JSON.stringify(opportunity(key)));
    const certiniaProject = (key: string) => run.sb.salesforce.findByExternalId('pse__Proj__c', 'Syncwright_Key__c', key)[0];

    it('deploys with no unknown node types and no error', async () => {
      assert.ok(!run.nr.logs.some((l) => /unknown type|Waiting for missing types/i.test(l)), run.nr.logs.join('\n'));
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(run.nr.errors(), []);
    });

    it('activates through its endpoint into Certinia PSA, and its disabled trigger starts nothing', async () => {
      const account = await sf.upsert('Account', 'Syncwright_Key__c', 'acct:T1B-API', { Name: 'T1B Api Ltd', Legal_Entity__c: 'UK01', CurrencyIsoCode: 'GBP', BillingCountry: 'GB' });
      const opp = await sf.upsert('Opportunity', 'Syncwright_Key__c', 'opp:T1B-API', { Name: 'T1B Api rollout', AccountId: account.id, StageName: 'Closed Won', CloseDate: '2026-03-31', Amount: 80000, CurrencyIsoCode: 'GBP' });
      const res = await run.nr.request('POST', '/q2c/closed-won-certinia', {
        businessKey: 'opp:T1B-API', externalIds: { salesforce: opp.id }, name: 'T1B Api rollout', account: { businessKey: 'acct:T1B-API', externalIds: { salesforce: account.id } },
        stage: 'Closed Won', status: 'won', closeDate: '2026-03-31', amount: { amount: '80000.00', currency: 'GBP' }, currency: 'GBP', billingType: 'milestone', serviceLine: 'Implementation',
        legalEntity: { code: 'UK01' }, contractTerms: { startDate: '2026-04-01', endDate: '2026-06-30', billingFrequency: 'monthly' },
      });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(await settled('opp:T1B-API'), 'Completed', String(opportunity('opp:T1B-API')['Sync_Error__c']));
      const project = certiniaProject('proj:T1B-API');
      assert.ok(project, 'a pse__Proj__c');
      assert.deepEqual([project['pse__Opportunity__c'], project['pse__Account__c'], project['pse__Is_Active__c']], [opp.id, account.id, true]);
      assert.equal(opportunity('opp:T1B-API')['PSA_Project_Id__c'], project['Id']);
      // Monthly instalments from the start to the end date, in the UK account.
      const job = run.sb.netsuiteUk.records('job').find((j) => j['externalId'] === toNetSuiteExternalId('proj:T1B-API'));
      assert.ok(job);
      const tasks = run.sb.netsuiteUk.records('projectTask').filter((t) => String((t['company'] as { id?: string } | undefined)?.id) === String(job['id']));
      assert.deepEqual(tasks.map((t) => [t['finishByDate'], t['custevent_sw_milestone_amount']]), [['2026-05-01', 26666.66], ['2026-06-01', 26666.66], ['2026-06-30', 26666.68]]);
      assert.equal(job['custentity_sw_psa_project_id'], project['Id']);
      // The trigger is disabled: a deal closed in Salesforce stays as it is.
      await closeDeal(sf, { key: 'T1B-IGNORED' });
      await new Promise((r) => setTimeout(r, 1000));
      assert.ok(!status('opp:T1B-IGNORED'));
      assert.ok(!run.sb.salesforce.server.getJournal({ path: '/query' }).some((e) => (new URLSearchParams(e.query).get('q') ?? '').includes('IsWon = true')), 'the disabled trigger never polls');
    });

    it('with its trigger enabled, activates a deal closed in Salesforce, and cancels the Certinia project when billing fails', async () => {
      const current = await run.nr.request('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' });
      const flows = (current.body as { flows: FlowNode[] }).flows.map((n) => {
        if (n.id !== 't1b.trigger') return n;
        const { d: _disabled, ...enabled } = n;
        return enabled;
      });
      await run.nr.deploy(withEnvCredentials(flows, run.env), 'nodes');
      await waitFor('the trigger to start', () => run.sb.salesforce.server.getJournal({ path: '/query' }).some((e) => (new URLSearchParams(e.query).get('q') ?? '').includes('ORDER BY SystemModstamp DESC')));
      await closeDeal(sf, { key: 'T1B-WON', billing: 'Time and Materials', serviceLine: 'Advisory' });
      await run.nr.request('POST', '/inject/t1b.pollNow');
      assert.equal(await settled('opp:T1B-WON'), 'Completed', String(opportunity('opp:T1B-WON')['Sync_Error__c']));
      assert.equal(opportunity('opp:T1B-WON')['PSA_Project_Id__c'], certiniaProject('proj:T1B-WON')?.['Id']);

      run.sb.netsuite.server.addFault({ kind: 'status', status: 400, path: 'projectTask', method: 'PUT', count: 50 });
      try {
        await closeDeal(sf, { key: 'T1B-FAIL', billing: 'Fixed Fee' });
        await run.nr.request('POST', '/inject/t1b.pollNow');
        assert.equal(await settled('opp:T1B-FAIL'), 'Compensated', String(opportunity('opp:T1B-FAIL')['Sync_Error__c']));
      } finally {
        run.sb.netsuite.server.clearFaults();
      }
      const cancelled = certiniaProject('proj:T1B-FAIL');
      assert.deepEqual([cancelled?.['pse__Is_Active__c'], cancelled?.['pse__Stage__c']], [false, 'Canceled']);
      assert.deepEqual(run.sb.salesforce.server.duplicates(), {});
    });
  });
});
