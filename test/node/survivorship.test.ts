// The survivorship node in the test helper: merges the CRM and ERP records a resolve step leaves in msg.payload,
// says who won each field, validates the survivor, and refuses rules it cannot apply.
import assert from 'node:assert/strict';
import survivorshipNode from '../../nodes/survivorship/survivorship.js';
import { testFlow, useHelper } from '../support/helper.js';

type Msg = Record<string, unknown> & { payload?: Record<string, unknown>; survivorship?: { decisions: Record<string, { from: string }> }; sync?: Record<string, unknown> };

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const crm = { businessKey: 'acct:TAXED', externalIds: { salesforce: '001000000000042AAA' }, updatedAt: '2026-03-02T10:00:00.000Z', name: 'Taxed Ltd', type: 'customer', currency: 'GBP', billingAddress: { line1: '1 High St', city: 'London', country: 'GB' }, paymentTerms: { code: 'NET30', days: 30 }, creditLimit: { amount: '100000.00', currency: 'GBP' } };
const erp = { businessKey: 'acct:TAXED', externalIds: { netsuite: '1007' }, updatedAt: '2026-03-01T10:00:00.000Z', name: 'TAXED LIMITED', type: 'customer', currency: 'GBP', paymentTerms: { code: 'NET60', days: 60 }, creditLimit: { amount: '500000.00', currency: 'GBP' }, tax: { taxId: 'GB777', taxExempt: false } };

describe('syncwright-survivorship node', function () {
  this.timeout(10_000);
  const helper = useHelper();
  const load = async (extra: Record<string, unknown> = {}) => {
    await helper.load(
      [survivorshipNode],
      testFlow([
        { id: 'f', type: 'tab' },
        { id: 'sv', type: 'syncwright-survivorship', z: 'f', name: '', object: 'account', crm: 'payload.crm', crmType: 'msg', erp: 'payload.erp', erpType: 'msg', output: 'payload', defaultWinner: 'crm', rules: [{ field: 'paymentTerms', winner: 'erp' }, { field: 'creditLimit', winner: 'erp' }, { field: 'tax', winner: 'erp' }], wires: [['out']], ...extra },
        { id: 'out', type: 'helper', z: 'f' },
        { id: 'catch', type: 'catch', z: 'f', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'f' },
      ]),
    );
    const got: { out: Msg[]; caught: Msg[] } = { out: [], caught: [] };
    helper.getNode('out').on('input', (m) => got.out.push(m as Msg));
    helper.getNode('caught').on('input', (m) => got.caught.push(m as Msg));
    return got;
  };

  it('sends the surviving record with who won each field', async () => {
    const got = await load();
    helper.getNode('sv').receive({ payload: { match: 'secondary-key', crm, erp } });
    await until(() => got.out.length === 1);
    const m = got.out[0];
    assert.deepEqual([m.payload?.['name'], m.payload?.['billingAddress'], m.payload?.['paymentTerms'], m.payload?.['creditLimit'], m.payload?.['tax']], ['Taxed Ltd', crm.billingAddress, erp.paymentTerms, erp.creditLimit, erp.tax]);
    assert.deepEqual(m.payload?.['externalIds'], { netsuite: '1007', salesforce: '001000000000042AAA' });
    assert.deepEqual(Object.fromEntries(Object.entries(m.survivorship?.decisions ?? {}).map(([f, d]) => [f, d.from])), { name: 'crm', type: 'crm', currency: 'crm', billingAddress: 'crm', paymentTerms: 'erp', creditLimit: 'erp', tax: 'erp' });
  });

  it('passes a CRM record with no ERP counterpart (a new customer) as it is', async () => {
    const got = await load();
    helper.getNode('sv').receive({ payload: { match: 'new', crm } });
    await until(() => got.out.length === 1);
    assert.deepEqual(got.out[0]?.payload, { ...crm, status: 'active' });
  });

  it('fails a survivor that is not valid canonical data, naming the field', async () => {
    const got = await load({ rules: [{ field: 'billingEmail', winner: 'erp' }] });
    helper.getNode('sv').receive({ payload: { crm: { ...crm, billingEmail: 'ap@taxed.example' }, erp: { ...erp, billingEmail: 'accounts at taxed' } }, sync: { correlationId: 'c1', businessKey: 'acct:TAXED' } });
    await until(() => got.caught.length === 1);
    const error = got.caught[0]?.sync?.['error'] as Record<string, unknown>;
    assert.deepEqual([error['class'], error['code'], error['fields']], ['data', 'INVALID_SURVIVOR', ['billingEmail']]);
    helper.getNode('sv').receive({ payload: { erp } });
    await until(() => got.caught.length === 2);
    assert.deepEqual((got.caught[1]?.sync?.['error'] as Record<string, unknown>)['fields'], ['payload.crm']);
  });

  it('refuses at deploy a rule it cannot apply, naming it', async () => {
    const got = await load({ rules: [{ field: 'name', winner: 'crm' }, { field: 'phone', winner: 'crm' }] });
    const node = helper.getNode('sv') as unknown as { error: { args?: unknown[][] } };
    assert.match(String(node.error.args?.[0]?.[0]), /Invalid configuration: rule 2: "phone" is not a field of a canonical account/);
    helper.getNode('sv').receive({ payload: { crm, erp } });
    await until(() => got.caught.length === 1);
    assert.equal((got.caught[0]?.sync?.['error'] as Record<string, unknown>)['code'], 'INVALID_NODE_SETTING');
    assert.deepEqual((got.caught[0]?.sync?.['error'] as Record<string, unknown>)['fields'], ['rules']);
  });

  it('names the setting that is wrong, not always the rules', async () => {
    for (const [extra, field] of [[{ object: 'widget' }, 'object'], [{ defaultWinner: 'whoever' }, 'defaultWinner'], [{ output: 'a b' }, 'output']] as const) {
      const got = await load(extra);
      helper.getNode('sv').receive({ payload: { crm, erp } });
      await until(() => got.caught.length === 1);
      assert.deepEqual((got.caught[0]?.sync?.['error'] as Record<string, unknown>)['fields'], [field], JSON.stringify(extra));
      await helper.unload();
    }
  });
});
