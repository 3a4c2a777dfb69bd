// Every example flow (flows/ → Import › Examples) deploys into a real Node-RED with no unknown node types
// and no errors; the reliable-delivery example does what its comment says against the NetSuite sandbox.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startAllSandboxes, type Sandboxes } from '../../sandbox/all.js';
import { demoEnvironment } from '../../scripts/demo-env.js';
import { withEnvCredentials } from '../../scripts/templates.js';
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
  let sb: Sandboxes;
  let nr: NodeRedProcess;
  let env: Record<string, string>;
  before(async () => {
    sb = await startAllSandboxes();
    env = { ...demoEnvironment(sb), TARGET_URL: `${sb.netsuite.url}/services/rest/record/v1/customer/eid:`, TARGET_TOKEN: sb.netsuite.issueAccessToken() };
    nr = await NodeRedProcess.start({ env });
  });
  after(async () => {
    await nr.dispose();
    await sb.close();
  });

  /** What a user does after importing an example: point connections at the sandboxes and enter the secrets. */
  function configure(flows: FlowNode[]): FlowNode[] {
    return withEnvCredentials(flows, env).map((n) => (n.type === 'syncwright-kantata-connection' ? { ...n, baseUrl: sb.kantata.demo.baseUrl } : n));
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
    while (!sb.netsuite.record('customer', 'eid:acct-EXAMPLE-1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(sb.netsuite.record('customer', 'eid:acct-EXAMPLE-1')?.values['companyName'], 'Example One');
    assert.equal(sb.netsuite.createCount('customer', 'acct-EXAMPLE-1'), 1);
  });
});
