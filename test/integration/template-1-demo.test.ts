// `npm start` as a newcomer runs it: the sandboxes, Node-RED with every template deployed, and the demo driver
// closing an opportunity every second (without its faults) — until the first closed-won transaction completes, seen on the Salesforce
// sandbox through the control URL that `npm start` prints (the Opportunity's Sync_Status__c is Completed, with the
// ids of what was made), and the first resource requests template 5 makes of a deal's needs. Then Ctrl-C (SIGINT)
// stops everything.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../support/ports.js';
import { waitFor } from './template-1-deals.js';

describe('npm start: the demo', function () {
  this.timeout(180_000);
  let child: ChildProcess | undefined;
  let userDir = '';
  const output: string[] = [];

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  it('reaches a first completed closed-won transaction, and stops cleanly on Ctrl-C', async () => {
    userDir = mkdtempSync(join(tmpdir(), 'sw-demo-'));
    const [port, salesforce, netsuite, kantata, netsuiteUk] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    child = spawn(process.execPath, [resolve(__dirname, '../../scripts/start.js')], {
      cwd: userDir,
      env: {
        ...process.env,
        SYNCWRIGHT_PORT: String(port),
        SYNCWRIGHT_HOST: '127.0.0.1',
        SYNCWRIGHT_SALESFORCE_PORT: String(salesforce),
        SYNCWRIGHT_NETSUITE_PORT: String(netsuite),
        SYNCWRIGHT_KANTATA_PORT: String(kantata),
        SYNCWRIGHT_NETSUITE_UK_PORT: String(netsuiteUk),
        SYNCWRIGHT_USER_DIR: userDir,
        SYNCWRIGHT_DEMO_INTERVAL_MS: '1000',
        // A fault every 5th deal is one every 5 s at this pace; an 8 s NetSuite outage among them would leave the
        // sandbox down most of the time, and whether the first deal completes would be a matter of chance.
        SYNCWRIGHT_DEMO_FAULTS: '0',
        // As a copied .env.example leaves them: empty is unset (the demo's sandbox settings and defaults apply).
        ANALYTICS_DIR: '',
        SALESFORCE_LOGIN_URL: '',
        SYNCWRIGHT_CREDENTIAL_SECRET: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n'));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const log = () => output.slice(-40).join('\n');

    const control = await waitFor('the printed Salesforce control URL', () => output.map((l) => /Salesforce sandbox\s+\S+\s+control: (\S+)/.exec(l)?.[1]).find((u) => u !== undefined), 90_000, log);
    assert.match(control, new RegExp(`^http://127\\.0\\.0\\.1:${salesforce}/__sandbox$`));

    let completed: Record<string, unknown> | undefined;
    const deadline = Date.now() + 120_000;
    while (completed === undefined) {
      if (child.exitCode !== null) throw new Error(`npm start stopped:\n${log()}`);
      if (Date.now() > deadline) throw new Error(`no completed closed-won transaction:\n${log()}`);
      const records = (await fetch(`${control}/records`).then((r) => r.json())) as { Opportunity?: Array<Record<string, unknown>> };
      completed = records.Opportunity?.find((o) => o['Sync_Status__c'] === 'Completed');
      if (completed === undefined) await new Promise((r) => setTimeout(r, 500));
    }
    assert.match(String(completed['Syncwright_Key__c']), /^opp:/, 'an opportunity the demo driver closed');
    assert.match(String(completed['NetSuite_Customer_Id__c']), /^\d+$/);
    assert.match(String(completed['PSA_Project_Id__c']), /\S/);
    assert.match(String(completed['Sync_Correlation_Id__c']), /\S/);
    assert.ok(output.some((l) => /demo: .* closed as won/.test(l)), 'the driver says what it closes');
    // The analytics line of that transaction, where npm start points ANALYTICS_DIR.
    const file = join(userDir, 'analytics', 'q2c-closed-won.jsonl');
    const line = await waitFor('its analytics line', () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').find((l) => l.includes(String(completed?.['Syncwright_Key__c'])) && l.includes('"outcome":"completed"')) : undefined));
    assert.ok(line);
    // Template 5: the deals asking for people get PSA resource requests, on the project the activation made.
    const kantataControl = await waitFor('the printed Kantata control URL', () => output.map((l) => /Kantata sandbox\s+\S+\s+control: (\S+)/.exec(l)?.[1]).find((u) => u !== undefined), 1000, log);
    let requested: Array<Record<string, unknown>> = [];
    const until = Date.now() + 90_000;
    while (requested.length === 0) {
      if (Date.now() > until) throw new Error(`no resource request from template 5:\n${log()}`);
      const held = (await fetch(`${kantataControl}/records`).then((r) => r.json())) as { external_references?: Array<Record<string, unknown>>; resource_requests?: unknown[] };
      requested = (held.external_references ?? []).filter((r) => r['service_name'] === 'syncwright' && String(r['service_model_ref']).startsWith('rr:'));
      if ((held.resource_requests ?? []).length === 0) requested = [];
      if (requested.length === 0) await new Promise((r) => setTimeout(r, 500));
    }
    assert.match(String(requested[0]?.['service_model_ref']), /^rr:.*:(CONSULTANT|SOLUTION-ARCHITECT)$/);

    const exited = new Promise<number | null>((r) => child?.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0, log());
  });
});
