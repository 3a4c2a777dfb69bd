// Every example flow (flows/ → Import › Examples) deploys into a real Node-RED with no unknown node types
// and no errors; the reliable-delivery example does what its comment says against the NetSuite sandbox.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
  let nr: NodeRedProcess;
  before(async () => {
    ns = await startNetSuiteSandbox({ seedData: true });
    nr = await NodeRedProcess.start({ env: { TARGET_URL: `${ns.url}/services/rest/record/v1/customer/eid:`, TARGET_TOKEN: ns.issueAccessToken() } });
  });
  after(async () => {
    await nr.dispose();
    await ns.close();
  });

  for (const file of exampleFiles()) {
    it(`deploys ${file.slice(flowsDir.length + 1)} with no unknown types and no errors`, async () => {
      const flows = JSON.parse(readFileSync(file, 'utf8')) as FlowNode[];
      const mark = nr.logs.length;
      await nr.deploy(flows);
      await new Promise((r) => setTimeout(r, 300));
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
