// sObject rows, upsert by external ID, describe and validation of the Salesforce sandbox, on the wire.
import assert from 'node:assert/strict';
import { ManualClock } from '../../sandbox/core/clock.js';
import { normalizeId } from '../../sandbox/salesforce/ids.js';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.js';

interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}
type Json = Record<string, unknown>;

describe('Salesforce sandbox: records, upsert and describe', () => {
  let sf: SalesforceSandbox;
  let token: string;
  const clock = new ManualClock();

  beforeEach(async () => {
    clock.set(Date.parse('2026-01-05T09:00:00Z'));
    sf = await startSalesforceSandbox({ clock, seedData: true });
    // Seeding wrote at 09:00; the test's own writes happen an hour later.
    clock.set(Date.parse('2026-01-05T10:00:00Z'));
    token = sf.issueToken().token;
  });
  afterEach(() => sf.close());

  async function api(method: string, path: string, body?: unknown, raw?: string): Promise<Reply> {
    const res = await fetch(`${sf.apiBase()}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined };
  }
  const errorsOf = (r: Reply) => r.body as Array<{ message: string; errorCode: string; fields?: string[] }>;

  it('creates a record (201), reads it back with attributes first, updates it (204) and deletes it (204)', async () => {
    const created = await api('POST', '/sobjects/Account', { Name: 'Hooli', Syncwright_Key__c: 'acct:HOOLI', Legal_Entity__c: 'US01' });
    assert.equal(created.status, 201);
    const { id } = created.body as { id: string };
    assert.deepEqual(created.body, { id, success: true, errors: [] });
    assert.match(id, /^001[0-9A-Za-z]{15}$/);
    const read = await api('GET', `/sobjects/Account/${id}`);
    assert.equal(read.status, 200);
    const record = read.body as Json;
    assert.deepEqual(Object.keys(record).slice(0, 3), ['attributes', 'Id', 'IsDeleted']);
    assert.deepEqual(record['attributes'], { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${id}` });
    assert.equal(record['CreatedDate'], '2026-01-05T10:00:00.000+0000');
    assert.equal(record['OwnerId'], record['CreatedById']);
    const update = await api('PATCH', `/sobjects/Account/${id}`, { Name: 'Hooli XYZ', Credit_Limit__c: 5000 });
    assert.equal(update.status, 204);
    assert.equal(update.body, undefined);
    const fields = await api('GET', `/sobjects/Account/${id}?fields=Name,Credit_Limit__c`);
    assert.deepEqual(fields.body, { attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${id}` }, Name: 'Hooli XYZ', Credit_Limit__c: 5000 });
    assert.equal((await api('DELETE', `/sobjects/Account/${id}`)).status, 204);
    const gone = await api('GET', `/sobjects/Account/${id}`);
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
    const again = await api('DELETE', `/sobjects/Account/${id}`);
    assert.equal(again.status, 404);
    assert.equal(errorsOf(again)[0].errorCode, 'ENTITY_IS_DELETED');
    assert.deepEqual(sf.server.getCreateCounts()['Account:acct:HOOLI'], 1);
  });

  it('accepts 15-character Ids and answers an unknown path segment as an unknown external ID field', async () => {
    const acme = sf.findByExternalId('Account', 'Syncwright_Key__c', 'acct:ACME')[0];
    const id15 = String(acme['Id']).slice(0, 15);
    const read = await api('GET', `/sobjects/Account/${id15}`);
    assert.equal((read.body as Json)['Id'], acme['Id']);
    const bogus = await api('GET', '/sobjects/Account/not-an-id');
    assert.equal(bogus.status, 404);
    assert.deepEqual(bogus.body, [{ message: 'Provided external ID field does not exist or is not accessible: not-an-id', errorCode: 'NOT_FOUND' }]);
    const unknownType = await api('GET', '/sobjects/Widget__c/describe');
    assert.equal(unknownType.status, 404);
  });

  it('gives every object its key prefix and 18-character Ids with the case checksum', () => {
    // The checksum letter of each 5-character chunk encodes which of its characters are upper case.
    assert.equal(normalizeId('001A000000B7vZu'), '001A000000B7vZuIAJ');
    assert.equal(normalizeId('001A000000B7vZuiaj'), '001A000000B7vZuIAJ');
    assert.equal(normalizeId('001-bad'), undefined);
    const prefixes: Record<string, string> = { Account: '001', Contact: '003', Opportunity: '006', OpportunityLineItem: '00k', User: '005', pse__Proj__c: 'a0P', pse__Milestone__c: 'a0M', pse__Timecard_Header__c: 'a0T', pse__Resource_Request__c: 'a0R' };
    for (const [sobject, prefix] of Object.entries(prefixes)) {
      const rows = sf.records(sobject);
      assert.ok(rows.length > 0, sobject);
      for (const row of rows) assert.match(String(row['Id']), new RegExp(`^${prefix}[0-9A-Za-z]{12}[A-Z0-5]{3}$`), sobject);
    }
  });

  it('upserts by external ID: 201 created, 200 updated, updateOnly refuses to create', async () => {
    const created = await api('PATCH', '/sobjects/Account/Syncwright_Key__c/acct:HOOLI', { Name: 'Hooli' });
    assert.equal(created.status, 201);
    const id = (created.body as Json)['id'];
    assert.deepEqual(created.body, { id, success: true, errors: [], created: true });
    const updated = await api('PATCH', '/sobjects/Account/Syncwright_Key__c/acct:HOOLI', { Name: 'Hooli Inc' });
    assert.equal(updated.status, 200);
    assert.deepEqual(updated.body, { id, success: true, errors: [], created: false });
    // External IDs match case-insensitively.
    assert.equal((await api('PATCH', '/sobjects/Account/Syncwright_Key__c/ACCT:hooli', { Phone: '1' })).status, 200);
    const onlyUpdate = await api('PATCH', '/sobjects/Account/Syncwright_Key__c/acct:NOBODY?updateOnly=true', { Name: 'Nobody' });
    assert.equal(onlyUpdate.status, 404);
    assert.deepEqual(onlyUpdate.body, [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
    assert.equal(sf.findByExternalId('Account', 'Syncwright_Key__c', 'acct:NOBODY').length, 0);
    const read = await api('GET', '/sobjects/Account/Syncwright_Key__c/acct:HOOLI?fields=Name,Phone');
    assert.deepEqual(read.body, { attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${String(id)}` }, Name: 'Hooli Inc', Phone: '1' });
    assert.deepEqual(sf.server.duplicates(), {});
  });

  it('answers 300 with the matching record URLs when a non-unique external ID matches several records', async () => {
    const a = await api('POST', '/sobjects/Account', { Name: 'Twin A', NetSuite_Id__c: '42' });
    const b = await api('POST', '/sobjects/Account', { Name: 'Twin B', NetSuite_Id__c: '42' });
    const res = await api('PATCH', '/sobjects/Account/NetSuite_Id__c/42', { Name: 'Which?' });
    assert.equal(res.status, 300);
    const ids = [(a.body as Json)['id'], (b.body as Json)['id']].map(String);
    assert.deepEqual(res.body, ids.map((id) => `/services/data/v62.0/sobjects/Account/${id}`));
    assert.ok(sf.records('Account').every((r) => r['Name'] !== 'Which?'), 'nothing written');
    assert.equal((await api('GET', '/sobjects/Account/NetSuite_Id__c/42')).status, 300);
  });

  it('refuses the external ID field or Id in the upsert body, and fields that are not external IDs', async () => {
    const inBody = await api('PATCH', '/sobjects/Account/Syncwright_Key__c/acct:HOOLI', { Name: 'Hooli', Syncwright_Key__c: 'acct:HOOLI' });
    assert.equal(inBody.status, 400);
    assert.deepEqual(inBody.body, [{ message: 'The Syncwright_Key__c field should not be specified in the sobject data.', errorCode: 'INVALID_FIELD' }]);
    const idInBody = await api('PATCH', '/sobjects/Account/Syncwright_Key__c/acct:HOOLI', { Id: '001000000000000AAA', Name: 'x' });
    assert.equal(errorsOf(idInBody)[0].message, 'The Id field should not be specified in the sobject data.');
    const notExternal = await api('PATCH', '/sobjects/Account/Name/Hooli', { Phone: '1' });
    assert.equal(notExternal.status, 404);
    assert.deepEqual(notExternal.body, [{ message: 'Provided external ID field does not exist or is not accessible: Name', errorCode: 'NOT_FOUND' }]);
    assert.equal(sf.findByExternalId('Account', 'Syncwright_Key__c', 'acct:HOOLI').length, 0);
  });

  it('validates writes against the schema with the vendor\'s error codes', async () => {
    const cases: Array<[string, string, unknown, number, string, string | RegExp, string[] | undefined]> = [
      ['unknown field', '/sobjects/Account', { Name: 'x', Colour__c: 'red' }, 400, 'INVALID_FIELD', "No such column 'Colour__c' on sobject of type Account", undefined],
      ['required fields', '/sobjects/Opportunity', { Name: 'x' }, 400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [StageName, CloseDate]', ['StageName', 'CloseDate']],
      ['read-only IsWon', '/sobjects/Opportunity', { Name: 'x', StageName: 'Prospecting', CloseDate: '2026-02-01', IsWon: true }, 400, 'INVALID_FIELD_FOR_INSERT_UPDATE', /^Unable to create\/update fields: IsWon\./, ['IsWon']],
      ['bad picklist value', '/sobjects/Opportunity', { Name: 'x', StageName: 'Won-ish', CloseDate: '2026-02-01' }, 400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'Stage: bad value for restricted picklist field: Won-ish', ['StageName']],
      ['bad multi-select value', '/sobjects/Contact', { LastName: 'x', Contact_Roles__c: 'Primary;Janitor' }, 400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'Contact Roles: bad value for restricted picklist field: Janitor', ['Contact_Roles__c']],
      ['date of wrong type', '/sobjects/Opportunity', { Name: 'x', StageName: 'Prospecting', CloseDate: 'next week' }, 400, 'JSON_PARSER_ERROR', /^Cannot deserialize instance of date from VALUE_STRING value next week or request may be missing a required field at \[line:1, column:\d+\]$/, undefined],
      ['number of wrong type', '/sobjects/Account', { Name: 'x', Credit_Limit__c: 'lots' }, 400, 'JSON_PARSER_ERROR', /^Cannot deserialize instance of double from VALUE_STRING value lots/, undefined],
      ['boolean of wrong type', '/sobjects/Account', { Name: 'x', Tax_Exempt__c: 'yes' }, 400, 'JSON_PARSER_ERROR', /^Cannot deserialize instance of boolean from VALUE_STRING value yes/, undefined],
      ['text too long', '/sobjects/Account', { Name: 'x', Tax_Id__c: 'x'.repeat(51) }, 400, 'STRING_TOO_LONG', /^Tax Id: data value too large: x+ \(max length=50\)$/, ['Tax_Id__c']],
      ['bad email', '/sobjects/Contact', { LastName: 'x', Email: 'not-an-email' }, 400, 'INVALID_EMAIL_ADDRESS', 'Email: invalid email address: not-an-email', ['Email']],
      ['duplicate unique value', '/sobjects/Account', { Name: 'Copy', Syncwright_Key__c: 'ACCT:acme' }, 400, 'DUPLICATE_VALUE', /^duplicate value found: Syncwright_Key__c duplicates value on record with id: 001[0-9A-Za-z]{15}$/, []],
      ['malformed reference', '/sobjects/Contact', { LastName: 'x', AccountId: '003Sw0000000001IAA' }, 400, 'MALFORMED_ID', 'Account ID: id value of incorrect type: 003Sw0000000001IAA', ['AccountId']],
      ['reference to nothing', '/sobjects/Contact', { LastName: 'x', AccountId: '001Sw000000009zIAA' }, 400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', []],
      ['user is read-only', '/sobjects/User', { LastName: 'x' }, 400, 'INVALID_TYPE_FOR_OPERATION', 'entity type cannot be inserted: User', []],
    ];
    const before = sf.records('Account').length + sf.records('Contact').length + sf.records('Opportunity').length;
    for (const [name, path, body, status, code, message, fields] of cases) {
      const res = await api('POST', path, body);
      assert.equal(res.status, status, `${name}: ${JSON.stringify(res.body)}`);
      const [error] = errorsOf(res);
      assert.equal(error.errorCode, code, name);
      if (typeof message === 'string') assert.equal(error.message, message, name);
      else assert.match(error.message, message, name);
      assert.deepEqual(error.fields, fields, name);
    }
    assert.equal(sf.records('Account').length + sf.records('Contact').length + sf.records('Opportunity').length, before, 'no failed write left a record');
  });

  it('refuses IsWon and IsClosed on update too, and derives both (and Probability) from StageName', async () => {
    const created = await api('POST', '/sobjects/Opportunity', { Name: 'Deal', StageName: 'Prospecting', CloseDate: '2026-03-01' });
    const id = String((created.body as Json)['id']);
    const flags = async () => {
      const r = (await api('GET', `/sobjects/Opportunity/${id}?fields=IsClosed,IsWon,Probability,ForecastCategoryName`)).body as Json;
      return [r['IsClosed'], r['IsWon'], r['Probability'], r['ForecastCategoryName']];
    };
    assert.deepEqual(await flags(), [false, false, 10, 'Pipeline']);
    const refused = await api('PATCH', `/sobjects/Opportunity/${id}`, { IsClosed: true, IsWon: true });
    assert.equal(refused.status, 400);
    assert.deepEqual(errorsOf(refused)[0].fields, ['IsClosed', 'IsWon']);
    await api('PATCH', `/sobjects/Opportunity/${id}`, { StageName: 'Closed Won' });
    assert.deepEqual(await flags(), [true, true, 100, 'Closed']);
    await api('PATCH', `/sobjects/Opportunity/${id}`, { StageName: 'Closed Lost' });
    assert.deepEqual(await flags(), [true, false, 0, 'Omitted']);
  });

  it('stamps SystemModstamp and LastModifiedDate to the second, as Salesforce does: writes within one second share it', async () => {
    const created = await api('POST', '/sobjects/Account', { Name: 'Tick' });
    const id = String((created.body as Json)['id']);
    const stamps: string[] = [];
    const read = async () => (await api('GET', `/sobjects/Account/${id}?fields=SystemModstamp,LastModifiedDate,CreatedDate`)).body as Json;
    stamps.push(String((await read())['SystemModstamp']));
    for (let i = 0; i < 3; i++) {
      await api('PATCH', `/sobjects/Account/${id}`, { Phone: String(i) });
      const r = await read();
      assert.equal(r['LastModifiedDate'], r['SystemModstamp']);
      stamps.push(String(r['SystemModstamp']));
    }
    // The clock never left the second: every write has its stamp (Salesforce keeps no milliseconds).
    assert.deepEqual(stamps, ['2026-01-05T10:00:00.000+0000', '2026-01-05T10:00:00.000+0000', '2026-01-05T10:00:00.000+0000', '2026-01-05T10:00:00.000+0000']);
    assert.equal((await read())['CreatedDate'], '2026-01-05T10:00:00.000+0000');
    clock.advance(999);
    await api('PATCH', `/sobjects/Account/${id}`, { Phone: 'same second' });
    assert.equal((await read())['SystemModstamp'], '2026-01-05T10:00:00.000+0000');
    clock.advance(60_000);
    await api('PATCH', `/sobjects/Account/${id}`, { Phone: 'later' });
    assert.equal((await read())['SystemModstamp'], '2026-01-05T10:01:00.000+0000');
  });

  it('sets a reference through the parent\'s external ID, as Salesforce relationship upserts do', async () => {
    const res = await api('PATCH', '/sobjects/Opportunity/Syncwright_Key__c/opp:NEW-1', { Name: 'New', StageName: 'Prospecting', CloseDate: '2026-02-01', Account: { Syncwright_Key__c: 'acct:GLOBEX' } });
    assert.equal(res.status, 201);
    const opp = sf.record('Opportunity', String((res.body as Json)['id'])) as Json;
    assert.equal(opp['AccountId'], sf.findByExternalId('Account', 'Syncwright_Key__c', 'acct:GLOBEX')[0]['Id']);
    const missing = await api('PATCH', '/sobjects/Opportunity/Syncwright_Key__c/opp:NEW-2', { Name: 'New', StageName: 'Prospecting', CloseDate: '2026-02-01', Account: { Syncwright_Key__c: 'acct:NOPE' } });
    assert.equal(missing.status, 400);
    assert.equal(errorsOf(missing)[0].message, 'Foreign key external ID: acct:NOPE not found for field Syncwright_Key__c in entity Account');
  });

  it('rolls line items up into the Opportunity Amount and deletes them with their Opportunity', async () => {
    const created = await api('POST', '/sobjects/Opportunity', { Name: 'Lines', StageName: 'Prospecting', CloseDate: '2026-03-01' });
    const oppId = String((created.body as Json)['id']);
    const line = await api('POST', '/sobjects/OpportunityLineItem', { OpportunityId: oppId, Quantity: 10, UnitPrice: 150.5, Hours__c: 10 });
    assert.equal(line.status, 201, JSON.stringify(line.body));
    await api('POST', '/sobjects/OpportunityLineItem', { OpportunityId: oppId, Quantity: 2, TotalPrice: 300 });
    const opp = (await api('GET', `/sobjects/Opportunity/${oppId}?fields=Amount,HasOpportunityLineItem`)).body as Json;
    assert.equal(opp['Amount'], 1805);
    assert.equal(opp['HasOpportunityLineItem'], true);
    const both = await api('POST', '/sobjects/OpportunityLineItem', { OpportunityId: oppId, Quantity: 1, UnitPrice: 1, TotalPrice: 1 });
    assert.equal(errorsOf(both)[0].errorCode, 'FIELD_INTEGRITY_EXCEPTION');
    await api('DELETE', `/sobjects/Opportunity/${oppId}`);
    assert.equal(sf.records('OpportunityLineItem').filter((r) => r['OpportunityId'] === oppId).length, 0);
    assert.equal(sf.records('OpportunityLineItem', true).filter((r) => r['OpportunityId'] === oppId).length, 2);
  });

  it('describes each object from the same schema that validates writes', async () => {
    const res = await api('GET', '/sobjects/Opportunity/describe');
    assert.equal(res.status, 200);
    const describe = res.body as { name: string; keyPrefix: string; fields: Array<Json> };
    assert.equal(describe.name, 'Opportunity');
    assert.equal(describe.keyPrefix, '006');
    const field = (name: string) => describe.fields.find((f) => f['name'] === name) as Json;
    const stage = field('StageName');
    assert.deepEqual((stage['picklistValues'] as Json[]).map((p) => p['value']), ['Prospecting', 'Qualification', 'Needs Analysis', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost']);
    assert.equal(stage['nillable'], false);
    assert.equal(stage['type'], 'picklist');
    assert.deepEqual([field('IsWon')['createable'], field('IsWon')['updateable']], [false, false]);
    const key = field('Syncwright_Key__c');
    assert.deepEqual([key['externalId'], key['unique'], key['length'], key['type'], key['custom']], [true, true, 255, 'string', true]);
    assert.deepEqual(field('AccountId')['referenceTo'], ['Account']);
    assert.equal(field('AccountId')['relationshipName'], 'Account');
    for (const f of describe.fields) for (const prop of ['name', 'type', 'label', 'externalId', 'nillable', 'createable', 'updateable', 'unique', 'picklistValues', 'referenceTo', 'length']) assert.ok(prop in f, `${String(f['name'])}.${prop}`);
    const project = (await api('GET', '/sobjects/pse__Proj__c/describe')).body as { fields: Json[]; custom: boolean };
    assert.equal(project.custom, true);
    const names = project.fields.map((f) => f['name']);
    for (const name of ['pse__Account__c', 'pse__Opportunity__c', 'pse__Project_Manager__c', 'pse__Start_Date__c', 'pse__End_Date__c', 'pse__Is_Active__c', 'pse__Is_Billable__c', 'pse__Stage__c', 'Syncwright_Key__c', 'pse__Project_Type__c', 'pse__Billing_Type__c']) {
      assert.ok(names.includes(name), name);
    }
    const list = (await api('GET', '/sobjects')).body as { sobjects: Json[] };
    assert.deepEqual(list.sobjects.map((o) => o['name']).sort(), ['Account', 'Contact', 'Opportunity', 'OpportunityLineItem', 'User', 'pse__Milestone__c', 'pse__Proj__c', 'pse__Resource_Request__c', 'pse__Timecard_Header__c']);
  });

  it('answers malformed JSON, unknown routes and wrong methods in Salesforce\'s shapes', async () => {
    const bad = await api('POST', '/sobjects/Account', undefined, '{"Name": ');
    assert.equal(bad.status, 400);
    assert.equal(errorsOf(bad)[0].errorCode, 'JSON_PARSER_ERROR');
    const missing = await api('GET', '/nothing/here');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
    const wrongMethod = await api('PUT', '/sobjects/Account');
    assert.equal(wrongMethod.status, 405);
    assert.equal(errorsOf(wrongMethod)[0].errorCode, 'METHOD_NOT_ALLOWED');
  });

  it('seeds a deterministic demo org once, however often seeding is asked for', async () => {
    const accounts = sf.records('Account');
    assert.deepEqual(accounts.map((a) => a['Syncwright_Key__c']), ['acct:ACME', 'acct:GLOBEX', 'acct:INITECH', 'acct:UMBRELLA']);
    assert.deepEqual([...new Set(accounts.map((a) => a['Legal_Entity__c']))].sort(), ['UK01', 'US01']);
    assert.ok(accounts.every((a) => a['BillingAddress'] !== null));
    const opps = sf.records('Opportunity');
    assert.equal(opps.length, 6);
    assert.equal(opps.filter((o) => o['IsWon'] === true).length, 1);
    assert.ok(sf.records('OpportunityLineItem').length >= 5);
    assert.equal(sf.records('pse__Proj__c').length, 2);
    assert.equal((await fetch(`${sf.url}/__sandbox/seed`, { method: 'POST' })).status, 204);
    assert.equal(sf.records('Account').length, 4);
    assert.deepEqual(sf.server.getCreateCounts(), {}, 'seed data is not counted as client creates');
    const firstIds = accounts.map((a) => a['Id']);
    sf.server.reset();
    assert.deepEqual(sf.records('Account').map((a) => a['Id']), firstIds, 'the same Ids after a reset');
  });
});
