// The role nodes (crm, erp, psa) and the system landscape in node-red-node-test-helper against the sandboxes:
// one process flow routed by two landscapes (Kantata vs Certinia PSA, the UK entity on a second NetSuite
// account), role keys in msg.sync.results, re-runs that create nothing twice, and misconfigured landscapes.
import assert from 'node:assert/strict';
import crmNode from '../../nodes/crm/crm.js';
import erpNode from '../../nodes/erp/erp.js';
import kantataConnectionNode from '../../nodes/kantata/kantata-connection.js';
import landscapeNode from '../../nodes/landscape/landscape.js';
import netsuiteConnectionNode from '../../nodes/netsuite/netsuite-connection.js';
import psaNode from '../../nodes/psa/psa.js';
import salesforceConnectionNode from '../../nodes/salesforce/salesforce-connection.js';
import { toNetSuiteExternalId } from '../../canonical/mappings/index.js';
import { useEngineStore } from '../support/engine.js';
import { testFlow, useHelper } from '../support/helper.js';
import { account, certiniaRules, connections, kantataRules, landscape, milestones, project, startSandboxes, type FlowNode, type Rule, type Sandboxes } from '../support/roles-fixtures.js';

type Msg = Record<string, unknown> & { payload?: unknown; sync?: Record<string, unknown>; results?: unknown[]; error?: { message: string } };

const nodes = [salesforceConnectionNode, netsuiteConnectionNode, kantataConnectionNode, landscapeNode, crmNode, erpNode, psaNode];

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('role nodes (crm, erp, psa) and the system landscape', function () {
  this.timeout(60_000);
  const helper = useHelper();
  useEngineStore();
  let s: Sandboxes;
  let got: Record<string, Msg[]>;

  before(async () => {
    s = await startSandboxes();
  });
  after(() => s.close());

  const base: FlowNode[] = [
    { id: 'f', type: 'tab' },
    { id: 'out', type: 'helper', z: 'f' },
    { id: 'catch', type: 'catch', z: 'f', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f' },
  ];

  function role(id: string, type: 'crm' | 'erp' | 'psa', capability: string, wires: string[] = ['out'], extra: Record<string, unknown> = {}): FlowNode {
    return { id, type: `syncwright-${type}`, z: 'f', name: '', landscape: 'land', capability, input: 'payload', inputType: 'msg', syncStatus: '', wires: [wires], ...extra };
  }

  async function load(rules: Rule[], flow: FlowNode[]): Promise<void> {
    const c = connections(s);
    await helper.load(nodes, testFlow([...base, ...c.nodes, landscape('land', 'Q2C', rules), ...flow]), c.credentials);
    got = {};
    for (const id of ['out', 'caught']) {
      const list: Msg[] = [];
      got[id] = list;
      helper.getNode(id).on('input', (m: Msg) => list.push(m));
    }
  }

  async function send(id: string, msg: Record<string, unknown>): Promise<Msg> {
    const before = { out: got['out']?.length ?? 0, caught: got['caught']?.length ?? 0 };
    helper.getNode(id).receive(msg);
    await until('an outcome', () => (got['out']?.length ?? 0) > before.out || (got['caught']?.length ?? 0) > before.caught);
    const caught = got['caught']?.[before.caught];
    if (caught) throw new Error(`failed: ${caught.error?.message ?? JSON.stringify(caught.sync?.['error'])}`);
    return got['out']?.[before.out];
  }

  async function fail(id: string, msg: Record<string, unknown>): Promise<Msg> {
    const before = { out: got['out']?.length ?? 0, caught: got['caught']?.length ?? 0 };
    helper.getNode(id).receive(msg);
    await until('a failure', () => (got['out']?.length ?? 0) > before.out || (got['caught']?.length ?? 0) > before.caught);
    const caught = got['caught']?.[before.caught];
    if (!caught) throw new Error(`expected a failure, got ${JSON.stringify(got['out']?.[before.out]?.payload)}`);
    return caught;
  }

  /** The node's last status (the helper's spy is shared by all nodes: its calls are told apart by `this`). */
  const statusOf = (id: string): { fill?: string; text?: string } => {
    const node = helper.getNode(id) as unknown as { status: { args?: unknown[][]; thisValues?: unknown[] } };
    const calls = (node.status.args ?? []).filter((_, i) => node.status.thisValues?.[i] === node);
    return (calls[calls.length - 1]?.[0] ?? {});
  };

  /** The process flow: customer → project → billing milestones → opportunity status, each step reading its own input. */
  const processFlow: FlowNode[] = [
    role('customer', 'erp', 'upsert-customer', ['project'], { input: 'account' }),
    role('project', 'psa', 'upsert-project', ['milestones'], { input: 'project' }),
    role('milestones', 'erp', 'create-billing-milestones', ['status'], { input: 'billing' }),
    role('status', 'crm', 'update-opportunity-status', ['out'], { input: 'status', syncStatus: 'Completed' }),
  ];

  function transaction(key: string, entity: 'US01' | 'UK01'): Record<string, unknown> {
    const currency = entity === 'UK01' ? 'GBP' : 'USD';
    return {
      sync: { correlationId: `corr-${key}`, businessKey: `opp:${key}`, occurredAt: '2026-03-02T10:00:00Z' },
      account: account(key, entity),
      project: project(key, key, currency, { opportunity: { businessKey: `opp:${key}` } }),
      billing: { project: project(key, key, currency, { legalEntity: { code: entity } }), milestones: milestones(key, currency) },
      status: { opportunity: { businessKey: `opp:${key}` } },
    };
  }

  async function opportunity(key: string, entity: 'US01' | 'UK01'): Promise<void> {
    const { SalesforceClient } = await import('../../nodes/salesforce/client/client.js');
    const client = new SalesforceClient({ loginUrl: s.sf.url, auth: { type: 'client-credentials', clientId: s.sf.demo.clientId, clientSecret: s.sf.demo.clientSecret } });
    // The CRM holds the account and the won opportunity the transaction starts from.
    await client.upsert('Account', 'Syncwright_Key__c', `acct:${key}`, { Name: `Customer ${key}`, Legal_Entity__c: entity, CurrencyIsoCode: entity === 'UK01' ? 'GBP' : 'USD' });
    await client.upsert('Opportunity', 'Syncwright_Key__c', `opp:${key}`, { Name: `Deal ${key}`, Account: { Syncwright_Key__c: `acct:${key}` }, StageName: 'Closed Won', CloseDate: '2026-03-02', Legal_Entity__c: entity, CurrencyIsoCode: entity === 'UK01' ? 'GBP' : 'USD' });
  }

  it('runs one process flow on Kantata and routes the UK entity to the second NetSuite account', async () => {
    await opportunity('RN-US-1', 'US01');
    await opportunity('RN-UK-1', 'UK01');
    await load(kantataRules, processFlow);
    const us = await send('customer', transaction('RN-US-1', 'US01'));
    const uk = await send('customer', transaction('RN-UK-1', 'UK01'));

    const usResults = us.sync?.['results'] as Record<string, Record<string, unknown>>;
    assert.deepEqual([usResults['erp.customer']?.['system'], usResults['erp.customer']?.['connection']], ['netsuite', 'nsUS']);
    assert.deepEqual([usResults['psa.project']?.['system'], usResults['psa.project']?.['connection']], ['kantata', 'kt']);
    assert.equal((usResults['erp.milestones']?.['ids'] as string[]).length, 2);
    assert.equal(usResults['crm.opportunityStatus']?.['status'], 'Completed');
    assert.ok(usResults['netsuite.customer'], 'the vendor layer key is written too');
    assert.equal(us.sync?.['legalEntity'], 'US01');

    const ukResults = uk.sync?.['results'] as Record<string, Record<string, unknown>>;
    assert.equal(ukResults['erp.customer']?.['connection'], 'nsUK');
    assert.equal(ukResults['erp.milestones']?.['connection'], 'nsUK', 'milestones follow the transaction to the UK account');

    // The records: US customer and tasks only in the US account, UK only in the UK account.
    const eid = (key: string) => `eid:${toNetSuiteExternalId(key)}`;
    assert.ok(s.nsUS.record('customer', eid('acct:RN-US-1')));
    assert.equal(s.nsUS.record('customer', eid('acct:RN-UK-1')), undefined);
    assert.ok(s.nsUK.record('customer', eid('acct:RN-UK-1')));
    assert.equal(s.nsUK.record('projectTask', eid('ms:RN-UK-1:GOLIVE'))?.values['custevent_sw_milestone_amount'], 60000);
    assert.equal(s.kt.recordsForBusinessKey('workspaces', 'proj:RN-US-1').length, 1);
    const opp = s.sf.findByExternalId('Opportunity', 'Syncwright_Key__c', 'opp:RN-UK-1')[0];
    assert.equal(opp?.['Sync_Status__c'], 'Completed');
    assert.equal(opp?.['Sync_Correlation_Id__c'], 'corr-RN-UK-1');
    assert.equal(opp?.['NetSuite_Customer_Id__c'], ukResults['erp.customer']?.['id']);
    assert.equal(opp?.['PSA_Project_Id__c'], ukResults['psa.project']?.['id']);
    assert.match(statusOf('customer').text ?? '', /netsuite NetSuite UK/);
  });

  it('runs the same process flow with Certinia as the PSA, and creates nothing twice when it runs again', async () => {
    await opportunity('RN-US-2', 'US01');
    await load(certiniaRules, processFlow);
    const first = await send('customer', transaction('RN-US-2', 'US01'));
    const again = await send('customer', transaction('RN-US-2', 'US01'));
    const r1 = first.sync?.['results'] as Record<string, Record<string, unknown>>;
    const r2 = again.sync?.['results'] as Record<string, Record<string, unknown>>;
    assert.deepEqual([r1['psa.project']?.['system'], r1['psa.project']?.['created']], ['certinia', true]);
    assert.equal(r2['psa.project']?.['created'], false);
    assert.equal(r2['psa.project']?.['id'], r1['psa.project']?.['id']);
    assert.deepEqual(r2['erp.milestones']?.['ids'], r1['erp.milestones']?.['ids']);
    assert.equal(s.sf.findByExternalId('pse__Proj__c', 'Syncwright_Key__c', 'proj:RN-US-2').length, 1);
    assert.equal(s.nsUS.createCount('customer', toNetSuiteExternalId('acct:RN-US-2')), 1);
    assert.equal(s.nsUS.createCount('projectTask', toNetSuiteExternalId('ms:RN-US-2:DESIGN')), 1);
    assert.deepEqual(s.nsUS.server.duplicates(), {});
    assert.deepEqual(s.sf.server.duplicates(), {});
    assert.equal(s.nsUS.createCount('job', toNetSuiteExternalId('proj:RN-US-2')), 1);
  });

  it('refuses a payload that is not the capability\'s object, naming the field', async () => {
    await load(kantataRules, [role('customer', 'erp', 'upsert-customer')]);
    const caught = await fail('customer', { payload: { businessKey: 'acct:X', name: '', legalEntity: { code: 'US01' } } });
    const error = caught.sync?.['error'] as Record<string, unknown>;
    assert.equal(error['class'], 'data');
    assert.deepEqual(error['fields'], ['payload.name']);
    assert.match(String(error['message']), /payload\.name must not be empty/);
  });

  it('checks a flow of many role nodes once the flows start, with one shared listener (no MaxListenersExceededWarning)', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w);
    };
    process.on('warning', onWarning);
    try {
      const many = Array.from({ length: 15 }, (_, i) => role(`c${i}`, 'crm', 'upsert-account'));
      await load([{ role: 'crm', connection: 'gone' }], many);
      // Every node hears of the misconfigured landscape once the flows have started.
      await until('every node checked', () => many.every((n) => statusOf(String(n['id'])).fill === 'red'));
      const red = (helper as unknown as { _RED: { events: NodeJS.EventEmitter } })._RED;
      assert.ok(red.events.listenerCount('flows:started') <= 3, `${red.events.listenerCount('flows:started')} flows:started listeners`);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message), []);
    } finally {
      process.off('warning', onWarning);
    }
  });

  describe('a misconfigured landscape', () => {
    it('names the rule whose connection is not deployed, at deploy and on each message', async () => {
      await load([{ role: 'erp', connection: 'gone' }], [role('customer', 'erp', 'upsert-customer')]);
      await until('the landscape checked', () => ((helper.getNode('land') as unknown as { error: { callCount: number } }).error.callCount ?? 0) > 0);
      const logged = (helper.getNode('land') as unknown as { error: { args: unknown[][] } }).error.args.map((a) => String(a[0]));
      assert.match(logged.join('\n'), /rule 1 \(erp · any · any\): the connection gone is not deployed/);
      assert.equal(statusOf('customer').fill, 'red');
      const caught = await fail('customer', { payload: account('MIS-1', 'US01') });
      assert.equal((caught.sync?.['error'] as Record<string, unknown>)['code'], 'INVALID_LANDSCAPE');
      assert.match(String((caught.sync?.['error'] as Record<string, unknown>)['message']), /rule 1/);
    });

    it('names the rule whose connection cannot serve its role', async () => {
      await load([{ role: 'crm', connection: 'sf' }, { role: 'erp', connection: 'kt' }], [role('customer', 'erp', 'upsert-customer')]);
      await until('the landscape checked', () => ((helper.getNode('land') as unknown as { error: { callCount: number } }).error.callCount ?? 0) > 0);
      const logged = (helper.getNode('land') as unknown as { error: { args: unknown[][] } }).error.args.map((a) => String(a[0])).join('\n');
      assert.match(logged, /rule 2 \(erp · any · any\): "Kantata" is a kantata-connection, which cannot serve erp: choose a NetSuite connection/);
    });

    it('fails a request no rule routes, saying which rule to add', async () => {
      await load([{ role: 'erp', legalEntity: 'UK01', connection: 'nsUK' }], [role('customer', 'erp', 'upsert-customer')]);
      const caught = await fail('customer', { payload: account('MIS-2', 'US01') });
      const error = caught.sync?.['error'] as Record<string, unknown>;
      assert.equal(error['code'], 'NO_ROUTE');
      assert.match(String(error['message']), /no rule for erp upsert-customer with legal entity US01/);
    });
  });
});
