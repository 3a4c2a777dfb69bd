// The salesforce-changes trigger through the test helper against the Salesforce sandbox: changed records of any
// object meeting a condition come out once each, in SystemModstamp order, as canonical objects (or records) with
// msg.sync — across pages, across a restart, and with the legal entity of a contact's account for routing.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { validateCanonical } from '../../canonical/index.js';
import { SalesforceClient } from '../../nodes/salesforce/client/client.js';
import salesforceChangesNode from '../../nodes/salesforce/salesforce-changes.js';
import salesforceConnectionNode from '../../nodes/salesforce/salesforce-connection.js';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.js';
import { useEngineStore } from '../support/engine.js';
import { testFlow, useHelper } from '../support/helper.js';

type Msg = Record<string, unknown> & { payload?: Record<string, unknown>; sync?: Record<string, unknown>; salesforce?: Record<string, string> };

async function until(what: string, cond: () => boolean, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('syncwright-salesforce-changes node', function () {
  this.timeout(30_000);
  const helper = useHelper();
  useEngineStore();
  let sf: SalesforceSandbox;
  let client: SalesforceClient;

  beforeEach(async () => {
    sf = await startSalesforceSandbox({ seedData: true });
    client = new SalesforceClient({ loginUrl: sf.url, auth: { type: 'client-credentials', clientId: sf.demo.clientId, clientSecret: sf.demo.clientSecret } });
  });
  afterEach(() => sf.close());

  const flow = (extra: Record<string, unknown> = {}) =>
    testFlow([
      { id: 'f', type: 'tab' },
      { id: 'conn', type: 'syncwright-salesforce-connection', name: 'sandbox', loginUrl: sf.url, instanceUrl: '', apiVersion: '62.0', authType: 'client-credentials', consumerKey: '', username: '', timeout: '30', corporateCurrency: 'USD', multiCurrency: true, requestsPerSecond: '', concurrency: '', dailyBudget: '', dailyHeadroomPercent: '10', maintenance: '' },
      { id: 'changes', type: 'syncwright-salesforce-changes', z: 'f', name: '', connection: 'conn', object: 'Account', condition: '', output: 'canonical', fields: '', legalEntityField: '', interval: '3600', startFrom: 'beginning', batchSize: '200', wires: [['out'], ['unmapped']], ...extra },
      { id: 'out', type: 'helper', z: 'f' },
      { id: 'unmapped', type: 'helper', z: 'f' },
    ]);

  interface Run {
    out: Msg[];
    unmapped: Msg[];
    polls: () => number;
  }

  async function start(extra: Record<string, unknown> = {}): Promise<Run> {
    await helper.load([salesforceConnectionNode, salesforceChangesNode], flow(extra), { conn: { clientId: sf.demo.clientId, clientSecret: sf.demo.clientSecret } });
    let polls = 0;
    const run: Run = { out: [], unmapped: [], polls: () => polls };
    helper.getNode('out').on('input', (m) => run.out.push(m as Msg));
    helper.getNode('unmapped').on('input', (m) => run.unmapped.push(m as Msg));
    (helper.getNode('changes') as unknown as EventEmitter).on('call:status', (c: { args: Array<{ text?: string }> }) => {
      if (c.args[0]?.text?.includes('polled')) polls += 1;
    });
    return run;
  }

  async function pollNow(run: Run): Promise<void> {
    const before = run.polls();
    helper.getNode('changes').receive({ payload: 'poll' });
    await until('a poll', () => run.polls() > before);
    await new Promise((r) => setTimeout(r, 50));
  }

  const keys = (msgs: Msg[]) => msgs.map((m) => m.sync?.['businessKey']);

  it('emits every record meeting the condition as a valid canonical object with msg.sync', async () => {
    const run = await start({ condition: "Type IN ('Customer - Direct', 'Customer - Channel')" });
    await until('three customers', () => run.out.length === 3);
    await pollNow(run);
    assert.deepEqual(keys(run.out).sort(), ['acct:ACME', 'acct:GLOBEX', 'acct:UMBRELLA']);
    for (const m of run.out) {
      assert.ok(validateCanonical('syncwright/account@1', m.payload).ok);
      assert.equal(m.topic, 'salesforce.Account');
      assert.deepEqual(m.sync?.['source'], { system: 'salesforce', id: m.salesforce?.['id'] });
      assert.equal(m.sync?.['schema'], 'syncwright/account@1');
      assert.equal(m.payload?.['updatedAt'], m.salesforce?.['systemModstamp'], 'updatedAt is when the record last changed');
      assert.equal(m.sync?.['idempotencyKey'], `salesforce:Account:${m.salesforce?.['id'] ?? ''}:${m.salesforce?.['systemModstamp'] ?? ''}`);
    }
    const acme = run.out.find((m) => m.sync?.['businessKey'] === 'acct:ACME')?.payload ?? {};
    assert.deepEqual([acme['domain'], (acme['tax'] as Record<string, unknown>)['taxId'], (acme['legalEntity'] as Record<string, unknown>)['code']], ['acme.example', '94-1234567', 'US01']);
    assert.deepEqual(run.unmapped, []);
  });

  it('starting from now, sends each later change once, in order, across pages and a restart', async () => {
    let run = await start({ batchSize: '2', startFrom: 'now' });
    await until('the first poll', () => run.polls() >= 1);
    const made: string[] = [];
    for (let i = 1; i <= 5; i++) made.push((await client.create('Account', { Name: `Paged ${i}`, Syncwright_Key__c: `acct:PAGED-${i}` })).id);
    await pollNow(run);
    await until('five changes', () => run.out.length === 5);
    assert.deepEqual(keys(run.out), ['acct:PAGED-1', 'acct:PAGED-2', 'acct:PAGED-3', 'acct:PAGED-4', 'acct:PAGED-5']);

    await helper.unload();
    await client.update('Account', made[2], { Website: 'https://paged-3.example' });
    run = await start({ batchSize: '2', startFrom: 'now' });
    await until('the change made while stopped', () => run.out.length === 1);
    await pollNow(run);
    assert.deepEqual(keys(run.out), ['acct:PAGED-3'], 'the earlier ones are not sent again');
    assert.equal(run.out[0]?.payload?.['website'], 'https://paged-3.example');
  });

  it('puts the legal entity of a contact\'s account in msg.sync.legalEntity', async () => {
    const run = await start({ object: 'Contact', condition: 'AccountId != null', legalEntityField: 'Account.Legal_Entity__c', startFrom: 'now' });
    await until('the first poll', () => run.polls() >= 1);
    const globex = String(sf.findByExternalId('Account', 'Syncwright_Key__c', 'acct:GLOBEX')[0]?.['Id']);
    await client.create('Contact', { LastName: 'Okafor', Email: 'ada@globex.example', AccountId: globex, Syncwright_Key__c: 'contact:ada@globex.example' });
    await client.create('Contact', { LastName: 'Loner', Syncwright_Key__c: 'contact:loner' });
    await pollNow(run);
    assert.deepEqual(keys(run.out), ['contact:ada@globex.example']);
    const m = run.out[0];
    assert.equal(m.sync?.['legalEntity'], 'UK01');
    assert.deepEqual(m.payload?.['account'], { businessKey: 'acct:GLOBEX', externalIds: { salesforce: globex } });
    assert.ok(validateCanonical('syncwright/contact@1', m.payload).ok);
  });

  it('sends a record the mapping refuses to the second output and goes on', async () => {
    const run = await start({ startFrom: 'now' });
    await until('the first poll', () => run.polls() >= 1);
    await client.create('Account', { Name: 'No country', Syncwright_Key__c: 'acct:NO-COUNTRY', BillingCity: 'Springfield' });
    await client.create('Account', { Name: 'Fine', Syncwright_Key__c: 'acct:FINE' });
    await pollNow(run);
    assert.deepEqual(keys(run.out), ['acct:FINE']);
    const bad = run.unmapped[0];
    const error = bad.sync?.['error'] as Record<string, unknown>;
    assert.deepEqual([bad.sync?.['businessKey'], error['class'], error['code'], error['fields']], ['acct:NO-COUNTRY', 'data', 'MAPPING_ERROR', ['BillingCountry']]);
    assert.equal(bad.payload?.['BillingCity'], 'Springfield', 'the record travels with it');
  });

  it('sends records of any object as they are, with the fields asked for', async () => {
    const run = await start({ object: 'Opportunity', output: 'record', fields: 'Name, StageName, Account.Name', condition: "StageName = 'Closed Won'" });
    await until('the won opportunity', () => run.out.length === 1);
    const m = run.out[0];
    assert.equal(m.sync?.['businessKey'], 'opp:ACME-ERP-2026');
    assert.equal(m.sync?.['schema'], undefined);
    assert.deepEqual([m.payload?.['Name'], m.payload?.['StageName'], (m.payload?.['Account'] as Record<string, unknown>)['Name']], ['Acme ERP rollout', 'Closed Won', 'Acme Corporation']);
    assert.equal(m.payload?.['attributes'], undefined);
  });

  it('emits a Certinia timecard as one TimeEntry per day with hours, each with its own keys', async () => {
    const run = await start({ object: 'pse__Timecard_Header__c' });
    await until('the seeded timecard', () => run.out.length >= 5 || run.unmapped.length > 0);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(run.unmapped, []);
    assert.deepEqual(run.out.map((m) => [(m.payload as { date?: string }).date, (m.payload as { hours?: number }).hours]), [
      ['2026-01-05', 8],
      ['2026-01-06', 8],
      ['2026-01-07', 7.5],
      ['2026-01-08', 8],
      ['2026-01-09', 6],
    ]);
    assert.equal(new Set(keys(run.out)).size, 5, 'a business key per day');
    assert.equal(new Set(run.out.map((m) => m.sync?.['idempotencyKey'])).size, 5, 'an idempotency key per day');
  });

  it('refuses a setting it cannot work with, naming it', async () => {
    await helper.load([salesforceConnectionNode, salesforceChangesNode], flow({ object: 'Invoice__c' }), {});
    const node = helper.getNode('changes') as unknown as { error: { args?: unknown[][] } };
    assert.match(String(node.error.args?.[0]?.[0]), /Invoice__c has no canonical mapping: choose the output "record"/);
    await helper.unload();
    await helper.load([salesforceConnectionNode, salesforceChangesNode], flow({ condition: 'Name != null ORDER BY Name' }), {});
    const again = helper.getNode('changes') as unknown as { error: { args?: unknown[][] } };
    assert.match(String(again.error.args?.[0]?.[0]), /WHERE condition only/);
  });

  it('refuses a condition that would leave its parentheses and OR past the cursor (its records sent on every poll)', async () => {
    await helper.load([salesforceConnectionNode, salesforceChangesNode], flow({ condition: 'Name != null) OR (Id != null' }), {});
    const escape = helper.getNode('changes') as unknown as { error: { args?: unknown[][] } };
    assert.match(String(escape.error.args?.[0]?.[0]), /condition has a "\)" without its "\("/);
  });
});
