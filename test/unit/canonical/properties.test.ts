// Property-based tests: valid objects survive a JSON round trip unchanged once normalised, and random junk
// is always rejected with a reason, never an exception.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { schemaIds, validateCanonical, type SchemaId } from '../../../canonical/index.js';
import { example } from '../../fixtures/canonical.js';

const currency = fc.constantFrom('usd', 'USD', ' eur', 'Gbp ', 'jpy', 'CHF');
const decimal = fc.tuple(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.integer({ min: 0, max: 99 })).map(([i, f]) => `${i}.${String(f).padStart(2, '0')}`);
const nonNegDecimal = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 99 })).map(([i, f]) => `${i}.${String(f).padStart(2, '0')}`);
const name = fc.string({ minLength: 1, maxLength: 60 }).filter((s) => s.trim().length > 0).map((s) => ` ${s} `);
const date = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const money = fc.record({ amount: decimal, currency });

const opportunity = fc.record({ name, closeDate: date, amount: money, probability: fc.integer({ min: 0, max: 100 }), lines: fc.array(fc.record({ quantity: nonNegDecimal, unitPrice: money, total: money, hours: fc.double({ min: 0, max: 1e6, noNaN: true }) }), { maxLength: 5 }) })
  .map((r) => {
    const opp = example('syncwright/opportunity@1');
    opp['name'] = r.name;
    opp['closeDate'] = r.closeDate;
    opp['amount'] = r.amount;
    opp['probability'] = r.probability;
    opp['lineItems'] = r.lines.map((l, i) => ({ lineNumber: i + 1, ...l }));
    return opp;
  });

const timeEntry = fc.record({ date, hours: fc.double({ min: 0, max: 24, noNaN: true }), notes: fc.string({ maxLength: 200 }), billable: fc.boolean() }).map((r) => ({ ...example('syncwright/time-entry@1'), ...r }));

const invoice = fc.record({ invoiceDate: date, lines: fc.array(fc.record({ quantity: nonNegDecimal, unitPrice: money, amount: money, description: fc.string({ maxLength: 100 }) }), { maxLength: 8 }), total: money }).map((r) => ({
  ...example('syncwright/invoice@1'),
  invoiceDate: r.invoiceDate,
  dueDate: undefined,
  lines: r.lines.map((l, i) => ({ lineNumber: i + 1, ...l })),
  total: r.total,
}));

function roundTrips(schema: SchemaId, value: unknown): void {
  const first = validateCanonical(schema, JSON.parse(JSON.stringify(value)));
  assert.ok(first.ok, JSON.stringify(first.ok ? '' : first.errors));
  const second = validateCanonical(schema, JSON.parse(JSON.stringify(first.value)));
  assert.ok(second.ok, JSON.stringify(second.ok ? '' : second.errors));
  assert.deepEqual(second.value, first.value);
}

describe('canonical model properties', () => {
  it('valid opportunities, time entries and invoices round-trip through JSON unchanged after normalisation', () => {
    fc.assert(fc.property(opportunity, (o) => roundTrips('syncwright/opportunity@1', o)), { numRuns: 200 });
    fc.assert(fc.property(timeEntry, (t) => roundTrips('syncwright/time-entry@1', t)), { numRuns: 200 });
    fc.assert(fc.property(invoice, (i) => roundTrips('syncwright/invoice@1', i)), { numRuns: 200 });
  });

  it('every example object round-trips', () => {
    for (const id of schemaIds) roundTrips(id, example(id));
  });

  it('rejects random junk with well-formed reasons and never throws', () => {
    fc.assert(
      fc.property(fc.constantFrom(...schemaIds), fc.anything({ withObjectString: true, withNullPrototype: true, withMap: true, withSet: true, withBigInt: true }), (schema, junk) => {
        const r = validateCanonical(schema, junk);
        assert.equal(r.ok, false);
        if (!r.ok) {
          assert.ok(r.errors.length > 0);
          for (const e of r.errors) {
            assert.equal(typeof e.path, 'string');
            assert.ok(e.code.length > 0);
            assert.ok(e.message.length > 0);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects a valid object with one field replaced by junk, naming that field', () => {
    const fields = ['name', 'closeDate', 'amount', 'status', 'account', 'lineItems'];
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.oneof(fc.integer(), fc.constant(null), fc.string({ maxLength: 3 }).filter((s) => s.trim() === ''), fc.array(fc.integer(), { minLength: 1, maxLength: 2 })), (field, junk) => {
        const opp = example('syncwright/opportunity@1');
        opp[field] = junk;
        const r = validateCanonical('syncwright/opportunity@1', opp);
        assert.equal(r.ok, false);
        if (!r.ok) assert.ok(r.errors.some((e) => e.path === field || e.path.startsWith(`${field}.`) || e.path.startsWith(`${field}[`)), `${field}: ${JSON.stringify(r.errors)}`);
      }),
      { numRuns: 300 },
    );
  });
});
