// The System API layer in a real Node-RED against the four sandboxes (Salesforce with Certinia, NetSuite US, a
// second NetSuite account for UK01, Kantata): the example's one process flow run by two landscapes (Kantata vs
// Certinia PSA), again without creating anything twice; 250 invoices through a store-forward with batch size
// 200 into crm write-billing-status, in at most two sObject Collections calls, the one bad record dead-lettered
// alone; and a misconfigured landscape reported at deploy, naming its rule. No secret reaches flows.json.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toNetSuiteExternalId } from '../../canonical/mappings/index.js';
import { NodeRedProcess, type FlowNode } from '../support/node-red-process.js';
import { startSandboxes, type Sandboxes } from '../support/roles-fixtures.js';

async function waitFor(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0) : []);
const eid = (key: string) => `eid:${toNetSuiteExternalId(key)}`;

describe('role nodes in a real Node-RED', function () {
  this.timeout(240_000);
  let s: Sandboxes;
  let nr: NodeRedProcess;

  before(async () => {
    s = await startSandboxes();
    nr = await NodeRedProcess.start({
      env: {
        SALESFORCE_LOGIN_URL: s.sf.url,
        SALESFORCE_CONSUMER_KEY: s.sf.demo.consumerKey,
        SALESFORCE_USERNAME: s.sf.demo.username,
        NETSUITE_ACCOUNT_ID: s.nsUS.accountId,
        NETSUITE_BASE_URL: s.nsUS.restUrl,
        NETSUITE_UK_ACCOUNT_ID: s.nsUK.accountId,
        NETSUITE_UK_BASE_URL: s.nsUK.restUrl,
        KANTATA_BASE_URL: s.kt.demo.baseUrl,
      },
    });
  });
  after(async () => {
    await nr?.dispose();
    await s?.close();
  });

  /** The example, with the secrets a user enters in the connections. */
  function example(): FlowNode[] {
    const flows = JSON.parse(readFileSync(resolve(__dirname, '../../../flows/basics/roles-one-process-two-landscapes.json'), 'utf8')) as FlowNode[];
    return flows.map((n) => {
      if (n.type === 'syncwright-salesforce-connection') return { ...n, credentials: { privateKey: s.sf.demo.privateKeyPem as string } };
      if (n.id === 'sw.ex.roles.nsus') return { ...n, credentials: { ...s.nsUS.demo.tba } };
      if (n.id === 'sw.ex.roles.nsuk') return { ...n, credentials: { ...s.nsUK.demo.tba } };
      if (n.type === 'syncwright-kantata-connection') return { ...n, credentials: { token: s.kt.demo.token } };
      return n;
    });
  }

  it('runs the example\'s one process flow on two landscapes, and again without creating anything twice', async () => {
    const done = join(nr.userDir, 'roles-done.log');
    const failed = join(nr.userDir, 'roles-failed.log');
    const flows = example().map((n) => (n.type.startsWith('subflow:') ? { ...n, wires: [[...((n['wires'] as string[][])[0] ?? []), 'it.roles.done'], [...((n['wires'] as string[][])[1] ?? []), 'it.roles.failed']] } : n));
    const record = (id: string, file: string, y: number): FlowNode[] => [
      { id, type: 'function', z: 'sw.example.roles', name: '', func: 'msg.payload = JSON.stringify({ key: msg.sync.businessKey, results: msg.sync.results, error: msg.sync.error });\nreturn msg;', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], x: 800, y, wires: [[`${id}.file`]] },
      { id: `${id}.file`, type: 'file', z: 'sw.example.roles', name: '', filename: file, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', x: 1000, y, wires: [] },
    ];
    flows.push(...record('it.roles.done', done, 300), ...record('it.roles.failed', failed, 360));
    const mark = nr.logs.length;
    await nr.deploy(flows);

    for (const inject of ['sw.ex.roles.us', 'sw.ex.roles.uk']) assert.equal((await nr.request('POST', `/inject/${inject}`)).status, 200);
    await waitFor('both deals through the process', () => lines(done).length + lines(failed).length >= 2);
    assert.deepEqual(lines(failed), []);
    const byKey = new Map(lines(done).map((l) => JSON.parse(l) as { key: string; results: Record<string, Record<string, unknown>> }).map((r) => [r.key, r.results]));
    const us = byKey.get('opp:ACME-ERP-2026') ?? {};
    const uk = byKey.get('opp:GLOBEX-DATA-2026') ?? {};

    // US deal, Kantata landscape: customer and billing on NetSuite US, project in Kantata.
    assert.deepEqual([us['erp.customer']?.['connection'], us['psa.project']?.['system'], us['erp.milestones']?.['connection']], ['sw.ex.roles.nsus', 'kantata', 'sw.ex.roles.nsus']);
    assert.ok(s.nsUS.record('customer', eid('acct:ACME')));
    assert.ok(s.nsUS.record('projectTask', eid('ms:ACME-ERP-2026-Q2C:GOLIVE')));
    assert.equal(s.kt.recordsForBusinessKey('workspaces', 'proj:ACME-ERP-2026-Q2C').length, 1);
    // UK deal, Certinia landscape: UK01 to the second NetSuite account, project in Certinia.
    assert.deepEqual([uk['erp.customer']?.['connection'], uk['psa.project']?.['system'], uk['erp.milestones']?.['connection']], ['sw.ex.roles.nsuk', 'certinia', 'sw.ex.roles.nsuk']);
    assert.ok(s.nsUK.record('customer', eid('acct:GLOBEX')));
    assert.equal(s.nsUS.record('customer', eid('acct:GLOBEX')), undefined);
    assert.equal(s.nsUK.record('projectTask', eid('ms:GLOBEX-DATA-2026-Q2C:DESIGN'))?.values['custevent_sw_milestone_amount'], 40000);
    assert.equal(s.sf.findByExternalId('pse__Proj__c', 'Syncwright_Key__c', 'proj:GLOBEX-DATA-2026-Q2C').length, 1);
    assert.equal(s.kt.recordsForBusinessKey('workspaces', 'proj:GLOBEX-DATA-2026-Q2C').length, 0);
    // The CRM: status, correlation id and the ids each landscape made.
    for (const [key, results] of [['opp:ACME-ERP-2026', us], ['opp:GLOBEX-DATA-2026', uk]] as const) {
      const o = s.sf.findByExternalId('Opportunity', 'Syncwright_Key__c', key)[0] ?? {};
      assert.deepEqual([o['Sync_Status__c'], o['NetSuite_Customer_Id__c'], o['PSA_Project_Id__c']], ['Completed', results['erp.customer']?.['id'], results['psa.project']?.['id']], key);
    }

    // The same deals again: everything is found and updated, nothing created.
    for (const inject of ['sw.ex.roles.us', 'sw.ex.roles.uk']) assert.equal((await nr.request('POST', `/inject/${inject}`)).status, 200);
    await waitFor('both deals again', () => lines(done).length + lines(failed).length >= 4);
    assert.deepEqual(lines(failed), []);
    const again = new Map(lines(done).slice(2).map((l) => JSON.parse(l) as { key: string; results: Record<string, Record<string, unknown>> }).map((r) => [r.key, r.results]));
    assert.deepEqual(again.get('opp:ACME-ERP-2026')?.['erp.milestones']?.['ids'], us['erp.milestones']?.['ids']);
    assert.equal(again.get('opp:GLOBEX-DATA-2026')?.['psa.project']?.['created'], false);
    for (const ns of [s.nsUS, s.nsUK]) assert.deepEqual(ns.server.duplicates(), {});
    assert.equal(s.nsUK.createCount('customer', toNetSuiteExternalId('acct:GLOBEX')), 1);
    assert.equal(s.nsUS.createCount('projectTask', toNetSuiteExternalId('ms:ACME-ERP-2026-Q2C:DESIGN')), 1);
    assert.deepEqual(s.kt.server.duplicates(), {});
    assert.deepEqual(s.sf.server.duplicates(), {});
    assert.equal(s.sf.server.getCreateCounts()['pse__Proj__c:proj:GLOBEX-DATA-2026-Q2C'], 1);

    // Each deal through the other landscape too: the PSA records move system, the ERP records stay where the
    // legal entity routes them, created once.
    const swap = flows.filter((n) => n.id === 'sw.ex.roles.us' || n.id === 'sw.ex.roles.uk').map((n) => ({ ...n, id: `${n.id}.swap`, y: (n['y'] as number) + 40, wires: [[n.id === 'sw.ex.roles.us' ? 'sw.ex.roles.certinia' : 'sw.ex.roles.kantata']] }));
    await nr.deploy([...flows, ...swap]);
    for (const inject of ['sw.ex.roles.us.swap', 'sw.ex.roles.uk.swap']) assert.equal((await nr.request('POST', `/inject/${inject}`)).status, 200);
    await waitFor('both deals on the other landscape', () => lines(done).length + lines(failed).length >= 6);
    assert.deepEqual(lines(failed), []);
    const swapped = new Map(lines(done).slice(4).map((l) => JSON.parse(l) as { key: string; results: Record<string, Record<string, unknown>> }).map((r) => [r.key, r.results]));
    assert.deepEqual([swapped.get('opp:ACME-ERP-2026')?.['psa.project']?.['system'], swapped.get('opp:ACME-ERP-2026')?.['erp.customer']?.['connection']], ['certinia', 'sw.ex.roles.nsus']);
    assert.deepEqual([swapped.get('opp:GLOBEX-DATA-2026')?.['psa.project']?.['system'], swapped.get('opp:GLOBEX-DATA-2026')?.['erp.customer']?.['connection']], ['kantata', 'sw.ex.roles.nsuk']);
    assert.equal(s.sf.findByExternalId('pse__Proj__c', 'Syncwright_Key__c', 'proj:ACME-ERP-2026-Q2C').length, 1);
    assert.equal(s.kt.recordsForBusinessKey('workspaces', 'proj:GLOBEX-DATA-2026-Q2C').length, 1);
    assert.equal(s.nsUK.createCount('job', toNetSuiteExternalId('proj:GLOBEX-DATA-2026-Q2C')), 1);
    assert.equal(s.nsUS.createCount('customer', toNetSuiteExternalId('acct:ACME')), 1);

    // No errors at deploy, and no secret in the flow file.
    assert.deepEqual(nr.logs.slice(mark).filter((l) => /\[error\]/.test(l)), []);
    const flowFile = readFileSync(join(nr.userDir, 'flows.json'), 'utf8');
    for (const secret of ['PRIVATE KEY', s.nsUS.demo.tba.tokenSecret, s.nsUK.demo.tba.consumerSecret, s.kt.demo.token]) assert.ok(!flowFile.includes(secret), `flows.json holds ${secret.slice(0, 10)}…`);
  });

  it('writes 250 invoices behind a store-forward of batch size 200 in at most two Collections calls, the bad one dead-lettered alone', async () => {
    const z = 'it.billing';
    const dead = join(nr.userDir, 'billing-dead.log');
    const delivered = join(nr.userDir, 'billing-delivered.log');
    const connections = example().filter((n) => n.type.endsWith('-connection') || n.type === 'syncwright-landscape');
    const invoices = Array.from({ length: 250 }, (_, i) => {
      const n = i + 1;
      const bad = n === 137;
      const [accountKey, oppKey] = bad ? ['acct:UMBRELLA', 'opp:UMBRELLA-MIGRATION-2025'] : n % 2 === 0 ? ['acct:ACME', 'opp:ACME-ERP-2026'] : ['acct:INITECH', 'opp:INITECH-AUDIT-2026'];
      return {
        businessKey: `inv:BULK-${n}`,
        invoiceNumber: `BULK-${n}`,
        account: { businessKey: accountKey },
        opportunity: { businessKey: oppKey },
        currency: 'USD',
        invoiceDate: `2026-05-${String((n % 28) + 1).padStart(2, '0')}`,
        status: n === 250 ? 'paid' : 'open',
        total: { amount: `${1000 + n}.00`, currency: 'USD' },
        ...(n === 250 ? { amountPaid: { amount: '1250.00', currency: 'USD' } } : {}),
        custom: bad ? { opportunityInvoiceStatus: 'x'.repeat(300) } : { accountOpenBalance: `${n * 10}.00` },
      };
    });
    const intake = (withDelivery: boolean): FlowNode[] => [
      { id: z, type: 'tab', label: 'billing status' },
      ...connections,
      { id: 'it.b.inject', type: 'inject', z, name: '250 invoices', props: [{ p: 'payload', v: JSON.stringify(invoices), vt: 'json' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', x: 120, y: 100, wires: [['it.b.split']] },
      { id: 'it.b.split', type: 'split', z, name: '', splt: '\\n', spltType: 'str', arraySplt: 1, arraySpltType: 'len', stream: false, addname: '', x: 260, y: 100, wires: [['it.b.key']] },
      { id: 'it.b.key', type: 'function', z, name: 'envelope', func: 'delete msg.parts;\nmsg.sync = { correlationId: msg.payload.businessKey, businessKey: msg.payload.businessKey, schema: "syncwright/invoice@1", occurredAt: new Date().toISOString() };\nreturn msg;', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], x: 400, y: 100, wires: [['it.b.sf']] },
      { id: 'it.b.sf', type: 'syncwright-store-forward', z, name: '', version: 1, queueName: 'it-billing-status', target: '', maxInFlight: '1', key: 'sync.businessKey', keyType: 'msg', orderByKey: true, lane: '', laneType: 'msg', lanes: '', maximumRedeliveries: '3', redeliveryDelay: '1', backOffMultiplier: '2', maximumRedeliveryDelay: '10', jitter: '20', ackTimeout: '600', batchSize: '200', x: 560, y: 100, wires: [withDelivery ? ['it.b.crm'] : [], []] },
      { id: 'it.b.crm', type: 'syncwright-crm', z, name: '', version: 1, landscape: 'sw.ex.roles.land.kantata', capability: 'write-billing-status', input: 'payload', inputType: 'msg', syncStatus: '', x: 760, y: 100, wires: [['it.b.sf', 'it.b.delivered']] },
      { id: 'it.b.catch', type: 'catch', z, name: '', scope: ['it.b.crm'], uncaught: false, x: 760, y: 160, wires: [['it.b.sf']] },
      // One line per invoice the crm node wrote (msg.results of each batch delivery).
      { id: 'it.b.delivered', type: 'function', z, name: '', func: 'msg.payload = msg.results.map((r, i) => r.ok ? msg.batch[i].sync.businessKey : null).filter((k) => k !== null).join("\\n");\nreturn msg.payload ? msg : null;', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], x: 960, y: 160, wires: [['it.b.deliveredFile']] },
      { id: 'it.b.deliveredFile', type: 'file', z, name: '', filename: delivered, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', x: 960, y: 220, wires: [] },
      { id: 'it.b.dlq', type: 'syncwright-dead-letter', z, name: '', version: 1, queue: 'it-billing-status', errorClass: '', x: 120, y: 300, wires: [['it.b.deadLine']] },
      { id: 'it.b.deadLine', type: 'change', z, name: '', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '$string(payload.businessKey) & " " & payload.error.class & " " & payload.error.code', tot: 'jsonata' }], action: '', property: '', from: '', to: '', reg: false, x: 320, y: 300, wires: [['it.b.deadFile']] },
      { id: 'it.b.deadFile', type: 'file', z, name: '', filename: dead, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', x: 520, y: 300, wires: [] },
    ];
    const collections = () => s.sf.server.getJournal({ path: '/composite/sobjects$', method: 'PATCH' }).length;

    // While the CRM is not wired (a cut-over), the invoices queue up durably.
    await nr.deploy(intake(false));
    assert.equal((await nr.request('POST', '/inject/it.b.inject')).status, 200);
    await new Promise((r) => setTimeout(r, 2000));
    const before = collections();
    // Wired: the backlog goes out in batches of 200 and 50.
    await nr.deploy(intake(true));
    await waitFor('249 invoices delivered and one dead-lettered', () => lines(delivered).length >= 249 && lines(dead).length >= 1, 60_000).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${lines(delivered).length} delivered, dead ${JSON.stringify(lines(dead))}, ${collections() - before} calls\n${nr.logs.slice(-30).join('\n')}`);
    });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(lines(delivered).length, 249);
    assert.deepEqual(lines(dead), ['inv:BULK-137 data STRING_TOO_LONG']);
    const calls = collections() - before;
    assert.ok(calls >= 1 && calls <= 2, `${calls} sObject Collections calls`);
    const acme = s.sf.findByExternalId('Account', 'Syncwright_Key__c', 'acct:ACME')[0] ?? {};
    assert.equal(acme['Last_Invoice_Status__c'], 'Paid', 'the latest ACME invoice (BULK-250, paid) wins');
    assert.equal(acme['Open_Balance__c'], 2500);
    const umbrella = s.sf.findByExternalId('Opportunity', 'Syncwright_Key__c', 'opp:UMBRELLA-MIGRATION-2025')[0] ?? {};
    assert.equal(umbrella['Invoice_Status__c'] ?? null, null, 'the refused record wrote nothing on its opportunity');
  });

  it('reports a misconfigured landscape at deploy, naming the rule', async () => {
    const z = 'it.mis';
    const mark = nr.logs.length;
    await nr.deploy([
      { id: z, type: 'tab', label: 'misconfigured' },
      ...example().filter((n) => n.type.endsWith('-connection')),
      { id: 'it.mis.land', type: 'syncwright-landscape', name: 'broken', version: 1, rules: [{ role: 'erp', capability: '*', legalEntity: '*', connection: 'sw.ex.roles.kt', context: '' }, { role: 'psa', capability: '*', legalEntity: 'UK01', connection: 'it.mis.gone', context: '' }] },
      { id: 'it.mis.erp', type: 'syncwright-erp', z, name: '', version: 1, landscape: 'it.mis.land', capability: 'upsert-customer', input: 'payload', inputType: 'msg', x: 300, y: 100, wires: [[]] },
    ]);
    const line1 = await nr.waitForLog(/Invalid system landscape: rule 1 \(erp · any · any\): "Kantata" is a kantata-connection, which cannot serve erp: choose a NetSuite connection/, 10_000, mark);
    assert.match(line1, /\[error\] \[syncwright-landscape:broken\]/);
    await nr.waitForLog(/Invalid system landscape: rule 2 \(psa · any · UK01\): the connection it\.mis\.gone is not deployed/, 10_000, mark);
  });
});
