// The unpleasant parts through the NetSuite surface: account concurrency governance (both answers), every
// injected fault kind, and asynchronous requests with idempotency keys.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { ManualClock } from '../../sandbox/core/clock.js';
import { startNetSuiteSandbox, type NetSuiteSandbox, type NetSuiteSandboxOptions } from '../../sandbox/netsuite/index.js';

type Json = Record<string, unknown>;

interface Reply {
  status: number;
  headers: Headers;
  body: Json | undefined;
}

describe('NetSuite sandbox: governance, faults and async requests', () => {
  let ns: NetSuiteSandbox | undefined;
  let token = '';
  const clock = new ManualClock(Date.parse('2026-06-01T08:00:00Z'));

  async function start(options: NetSuiteSandboxOptions = {}): Promise<NetSuiteSandbox> {
    ns = await startNetSuiteSandbox({ seedData: true, clock, ...options });
    token = ns.issueAccessToken();
    return ns;
  }
  afterEach(async () => {
    await ns?.close();
    ns = undefined;
  });

  async function call(sandbox: NetSuiteSandbox, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await fetch(path.startsWith('http') ? path : `${sandbox.restUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Json) : undefined };
  }
  const codeOf = (r: Reply): string | undefined => ((r.body?.['o:errorDetails'] as Json[] | undefined)?.[0]?.['o:errorCode'] as string | undefined);
  const customersNamed = (sandbox: NetSuiteSandbox, name: string): number => sandbox.records('customer').filter((c) => c['companyName'] === name).length;

  describe('account concurrency governance', () => {
    it('answers requests beyond 5 in flight with 429 CONCURRENCY_LIMIT_EXCEEDED', async () => {
      const sandbox = await start({ limits: { responseDelayMs: 60 } });
      const replies = await Promise.all(Array.from({ length: 8 }, () => call(sandbox, 'GET', '/record/v1/customer/200')));
      assert.deepEqual(replies.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 429, 429, 429]);
      const refused = replies.find((r) => r.status === 429) as Reply;
      assert.deepEqual(refused.body, {
        type: 'https://tools.ietf.org/html/rfc6585#section-4',
        title: 'Too Many Requests',
        status: 429,
        'o:errorDetails': [{ detail: 'Concurrent request limit exceeded. Request blocked.', 'o:errorCode': 'CONCURRENCY_LIMIT_EXCEEDED' }],
      });
      assert.equal(refused.headers.get('retry-after'), null, 'NetSuite documents no Retry-After');
      assert.equal(sandbox.server.getStats().refusedByLimit.concurrency, 3);
      const limits = await call(sandbox, 'GET', '/system/v1/governanceLimits');
      assert.equal(limits.body?.['accountConcurrencyLimit'], 5);
    });

    it('answers 400 with the same code when the account does so, and honours a larger limit', async () => {
      const sandbox = await start({ limits: { responseDelayMs: 60 }, concurrencyErrorStatus: 400, concurrencyLimit: 6 });
      const replies = await Promise.all(Array.from({ length: 8 }, () => call(sandbox, 'GET', '/record/v1/customer/200')));
      assert.deepEqual(replies.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 200, 400, 400]);
      const refused = replies.find((r) => r.status === 400) as Reply;
      assert.equal(codeOf(refused), 'CONCURRENCY_LIMIT_EXCEEDED');
      assert.equal(refused.body?.['title'], 'Bad Request');
    });
  });

  describe('faults', () => {
    it('answers injected statuses in NetSuite’s error shape', async () => {
      const sandbox = await start();
      sandbox.server.addFault({ kind: 'status', status: 429, count: 1, retryAfter: 3 });
      const throttled = await call(sandbox, 'GET', '/record/v1/customer/200');
      assert.deepEqual([throttled.status, codeOf(throttled), throttled.headers.get('retry-after')], [429, 'CONCURRENCY_LIMIT_EXCEEDED', '3']);
      sandbox.server.addFault({ kind: 'status', status: 500, count: 1 });
      const broken = await call(sandbox, 'GET', '/record/v1/customer/200');
      assert.deepEqual([broken.status, codeOf(broken), broken.body?.['title']], [500, 'UNEXPECTED_ERROR', 'Internal Server Error']);
      sandbox.server.addFault({ kind: 'status', status: 401, count: 1 });
      const denied = await call(sandbox, 'GET', '/record/v1/customer/200');
      assert.deepEqual([denied.status, codeOf(denied)], [401, 'INVALID_LOGIN']);
      assert.match(denied.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
      assert.equal((await call(sandbox, 'GET', '/record/v1/customer/200')).status, 200);
    });

    it('keeps a 503 maintenance window from its start to its end', async () => {
      const sandbox = await start();
      const from = clock.now() + 60_000;
      const fault = await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'maintenance', from, until: from + 1_800_000 }) });
      assert.equal(fault.status, 201);
      assert.equal((await call(sandbox, 'GET', '/record/v1/customer/200')).status, 200);
      clock.advance(60_000);
      const down = await call(sandbox, 'GET', '/record/v1/customer/200');
      assert.deepEqual([down.status, down.body?.['title'], codeOf(down)], [503, 'Service Unavailable', 'SERVICE_UNAVAILABLE']);
      clock.advance(1_800_000);
      assert.equal((await call(sandbox, 'GET', '/record/v1/customer/200')).status, 200);
    });

    it('adds latency without changing the answer', async () => {
      const sandbox = await start();
      sandbox.server.addFault({ kind: 'latency', latencyMs: 20, count: 1 });
      assert.equal((await call(sandbox, 'GET', '/record/v1/customer/200')).status, 200);
      assert.equal(sandbox.server.getJournal({ limit: 1 })[0]?.fault, 'latency');
    });

    it('resets the connection before a create, which then never happened', async () => {
      const sandbox = await start();
      sandbox.server.addFault({ kind: 'reset', method: 'POST', count: 1 });
      await assert.rejects(call(sandbox, 'POST', '/record/v1/customer', { companyName: 'Never Ltd', subsidiary: { id: '2' } }));
      assert.equal(customersNamed(sandbox, 'Never Ltd'), 0);
    });

    it('loses the answer to a committed POST create: the record exists, and a blind retry creates a second one', async () => {
      const sandbox = await start();
      sandbox.server.addFault({ kind: 'lost-after-commit', method: 'POST', path: '/record/v1/customer$', count: 1 });
      const body = { companyName: 'Lost Answer LLP', subsidiary: { id: '2' } };
      await assert.rejects(call(sandbox, 'POST', '/record/v1/customer', body));
      assert.equal(customersNamed(sandbox, 'Lost Answer LLP'), 1, 'the create was committed');
      const found = await call(sandbox, 'POST', '/query/v1/suiteql', { q: "SELECT id FROM customer WHERE companyname = 'Lost Answer LLP'" }, { prefer: 'transient' });
      assert.equal(found.body?.['totalResults'], 1);
      assert.equal((await call(sandbox, 'POST', '/record/v1/customer', body)).status, 204);
      assert.equal(customersNamed(sandbox, 'Lost Answer LLP'), 2, 'the retry made a duplicate');
      assert.equal(sandbox.server.getJournal({ method: 'POST' })[0]?.status, 'lost');
    });

    it('loses the answer to a committed upsert: a retried PUT eid: updates the same record', async () => {
      const sandbox = await start();
      sandbox.server.addFault({ kind: 'lost-after-commit', method: 'PUT', count: 1 });
      const body = { companyName: 'Idempotent Inc', subsidiary: { id: '2' } };
      await assert.rejects(call(sandbox, 'PUT', '/record/v1/customer/eid:SW-ACC-42', body));
      assert.ok(sandbox.record('customer', 'eid:SW-ACC-42'), 'the upsert was committed');
      const retry = await call(sandbox, 'PUT', '/record/v1/customer/eid:SW-ACC-42', body);
      assert.equal(retry.status, 204);
      assert.equal(retry.headers.get('location'), `${sandbox.restUrl}/record/v1/customer/${sandbox.record('customer', 'eid:SW-ACC-42')?.id}`);
      assert.equal(customersNamed(sandbox, 'Idempotent Inc'), 1);
      assert.equal(sandbox.createCount('customer', 'SW-ACC-42'), 1);
      assert.deepEqual(sandbox.server.duplicates(), {});
    });

    it('expires the caller’s Bearer token on an expire-token fault', async () => {
      const sandbox = await start();
      sandbox.server.addFault({ kind: 'expire-token', count: 1 });
      const first = await call(sandbox, 'GET', '/record/v1/customer/200');
      assert.deepEqual([first.status, codeOf(first)], [401, 'INVALID_LOGIN']);
      assert.equal((await call(sandbox, 'GET', '/record/v1/customer/200')).status, 401, 'the token stays expired');
      token = sandbox.issueAccessToken();
      assert.equal((await call(sandbox, 'GET', '/record/v1/customer/200')).status, 200);
    });

    it('refuses the one TBA request an expire-token fault picks; TBA tokens themselves do not expire', async () => {
      const sandbox = await start();
      const url = `${sandbox.restUrl}/record/v1/customer/200`;
      const signed = (): string => {
        const oauth = new OAuth({
          consumer: { key: sandbox.demo.tba.consumerKey, secret: sandbox.demo.tba.consumerSecret },
          realm: sandbox.demo.realm,
          signature_method: 'HMAC-SHA256',
          hash_function: (base, key) => createHmac('sha256', key).update(base).digest('base64'),
        });
        oauth.getTimeStamp = () => Math.floor(clock.now() / 1000);
        return oauth.toHeader(oauth.authorize({ url, method: 'GET' }, { key: sandbox.demo.tba.tokenId, secret: sandbox.demo.tba.tokenSecret })).Authorization;
      };
      sandbox.server.addFault({ kind: 'expire-token', count: 1 });
      assert.equal((await fetch(url, { headers: { authorization: signed() } })).status, 401);
      assert.equal((await fetch(url, { headers: { authorization: signed() } })).status, 200);
    });
  });

  describe('asynchronous requests', () => {
    async function settle(sandbox: NetSuiteSandbox, location: string): Promise<Json> {
      for (let i = 0; i < 100; i++) {
        const job = await call(sandbox, 'GET', `${sandbox.url}${location}`);
        assert.equal(job.status, 200);
        if (job.body?.['completed'] === true) return job.body;
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error(`job ${location} did not complete`);
    }

    it('accepts Prefer: respond-async with 202 and a job whose task result is the original answer', async () => {
      const sandbox = await start();
      const accepted = await call(sandbox, 'POST', '/record/v1/customer', { companyName: 'Async Works', subsidiary: { id: '3' }, externalId: 'ASYNC-1' }, { prefer: 'respond-async' });
      assert.equal(accepted.status, 202);
      assert.equal(accepted.body, undefined);
      assert.equal(accepted.headers.get('preference-applied'), 'respond-async');
      const location = accepted.headers.get('location') ?? '';
      assert.match(location, /^\/services\/rest\/async\/v1\/job\/\d+$/);
      const job = await settle(sandbox, location);
      assert.equal(job['progress'], 'succeeded');
      const jobId = location.split('/').pop() as string;
      const tasks = await call(sandbox, 'GET', `/async/v1/job/${jobId}/task`);
      const taskHref = ((tasks.body?.['items'] as Json[])[0]['links'] as Array<{ href: string }>)[0].href;
      const task = await call(sandbox, 'GET', taskHref);
      assert.deepEqual([task.body?.['completed'], task.body?.['progress']], [true, 'succeeded']);
      const related = (task.body?.['links'] as Array<{ rel: string; href: string }>).find((l) => l.rel === 'related')?.href as string;
      const result = await call(sandbox, 'GET', related);
      assert.equal(result.status, 204);
      const created = sandbox.record('customer', 'eid:ASYNC-1');
      assert.equal(result.headers.get('location'), `${sandbox.restUrl}/record/v1/customer/${created?.id}`);
    });

    it('refuses a repeated X-NetSuite-Idempotency-Key with 400 Conflict IDEMPOTENCY_ERROR and the original job', async () => {
      const sandbox = await start();
      const headers = { prefer: 'respond-async', 'x-netsuite-idempotency-key': '6f1c2b1e-6d0b-4b8e-9c55-0d2f1e0a9a11' };
      const body = { companyName: 'Once Only', subsidiary: { id: '2' } };
      const first = await call(sandbox, 'POST', '/record/v1/customer', body, headers);
      assert.equal(first.status, 202);
      await settle(sandbox, first.headers.get('location') ?? '');
      const again = await call(sandbox, 'POST', '/record/v1/customer', body, headers);
      assert.equal(again.status, 400);
      assert.equal(again.body?.['title'], 'Conflict');
      assert.equal(codeOf(again), 'IDEMPOTENCY_ERROR');
      assert.equal(again.headers.get('location'), first.headers.get('location'));
      assert.equal(customersNamed(sandbox, 'Once Only'), 1);
      const other = await call(sandbox, 'POST', '/record/v1/customer', body, { ...headers, 'x-netsuite-idempotency-key': '0b8e2a57-1c3f-4d7a-8e1b-2f9c3d4e5a6b' });
      assert.equal(other.status, 202, 'a new key is a new request');
    });

    it('reports a failed job and keeps the original error as its result', async () => {
      const sandbox = await start();
      const accepted = await call(sandbox, 'POST', '/record/v1/customer', { companyName: 'No Subsidiary' }, { prefer: 'respond-async' });
      const location = accepted.headers.get('location') ?? '';
      const job = await settle(sandbox, location);
      assert.equal(job['progress'], 'failed');
      const result = await call(sandbox, 'GET', `${sandbox.url}${location}/task/${location.split('/').pop() as string}/result`);
      assert.deepEqual([result.status, codeOf(result)], [400, 'USER_ERROR']);
      assert.equal((await call(sandbox, 'GET', '/async/v1/job/999')).status, 404);
    });

    it('runs SuiteQL asynchronously too', async () => {
      const sandbox = await start();
      const accepted = await call(sandbox, 'POST', '/query/v1/suiteql', { q: "SELECT id FROM transaction WHERE type = 'CustPymt'" }, { prefer: 'respond-async' });
      assert.equal(accepted.status, 202);
      const location = accepted.headers.get('location') ?? '';
      await settle(sandbox, location);
      const result = await call(sandbox, 'GET', `${sandbox.url}${location}/task/${location.split('/').pop() as string}/result`);
      assert.deepEqual((result.body?.['items'] as Json[]).map((r) => r['id']), ['303']);
    });
  });
});
