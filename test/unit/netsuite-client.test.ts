// The NetSuite client against the in-process NetSuite sandbox: every operation with both ways in (OAuth 2.0
// client credentials and token-based authentication), token caching and renewal, one re-authentication on 401,
// the classification of NetSuite's failures, idempotent upserts after a lost answer, SuiteQL paging and
// binding, and asynchronous requests with an idempotency key.
import assert from 'node:assert/strict';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { NetSuiteClient, type NetSuiteAuthConfig, type NetSuiteClientOptions } from '../../nodes/netsuite/client/index.js';
import { TargetLimiter } from '../../runtime-plugins/engine/limiter.js';
import { systemClock } from '../../runtime-plugins/engine/clock.js';
import { SyncError } from '../../runtime-plugins/sync-error.js';
import { ManualClock } from '../../sandbox/core/clock.js';
import { DEMO_TBA, startNetSuiteSandbox, type NetSuiteSandbox } from '../../sandbox/netsuite/index.js';

function oauth2Of(ns: NetSuiteSandbox): NetSuiteAuthConfig {
  const d = ns.demo.oauth2;
  return { type: 'oauth2', clientId: d.clientId, certificateId: d.certificateId, privateKeyPem: d.privateKeyPem };
}

const tba: NetSuiteAuthConfig = { type: 'tba', ...DEMO_TBA };

function clientFor(ns: NetSuiteSandbox, auth: NetSuiteAuthConfig, extra: Partial<NetSuiteClientOptions> = {}): NetSuiteClient {
  return new NetSuiteClient({ accountId: ns.accountId, baseUrl: ns.restUrl, auth, asyncPollIntervalMs: 5, ...extra });
}

async function failure(p: Promise<unknown>): Promise<SyncError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SyncError, `expected a SyncError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

function tokenCalls(ns: NetSuiteSandbox): number {
  return ns.server.getJournal({ path: '/auth/oauth2/v1/token$' }).length;
}

describe('NetSuite client', function () {
  this.timeout(20_000);
  let ns: NetSuiteSandbox;

  beforeEach(async () => {
    ns = await startNetSuiteSandbox({ seedData: true });
  });
  afterEach(() => ns.close());

  for (const method of ['oauth2', 'tba'] as const) {
    describe(`with ${method === 'oauth2' ? 'OAuth 2.0 client credentials' : 'token-based authentication'}`, () => {
      const client = (): NetSuiteClient => clientFor(ns, method === 'oauth2' ? oauth2Of(ns) : tba);

      it('creates, reads, updates, lists and deletes a record', async () => {
        const c = client();
        const created = await c.create('customer', { companyName: 'Fjord Analytics', subsidiary: { id: '2' }, externalId: 'FJORD-1' });
        assert.match(created.id, /^\d+$/);
        assert.equal(created.externalId, 'FJORD-1');
        const read = await c.get('customer', created.id);
        assert.equal(read['companyName'], 'Fjord Analytics');
        assert.equal((await c.get('customer', { externalId: 'FJORD-1' }))['id'], created.id);
        await c.update('customer', created.id, { email: 'ap@fjord.example' });
        assert.equal(ns.record('customer', created.id)?.values['email'], 'ap@fjord.example');
        const page = await c.list('customer', { q: 'companyName START_WITH "Fjord"' });
        assert.deepEqual(page.ids, [created.id]);
        await c.delete('customer', created.id);
        assert.equal(ns.record('customer', created.id), undefined);
        const gone = await failure(c.get('customer', created.id));
        assert.deepEqual([gone.syncwright.class, gone.syncwright.code, gone.syncwright.status], ['data', 'NONEXISTENT_ID', 404]);
      });

      it('upserts by external id: the first call creates, the second updates the same record', async () => {
        const c = client();
        const first = await c.upsert('customer', 'acct_c_uacme', { companyName: 'ACME', subsidiary: { id: '2' } });
        const second = await c.upsert('customer', 'acct_c_uacme', { companyName: 'ACME Corporation', subsidiary: { id: '2' } });
        assert.equal(second.id, first.id);
        assert.equal(ns.record('customer', 'eid:acct_c_uacme')?.values['companyName'], 'ACME Corporation');
        assert.equal(ns.createCount('customer', 'acct_c_uacme'), 1);
      });

      it('reads a record with its sublists expanded and only the fields asked for', async () => {
        const c = client();
        const invoice = await c.get('invoice', '301', { expandSubResources: true });
        const lines = (invoice['item'] as { items: Array<Record<string, unknown>> }).items;
        assert.equal(lines[0]['amount'], 12000);
        const few = await c.get('customer', '200', { fields: ['companyName'] });
        assert.equal(few['companyName'], 'Acme Analytics');
        assert.equal(few['email'], undefined);
      });

      it('runs SuiteQL with bound parameters, the query parameters signed', async () => {
        const c = client();
        const result = await c.query('SELECT id, tranid FROM transaction WHERE type = ? AND entity = ? ORDER BY id', ['CustInvc', 200]);
        assert.deepEqual(result.items, [
          { id: '300', tranid: 'INV0001' },
          { id: '301', tranid: 'INV0002' },
        ]);
        assert.equal(result.truncated, false);
      });
    });
  }

  describe('OAuth 2.0 tokens', () => {
    it('signs the assertion with an RSA key as PS256 and with PS512 when asked', async () => {
      const { publicKey, privateKey } = await generateKeyPair('PS256', { extractable: true, modulusLength: 2048 });
      const rsa = await startNetSuiteSandbox({ seedData: true, auth: { oauth2: [{ clientId: 'rsa-client', certificateId: 'rsa-cert', publicKeyPem: await exportSPKI(publicKey) }] } });
      try {
        const pem = await exportPKCS8(privateKey);
        for (const algorithm of [undefined, 'PS512'] as const) {
          const c = new NetSuiteClient({ accountId: rsa.accountId, baseUrl: rsa.restUrl, auth: { type: 'oauth2', clientId: 'rsa-client', certificateId: 'rsa-cert', privateKeyPem: pem, ...(algorithm ? { algorithm } : {}) } });
          assert.equal((await c.get('currency', '1'))['symbol'], 'USD');
        }
      } finally {
        await rsa.close();
      }
    });

    it('takes a key pasted without line breaks or with \\n written out', async () => {
      const pem = ns.demo.oauth2.privateKeyPem;
      for (const mangled of [pem.replace(/\n/g, ''), pem.replace(/\n/g, '\\n'), `  ${pem.replace(/\n/g, ' ')}  `]) {
        const c = clientFor(ns, { ...oauth2Of(ns), privateKeyPem: mangled } as NetSuiteAuthConfig);
        assert.equal((await c.get('currency', '1'))['symbol'], 'USD');
      }
    });

    it('refuses a key that cannot sign the chosen algorithm before any request', () => {
      assert.throws(() => clientFor(ns, { ...oauth2Of(ns), algorithm: 'PS256' } as NetSuiteAuthConfig), /EC|curve|RSA/);
      assert.throws(() => clientFor(ns, { ...oauth2Of(ns), privateKeyPem: 'not a key' } as NetSuiteAuthConfig), /not a PEM key/);
    });

    for (const format of ['string', 'number'] as const) {
      it(`caches the token (expires_in as a ${format}) and renews it shortly before it expires`, async () => {
        const clock = new ManualClock(Date.parse('2026-05-01T08:00:00Z'));
        const sb = await startNetSuiteSandbox({ seedData: true, clock, expiresInFormat: format });
        try {
          const c = clientFor(sb, oauth2Of(sb), { now: () => clock.now() });
          for (let i = 0; i < 5; i++) await c.get('currency', '1');
          assert.equal(tokenCalls(sb), 1, 'one token for many requests');
          clock.advance(58 * 60_000);
          await c.get('currency', '1');
          assert.equal(tokenCalls(sb), 1, 'still valid two minutes before expiry');
          clock.advance(90_000);
          await c.get('currency', '1');
          assert.equal(tokenCalls(sb), 2, 'renewed within the last minute, before it lapses');
          assert.ok(sb.server.getJournal().every((e) => e.status !== 401), 'no request went out with an expired token');
        } finally {
          await sb.close();
        }
      });
    }

    it('shares one token request among requests that start together', async () => {
      const c = clientFor(ns, oauth2Of(ns));
      await Promise.all(Array.from({ length: 5 }, () => c.get('currency', '1')));
      assert.equal(tokenCalls(ns), 1);
    });

    it('re-authenticates once on 401 and the request succeeds', async () => {
      const c = clientFor(ns, oauth2Of(ns));
      await c.get('currency', '1');
      ns.server.expireTokens();
      assert.equal((await c.get('currency', '2'))['symbol'], 'GBP');
      assert.equal(tokenCalls(ns), 2);
      const statuses = ns.server.getJournal({ path: '/record/v1/currency/2$' }).map((e) => e.status);
      assert.deepEqual(statuses, [401, 200]);
    });

    it('fails with an auth error when the second attempt is refused too', async () => {
      const c = clientFor(ns, oauth2Of(ns));
      ns.server.addFault({ kind: 'status', status: 401, path: '/record/v1/currency', count: 2 });
      const err = await failure(c.get('currency', '1'));
      assert.deepEqual([err.syncwright.class, err.syncwright.code, err.syncwright.retryable], ['auth', 'INVALID_LOGIN', false]);
      assert.equal(ns.server.getJournal({ path: '/record/v1/currency' }).length, 2, 'one retry, not more');
    });

    it('says which part of the credentials NetSuite refused, without showing the key', async () => {
      const { privateKey } = await generateKeyPair('ES256', { extractable: true });
      const wrongKey = await exportPKCS8(privateKey);
      const c = clientFor(ns, { ...oauth2Of(ns), privateKeyPem: wrongKey } as NetSuiteAuthConfig);
      const check = await c.testConnection();
      assert.equal(check.ok, false);
      assert.match(check.message, /client id, the certificate id/);
      assert.ok(!check.message.includes('PRIVATE KEY'));
      const tokenError = await failure(c.get('currency', '1'));
      assert.deepEqual([tokenError.syncwright.class, tokenError.syncwright.code], ['auth', 'invalid_client']);
    });
  });

  describe('failures', () => {
    it('classifies 429 and 400 CONCURRENCY_LIMIT_EXCEEDED as rate-limit, by the code whatever the status', async () => {
      const c = clientFor(ns, tba, { concurrencyLimit: 5 });
      ns.server.addFault({ kind: 'status', status: 429, path: '/record/v1/currency', count: 1 });
      const tooMany = await failure(c.get('currency', '1'));
      assert.deepEqual([tooMany.syncwright.class, tooMany.syncwright.code, tooMany.syncwright.status, tooMany.syncwright.retryable], ['rate-limit', 'CONCURRENCY_LIMIT_EXCEEDED', 429, true]);
      assert.deepEqual(tooMany.syncwright.limit, { used: 5, max: 5, kind: 'concurrency' });

      const strict = await startNetSuiteSandbox({ seedData: true, concurrencyLimit: 1, concurrencyErrorStatus: 400 });
      try {
        strict.server.setLimits({ concurrency: 1, responseDelayMs: 30 });
        const s = clientFor(strict, tba);
        const outcomes = await Promise.allSettled(Array.from({ length: 4 }, () => s.get('currency', '1')));
        const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => (o.reason as SyncError).syncwright);
        assert.ok(refused.length > 0, 'the account refused some requests');
        for (const r of refused) assert.deepEqual([r.class, r.code, r.status], ['rate-limit', 'CONCURRENCY_LIMIT_EXCEEDED', 400]);
      } finally {
        await strict.close();
      }
    });

    it('classifies 503 as transient and retryable, 500 too', async () => {
      const c = clientFor(ns, tba);
      ns.server.addFault({ kind: 'status', status: 503, count: 1 });
      const unavailable = await failure(c.get('currency', '1'));
      assert.deepEqual([unavailable.syncwright.class, unavailable.syncwright.retryable, unavailable.syncwright.status], ['transient', true, 503]);
      ns.server.addFault({ kind: 'status', status: 500, count: 1 });
      assert.equal((await failure(c.get('currency', '1'))).syncwright.class, 'transient');
    });

    it('classifies a duplicate as conflict, a permission failure as policy and bad content as data naming the field', async () => {
      const c = clientFor(ns, tba);
      await c.create('customer', { companyName: 'Dup', subsidiary: { id: '2' }, externalId: 'DUP-1' });
      const dup = await failure(c.create('customer', { companyName: 'Dup', subsidiary: { id: '2' }, externalId: 'DUP-1' }));
      assert.deepEqual([dup.syncwright.class, dup.syncwright.code], ['conflict', 'USER_ERROR']);
      const denied = await failure(c.create('subsidiary', { name: 'Rogue' }));
      assert.deepEqual([denied.syncwright.class, denied.syncwright.code], ['policy', 'USER_ERROR']);
      const bad = await failure(c.create('customer', { companyName: 'Bad', subsidiary: { id: '2' }, email: 'not-an-email', unknownField: 1 }));
      assert.deepEqual([bad.syncwright.class, bad.syncwright.code, bad.syncwright.fields], ['data', 'INVALID_CONTENT', ['email', 'unknownField']]);
    });

    it('refuses bad input before sending it', async () => {
      const c = clientFor(ns, tba);
      assert.equal((await failure(c.upsert('customer', 'acct:ACME', {}))).syncwright.code, 'INVALID_EXTERNAL_ID');
      assert.equal((await failure(c.get('customer', '12; DROP'))).syncwright.code, 'INVALID_ID');
      assert.equal((await failure(c.get('cust/../omer', '1'))).syncwright.code, 'INVALID_RECORD_TYPE');
      assert.equal(ns.server.getStats().total, 0);
      assert.throws(() => new NetSuiteClient({ accountId: '', auth: tba }), /account id is missing/);
      assert.throws(() => new NetSuiteClient({ accountId: '123', auth: { type: 'tba', consumerKey: 'k', consumerSecret: '', tokenId: 't', tokenSecret: '' } }), /consumer secret, token secret/);
    });

    it('derives the REST host from the account id', () => {
      assert.equal(new NetSuiteClient({ accountId: '1234567_SB1', auth: tba }).baseUrl, 'https://1234567-sb1.suitetalk.api.netsuite.com/services/rest');
      assert.equal(new NetSuiteClient({ accountId: '1234567', baseUrl: 'https://Proxy.example/ns', auth: tba }).baseUrl, 'https://proxy.example/ns/services/rest');
    });
  });

  describe('idempotent writes', () => {
    it('retries an upsert whose answer was lost after the commit without creating a second record', async () => {
      const c = clientFor(ns, oauth2Of(ns));
      ns.server.addFault({ kind: 'lost-after-commit', method: 'PUT', path: '/record/v1/customer/', count: 1 });
      const lost = await failure(c.upsert('customer', 'acct_c_ulost', { companyName: 'Lost Answer Ltd', subsidiary: { id: '2' } }));
      assert.deepEqual([lost.syncwright.class, lost.syncwright.retryable], ['transient', true]);
      const again = await c.upsert('customer', 'acct_c_ulost', { companyName: 'Lost Answer Ltd', subsidiary: { id: '2' } });
      assert.equal(ns.record('customer', 'eid:acct_c_ulost')?.id, Number(again.id));
      assert.equal(ns.createCount('customer', 'acct_c_ulost'), 1);
      assert.deepEqual(ns.server.duplicates(), {});
    });

    it('shows why create is not the idempotent write: a retried POST after a lost answer duplicates', async () => {
      const c = clientFor(ns, tba);
      ns.server.addFault({ kind: 'lost-after-commit', method: 'POST', path: '/record/v1/customer$', count: 1 });
      await failure(c.create('customer', { companyName: 'Twice Inc', subsidiary: { id: '2' } }));
      await c.create('customer', { companyName: 'Twice Inc', subsidiary: { id: '2' } });
      assert.equal(ns.records('customer').filter((r) => r['companyName'] === 'Twice Inc').length, 2);
    });

    it('runs a write as an async job and follows the original job when the idempotency key is repeated', async () => {
      const c = clientFor(ns, oauth2Of(ns));
      const key = '8f14e45f-ceea-467f-a0e6-5f8e0b8c1e01';
      const first = await c.upsert('customer', 'acct_c_uasync', { companyName: 'Async Ltd', subsidiary: { id: '2' } }, { async: { idempotencyKey: key } });
      const repeat = await c.upsert('customer', 'acct_c_uasync', { companyName: 'Async Ltd', subsidiary: { id: '2' } }, { async: { idempotencyKey: key } });
      assert.equal(repeat.id, first.id);
      const created = await c.create('customer', { companyName: 'Async Create', subsidiary: { id: '2' } }, { async: { idempotencyKey: 'a1b2c3d4-0000-4000-8000-000000000001' } });
      const createdAgain = await c.create('customer', { companyName: 'Async Create', subsidiary: { id: '2' } }, { async: { idempotencyKey: 'a1b2c3d4-0000-4000-8000-000000000001' } });
      assert.equal(createdAgain.id, created.id, 'a repeated create with the same key is the same record');
      assert.equal(ns.records('customer').filter((r) => r['companyName'] === 'Async Create').length, 1);
      const submissions = ns.server.getJournal({ path: '/record/v1/customer$', method: 'POST' }).map((e) => e.status);
      assert.deepEqual(submissions, [202, 400], 'the repeat was answered IDEMPOTENCY_ERROR and followed');
    });

    it('reports an async error as the request would have failed', async () => {
      const c = clientFor(ns, tba);
      const err = await failure(c.create('customer', { companyName: 'No subsidiary' }, { async: {} }));
      assert.deepEqual([err.syncwright.class, err.syncwright.code], ['data', 'USER_ERROR']);
    });

    it('runs SuiteQL as an async job too', async () => {
      const c = clientFor(ns, tba);
      const r = await c.query("SELECT id FROM customer WHERE externalid = 'DEMO-ACME'", [], { async: {} });
      assert.deepEqual(r.items, [{ id: '200' }]);
    });
  });

  describe('limits', () => {
    it('keeps to the connection limiter: never more requests in flight than the account allows', async () => {
      ns.server.setLimits({ concurrency: 2, responseDelayMs: 20 });
      const limiter = new TargetLimiter('connection:test', { concurrency: 2 }, systemClock);
      try {
        const c = clientFor(ns, tba, { limiter });
        await Promise.all(Array.from({ length: 12 }, (_, i) => c.get('currency', String((i % 4) + 1))));
        const stats = ns.server.getStats();
        assert.equal(stats.refusedByLimit.concurrency, 0);
        assert.ok(stats.peakConcurrency <= 2);
      } finally {
        await limiter.close();
      }
    });
  });
});
