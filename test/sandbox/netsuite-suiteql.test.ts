// SuiteQL on the NetSuite sandbox: the parser's subset, SuiteQL's result format, paging and errors.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '../../sandbox/core/clock.js';
import { startNetSuiteSandbox, type NetSuiteSandbox } from '../../sandbox/netsuite/index.js';

type Json = Record<string, unknown>;
type Row = Record<string, string | unknown[]>;

describe('NetSuite sandbox: SuiteQL', () => {
  let ns: NetSuiteSandbox;
  let token: string;
  const clock = new ManualClock(Date.parse('2026-05-01T10:00:00Z'));

  beforeEach(async () => {
    clock.set(Date.parse('2026-05-01T10:00:00Z'));
    ns = await startNetSuiteSandbox({ seedData: true, clock });
    token = ns.issueAccessToken();
  });
  afterEach(() => ns.close());

  async function suiteql(q: string, query = '', headers: Record<string, string> = { prefer: 'transient' }): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${ns.restUrl}/query/v1/suiteql${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ q }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  }
  const rows = async (q: string): Promise<Row[]> => {
    const res = await suiteql(q);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body['items'] as Row[];
  };
  const ids = async (q: string): Promise<string[]> => (await rows(q)).map((r) => r['id'] as string);
  const errorDetail = (body: Json): Record<string, string> => (body['o:errorDetails'] as Array<Record<string, string>>)[0];

  async function createCustomer(companyName: string, extra: Json = {}): Promise<string> {
    const res = await fetch(`${ns.restUrl}/record/v1/customer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ companyName, subsidiary: { id: '2' }, ...extra }),
    });
    assert.equal(res.status, 204);
    return (res.headers.get('location') ?? '').split('/').pop() as string;
  }

  it('answers in SuiteQL’s shape: lower-cased columns, string values, NULL columns left out', async () => {
    const res = await suiteql('SELECT ID, CompanyName, Email, CreditLimit, IsInactive, Subsidiary, Terms FROM Customer WHERE id = 201');
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), ['count', 'hasMore', 'items', 'links', 'offset', 'totalResults']);
    assert.deepEqual(res.body['items'], [{ links: [], id: '201', companyname: 'Brightly Retail Ltd', email: 'accounts@brightly.example', isinactive: 'F', subsidiary: '3', terms: '1' }]);
  });

  it('reads transactions by type with aliases, BUILTIN.DF and TO_CHAR', async () => {
    const items = await rows(
      "SELECT t.id, t.tranid, t.type, BUILTIN.DF(t.status) AS status, t.foreigntotal, t.foreignamountremaining AS remaining, TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate " +
        "FROM transaction t WHERE t.type = 'CustInvc' AND t.entity = 200 ORDER BY t.id",
    );
    assert.deepEqual(items, [
      { links: [], id: '300', tranid: 'INV0001', type: 'CustInvc', status: 'Invoice : Paid In Full', foreigntotal: '6000', remaining: '0', trandate: '2026-03-17' },
      { links: [], id: '301', tranid: 'INV0002', type: 'CustInvc', status: 'Invoice : Open', foreigntotal: '12000', remaining: '12000', trandate: '2026-04-21' },
    ]);
    assert.deepEqual(await ids("SELECT id FROM transaction WHERE type IN ('CustPymt', 'SalesOrd')"), ['303']);
  });

  it('evaluates comparisons, IN, LIKE, IS NULL, BETWEEN, AND/OR/NOT and parentheses', async () => {
    await createCustomer("O'Brien & Sons", { email: 'hello@obrien.example', creditLimit: 5000 });
    await createCustomer('Zeta Labs', { creditLimit: 20000 });
    assert.deepEqual(await ids("SELECT id FROM customer WHERE companyname = 'O''Brien & Sons'"), ['1000']);
    assert.deepEqual(await ids("SELECT id FROM customer WHERE companyname LIKE '%Lab_'"), ['1001']);
    assert.deepEqual(await ids("SELECT id FROM customer WHERE companyname NOT LIKE '%a%'"), ["1000"]);
    assert.deepEqual(await ids('SELECT id FROM customer WHERE email IS NULL'), ['1001']);
    assert.deepEqual(await ids('SELECT id FROM customer WHERE email IS NOT NULL ORDER BY id DESC'), ['1000', '201', '200']);
    assert.deepEqual(await ids('SELECT id FROM customer WHERE creditlimit >= 5000 AND creditlimit < 20000'), ['1000']);
    assert.deepEqual(await ids('SELECT id FROM customer WHERE creditlimit BETWEEN 4000 AND 30000 ORDER BY creditlimit DESC'), ['1001', '1000']);
    assert.deepEqual(await ids('SELECT id FROM customer WHERE creditlimit <> 5000'), ['1001'], 'NULL is neither equal nor unequal');
    assert.deepEqual(await ids('SELECT id FROM customer WHERE creditlimit != 5000 OR creditlimit IS NULL ORDER BY id'), ['200', '201', '1001']);
    assert.deepEqual(await ids("SELECT id FROM customer WHERE (subsidiary = 3 OR companyname LIKE 'Zeta%') AND NOT (id IN (1001))"), ['201']);
    assert.deepEqual(await ids("SELECT id FROM customer WHERE id IN ('200', 201) ORDER BY 1 DESC"), ['201', '200'], 'ids compare as numbers, ORDER BY a position');
    assert.deepEqual(await ids("SELECT id FROM customer WHERE UPPER(companyname) = 'ZETA LABS'"), ['1001']);
  });

  it('finds any company name through a string literal escaped by doubling quotes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== ''), async (name) => {
        const id = await createCustomer(name);
        const found = await ids(`SELECT id FROM customer WHERE companyname = '${name.replace(/'/g, "''")}' AND id = ${id}`);
        assert.deepEqual(found, [id]);
      }),
      { numRuns: 40 },
    );
  });

  it('finds what changed since a cursor with TO_TIMESTAMP on lastmodifieddate, in modification order', async () => {
    const a = await createCustomer('Alpha');
    clock.advance(30_000);
    const b = await createCustomer('Beta');
    clock.advance(30_000);
    const res = await fetch(`${ns.restUrl}/record/v1/customer/${a}`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ email: 'a@alpha.example' }) });
    assert.equal(res.status, 204);
    const q = (cursor: string): string =>
      "SELECT id, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS modified FROM customer " +
      `WHERE lastmodifieddate > TO_TIMESTAMP('${cursor}', 'YYYY-MM-DD HH24:MI:SS') ORDER BY lastmodifieddate, id`;
    assert.deepEqual(await rows(q('2026-05-01 10:00:10')), [
      { links: [], id: b, modified: '2026-05-01 10:00:30' },
      { links: [], id: a, modified: '2026-05-01 10:01:00' },
    ]);
    assert.deepEqual(await ids(q('2026-05-01 10:00:30')), [a]);
    const plain = await rows(`SELECT lastmodifieddate FROM customer WHERE id = ${a}`);
    assert.deepEqual(plain, [{ links: [], lastmodifieddate: '5/1/2026' }], 'a date-time shows as a date in the account’s date format, as NetSuite does');
    assert.deepEqual(await ids("SELECT id FROM customer WHERE lastmodifieddate >= '5/1/2026' ORDER BY id"), [a, b], 'strings compare with dates in the date format');
    assert.deepEqual(await ids("SELECT id FROM customer WHERE lastmodifieddate > TO_DATE('2026-05-01', 'YYYY-MM-DD') AND datecreated < SYSDATE ORDER BY id"), [a, b]);
  });

  it('reads time bills, projects, employees, items and the other reference tables', async () => {
    const time = await fetch(`${ns.restUrl}/record/v1/timeBill`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ employee: { id: '5' }, customer: { id: '200' }, hours: 3.25, tranDate: '2026-04-30', isBillable: true, custcol_sw_psa_id: 'TE-9' }),
    });
    assert.equal(time.status, 204);
    assert.deepEqual(await rows("SELECT employee, customer, hours, isbillable, custcol_sw_psa_id FROM timebill WHERE trandate = TO_DATE('2026-04-30', 'YYYY-MM-DD')"), [
      { links: [], employee: '5', customer: '200', hours: '3.25', isbillable: 'T', custcol_sw_psa_id: 'TE-9' },
    ]);
    assert.deepEqual(await rows("SELECT id, email FROM employee WHERE email = 'jane.doe@syncwright.example'"), [{ links: [], id: '5', email: 'jane.doe@syncwright.example' }]);
    assert.deepEqual(await ids("SELECT id FROM item WHERE itemtype = 'Service' ORDER BY id"), ['100', '101', '102']);
    assert.deepEqual(await ids("SELECT id FROM subsidiary WHERE externalid = 'UK01'"), ['3']);
    assert.deepEqual(await rows("SELECT symbol FROM currency WHERE id = 4"), [{ links: [], symbol: 'EUR' }]);
    assert.deepEqual(await ids("SELECT id FROM term WHERE name = 'Net 30'"), ['2']);
    assert.deepEqual(await ids("SELECT id FROM expensecategory WHERE name = 'Meals'"), ['3']);
    assert.deepEqual(await ids('SELECT id FROM job'), []);
  });

  it('returns every column for SELECT *', async () => {
    const [row] = await rows('SELECT * FROM term WHERE id = 2');
    assert.deepEqual(Object.keys(row).sort(), ['datecreated', 'daysuntilnetdue', 'id', 'isinactive', 'lastmodifieddate', 'links', 'name']);
    assert.deepEqual([row['id'], row['name'], row['daysuntilnetdue'], row['isinactive']], ['2', 'Net 30', '30', 'F']);
  });

  it('pages with limit and offset, links to the next page, and refuses pages over 1000', async () => {
    for (let i = 0; i < 12; i++) await createCustomer(`Page ${i}`);
    const first = await suiteql('SELECT id FROM customer ORDER BY id', '?limit=5');
    assert.deepEqual([first.body['count'], first.body['hasMore'], first.body['offset'], first.body['totalResults']], [5, true, 0, 14]);
    const next = (first.body['links'] as Array<{ rel: string; href: string }>).find((l) => l.rel === 'next')?.href;
    assert.equal(next, `${ns.restUrl}/query/v1/suiteql?limit=5&offset=5`);
    const last = await suiteql('SELECT id FROM customer ORDER BY id', '?limit=5&offset=10');
    assert.deepEqual([last.body['count'], last.body['hasMore']], [4, false]);
    assert.deepEqual((last.body['items'] as Row[]).map((r) => r['id']), ['1008', '1009', '1010', '1011']);
    const tooBig = await suiteql('SELECT id FROM customer', '?limit=1001');
    assert.equal(tooBig.status, 400);
    assert.deepEqual([errorDetail(tooBig.body)['o:errorCode'], errorDetail(tooBig.body)['o:errorQueryParam']], ['INVALID_PARAMETER', 'limit']);
    const beyond = await suiteql('SELECT id FROM customer', '?offset=100000');
    assert.equal(beyond.status, 400, 'no more than 100 000 results are reachable');
  });

  it('answers bad queries with 400 INVALID_PARAMETER naming the problem', async () => {
    const cases: Array<[string, RegExp]> = [
      ['SELECT nope FROM customer', /Unknown identifier 'nope'/],
      ['SELECT id FROM customers', /Invalid search type: customers/],
      ['SELECT id FROM customer c WHERE x.id = 1', /Unknown identifier 'x\.id'/],
      ['SELECT id FROM customer WHERE', /Invalid or unsupported search.*end of the query/],
      ["SELECT id FROM customer WHERE companyname = 'open", /unterminated string/],
      ['SELECT id customer', /expected FROM/],
      ['DELETE FROM customer', /expected SELECT/],
      ["SELECT id FROM customer WHERE lastmodifieddate > '2026-01-01'", /not a valid date/],
      ["SELECT id FROM customer WHERE datecreated > TO_DATE('2026-13-01', 'YYYY-MM-DD')", /does not match the date format/],
      ['SELECT FOO(id) FROM customer', /Unknown function 'FOO'/],
    ];
    for (const [q, re] of cases) {
      const res = await suiteql(q);
      assert.equal(res.status, 400, q);
      const d = errorDetail(res.body);
      assert.equal(d['o:errorCode'], 'INVALID_PARAMETER', q);
      assert.equal(d['o:errorQueryParam'], 'q', q);
      assert.match(d.detail, /^Invalid search query\. Detailed unprocessed description follows\./, q);
      assert.match(d.detail, re, q);
    }
  });

  it('needs Prefer: transient and a body with q', async () => {
    const noPrefer = await suiteql('SELECT id FROM customer', '', {});
    assert.equal(noPrefer.status, 400);
    assert.equal(errorDetail(noPrefer.body)['o:errorCode'], 'INVALID_HEADER');
    const res = await fetch(`${ns.restUrl}/query/v1/suiteql`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', prefer: 'transient' }, body: JSON.stringify({ query: 'SELECT 1' }) });
    assert.equal(res.status, 400);
  });
});
