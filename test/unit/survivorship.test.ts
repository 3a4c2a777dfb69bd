// Survivorship rules on their own: each field from the system its rule names (with fallback when that system has
// no value), most-recent by the records' change times, identity kept, rules checked, and the editor offering
// exactly the canonical fields.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FIELDS, parseRules, RECOMMENDED_RULES, survive } from '../../nodes/survivorship/rules.js';

const crm = {
  businessKey: 'acct:GLOBEX',
  externalIds: { salesforce: '001000000000001AAA' },
  updatedAt: '2026-03-02T10:00:00.000Z',
  name: 'Globex Ltd',
  billingAddress: { line1: '1 King Street', city: 'London', country: 'GB' },
  paymentTerms: { code: 'NET45', days: 45 },
  creditLimit: { amount: '150000.00', currency: 'GBP' },
  billingEmail: 'ap@globex.example',
  website: '',
};
const erp = {
  businessKey: 'acct:GLOBEX',
  externalIds: { netsuite: '1042', salesforce: '001000000000999AAA' },
  updatedAt: '2026-03-05T08:00:00.000Z',
  name: 'GLOBEX LIMITED',
  billingAddress: { line1: 'PO Box 7', city: 'Leeds', country: 'GB' },
  paymentTerms: { code: 'NET60', days: 60 },
  creditLimit: { amount: '500000.00', currency: 'GBP' },
  billingEmail: 'invoices@globex.example',
  website: 'https://globex.example',
  creditHold: true,
};

describe('survivorship rules', () => {
  it('takes each field from the system its rule names, the ERP for money and terms, the CRM for the description', () => {
    const { record, decisions } = survive(crm, erp, RECOMMENDED_RULES.account);
    assert.equal(record['name'], 'Globex Ltd');
    assert.deepEqual(record['billingAddress'], crm.billingAddress, 'an address survives whole, never mixed');
    assert.deepEqual([record['paymentTerms'], record['creditLimit'], record['creditHold']], [erp.paymentTerms, erp.creditLimit, true]);
    assert.deepEqual(decisions['creditLimit'], { from: 'erp', rule: 'erp' });
    assert.deepEqual(decisions['name'], { from: 'crm', rule: 'crm' });
  });

  it('gives a field to the system changed last under most-recent, and to the CRM on a tie or without times', () => {
    assert.equal(survive(crm, erp, RECOMMENDED_RULES.account).record['billingEmail'], 'invoices@globex.example', 'the ERP changed later');
    assert.equal(survive({ ...crm, updatedAt: '2026-03-06T00:00:00Z' }, erp, RECOMMENDED_RULES.account).record['billingEmail'], 'ap@globex.example');
    assert.equal(survive({ ...crm, updatedAt: erp.updatedAt }, erp, RECOMMENDED_RULES.account).record['billingEmail'], 'ap@globex.example', 'a tie goes to the CRM');
    const { updatedAt: _c, ...crmNoTime } = crm;
    assert.equal(survive(crmNoTime, erp, RECOMMENDED_RULES.account).record['billingEmail'], 'invoices@globex.example', 'a record without a time is the older');
  });

  it('keeps the other system\'s value when the winner has none, and says so', () => {
    const { record, decisions } = survive(crm, erp, RECOMMENDED_RULES.account);
    assert.equal(record['website'], 'https://globex.example', 'the CRM wins website, but its value is empty');
    assert.deepEqual(decisions['website'], { from: 'erp', rule: 'crm', fallback: true });
  });

  it('follows the default winner for fields without a rule', () => {
    assert.equal(survive(crm, erp, []).record['creditLimit'], crm.creditLimit);
    assert.equal(survive(crm, erp, [], 'erp').record['name'], 'GLOBEX LIMITED');
  });

  it('keeps identity: the CRM\'s key, each system\'s own id, the later change time', () => {
    const { record } = survive(crm, erp, RECOMMENDED_RULES.account);
    assert.equal(record['businessKey'], 'acct:GLOBEX');
    assert.deepEqual(record['externalIds'], { netsuite: '1042', salesforce: '001000000000001AAA' });
    assert.equal(record['updatedAt'], '2026-03-05T08:00:00.000Z');
  });

  it('passes the CRM record as it is when the ERP has none', () => {
    const { record, decisions } = survive(crm, undefined, RECOMMENDED_RULES.account);
    assert.deepEqual(record, crm);
    assert.equal(decisions['paymentTerms']?.from, 'crm');
  });

  it('refuses rules naming an unknown field, a bad winner or a field twice, naming the rule', () => {
    assert.throws(() => parseRules([{ field: 'name', winner: 'crm' }, { field: 'phone', winner: 'crm' }], 'account'), /rule 2: "phone" is not a field of a canonical account/);
    assert.throws(() => parseRules([{ field: 'phone', winner: 'newest' }], 'contact'), /rule 1 \(phone\): the winner must be crm, erp or most-recent, not "newest"/);
    assert.throws(() => parseRules([{ field: 'email', winner: 'crm' }, { field: 'email', winner: 'erp' }], 'contact'), /rule 2: email has a rule already/);
    assert.throws(() => parseRules('name=crm', 'account'), /a list/);
    assert.deepEqual(parseRules(RECOMMENDED_RULES.contact, 'contact'), RECOMMENDED_RULES.contact);
  });

  it('offers in the editor exactly the canonical fields and the recommended rules', () => {
    const html = readFileSync(resolve(__dirname, '../../../nodes/survivorship/survivorship.html'), 'utf8');
    const literal = (name: string) => JSON.parse((/var NAME = (\{[\s\S]*?\});/.exec(html.replace(`var ${name} =`, 'var NAME ='))?.[1] ?? '{}').replace(/(\w+):/g, '"$1":').replace(/'/g, '"')) as Record<string, unknown>;
    assert.deepEqual(literal('FIELDS'), FIELDS);
    const recommended = literal('RECOMMENDED') as Record<string, Array<[string, string]>>;
    for (const kind of ['account', 'contact'] as const) assert.deepEqual(recommended[kind]?.map(([field, winner]) => ({ field, winner })), RECOMMENDED_RULES[kind]);
  });
});
