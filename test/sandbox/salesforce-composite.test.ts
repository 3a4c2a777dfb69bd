// sObject Collections and Composite on the Salesforce sandbox: per-record results, allOrNone and references.
import assert from 'node:assert/strict';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.js';

type Json = Record<string, unknown>;
interface SaveResult {
  id?: string | null;
  success: boolean;
  errors: Array<{ statusCode: string; message: string; fields: string[] }>;
  created?: boolean;
}

describe('Salesforce sandbox: sObject Collections and Composite', () => {
  let sf: SalesforceSandbox;
  let token: string;

  beforeEach(async () => {
    sf = await startSalesforceSandbox({ seedData: true });
    token = sf.issueToken().token;
  });
  afterEach(() => sf.close());

  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${sf.apiBase()}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined };
  }
  const account = (fields: Json) => ({ attributes: { type: 'Account' }, ...fields });

  it('upserts a collection by external ID with per-record results in request order', async () => {
    const res = await api('PATCH', '/composite/sobjects/Account/Syncwright_Key__c', {
      allOrNone: false,
      records: [account({ Syncwright_Key__c: 'acct:ACME', Phone: '+1 555 0000' }), account({ Syncwright_Key__c: 'acct:HOOLI', Name: 'Hooli' }), account({ Syncwright_Key__c: 'acct:BAD', Name: 'Bad', Credit_Limit__c: 'lots' }), account({ Syncwright_Key__c: 'acct:NONAME' })],
    });
    assert.equal(res.status, 200);
    const results = res.body as SaveResult[];
    assert.equal(results.length, 4);
    assert.deepEqual(results[0], { id: sf.findByExternalId('Account', 'Syncwright_Key__c', 'acct:ACME')[0]['Id'], success: true, errors: [], created: false });
    assert.equal(results[1].created, true);
    assert.match(String(results[1].id), /^001/);
    assert.equal(results[2].id, null);
    assert.equal(results[2].success, false);
    assert.equal(results[2].errors[0].statusCode, 'JSON_PARSER_ERROR');
    assert.deepEqual(results[3], { id: null, success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] }] });
    assert.ok(!('errorCode' in results[3].errors[0]), 'collections use statusCode, not errorCode');
    assert.equal(sf.findByExternalId('Account', 'Syncwright_Key__c', 'acct:HOOLI').length, 1);
    assert.equal(sf.findByExternalId('Account', 'Syncwright_Key__c', 'acct:ACME')[0]['Phone'], '+1 555 0000');
  });

  it('rolls the whole collection back with allOrNone and marks the others ALL_OR_NONE_OPERATION_ROLLED_BACK', async () => {
    const before = sf.records('Account').length;
    const res = await api('PATCH', '/composite/sobjects/Account/Syncwright_Key__c', {
      allOrNone: true,
      records: [account({ Syncwright_Key__c: 'acct:ONE', Name: 'One' }), account({ Syncwright_Key__c: 'acct:GLOBEX', Name: 'Globex renamed' }), account({ Syncwright_Key__c: 'acct:TWO', Name: 'Two', Tax_Exempt__c: 'maybe' })],
    });
    assert.equal(res.status, 200);
    const results = res.body as SaveResult[];
    const rolledBack = { statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] };
    assert.deepEqual(results[0], { id: null, success: false, errors: [rolledBack] });
    assert.deepEqual(results[1], { id: null, success: false, errors: [rolledBack] });
    assert.equal(results[2].errors[0].statusCode, 'JSON_PARSER_ERROR');
    assert.equal(sf.records('Account').length, before);
    assert.equal(sf.findByExternalId('Account', 'Syncwright_Key__c', 'acct:GLOBEX')[0]['Name'], 'Globex Ltd');
    assert.deepEqual(sf.server.getCreateCounts(), {}, 'rolled-back creates are not creates');
  });

  it('refuses a duplicate external ID within one request and more than 200 records', async () => {
    const dup = await api('PATCH', '/composite/sobjects/Account/Syncwright_Key__c', { records: [account({ Syncwright_Key__c: 'acct:D', Name: 'D1' }), account({ Syncwright_Key__c: 'ACCT:d', Name: 'D2' }), account({ Syncwright_Key__c: 'acct:E', Name: 'E' })] });
    const results = dup.body as SaveResult[];
    assert.deepEqual(results.map((r) => r.errors[0]?.statusCode ?? 'ok'), ['DUPLICATE_EXTERNAL_ID', 'DUPLICATE_EXTERNAL_ID', 'ok']);
    const tooMany = await api('PATCH', '/composite/sobjects/Account/Syncwright_Key__c', { records: Array.from({ length: 201 }, (_, i) => account({ Syncwright_Key__c: `acct:${i}`, Name: String(i) })) });
    assert.equal(tooMany.status, 400);
    assert.equal((tooMany.body as Json[])[0]['errorCode'], 'EXCEEDED_ID_LIMIT');
    const notExternal = await api('PATCH', '/composite/sobjects/Account/Name', { records: [account({ Name: 'x' })] });
    assert.equal(notExternal.status, 400);
    assert.equal((notExternal.body as Json[])[0]['errorCode'], 'INVALID_FIELD');
  });

  it('creates, updates, reads and deletes collections', async () => {
    const created = await api('POST', '/composite/sobjects', { allOrNone: false, records: [account({ Name: 'C1' }), { attributes: { type: 'Contact' }, LastName: 'Doe' }, account({})] });
    const results = created.body as SaveResult[];
    assert.equal(results[0].success, true);
    assert.match(String(results[1].id), /^003/);
    assert.deepEqual(results[2], { success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] }] });
    const ids = [String(results[0].id), String(results[1].id)];
    const updated = await api('PATCH', '/composite/sobjects', { records: [{ attributes: { type: 'Account' }, id: ids[0], Phone: '42' }, { attributes: { type: 'Contact' }, id: ids[1], Title: 'CEO' }] });
    assert.deepEqual(updated.body, [{ id: ids[0], success: true, errors: [] }, { id: ids[1], success: true, errors: [] }]);
    const read = await api('GET', `/composite/sobjects/Account?ids=${ids[0]},001Sw000000009zIAA&fields=Name,Phone`);
    assert.deepEqual(read.body, [{ attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${ids[0]}` }, Name: 'C1', Phone: '42' }, null]);
    const readByPost = await api('POST', '/composite/sobjects/Contact', { ids: [ids[1]], fields: ['Title'] });
    assert.equal(((readByPost.body as Json[])[0])['Title'], 'CEO');
    const deleted = await api('DELETE', `/composite/sobjects?ids=${ids.join(',')}&allOrNone=true`);
    assert.deepEqual(deleted.body, [{ id: ids[0], success: true, errors: [] }, { id: ids[1], success: true, errors: [] }]);
    assert.equal(sf.record('Account', ids[0]), undefined);
  });

  it('runs Composite subrequests in order with @{ref.id} and @{ref.field} references', async () => {
    const res = await api('POST', '/composite', {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: '/services/data/v62.0/sobjects/Account', referenceId: 'newAccount', body: { Name: 'Composite Co' } },
        { method: 'GET', url: '/services/data/v62.0/sobjects/Account/@{newAccount.id}', referenceId: 'readBack' },
        { method: 'PATCH', url: '/services/data/v62.0/sobjects/Opportunity/Syncwright_Key__c/opp:COMPOSITE-1', referenceId: 'opp', body: { Name: 'For @{readBack.Name}', AccountId: '@{newAccount.id}', StageName: 'Prospecting', CloseDate: '2026-04-01' } },
        { method: 'GET', url: "/services/data/v62.0/query?q=SELECT+Id,Name+FROM+Opportunity+WHERE+Id='@{opp.id}'", referenceId: 'q' },
      ],
    });
    assert.equal(res.status, 200);
    const responses = (res.body as { compositeResponse: Array<{ body: Json; httpHeaders: Json; httpStatusCode: number; referenceId: string }> }).compositeResponse;
    assert.deepEqual(responses.map((r) => [r.referenceId, r.httpStatusCode]), [['newAccount', 201], ['readBack', 200], ['opp', 201], ['q', 200]]);
    const accountId = String(responses[0].body['id']);
    assert.equal(responses[0].httpHeaders['Location'], `/services/data/v62.0/sobjects/Account/${accountId}`);
    const opp = sf.findByExternalId('Opportunity', 'Syncwright_Key__c', 'opp:COMPOSITE-1')[0];
    assert.equal(opp['AccountId'], accountId);
    assert.equal(opp['Name'], 'For Composite Co');
    assert.equal(((responses[3].body['records'] as Json[])[0])['Name'], 'For Composite Co');
    assert.equal(responses[1].body['Name'], 'Composite Co', 'a whole record is embedded as JSON, not as text');
  });

  it('rolls Composite back with allOrNone and marks the other subrequests PROCESSING_HALTED', async () => {
    const before = sf.records('Account').length;
    const res = await api('POST', '/composite', {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: '/services/data/v62.0/sobjects/Account', referenceId: 'a', body: { Name: 'Kept?' } },
        { method: 'POST', url: '/services/data/v62.0/sobjects/Opportunity', referenceId: 'b', body: { Name: 'No stage', AccountId: '@{a.id}' } },
        { method: 'POST', url: '/services/data/v62.0/sobjects/Account', referenceId: 'c', body: { Name: 'Never' } },
      ],
    });
    const responses = (res.body as { compositeResponse: Array<{ body: Json[]; httpStatusCode: number }> }).compositeResponse;
    assert.equal(res.status, 200);
    assert.deepEqual(responses.map((r) => [r.httpStatusCode, r.body[0]['errorCode']]), [[400, 'PROCESSING_HALTED'], [400, 'REQUIRED_FIELD_MISSING'], [400, 'PROCESSING_HALTED']]);
    assert.equal(responses[0].body[0]['message'], 'The transaction was rolled back since another operation in the same transaction failed.');
    assert.equal(sf.records('Account').length, before);
    assert.deepEqual(sf.server.getCreateCounts(), {});
  });

  it('without allOrNone keeps what succeeded and halts only subrequests that reference a failure', async () => {
    const res = await api('POST', '/composite', {
      allOrNone: false,
      compositeRequest: [
        { method: 'POST', url: '/services/data/v62.0/sobjects/Account', referenceId: 'bad', body: { Phone: '1' } },
        { method: 'POST', url: '/services/data/v62.0/sobjects/Contact', referenceId: 'dependent', body: { LastName: 'Orphan', AccountId: '@{bad.id}' } },
        { method: 'POST', url: '/services/data/v62.0/sobjects/Account', referenceId: 'good', body: { Name: 'Independent' } },
      ],
    });
    const responses = (res.body as { compositeResponse: Array<{ body: Json[]; httpStatusCode: number }> }).compositeResponse;
    assert.deepEqual(responses.map((r) => r.httpStatusCode), [400, 400, 201]);
    assert.equal(responses[1].body[0]['errorCode'], 'PROCESSING_HALTED');
    assert.equal(sf.records('Account').filter((a) => a['Name'] === 'Independent').length, 1);
  });

  it('refuses more than 25 subrequests', async () => {
    const compositeRequest = Array.from({ length: 26 }, (_, i) => ({ method: 'GET', url: '/services/data/v62.0/limits', referenceId: `r${i}` }));
    const res = await api('POST', '/composite', { compositeRequest });
    assert.equal(res.status, 400);
    assert.match(String((res.body as Json[])[0]['message']), /more than 25 subrequests/);
  });
});
