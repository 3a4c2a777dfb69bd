// SuiteQL binding and paging: values become literals by SuiteQL's rules (an injection attempt stays a
// literal), placeholders inside quotes and comments are left alone, and a query reads page after page.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bindSuiteQL, NetSuiteClient, SuiteQLDate, SuiteQLTimestamp } from '../../nodes/netsuite/client/index.js';
import { SyncError } from '../../runtime-plugins/sync-error.js';
import { DEMO_TBA, startNetSuiteSandbox, type NetSuiteSandbox } from '../../sandbox/netsuite/index.js';

function bindFails(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof SyncError && err.syncwright.class === 'data' && err.syncwright.code === 'INVALID_QUERY_PARAMETER' && pattern.test(err.message));
}

describe('SuiteQL binding', () => {
  it('writes strings with quotes doubled, numbers plainly, booleans as T/F, dates through TO_DATE/TO_TIMESTAMP', () => {
    assert.equal(bindSuiteQL('SELECT id FROM customer WHERE companyname = ?', ["O'Brien's"]), "SELECT id FROM customer WHERE companyname = 'O''Brien''s'");
    assert.equal(bindSuiteQL('x = ? AND y = ? AND z = ?', [12.5, -3, 1e-7]), 'x = 12.5 AND y = (-3) AND z = 0.0000001');
    assert.equal(bindSuiteQL('a = ? AND b = ?', [true, null]), "a = 'T' AND b = NULL");
    assert.equal(bindSuiteQL('d = :d', { d: new SuiteQLDate('2026-05-01') }), "d = TO_DATE('2026-05-01', 'YYYY-MM-DD')");
    assert.equal(bindSuiteQL('t > :t', { t: new SuiteQLTimestamp('2026-05-01 10:00:00') }), "t > TO_TIMESTAMP('2026-05-01 10:00:00', 'YYYY-MM-DD HH24:MI:SS')");
    assert.equal(bindSuiteQL('t > ?', [new Date(Date.UTC(2026, 4, 1, 10, 0, 5))]), "t > TO_TIMESTAMP('2026-05-01 10:00:05', 'YYYY-MM-DD HH24:MI:SS')");
    assert.equal(bindSuiteQL('id IN ?', [[1, 2, 'x']]), "id IN (1, 2, 'x')");
  });

  it('leaves placeholders inside literals, quoted names and comments alone', () => {
    const sql = "SELECT TO_CHAR(d, 'HH24:MI:SS') AS \"a?b\" FROM t -- what? :no\nWHERE x = :x /* :y ? */ AND s = 'it''s ?'";
    assert.equal(bindSuiteQL(sql, { x: 1 }), sql.replace(':x', '1'));
  });

  it('refuses what it cannot bind safely, naming the parameter', () => {
    bindFails(() => bindSuiteQL('a = ?', []), /more \? placeholders/);
    bindFails(() => bindSuiteQL('a = ?', [1, 2]), /only 1 \? placeholder/);
    bindFails(() => bindSuiteQL('a = :a', { a: 1, b: 2 }), /:b given but not used/);
    bindFails(() => bindSuiteQL('a = :a', { b: 2 }), /uses :a/);
    bindFails(() => bindSuiteQL('a = ?', [undefined as unknown as null]), /#1 has no value/);
    bindFails(() => bindSuiteQL('a = ?', [Number.NaN]), /#1 is NaN/);
    bindFails(() => bindSuiteQL('a = ?', [{} as unknown as null]), /#1 is a object/);
    bindFails(() => bindSuiteQL('a IN ?', [[]]), /empty list/);
    bindFails(() => bindSuiteQL("a = 'open", []), /unterminated string literal/);
    bindFails(() => bindSuiteQL('a = ?', ['nul\u0000']), /NUL/);
  });

  it('keeps any string a single literal (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\u0000')), (s) => {
        const bound = bindSuiteQL('WHERE a = ? AND b = 1', [s]);
        const literal = bound.slice('WHERE a = '.length, bound.length - ' AND b = 1'.length);
        assert.ok(literal.startsWith("'") && literal.endsWith("'"));
        const inner = literal.slice(1, -1);
        // Inside, quotes only come doubled: nothing can close the literal early.
        assert.equal(inner.replace(/''/g, ''), inner.replace(/''/g, '').replace(/'/g, ''));
        assert.equal(inner.replace(/''/g, "'"), s);
      }),
    );
  });
});

describe('SuiteQL against the sandbox', function () {
  this.timeout(20_000);
  let ns: NetSuiteSandbox;
  let client: NetSuiteClient;

  before(async () => {
    ns = await startNetSuiteSandbox({ seedData: true });
    client = new NetSuiteClient({ accountId: ns.accountId, baseUrl: ns.restUrl, auth: { type: 'tba', ...DEMO_TBA } });
    for (let i = 0; i < 23; i++) await client.create('customer', { companyName: `Paging Customer ${String(i).padStart(2, '0')}`, subsidiary: { id: '2' } });
    await client.create('customer', { companyName: "O'Brien's Bakery", subsidiary: { id: '2' } });
  });
  after(() => ns.close());

  it('reads every page with limit and offset and Prefer: transient', async () => {
    const mark = ns.server.getJournal().length;
    const r = await client.query("SELECT id, companyname FROM customer WHERE companyname LIKE 'Paging Customer %' ORDER BY companyname", [], { pageSize: 10 });
    assert.equal(r.items.length, 23);
    assert.equal(r.pages, 3);
    assert.equal(r.totalResults, 23);
    assert.deepEqual(r.items.slice(0, 2).map((i) => i['companyname']), ['Paging Customer 00', 'Paging Customer 01']);
    const requests = ns.server.getJournal().slice(mark).filter((e) => e.path.endsWith('/query/v1/suiteql'));
    assert.deepEqual(requests.map((e) => e.query), ['?limit=10&offset=0', '?limit=10&offset=10', '?limit=10&offset=20']);
  });

  it('stops at maxResults and says the result is truncated', async () => {
    const r = await client.query("SELECT id FROM customer WHERE companyname LIKE 'Paging Customer %' ORDER BY id", [], { pageSize: 10, maxResults: 15 });
    assert.equal(r.items.length, 15);
    assert.equal(r.truncated, true);
  });

  it('finds a name with quotes through a parameter, and an injection attempt stays a literal', async () => {
    const bakery = await client.query('SELECT companyname FROM customer WHERE companyname = ?', ["O'Brien's Bakery"]);
    assert.deepEqual(bakery.items, [{ companyname: "O'Brien's Bakery" }]);
    for (const attack of ["x' OR '1'='1", "' OR 1=1 --", "Acme Analytics' OR companyname LIKE '%", "'; DELETE FROM customer; --"]) {
      const r = await client.query('SELECT id FROM customer WHERE companyname = ?', [attack]);
      assert.deepEqual(r.items, [], `"${attack}" matched nothing`);
    }
    const ok = await client.query('SELECT id FROM customer WHERE companyname = :name OR companyname = :name', { name: 'Acme Analytics' });
    assert.deepEqual(ok.items, [{ id: '200' }]);
  });

  it('runs any string bound as a literal without a syntax error (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }).filter((s) => !s.includes('\u0000') && !s.startsWith('Acme')), async (s) => {
        const r = await client.query('SELECT id FROM customer WHERE companyname = ?', [s]);
        assert.deepEqual(r.items, []);
      }),
      { numRuns: 60 },
    );
  });
});
