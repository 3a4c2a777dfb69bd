// Template 3 (timesheets and expenses → CRM and analytics) deployed as `npm start` deploys it, against the
// sandboxes: approved Kantata time and NetSuite expenses (US01 and UK01) give each project's hours, cost and margin
// on its Opportunity and in the analytics lines; a run with nothing new writes nothing, a new entry adds itself
// once, and a project no Opportunity holds is dead-lettered alone.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toNetSuiteExternalId } from '../../canonical/mappings/index.js';
import { SalesforceClient } from '../../nodes/salesforce/client/client.js';
import type { KantataSandbox } from '../../sandbox/kantata/index.js';
import type { NetSuiteSandbox } from '../../sandbox/netsuite/index.js';
import type { FlowNode, NodeRedProcess } from '../support/node-red-process.js';
import { runTemplates, type TemplateRun } from '../support/templates.js';

const FILE = '03-timesheets-expenses.json';

async function waitFor(what: string, cond: () => boolean, ms = 60_000, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} ${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0) : []);

async function kantata(kt: KantataSandbox, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${kt.demo.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${kt.demo.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  assert.ok(res.status < 300, `POST ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

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

interface Line {
  project: string;
  hours: number;
  billableHours: number;
  billablePercent: number;
  cost: string;
  revenue: string;
  marginPercent: number;
  currency: string;
  timeEntries: number;
  expenses: number;
}

describe('template 3: timesheets and expenses → CRM and analytics', function () {
  this.timeout(300_000);
  let run: TemplateRun;
  let sf: SalesforceClient;
  const analyticsDir = mkdtempSync(join(tmpdir(), 'sw-analytics-'));
  const analytics = (): Line[] => lines(join(analyticsDir, 'delivery-rollups.jsonl')).map((l) => JSON.parse(l) as Line);
  const dead = () => join(run.nr.userDir, 't3-dead.log');

  before(async () => {
    run = await runTemplates([FILE], { ANALYTICS_DIR: analyticsDir });
    sf = new SalesforceClient({ loginUrl: run.sb.salesforce.url, auth: { type: 'client-credentials', clientId: run.sb.salesforce.demo.clientId, clientSecret: run.sb.salesforce.demo.clientSecret } });
  });
  after(async () => {
    await run?.close();
    rmSync(analyticsDir, { recursive: true, force: true });
  });

  const opp = (key: string) => run.sb.salesforce.findByExternalId('Opportunity', 'Syncwright_Key__c', key)[0] ?? {};
  const collections = () => run.sb.salesforce.server.getJournal({ path: '/composite/sobjects$', method: 'PATCH' }).length;
  const timeReads = () => run.sb.kantata.server.getJournal({ path: 'time_entries' }).length;
  const inject = async () => assert.equal((await run.nr.request('POST', '/inject/t3.every')).status, 200);
  let alpha = '';
  let beta = '';
  let orphan = '';

  /** Approved time entries in a workspace (minutes, billable, bill and cost rates in cents). */
  const approvedTime = async (workspace: string, entries: Array<[number, boolean, number, number]>) => {
    const made = await kantata(run.sb.kantata, '/time_entries.json', { time_entries: entries.map(([minutes, billable, rate, cost]) => ({ workspace_id: workspace, date_performed: '2026-04-06', time_in_minutes: minutes, billable, rate_in_cents: rate, cost_rate_in_cents: cost })) });
    run.sb.kantata.approveTimeEntries((made['results'] as Array<{ id: string }>).map((r) => r.id));
  };
  const expense = (ns: NetSuiteSandbox, job: string, amount: number, billable: boolean, currency: string) =>
    netsuite(ns, 'POST', '/record/v1/expenseReport', { entity: { id: '5' }, tranDate: '2026-04-07', complete: true, supervisorApproval: true, accountingApproval: true, expense: { items: [{ category: { id: '1' }, amount, currency: { id: currency }, customer: { id: job }, isBillable: billable, expenseDate: '2026-04-07' }] } });

  it('deploys with no unknown node types and no error', async () => {
    assert.ok(!run.nr.logs.some((l) => /unknown type|Waiting for missing types/i.test(l)), run.nr.logs.join('\n'));
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(run.nr.errors(), []);
  });

  it('writes each project\'s hours, cost and margin to its Opportunity and to analytics, from Kantata time and NetSuite expenses', async () => {
    const { kantata: kt, netsuite: us, netsuiteUk: uk } = run.sb;
    await addTestNodes(run.nr, [
      { id: 'it3.tab', type: 'tab', label: 'test: template 3 dead letters' },
      { id: 'it3.dlq', type: 'syncwright-dead-letter', z: 'it3.tab', name: '', queue: 't3-delivery-metrics', errorClass: '', x: 120, y: 60, wires: [['it3.line']] },
      { id: 'it3.line', type: 'change', z: 'it3.tab', name: '', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '$string(payload.businessKey) & " " & payload.error.class & " " & payload.error.code', tot: 'jsonata' }], action: '', property: '', from: '', to: '', reg: false, x: 300, y: 60, wires: [['it3.file']] },
      { id: 'it3.file', type: 'file', z: 'it3.tab', name: '', filename: dead(), filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', x: 480, y: 60, wires: [] },
    ]);
    // Three Kantata projects: Alpha (US, an Opportunity in USD), Beta (UK, an Opportunity in GBP), and one no
    // Opportunity holds.
    const workspace = async (title: string, currency: string) => String(((await kantata(kt, '/workspaces.json', { workspace: { title, creator_role: 'maven', currency } }))['results'] as Array<{ id: string }>)[0]?.id);
    alpha = await workspace('Alpha rollout', 'USD');
    beta = await workspace('Beta data platform', 'GBP');
    orphan = await workspace('Unlinked internal project', 'USD');
    await sf.update('Opportunity', String(opp('opp:ACME-ERP-2026')['Id']), { PSA_Project_Id__c: alpha });
    const globex = String(run.sb.salesforce.findByExternalId('Account', 'Syncwright_Key__c', 'acct:GLOBEX')[0]?.['Id']);
    await sf.create('Opportunity', { Name: 'Beta data platform', AccountId: globex, StageName: 'Closed Won', CloseDate: '2026-03-01', CurrencyIsoCode: 'GBP', Syncwright_Key__c: 'opp:GLOBEX-BETA-2026', PSA_Project_Id__c: beta });
    // Time: Alpha 8 h billable (150/90) and 2 h not billable; Beta 4 h (120/70 GBP); the orphan 1 h.
    await approvedTime(alpha, [[480, true, 15000, 9000], [120, false, 15000, 9000]]);
    await approvedTime(beta, [[240, true, 12000, 7000]]);
    await approvedTime(orphan, [[60, true, 10000, 5000]]);
    // Expenses: the NetSuite jobs hold the Kantata workspace ids; Alpha in US01 (240 billable, 60 not), Beta in UK01
    // (80 GBP billable); one not approved.
    const job = (ns: NetSuiteSandbox, key: string, psa: string, parent: string) => netsuite(ns, 'PUT', `/record/v1/job/eid:${toNetSuiteExternalId(key)}`, { companyName: key, parent: { id: parent }, custentity_sw_psa_project_id: psa });
    const alphaJob = await job(us, 'proj:ALPHA', alpha, '200');
    const betaJob = await job(uk, 'proj:BETA', beta, '201');
    await expense(us, alphaJob, 240, true, '1');
    await expense(us, alphaJob, 60, false, '1');
    await expense(uk, betaJob, 80, true, '2');
    await netsuite(us, 'POST', '/record/v1/expenseReport', { entity: { id: '5' }, complete: true, expense: { items: [{ category: { id: '1' }, amount: 999, currency: { id: '1' }, customer: { id: alphaJob } }] } });

    await inject();
    await waitFor('the figures on both opportunities', () => opp('opp:ACME-ERP-2026')['Actual_Hours__c'] === 10 && opp('opp:GLOBEX-BETA-2026')['Actual_Hours__c'] === 4 && lines(dead()).length >= 1, 60_000, () => JSON.stringify({ alpha: opp('opp:ACME-ERP-2026'), dead: lines(dead()), analytics: analytics(), logs: run.nr.logs.slice(-15) }));
    await new Promise((r) => setTimeout(r, 1000));

    // Alpha: cost 8×90 + 2×90 + 240 + 60 = 1,200; revenue 8×150 + 240 = 1,440; margin 240 / 1,440.
    const a = opp('opp:ACME-ERP-2026');
    assert.deepEqual([a['Actual_Hours__c'], a['Actual_Cost__c'], a['Margin_Percent__c']], [10, 1200, 16.67]);
    // Beta (GBP, the UK01 account's expense): cost 4×70 + 80 = 360; revenue 4×120 + 80 = 560.
    const b = opp('opp:GLOBEX-BETA-2026');
    assert.deepEqual([b['Actual_Hours__c'], b['Actual_Cost__c'], b['Margin_Percent__c']], [4, 360, 35.71]);
    const lineOf = (ws: string) => analytics().filter((l) => l.project === `kantata:${ws}`);
    assert.deepEqual(lineOf(alpha).map((l) => [l.hours, l.billableHours, l.billablePercent, l.cost, l.revenue, l.marginPercent, l.currency, l.timeEntries, l.expenses]), [[10, 8, 80, '1200.00', '1440.00', 16.67, 'USD', 2, 2]]);
    assert.deepEqual(lineOf(beta).map((l) => [l.hours, l.cost, l.revenue, l.currency, l.expenses]), [[4, '360.00', '560.00', 'GBP', 1]]);
    // The project no Opportunity holds is dead-lettered alone (the others of its batch were written).
    assert.deepEqual(lines(dead()).filter((l) => l.startsWith(`project:kantata:${orphan}`)), [`project:kantata:${orphan} data NOT_FOUND`]);
    assert.deepEqual(run.nr.errors(), []);
  });

  it('counts nothing twice: a run with nothing new writes nothing, a new entry adds itself once', async () => {
    const before = { calls: collections(), lines: analytics().length, dead: lines(dead()).length };
    const reads = timeReads();
    await inject();
    await waitFor('the second run to read', () => timeReads() > reads);
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual({ calls: collections(), lines: analytics().length, dead: lines(dead()).length }, before, 'no write to the CRM, no analytics line');
    assert.equal(opp('opp:ACME-ERP-2026')['Actual_Hours__c'], 10);

    // Alpha gets 3 more billable hours: 13 in all (not 10 + 13), Beta is not written again.
    await approvedTime(alpha, [[180, true, 15000, 9000]]);
    await inject();
    await waitFor('the new entry', () => opp('opp:ACME-ERP-2026')['Actual_Hours__c'] === 13);
    await new Promise((r) => setTimeout(r, 1000));
    const added = analytics().slice(before.lines);
    assert.deepEqual(added.map((l) => [l.project, l.hours, l.cost]), [[`kantata:${alpha}`, 13, '1470.00']]);
    assert.equal(opp('opp:ACME-ERP-2026')['Actual_Cost__c'], 1470);
    assert.equal(collections() - before.calls, 1);
    assert.deepEqual(run.nr.errors(), []);
  });
});
