// Community clients against the NetSuite sandbox, unmodified: `netsuite-rest` (TBA through oauth-1.0a and
// got) for records and SuiteQL, and axios for the OAuth 2.0 token flow and the raw wire format.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import axios from 'axios';
import { importPKCS8, SignJWT } from 'jose';
import { startNetSuiteSandbox, type NetSuiteSandbox } from '../../sandbox/netsuite/index.js';

// The client's response hook spreads got's response, so Node's lazily built `headers` is lost: read rawHeaders.
interface NetsuiteRestResponse {
  statusCode: number;
  rawHeaders: string[];
  data: unknown;
}

function rawHeader(res: NetsuiteRestResponse, name: string): string | undefined {
  const at = res.rawHeaders.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === name);
  return at < 0 ? undefined : res.rawHeaders[at + 1];
}
interface NetsuiteRestClient {
  request(opts: { path?: string; method?: string; body?: string; heads?: Record<string, string> }): Promise<NetsuiteRestResponse>;
}
type NetsuiteRestCtor = new (opts: { consumer_key: string; consumer_secret_key: string; token: string; token_secret: string; realm: string; base_url?: string }) => NetsuiteRestClient;

// netsuite-rest ships no types; it is loaded as published.
const NetsuiteRest = createRequire(__filename)('netsuite-rest') as NetsuiteRestCtor;

type Json = Record<string, unknown>;

describe('NetSuite sandbox: community clients', () => {
  let ns: NetSuiteSandbox;
  beforeEach(async () => {
    ns = await startNetSuiteSandbox({ seedData: true });
  });
  afterEach(() => ns.close());

  describe('netsuite-rest (TBA)', () => {
    const client = (): NetsuiteRestClient =>
      new NetsuiteRest({
        consumer_key: ns.demo.tba.consumerKey,
        consumer_secret_key: ns.demo.tba.consumerSecret,
        token: ns.demo.tba.tokenId,
        token_secret: ns.demo.tba.tokenSecret,
        realm: ns.demo.realm,
        base_url: ns.url,
      });

    it('reads a record', async () => {
      const res = await client().request({ path: 'record/v1/customer/200' });
      assert.equal(res.statusCode, 200);
      const rec = res.data as Json;
      assert.equal(rec['companyName'], 'Acme Analytics');
      assert.equal((rec['subsidiary'] as Json)['id'], '2');
    });

    it('creates a record and reads the new id from Location', async () => {
      const res = await client().request({ path: 'record/v1/customer', method: 'POST', body: JSON.stringify({ companyName: 'Community Client Co', subsidiary: { id: '3' }, externalId: 'CC-1' }) });
      assert.equal(res.statusCode, 204);
      assert.equal(res.data, null);
      const location = rawHeader(res, 'location') ?? '';
      assert.match(location, /\/services\/rest\/record\/v1\/customer\/\d+$/);
      const id = location.split('/').pop() as string;
      const read = await client().request({ path: `record/v1/customer/${id}` });
      assert.equal((read.data as Json)['externalId'], 'CC-1');
    });

    it('runs SuiteQL with paging parameters in the signed URL', async () => {
      const res = await client().request({ path: 'query/v1/suiteql?limit=2&offset=0', method: 'POST', body: JSON.stringify({ q: "SELECT id, tranid FROM transaction WHERE type = 'CustInvc' ORDER BY id" }) });
      assert.equal(res.statusCode, 200);
      const body = res.data as Json;
      assert.deepEqual([body['count'], body['hasMore'], body['totalResults']], [2, true, 3]);
      assert.deepEqual((body['items'] as Json[]).map((i) => i['tranid']), ['INV0001', 'INV0002']);
    });

    it('surfaces NetSuite’s error body through got’s HTTPError', async () => {
      await assert.rejects(client().request({ path: 'record/v1/customer/424242' }), (err: unknown) => {
        const response = (err as { response?: { statusCode: number; body: string } }).response;
        assert.equal(response?.statusCode, 404);
        const body = JSON.parse(response.body) as Json;
        assert.equal((body['o:errorDetails'] as Json[])[0]['o:errorCode'], 'NONEXISTENT_ID');
        return true;
      });
    });

    it('is refused with a wrong token secret', async () => {
      const bad = new NetsuiteRest({ consumer_key: ns.demo.tba.consumerKey, consumer_secret_key: ns.demo.tba.consumerSecret, token: ns.demo.tba.tokenId, token_secret: 'wrong', realm: ns.demo.realm, base_url: ns.url });
      await assert.rejects(bad.request({ path: 'record/v1/customer/200' }), (err: unknown) => (err as { response?: { statusCode: number } }).response?.statusCode === 401);
    });
  });

  describe('axios (OAuth 2.0 client credentials and the raw wire)', () => {
    it('gets a token with a client assertion and creates, upserts and lists records', async () => {
      const { oauth2 } = ns.demo;
      const now = Math.floor(Date.now() / 1000);
      const jwt = await new SignJWT({ scope: 'rest_webservices' })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: oauth2.certificateId })
        .setIssuer(oauth2.clientId)
        .setAudience(oauth2.tokenUrl)
        .setIssuedAt(now)
        .setExpirationTime(now + 3000)
        .sign(await importPKCS8(oauth2.privateKeyPem, 'ES256'));
      const tokenRes = await axios.post<Json>(
        oauth2.tokenUrl,
        new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt }),
      );
      assert.equal(tokenRes.status, 200);
      const api = axios.create({ baseURL: ns.restUrl, headers: { authorization: `Bearer ${String(tokenRes.data['access_token'])}` }, validateStatus: () => true });

      const created = await api.post('/record/v1/job', { companyName: 'Axios project', parent: { id: '201' }, jobBillingType: { id: 'FBM' } });
      assert.equal(created.status, 204);
      assert.equal(created.data, '');
      assert.match(String(created.headers['location']), /\/record\/v1\/job\/\d+$/);

      const upsert = await api.put('/record/v1/projectTask/eid:SW-MS-1', { title: 'Milestone 1', company: { id: String(created.headers['location']).split('/').pop() }, isMilestone: true, custevent_sw_milestone_amount: 12000 });
      assert.equal(upsert.status, 204);

      const list = await api.get<Json>('/record/v1/projectTask', { params: { limit: 10 } });
      assert.equal(list.status, 200);
      assert.equal(list.data['totalResults'], 1);
      const bad = await api.patch<Json>('/record/v1/projectTask/eid:SW-MS-1', { status: { id: 'DONE' } });
      assert.equal(bad.status, 400);
      assert.equal(((bad.data['o:errorDetails'] as Json[])[0])['o:errorPath'], 'status');
    });
  });
});
