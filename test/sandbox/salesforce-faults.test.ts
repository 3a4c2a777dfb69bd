// Every fault and limit of the shared core, as the Salesforce sandbox renders it on the wire.
import assert from 'node:assert/strict';
import { ManualClock } from '../../sandbox/core/clock.js';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.js';

type Json = Record<string, unknown>;

describe('Salesforce sandbox: faults and limits', () => {
  let sf: SalesforceSandbox;
  let token: string;
  const clock = new ManualClock();

  beforeEach(async () => {
    clock.set(Date.parse('2026-01-05T09:00:00Z'));
    sf = await startSalesforceSandbox({ clock, seedData: true });
    token = sf.issueToken().token;
  });
  afterEach(() => sf.close());

  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; body: unknown }> {
    const res = await fetch(`${sf.apiBase()}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined };
  }
  const firstError = (body: unknown) => (body as Json[])[0];

  it('renders injected 429, 500 and 503 in Salesforce\'s error shape, with Sforce-Limit-Info and no Retry-After', async () => {
    const expected: Array<[number, string]> = [
      [429, 'REQUEST_LIMIT_EXCEEDED'],
      [500, 'UNKNOWN_EXCEPTION'],
      [503, 'SERVER_UNAVAILABLE'],
      [400, 'UNABLE_TO_LOCK_ROW'],
    ];
    for (const [status, code] of expected) {
      sf.server.addFault({ kind: 'status', status, count: 1, retryAfter: 5 });
      const res = await api('GET', '/limits');
      assert.equal(res.status, status);
      assert.equal(firstError(res.body)['errorCode'], code);
      assert.equal(typeof firstError(res.body)['message'], 'string');
      assert.match(res.headers.get('sforce-limit-info') ?? '', /^api-usage=\d+\/15000$/);
      assert.equal(res.headers.get('retry-after'), null);
      if (status === 500) assert.match(String(firstError(res.body)['message']), /^An unexpected error occurred\. Please include this ErrorId if you contact support: /);
    }
  });

  it('answers 503 SERVER_UNAVAILABLE inside a maintenance window, from its start to its end', async () => {
    const start = clock.now() + 60_000;
    await fetch(`${sf.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'maintenance', from: new Date(start).toISOString(), until: new Date(start + 3600_000).toISOString() }) });
    assert.equal((await api('GET', '/limits')).status, 200);
    clock.advance(60_000);
    const during = await api('GET', '/limits');
    assert.equal(during.status, 503);
    assert.equal(firstError(during.body)['errorCode'], 'SERVER_UNAVAILABLE');
    clock.advance(3600_000);
    assert.equal((await api('GET', '/limits')).status, 200);
  });

  it('answers the concurrency and rate limits as Salesforce\'s concurrent-request limit: 403 REQUEST_LIMIT_EXCEEDED', async () => {
    sf.server.setLimits({ concurrency: 1, responseDelayMs: 30 });
    const replies = await Promise.all([api('GET', '/limits'), api('GET', '/limits'), api('GET', '/limits')]);
    const refused = replies.filter((r) => r.status === 403);
    assert.equal(refused.length, 2);
    assert.deepEqual(refused[0].body, [{ message: 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    sf.server.setLimits({ requestsPerSecond: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await api('GET', '/limits')).status);
    assert.deepEqual(statuses, [200, 200, 403]);
  });

  it('adds latency without changing the answer', async () => {
    sf.server.addFault({ kind: 'latency', latencyMs: 20, count: 1 });
    assert.equal((await api('GET', '/limits')).status, 200);
    assert.equal(sf.server.getJournal({ limit: 1 })[0].fault, 'latency');
  });

  it('resets the connection before processing: nothing is written', async () => {
    sf.server.addFault({ kind: 'reset', method: 'PATCH', count: 1 });
    await assert.rejects(api('PATCH', '/sobjects/Account/Syncwright_Key__c/acct:RESET', { Name: 'Reset' }));
    assert.equal(sf.findByExternalId('Account', 'Syncwright_Key__c', 'acct:RESET').length, 0);
  });

  it('loses the response of an upsert after commit; a retried upsert updates, a retried plain create duplicates', async () => {
    sf.server.addFault({ kind: 'lost-after-commit', method: 'PATCH', path: 'Syncwright_Key__c', count: 1 });
    await assert.rejects(api('PATCH', '/sobjects/Account/Syncwright_Key__c/acct:LOST', { Name: 'Lost Ltd' }));
    assert.equal(sf.findByExternalId('Account', 'Syncwright_Key__c', 'acct:LOST').length, 1, 'the write was applied');
    const retry = await api('PATCH', '/sobjects/Account/Syncwright_Key__c/acct:LOST', { Name: 'Lost Ltd' });
    assert.equal(retry.status, 200);
    assert.equal((retry.body as Json)['created'], false);
    assert.equal(sf.findByExternalId('Account', 'Syncwright_Key__c', 'acct:LOST').length, 1);

    sf.server.addFault({ kind: 'lost-after-commit', method: 'POST', path: '/sobjects/Contact$', count: 1 });
    await assert.rejects(api('POST', '/sobjects/Contact', { LastName: 'Naive' }));
    assert.equal((await api('POST', '/sobjects/Contact', { LastName: 'Naive' })).status, 201);
    assert.equal(sf.records('Contact').filter((c) => c['LastName'] === 'Naive').length, 2, 'the naive retry created a second contact');
    const counts = sf.server.getCreateCounts();
    assert.equal(counts['Account:acct:LOST'], 1);
    const journal = sf.server.getJournal();
    assert.deepEqual(journal.filter((e) => e.status === 'lost').map((e) => e.method), ['PATCH', 'POST']);
  });

  it('loses a collection upsert after commit without duplicating anything on the retry', async () => {
    sf.server.addFault({ kind: 'lost-after-commit', path: '/composite/sobjects/Account', count: 1 });
    const body = { allOrNone: true, records: [{ attributes: { type: 'Account' }, Syncwright_Key__c: 'acct:C1', Name: 'C1' }, { attributes: { type: 'Account' }, Syncwright_Key__c: 'acct:C2', Name: 'C2' }] };
    await assert.rejects(api('PATCH', '/composite/sobjects/Account/Syncwright_Key__c', body));
    const retry = await api('PATCH', '/composite/sobjects/Account/Syncwright_Key__c', body);
    assert.deepEqual((retry.body as Json[]).map((r) => r['created']), [false, false]);
    assert.deepEqual(sf.server.duplicates(), {});
  });

  it('expires the caller\'s token on an expire-token fault; a new token works', async () => {
    const other = sf.issueToken().token;
    sf.server.addFault({ kind: 'expire-token', count: 1 });
    const expired = await api('GET', '/limits');
    assert.equal(expired.status, 401);
    assert.deepEqual(expired.body, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    assert.equal((await api('GET', '/limits')).status, 401, 'the token stays invalid');
    const otherRes = await fetch(`${sf.apiBase()}/limits`, { headers: { authorization: `Bearer ${other}` } });
    assert.equal(otherRes.status, 200, 'other sessions are untouched');
    const fresh = await fetch(`${sf.url}/services/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=syncwright-demo-client&client_secret=syncwright-demo-secret' });
    token = ((await fresh.json()) as { access_token: string }).access_token;
    assert.equal((await api('GET', '/limits')).status, 200);
  });

  it('exposes records, creates and the journal through the control API, and never a stack trace', async () => {
    await api('PATCH', '/sobjects/Account/Syncwright_Key__c/acct:CTRL', { Name: 'Control' });
    const records = (await (await fetch(`${sf.url}/__sandbox/records`)).json()) as Record<string, Json[]>;
    assert.ok(records['Account'].some((a) => a['Syncwright_Key__c'] === 'acct:CTRL'));
    const creates = (await (await fetch(`${sf.url}/__sandbox/creates`)).json()) as Json;
    assert.deepEqual(creates, { creates: { 'Account:acct:CTRL': 1 }, duplicates: {} });
    const journal = (await (await fetch(`${sf.url}/__sandbox/journal?method=PATCH`)).json()) as Json[];
    assert.equal(journal[0]['principal'], 'integration@syncwright.demo');
    assert.equal((await fetch(`${sf.url}/__sandbox/reset`, { method: 'POST' })).status, 204);
    assert.equal(sf.findByExternalId('Account', 'Syncwright_Key__c', 'acct:CTRL').length, 0);
    assert.ok(sf.records('Account').length > 0, 'seeded again after reset');
  });
});
