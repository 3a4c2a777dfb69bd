// The Salesforce nodes in a real Node-RED process against the Salesforce sandbox: the closed-won example flow
// deployed through the Admin API with credentials and the connection read from the environment; opportunities
// won in the sandbox become Certinia projects, across a kill -9 and a clean restart, each exactly once; and no
// secret reaches flows.json, the credentials file in clear, the Admin API or the logs.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SalesforceClient } from '../../nodes/salesforce/client/client.js';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.js';
import { NodeRedProcess, type FlowNode } from '../support/node-red-process.js';

async function waitFor(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Salesforce nodes in a real Node-RED', function () {
  this.timeout(180_000);
  let sb: SalesforceSandbox;
  let nr: NodeRedProcess | undefined;
  let userDir: string;
  let client: SalesforceClient;
  const logs: string[] = [];

  before(async () => {
    sb = await startSalesforceSandbox({ seedData: true });
    userDir = mkdtempSync(join(tmpdir(), 'syncwright-sf-nr-'));
    client = new SalesforceClient({ loginUrl: sb.url, auth: { type: 'client-credentials', clientId: sb.demo.clientId, clientSecret: sb.demo.clientSecret } });
  });
  after(async () => {
    await nr?.stop();
    await sb.close();
    rmSync(userDir, { recursive: true, force: true });
  });

  const env = () => ({ SALESFORCE_LOGIN_URL: sb.url, SALESFORCE_CONSUMER_KEY: sb.demo.consumerKey, SALESFORCE_USERNAME: sb.demo.username });
  const start = async (): Promise<NodeRedProcess> => {
    const p = await NodeRedProcess.start({ userDir, env: env() });
    nr = p;
    return p;
  };
  const collect = (p: NodeRedProcess) => logs.push(...p.logs);
  const emittedFile = () => join(userDir, 'closed-won.log');
  const emitted = () => (existsSync(emittedFile()) ? readFileSync(emittedFile(), 'utf8').split('\n').filter((l) => l.length > 0) : []);
  const projects = (key: string) => sb.findByExternalId('pse__Proj__c', 'Syncwright_Key__c', key);

  async function closeWon(key: string): Promise<void> {
    await client.upsert('Opportunity', 'Syncwright_Key__c', key, { Name: `Deal ${key}`, Account: { Syncwright_Key__c: 'acct:GLOBEX' }, StageName: 'Closed Won', CloseDate: '2026-03-02', Billing_Type__c: 'Time and Materials' });
  }

  it('turns closed-won opportunities into Certinia projects, each once across kill -9 and a restart, with no secret in flows.json or logs', async () => {
    const pem = sb.demo.privateKeyPem as string;
    const keyBody = pem.split('\n').filter((l) => !l.startsWith('-----') && l.length > 0);
    const secretMarkers = ['PRIVATE KEY', keyBody[3], keyBody[10], sb.demo.clientSecret];

    const example = JSON.parse(readFileSync(resolve(__dirname, '../../../flows/basics/salesforce-closed-won-to-certinia.json'), 'utf8')) as FlowNode[];
    const flows: FlowNode[] = example.map((n) => {
      if (n.type === 'syncwright-salesforce-connection') return { ...n, credentials: { privateKey: pem } };
      // Polls on demand (the inject node) rather than every minute, and reads the org from the beginning.
      if (n.type === 'syncwright-salesforce-closed-won') return { ...n, interval: '3600', startFrom: 'beginning', wires: [[...((n['wires'] as string[][])[0] ?? []), 'it.sf.key']] };
      return n;
    });
    flows.push(
      { id: 'it.sf.key', type: 'change', z: 'sw.example.sf.won', name: '', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'sync.businessKey', tot: 'msg' }], action: '', property: '', from: '', to: '', reg: false, x: 380, y: 340, wires: [['it.sf.file']] },
      { id: 'it.sf.file', type: 'file', z: 'sw.example.sf.won', name: '', filename: emittedFile(), filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', x: 600, y: 340, wires: [] },
    );

    let p = await start();
    await p.deploy(flows);
    await waitFor('the seeded won opportunity', () => emitted().length === 1 && projects('proj:ACME-ERP-2026').length === 1);
    assert.deepEqual(emitted(), ['opp:ACME-ERP-2026']);

    await closeWon('opp:IT-WON-1');
    assert.equal((await p.request('POST', '/inject/sw.ex.sfw.poll')).status, 200);
    await waitFor('IT-WON-1 as a project', () => projects('proj:IT-WON-1').length === 1);
    const project = projects('proj:IT-WON-1')[0];
    assert.equal(project['pse__Opportunity__c'], sb.findByExternalId('Opportunity', 'Syncwright_Key__c', 'opp:IT-WON-1')[0]?.['Id']);
    assert.equal(project['pse__Billing_Type__c'], 'Time and Materials');
    assert.equal(project['pse__Stage__c'], 'Planned');

    // Crash between polls; opportunities close while Node-RED is down.
    collect(p);
    await p.kill9();
    await closeWon('opp:IT-WON-2');
    await closeWon('opp:IT-WON-3');
    p = await start();
    await waitFor('the opportunities won while down', () => emitted().length === 4 && projects('proj:IT-WON-3').length === 1);

    // A clean stop, one more closes, a restart.
    collect(p);
    await p.stop();
    await closeWon('opp:IT-WON-4');
    p = await start();
    await waitFor('IT-WON-4', () => emitted().length === 5 && projects('proj:IT-WON-4').length === 1);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(emitted(), ['opp:ACME-ERP-2026', 'opp:IT-WON-1', 'opp:IT-WON-2', 'opp:IT-WON-3', 'opp:IT-WON-4'], 'each won opportunity exactly once');
    const creates = sb.server.getCreateCounts();
    for (const n of [1, 2, 3, 4]) assert.equal(creates[`pse__Proj__c:proj:IT-WON-${n}`], 1);
    assert.deepEqual(sb.server.duplicates(), {});

    // Secrets: not in the flow file, not in clear in the credentials file, not through the Admin API, not in any log.
    const flowFile = readFileSync(join(userDir, 'flows.json'), 'utf8');
    const credFile = readFileSync(join(userDir, 'flows_cred.json'), 'utf8');
    const exported = JSON.stringify((await p.request('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' })).body);
    const connection = (JSON.parse(flowFile) as FlowNode[]).find((n) => n.type === 'syncwright-salesforce-connection');
    assert.equal(connection?.['loginUrl'], '${SALESFORCE_LOGIN_URL}', 'the environment reference is kept, not its value');
    collect(p);
    for (const marker of secretMarkers) {
      assert.ok(!flowFile.includes(marker), `flows.json holds ${marker.slice(0, 12)}…`);
      assert.ok(!credFile.includes(marker), `flows_cred.json holds ${marker.slice(0, 12)}… in clear`);
      assert.ok(!exported.includes(marker), `GET /flows shows ${marker.slice(0, 12)}…`);
      assert.ok(!logs.some((l) => l.includes(marker)), `a log line holds ${marker.slice(0, 12)}…`);
    }
    assert.deepEqual(p.errors(), []);
  });

  it('runs the operations example: canonical upsert, a parameterised query, and a store-forward batch where only the refused record is dead-lettered', async () => {
    const p = nr ?? (await start());
    const example = JSON.parse(readFileSync(resolve(__dirname, '../../../flows/basics/salesforce-operations.json'), 'utf8')) as FlowNode[];
    const deadFile = join(userDir, 'dead-letters.log');
    const flows: FlowNode[] = example.map((n) => {
      if (n.type === 'syncwright-salesforce-connection') return { ...n, credentials: { privateKey: sb.demo.privateKeyPem as string } };
      if (n.id === 'sw.ex.sfo.dlq') return { ...n, wires: [[...((n['wires'] as string[][])[0] ?? []), 'it.sfo.key']] };
      return n;
    });
    flows.push(
      { id: 'it.sfo.key', type: 'change', z: 'sw.example.sf.ops', name: '', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '$string(payload.businessKey) & " " & payload.error.class & " " & payload.error.code', tot: 'jsonata' }], action: '', property: '', from: '', to: '', reg: false, x: 380, y: 420, wires: [['it.sfo.file']] },
      { id: 'it.sfo.file', type: 'file', z: 'sw.example.sf.ops', name: '', filename: deadFile, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', x: 600, y: 420, wires: [] },
    );
    await p.deploy(flows);
    for (const inject of ['sw.ex.sfo.inject1', 'sw.ex.sfo.inject2', 'sw.ex.sfo.inject3']) assert.equal((await p.request('POST', `/inject/${inject}`)).status, 200);
    const key = (k: string) => sb.findByExternalId('Account', 'Syncwright_Key__c', k);
    await waitFor('the example accounts', () => key('acct:EXAMPLE-1').length === 1 && key('acct:BATCH-1').length === 1 && key('acct:BATCH-2').length === 1);
    assert.equal(key('acct:EXAMPLE-1')[0]?.['BillingCountry'], 'US');
    await waitFor('the refused record in the dead-letter queue', () => existsSync(deadFile) && readFileSync(deadFile, 'utf8').includes('acct:BATCH-3'));
    assert.deepEqual(readFileSync(deadFile, 'utf8').trim().split('\n'), ['acct:BATCH-3 data INVALID_FIELD']);
    assert.equal(key('acct:BATCH-3').length, 0);
    assert.deepEqual(p.errors(), []);
  });
});
