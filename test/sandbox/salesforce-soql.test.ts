// SOQL on the Salesforce sandbox: the parser, string escapes, relationship fields, ordering, paging and errors.
import assert from 'node:assert/strict';
import { ManualClock } from '../../sandbox/core/clock.js';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.js';

type Json = Record<string, unknown>;
interface QueryReply {
  status: number;
  body: { totalSize: number; done: boolean; nextRecordsUrl?: string; records: Json[] } & Array<{ message: string; errorCode: string }>;
}

/** Escapes a value for a SOQL string literal: backslash first, then quotes and control characters. */
function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
}

describe('Salesforce sandbox: SOQL', () => {
  let sf: SalesforceSandbox;
  let token: string;
  const clock = new ManualClock();

  beforeEach(async () => {
    clock.set(Date.parse('2026-01-05T09:00:00Z'));
    sf = await startSalesforceSandbox({ clock, seedData: true });
    token = sf.issueToken().token;
  });
  afterEach(() => sf.close());

  async function get(path: string, headers: Record<string, string> = {}): Promise<QueryReply> {
    const res = await fetch(path.startsWith('/services') ? `${sf.url}${path}` : `${sf.apiBase()}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
    return { status: res.status, body: (await res.json()) as QueryReply['body'] };
  }
  const query = (soql: string, headers?: Record<string, string>) => get(`/query?q=${encodeURIComponent(soql)}`, headers);
  const names = (r: QueryReply) => r.body.records.map((x) => x['Name']);
  async function createAccounts(n: number, fields: (i: number) => Json = () => ({})): Promise<void> {
    for (let start = 0; start < n; start += 200) {
      const records = Array.from({ length: Math.min(200, n - start) }, (_, k) => ({ attributes: { type: 'Account' }, Name: `Bulk ${String(start + k).padStart(4, '0')}`, ...fields(start + k) }));
      const res = await fetch(`${sf.apiBase()}/composite/sobjects`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ allOrNone: true, records }) });
      assert.equal(res.status, 200);
    }
  }

  it('returns the selected fields in order, with parent relationship fields nested as Salesforce does', async () => {
    const res = await query("SELECT Name, Id, Account.Name, Account.Owner.Name FROM Opportunity WHERE Syncwright_Key__c = 'opp:ACME-ERP-2026'");
    assert.equal(res.status, 200);
    assert.equal(res.body.totalSize, 1);
    assert.equal(res.body.done, true);
    assert.equal(res.body.nextRecordsUrl, undefined);
    const [opp] = res.body.records;
    assert.deepEqual(Object.keys(opp), ['attributes', 'Name', 'Id', 'Account']);
    const account = opp['Account'] as Json;
    assert.deepEqual(Object.keys(account), ['attributes', 'Name', 'Owner']);
    assert.equal(account['Name'], 'Acme Corporation');
    assert.deepEqual((account['Owner'] as Json)['Name'], 'Sam Rivera');
    assert.equal((account['attributes'] as Json)['type'], 'Account');
    // A null reference gives a null relationship.
    const noAccount = await query("SELECT Name, Account.Name FROM Contact WHERE Email = 'riley.chen@syncwright.demo'");
    assert.equal(noAccount.body.records[0]['Account'], null);
    const custom = await query('SELECT Name, pse__Project__r.Name, pse__Project__r.pse__Account__r.Syncwright_Key__c FROM pse__Milestone__c ORDER BY Name');
    assert.deepEqual(custom.body.records.map((r) => [(r['pse__Project__r'] as Json)['Name'], ((r['pse__Project__r'] as Json)['pse__Account__r'] as Json)['Syncwright_Key__c']]), [
      ['Acme ERP rollout', 'acct:ACME'],
      ['Acme ERP rollout', 'acct:ACME'],
    ]);
  });

  it('matches names and text case-insensitively, and supports every comparison operator', async () => {
    const cases: Array<[string, unknown[]]> = [
      ["select name from account where name = 'ACME CORPORATION'", ['Acme Corporation']],
      ["SELECT Name FROM Account WHERE Name != 'Acme Corporation' ORDER BY Name", ['Globex Ltd', 'Initech Inc', 'Umbrella plc']],
      ['SELECT Name FROM Opportunity WHERE Amount > 100000 ORDER BY Amount DESC', ['Umbrella cloud migration', 'Globex data platform']],
      ['SELECT Name FROM Opportunity WHERE Amount >= 98000 AND Amount <= 98000', ['Acme ERP rollout']],
      ['SELECT Name FROM Opportunity WHERE Amount < 20000', ['Globex analyst training']],
      ["SELECT Name FROM Account WHERE Legal_Entity__c IN ('UK01') ORDER BY Name", ['Globex Ltd', 'Umbrella plc']],
      ["SELECT Name FROM Account WHERE Legal_Entity__c NOT IN ('UK01', 'XX') ORDER BY Name", ['Acme Corporation', 'Initech Inc']],
      ["SELECT Name FROM Account WHERE Name LIKE 'g%' OR Name LIKE '%plc'", ['Globex Ltd', 'Umbrella plc']],
      ["SELECT Name FROM Account WHERE Name LIKE '_nitech%'", ['Initech Inc']],
      ['SELECT Name FROM Account WHERE Credit_Hold__c = true', ['Umbrella plc']],
      ['SELECT Name FROM Account WHERE BillingState = null ORDER BY Name', ['Globex Ltd', 'Umbrella plc']],
      ["SELECT Name FROM Account WHERE NOT (Legal_Entity__c = 'US01' OR Credit_Hold__c = true)", ['Globex Ltd']],
      ["SELECT Name FROM Account WHERE (Legal_Entity__c = 'US01' AND Type = 'Prospect') OR (Credit_Hold__c = true)", ['Initech Inc', 'Umbrella plc']],
      ['SELECT Name FROM Opportunity WHERE CloseDate >= 2026-04-01 ORDER BY CloseDate', ['Initech security audit', 'Globex analyst training']],
      ['SELECT Name FROM Opportunity WHERE IsWon = true AND SystemModstamp > 2026-01-01T00:00:00Z', ['Acme ERP rollout']],
      ['SELECT Name FROM Opportunity WHERE IsWon = true AND SystemModstamp > 2026-01-05T09:00:00.500+00:00', []],
      ['SELECT Name FROM Opportunity WHERE CreatedDate = TODAY AND StageName = \'Closed Lost\'', ['Umbrella cloud migration']],
      ['SELECT Name FROM Opportunity WHERE CreatedDate < LAST_N_DAYS:3', []],
      ["SELECT Name FROM Opportunity WHERE Account.Syncwright_Key__c = 'acct:GLOBEX' ORDER BY Name", ['Globex analyst training', 'Globex data platform']],
    ];
    for (const [soql, expected] of cases) {
      const res = await query(soql);
      assert.equal(res.status, 200, `${soql}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(names(res), expected, soql);
    }
  });

  it('keeps an injection attempt in a properly escaped literal a literal', async () => {
    const hostile = "x' OR Name != 'y";
    await fetch(`${sf.apiBase()}/sobjects/Account`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ Name: hostile }) });
    const escaped = await query(`SELECT Name FROM Account WHERE Name = ${soqlString(hostile)}`);
    assert.equal(escaped.status, 200);
    assert.deepEqual(names(escaped), [hostile], 'only the record with that exact name');
    const backslashes = 'C:\\temp\\new';
    await fetch(`${sf.apiBase()}/sobjects/Account`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ Name: backslashes }) });
    assert.deepEqual(names(await query(`SELECT Name FROM Account WHERE Name = ${soqlString(backslashes)}`)), [backslashes]);
    // Concatenated without escaping, the same value changes the query's meaning: every account matches.
    const injected = await query(`SELECT Name FROM Account WHERE Name = '${hostile}'`);
    assert.equal(injected.body.records.length, sf.records('Account').length);
    // LIKE wildcards escaped with \% and \_ match themselves only.
    await fetch(`${sf.apiBase()}/sobjects/Account`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ Name: '100% fit_ok' }) });
    assert.deepEqual(names(await query("SELECT Name FROM Account WHERE Name LIKE '100\\% fit\\_ok'")), ['100% fit_ok']);
    assert.deepEqual(names(await query("SELECT Name FROM Account WHERE Name LIKE '%\\_%'")), ['100% fit_ok']);
    assert.deepEqual(names(await query("SELECT Name FROM Account WHERE Name = 'Acme\\u0020Corporation'")), ['Acme Corporation']);
  });

  it('folds case in LIKE as in =, beyond ASCII too', async () => {
    for (const name of ['Warang \u{118A0}', 'İstanbul Ltd', 'Straße GmbH']) {
      await fetch(`${sf.apiBase()}/sobjects/Account`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ Name: name }) });
      assert.deepEqual(names(await query(`SELECT Name FROM Account WHERE Name LIKE ${soqlString(name)}`)), [name], `LIKE ${name}`);
      const upper = name.toUpperCase();
      assert.deepEqual(names(await query(`SELECT Name FROM Account WHERE Name LIKE ${soqlString(upper)}`)), names(await query(`SELECT Name FROM Account WHERE Name = ${soqlString(upper)}`)), `LIKE ${upper}`);
    }
  });

  it('answers an invalid backslash escape with MALFORMED_QUERY', async () => {
    const res = await query("SELECT Id FROM Account WHERE Name = 'a\\q'");
    assert.equal(res.status, 400);
    assert.equal(res.body[0].errorCode, 'MALFORMED_QUERY');
    assert.equal(res.body[0].message, "\nSELECT Id FROM Account WHERE Name = 'a\\q'\n                                    ^\nERROR at Row:1:Column:37\nInvalid string literal 'a\\q'. Illegal character sequence '\\q' in string literal.");
  });

  it('reports malformed queries, unknown fields and objects with the vendor\'s codes and messages', async () => {
    const cases: Array<[string, string, string | RegExp]> = [
      ['SELECT Id, Colour__c FROM Account', 'INVALID_FIELD', "\nSELECT Id, Colour__c FROM Account\n           ^\nERROR at Row:1:Column:12\nNo such column 'Colour__c' on entity 'Account'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."],
      ['SELECT Id FROM Widget__c', 'INVALID_TYPE', /\nERROR at Row:1:Column:16\nsObject type 'Widget__c' is not supported\./],
      ['SELECT Id, Nope__r.Name FROM Opportunity', 'INVALID_FIELD', /Didn't understand relationship 'Nope__r' in field path\./],
      ["SELECT Id FROM Account WHERE Name = 'a' AND Type = 'b' OR Name = 'c'", 'MALFORMED_QUERY', /unexpected token: OR$/],
      ['SELECT Id FROM Account WHERE', 'MALFORMED_QUERY', /unexpected token: <EOF>$/],
      ['SELECT FROM Account', 'MALFORMED_QUERY', /unexpected token: FROM$/],
      ["SELECT Id FROM Account WHERE Name = 'open", 'MALFORMED_QUERY', /mismatched character '<EOF>' expecting '''$/],
      ["SELECT Id FROM Opportunity WHERE Amount = '5'", 'INVALID_QUERY_FILTER_OPERATOR', /value of filter criterion for field 'Amount' must be of type double and should not be enclosed in quotes$/],
      ['SELECT Id FROM Opportunity WHERE SystemModstamp > 2026-01-01', 'INVALID_QUERY_FILTER_OPERATOR', /must be of type dateTime/],
      ["SELECT Id FROM Opportunity WHERE IsWon = 'true'", 'INVALID_QUERY_FILTER_OPERATOR', /must be of type boolean/],
      ["SELECT Id FROM Opportunity WHERE AccountId = 'bogus'", 'INVALID_QUERY_FILTER_OPERATOR', /invalid ID field: bogus$/],
      ['SELECT Id FROM Account LIMIT 10 OFFSET 2001', 'NUMBER_OUTSIDE_VALID_RANGE', /Maximum SOQL offset allowed is 2000$/],
    ];
    for (const [soql, code, message] of cases) {
      const res = await query(soql);
      assert.equal(res.status, 400, soql);
      assert.equal(res.body[0].errorCode, code, soql);
      if (typeof message === 'string') assert.equal(res.body[0].message, message, soql);
      else assert.match(res.body[0].message, message, soql);
    }
    const empty = await get('/query');
    assert.equal(empty.status, 400);
    assert.equal(empty.body[0].errorCode, 'MALFORMED_QUERY');
  });

  it('counts with COUNT() and COUNT(field), and orders by several fields with NULLS FIRST/LAST', async () => {
    const count = await query("SELECT COUNT() FROM Account WHERE Legal_Entity__c = 'US01'");
    assert.deepEqual(count.body, { totalSize: 2, done: true, records: [] });
    const aggregate = await query('SELECT COUNT(BillingState) FROM Account');
    assert.deepEqual(aggregate.body.records, [{ attributes: { type: 'AggregateResult' }, expr0: 2 }]);
    const nullsFirst = await query('SELECT Name FROM Account ORDER BY BillingState ASC NULLS FIRST, Name DESC');
    assert.deepEqual(names(nullsFirst), ['Umbrella plc', 'Globex Ltd', 'Acme Corporation', 'Initech Inc']);
    const nullsLast = await query('SELECT Name FROM Account ORDER BY BillingState DESC NULLS LAST, Name');
    assert.deepEqual(names(nullsLast), ['Initech Inc', 'Acme Corporation', 'Globex Ltd', 'Umbrella plc']);
    const defaultDesc = await query('SELECT Name FROM Account ORDER BY BillingState DESC, Name');
    assert.deepEqual(names(defaultDesc).slice(2), ['Globex Ltd', 'Umbrella plc'], 'DESC puts nulls last by default');
    const page = await query('SELECT Name FROM Account ORDER BY Name LIMIT 2 OFFSET 1');
    assert.deepEqual(names(page), ['Globex Ltd', 'Initech Inc']);
    assert.equal(page.body.totalSize, 2);
  });

  it('pages results with nextRecordsUrl, 2000 a page by default and Sforce-Query-Options batchSize', async () => {
    await createAccounts(2500);
    const first = await query("SELECT Id, Name FROM Account WHERE Name LIKE 'Bulk%' ORDER BY Name");
    assert.equal(first.body.totalSize, 2500);
    assert.equal(first.body.done, false);
    assert.equal(first.body.records.length, 2000);
    assert.match(first.body.nextRecordsUrl ?? '', /^\/services\/data\/v62\.0\/query\/01g[0-9A-Za-z]{15}-2000$/);
    const second = await get(first.body.nextRecordsUrl as string);
    assert.equal(second.body.done, true);
    assert.equal(second.body.records.length, 500);
    assert.equal(second.body.nextRecordsUrl, undefined);
    assert.equal(second.body.records[499]['Name'], 'Bulk 2499');
    // A finished cursor is gone.
    const stale = await get(first.body.nextRecordsUrl as string);
    assert.equal(stale.status, 400);
    assert.equal(stale.body[0].errorCode, 'INVALID_QUERY_LOCATOR');

    const seen: string[] = [];
    let page = await query("SELECT Name FROM Account WHERE Name LIKE 'Bulk%' ORDER BY Name", { 'Sforce-Query-Options': 'batchSize=300' });
    const sizes = [page.body.records.length];
    seen.push(...page.body.records.map((r) => String(r['Name'])));
    while (!page.body.done) {
      page = await get(page.body.nextRecordsUrl as string, { 'Sforce-Query-Options': 'batchSize=300' });
      sizes.push(page.body.records.length);
      seen.push(...page.body.records.map((r) => String(r['Name'])));
    }
    assert.deepEqual(sizes, [300, 300, 300, 300, 300, 300, 300, 300, 100]);
    assert.equal(new Set(seen).size, 2500);
    // Below the minimum of 200 the batch size is raised to 200.
    const small = await query("SELECT Name FROM Account WHERE Name LIKE 'Bulk%'", { 'Sforce-Query-Options': 'batchSize=50' });
    assert.equal(small.body.records.length, 200);
  });

  it('expires an idle cursor after 15 minutes', async () => {
    await createAccounts(2100);
    const first = await query("SELECT Name FROM Account WHERE Name LIKE 'Bulk%'");
    clock.advance(15 * 60_000 + 1);
    token = sf.issueToken().token;
    const late = await get(first.body.nextRecordsUrl as string);
    assert.equal(late.status, 400);
    assert.equal(late.body[0].errorCode, 'INVALID_QUERY_LOCATOR');
  });

  it('leaves deleted records out of /query and keeps them in /queryAll with IsDeleted true', async () => {
    const initech = sf.findByExternalId('Account', 'Syncwright_Key__c', 'acct:INITECH')[0];
    await fetch(`${sf.apiBase()}/sobjects/Account/${String(initech['Id'])}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(names(await query("SELECT Name FROM Account WHERE Name = 'Initech Inc'")), []);
    const all = await get(`/queryAll?q=${encodeURIComponent("SELECT Name, IsDeleted FROM Account WHERE Name = 'Initech Inc'")}`);
    assert.deepEqual(all.body.records.map((r) => [r['Name'], r['IsDeleted']]), [['Initech Inc', true]]);
  });

  it('serves the closed-won poller query: (SystemModstamp, Id) order moves past each change exactly once', async () => {
    const soql = (cursor: string) => `SELECT Id, Name, SystemModstamp FROM Opportunity WHERE IsWon = true AND SystemModstamp > ${cursor} ORDER BY SystemModstamp, Id`;
    let cursor = '2000-01-01T00:00:00.000Z';
    const take = async () => {
      const res = await query(soql(cursor));
      const stamps = res.body.records.map((r) => String(r['SystemModstamp']));
      if (stamps.length > 0) cursor = stamps[stamps.length - 1].replace('+0000', 'Z');
      return names(res);
    };
    assert.deepEqual(await take(), ['Acme ERP rollout']);
    assert.deepEqual(await take(), []);
    clock.advance(1000);
    const open = sf.findByExternalId('Opportunity', 'Syncwright_Key__c', 'opp:ACME-SUPPORT-2026')[0];
    const other = sf.findByExternalId('Opportunity', 'Syncwright_Key__c', 'opp:INITECH-AUDIT-2026')[0];
    for (const opp of [open, other]) {
      const res = await fetch(`${sf.apiBase()}/sobjects/Opportunity/${String(opp['Id'])}`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ StageName: 'Closed Won' }) });
      assert.equal(res.status, 204);
    }
    assert.deepEqual(await take(), ['Acme support retainer', 'Initech security audit'], 'both, although written within one millisecond');
    assert.deepEqual(await take(), []);
  });
});
