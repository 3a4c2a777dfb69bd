import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromNetSuiteExternalId, isNetSuiteExternalIdSafe, toNetSuiteExternalId } from '../../../canonical/mappings/index.js';

const businessKey = fc.oneof(
  fc.string({ minLength: 1, maxLength: 80, unit: 'grapheme' }),
  fc.string({ minLength: 1, maxLength: 80, unit: fc.constantFrom(...'aAzZ09:._-@/ |#%é'.split('')) }),
  fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }),
);

describe('NetSuite external-id encoding', () => {
  it('writes readable ids for the business keys Syncwright uses', () => {
    assert.equal(toNetSuiteExternalId('acct:ACME'), 'acct_c_uacme');
    assert.equal(toNetSuiteExternalId('te:jane.doe:2026-04-06:ACME-ERP'), 'te_cjane_ddoe_c2026-04-06_c_uacme-erp');
    assert.equal(toNetSuiteExternalId('contact:jo@acme.example'), 'contact_cjo_aacme_dexample');
    assert.equal(toNetSuiteExternalId('opp:0065g00000AbCdE'), 'opp_c0065g00000_ua_lb_uc_ld_ue');
    assert.equal(toNetSuiteExternalId('x_y z/é'), 'x__y_x0020z_s_x00e9');
  });

  it('uses only the characters NetSuite allows, in lower case, so case-insensitive matching cannot merge two keys', () => {
    fc.assert(
      fc.property(businessKey, (key) => {
        const id = toNetSuiteExternalId(key);
        assert.ok(isNetSuiteExternalIdSafe(id), id);
        assert.equal(id, id.toLowerCase());
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips every business key', () => {
    fc.assert(
      fc.property(businessKey, (key) => {
        assert.equal(fromNetSuiteExternalId(toNetSuiteExternalId(key)), key);
      }),
      { numRuns: 1000 },
    );
  });

  it('is injective: different keys never share an id', () => {
    fc.assert(
      fc.property(businessKey, businessKey, (a, b) => {
        fc.pre(a !== b);
        assert.notEqual(toNetSuiteExternalId(a), toNetSuiteExternalId(b));
      }),
      { numRuns: 1000 },
    );
    // Keys that differ only in case, as 15-character Salesforce ids do.
    assert.notEqual(toNetSuiteExternalId('opp:006A'), toNetSuiteExternalId('opp:006a'));
  });

  it('decodes only what it encodes, so every id stands for at most one key', () => {
    for (const foreign of ['CUST-1', 'acct_c_u_uacme', 'acct_q', 'a_x00', 'a_x0041', 'acct_c_uACME', 'a b', '_l']) {
      assert.equal(fromNetSuiteExternalId(foreign), undefined, foreign);
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 30, unit: fc.constantFrom(...'ab9-_culdxsA'.split('')) }), (id) => {
        const key = fromNetSuiteExternalId(id);
        if (key !== undefined) assert.equal(toNetSuiteExternalId(key), id);
      }),
      { numRuns: 2000 },
    );
  });
});
