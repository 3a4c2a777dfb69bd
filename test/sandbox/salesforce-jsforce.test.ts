// Faithfulness check: jsforce, the widely used community Salesforce client, works against the sandbox unmodified.
import assert from 'node:assert/strict';
import { SignJWT, importPKCS8 } from 'jose';
import { Connection } from 'jsforce';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.js';

type Json = Record<string, unknown>;

describe('Salesforce sandbox with jsforce (unmodified community client)', () => {
  let sf: SalesforceSandbox;

  beforeEach(async () => {
    sf = await startSalesforceSandbox({ seedData: true });
  });
  afterEach(() => sf.close());

  it('authenticates with the client-credentials flow against the sandbox as login URL', async () => {
    const conn = new Connection({ oauth2: { loginUrl: sf.url, clientId: sf.demo.clientId, clientSecret: sf.demo.clientSecret }, version: '62.0' });
    const user = await conn.authorize({ grant_type: 'client_credentials' });
    assert.equal(conn.instanceUrl, sf.url);
    assert.match(user.id, /^005/);
    assert.match(user.organizationId, /^00D/);
    const identity = await conn.identity();
    assert.equal(identity.username, 'integration@syncwright.demo');
  });

  it('authenticates with the JWT bearer flow', async () => {
    const key = await importPKCS8(sf.demo.privateKeyPem as string, 'RS256');
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(sf.demo.consumerKey)
      .setSubject(sf.demo.username)
      .setAudience('https://login.salesforce.com')
      .setExpirationTime('2m')
      .sign(key);
    const conn = new Connection({ loginUrl: sf.url, version: '62.0' });
    await conn.authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion });
    const result = await conn.query<{ Name: string }>("SELECT Name FROM Account WHERE Syncwright_Key__c = 'acct:ACME'");
    assert.deepEqual(result.records.map((r) => r.Name), ['Acme Corporation']);
  });

  it('creates, retrieves, updates, upserts and deletes records with an access token and instance URL', async () => {
    const conn = new Connection({ instanceUrl: sf.url, accessToken: sf.issueToken().token, version: '62.0' });
    const accounts = conn.sobject('Account');
    const created = await accounts.create({ Name: 'jsforce Ltd', Syncwright_Key__c: 'acct:JSFORCE' });
    assert.equal(created.success, true);
    const id = created.id;
    const record = (await accounts.retrieve(id)) as Json;
    assert.equal(record['Name'], 'jsforce Ltd');
    const updated = await accounts.update({ Id: id, Phone: '+1 555 0199' });
    assert.equal(updated.success, true);
    assert.equal(sf.record('Account', id)?.['Phone'], '+1 555 0199');

    const upsertExisting = await accounts.upsert({ Syncwright_Key__c: 'acct:JSFORCE', Name: 'jsforce Holdings' }, 'Syncwright_Key__c');
    assert.equal(upsertExisting.success, true);
    const upsertNew = await accounts.upsert({ Syncwright_Key__c: 'acct:JSFORCE-2', Name: 'jsforce Two' }, 'Syncwright_Key__c');
    assert.equal(upsertNew.success, true);
    assert.equal(sf.findByExternalId('Account', 'Syncwright_Key__c', 'acct:JSFORCE')[0]['Name'], 'jsforce Holdings');
    assert.equal(sf.findByExternalId('Account', 'Syncwright_Key__c', 'acct:JSFORCE-2').length, 1);

    // Arrays go through sObject Collections (create, retrieve, upsert by external ID, delete).
    const many = await accounts.create([{ Name: 'Batch 1' }, { Name: 'Batch 2' }]);
    assert.ok(many.every((r) => r.success));
    const manyIds = many.map((r) => (r.success ? r.id : ''));
    const fetched = (await accounts.retrieve(manyIds, { fields: ['Name'] })) as Json[];
    assert.deepEqual(fetched.map((r) => r['Name']), ['Batch 1', 'Batch 2']);
    const upserted = await accounts.upsert([{ Syncwright_Key__c: 'acct:JSFORCE-2', Name: 'jsforce 2' }, { Syncwright_Key__c: 'acct:JSFORCE-3', Name: 'jsforce 3' }], 'Syncwright_Key__c');
    assert.ok(upserted.every((r) => r.success));
    const destroyed = await accounts.destroy(manyIds);
    assert.ok(destroyed.every((r) => r.success));
    assert.equal(sf.record('Account', manyIds[0]), undefined);
    await accounts.destroy(id);
    assert.equal(sf.record('Account', id), undefined);
    assert.deepEqual(sf.server.duplicates(), {});

    const describe = await accounts.describe();
    assert.ok(describe.fields.some((f) => f.name === 'Syncwright_Key__c' && f.externalId));
  });

  it('surfaces Salesforce errors with their errorCode', async () => {
    const conn = new Connection({ instanceUrl: sf.url, accessToken: sf.issueToken().token, version: '62.0' });
    await assert.rejects(conn.sobject('Opportunity').create({ Name: 'No stage' }), (err: Error & { errorCode?: string }) => err.errorCode === 'REQUIRED_FIELD_MISSING');
    await assert.rejects(async () => conn.query("SELECT Id FROM Account WHERE Name = 'a\\q'"), (err: Error & { errorCode?: string }) => err.errorCode === 'MALFORMED_QUERY');
    const expired = new Connection({ instanceUrl: sf.url, accessToken: 'stale', version: '62.0' });
    await assert.rejects(async () => expired.query('SELECT Id FROM Account'), (err: Error & { errorCode?: string }) => err.errorCode === 'INVALID_SESSION_ID');
  });

  it('runs a query with autoFetch over several pages', async () => {
    const conn = new Connection({ instanceUrl: sf.url, accessToken: sf.issueToken().token, version: '62.0' });
    const records = Array.from({ length: 450 }, (_, i) => ({ Name: `Paged ${String(i).padStart(3, '0')}` }));
    const saved = await conn.sobject('Account').create(records, { allowRecursive: true });
    assert.equal(saved.filter((r) => r.success).length, 450);
    const result = await conn.query<{ Name: string }>("SELECT Name FROM Account WHERE Name LIKE 'Paged%' ORDER BY Name", { autoFetch: true, maxFetch: 10_000, headers: { 'Sforce-Query-Options': 'batchSize=200' } });
    assert.equal(result.totalSize, 450);
    assert.equal(result.records.length, 450);
    assert.equal(result.records[449].Name, 'Paged 449');
    const pages = sf.server.getJournal({ path: '/query' }).length;
    assert.equal(pages, 3, 'three pages of at most 200');
  });
});
