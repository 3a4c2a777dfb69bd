// Every example flow (flows/ → Import › Examples) deploys into a real Node-RED with no unknown node types
// and no errors; the reliable-delivery example does what its comment says against the NetSuite sandbox.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startKantataSandbox, type KantataSandbox } from '../../sandbox/kantata/index.js';
import { startNetSuiteSandbox, type NetSuiteSandbox } from '../../sandbox/netsuite/index.js';
import { NodeRedProcess, type FlowNode } from '../support/node-red-process.js';

const flowsDir = resolve(__dirname, '../../../flows');

function exampleFiles(dir = flowsDir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? exampleFiles(full) : name.endsWith('.json') ? [full] : [];
  });
}

describe('example flows', function () {
  this.timeout(120_000);
  let ns: NetSuiteSandbox;
  let kantata: KantataSandbox;
  let nr: NodeRedProcess;
  before(async () => {
    ns = await startNetSuiteSandbox({ seedData: true });
    kantata = await startKantataSandbox({ seedData: true });
    nr = await NodeRedProcess.start({
      env: {
        TARGET_URL: `${ns.url}/services/rest/record/v1/customer/eid:`,
        TARGET_TOKEN: ns.issueAccessToken(),
        NETSUITE_ACCOUNT_ID: ns.accountId,
        NETSUITE_BASE_URL: `${ns.url}/services/rest`,
      },
    });
  });
  after(async () => {
    await nr.dispose();
    await ns.close();
    await kantata.close();
  });

  /** What a user does after importing an example: point connections at the sandboxes and enter the secrets. */
  function configure(flows: FlowNode[]): FlowNode[] {
    return flows.map((n) => {
      if (n.type === 'syncwright-netsuite-connection') return { ...n, credentials: { ...ns.demo.tba } };
      if (n.type === 'syncwright-kantata-connection') return { ...n, baseUrl: kantata.demo.baseUrl, credentials: { token: kantata.demo.token } };
      return n;
    });
  }

  for (const file of exampleFiles()) {
    it(`deploys ${file.slice(flowsDir.length + 1)} with no unknown types and no errors`, async () => {
      const flows = configure(JSON.parse(readFileSync(file, 'utf8')) as FlowNode[]);
      const mark = nr.logs.length;
      await nr.deploy(flows);
      await new Promise((r) => setTimeout(r, 1000));
      const logged = nr.logs.slice(mark);
      assert.ok(!logged.some((l) => /unknown type|Waiting for missing types|\[error\]/i.test(l)), logged.join('\n'));
    });
  }

  it('reliable-delivery: answers 202 and delivers the account to the target, once', async () => {
    const flows = JSON.parse(readFileSync(join(flowsDir, 'basics/reliable-delivery.json'), 'utf8')) as FlowNode[];
    await nr.deploy(flows);
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${nr.url}/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: 'EXAMPLE-1', name: 'Example One' }) });
      assert.equal(res.status, 202);
    }
    const deadline = Date.now() + 20_000;
    while (!ns.record('customer', 'eid:acct-EXAMPLE-1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(ns.record('customer', 'eid:acct-EXAMPLE-1')?.values['companyName'], 'Example One');
    assert.equal(ns.createCount('customer', 'acct-EXAMPLE-1'), 1);
  });
});
