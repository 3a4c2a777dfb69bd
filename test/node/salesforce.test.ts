// The Salesforce nodes through node-red-node-test-helper, against the in-process Salesforce sandbox: the
// connection and its Test connection route, the operation node, a store-forward batch into bulk upsert, and
// the closed-won trigger across a restart.
import assert from 'node:assert/strict';
import deadLetterNode from '../../nodes/dead-letter/dead-letter.js';
import salesforceClosedWonNode from '../../nodes/salesforce/salesforce-closed-won.js';
import salesforceConnectionNode from '../../nodes/salesforce/salesforce-connection.js';
import salesforceNode from '../../nodes/salesforce/salesforce.js';
import storeForwardNode from '../../nodes/store-forward/store-forward.js';
import { SalesforceClient } from '../../nodes/salesforce/client/client.js';
import { closeAllEngines } from '../../runtime-plugins/engine-access.js';
import { ManualClock } from '../../sandbox/core/clock.js';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.js';
import { example } from '../fixtures/canonical.js';
import { useEngineStore } from '../support/engine.js';
import { testFlow, useHelper } from '../support/helper.js';

type Msg = Record<string, unknown> & { payload?: unknown; sync?: Record<string, unknown>; results?: unknown[]; error?: { message: string } };

async function until(cond: () => boolean, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const nodes = [salesforceConnectionNode, salesforceNode, salesforceClosedWonNode, storeForwardNode, deadLetterNode];

describe('Salesforce nodes', function () {
  this.timeout(30_000);
  const helper = useHelper();
  useEngineStore();
  let sb: SalesforceSandbox;
  let got: Record<string, Msg[]>;

  beforeEach(async () => {
    sb = await startSalesforceSandbox({ seedData: true });
  });
  afterEach(() => sb.close());

  const connection = (extra: Record<string, unknown> = {}) => ({ id: 'conn', type: 'syncwright-salesforce-connection', name: 'sandbox', loginUrl: sb.url, instanceUrl: '', apiVersion: '62.0', authType: 'jwt', consumerKey: sb.demo.consumerKey, username: sb.demo.username, timeout: '30', corporateCurrency: 'USD', multiCurrency: true, requestsPerSecond: '', concurrency: '4', dailyBudget: '', dailyHeadroomPercent: '10', maintenance: '', ...extra });
  const credentials = () => ({ conn: { privateKey: sb.demo.privateKeyPem as string } });
  const op = (extra: Record<string, unknown>) => ({ id: 'op', type: 'syncwright-salesforce', z: 'f', name: '', connection: 'conn', operation: 'upsert', sobject: 'Account', externalIdField: 'Syncwright_Key__c', input: 'canonical', lineItems: 'replace', lookup: 'externalId', key: 'sync.businessKey', keyType: 'msg', allOrNone: false, query: '', wires: [['out']], ...extra });
  const base = [{ id: 'f', type: 'tab' }, { id: 'out', type: 'helper', z: 'f' }, { id: 'catch', type: 'catch', z: 'f', scope: null, uncaught: false, wires: [['caught']] }, { id: 'caught', type: 'helper', z: 'f' }];

  async function load(flow: Array<Record<string, unknown>>, ids: string[] = ['out', 'caught']): Promise<void> {
    await helper.load(nodes, testFlow(flow), credentials());
    got = {};
    for (const id of ids) {
      const list: Msg[] = [];
      got[id] = list;
      helper.getNode(id).on('input', (m: Msg) => list.push(m));
    }
  }
  const statusOf = (id: string): { fill?: string; text?: string } => {
    const calls = (helper.getNode(id) as unknown as { status: { args?: unknown[][] } }).status.args;
    return (calls?.[calls.length - 1]?.[0] ?? {});
  };

  function account(key: string): Record<string, unknown> {
    const a = example('syncwright/account@1');
    delete a['parent'];
    delete a['externalIds'];
    return { ...a, businessKey: key, name: `Account ${key}` };
  }

  describe('operation node', () => {
    it('upserts a canonical account and puts its id in msg.sync.results', async () => {
      await load([...base, connection(), op({})]);
      helper.getNode('op').receive({ payload: account('acct:NODE-1'), sync: { correlationId: 'c1', businessKey: 'acct:NODE-1', schema: 'syncwright/account@1', occurredAt: '2026-01-05T09:00:00Z' } });
      await until(() => got['out']?.length === 1);
      const msg = got['out']?.[0];
      const result = (msg.sync?.['results'] as Record<string, { id: string; created: boolean }>)['salesforce.Account'];
      assert.equal(result?.created, true);
      assert.deepEqual(msg.payload, { id: result?.id, created: true, key: 'acct:NODE-1' });
      assert.equal(msg.sync?.['correlationId'], 'c1', 'the transaction context is kept');
      assert.equal(sb.record('Account', result?.id)?.['Name'], 'Account acct:NODE-1');
    });

    it('upserts a vendor-shaped record, starting msg.sync when the message has none', async () => {
      await load([...base, connection(), op({ input: 'vendor', sobject: 'pse__Proj__c' })]);
      const acme = String(sb.findByExternalId('Account', 'Syncwright_Key__c', 'acct:ACME')[0]?.['Id']);
      helper.getNode('op').receive({ payload: { Syncwright_Key__c: 'proj:VENDOR', Name: 'Vendor shaped', pse__Account__c: acme, pse__Start_Date__c: '2026-02-02', pse__Stage__c: 'Planned' } });
      await until(() => got['out']?.length === 1);
      const msg = got['out']?.[0];
      assert.equal(msg.sync?.['businessKey'], 'proj:VENDOR');
      assert.equal((msg.sync?.['results'] as Record<string, { created: boolean }>)['salesforce.pse__Proj__c']?.created, true);
      assert.equal(sb.findByExternalId('pse__Proj__c', 'Syncwright_Key__c', 'proj:VENDOR').length, 1);
    });

    it('gets a record as canonical by the business key', async () => {
      await load([...base, connection(), op({ operation: 'get', sobject: 'Opportunity' })]);
      helper.getNode('op').receive({ sync: { correlationId: 'c', businessKey: 'opp:ACME-ERP-2026', occurredAt: '2026-01-05T09:00:00Z' } });
      await until(() => got['out']?.length === 1);
      const opp = got['out']?.[0]?.payload as { businessKey: string; status: string; lineItems: unknown[] };
      assert.equal(opp.businessKey, 'opp:ACME-ERP-2026');
      assert.equal(opp.status, 'won');
      assert.equal(opp.lineItems.length, 3);
    });

    it('queries with parameters from msg.params, which stay literals', async () => {
      await load([...base, connection(), op({ operation: 'query', input: 'vendor', sobject: '', query: 'SELECT Id, Name FROM Account WHERE Name = :name OR Name LIKE :prefix ORDER BY Name' })]);
      helper.getNode('op').receive({ params: { name: "x' OR Name != '", prefix: { startsWith: 'Glob' } } });
      await until(() => got['out']?.length === 1);
      const msg = got['out']?.[0] as Msg & { totalSize: number };
      assert.deepEqual((msg.payload as Array<{ Name: string }>).map((r) => r.Name), ['Globex Ltd']);
      assert.equal(msg.totalSize, 1);
      assert.match(String(statusOf('op').text), /^1 read · api \d+\/15,000$/);
    });

    it('creates, updates and deletes a vendor-shaped record by Id', async () => {
      await load([...base, connection(), op({ id: 'create', operation: 'create', input: 'vendor' }), op({ id: 'update', operation: 'update', input: 'vendor', lookup: 'id', key: 'sync.results["salesforce.Account"].id' }), op({ id: 'delete', operation: 'delete', input: 'vendor', lookup: 'id', key: 'sync.results["salesforce.Account"].id' })]);
      helper.getNode('create').receive({ payload: { Name: 'Short-lived Ltd', Industry: 'Retail' } });
      await until(() => got['out']?.length === 1);
      const created = got['out']?.[0];
      const id = String((created.payload as { id: string }).id);
      assert.equal((created.payload as { created: boolean }).created, true);
      helper.getNode('update').receive({ ...created, payload: { Industry: 'Media' } });
      await until(() => got['out']?.length === 2);
      assert.equal(sb.record('Account', id)?.['Industry'], 'Media');
      helper.getNode('delete').receive(got['out']?.[1]);
      await until(() => got['out']?.length === 3);
      assert.deepEqual(got['out']?.[2]?.payload, { id, deleted: true });
      assert.equal(sb.record('Account', id), undefined);
      assert.equal(sb.records('Account', true).find((r) => r['Id'] === id)?.['Name'], 'Short-lived Ltd', 'it went to the recycle bin');
      assert.equal(got['caught']?.length, 0);
    });

    it('updates by external ID without creating, and fails when nothing matches', async () => {
      await load([...base, connection(), op({ operation: 'update', input: 'vendor' })]);
      helper.getNode('op').receive({ payload: { Industry: 'Media' }, sync: { correlationId: 'c', businessKey: 'acct:GLOBEX', occurredAt: '2026-01-05T09:00:00Z' } });
      await until(() => got['out']?.length === 1);
      assert.equal(sb.findByExternalId('Account', 'Syncwright_Key__c', 'acct:GLOBEX')[0]?.['Industry'], 'Media');
      helper.getNode('op').receive({ payload: { Industry: 'Media' }, sync: { correlationId: 'c', businessKey: 'acct:NOBODY', occurredAt: '2026-01-05T09:00:00Z' } });
      await until(() => got['caught']?.length === 1);
      assert.equal((got['caught']?.[0]?.sync?.['error'] as { code: string }).code, 'NOT_FOUND');
      assert.equal(sb.findByExternalId('Account', 'Syncwright_Key__c', 'acct:NOBODY').length, 0);
    });

    it('fails through Catch with the class, and shows it', async () => {
      await load([...base, connection(), op({})]);
      const bad = account('acct:BAD');
      bad['name'] = '';
      helper.getNode('op').receive({ payload: bad });
      await until(() => got['caught']?.length === 1);
      const caught = got['caught']?.[0];
      const error = caught.sync?.['error'] as { class: string; code: string; fields: string[] };
      assert.equal(error.class, 'data');
      assert.equal(error.code, 'MAPPING_ERROR');
      assert.deepEqual(error.fields, ['name']);
      assert.equal(statusOf('op').fill, 'red');
      assert.match(String(statusOf('op').text), /^data MAPPING_ERROR/);
      assert.equal(got['out']?.length, 0);
    });

    it('logs in again when the session expired and carries on', async () => {
      await load([...base, connection(), op({})]);
      helper.getNode('op').receive({ payload: account('acct:S1') });
      await until(() => got['out']?.length === 1);
      sb.server.expireTokens();
      helper.getNode('op').receive({ payload: account('acct:S2') });
      await until(() => got['out']?.length === 2);
      assert.equal(got['caught']?.length, 0);
      assert.equal(sb.server.getJournal({ path: '/services/oauth2/token' }).length, 2);
    });

    it('fails messages with a data error when the connection cannot work (no retry would help)', async () => {
      await load([...base, connection({ apiVersion: 'latest' }), op({})]);
      helper.getNode('op').receive({ payload: account('acct:X') });
      await until(() => got['caught']?.length === 1);
      const error = got['caught']?.[0]?.sync?.['error'] as { class: string; code: string; retryable: boolean };
      assert.deepEqual([error.class, error.code, error.retryable], ['data', 'INVALID_API_VERSION', false]);
    });

    it('refuses a node without a connection with a clear error', async () => {
      await load([...base, op({ connection: '' })]);
      helper.getNode('op').receive({ payload: account('acct:X') });
      await until(() => got['caught']?.length === 1);
      assert.match(String(got['caught']?.[0]?.error?.message), /no Salesforce connection/);
    });
  });

  describe('bulk upsert behind store-forward', () => {
    it('settles each message of a batch by its own result: only the refused one is dead-lettered', async () => {
      const sf = { id: 'sf', type: 'syncwright-store-forward', z: 'f', name: '', queueName: 'q-sf', target: 'conn', maxInFlight: '1', key: 'sync.businessKey', keyType: 'msg', orderByKey: true, lane: '', laneType: 'msg', lanes: '', maximumRedeliveries: '2', redeliveryDelay: '0.01', backOffMultiplier: '1', maximumRedeliveryDelay: '1', jitter: '0', ackTimeout: '60', batchSize: '10', wires: [['op'], ['delivered']] };
      const flow = [
        { id: 'f', type: 'tab' },
        connection(),
        sf,
        op({ operation: 'bulkUpsert', wires: [['sf', 'out']] }),
        { id: 'out', type: 'helper', z: 'f' },
        { id: 'delivered', type: 'helper', z: 'f' },
        { id: 'catch', type: 'catch', z: 'f', scope: ['op'], uncaught: false, wires: [['sf', 'caught']] },
        { id: 'caught', type: 'helper', z: 'f' },
        { id: 'dlq', type: 'syncwright-dead-letter', z: 'f', name: '', queue: '', errorClass: '', wires: [['dead']] },
        { id: 'dead', type: 'helper', z: 'f' },
      ];
      await load(flow, ['out', 'caught', 'dead', 'delivered']);
      const sfNode = helper.getNode('sf');
      const env = (k: string) => ({ correlationId: `c-${k}`, businessKey: k, schema: 'syncwright/account@1', occurredAt: '2026-01-05T09:00:00Z' });
      const bad = account('acct:SF-2');
      bad['currency'] = 'KRW';
      bad['creditLimit'] = { amount: '5', currency: 'KRW' };
      sfNode.receive({ payload: account('acct:SF-1'), sync: env('acct:SF-1') });
      sfNode.receive({ payload: bad, sync: env('acct:SF-2') });
      sfNode.receive({ payload: account('acct:SF-3'), sync: env('acct:SF-3') });
      await until(() => got['dead']?.length === 1 && sb.findByExternalId('Account', 'Syncwright_Key__c', 'acct:SF-3').length === 1);
      const dead = got['dead']?.[0]?.payload as { businessKey: string; error: { class: string; code: string } };
      assert.equal(dead.businessKey, 'acct:SF-2');
      assert.equal(dead.error.class, 'data');
      assert.equal(dead.error.code, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
      assert.equal(sb.findByExternalId('Account', 'Syncwright_Key__c', 'acct:SF-1').length, 1);
      assert.equal(sb.findByExternalId('Account', 'Syncwright_Key__c', 'acct:SF-2').length, 0);
      const batches = (got['out'] ?? []).filter((m) => Array.isArray(m.results));
      assert.ok(batches.length >= 1);
      assert.equal(batches.flatMap((m) => m.results as Array<{ ok: boolean }>).filter((r) => r.ok).length, 2);
      const delivery = batches[0]?.sync?.['delivery'] as { target: string };
      assert.equal(delivery.target, 'connection:conn', 'the delivery held the connection\'s slot');
    });

    it('answers msg.results aligned with the payloads, failing only the refused record', async () => {
      await load([...base, connection(), op({ operation: 'bulkUpsert', input: 'vendor' })]);
      helper.getNode('op').receive({ payload: [{ Name: 'One', Syncwright_Key__c: 'acct:B-1' }, { Name: 'Two', Syncwright_Key__c: 'acct:B-2', Industry: 'Retail', NotAField__c: 1 }, { Name: 'Three', Syncwright_Key__c: 'acct:B-3' }] });
      await until(() => got['out']?.length === 1);
      const results = got['out']?.[0]?.results as Array<{ ok: boolean; id?: string; created?: boolean; error?: { class: string; code: string } }>;
      assert.deepEqual(results.map((r) => r.ok), [true, false, true]);
      assert.equal(results[0]?.created, true);
      assert.equal(results[1]?.error?.class, 'data');
      assert.equal(results[1]?.error?.code, 'INVALID_FIELD');
      assert.equal(got['caught']?.length, 0, 'a partial failure is not a failure of the message');
      assert.match(String(statusOf('op').text), /^2 of 3 upserted \(2 new\), 1 failed/);
      assert.deepEqual(got['out']?.[0]?.payload, [{ Name: 'One', Syncwright_Key__c: 'acct:B-1' }, { Name: 'Two', Syncwright_Key__c: 'acct:B-2', Industry: 'Retail', NotAField__c: 1 }, { Name: 'Three', Syncwright_Key__c: 'acct:B-3' }]);
    });
  });

  describe('Test connection', () => {
    const post = async (body: object): Promise<{ body: { ok: boolean; message: string } }> => {
      const res = await helper.request().post('/syncwright/salesforce/test-connection').send(body).expect(200);
      return { body: res.body as { ok: boolean; message: string } };
    };

    it('logs in with the dialog\'s values and says so', async () => {
      await load([...base, connection()], []);
      const res = await post({ id: 'conn', config: { loginUrl: sb.url, apiVersion: '62.0', authType: 'jwt', consumerKey: sb.demo.consumerKey, username: sb.demo.username }, credentials: { privateKey: '__PWRD__' } });
      assert.equal(res.body.ok, true, res.body.message);
      assert.match(res.body.message, new RegExp(`^Connected to ${sb.url} \\(API v62\\.0\\) as integration@syncwright\\.demo; API requests in the last 24 hours: \\d+ of 15,000$`));
    });

    it('says what is wrong in plain words, without secrets', async () => {
      await load([...base, connection()], []);
      const cfg = { loginUrl: sb.url, apiVersion: '62.0', authType: 'jwt', consumerKey: sb.demo.consumerKey, username: sb.demo.username };
      assert.match((await post({ config: cfg, credentials: { privateKey: 'not a key' } })).body.message, /^the private key is not a PEM key/);
      const stranger = await post({ config: { ...cfg, username: 'nobody@example.com' }, credentials: { privateKey: sb.demo.privateKeyPem } });
      assert.equal(stranger.body.message, "Salesforce refused the JWT: user hasn't approved this consumer");
      const unknown = await post({ config: { ...cfg, consumerKey: 'nope' }, credentials: { privateKey: sb.demo.privateKeyPem } });
      assert.match(unknown.body.message, /consumer key \(client id\) is not known to Salesforce/);
      const secret = 'very-secret-value-123';
      const cc = await post({ config: { loginUrl: sb.url, apiVersion: '62.0', authType: 'client-credentials' }, credentials: { clientId: sb.demo.clientId, clientSecret: secret } });
      assert.equal(cc.body.ok, false);
      assert.ok(!JSON.stringify(cc.body).includes(secret));
      const version = await post({ config: { ...cfg, apiVersion: '99.0' }, credentials: { privateKey: sb.demo.privateKeyPem } });
      assert.equal(version.body.message, 'the org does not serve REST API version 99.0 (choose another API version)');
      const url = sb.url;
      await sb.close();
      const down = await post({ config: { ...cfg, loginUrl: url }, credentials: { privateKey: sb.demo.privateKeyPem } });
      assert.equal(down.body.message, `cannot reach ${url}/services/oauth2/token: connection refused`);
      sb = await startSalesforceSandbox();
    });
  });

  describe('closed-won trigger', () => {
    const trigger = (extra: Record<string, unknown> = {}) => ({ id: 'won', type: 'syncwright-salesforce-closed-won', z: 'f', name: '', connection: 'conn', interval: '3600', startFrom: 'beginning', batchSize: '2', emit: 'once', wires: [['out']], ...extra });

    async function closeWon(client: SalesforceClient, key: string, account = 'acct:GLOBEX'): Promise<string> {
      const r = await client.upsert('Opportunity', 'Syncwright_Key__c', key, { Name: key, Account: { Syncwright_Key__c: account }, StageName: 'Closed Won', CloseDate: '2026-03-01' });
      return r.id;
    }

    it('emits each won opportunity once, as canonical with msg.sync, across a restart', async () => {
      const client = new SalesforceClient({ loginUrl: sb.url, auth: { type: 'client-credentials', clientId: sb.demo.clientId, clientSecret: sb.demo.clientSecret } });
      await closeWon(client, 'opp:WON-1');
      await closeWon(client, 'opp:WON-2');
      await load([...base, connection(), trigger()]);
      // batch size 2: three won opportunities take two polls, the second at once.
      await until(() => got['out']?.length === 3);
      const first = got['out']?.[0];
      assert.equal((first.payload as { businessKey: string }).businessKey, 'opp:ACME-ERP-2026');
      assert.equal((first.payload as { lineItems: unknown[] }).lineItems.length, 3);
      assert.equal(first.sync?.['schema'], 'syncwright/opportunity@1');
      assert.equal(first.sync?.['businessKey'], 'opp:ACME-ERP-2026');
      assert.deepEqual(first.sync?.['source'], { system: 'salesforce', id: sb.findByExternalId('Opportunity', 'Syncwright_Key__c', 'opp:ACME-ERP-2026')[0]?.['Id'] });
      assert.equal(first.sync?.['occurredAt'], new Date(Date.parse(String(sb.findByExternalId('Opportunity', 'Syncwright_Key__c', 'opp:ACME-ERP-2026')[0]?.['SystemModstamp']).replace('+0000', 'Z'))).toISOString());
      assert.deepEqual(got['out']?.map((m) => m.sync?.['businessKey']), ['opp:ACME-ERP-2026', 'opp:WON-1', 'opp:WON-2']);

      // Edited after it was won: not a new closed-won event.
      await client.update('Opportunity', String(sb.findByExternalId('Opportunity', 'Syncwright_Key__c', 'opp:WON-1')[0]?.['Id']), { Sync_Status__c: 'Completed' });
      await closeWon(client, 'opp:WON-3');
      helper.getNode('won').receive({ payload: 'poll now' });
      await until(() => got['out']?.length === 4);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(got['out']?.[3]?.sync?.['businessKey'], 'opp:WON-3');
      assert.equal(got['out']?.length, 4);

      // Stopped: opportunities close meanwhile; restarted: exactly those come, none again.
      await helper.unload();
      await closeAllEngines();
      await closeWon(client, 'opp:WON-4');
      await closeWon(client, 'opp:WON-5');
      const before = got['out'] ?? [];
      await load([...base, connection(), trigger()]);
      await until(() => (got['out']?.length ?? 0) === 2);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual([...before, ...(got['out'] ?? [])].map((m) => m.sync?.['businessKey']), ['opp:ACME-ERP-2026', 'opp:WON-1', 'opp:WON-2', 'opp:WON-3', 'opp:WON-4', 'opp:WON-5']);
    });

    it('takes opportunities that share one SystemModstamp in Id order across polls and a restart, each once (the cursor breaks ties by Id)', async () => {
      // Salesforce stamps to the second: a burst of wins shares one SystemModstamp. A frozen sandbox clock makes every one share it.
      await sb.close();
      const clock = new ManualClock(Date.now());
      sb = await startSalesforceSandbox({ seedData: true, clock });
      const client = new SalesforceClient({ loginUrl: sb.url, auth: { type: 'client-credentials', clientId: sb.demo.clientId, clientSecret: sb.demo.clientSecret } });
      for (let i = 1; i <= 4; i++) await closeWon(client, `opp:TIE-${i}`);
      const keys = ['opp:ACME-ERP-2026', 'opp:TIE-1', 'opp:TIE-2', 'opp:TIE-3', 'opp:TIE-4'];
      const stamps = new Set(keys.map((k) => sb.findByExternalId('Opportunity', 'Syncwright_Key__c', k)[0]?.['SystemModstamp']));
      const ids = keys.map((k) => String(sb.findByExternalId('Opportunity', 'Syncwright_Key__c', k)[0]?.['Id']));
      // (The seeded opportunity was won before the clock froze: only the four share a stamp.)
      assert.ok(stamps.size <= 2, 'the four wins share one SystemModstamp');
      assert.deepEqual([...ids.slice(1)].sort(), ids.slice(1), 'Ids grow in the order the opportunities were created');
      // Batches of 2: three polls, each picking up after the last (stamp, Id) it took.
      await load([...base, connection(), trigger()]);
      await until(() => got['out']?.length === 5);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(got['out']?.map((m) => m.sync?.['businessKey']), keys);
      // Restarted with one more win on the same stamp: only that one comes.
      await helper.unload();
      await closeAllEngines();
      await closeWon(client, 'opp:TIE-5');
      await load([...base, connection(), trigger()]);
      await until(() => (got['out']?.length ?? 0) === 1);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(got['out']?.map((m) => m.sync?.['businessKey']), ['opp:TIE-5']);
      // An older opportunity (a lower Id) won in that same second after the poll: it comes too.
      const older = await client.upsert('Opportunity', 'Syncwright_Key__c', 'opp:TIE-0', { Name: 'opp:TIE-0', Account: { Syncwright_Key__c: 'acct:GLOBEX' }, StageName: 'Prospecting', CloseDate: '2026-03-01' });
      await closeWon(client, 'opp:TIE-6');
      helper.getNode('won').receive({});
      await until(() => (got['out']?.length ?? 0) === 2);
      assert.ok(older.id < String(sb.findByExternalId('Opportunity', 'Syncwright_Key__c', 'opp:TIE-6')[0]?.['Id']));
      await client.update('Opportunity', older.id, { StageName: 'Closed Won' });
      helper.getNode('won').receive({});
      await until(() => (got['out']?.length ?? 0) === 3);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(got['out']?.map((m) => m.sync?.['businessKey']), ['opp:TIE-5', 'opp:TIE-6', 'opp:TIE-0']);
    });

    it('emits an opportunity again on every change when told to', async () => {
      const client = new SalesforceClient({ loginUrl: sb.url, auth: { type: 'client-credentials', clientId: sb.demo.clientId, clientSecret: sb.demo.clientSecret } });
      await load([...base, connection(), trigger({ emit: 'every-change' })]);
      await until(() => got['out']?.length === 1);
      // Most often within the second the poll read it in (Salesforce stamps to the second): still a change.
      await client.update('Opportunity', String(sb.findByExternalId('Opportunity', 'Syncwright_Key__c', 'opp:ACME-ERP-2026')[0]?.['Id']), { PO_Number__c: 'PO-2' });
      helper.getNode('won').receive({});
      await until(() => got['out']?.length === 2);
      assert.equal(got['out']?.[1]?.sync?.['businessKey'], 'opp:ACME-ERP-2026');
      assert.equal((got['out']?.[1]?.payload as { contractTerms?: { poNumber?: string } }).contractTerms?.poNumber, 'PO-2');
      // Read again unchanged: not sent again.
      helper.getNode('won').receive({});
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(got['out']?.length, 2);
    });

    it('watching every opportunity, sends each change of those matching the condition, open or lost too', async () => {
      const client = new SalesforceClient({ loginUrl: sb.url, auth: { type: 'client-credentials', clientId: sb.demo.clientId, clientSecret: sb.demo.clientSecret } });
      await load([...base, connection(), trigger({ watch: 'all', condition: "Amount >= 50000 AND StageName != 'Prospecting'", emit: 'every-change', startFrom: 'now', batchSize: '50' })]);
      await until(() => String(statusOf('won').text).startsWith('polled'));
      const open = await client.upsert('Opportunity', 'Syncwright_Key__c', 'opp:WATCH-1', { Name: 'Watch one', Account: { Syncwright_Key__c: 'acct:GLOBEX' }, StageName: 'Qualification', CloseDate: '2026-06-01', Amount: 80000, Resource_Needs__c: JSON.stringify([{ role: 'Developer', hours: 80 }]) });
      await client.upsert('Opportunity', 'Syncwright_Key__c', 'opp:WATCH-SMALL', { Name: 'Too small', Account: { Syncwright_Key__c: 'acct:GLOBEX' }, StageName: 'Qualification', CloseDate: '2026-06-01', Amount: 5000 });
      helper.getNode('won').receive({});
      await until(() => got['out']?.length === 1);
      const first = got['out']?.[0];
      assert.deepEqual([first?.topic, first?.sync?.['businessKey'], (first?.payload as { status: string }).status], ['salesforce/opportunity/changed', 'opp:WATCH-1', 'open']);
      assert.deepEqual((first?.payload as { resourceNeeds: unknown }).resourceNeeds, [{ role: 'Developer', hours: 80 }]);
      await client.update('Opportunity', open.id, { StageName: 'Closed Lost' });
      helper.getNode('won').receive({});
      await until(() => got['out']?.length === 2);
      assert.deepEqual([got['out']?.[1]?.sync?.['businessKey'], (got['out']?.[1]?.payload as { status: string }).status], ['opp:WATCH-1', 'lost']);
      const polls = sb.server.getJournal({ path: '/query' }).map((e) => new URLSearchParams(e.query).get('q') ?? '');
      assert.ok(polls.some((q) => q.includes("WHERE (Amount >= 50000 AND StageName != 'Prospecting') AND SystemModstamp >= ")), polls.join('\n'));
    });

    it('refuses a condition that would leave its parentheses, naming it', async () => {
      await load([...base, connection(), trigger({ watch: 'all', condition: 'Amount > 0) OR (Id != null' })]);
      assert.match(String(statusOf('won').text), /condition has a "\)" without its "\("/);
      await helper.unload();
      await load([...base, connection(), trigger({ watch: 'won', condition: 'Amount > 0 ORDER BY Amount' })]);
      assert.match(String(statusOf('won').text), /condition must be a WHERE condition only/);
    });

    it('starting from now skips opportunities won before, and reports an unmappable one to Catch', async () => {
      const client = new SalesforceClient({ loginUrl: sb.url, auth: { type: 'client-credentials', clientId: sb.demo.clientId, clientSecret: sb.demo.clientSecret } });
      await load([...base, connection(), trigger({ startFrom: 'now' })]);
      await until(() => String(statusOf('won').text).startsWith('polled'));
      const id = await closeWon(client, 'opp:NOW-1');
      await client.update('Opportunity', id, { Contract_Start_Date__c: '2026-03-01', Billing_Frequency__c: 'Fortnightly' });
      await closeWon(client, 'opp:NOW-2');
      helper.getNode('won').receive({});
      await until(() => got['out']?.length === 1 && got['caught']?.length === 1);
      assert.equal(got['out']?.[0]?.sync?.['businessKey'], 'opp:NOW-2');
      const caught = got['caught']?.[0];
      assert.match(String(caught.error?.message), /could not be mapped: .*Billing_Frequency__c/);
      assert.equal((caught.payload as { Id: string }).Id, id);
      assert.equal((caught.sync?.['error'] as { class: string }).class, 'data');
    });
  });
});
