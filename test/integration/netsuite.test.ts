// The NetSuite nodes in a real Node-RED process: the example flows deployed through the Admin API with the
// connection's credentials (one connection by TBA, one by OAuth 2.0 with a private key), the account and base
// URL from the environment, run against the NetSuite sandbox, which then holds the records. No secret may
// appear in the flow file, the Admin API's flows, or the logs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startNetSuiteSandbox, type NetSuiteSandbox } from '../../sandbox/netsuite/index.js';
import { NodeRedProcess, type FlowNode } from '../support/node-red-process.js';

const root = resolve(__dirname, '../../..');

function exampleFlow(name: string): FlowNode[] {
  return JSON.parse(readFileSync(join(root, 'flows/basics', name), 'utf8')) as FlowNode[];
}

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('NetSuite nodes in a real Node-RED', function () {
  this.timeout(90_000);
  let ns: NetSuiteSandbox;
  let nr: NodeRedProcess;
  let secrets: string[];

  before(async () => {
    ns = await startNetSuiteSandbox({ seedData: true });
    const tba = ns.demo.tba;
    secrets = [tba.consumerKey, tba.consumerSecret, tba.tokenId, tba.tokenSecret, ns.demo.oauth2.privateKeyPem.split('\n')[1] ?? 'unused'];
    nr = await NodeRedProcess.start({ env: { NETSUITE_ACCOUNT_ID: ns.accountId, NETSUITE_BASE_URL: ns.restUrl, NETSUITE_TOKEN_SECRET: tba.tokenSecret } });

    const customerFlow = exampleFlow('netsuite-customer-project.json').map((n) =>
      n.type === 'syncwright-netsuite-connection'
        ? // The token secret comes from the environment, the rest is entered as credentials.
          { ...n, credentials: { consumerKey: tba.consumerKey, consumerSecret: tba.consumerSecret, tokenId: tba.tokenId, tokenSecret: '${NETSUITE_TOKEN_SECRET}' } }
        : n,
    );
    const changesFlow = exampleFlow('netsuite-invoice-changes.json').map((n) =>
      n.type === 'syncwright-netsuite-connection'
        ? { ...n, authType: 'oauth2', clientId: ns.demo.oauth2.clientId, certificateId: ns.demo.oauth2.certificateId, credentials: { privateKey: ns.demo.oauth2.privateKeyPem } }
        : n,
    );
    await nr.deploy([...customerFlow, ...changesFlow]);
  });

  after(async () => {
    await nr?.dispose();
    await ns?.close();
  });

  it('upserts the customer and its project from the example flow', async () => {
    const res = await nr.request('POST', '/inject/sw.ex.ns.inject1');
    assert.equal(res.status, 200);
    await until(() => ns.record('job', 'eid:proj_c_uacme-erp') !== undefined, 'the project in the sandbox');
    const customer = ns.record('customer', 'eid:acct_c_uacme');
    assert.ok(customer);
    assert.equal(customer.values['companyName'], 'ACME Corporation');
    assert.deepEqual(ns.record('job', 'eid:proj_c_uacme-erp')?.values['parent'], { type: 'customer', id: customer.id });
    assert.ok(ns.server.getJournal().some((e) => e.principal?.startsWith('tba:')), 'signed in with TBA, the token secret from the environment');
  });

  it('runs the SuiteQL example and a second upsert changes the same records', async () => {
    await nr.request('POST', '/inject/sw.ex.ns.inject2');
    await until(() => ns.server.getJournal({ path: '/query/v1/suiteql$' }).some((e) => e.status === 200 && e.principal?.startsWith('tba:') === true), 'the SuiteQL request');
    await nr.request('POST', '/inject/sw.ex.ns.inject1');
    await until(() => ns.server.getJournal({ path: '/record/v1/job/eid:', method: 'PUT' }).length === 2, 'the second project upsert');
    assert.equal(ns.createCount('customer', 'acct_c_uacme'), 1);
    assert.equal(ns.createCount('job', 'proj_c_uacme-erp'), 1);
  });

  it('polls invoice and payment changes with the OAuth 2.0 connection', async () => {
    await until(() => ['300', '301', '302'].every((id) => ns.server.getJournal({ path: `/record/v1/invoice/${id}$` }).some((e) => e.status === 200)), 'the invoices read by the trigger');
    assert.ok(ns.server.getJournal({ path: '/record/v1/customerPayment/303$' }).some((e) => e.status === 200));
    assert.ok(ns.server.getJournal({ path: '/auth/oauth2/v1/token$' }).some((e) => e.status === 200), 'signed in with a client assertion');
  });

  it('keeps every secret out of the flow file, the Admin API and the logs, and logs no errors', async () => {
    const flowFile = readFileSync(join(nr.userDir, 'flows.json'), 'utf8');
    const credFile = readFileSync(join(nr.userDir, 'flows_cred.json'), 'utf8');
    const viaApi = JSON.stringify((await nr.request('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' })).body);
    const logs = nr.logs.join('\n');
    for (const secret of secrets) {
      assert.ok(!flowFile.includes(secret), 'flows.json holds no secret');
      assert.ok(!credFile.includes(secret), 'the credentials file is encrypted');
      assert.ok(!viaApi.includes(secret), 'GET /flows shows no secret');
      assert.ok(!logs.includes(secret), 'no secret in the logs');
    }
    assert.ok(flowFile.includes('syncwright-netsuite-connection'));
    assert.ok(!flowFile.includes('PRIVATE KEY'));
    assert.deepEqual(nr.errors(), []);
  });
});
