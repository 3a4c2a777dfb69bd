// The Kantata example flow in a real Node-RED, deployed through the Admin API with the token as a credential:
// a canonical Project and its milestones end up in the Kantata sandbox once, however often they are sent, and
// the token appears neither in the flow file nor in the logs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startKantataSandbox, type KantataSandbox } from '../../sandbox/kantata/index.js';
import { NodeRedProcess, type FlowNode } from '../support/node-red-process.js';

const TOKEN = 'kantata-integration-token-5d2e91';

async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Kantata connector in a real Node-RED', function () {
  this.timeout(90_000);
  let sb: KantataSandbox;
  let nr: NodeRedProcess;
  before(async () => {
    sb = await startKantataSandbox({ seedData: true, tokens: [TOKEN] });
    nr = await NodeRedProcess.start();
  });
  after(async () => {
    await nr.dispose();
    await sb.close();
  });

  it('upserts the example project and its milestones into Kantata once, with the token kept out of flows.json and logs', async () => {
    const example = JSON.parse(readFileSync(resolve(__dirname, '../../../flows/basics/kantata-project-milestones.json'), 'utf8')) as FlowNode[];
    const flows = example.map((n) => (n.type === 'syncwright-kantata-connection' ? { ...n, baseUrl: sb.demo.baseUrl, credentials: { token: TOKEN } } : n));
    await nr.deploy(flows);

    for (let round = 1; round <= 2; round++) {
      const mark = sb.server.getJournal().length;
      const inject = await nr.request('POST', '/inject/sw.ex.k.inject');
      assert.equal(inject.status, 200);
      // Two milestones were written after the workspace in this round.
      await until(() => sb.server.getJournal().slice(mark).filter((e) => /\/stories/.test(e.path) && e.method !== 'GET').length === 2, `round ${round}'s milestones`);
    }

    const workspaces = sb.recordsForBusinessKey('workspaces', 'proj:GLOBEX-ERP');
    assert.equal(workspaces.length, 1);
    const ws = workspaces[0];
    assert.deepEqual([ws?.['title'], ws?.['price_in_cents'], ws?.['status_key'], ws?.['start_date'], ws?.['due_date']], ['Globex ERP rollout', 12_000_000, 100, '2026-04-01', '2026-09-30']);
    const stories = sb.records('stories').filter((s) => s['workspace_id'] === ws?.id);
    assert.deepEqual(
      stories.map((s) => [s['title'], s['story_type'], s['due_date'], s['budget_estimate_in_cents']]),
      [
        ['Design signed off', 'milestone', '2026-05-15', 4_000_000],
        ['Go-live', 'milestone', '2026-09-01', 8_000_000],
      ],
    );
    assert.deepEqual(sb.recordsForBusinessKey('stories', 'ms:GLOBEX-ERP:2').map((s) => s['title']), ['Go-live']);
    assert.ok(sb.records('external_references').some((r) => r['service_name'] === 'salesforce' && r['service_model_ref'] === '006000000000042AAA' && r['subject_id'] === ws?.id));
    assert.deepEqual(sb.server.duplicates(), {}, 'the second round created nothing');
    assert.equal(sb.server.getCreateCounts()['workspace:proj:GLOBEX-ERP'], 1);

    const flowFile = readFileSync(join(nr.userDir, 'flows.json'), 'utf8');
    assert.ok(flowFile.includes('syncwright-kantata-connection'), 'the flow file holds the connection');
    assert.ok(!flowFile.includes(TOKEN), 'the token is not in flows.json');
    const exported = await nr.request('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' });
    assert.ok(!JSON.stringify(exported.body).includes(TOKEN), 'the token is not in the Admin API export');
    assert.ok(!nr.logs.some((l) => l.includes(TOKEN)), 'the token is not in the logs');
    assert.deepEqual(nr.errors(), []);
  });

  it('answers Test connection through the Admin API with the saved token, without echoing it', async () => {
    const ok = await nr.request('POST', '/syncwright/kantata/test-connection', { id: 'sw.ex.k.conn', config: { baseUrl: sb.demo.baseUrl }, credentials: { token: '__PWRD__' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { ok: true, message: `connected to ${sb.demo.baseUrl} as Jane Doe (jane.doe@syncwright.example)`, details: { userId: '1001' } });
    const refused = await nr.request('POST', '/syncwright/kantata/test-connection', { config: { baseUrl: sb.demo.baseUrl }, credentials: { token: 'typo-token' } });
    assert.equal((refused.body as { ok: boolean }).ok, false);
    assert.ok(!JSON.stringify(refused.body).includes('typo-token'));
  });
});
