// The closed-won saga of flows/basics/saga-closed-won.json in a real Node-RED process, its actions made by core
// http request nodes against the Salesforce, NetSuite and Kantata sandboxes (running in this process). Crash
// tests kill Node-RED with SIGKILL while an action or a compensation is in flight at a sandbox, let the sandbox
// apply it, restart Node-RED on the same user directory, and check what the sandboxes hold.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { toNetSuiteExternalId } from '../../canonical/mappings/external-id.js';
import { Engine } from '../../runtime-plugins/engine/engine.js';
import type { SandboxServer } from '../../sandbox/core/sandbox.js';
import { startAllSandboxes, type Sandboxes } from '../../sandbox/all.js';
import { NodeRedProcess, type FlowNode } from '../support/node-red-process.js';

const exampleFlow = JSON.parse(readFileSync(resolve(__dirname, '../../../flows/basics/saga-closed-won.json'), 'utf8')) as FlowNode[];

interface SagaView {
  id: string;
  state: string;
  deadLetterId: string | null;
  failure: { reason: string; step: string | null; error: { code: string } } | null;
  steps: Array<{ name: string; state: string; attempts: number; compensationAttempts: number; result: Record<string, unknown> | null; lastError: { code: string } | null }>;
  results: Record<string, unknown>;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The example flow, with retry delays short enough for a test. */
function testFlowFromExample(): FlowNode[] {
  return exampleFlow.map((n) => {
    if (n.type !== 'syncwright-saga-step') return { ...n };
    return { ...n, maximumRedeliveries: '1', redeliveryDelay: '0.05', compensationRedeliveries: '1', compensationDelay: '0.05', outcomeTimeout: '20' };
  });
}

describe('closed-won saga in a real Node-RED against the sandboxes', function () {
  this.timeout(240_000);
  let sb: Sandboxes;
  let env: Record<string, string>;
  let userDir: string;
  let nr: NodeRedProcess | undefined;
  let seq = 0;

  before(async () => {
    sb = await startAllSandboxes({}, true);
    env = {
      SW_SALESFORCE_URL: sb.salesforce.url,
      SW_SALESFORCE_TOKEN: sb.salesforce.issueToken().token,
      SW_NETSUITE_URL: sb.netsuite.restUrl,
      SW_NETSUITE_TOKEN: sb.netsuite.issueAccessToken(),
      SW_KANTATA_URL: sb.kantata.demo.baseUrl,
      SW_KANTATA_TOKEN: sb.kantata.demo.token,
    };
  });
  after(async () => {
    await sb.close();
  });
  beforeEach(async () => {
    userDir = mkdtempSync(join(tmpdir(), 'sw-saga-nr-'));
    for (const s of servers()) s.clearFaults();
    nr = await NodeRedProcess.start({ userDir, env });
    await nr.deploy(testFlowFromExample());
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && nr) console.log(nr.logs.slice(-60).join('\n'));
    await nr?.stop();
    nr = undefined;
    rmSync(userDir, { recursive: true, force: true });
  });

  function servers(): SandboxServer[] {
    return [sb.salesforce.server, sb.netsuite.server, sb.kantata.server];
  }

  function red(): NodeRedProcess {
    if (!nr) throw new Error('Node-RED is not running');
    return nr;
  }

  /** A closed-won opportunity in the CRM, and the event the flow receives for it. */
  async function closedWon(): Promise<{ key: string; accountKey: string; event: Record<string, unknown> }> {
    seq += 1;
    const key = `opp:SAGA-${process.pid}-${seq}`;
    const accountKey = `acct:SAGA-${process.pid}-${seq}`;
    const res = await fetch(`${sb.salesforce.apiBase()}/sobjects/Opportunity`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env['SW_SALESFORCE_TOKEN']}`, 'content-type': 'application/json' },
      body: JSON.stringify({ Name: `Saga test ${seq}`, StageName: 'Closed Won', CloseDate: '2026-01-15', Syncwright_Key__c: key, Sync_Status__c: 'Pending' }),
    });
    assert.equal(res.status, 201, await res.text());
    const event = { opportunityKey: key, name: `Saga test ${seq}`, accountKey, accountName: `Saga Customer ${seq}`, milestones: [{ name: 'Design signed off', amount: 40000 }, { name: 'Go-live', amount: 80000 }] };
    return { key, accountKey, event };
  }

  async function trigger(event: Record<string, unknown>): Promise<void> {
    const res = await red().request('POST', '/syncwright-demo/closed-won', event);
    assert.equal(res.status, 202, JSON.stringify(res.body));
  }

  async function sagaOf(key: string): Promise<SagaView | undefined> {
    const res = await red().request('GET', `/syncwright/sagas?businessKey=${encodeURIComponent(key)}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body as { sagas: SagaView[] }).sagas[0];
  }

  function sagaIn(key: string, state: string, ms = 30_000): Promise<SagaView> {
    return until(`saga of ${key} to be ${state}`, async () => {
      const s = await sagaOf(key);
      return s?.state === state ? s : undefined;
    }, ms);
  }

  const syncStatus = (key: string) => sb.salesforce.findByExternalId('Opportunity', 'Syncwright_Key__c', key)[0]?.['Sync_Status__c'];
  const workspaces = (key: string) => sb.kantata.recordsForBusinessKey('workspaces', key);
  const milestone = (key: string, n: number) => sb.netsuite.record('projectTask', `eid:${toNetSuiteExternalId(`${key}:m${n}`)}`);
  const nsProject = (key: string) => sb.netsuite.record('job', `eid:${toNetSuiteExternalId(key)}`);

  function assertCreatedOnce(key: string, accountKey: string): void {
    for (const s of servers()) assert.deepEqual(s.duplicates(), {}, `duplicates at ${s.vendor.name}`);
    assert.equal(sb.netsuite.createCount('customer', toNetSuiteExternalId(accountKey)), 1);
    assert.equal(sb.netsuite.createCount('job', toNetSuiteExternalId(key)), 1);
    assert.equal(sb.netsuite.createCount('projectTask', toNetSuiteExternalId(`${key}:m1`)), 1);
    assert.equal(sb.netsuite.createCount('projectTask', toNetSuiteExternalId(`${key}:m2`)), 1);
    assert.equal(sb.kantata.server.getCreateCounts()[`workspace:${key}`], 1);
  }

  function assertCompletedAtTheTargets(key: string, accountKey: string): void {
    assert.equal(syncStatus(key), 'Completed');
    const ws = workspaces(key);
    assert.equal(ws.length, 1);
    assert.equal(ws[0]?.['archived'], false);
    assert.ok(sb.netsuite.record('customer', `eid:${toNetSuiteExternalId(accountKey)}`));
    assert.ok(nsProject(key));
    assert.ok(milestone(key, 1) && milestone(key, 2));
    assertCreatedOnce(key, accountKey);
  }

  /** Holds the next matching request at its sandbox, kills Node-RED while it is held, lets the sandbox apply it, restarts Node-RED. */
  async function killWhileHeld(server: SandboxServer, match: { method: string; path: string }, start: () => Promise<void>): Promise<void> {
    const rule = server.addFault({ kind: 'latency', latencyMs: 1500, count: 1, ...match });
    await start();
    await until(`a ${match.method} ${match.path} to reach ${server.vendor.name}`, () => !server.listFaults().some((f) => f.id === rule.id));
    await red().kill9();
    await until(`${server.vendor.name} to finish the request`, () => server.getStats().inFlight === 0);
    nr = await NodeRedProcess.start({ userDir, env });
  }

  it('creates the customer, provisions the project, sets up billing and reports Completed to the CRM', async () => {
    const { key, accountKey, event } = await closedWon();
    await trigger(event);
    const saga = await sagaIn(key, 'completed');
    assert.deepEqual(saga.steps.map((s) => [s.name, s.state]), [['erp customer', 'done'], ['psa project', 'done'], ['billing milestones', 'done'], ['report to crm', 'done']]);
    const ws = workspaces(key)[0];
    assert.deepEqual(saga.steps[1]?.result, { 'kantata.workspace': { id: ws?.['id'] } });
    assert.equal((saga.results['netsuite.projectTasks'] as unknown[]).length, 2);
    assertCompletedAtTheTargets(key, accountKey);
    const opp = sb.salesforce.findByExternalId('Opportunity', 'Syncwright_Key__c', key)[0];
    assert.equal(opp?.['PSA_Project_Id__c'], ws?.['id']);
    assert.deepEqual(red().errors(), []);
  });

  it('undoes the project in Kantata and the half-made billing in NetSuite when billing setup fails, and tells the CRM', async () => {
    const { key, event } = await closedWon();
    sb.netsuite.server.addFault({ kind: 'status', status: 500, method: 'PUT', path: '/record/v1/projectTask/' });
    await trigger(event);
    const saga = await sagaIn(key, 'compensated');
    assert.equal(saga.failure?.step, 'billing milestones');
    assert.equal(saga.failure?.error.code, 'HTTP_500');
    assert.deepEqual(saga.steps.map((s) => [s.name, s.state]), [['erp customer', 'compensated'], ['psa project', 'compensated'], ['billing milestones', 'compensated']]);
    assert.equal(saga.steps[2]?.attempts, 2, 'tried twice (one retry)');
    const ws = workspaces(key);
    assert.equal(ws.length, 1);
    assert.equal(ws[0]?.['archived'], true, 'the project is archived in the PSA');
    assert.equal(nsProject(key), undefined, 'the NetSuite project the failed step made is gone');
    await until('the CRM to be told', () => syncStatus(key) === 'Compensated');
    for (const s of servers()) assert.deepEqual(s.duplicates(), {});
  });

  it('puts a saga whose compensation fails into the dead-letter queue with full context, notifies, and lets an operator finish it', async () => {
    const { key, event } = await closedWon();
    sb.netsuite.server.addFault({ kind: 'status', status: 500, method: 'PUT', path: '/record/v1/projectTask/' });
    const archive = sb.kantata.server.addFault({ kind: 'status', status: 500, method: 'PUT', path: '^/api/v1/workspaces/\\d+' });
    await trigger(event);
    const saga = await sagaIn(key, 'compensation-failed');
    assert.deepEqual(saga.steps.map((s) => [s.name, s.state]), [['erp customer', 'done'], ['psa project', 'compensation-failed'], ['billing milestones', 'compensated']]);
    assert.equal(saga.steps[1]?.lastError?.code, 'HTTP_500');
    await until('the notification to reach the CRM', () => syncStatus(key) === 'Needs Remediation');
    assert.equal(workspaces(key)[0]?.['archived'], false);

    // What an operator finds in the dead-letter queue (read from the store, Node-RED stopped).
    await red().stop();
    const engine = await Engine.open({ storeDir: join(userDir, 'syncwright', 'store') });
    try {
      const [dead] = await engine.deadLetters.list({ reason: 'compensation-failed' });
      assert.equal(dead?.id, saga.deadLetterId);
      assert.equal(dead?.queue, 'saga:closed-won');
      assert.equal(dead?.businessKey, key);
      assert.equal(dead?.error.code, 'HTTP_500');
      const ctx = (dead?.context as { saga: SagaView & { failure: { step: string } } }).saga;
      assert.equal(ctx.failure.step, 'billing milestones');
      assert.deepEqual(ctx.steps.map((s) => [s.name, s.state]), [['erp customer', 'done'], ['psa project', 'compensation-failed'], ['billing milestones', 'compensated']]);
      assert.deepEqual(ctx.steps[1]?.result, { 'kantata.workspace': { id: workspaces(key)[0]?.['id'] } }, 'which project to archive by hand');
      assert.equal((ctx.steps[0]?.result?.['netsuite.customer'] as { externalId: string }).externalId, toNetSuiteExternalId(event.accountKey as string));
      assert.equal((JSON.parse(dead?.message ?? '{}') as { payload: { opportunityKey: string } }).payload.opportunityKey, key, 'the original message');
    } finally {
      await engine.close();
    }

    // The operator fixes the cause and compensates again through the admin API.
    nr = await NodeRedProcess.start({ userDir, env });
    sb.kantata.server.removeFault(archive.id);
    const res = await red().request('POST', `/syncwright/sagas/${saga.id}/compensate`, { by: 'ops@example.com' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await sagaIn(key, 'compensated');
    assert.equal(workspaces(key)[0]?.['archived'], true);
    await until('the CRM to be told', () => syncStatus(key) === 'Compensated');
    const again = await red().request('POST', `/syncwright/sagas/${saga.id}/resume`, {});
    assert.equal(again.status, 409);
  });

  const steps = [
    { step: 'erp customer', sandbox: () => sb.netsuite.server, match: { method: 'PUT', path: '/record/v1/customer/' } },
    { step: 'psa project', sandbox: () => sb.kantata.server, match: { method: 'POST', path: '^/api/v1/workspaces' } },
    { step: 'billing milestones', sandbox: () => sb.netsuite.server, match: { method: 'PUT', path: '/record/v1/projectTask/' } },
    { step: 'report to crm', sandbox: () => sb.salesforce.server, match: { method: 'PATCH', path: '/sobjects/Opportunity/' } },
  ];
  for (const s of steps) {
    it(`completes once, with no duplicates, after a kill -9 while "${s.step}" is in flight`, async () => {
      const { key, accountKey, event } = await closedWon();
      await killWhileHeld(s.sandbox(), s.match, () => trigger(event));
      const saga = await sagaIn(key, 'completed');
      assert.equal(saga.steps.find((x) => x.name === s.step)?.attempts, 0, 'the resend after the restart is not a failure');
      assertCompletedAtTheTargets(key, accountKey);
    });
  }

  it('finishes a compensation that was in flight at a kill -9, with no duplicates', async () => {
    const { key, event } = await closedWon();
    sb.netsuite.server.addFault({ kind: 'status', status: 500, method: 'PUT', path: '/record/v1/projectTask/' });
    await killWhileHeld(sb.kantata.server, { method: 'PUT', path: '^/api/v1/workspaces/\\d+' }, () => trigger(event));
    const saga = await sagaIn(key, 'compensated');
    assert.deepEqual(saga.steps.map((x) => x.state), ['compensated', 'compensated', 'compensated']);
    assert.equal(saga.steps[1]?.compensationAttempts, 0, 'the compensation was sent again at the restart, not retried after a failure');
    assert.equal(workspaces(key)[0]?.['archived'], true);
    await until('the CRM to be told', () => syncStatus(key) === 'Compensated');
    assert.equal(sb.kantata.server.getCreateCounts()[`workspace:${key}`], 1);
    for (const sv of servers()) assert.deepEqual(sv.duplicates(), {});
  });
});
