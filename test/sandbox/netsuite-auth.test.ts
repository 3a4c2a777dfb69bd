// The NetSuite sandbox's two ways in: OAuth 2.0 client credentials with a JWT client assertion, and
// token-based authentication (OAuth 1.0a, HMAC-SHA256), signed here by the `oauth-1.0a` package.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { exportSPKI, generateKeyPair, importPKCS8, SignJWT, type CryptoKey } from 'jose';
import OAuth from 'oauth-1.0a';
import { ManualClock } from '../../sandbox/core/clock.js';
import { startNetSuiteSandbox, type NetSuiteSandbox, type TbaCredential } from '../../sandbox/netsuite/index.js';

type Json = Record<string, unknown>;

function tbaHeader(method: string, url: string, cred: TbaCredential, realm: string, opts: { at?: number; nonce?: string; signatureMethod?: string } = {}): string {
  const oauth = new OAuth({
    consumer: { key: cred.consumerKey, secret: cred.consumerSecret },
    realm,
    signature_method: opts.signatureMethod ?? 'HMAC-SHA256',
    hash_function: (base, key) => createHmac(opts.signatureMethod === 'HMAC-SHA1' ? 'sha1' : 'sha256', key).update(base).digest('base64'),
  });
  if (opts.at !== undefined) oauth.getTimeStamp = () => Math.floor((opts.at as number) / 1000);
  if (opts.nonce !== undefined) oauth.getNonce = () => opts.nonce as string;
  return oauth.toHeader(oauth.authorize({ url, method }, { key: cred.tokenId, secret: cred.tokenSecret })).Authorization;
}

async function postForm(url: string, form: Record<string, string>): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  return { status: res.status, body: (await res.json()) as Json };
}

describe('NetSuite sandbox: authentication', () => {
  describe('OAuth 2.0 client credentials (machine to machine)', () => {
    let ns: NetSuiteSandbox;
    const clock = new ManualClock(Date.parse('2026-04-01T12:00:00Z'));
    let rsa: { privateKey: CryptoKey; publicKeyPem: string };
    let other: CryptoKey;

    before(async () => {
      const pair = await generateKeyPair('PS256', { extractable: true });
      rsa = { privateKey: pair.privateKey, publicKeyPem: await exportSPKI(pair.publicKey) };
      other = (await generateKeyPair('PS256')).privateKey;
    });

    beforeEach(async () => {
      ns = await startNetSuiteSandbox({
        clock,
        seedData: true,
        auth: { oauth2: [{ clientId: 'client-ps', certificateId: 'cert-ps', publicKeyPem: rsa.publicKeyPem }] },
      });
    });
    afterEach(() => ns.close());

    const nowSec = (): number => Math.floor(clock.now() / 1000);
    function assertion(opts: { key?: CryptoKey; alg?: string; typ?: string | null; kid?: string; iss?: string; aud?: string; scope?: string | string[] | null; iat?: number; exp?: number } = {}): Promise<string> {
      const payload: Json = {};
      if (opts.scope !== null) payload['scope'] = opts.scope ?? ['restlets', 'rest_webservices'];
      const header: Record<string, string> = { alg: opts.alg ?? 'PS256', kid: opts.kid ?? 'cert-ps' };
      if (opts.typ !== null) header['typ'] = opts.typ ?? 'JWT';
      const iat = opts.iat ?? nowSec();
      return new SignJWT(payload)
        .setProtectedHeader(header as { alg: string })
        .setIssuer(opts.iss ?? 'client-ps')
        .setAudience(opts.aud ?? ns.tokenUrl)
        .setIssuedAt(iat)
        .setExpirationTime(opts.exp ?? iat + 3000)
        .sign(opts.key ?? rsa.privateKey);
    }
    const grant = async (jwt: string, extra: Record<string, string> = {}): Promise<{ status: number; body: Json }> =>
      postForm(ns.tokenUrl, { grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt, ...extra });

    it('exchanges a PS256 client assertion for a Bearer token that opens the record API', async () => {
      const res = await grant(await assertion());
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body).sort(), ['access_token', 'expires_in', 'token_type']);
      assert.equal(res.body['token_type'], 'Bearer');
      assert.equal(res.body['expires_in'], '3600');
      const rec = await fetch(`${ns.restUrl}/record/v1/customer/200`, { headers: { authorization: `Bearer ${String(res.body['access_token'])}` } });
      assert.equal(rec.status, 200);
    });

    it('refuses assertions NetSuite refuses, each with its OAuth error', async () => {
      const cases: Array<[string, Promise<string>, number, string]> = [
        ['unknown kid', assertion({ kid: 'cert-other' }), 401, 'invalid_client'],
        ['signed with another key', assertion({ key: other }), 401, 'invalid_client'],
        ['iss is not the client', assertion({ iss: 'client-x' }), 401, 'invalid_client'],
        ['aud is not the token URL', assertion({ aud: 'https://example.com/token' }), 400, 'invalid_grant'],
        ['no rest_webservices scope', assertion({ scope: 'restlets' }), 400, 'invalid_scope'],
        ['no scope', assertion({ scope: null }), 400, 'invalid_scope'],
        ['exp more than 60 minutes after iat', assertion({ exp: nowSec() + 3601 }), 400, 'invalid_grant'],
        ['expired', assertion({ iat: nowSec() - 600, exp: nowSec() - 60 }), 400, 'invalid_grant'],
        ['typ missing', assertion({ typ: null }), 400, 'invalid_request'],
        ['alg not allowed', new SignJWT({ scope: 'rest_webservices' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: 'cert-ps' }).setIssuer('client-ps').setAudience(ns.tokenUrl).setIssuedAt(nowSec()).setExpirationTime(nowSec() + 60).sign(new Uint8Array(32)), 400, 'invalid_request'],
      ];
      for (const [why, jwt, status, error] of cases) {
        const res = await grant(await jwt);
        assert.equal(res.status, status, why);
        assert.equal(res.body['error'], error, why);
        assert.equal(typeof res.body['error_description'], 'string', why);
      }
      const wrongGrant = await grant(await assertion(), { grant_type: 'password' });
      assert.deepEqual([wrongGrant.status, wrongGrant.body['error']], [400, 'unsupported_grant_type']);
      const wrongType = await grant(await assertion(), { client_assertion_type: 'jwt' });
      assert.deepEqual([wrongType.status, wrongType.body['error']], [400, 'invalid_request']);
    });

    it('lets an access token expire after 60 minutes with 401 INVALID_LOGIN and WWW-Authenticate', async () => {
      const token = String((await grant(await assertion())).body['access_token']);
      clock.advance(59 * 60_000);
      assert.equal((await fetch(`${ns.restUrl}/record/v1/customer/200`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
      clock.advance(60_000);
      const res = await fetch(`${ns.restUrl}/record/v1/customer/200`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="1234567_SB1", error="invalid_token", error_description="Invalid login attempt."');
      const body = (await res.json()) as Json;
      assert.equal(body['title'], 'Unauthorized');
      assert.equal((body['o:errorDetails'] as Json[])[0]['o:errorCode'], 'INVALID_LOGIN');
    });
  });

  describe('demo OAuth 2.0 client', () => {
    it('signs with the ES256 demo key handed out in demo', async () => {
      const ns = await startNetSuiteSandbox();
      try {
        const { oauth2 } = ns.demo;
        const key = await importPKCS8(oauth2.privateKeyPem, 'ES256');
        const now = Math.floor(Date.now() / 1000);
        const jwt = await new SignJWT({ scope: 'rest_webservices' })
          .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: oauth2.certificateId })
          .setIssuer(oauth2.clientId)
          .setAudience(oauth2.tokenUrl)
          .setIssuedAt(now)
          .setExpirationTime(now + 1800)
          .sign(key);
        const res = await postForm(oauth2.tokenUrl, { grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt });
        assert.equal(res.status, 200);
        assert.equal(res.body['token_type'], 'Bearer');
      } finally {
        await ns.close();
      }
    });
  });

  describe('token-based authentication (OAuth 1.0a)', () => {
    let ns: NetSuiteSandbox;
    const clock = new ManualClock(Date.parse('2026-04-01T12:00:00Z'));
    beforeEach(async () => {
      ns = await startNetSuiteSandbox({ clock, seedData: true });
    });
    afterEach(() => ns.close());

    const get = async (url: string, authorization?: string): Promise<Response> => fetch(url, { headers: authorization ? { authorization } : {} });

    it('verifies a request signed by oauth-1.0a, query parameters included', async () => {
      const url = `${ns.restUrl}/record/v1/customer?limit=1&q=${encodeURIComponent('companyName START_WITH "Acme"')}`;
      const res = await get(url, tbaHeader('GET', url, ns.demo.tba, ns.demo.realm, { at: clock.now() }));
      assert.equal(res.status, 200);
      const body = (await res.json()) as Json;
      assert.equal(body['totalResults'], 1);
      const created = await fetch(`${ns.restUrl}/record/v1/customer`, {
        method: 'POST',
        headers: { authorization: tbaHeader('POST', `${ns.restUrl}/record/v1/customer`, ns.demo.tba, ns.demo.realm, { at: clock.now() }), 'content-type': 'application/json' },
        body: JSON.stringify({ companyName: 'Signed Co', subsidiary: { id: '2' } }),
      });
      assert.equal(created.status, 204);
      assert.equal(ns.server.getJournal({ method: 'POST' })[0]?.principal, 'tba:token#1');
    });

    it('refuses a nonce used before within the timestamp window', async () => {
      const url = `${ns.restUrl}/record/v1/customer/200`;
      const header = tbaHeader('GET', url, ns.demo.tba, ns.demo.realm, { at: clock.now(), nonce: 'n0nce0000001' });
      assert.equal((await get(url, header)).status, 200);
      const replay = await get(url, header);
      assert.equal(replay.status, 401);
      assert.match(replay.headers.get('www-authenticate') ?? '', /^Bearer realm="1234567_SB1", error="invalid_token"/);
      const fresh = tbaHeader('GET', url, ns.demo.tba, ns.demo.realm, { at: clock.now(), nonce: 'n0nce0000002' });
      assert.equal((await get(url, fresh)).status, 200);
    });

    it('refuses a timestamp more than 5 minutes off the server clock', async () => {
      const url = `${ns.restUrl}/record/v1/customer/200`;
      assert.equal((await get(url, tbaHeader('GET', url, ns.demo.tba, ns.demo.realm, { at: clock.now() - 4 * 60_000 }))).status, 200);
      assert.equal((await get(url, tbaHeader('GET', url, ns.demo.tba, ns.demo.realm, { at: clock.now() + 4 * 60_000 }))).status, 200);
      assert.equal((await get(url, tbaHeader('GET', url, ns.demo.tba, ns.demo.realm, { at: clock.now() - 6 * 60_000 }))).status, 401);
      assert.equal((await get(url, tbaHeader('GET', url, ns.demo.tba, ns.demo.realm, { at: clock.now() + 6 * 60_000 }))).status, 401);
    });

    it('refuses a wrong realm, a wrong secret, HMAC-SHA1, a changed query and no credentials at all', async () => {
      const url = `${ns.restUrl}/record/v1/customer?limit=1`;
      const at = clock.now();
      const cases: Array<[string, string | undefined, string]> = [
        ['wrong realm', tbaHeader('GET', url, ns.demo.tba, '7654321', { at }), url],
        ['wrong token secret', tbaHeader('GET', url, { ...ns.demo.tba, tokenSecret: 'nope' }, ns.demo.realm, { at }), url],
        ['unknown token', tbaHeader('GET', url, { ...ns.demo.tba, tokenId: 'nope' }, ns.demo.realm, { at }), url],
        ['HMAC-SHA1', tbaHeader('GET', url, ns.demo.tba, ns.demo.realm, { at, signatureMethod: 'HMAC-SHA1' }), url],
        ['query changed after signing', tbaHeader('GET', url, ns.demo.tba, ns.demo.realm, { at }), `${ns.restUrl}/record/v1/customer?limit=2`],
        ['method changed after signing', tbaHeader('POST', url, ns.demo.tba, ns.demo.realm, { at }), url],
        ['no Authorization', undefined, url],
      ];
      for (const [why, header, target] of cases) {
        const res = await get(target, header);
        assert.equal(res.status, 401, why);
        const body = (await res.json()) as Json;
        assert.equal((body['o:errorDetails'] as Json[])[0]['o:errorCode'], 'INVALID_LOGIN', why);
      }
      assert.equal((await get(url, tbaHeader('GET', url, ns.demo.tba, ns.demo.realm.toLowerCase(), { at }))).status, 200, 'the realm is matched case-insensitively');
    });

    it('expires Bearer tokens on /__sandbox/expire-tokens while TBA tokens, which do not expire, go on working', async () => {
      const bearer = ns.issueAccessToken();
      const url = `${ns.restUrl}/record/v1/customer/200`;
      assert.equal((await get(url, `Bearer ${bearer}`)).status, 200);
      assert.equal((await fetch(`${ns.url}/__sandbox/expire-tokens`, { method: 'POST' })).status, 204);
      assert.equal((await get(url, `Bearer ${bearer}`)).status, 401);
      assert.equal((await get(url, tbaHeader('GET', url, ns.demo.tba, ns.demo.realm, { at: clock.now() }))).status, 200);
    });
  });
});
