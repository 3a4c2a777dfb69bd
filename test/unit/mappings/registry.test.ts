import assert from 'node:assert/strict';
import { isSchemaId, validateCanonical } from '../../../canonical/index.js';
import { defaultContexts, findMapping, MappingError, mappingRegistry, mappingsFor, type MappingCall, type MappingEntry } from '../../../canonical/mappings/index.js';
import { example } from '../../fixtures/canonical.js';
import { assertMappingError, json } from './helpers.js';

const acct = { businessKey: 'acct:ACME', externalIds: { salesforce: '001000000000001AAA', netsuite: '1001' } };

/** For every mapping that writes: the fixture, the call it needs, and how the vendor returns what was written. */
const writes: Record<string, { call?: MappingCall; readCall?: MappingCall; read: (written: unknown) => unknown }> = {
  'salesforce/Account': { read: (w) => ({ Id: '001000000000001AAA', ...(w as object) }) },
  'salesforce/Contact': { read: (w) => ({ Id: '003000000000001AAA', ...(w as object) }) },
  'salesforce/Opportunity': { read: (w) => ({ Id: '006000000000001AAA', ...(w as { record: object }).record, OpportunityLineItems: { records: (w as { lineItems: unknown[] }).lineItems } }) },
  'salesforce/pse__Proj__c': { read: (w) => ({ Id: 'a0x000000000001AAA', ...(w as object) }) },
  'salesforce/pse__Milestone__c': { read: (w) => ({ Id: 'a0y000000000001AAA', ...(w as object) }) },
  'salesforce/pse__Timecard_Header__c': { read: (w) => ({ Id: 'a0z000000000001AAA', ...(w as object) }) },
  'salesforce/pse__Resource_Request__c': { read: (w) => ({ Id: 'a0w000000000001AAA', ...(w as object) }) },
  'netsuite/customer': { call: { parents: { parent: '900' } }, read: (w) => ({ id: '1001', ...(w as object) }) },
  'netsuite/contact': { read: (w) => ({ id: '2001', ...(w as object) }) },
  'netsuite/job': { read: (w) => ({ id: '3001', ...(w as object) }) },
  'netsuite/projectTask': { call: { parents: { project: '3001' } }, readCall: { currency: 'USD' }, read: (w) => ({ id: '4001', ...(w as object) }) },
  'netsuite/salesOrder': { read: (w) => ({ id: '5001', ...(w as object) }) },
  'netsuite/timeBill': { call: { parents: { project: '3001' } }, readCall: { currency: 'USD' }, read: (w) => ({ id: '6001', ...(w as object) }) },
  'netsuite/expenseReport': { call: { parents: { project: '3001' } }, read: (w) => ({ id: '7001', ...(w as object) }) },
  'kantata/workspace': { readCall: { refs: { account: acct } }, read: (w) => ({ id: '5001', ...(w as object), status: { key: (w as { status_key: number }).status_key } }) },
  'kantata/story': { readCall: { currency: 'USD' }, read: (w) => ({ id: '8001', ...(w as object) }) },
  'kantata/time_entry': { read: (w) => ({ id: '9001', ...(w as object), currency: 'USD' }) },
  'kantata/expense': { read: (w) => ({ id: '9501', ...(w as object), currency: 'USD' }) },
};

function entries(): MappingEntry[] {
  return Object.values(mappingRegistry).flatMap((table) => Object.values(table) as MappingEntry[]);
}

describe('mapping registry', () => {
  it('lists every vendor object type with its canonical schema', () => {
    const listed = entries().map((e) => `${e.vendor}/${e.objectType} → ${e.schemaId}${e.toVendor === undefined ? ' (read only)' : ''}`);
    assert.deepEqual(listed, [
      'salesforce/Account → syncwright/account@1',
      'salesforce/Contact → syncwright/contact@1',
      'salesforce/Opportunity → syncwright/opportunity@1',
      'salesforce/pse__Proj__c → syncwright/project@1',
      'salesforce/pse__Milestone__c → syncwright/work-item@1',
      'salesforce/pse__Timecard_Header__c → syncwright/time-entry@1',
      'salesforce/pse__Resource_Request__c → syncwright/resource-request@1',
      'netsuite/customer → syncwright/account@1',
      'netsuite/contact → syncwright/contact@1',
      'netsuite/job → syncwright/project@1',
      'netsuite/projectTask → syncwright/work-item@1',
      'netsuite/salesOrder → syncwright/opportunity@1',
      'netsuite/invoice → syncwright/invoice@1 (read only)',
      'netsuite/customerPayment → syncwright/payment@1 (read only)',
      'netsuite/timeBill → syncwright/time-entry@1',
      'netsuite/expenseReport → syncwright/expense@1',
      'kantata/workspace → syncwright/project@1',
      'kantata/story → syncwright/work-item@1',
      'kantata/time_entry → syncwright/time-entry@1',
      'kantata/expense → syncwright/expense@1',
      'kantata/invoice → syncwright/invoice@1 (read only)',
    ]);
    for (const e of entries()) assert.ok(isSchemaId(e.schemaId));
  });

  it('finds a mapping by vendor and object type, and by schema', () => {
    assert.equal(findMapping('netsuite', 'job')?.schemaId, 'syncwright/project@1');
    assert.equal(findMapping('netsuite', 'vendorBill'), undefined);
    assert.equal(findMapping('kantata', 'toString'), undefined);
    assert.deepEqual(
      mappingsFor('syncwright/project@1').map((e) => `${e.vendor}/${e.objectType}`),
      ['salesforce/pse__Proj__c', 'netsuite/job', 'kantata/workspace'],
    );
  });

  it('writes every fixture through the registry and reads it back as valid canonical objects', () => {
    for (const e of entries()) {
      if (e.toVendor === undefined) continue;
      const key = `${e.vendor}/${e.objectType}`;
      const spec = writes[key];
      assert.ok(spec !== undefined, `no write spec for ${key}`);
      const ctx = defaultContexts[e.vendor] as never;
      const businessKey = example(e.schemaId)['businessKey'] as string;
      const written = json(e.toVendor(example(e.schemaId), ctx, spec.call));
      // Kantata keeps the business key in an external reference, which the connector reads and passes on.
      const readCall = e.vendor === 'kantata' ? { ...spec.readCall, businessKey } : spec.readCall;
      const back = e.fromVendor(spec.read(written), ctx, readCall);
      assert.equal(back.length, 1, key);
      const r = validateCanonical(e.schemaId, back[0]);
      assert.ok(r.ok, `${key}: ${r.ok ? '' : JSON.stringify(r.errors)}`);
      assert.equal(r.value.businessKey, businessKey, key);
    }
  });

  it('validates the canonical payload before writing, naming the canonical field', () => {
    const bad = { ...example('syncwright/project@1'), startDate: '2026-02-30' };
    const err = assertMappingError(() => findMapping('netsuite', 'job')?.toVendor?.(bad, defaultContexts.netsuite), 'startDate', undefined, 'to-vendor');
    assert.equal(err.vendor, 'netsuite');
    assert.equal(err.objectType, 'job');
    assert.match(err.message, /^cannot map to netsuite job: startDate /);
    assertMappingError(() => findMapping('salesforce', 'Account')?.toVendor?.({ ...example('syncwright/account@1'), colour: 'red' }, defaultContexts.salesforce), '', /unknown field "colour"/);
  });

  it('refuses a vendor record that maps to an invalid canonical object, naming the canonical field', () => {
    const record = { Id: '006000000000002AAA', Name: 'X', AccountId: '001000000000001AAA', StageName: 'Prospecting', CloseDate: '2026-01-31', Contract_Start_Date__c: '2026-05-01', Contract_End_Date__c: '2026-04-01' };
    const err = assertMappingError(() => findMapping('salesforce', 'Opportunity')?.fromVendor(record, defaultContexts.salesforce), 'contractTerms.endDate', /before the start date/, 'from-vendor');
    assert.ok(err instanceof MappingError);
    assert.equal(err.code, 'MAPPING_ERROR');
  });

  it('refuses records that are not objects', () => {
    for (const record of [null, 'x', [], 42]) {
      assertMappingError(() => findMapping('kantata', 'time_entry')?.fromVendor(record, defaultContexts.kantata), '', /must be a kantata time_entry record/);
    }
  });
});
