// The netsuite operation node and its connection through node-red-node-test-helper, against the NetSuite
// sandbox: canonical and vendor-shaped input, ids in msg.sync.results feeding the next step, every operation,
// classified failures reaching Catch nodes, async writes keyed by the transaction, and Test connection.
import assert from 'node:assert/strict';
import netsuiteConnectionNode from '../../nodes/netsuite/netsuite-connection.js';
import netsuiteNode from '../../nodes/netsuite/netsuite.js';
import { startNetSuiteSandbox, type NetSuiteSandbox } from '../../sandbox/netsuite/index.js';
import { example } from '../fixtures/canonical.js';
import { useEngineStore } from '../support/engine.js';
import { testFlow, useHelper } from '../support/helper.js';

type Msg = Record<string, unknown> & { payload?: unknown; sync?: Record<string, unknown>; error?: { message: string } };

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('syncwright-netsuite node', function () {
  this.timeout(20_000);
  const helper = useHelper();
  useEngineStore();
  let ns: NetSuiteSandbox;

  beforeEach(async () => {
    ns = await startNetSuiteSandbox({ seedData: true });
  });
  afterEach(() => ns.close());

  const nodes = [netsuiteConnectionNode, netsuiteNode];
  const connection = (authType: 'oauth2' | 'tba', extra: Record<string, unknown> = {}) => ({
    id: 'conn',
    type: 'syncwright-netsuite-connection',
    name: 'sandbox',
    accountId: ns.accountId,
    baseUrl: ns.restUrl,
    authType,
    clientId: ns.demo.oauth2.clientId,
    certificateId: ns.demo.oauth2.certificateId,
    algorithm: 'auto',
    concurrency: '5',
    requestsPerSecond: '',
    dailyBudget: '',
    dailyHeadroomPercent: '',
    maintenance: '',
    timeout: '30',
    ...extra,
  });
  const credentials = () => ({ conn: { privateKey: ns.demo.oauth2.privateKeyPem, ...ns.demo.tba } });
  const op = (id: string, extra: Record<string, unknown>, wires: string[] = ['out']) => ({
    id,
    type: 'syncwright-netsuite',
    z: 'f',
    name: '',
    connection: 'conn',
    operation: 'upsert',
    recordType: 'customer',
    input: 'canonical',
    externalIdFrom: 'record',
    recordId: 'recordId',
    recordIdType: 'msg',
    query: '',
    expandSubResources: true,
    async: false,
    context: '',
    wires: [wires],
    ...extra,
  });
  const base = [
    { id: 'f', type: 'tab' },
    { id: 'out', type: 'helper', z: 'f' },
    { id: 'catch', type: 'catch', z: 'f', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f' },
  ];

  function collect(id: string): Msg[] {
    const got: Msg[] = [];
    helper.getNode(id).on('input', (m: Msg) => got.push(m));
    return got;
  }

  function account(): Record<string, unknown> {
    const a = example('syncwright/account@1');
    delete a['parent'];
    return a;
  }

  const sync = (businessKey: string, extra: Record<string, unknown> = {}) => ({ correlationId: `corr-${businessKey}`, businessKey, occurredAt: '2026-05-01T10:00:00Z', ...extra });

  it('upserts a canonical customer, then its project with the customer id from msg.sync.results', async () => {
    await helper.load(nodes, testFlow([...base, connection('oauth2'), op('cust', {}), op('job', { recordType: 'job' })]), credentials());
    const out = collect('out');
    helper.getNode('cust').receive({ payload: account(), sync: sync('acct:ACME') });
    await until(() => out.length === 1);
    const customer = ns.record('customer', 'eid:acct_c_uacme');
    assert.ok(customer, 'the sandbox holds the customer under its encoded business key');
    assert.deepEqual(out[0].sync?.['results'], { 'netsuite.customer': { id: String(customer.id), externalId: 'acct_c_uacme' } });
    assert.deepEqual(out[0].payload, { type: 'customer', id: String(customer.id), externalId: 'acct_c_uacme' });

    // The next step of the same transaction: the project, whose customer is the one just upserted.
    helper.getNode('job').receive({ payload: example('syncwright/project@1'), sync: out[0].sync });
    await until(() => out.length === 2);
    const job = ns.record('job', 'eid:proj_c_uacme-erp');
    assert.ok(job);
    assert.deepEqual(job.values['parent'], { type: 'customer', id: customer.id }, 'the project belongs to the customer of the earlier step');
    const results = out[1].sync?.['results'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(results).sort(), ['netsuite.customer', 'netsuite.job']);
    assert.deepEqual(results['netsuite.job'], { id: String(job.id), externalId: 'proj_c_uacme-erp' });
  });

  it('reads a record back as canonical, and vendor-shaped when asked', async () => {
    await helper.load(nodes, testFlow([...base, connection('tba'), op('get', { operation: 'get', recordType: 'invoice' }), op('raw', { operation: 'get', recordType: 'invoice', input: 'vendor' })]), credentials());
    const out = collect('out');
    helper.getNode('get').receive({ recordId: '301', payload: null });
    await until(() => out.length === 1);
    const invoice = out[0].payload as Record<string, unknown>;
    assert.deepEqual([invoice['invoiceNumber'], invoice['status'], (invoice['total'] as { amount: string }).amount], ['INV0002', 'open', '12000.00']);
    helper.getNode('raw').receive({ recordId: 'eid:DEMO-INV-2', payload: null });
    await until(() => out.length === 2);
    assert.equal((out[1].payload as Record<string, unknown>)['tranId'], 'INV0002');
  });

  it('creates, updates, lists and deletes vendor-shaped records, and runs SuiteQL with msg.params', async () => {
    await helper.load(
      nodes,
      testFlow([
        ...base,
        connection('tba'),
        op('create', { operation: 'create', input: 'vendor' }),
        op('update', { operation: 'update', input: 'vendor' }),
        op('list', { operation: 'list', input: 'vendor' }),
        op('query', { operation: 'query', recordType: '', input: 'vendor', query: 'SELECT id, email FROM customer WHERE companyname = :name' }),
        op('delete', { operation: 'delete', input: 'vendor' }),
      ]),
      credentials(),
    );
    const out = collect('out');
    helper.getNode('create').receive({ payload: { companyName: "Nilsson's Bikes", subsidiary: { id: '2' } } });
    await until(() => out.length === 1);
    const id = (out[0].payload as { id: string }).id;
    helper.getNode('update').receive({ recordId: id, payload: { email: 'ap@nilsson.example' } });
    await until(() => out.length === 2);
    assert.equal(ns.record('customer', id)?.values['email'], 'ap@nilsson.example');
    helper.getNode('list').receive({ q: 'companyName CONTAIN "Nilsson"', payload: null });
    await until(() => out.length === 3);
    assert.deepEqual(out[2].payload, [id]);
    helper.getNode('query').receive({ params: { name: "Nilsson's Bikes" }, payload: null });
    await until(() => out.length === 4);
    assert.deepEqual(out[3].payload, [{ id, email: 'ap@nilsson.example' }]);
    assert.equal(out[3]['totalResults'], 1);
    helper.getNode('delete').receive({ recordId: id, payload: null });
    await until(() => out.length === 5);
    assert.equal(ns.record('customer', id), undefined);
  });

  it('upserts vendor-shaped input under the encoded business key when told to', async () => {
    await helper.load(nodes, testFlow([...base, connection('tba'), op('up', { input: 'vendor', externalIdFrom: 'businessKey' })]), credentials());
    const out = collect('out');
    helper.getNode('up').receive({ payload: { companyName: 'Keyed Ltd', subsidiary: { id: '3' } }, sync: sync('acct:KEYED') });
    await until(() => out.length === 1);
    assert.equal(ns.record('customer', 'eid:acct_c_ukeyed')?.values['companyName'], 'Keyed Ltd');
  });

  it('fails a mapping problem as a data error naming the field, through Catch', async () => {
    await helper.load(nodes, testFlow([...base, connection('tba'), op('cust', {})]), credentials());
    const caught = collect('caught');
    const bad = account();
    (bad['legalEntity'] as Record<string, unknown>)['code'] = 'FR01';
    helper.getNode('cust').receive({ payload: bad, sync: sync('acct:ACME') });
    await until(() => caught.length === 1);
    const error = caught[0].sync?.['error'] as Record<string, unknown>;
    assert.deepEqual([error['class'], error['code'], error['fields']], ['data', 'MAPPING_ERROR', ['legalEntity.code']]);
    assert.match(caught[0].error?.message ?? '', /legalEntity\.code is "FR01"/);
    assert.equal(ns.server.getStats().total, 0, 'nothing was sent');
  });

  it('fails NetSuite concurrency errors as rate-limit and 503 as transient', async () => {
    await helper.load(nodes, testFlow([...base, connection('tba'), op('cust', {})]), credentials());
    const caught = collect('caught');
    ns.server.addFault({ kind: 'status', status: 429, count: 1 });
    helper.getNode('cust').receive({ payload: account(), sync: sync('acct:ACME') });
    await until(() => caught.length === 1);
    const limited = caught[0].sync?.['error'] as Record<string, unknown>;
    assert.deepEqual([limited['class'], limited['code'], limited['retryable']], ['rate-limit', 'CONCURRENCY_LIMIT_EXCEEDED', true]);
    assert.deepEqual(limited['limit'], { used: 5, max: 5, kind: 'concurrency' });
  });

  it('writes asynchronously with an idempotency key from the transaction, so a redelivery creates nothing twice', async () => {
    await helper.load(nodes, testFlow([...base, connection('oauth2'), op('create', { operation: 'create', input: 'vendor', async: true })]), credentials());
    const out = collect('out');
    const msg = () => ({ payload: { companyName: 'Once Only Ltd', subsidiary: { id: '2' } }, sync: sync('acct:ONCE', { idempotencyKey: 'idem-once-1' }) });
    helper.getNode('create').receive(msg());
    await until(() => out.length === 1);
    helper.getNode('create').receive(msg());
    await until(() => out.length === 2);
    assert.equal((out[1].payload as { id: string }).id, (out[0].payload as { id: string }).id);
    assert.equal(ns.records('customer').filter((r) => r['companyName'] === 'Once Only Ltd').length, 1);
  });

  it('refuses a mapping context that is not valid, naming the field', async () => {
    await helper.load(nodes, testFlow([...base, connection('tba'), op('cust', { context: '{"currencies":[{"id":"9","code":"usd"}]}' })]), credentials());
    const caught = collect('caught');
    helper.getNode('cust').receive({ payload: account() });
    await until(() => caught.length === 1);
    assert.match(caught[0].error?.message ?? '', /currencies\[0\]\.code must be an ISO 4217 code/);
  });

  it('uses subsidiaries given as the mapping context', async () => {
    const context = JSON.stringify({ subsidiaries: [{ id: '3', name: 'Syncwright Europe', code: 'EU01' }] });
    await helper.load(nodes, testFlow([...base, connection('tba'), op('cust', { context })]), credentials());
    const out = collect('out');
    const a = account();
    a['legalEntity'] = { code: 'EU01' };
    helper.getNode('cust').receive({ payload: a, sync: sync('acct:ACME') });
    await until(() => out.length === 1);
    assert.deepEqual(ns.record('customer', 'eid:acct_c_uacme')?.values['subsidiary'], { type: 'subsidiary', id: 3 });
  });

  describe('Test connection', () => {
    async function testConnection(body: Record<string, unknown>): Promise<{ status: number; ok: boolean; message: string }> {
      const res = await helper.request().post('/syncwright/netsuite/test-connection').send(body);
      const answer = res.body as { ok: boolean; message: string };
      return { status: res.status, ok: answer.ok, message: answer.message };
    }

    it('says it connected, with the account concurrency limit', async () => {
      await helper.load(nodes, testFlow([...base, connection('tba')]), credentials());
      const res = await testConnection({ config: { accountId: ns.accountId, baseUrl: ns.restUrl, authType: 'tba', concurrency: '5' }, credentials: ns.demo.tba });
      assert.equal(res.status, 200);
      assert.equal(res.ok, true, res.message);
      assert.match(res.message, /allows 5 concurrent requests/);
    });

    it('uses the saved secrets of a deployed connection when the dialog sends none', async () => {
      await helper.load(nodes, testFlow([...base, connection('oauth2')]), credentials());
      const res = await testConnection({ id: 'conn', config: { accountId: ns.accountId, baseUrl: ns.restUrl, authType: 'oauth2', clientId: ns.demo.oauth2.clientId, certificateId: ns.demo.oauth2.certificateId }, credentials: { privateKey: '__PWRD__' } });
      assert.equal(res.ok, true, res.message);
    });

    it('says in plain words what is wrong, and never echoes a secret', async () => {
      await helper.load(nodes, testFlow([...base, connection('tba')]), credentials());
      const wrong = { ...ns.demo.tba, tokenSecret: 'wrong-secret-value-123' };
      const res = await testConnection({ config: { accountId: ns.accountId, baseUrl: ns.restUrl, authType: 'tba' }, credentials: wrong });
      assert.equal(res.ok, false);
      assert.match(res.message, /refused the token-based login .* consumer key and secret, the token id and secret/);
      for (const secret of Object.values(wrong)) assert.ok(!res.message.includes(secret), 'no credential in the message');
      const unreachable = await testConnection({ config: { accountId: ns.accountId, baseUrl: 'http://127.0.0.1:9', authType: 'tba' }, credentials: ns.demo.tba });
      assert.match(unreachable.message, /cannot reach http:\/\/127\.0\.0\.1:9\/services\/rest: connection refused/);
      const noKey = await testConnection({ config: { accountId: ns.accountId, baseUrl: ns.restUrl, authType: 'oauth2', clientId: 'c', certificateId: 'k' }, credentials: { privateKey: 'MIIEvQ-not-pem' } });
      assert.match(noKey.message, /not a PEM key/);
    });
  });
});
