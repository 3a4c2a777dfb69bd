// The Salesforce client against the in-process Salesforce sandbox: login, every operation, faults and limits,
// collections with per-record outcomes, paging, and SOQL parameters that stay literals.
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { decodeJwt } from 'jose';
import { SalesforceClient, type SalesforceClientOptions } from '../../nodes/salesforce/client/client.js';
import type { SalesforceError } from '../../nodes/salesforce/client/errors.js';
import { errorFromResponse, errorFromSaveResult } from '../../nodes/salesforce/client/errors.js';
import { readPrivateKey } from '../../nodes/salesforce/client/auth.js';
import { SoqlLike } from '../../nodes/salesforce/client/soql.js';
import { TargetLimiter } from '../../runtime-plugins/engine/limiter.js';
import { systemClock } from '../../runtime-plugins/engine/clock.js';
import { SyncError } from '../../runtime-plugins/sync-error.js';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.js';

type Rec = Record<string, unknown>;

function jwtClient(sb: SalesforceSandbox, extra: Partial<SalesforceClientOptions> = {}): SalesforceClient {
  return new SalesforceClient({ loginUrl: sb.url, auth: { type: 'jwt', consumerKey: sb.demo.consumerKey, username: sb.demo.username, privateKeyPem: sb.demo.privateKeyPem as string }, ...extra });
}

async function failure(p: Promise<unknown>): Promise<SalesforceError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SyncError, `expected a SyncError, got ${String(err)}`);
    return err as SalesforceError;
  }
  assert.fail('expected the call to fail');
}

describe('Salesforce client', function () {
  this.timeout(20_000);
  let sb: SalesforceSandbox;
  let client: SalesforceClient;

  beforeEach(async () => {
    sb = await startSalesforceSandbox({ seedData: true });
    client = jwtClient(sb);
  });
  afterEach(() => sb.close());

  const tokenRequests = () => sb.server.getJournal({ path: '/services/oauth2/token' });

  describe('login', () => {
    it('signs an RS256 assertion (iss consumer key, sub username, aud login URL, exp at most 3 minutes ahead) and caches the token', async () => {
      const before = Date.now();
      await client.limits();
      await client.query('SELECT Id FROM Account');
      assert.equal(client.logins, 1);
      assert.equal(tokenRequests().length, 1);
      const form = new URLSearchParams(tokenRequests()[0]?.body ?? '');
      assert.equal(form.get('grant_type'), 'urn:ietf:params:oauth:grant-type:jwt-bearer');
      const claims = decodeJwt(form.get('assertion') ?? '');
      assert.equal(claims.iss, sb.demo.consumerKey);
      assert.equal(claims.sub, sb.demo.username);
      assert.equal(claims.aud, sb.url);
      assert.ok(typeof claims.exp === 'number' && claims.exp * 1000 > before && claims.exp * 1000 <= before + 180_000 + 1000);
    });

    it('logs in with client credentials at the instance URL', async () => {
      const cc = new SalesforceClient({ loginUrl: 'https://login.salesforce.com', instanceUrl: sb.url, auth: { type: 'client-credentials', clientId: sb.demo.clientId, clientSecret: sb.demo.clientSecret } });
      const check = await cc.testConnection();
      assert.equal(check.instanceUrl, sb.url);
      assert.equal(check.dailyApiRequests?.max, 15000);
      const form = new URLSearchParams(tokenRequests()[0]?.body ?? '');
      assert.equal(form.get('grant_type'), 'client_credentials');
    });

    it('says in plain words what the login service refused, without the secret', async () => {
      const wrongSecret = new SalesforceClient({ loginUrl: sb.url, auth: { type: 'client-credentials', clientId: sb.demo.clientId, clientSecret: 'not-the-secret-42' } });
      const e1 = await failure(wrongSecret.limits());
      assert.equal(e1.syncwright.class, 'auth');
      assert.match(e1.message, /client secret is wrong/);
      assert.ok(!e1.message.includes('not-the-secret-42'));
      assert.equal(e1.cause, undefined, 'the cause (which holds the request) is dropped');

      const unknownApp = new SalesforceClient({ loginUrl: sb.url, auth: { type: 'jwt', consumerKey: 'nobody', username: sb.demo.username, privateKeyPem: sb.demo.privateKeyPem as string } });
      assert.match((await failure(unknownApp.limits())).message, /consumer key \(client id\) is not known to Salesforce/);

      const stranger = new SalesforceClient({ loginUrl: sb.url, auth: { type: 'jwt', consumerKey: sb.demo.consumerKey, username: 'someone@else.example', privateKeyPem: sb.demo.privateKeyPem as string } });
      const e3 = await failure(stranger.limits());
      assert.equal(e3.message, "Salesforce refused the JWT: user hasn't approved this consumer");
      assert.equal(e3.syncwright.retryable, false);

      const late = jwtClient(sb, { now: () => Date.now() - 10 * 60_000 });
      assert.match((await failure(late.limits())).message, /Salesforce refused the JWT: expired authorization code/);
    });

    it('says when the login service cannot be reached', async () => {
      const url = sb.url;
      await sb.close();
      const e = await failure(jwtClient({ url, demo: sb.demo } as SalesforceSandbox).limits());
      assert.equal(e.syncwright.class, 'transient');
      assert.equal(e.message, `cannot reach ${url}/services/oauth2/token: connection refused`);
      sb = await startSalesforceSandbox();
    });

    it('reads PKCS#8 and PKCS#1 RSA keys, and refuses other keys in plain words', () => {
      const pem = sb.demo.privateKeyPem as string;
      assert.equal(readPrivateKey(pem).asymmetricKeyType, 'rsa');
      const pkcs1 = createPrivateKey(pem).export({ type: 'pkcs1', format: 'pem' }).toString();
      assert.ok(pkcs1.startsWith('-----BEGIN RSA PRIVATE KEY-----'));
      assert.equal(readPrivateKey(pkcs1).asymmetricKeyType, 'rsa');
      assert.equal(readPrivateKey(pem.replaceAll('\n', '\\n')).asymmetricKeyType, 'rsa', 'a PEM from an environment variable with \\n');
      assert.throws(() => readPrivateKey('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'), /the private key is not a PEM key/);
      assert.throws(() => readPrivateKey(''), /no private key is set/);
      assert.throws(() => readPrivateKey(sb.demo.publicKeyPem as string), /holds a public key/);
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      assert.throws(() => readPrivateKey(ec), /is an EC key; Salesforce's JWT bearer flow needs an RSA key/);
      assert.throws(() => readPrivateKey('-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----'), /could not be read/);
    });

    it('logs in again once when the session expired, and the call succeeds', async () => {
      await client.limits();
      sb.server.addFault({ kind: 'expire-token', count: 1 });
      const check = await client.getByExternalId('Account', 'Syncwright_Key__c', 'acct:ACME', ['Id', 'Name']);
      assert.equal(check['Name'], 'Acme Corporation');
      assert.equal(client.logins, 2);
      sb.server.expireTokens();
      assert.equal((await client.get('Account', String(check['Id']), ['Name']))['Name'], 'Acme Corporation');
      assert.equal(client.logins, 3);
    });

    it('fails with an auth error when the new session is refused too', async () => {
      await client.limits();
      sb.server.addFault({ kind: 'expire-token', count: 2, path: '^/services/data/' });
      const e = await failure(client.limits());
      assert.equal(e.syncwright.class, 'auth');
      assert.equal(e.syncwright.code, 'INVALID_SESSION_ID');
      assert.equal(e.syncwright.status, 401);
      assert.equal(client.logins, 2, 'one re-authentication, not a loop');
    });
  });

  describe('error classes', () => {
    it('classifies REQUEST_LIMIT_EXCEEDED, 429, 503, 500 and UNABLE_TO_LOCK_ROW, with the API usage', async () => {
      await client.limits();
      const cases: Array<[number, string, string, boolean]> = [
        [403, 'REQUEST_LIMIT_EXCEEDED', 'rate-limit', true],
        [429, 'REQUEST_LIMIT_EXCEEDED', 'rate-limit', true],
        [503, 'SERVER_UNAVAILABLE', 'transient', true],
        [500, 'UNKNOWN_EXCEPTION', 'transient', true],
        [400, 'UNABLE_TO_LOCK_ROW', 'transient', true],
      ];
      for (const [status, code, cls, retryable] of cases) {
        sb.server.addFault({ kind: 'status', status, count: 1 });
        const e = await failure(client.limits());
        assert.equal(e.syncwright.code, code, `${status}`);
        assert.equal(e.syncwright.class, cls, `${status}`);
        assert.equal(e.syncwright.retryable, retryable);
        assert.equal(e.syncwright.status, status);
        assert.equal(e.syncwright.limit?.kind, 'api-usage');
        assert.equal(e.syncwright.limit?.max, 15000);
      }
    });

    it('reports the org\'s daily limit (403 REQUEST_LIMIT_EXCEEDED) as a rate limit', async () => {
      sb.server.setLimits({ dailyBudget: sb.server.dailyUsed() + 3 });
      let e: SalesforceError | undefined;
      for (let i = 0; i < 6 && !e; i++) e = await client.limits().then(() => undefined, (err: SalesforceError) => err);
      assert.ok(e);
      assert.equal(e.syncwright.code, 'REQUEST_LIMIT_EXCEEDED');
      assert.equal(e.syncwright.class, 'rate-limit');
      assert.equal(e.syncwright.status, 403);
      assert.match(e.message, /TotalRequests Limit exceeded/);
    });

    it('pauses the connection\'s limiter on a throttle answer, so the next call fails fast without a request', async () => {
      const limiter = new TargetLimiter('connection:sf', {}, systemClock);
      try {
        const limited = jwtClient(sb, { limiter, maxPauseWaitMs: 0 });
        await limited.limits();
        sb.server.addFault({ kind: 'status', status: 403, count: 1 });
        assert.equal((await failure(limited.limits())).syncwright.class, 'rate-limit');
        assert.equal(limiter.state().paused, true);
        assert.equal(limiter.state().reason, 'throttled');
        const sent = sb.server.getJournal().length;
        const next = await failure(limited.limits());
        assert.equal(next.syncwright.code, 'TARGET_PAUSED');
        assert.equal(next.syncwright.class, 'rate-limit');
        assert.ok((next.syncwright.retryAfterMs ?? 0) > 0);
        assert.equal(sb.server.getJournal().length, sent);
      } finally {
        await limiter.close();
      }
    });

    it('feeds Sforce-Limit-Info of every answer into the limiter', async () => {
      const limiter = new TargetLimiter('connection:sf', {}, systemClock);
      try {
        const limited = jwtClient(sb, { limiter });
        await limited.limits();
        await limited.query('SELECT Id FROM Account');
        const used = sb.server.dailyUsed();
        const state = limiter.state();
        assert.equal(state.limits.dailyBudget, 15000, 'the org maximum became the daily budget');
        assert.equal(limited.apiUsage?.max, 15000);
        assert.ok(limited.apiUsage !== undefined && limited.apiUsage.used >= 2 && limited.apiUsage.used <= used);
        assert.ok(state.usedToday >= limited.apiUsage.used, `limiter counts ${state.usedToday}, Salesforce reported ${limited.apiUsage.used}`);
        assert.equal(state.dailyAllowed, 13500, '10 % headroom kept for people');
        // The org reports a small allowance: once Syncwright's share (90 %) is used, the limiter stops sending.
        sb.server.setLimits({ dailyBudget: sb.server.dailyUsed() + 2 });
        await limited.limits();
        const apiCalls = () => sb.server.getJournal({ path: '^/services/data/' }).length;
        const sent = apiCalls();
        const e = await failure(jwtClient(sb, { limiter, maxPauseWaitMs: 0 }).limits());
        assert.equal(e.syncwright.code, 'DAILY_BUDGET_USED');
        assert.equal(apiCalls(), sent, 'refused before sending');
      } finally {
        await limiter.close();
      }
    });

    it('answers several matches of an external ID (300) with a conflict listing the records, writing nothing', async () => {
      await client.create('Account', { Name: 'Twin A', NetSuite_Id__c: 'NS-42' });
      await client.create('Account', { Name: 'Twin B', NetSuite_Id__c: 'NS-42' });
      const e = await failure(client.upsert('Account', 'NetSuite_Id__c', 'NS-42', { Name: 'Which one?' }));
      assert.equal(e.syncwright.class, 'conflict');
      assert.equal(e.syncwright.status, 300);
      assert.equal(e.syncwright.retryable, false);
      assert.equal(e.matches.length, 2);
      for (const url of e.matches) assert.match(url, /^\/services\/data\/v62\.0\/sobjects\/Account\/001\w{15}$/);
      assert.ok(e.matches.every((u) => e.message.includes(u)));
      assert.deepEqual(sb.findByExternalId('Account', 'NetSuite_Id__c', 'NS-42').map((r) => r['Name']).sort(), ['Twin A', 'Twin B']);
      assert.equal((await failure(client.getByExternalId('Account', 'NetSuite_Id__c', 'NS-42'))).syncwright.class, 'conflict');
    });

    it('classifies duplicates as conflicts and validation errors as data naming the fields', async () => {
      const dup = await failure(client.create('Account', { Name: 'Again', Syncwright_Key__c: 'acct:ACME' }));
      assert.equal(dup.syncwright.class, 'conflict');
      assert.equal(dup.syncwright.code, 'DUPLICATE_VALUE');
      const missing = await failure(client.create('Opportunity', { Name: 'No stage' }));
      assert.equal(missing.syncwright.class, 'data');
      assert.equal(missing.syncwright.code, 'REQUIRED_FIELD_MISSING');
      assert.deepEqual(missing.syncwright.fields?.sort(), ['CloseDate', 'StageName']);
      const unknown = await failure(client.upsert('Account', 'Syncwright_Key__c', 'acct:X', { Nmae: 'typo' }));
      assert.equal(unknown.syncwright.code, 'INVALID_FIELD');
      assert.equal(unknown.syncwright.class, 'data');
      const bad = await failure(client.query('SELECT Id FROM Account WHERE'));
      assert.equal(bad.syncwright.code, 'MALFORMED_QUERY');
    });

    it('maps the codes the sandbox never produces by Salesforce\'s documented shapes', () => {
      const locked = errorFromResponse(400, [{ errorCode: 'ENTITY_IS_LOCKED', message: 'the entity is locked for editing' }], 'PATCH');
      assert.equal(locked.syncwright.class, 'policy');
      const dupRule = errorFromSaveResult([{ statusCode: 'DUPLICATES_DETECTED', message: 'Use one of these records?', fields: [] }], 'Account 1');
      assert.equal(dupRule.syncwright.class, 'conflict');
      const validation = errorFromSaveResult([{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'PO required', fields: ['PO_Number__c'] }], 'Opportunity 1');
      assert.equal(validation.syncwright.class, 'data');
      assert.deepEqual(validation.syncwright.fields, ['PO_Number__c']);
      const access = errorFromResponse(403, [{ errorCode: 'INSUFFICIENT_ACCESS_OR_READONLY', message: 'insufficient access rights on object id' }], 'PATCH');
      assert.equal(access.syncwright.class, 'policy');
    });
  });

  describe('records', () => {
    it('upserts by external ID: created, then updated, with the key only in the URL', async () => {
      const first = await client.upsert('Account', 'Syncwright_Key__c', 'acct:NEW', { Name: 'New Co', Syncwright_Key__c: 'acct:NEW', Id: 'ignored' });
      assert.equal(first.created, true);
      const second = await client.upsert('Account', 'Syncwright_Key__c', 'acct:NEW', { Name: 'New Co Ltd' });
      assert.deepEqual(second, { id: first.id, created: false });
      assert.equal(sb.record('Account', first.id)?.['Name'], 'New Co Ltd');
      assert.equal(sb.server.getCreateCounts()['Account:acct:NEW'], 1);
    });

    it('upserts a key a URL cannot carry (slash, file-like suffix) through Collections', async () => {
      for (const key of ['acct:A/B', 'acct:report.json', 'acct:C\\D']) {
        const r = await client.upsert('Account', 'Syncwright_Key__c', key, { Name: key });
        assert.equal(r.created, true);
        assert.equal((await client.upsert('Account', 'Syncwright_Key__c', key, { Name: `${key}!` })).created, false);
        assert.equal(sb.findByExternalId('Account', 'Syncwright_Key__c', key)[0]?.['Name'], `${key}!`);
        assert.equal((await client.getByExternalId('Account', 'Syncwright_Key__c', key, ['Name']))['Name'], `${key}!`);
      }
    });

    it('creates, reads, updates and deletes by Id and by external ID', async () => {
      const { id } = await client.create('Account', { Name: 'Crud Inc', Syncwright_Key__c: 'acct:CRUD' });
      assert.equal((await client.get('Account', id, ['Name']))['Name'], 'Crud Inc');
      await client.update('Account', id, { Industry: 'Retail' });
      assert.equal(sb.record('Account', id)?.['Industry'], 'Retail');
      assert.deepEqual(await client.updateByExternalId('Account', 'Syncwright_Key__c', 'acct:CRUD', { Industry: 'Media' }), { id });
      assert.equal(sb.record('Account', id)?.['Industry'], 'Media');
      const none = await failure(client.updateByExternalId('Account', 'Syncwright_Key__c', 'acct:NOPE', { Industry: 'Media' }));
      assert.equal(none.syncwright.code, 'NOT_FOUND');
      assert.equal(sb.findByExternalId('Account', 'Syncwright_Key__c', 'acct:NOPE').length, 0, 'updateOnly never creates');
      await client.delete('Account', id);
      assert.equal(sb.record('Account', id), undefined);
      const again = await failure(client.delete('Account', id));
      assert.equal(again.syncwright.code, 'ENTITY_IS_DELETED');
      assert.equal(again.syncwright.class, 'data');
      await client.create('Account', { Name: 'Gone', Syncwright_Key__c: 'acct:GONE' });
      await client.deleteByExternalId('Account', 'Syncwright_Key__c', 'acct:GONE');
      assert.equal(sb.findByExternalId('Account', 'Syncwright_Key__c', 'acct:GONE').length, 0);
    });

    it('refuses object, field and Id values that would change the URL', async () => {
      assert.equal((await failure(client.get('Account/../User', '001000000000001'))).syncwright.code, 'INVALID_NAME');
      assert.equal((await failure(client.get('Account', '001?x=1'))).syncwright.code, 'MALFORMED_ID');
      assert.equal((await failure(client.upsert('Account', 'Name/x', 'v', {}))).syncwright.code, 'INVALID_NAME');
    });
  });

  describe('bulk upsert (sObject Collections)', () => {
    const accounts = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ Name: `Bulk ${from + i}`, Syncwright_Key__c: `acct:BULK-${from + i}` }));

    it('sends up to 200 records a call and maps every result back to its own record', async () => {
      const records = accounts(450);
      const outcomes = await client.bulkUpsert('Account', 'Syncwright_Key__c', records);
      assert.equal(outcomes.length, 450);
      assert.equal(sb.server.getJournal({ path: '/composite/sobjects/Account/Syncwright_Key__c' }).length, 3);
      outcomes.forEach((o, i) => {
        assert.ok(o.ok);
        assert.equal(o.created, true);
        assert.equal(sb.record('Account', o.id)?.['Syncwright_Key__c'], `acct:BULK-${i}`);
      });
      const again = await client.bulkUpsert('Account', 'Syncwright_Key__c', records.slice(0, 3));
      assert.deepEqual(again.map((o) => o.ok && o.created), [false, false, false]);
    });

    it('fails only the records Salesforce refused, each with its own error', async () => {
      const records: Rec[] = accounts(5);
      records[1] = { ...records[1], Industry: 42, Nmae: 'typo' };
      records[3] = { Name: 'no key' };
      records[4] = { ...records[4], Syncwright_Key__c: 'acct:ACME', Name: 'Acme Corporation (renamed)' };
      const outcomes = await client.bulkUpsert('Account', 'Syncwright_Key__c', records);
      assert.deepEqual(outcomes.map((o) => o.ok), [true, false, true, false, true]);
      const bad = outcomes[1] as { ok: false; error: SalesforceError };
      assert.equal(bad.error.syncwright.code, 'INVALID_FIELD');
      assert.equal(bad.error.syncwright.class, 'data');
      assert.match(bad.error.message, /acct:BULK-1/);
      const noKey = outcomes[3] as { ok: false; error: SalesforceError };
      assert.equal(noKey.error.syncwright.code, 'MISSING_EXTERNAL_ID');
      assert.equal(outcomes[4]?.ok && outcomes[4].created, false);
      assert.equal(sb.findByExternalId('Account', 'Syncwright_Key__c', 'acct:BULK-0').length, 1);
      assert.equal(sb.findByExternalId('Account', 'Syncwright_Key__c', 'acct:BULK-1').length, 0);
    });

    it('with allOrNone, one bad record rolls the call back and the others say so', async () => {
      const records: Rec[] = accounts(3);
      records[2] = { ...records[2], Industry: 42, Nmae: 'typo' };
      const outcomes = await client.bulkUpsert('Account', 'Syncwright_Key__c', records, { allOrNone: true });
      assert.ok(outcomes.every((o) => !o.ok));
      const rolledBack = outcomes[0];
      assert.equal(rolledBack.error.syncwright.code, 'ALL_OR_NONE_OPERATION_ROLLED_BACK');
      assert.equal(rolledBack.error.syncwright.retryable, true);
      assert.equal((outcomes[2]).error.syncwright.class, 'data');
      assert.equal(sb.findByExternalId('Account', 'Syncwright_Key__c', 'acct:BULK-0').length, 0);
    });

    it('applies two records with the same key in input order, in separate calls', async () => {
      const outcomes = await client.bulkUpsert('Account', 'Syncwright_Key__c', [
        { Name: 'first', Syncwright_Key__c: 'acct:TWICE' },
        { Name: 'other', Syncwright_Key__c: 'acct:ONCE' },
        { Name: 'second', Syncwright_Key__c: 'ACCT:twice' },
      ]);
      assert.deepEqual(outcomes.map((o) => o.ok && o.created), [true, true, false]);
      assert.equal(sb.server.getJournal({ path: '/composite/sobjects/Account' }).length, 2);
      assert.equal(sb.findByExternalId('Account', 'Syncwright_Key__c', 'acct:TWICE')[0]?.['Name'], 'second');
    });

    it('throws a whole-call failure (rate limit) instead of failing records one by one', async () => {
      sb.server.addFault({ kind: 'status', status: 403, count: 1, path: 'composite' });
      const e = await failure(client.bulkUpsert('Account', 'Syncwright_Key__c', accounts(2)));
      assert.equal(e.syncwright.class, 'rate-limit');
    });
  });

  describe('SOQL', () => {
    it('follows nextRecordsUrl over several pages', async () => {
      await client.bulkUpsert('Account', 'Syncwright_Key__c', Array.from({ length: 450 }, (_, i) => ({ Name: `Paged ${String(i).padStart(3, '0')}`, Syncwright_Key__c: `acct:PAGED-${i}` })));
      const result = await client.query<{ Name: string }>('SELECT Id, Name FROM Account WHERE Name LIKE :prefix ORDER BY Name', { prefix: SoqlLike.startsWith('Paged ') }, { batchSize: 200 });
      assert.equal(result.pages, 3);
      assert.equal(result.totalSize, 450);
      assert.equal(result.records.length, 450);
      assert.equal(result.records[449]?.Name, 'Paged 449');
      assert.equal(sb.server.getJournal({ path: '/query/01g' }).length, 2);
      const some = await client.query('SELECT Id FROM Account WHERE Name LIKE :prefix', { prefix: SoqlLike.startsWith('Paged ') }, { batchSize: 200, maxRecords: 250 });
      assert.equal(some.records.length, 250);
      assert.equal(some.done, false);
    });

    it('keeps injection attempts, quotes, backslashes, unicode and LIKE wildcards literal', async () => {
      const names = [
        "' OR Name != '",
        "x' OR Name LIKE '%",
        "O'Brien & Sons",
        'back\\slash\\n not a newline',
        'ends with a backslash \\',
        "\\' escaped quote",
        'quote " double',
        'line\nbreak\ttab\rreturn',
        'ctl \u0001\u001f',
        'Zoë Müller 東京 🚀 \u2028',
        '100%_sure',
        'a_c',
      ];
      const ids = new Map<string, string>();
      for (const name of names) ids.set(name, (await client.create('Account', { Name: name })).id);
      await client.create('Account', { Name: 'abc' });
      await client.create('Account', { Name: '100Xysure' });
      const total = (await client.query('SELECT COUNT() FROM Account')).totalSize;
      for (const name of names) {
        const eq = await client.query<{ Id: string; Name: string }>('SELECT Id, Name FROM Account WHERE Name = :name', { name });
        assert.deepEqual(eq.records.map((r) => r.Id), [ids.get(name)], `= ${JSON.stringify(name)}`);
        assert.equal(eq.records[0]?.Name, name);
        const like = await client.query<{ Id: string }>('SELECT Id FROM Account WHERE Name LIKE :name', { name });
        assert.deepEqual(like.records.map((r) => r.Id), [ids.get(name)], `LIKE ${JSON.stringify(name)}`);
        const notEq = await client.query('SELECT Id FROM Account WHERE Name != :name', { name });
        assert.equal(notEq.totalSize, total - 1);
      }
      const absent = await client.query('SELECT Id FROM Account WHERE Name = :name', { name: "nobody' OR Name != 'x" });
      assert.equal(absent.totalSize, 0, 'an injected OR would have matched every account');
      const prefixed = await client.query<{ Name: string }>('SELECT Name FROM Account WHERE Name LIKE :p', { p: SoqlLike.startsWith('100%_') });
      assert.deepEqual(prefixed.records.map((r) => r.Name), ['100%_sure']);
      const inList = await client.query<{ Name: string }>('SELECT Name FROM Account WHERE Name IN :names ORDER BY Name', { names: ["O'Brien & Sons", "' OR Name != '"] });
      assert.deepEqual(inList.records.map((r) => r.Name).sort(), ["' OR Name != '", "O'Brien & Sons"].sort());
    });

    it('finds any generated name exactly, never more', async () => {
      const special = fc.constantFrom("'", '"', '\\', '%', '_', '\n', '\r', '\t', '\b', '\f', '\u0002', ' OR ', '--', '/*', ')', '(', ':x', '\\n', "\\'", '🚀', 'é');
      const piece = fc.oneof(special, fc.string({ unit: 'grapheme', maxLength: 4 }));
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 8 }), async (pieces) => {
          run += 1;
          const name = `gen${run} ${pieces.join('')}`.slice(0, 255);
          const { id } = await client.create('Account', { Name: name });
          const eq = await client.query<{ Id: string }>('SELECT Id FROM Account WHERE Name = :name', { name });
          assert.deepEqual(eq.records.map((r) => r.Id), [id]);
          const like = await client.query<{ Id: string }>('SELECT Id FROM Account WHERE Name LIKE :name', { name });
          assert.deepEqual(like.records.map((r) => r.Id), [id]);
        }),
        { numRuns: 60, seed: 20260105 },
      );
    });
  });
});
