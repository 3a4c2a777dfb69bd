// SOQL parameter binding: how each kind of value is written. Whether a bound value stays a literal is proven
// against the sandbox's SOQL parser in salesforce-client.test.ts.
import assert from 'node:assert/strict';
import { bindSoql, checkWhereCondition, escapeSoqlString, parseSoqlParams, SoqlDate, SoqlDateTime, SoqlLike, SoqlNumber, soqlNumber } from '../../nodes/salesforce/client/soql.js';
import { SyncError } from '../../runtime-plugins/sync-error.js';

function rejectsParam(fn: () => unknown, name: string, reason: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SyncError);
    assert.equal(err.syncwright.class, 'data');
    assert.deepEqual(err.syncwright.fields, [name]);
    assert.match(err.message, reason);
    return true;
  });
}

describe('SOQL parameter binding', () => {
  it('escapes backslash first, then quotes and control characters', () => {
    assert.equal(escapeSoqlString("O'Brien"), "O\\'Brien");
    assert.equal(escapeSoqlString('say "hi"'), 'say \\"hi\\"');
    assert.equal(escapeSoqlString('C:\\new'), 'C:\\\\new', 'a backslash before n stays a backslash, not a newline');
    assert.equal(escapeSoqlString("\\'"), "\\\\\\'", 'an escaped quote in the input cannot close the literal');
    assert.equal(escapeSoqlString('a\nb\rc\td\be\ff'), 'a\\nb\\rc\\td\\be\\ff');
    assert.equal(escapeSoqlString('\u0001\u001f\u007f'), '\\u0001\\u001f\\u007f');
    assert.equal(escapeSoqlString('100%_done'), '100%_done', 'outside LIKE, % and _ are plain characters');
    assert.equal(escapeSoqlString('100%_done', true), '100\\%\\_done');
    assert.equal(escapeSoqlString('Zoë 東京 🚀'), 'Zoë 東京 🚀');
  });

  it('binds every kind of value as a literal of its type', () => {
    const soql = bindSoql('SELECT Id FROM Opportunity WHERE Name = :name AND Amount > :amount AND IsWon = :won AND CloseDate >= :from AND SystemModstamp > :since AND Id IN :ids AND Description = :none AND Probability < :p', {
      name: "it's",
      amount: 1250.5,
      won: true,
      from: new SoqlDate('2026-01-31'),
      since: new SoqlDateTime('2026-01-05T09:00:00.123+0000'),
      ids: ['006A', '006B'],
      none: null,
      p: new SoqlNumber('99.50'),
    });
    assert.equal(soql, "SELECT Id FROM Opportunity WHERE Name = 'it\\'s' AND Amount > 1250.5 AND IsWon = true AND CloseDate >= 2026-01-31 AND SystemModstamp > 2026-01-05T09:00:00.123Z AND Id IN ('006A', '006B') AND Description = null AND Probability < 99.50");
    assert.equal(bindSoql('SELECT Id FROM Account WHERE LastModifiedDate > :d', { d: new Date('2026-02-01T00:00:00Z') }), 'SELECT Id FROM Account WHERE LastModifiedDate > 2026-02-01T00:00:00.000Z');
  });

  it('writes numbers without exponents, which SOQL does not read', () => {
    assert.equal(soqlNumber(1e21), '1000000000000000000000');
    assert.equal(soqlNumber(1.5e-7), '0.00000015');
    assert.equal(soqlNumber(-2.5e22), '-25000000000000000000000');
    assert.equal(soqlNumber(12345678901234567890n), '12345678901234567890');
    rejectsParam(() => bindSoql('SELECT Id FROM Account WHERE AnnualRevenue > :x', { x: Number.NaN }), 'x', /finite/);
  });

  it('matches a plain string after LIKE literally, and a pattern only where it says so', () => {
    assert.equal(bindSoql('SELECT Id FROM Account WHERE Name LIKE :n', { n: '50%_off' }), "SELECT Id FROM Account WHERE Name LIKE '50\\%\\_off'");
    assert.equal(bindSoql('SELECT Id FROM Account WHERE Name like :n', { n: SoqlLike.startsWith("a_b'") }), "SELECT Id FROM Account WHERE Name like 'a\\_b\\'%'");
    assert.equal(bindSoql('SELECT Id FROM Account WHERE Name LIKE :n', { n: SoqlLike.contains('%') }), "SELECT Id FROM Account WHERE Name LIKE '%\\%%'");
    assert.equal(bindSoql('SELECT Id FROM Account WHERE Name LIKE :n', { n: SoqlLike.endsWith('x') }), "SELECT Id FROM Account WHERE Name LIKE '%x'");
    rejectsParam(() => bindSoql('SELECT Id FROM Account WHERE Name = :n', { n: SoqlLike.contains('x') }), 'n', /LIKE pattern/);
    rejectsParam(() => bindSoql('SELECT Id FROM Account WHERE Name LIKE :n', { n: ['a'] }), 'n', /list/);
  });

  it('leaves :words inside the template\'s own string literals and date literals alone', () => {
    assert.equal(bindSoql("SELECT Id FROM Account WHERE Name = ':name' AND CreatedDate = LAST_N_DAYS:7 AND Id = :id", { id: '001' }), "SELECT Id FROM Account WHERE Name = ':name' AND CreatedDate = LAST_N_DAYS:7 AND Id = '001'");
    assert.equal(bindSoql("SELECT Id FROM Account WHERE Name = 'it\\'s :x' AND Type = :t", { t: 'a' }), "SELECT Id FROM Account WHERE Name = 'it\\'s :x' AND Type = 'a'");
  });

  it('refuses a parameter without a value, an empty list and unpaired surrogates, naming the parameter', () => {
    rejectsParam(() => bindSoql('SELECT Id FROM Account WHERE Name = :missing', {}), 'missing', /no value/);
    rejectsParam(() => bindSoql('SELECT Id FROM Account WHERE Id IN :ids', { ids: [] }), 'ids', /empty list/);
    rejectsParam(() => bindSoql('SELECT Id FROM Account WHERE Name = :n', { n: 'a\uD800b' }), 'n', /Unicode/);
    assert.throws(() => bindSoql("SELECT Id FROM Account WHERE Name = 'open", {}), /unterminated/);
  });

  it('reads typed parameters from a message and refuses shapes SOQL cannot hold', () => {
    const params = parseSoqlParams({ name: 'x', n: 3, b: false, z: null, d: { date: '2026-02-28' }, t: { datetime: '2026-02-28T10:00:00Z' }, m: { number: '10.00' }, l: { startsWith: 'Ac' }, ids: ['a', 'b'] });
    assert.ok(params['d'] instanceof SoqlDate);
    assert.ok(params['t'] instanceof SoqlDateTime);
    assert.ok(params['m'] instanceof SoqlNumber);
    assert.ok(params['l'] instanceof SoqlLike);
    assert.deepEqual(params['ids'], ['a', 'b']);
    rejectsParam(() => parseSoqlParams({ d: { date: '2026-02-30' } }), 'd', /not a date/);
    rejectsParam(() => parseSoqlParams({ o: { evil: "' OR 1=1" } }), 'o', /must be a string/);
    rejectsParam(() => parseSoqlParams({ 'a b': 1 }), 'a b', /not a SOQL parameter name/);
    assert.throws(() => parseSoqlParams('x'), /msg.params must be an object/);
  });
});

describe('a flow\'s own WHERE condition', () => {
  it('stays inside its parentheses: literals may hold anything, the condition may not close them or add a clause', () => {
    for (const ok of ["Name = 'Limit; Co (UK)'", "(Type = 'A' OR Type = 'B') AND Amount > 0", "Name = 'O\\'Brien)'", '']) assert.doesNotThrow(() => checkWhereCondition(ok), ok);
    assert.throws(() => checkWhereCondition('Amount > 0) OR (Id != null'), /a "\)" without its "\("/);
    assert.throws(() => checkWhereCondition('(Amount > 0'), /a "\(" without its "\)"/);
    assert.throws(() => checkWhereCondition("Name = 'open"), /unterminated string literal/);
    assert.throws(() => checkWhereCondition('Name != null ORDER BY Name'), /WHERE condition only/);
    assert.throws(() => checkWhereCondition('Name != null; DELETE'), /no ";"/);
  });
});
