// Template 5 (resource demand) deployed as `npm start` deploys it, against the sandboxes: an opportunity's
// resource needs become PSA resource requests and follow the opportunity as it changes — a new need a new
// request, a changed need its request updated, a removed need its request cancelled (and opened again when asked
// again), a lost opportunity all of them cancelled with its planned project — on Kantata as shipped, and on
// Certinia PSA with the other landscape; an unchanged edit writes nothing; nothing is ever created twice.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KantataClient } from '../../nodes/kantata/client/index.js';
import { SalesforceClient } from '../../nodes/salesforce/client/client.js';
import { withEnvCredentials } from '../../scripts/templates.js';
import type { FlowNode } from '../support/node-red-process.js';
import { runTemplates, type TemplateRun } from '../support/templates.js';
import { waitFor } from './template-1-deals.js';

const FILE = '05-resource-demand.json';

interface Need {
  role: string;
  hours: number;
  startDate?: string;
  endDate?: string;
}

describe('template 5: resource demand', function () {
  this.timeout(300_000);
  let run: TemplateRun;
  let sf: SalesforceClient;

  before(async () => {
    run = await runTemplates([FILE]);
    sf = new SalesforceClient({ loginUrl: run.sb.salesforce.url, auth: { type: 'client-credentials', clientId: run.sb.salesforce.demo.clientId, clientSecret: run.sb.salesforce.demo.clientSecret } });
    await triggerStarted();
  });
  after(async () => {
    await run?.close();
  });

  const queries = () => run.sb.salesforce.server.getJournal({ path: '/query' }).map((e) => new URLSearchParams(e.query).get('q') ?? '');
  const triggerStarted = () => waitFor('the trigger to start', () => queries().some((q) => q.includes('FROM Opportunity ORDER BY SystemModstamp DESC')));
  const pollNow = () => run.nr.request('POST', '/inject/t5.pollNow');

  /** Adds a tab of test nodes to what is deployed (only the new nodes start). */
  async function addTestNodes(nodes: FlowNode[]): Promise<void> {
    const current = await run.nr.request('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' });
    const flows = (current.body as { flows: FlowNode[] }).flows.filter((n) => !nodes.some((m) => m.id === n.id));
    await run.nr.deploy(withEnvCredentials([...flows, ...nodes], run.env), 'nodes');
  }

  /** An opportunity of the GLOBEX account with these needs; answers its Id. */
  async function opportunity(key: string, needs: Need[], extra: Record<string, unknown> = {}): Promise<string> {
    const r = await sf.upsert('Opportunity', 'Syncwright_Key__c', `opp:${key}`, {
      Name: `${key} programme`,
      Account: { Syncwright_Key__c: 'acct:GLOBEX' },
      StageName: 'Proposal/Price Quote',
      CloseDate: '2026-05-31',
      Amount: 250000,
      CurrencyIsoCode: 'GBP',
      Service_Line__c: 'Implementation',
      Legal_Entity__c: 'UK01',
      Contract_Start_Date__c: '2026-06-01',
      Contract_End_Date__c: '2026-12-31',
      Resource_Needs__c: JSON.stringify(needs),
      ...extra,
    });
    return r.id;
  }

  describe('on Kantata', () => {
    const kt = () => run.sb.kantata;
    /** The requests on the project's workspace: role, Kantata status, by business key. */
    const requests = (key: string): Record<string, { role: unknown; status: unknown }> => {
      const ws = kt().recordsForBusinessKey('workspaces', `proj:${key}`)[0];
      if (ws === undefined) return {};
      const out: Record<string, { role: unknown; status: unknown }> = {};
      for (const ref of kt().records('external_references').filter((r) => r['subject_type'] === 'WorkspaceResource' && r['service_name'] === 'syncwright')) {
        const resource = kt().records('workspace_resources').find((r) => String(r['id']) === String(ref['subject_id']));
        if (resource === undefined || String(resource['workspace_id']) !== String(ws['id'])) continue;
        const request = kt().records('resource_requests').find((r) => String(r['resource_id']) === String(resource['id']));
        out[String(ref['service_model_ref'])] = { role: resource['role_name'], status: request?.['status'] };
      }
      return out;
    };
    const writes = () => kt().server.getJournal().filter((e) => e.method !== 'GET').length;

    it('deploys with no unknown node types and no error', async () => {
      assert.ok(!run.nr.logs.some((l) => /unknown type|Waiting for missing types/i.test(l)), run.nr.logs.join('\n'));
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(run.nr.errors(), []);
    });

    it('creates a request per need, on a planned project', async () => {
      await opportunity('T5-ACME', [{ role: 'Developer', hours: 320 }, { role: 'Consultant', hours: 160, startDate: '2026-07-01', endDate: '2026-08-31' }, { role: 'Developer', hours: 80 }]);
      await pollNow();
      // A request is made after its workspace resource: wait until each of the three has one.
      const got = await waitFor('three requests', () => (Object.values(requests('T5-ACME')).filter((r) => r.status !== undefined).length === 3 ? requests('T5-ACME') : undefined), 30_000, () => run.nr.logs.slice(-20).join('\n'));
      assert.deepEqual(got, {
        'rr:T5-ACME:DEVELOPER': { role: 'Developer', status: 'pending' },
        'rr:T5-ACME:CONSULTANT': { role: 'Consultant', status: 'pending' },
        'rr:T5-ACME:DEVELOPER:2': { role: 'Developer', status: 'pending' },
      });
      const ws = kt().recordsForBusinessKey('workspaces', 'proj:T5-ACME');
      assert.equal(ws.length, 1);
      assert.equal((ws[0]?.['status'] as { key?: number } | undefined)?.key, 100, 'planned (Not Started)');
    });

    it('writes nothing for an edit that leaves the needs as they are', async () => {
      const before = writes();
      const id = String(run.sb.salesforce.findByExternalId('Opportunity', 'Syncwright_Key__c', 'opp:T5-ACME')[0]?.['Id']);
      await sf.update('Opportunity', id, { Description: 'talked to procurement' });
      const polls = queries().length;
      await pollNow();
      await waitFor('the poll', () => queries().length > polls);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(writes(), before);
    });

    it('cancels a removed need, adds a new one, keeps one staffing assigned, and opens a cancelled one asked again', async () => {
      const id = String(run.sb.salesforce.findByExternalId('Opportunity', 'Syncwright_Key__c', 'opp:T5-ACME')[0]?.['Id']);
      // Staffing approves the Consultant request in Kantata meanwhile.
      const consultant = kt().recordsForBusinessKey('workspace_resources', 'rr:T5-ACME:CONSULTANT')[0];
      const request = kt().records('resource_requests').find((r) => String(r['resource_id']) === String(consultant?.['id']));
      const token = run.env['KANTATA_TOKEN'];
      const res = await fetch(`${run.env['KANTATA_BASE_URL']}/resource_requests/${String(request?.['id'])}.json`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ resource_request: { status: 'approved' } }) });
      assert.equal(res.status, 200, await res.text());

      await sf.update('Opportunity', id, { Resource_Needs__c: JSON.stringify([{ role: 'Developer', hours: 400 }, { role: 'Consultant', hours: 160 }, { role: 'Project Manager', hours: 100 }]) });
      await pollNow();
      await waitFor('the changes', () => requests('T5-ACME')['rr:T5-ACME:DEVELOPER:2']?.status === 'canceled' && requests('T5-ACME')['rr:T5-ACME:PROJECT-MANAGER']?.status !== undefined, 30_000);
      assert.deepEqual(requests('T5-ACME'), {
        'rr:T5-ACME:DEVELOPER': { role: 'Developer', status: 'pending' },
        'rr:T5-ACME:CONSULTANT': { role: 'Consultant', status: 'approved' },
        'rr:T5-ACME:DEVELOPER:2': { role: 'Developer', status: 'canceled' },
        'rr:T5-ACME:PROJECT-MANAGER': { role: 'Project Manager', status: 'pending' },
      });

      await sf.update('Opportunity', id, { Resource_Needs__c: JSON.stringify([{ role: 'Developer', hours: 400 }, { role: 'Developer', hours: 40 }, { role: 'Consultant', hours: 160 }, { role: 'Project Manager', hours: 100 }]) });
      await pollNow();
      await waitFor('the second developer asked again', () => requests('T5-ACME')['rr:T5-ACME:DEVELOPER:2']?.status === 'pending', 30_000);
      assert.deepEqual(kt().server.duplicates(), {});
      assert.equal(kt().records('workspace_resources').filter((r) => String(r['workspace_id']) === String(kt().recordsForBusinessKey('workspaces', 'proj:T5-ACME')[0]?.['id'])).length, 4);
    });

    it('cancels every request of a lost opportunity, then its planned project', async () => {
      const id = String(run.sb.salesforce.findByExternalId('Opportunity', 'Syncwright_Key__c', 'opp:T5-ACME')[0]?.['Id']);
      await sf.update('Opportunity', id, { StageName: 'Closed Lost' });
      await pollNow();
      await waitFor('every request cancelled', () => Object.values(requests('T5-ACME')).every((r) => r.status === 'canceled') || undefined, 30_000, () => JSON.stringify(requests('T5-ACME')));
      const ws = kt().recordsForBusinessKey('workspaces', 'proj:T5-ACME')[0];
      await waitFor('the project cancelled', () => (kt().recordsForBusinessKey('workspaces', 'proj:T5-ACME')[0]?.['status'] as { key?: number } | undefined)?.key === 501 || undefined);
      assert.equal(kt().recordsForBusinessKey('workspaces', 'proj:T5-ACME').length, 1);
      assert.ok(ws);
      assert.deepEqual(kt().server.duplicates(), {});
    });

    it('waits for the closed-won activation to make a won deal\'s project, then puts the requests on it (no second project)', async () => {
      const lookups = () => kt().server.getJournal({ path: 'external_references' }).filter((e) => decodeURIComponent(e.query).includes('proj:T5-WON')).length;
      await opportunity('T5-WON', [{ role: 'Consultant', hours: 80 }], { StageName: 'Closed Won' });
      await pollNow();
      // The delivery looks for the project, finds none, and waits (a transient failure, retried with backoff).
      await waitFor('a look for the project', () => lookups() > 0 || undefined, 30_000);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(kt().recordsForBusinessKey('workspaces', 'proj:T5-WON').length, 0, 'template 5 made no project for a won deal');
      // The closed-won activation (template 1) makes the project meanwhile.
      const client = new KantataClient({ baseUrl: String(run.env['KANTATA_BASE_URL']), token: String(run.env['KANTATA_TOKEN']) });
      const made = await client.upsert('workspace', { businessKey: 'proj:T5-WON', fields: { title: 'T5-WON programme', currency: 'GBP' } });
      const statusBefore = JSON.stringify(kt().recordsForBusinessKey('workspaces', 'proj:T5-WON')[0]?.['status']);
      const got = await waitFor('the request on the activation\'s project', () => (requests('T5-WON')['rr:T5-WON:CONSULTANT']?.status !== undefined ? requests('T5-WON') : undefined), 60_000, () => run.nr.logs.slice(-20).join('\n'));
      assert.deepEqual(got, { 'rr:T5-WON:CONSULTANT': { role: 'Consultant', status: 'pending' } });
      const ws = kt().recordsForBusinessKey('workspaces', 'proj:T5-WON');
      assert.deepEqual(ws.map((w) => String(w['id'])), [made.id], 'one project: the activation\'s');
      assert.equal(JSON.stringify(ws[0]?.['status']), statusBefore, 'its status left as the activation set it');
      assert.deepEqual(kt().server.duplicates(), {});
    });

    it('dead-letters a need for a role Kantata does not have, alone, naming the field', async () => {
      const file = join(run.nr.userDir, 't5-dead.log');
      await addTestNodes([
        { id: 'it5.tab', type: 'tab', label: 'test: template 5 dead letters' },
        { id: 'it5.dlq', type: 'syncwright-dead-letter', z: 'it5.tab', name: '', queue: 'resource-demand', errorClass: '', x: 120, y: 60, wires: [['it5.line']] },
        { id: 'it5.line', type: 'change', z: 'it5.tab', name: '', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '$string(payload.businessKey) & " " & payload.error.class & " " & payload.error.code & " " & payload.error.message', tot: 'jsonata' }], action: '', property: '', from: '', to: '', reg: false, x: 300, y: 60, wires: [['it5.file']] },
        { id: 'it5.file', type: 'file', z: 'it5.tab', name: '', filename: file, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', x: 480, y: 60, wires: [[]] },
      ]);
      await triggerStarted();
      await opportunity('T5-ASTRO', [{ role: 'Astronaut', hours: 10 }]);
      await opportunity('T5-FINE', [{ role: 'Developer', hours: 10 }]);
      await pollNow();
      await waitFor('the fine one', () => requests('T5-FINE')['rr:T5-FINE:DEVELOPER'], 30_000);
      const line = await waitFor('the dead letter', () => (existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined), 30_000);
      assert.match(line, /^opp:T5-ASTRO data INVALID_PAYLOAD payload\.role is "Astronaut", which is not a Kantata role/);
      assert.deepEqual(requests('T5-ASTRO'), {});
    });
  });

  describe('on Certinia PSA (the other landscape)', () => {
    before(async () => {
      // What a user does to move template 5 to Certinia: choose the other landscape in its psa nodes.
      const current = await run.nr.request('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' });
      const flows = (current.body as { flows: FlowNode[] }).flows.map((n) => (n.type === 'syncwright-psa' && n['z'] === 't5' ? { ...n, landscape: 'sw.landscape.q2c-certinia' } : n));
      await run.nr.deploy(withEnvCredentials(flows, run.env), 'full');
      await triggerStarted();
    });
    const rr = (key: string) => run.sb.salesforce.findByExternalId('pse__Resource_Request__c', 'Syncwright_Key__c', key)[0];

    it('creates, updates and cancels pse__Resource_Request__c records as the opportunity changes', async () => {
      const id = await opportunity('T5-CERT', [{ role: 'Architect', hours: 120 }, { role: 'Analyst', hours: 60, startDate: '2026-06-15', endDate: '2026-07-31' }]);
      await pollNow();
      await waitFor('two requests', () => rr('rr:T5-CERT:ANALYST'), 30_000, () => run.nr.logs.slice(-20).join('\n'));
      const architect = rr('rr:T5-CERT:ARCHITECT');
      assert.deepEqual([architect?.['pse__Resource_Role__c'], architect?.['pse__SOW_Hours__c'], architect?.['pse__Status__c'], architect?.['pse__Opportunity__c']], ['Architect', 120, 'Ready to Staff', id]);
      assert.deepEqual([rr('rr:T5-CERT:ANALYST')?.['pse__Start_Date__c'], rr('rr:T5-CERT:ANALYST')?.['pse__End_Date__c']], ['2026-06-15', '2026-07-31']);
      const project = run.sb.salesforce.findByExternalId('pse__Proj__c', 'Syncwright_Key__c', 'proj:T5-CERT')[0];
      assert.deepEqual([project?.['pse__Stage__c'], architect?.['pse__Project__c']], ['Planned', project?.['Id']]);

      await sf.update('Opportunity', id, { Resource_Needs__c: JSON.stringify([{ role: 'Architect', hours: 200, startDate: '2026-06-01', endDate: '2026-10-31' }]) });
      await pollNow();
      await waitFor('the changes', () => rr('rr:T5-CERT:ANALYST')?.['pse__Status__c'] === 'Cancelled' || undefined, 30_000);
      assert.deepEqual([rr('rr:T5-CERT:ARCHITECT')?.['pse__SOW_Hours__c'], rr('rr:T5-CERT:ARCHITECT')?.['pse__End_Date__c']], [200, '2026-10-31']);

      await sf.update('Opportunity', id, { StageName: 'Closed Lost' });
      await pollNow();
      await waitFor('all cancelled', () => rr('rr:T5-CERT:ARCHITECT')?.['pse__Status__c'] === 'Cancelled' || undefined, 30_000);
      await waitFor('the project cancelled', () => run.sb.salesforce.findByExternalId('pse__Proj__c', 'Syncwright_Key__c', 'proj:T5-CERT')[0]?.['pse__Stage__c'] === 'Canceled' || undefined);
      assert.equal(run.sb.salesforce.records('pse__Resource_Request__c').filter((r) => String(r['Syncwright_Key__c']).startsWith('rr:T5-CERT:')).length, 2);
      assert.deepEqual(run.sb.salesforce.server.duplicates(), {});
    });
  });
});
