// The Salesforce sandbox's OAuth endpoints, sessions, versions, limits and the headers on every answer.
import assert from 'node:assert/strict';
import { SignJWT, exportSPKI, generateKeyPair, importPKCS8 } from 'jose';
import { ManualClock } from '../../sandbox/core/clock.js';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.js';

interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined };
}

function form(fields: Record<string, string>): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() };
}

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

describe('Salesforce sandbox: OAuth, sessions and limits', () => {
  let sf: SalesforceSandbox;
  const clock = new ManualClock();

  beforeEach(async () => {
    clock.set(Date.parse('2026-01-05T09:00:00Z'));
    sf = await startSalesforceSandbox({ clock });
  });
  afterEach(() => sf.close());

  const assertion = async (claims: { iss?: string; sub?: string; aud?: string; expInS?: number }, key?: CryptoKey) => {
    const signingKey = key ?? (await importPKCS8(sf.demo.privateKeyPem as string, 'RS256'));
    const nowS = Math.floor(clock.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(claims.iss ?? sf.demo.consumerKey)
      .setSubject(claims.sub ?? sf.demo.username)
      .setAudience(claims.aud ?? 'https://login.salesforce.com')
      .setExpirationTime(nowS + (claims.expInS ?? 120))
      .sign(signingKey);
  };

  it('issues a token for the client-credentials flow in Salesforce\'s response shape, and the token works', async () => {
    const res = await call(`${sf.url}/services/oauth2/token`, form({ grant_type: 'client_credentials', client_id: 'syncwright-demo-client', client_secret: 'syncwright-demo-secret' }));
    assert.equal(res.status, 200);
    const body = res.body as Record<string, string>;
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'id', 'instance_url', 'issued_at', 'scope', 'signature', 'token_type']);
    assert.equal(body['token_type'], 'Bearer');
    assert.equal(body['instance_url'], sf.url);
    assert.match(body['id'], new RegExp(`^${sf.url}/id/00D[0-9A-Za-z]{15}/005[0-9A-Za-z]{15}$`));
    assert.equal(body['issued_at'], String(clock.now()));
    assert.match(body['access_token'], /^00D[0-9A-Za-z]{12}!/);
    const limits = await call(`${sf.apiBase()}/limits`, { headers: { authorization: `Bearer ${body['access_token']}` } });
    assert.equal(limits.status, 200);
    // Salesforce also takes the older `OAuth` scheme.
    assert.equal((await call(`${sf.apiBase()}/limits`, { headers: { authorization: `OAuth ${body['access_token']}` } })).status, 200);
  });

  it('refuses wrong client credentials with OAuth-shaped errors', async () => {
    const badSecret = await call(`${sf.url}/services/oauth2/token`, form({ grant_type: 'client_credentials', client_id: 'syncwright-demo-client', client_secret: 'nope' }));
    assert.equal(badSecret.status, 400);
    assert.deepEqual(badSecret.body, { error: 'invalid_client', error_description: 'invalid client credentials' });
    const badClient = await call(`${sf.url}/services/oauth2/token`, form({ grant_type: 'client_credentials', client_id: 'who', client_secret: 'x' }));
    assert.deepEqual(badClient.body, { error: 'invalid_client_id', error_description: 'client identifier invalid' });
    const badGrant = await call(`${sf.url}/services/oauth2/token`, form({ grant_type: 'password', username: 'a', password: 'b' }));
    assert.deepEqual(badGrant.body, { error: 'unsupported_grant_type', error_description: 'grant type not supported' });
  });

  it('accepts a JWT bearer assertion signed with the configured key for each accepted audience', async () => {
    for (const aud of ['https://login.salesforce.com', 'https://test.salesforce.com', sf.url]) {
      const res = await call(`${sf.url}/services/oauth2/token`, form({ grant_type: JWT_GRANT, assertion: await assertion({ aud }) }));
      assert.equal(res.status, 200, `aud ${aud}: ${JSON.stringify(res.body)}`);
      assert.equal((res.body as Record<string, string>)['instance_url'], sf.url);
    }
  });

  it('refuses JWT assertions with a foreign signature, wrong audience, unknown user or bad expiry', async () => {
    const other = await generateKeyPair('RS256');
    const cases: Array<[string, Promise<string>, string, string]> = [
      ['foreign key', assertion({}, other.privateKey), 'invalid_grant', 'invalid assertion'],
      ['wrong audience', assertion({ aud: 'https://example.com' }), 'invalid_grant', 'audience is invalid'],
      ['unknown user', assertion({ sub: 'mallory@syncwright.demo' }), 'invalid_grant', "user hasn't approved this consumer"],
      ['unknown consumer', assertion({ iss: 'someone-else' }), 'invalid_client_id', 'client identifier invalid'],
      ['expiry more than 3 minutes ahead', assertion({ expInS: 600 }), 'invalid_grant', 'invalid assertion'],
      ['expired', assertion({ expInS: -5 }), 'invalid_grant', 'expired authorization code'],
    ];
    for (const [name, jwt, error, description] of cases) {
      const res = await call(`${sf.url}/services/oauth2/token`, form({ grant_type: JWT_GRANT, assertion: await jwt }));
      assert.equal(res.status, 400, name);
      assert.deepEqual(res.body, { error, error_description: description }, name);
    }
  });

  it('verifies JWTs against a configured public key when one is given', async () => {
    await sf.close();
    const pair = await generateKeyPair('RS256', { extractable: true });
    sf = await startSalesforceSandbox({ clock, auth: { jwt: { consumerKey: 'my-app', publicKeyPem: await exportSPKI(pair.publicKey), users: ['ops@example.com'] } } });
    assert.equal(sf.demo.privateKeyPem, undefined);
    const res = await call(`${sf.url}/services/oauth2/token`, form({ grant_type: JWT_GRANT, assertion: await assertion({ iss: 'my-app', sub: 'ops@example.com' }, pair.privateKey) }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });

  it('answers 401 INVALID_SESSION_ID without a token, with an unknown token and once the token has expired', async () => {
    const expected = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];
    const none = await call(`${sf.apiBase()}/sobjects`);
    assert.equal(none.status, 401);
    assert.deepEqual(none.body, expected);
    assert.deepEqual((await call(`${sf.apiBase()}/sobjects`, { headers: { authorization: 'Bearer 00Dxx!forged' } })).body, expected);
    const token = sf.issueToken().token;
    const auth = { headers: { authorization: `Bearer ${token}` } };
    clock.advance(2 * 3600_000 - 1);
    assert.equal((await call(`${sf.apiBase()}/sobjects`, auth)).status, 200);
    clock.advance(1);
    const expired = await call(`${sf.apiBase()}/sobjects`, auth);
    assert.equal(expired.status, 401);
    assert.deepEqual(expired.body, expected);
  });

  it('honours a configured token lifetime and expires every token on demand', async () => {
    await sf.close();
    sf = await startSalesforceSandbox({ clock, tokenTtlMs: 60_000 });
    const auth = { headers: { authorization: `Bearer ${sf.issueToken().token}` } };
    clock.advance(59_999);
    assert.equal((await call(`${sf.apiBase()}/limits`, auth)).status, 200);
    sf.server.expireTokens();
    assert.equal((await call(`${sf.apiBase()}/limits`, auth)).status, 401);
    const fresh = { headers: { authorization: `Bearer ${sf.issueToken().token}` } };
    assert.equal((await fetch(`${sf.url}/__sandbox/expire-tokens`, { method: 'POST' })).status, 204);
    assert.equal((await call(`${sf.apiBase()}/limits`, fresh)).status, 401);
  });

  it('lists API versions from v46.0 on without authentication, and serves any of them', async () => {
    const res = await call(`${sf.url}/services/data/`);
    assert.equal(res.status, 200);
    const versions = res.body as Array<{ label: string; url: string; version: string }>;
    assert.deepEqual(versions[0], { label: "Summer '19", url: '/services/data/v46.0', version: '46.0' });
    assert.ok(versions.some((v) => v.version === '62.0' && v.label === "Winter '25"));
    const auth = { headers: { authorization: `Bearer ${sf.issueToken().token}` } };
    assert.equal((await call(`${sf.url}/services/data/v46.0/limits`, auth)).status, 200);
    const old = await call(`${sf.url}/services/data/v45.0/limits`, auth);
    assert.equal(old.status, 404);
    assert.deepEqual(old.body, [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
  });

  it('puts Sforce-Limit-Info on every response and reports the same usage in /limits', async () => {
    const auth = { headers: { authorization: `Bearer ${sf.issueToken().token}` } };
    const first = await call(`${sf.apiBase()}/sobjects`, auth);
    assert.equal(first.headers.get('sforce-limit-info'), 'api-usage=1/15000');
    const unauthorised = await call(`${sf.apiBase()}/sobjects`);
    assert.equal(unauthorised.headers.get('sforce-limit-info'), 'api-usage=2/15000');
    const limits = await call(`${sf.apiBase()}/limits`, auth);
    assert.equal(limits.headers.get('sforce-limit-info'), 'api-usage=3/15000');
    assert.deepEqual((limits.body as Record<string, unknown>)['DailyApiRequests'], { Max: 15000, Remaining: 14997 });
  });

  it('refuses requests with 403 REQUEST_LIMIT_EXCEEDED once the daily allowance is used, until the window rolls', async () => {
    await sf.close();
    sf = await startSalesforceSandbox({ clock, dailyApiRequests: 3 });
    const auth = { headers: { authorization: `Bearer ${sf.issueToken().token}` } };
    for (let i = 0; i < 3; i++) assert.equal((await call(`${sf.apiBase()}/limits`, auth)).status, 200);
    const refused = await call(`${sf.apiBase()}/limits`, auth);
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.body, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    assert.equal(refused.headers.get('sforce-limit-info'), 'api-usage=3/3');
    // Switching the sandbox's own daily limit off still leaves the org's allowance in force.
    sf.server.setLimits({});
    assert.equal((await call(`${sf.apiBase()}/limits`, auth)).status, 403);
    clock.advance(24 * 3600_000 + 1);
    assert.equal((await call(`${sf.apiBase()}/limits`, { headers: { authorization: `Bearer ${sf.issueToken().token}` } })).status, 200);
  });

  it('serves the identity URL of the token response, as community clients read it', async () => {
    const tokenRes = await call(`${sf.url}/services/oauth2/token`, form({ grant_type: 'client_credentials', client_id: 'syncwright-demo-client', client_secret: 'syncwright-demo-secret' }));
    const body = tokenRes.body as Record<string, string>;
    const identity = await call(`${body['id']}?format=json&oauth_token=${encodeURIComponent(body['access_token'])}`);
    assert.equal(identity.status, 200);
    assert.equal((identity.body as Record<string, unknown>)['username'], 'integration@syncwright.demo');
    const userinfo = await call(`${sf.url}/services/oauth2/userinfo`, { headers: { authorization: `Bearer ${body['access_token']}` } });
    assert.equal((userinfo.body as Record<string, unknown>)['preferred_username'], 'integration@syncwright.demo');
  });
});
