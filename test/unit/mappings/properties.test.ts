// Property-based round trips: varied canonical objects survive canonical → vendor → canonical on every field
// the vendor holds.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addDecimals, kantata as kt, multiplyDecimals, netsuite as ns, roundDecimal, salesforce as sf } from '../../../canonical/mappings/index.js';
import { accepted, fixture, json, without } from './helpers.js';

const cents = fc.bigInt({ min: 0n, max: 10n ** 11n }).map((c) => roundDecimal(`${c / 100n}.${String(c % 100n).padStart(2, '0')}`, 2));
const quantity = fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 99 })).map(([i, f]) => (f === 0 ? String(i) : `${i}.${String(f).padStart(2, '0').replace(/0$/, '')}`));
const text = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '' && s.trim() === s);
const currency = fc.constantFrom('USD', 'GBP', 'EUR', 'CAD');

const line = fc.record({ quantity, unitPrice: cents, description: fc.option(text, { nil: undefined }) });

describe('mapping round-trip properties', () => {
  it('any opportunity survives Salesforce, its line totals computed as Salesforce computes them', () => {
    fc.assert(
      fc.property(text, currency, fc.array(line, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 100 }), (name, cur, lines, probability) => {
        const lineItems = lines.map((l, i) => ({
          lineNumber: i + 1,
          quantity: l.quantity,
          unitPrice: { amount: l.unitPrice, currency: cur },
          total: { amount: roundDecimal(multiplyDecimals(l.quantity, l.unitPrice), 2), currency: cur },
          ...(l.description === undefined ? {} : { description: l.description }),
        }));
        const opp = fixture('syncwright/opportunity@1', { name, probability, amount: undefined, currency: cur, lineItems, resourceNeeds: undefined });
        const { record, lineItems: written } = sf.toSalesforceOpportunity(opp, sf.defaultSalesforceContext);
        const read = { Id: '006000000000001AAA', ...json(record), IsWon: true, IsClosed: true, Account: { Syncwright_Key__c: 'acct:ACME' }, OpportunityLineItems: { records: json(written) } };
        const back = accepted('syncwright/opportunity@1', sf.fromSalesforceOpportunity(read, sf.defaultSalesforceContext));
        const expected = json({ ...opp, legalEntity: { code: 'US01', name: 'Syncwright Consulting Inc.', country: 'US' } });
        assert.deepEqual(back, without(expected, ['lineItems[].productCode']));
      }),
      { numRuns: 150 },
    );
  });

  it('any won opportunity survives a NetSuite sales order', () => {
    fc.assert(
      fc.property(text, fc.constantFrom('USD', 'GBP', 'EUR'), fc.array(line, { minLength: 1, maxLength: 6 }), (name, cur, lines) => {
        const lineItems = lines.map((l, i) => ({
          lineNumber: i + 1,
          quantity: l.quantity,
          unitPrice: { amount: l.unitPrice, currency: cur },
          total: { amount: roundDecimal(multiplyDecimals(l.quantity, l.unitPrice), 2), currency: cur },
          billingType: i % 2 === 0 ? 'fixed-fee' : 'time-and-materials',
        }));
        const opp = fixture('syncwright/opportunity@1', { name, amount: undefined, currency: cur, lineItems, resourceNeeds: undefined, billingType: undefined, serviceLine: undefined, contractTerms: undefined, legalEntity: undefined });
        const written = ns.toNetSuiteSalesOrder(opp, ns.defaultNetSuiteContext);
        const back = accepted('syncwright/opportunity@1', ns.fromNetSuiteSalesOrder({ id: '5001', ...json(written) }, ns.defaultNetSuiteContext));
        // The header amount comes back as the exact sum of the lines.
        const sum = roundDecimal(lineItems.reduce((s, l) => addDecimals(s, l.total.amount), '0'), 2);
        const expected = json({ ...opp, amount: { amount: sum, currency: cur }, externalIds: { ...opp.externalIds, netsuite: '5001' }, account: { externalIds: { netsuite: '1001' } } });
        assert.deepEqual(back, without(expected, ['lineItems[].productCode', 'lineItems[].role', 'lineItems[].hours']));
      }),
      { numRuns: 150 },
    );
  });

  it('any customer survives NetSuite', () => {
    fc.assert(
      fc.property(text, fc.constantFrom('HQ', 'US01', 'UK01'), currency, cents, fc.boolean(), fc.constantFrom('NET15', 'NET30', 'NET60', 'DUE'), (name, entity, cur, limit, hold, terms) => {
        const account = fixture('syncwright/account@1', {
          name,
          legalName: undefined,
          parent: undefined,
          legalEntity: { code: entity },
          currency: cur,
          creditLimit: { amount: limit, currency: cur },
          creditHold: hold,
          paymentTerms: { code: terms },
          tax: undefined,
        });
        const written = ns.toNetSuiteCustomer(account, ns.defaultNetSuiteContext);
        const back = accepted('syncwright/account@1', ns.fromNetSuiteCustomer({ id: '1001', ...json(written) }, ns.defaultNetSuiteContext));
        assert.deepEqual(without(back, ['legalEntity', 'paymentTerms.days', 'externalIds']), without(json(account), ['legalEntity', 'externalIds']));
        assert.equal(back.legalEntity?.code, entity);
      }),
      { numRuns: 150 },
    );
  });

  it('any time entry in whole minutes survives Kantata and NetSuite', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 24 * 60 }), cents, fc.boolean(), (minutes, rate, billable) => {
        const entry = fixture('syncwright/time-entry@1', { hours: minutes / 60, billRate: { amount: rate, currency: 'USD' }, billable, resource: { businessKey: 'res:jane.doe' } });
        const kw = kt.toKantataTimeEntry(entry, kt.defaultKantataContext);
        const fromK = accepted('syncwright/time-entry@1', kt.fromKantataTimeEntry({ id: '1', ...json(kw), approved: true, currency: 'USD' }, kt.defaultKantataContext, { businessKey: entry.businessKey }));
        assert.equal(fromK.hours, entry.hours);
        assert.deepEqual(fromK.billRate, entry.billRate);
        const nw = ns.toNetSuiteTimeBill(entry, ns.defaultNetSuiteContext, { parents: { project: '3001' } });
        const fromN = accepted('syncwright/time-entry@1', ns.fromNetSuiteTimeBill({ id: '1', ...json(nw) }, ns.defaultNetSuiteContext, { currency: 'USD' }));
        assert.equal(fromN.hours, entry.hours);
        assert.deepEqual(fromN.billRate, entry.billRate);
        assert.equal(fromN.billable, billable);
      }),
      { numRuns: 200 },
    );
  });
});
