// The NetSuite sandbox and the NetSuite mappings agree: what a mapping writes, the sandbox takes; what the
// sandbox answers, the mapping reads; and the list values of the default mapping context are the sandbox's.
import assert from 'node:assert/strict';
import { defaultNetSuiteContext } from '../../canonical/mappings/netsuite/index.js';
import { mappingRegistry } from '../../canonical/mappings/index.js';
import { startNetSuiteSandbox, type NetSuiteSandbox } from '../../sandbox/netsuite/index.js';
import { example } from '../fixtures/canonical.js';

type Json = Record<string, unknown>;

describe('NetSuite sandbox and mappings', () => {
  let ns: NetSuiteSandbox;
  let token: string;

  before(async () => {
    ns = await startNetSuiteSandbox({ seedData: true });
    token = ns.issueAccessToken();
  });
  after(() => ns.close());

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; location: string | null; body: Json | undefined }> {
    const res = await fetch(`${ns.restUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, location: res.headers.get('location'), body: text ? (JSON.parse(text) as Json) : undefined };
  }

  async function upsertMapped(type: keyof typeof mappingRegistry.netsuite, canonical: Json, parents: Record<string, string>): Promise<Json> {
    const entry = mappingRegistry.netsuite[type];
    assert.ok(entry.toVendor, `${type} is written`);
    const record = entry.toVendor(canonical, defaultNetSuiteContext, { parents, currency: 'USD' }) as Json;
    const res = await call('PUT', `/record/v1/${type}/eid:${String(record['externalId'])}`, record);
    assert.equal(res.status, 204, `${type}: ${JSON.stringify(res.body)}`);
    const id = (res.location ?? '').split('/').pop() ?? '';
    const read = await call('GET', `/record/v1/${type}/${id}?expandSubResources=true`);
    return entry.fromVendor(read.body, defaultNetSuiteContext, { currency: 'USD' })[0] as Json;
  }

  it('takes every record the mappings write and reads back what they wrote', async () => {
    const account = example('syncwright/account@1');
    delete account['parent'];
    const customer = await upsertMapped('customer', account, {});
    assert.deepEqual(customer['billingAddress'], { line1: '1 High Street', city: 'London', postalCode: 'EC1A 1AA', country: 'GB' });
    assert.deepEqual(customer['tax'], { taxId: 'GB123456789', taxExempt: false });
    const accountId = (customer['externalIds'] as Json)['netsuite'] as string;

    await upsertMapped('contact', example('syncwright/contact@1'), { account: accountId });
    const project = await upsertMapped('job', example('syncwright/project@1'), { account: accountId });
    const projectId = (project['externalIds'] as Json)['netsuite'] as string;
    const milestone = await upsertMapped('projectTask', example('syncwright/work-item@1'), { project: projectId });
    assert.equal(milestone['dueDate'], '2026-05-15', 'finishByDate holds the due date');
    await upsertMapped('salesOrder', example('syncwright/opportunity@1'), { account: accountId });

    const entry = example('syncwright/time-entry@1');
    entry['resource'] = { businessKey: 'res:jane.doe' };
    const time = await upsertMapped('timeBill', entry, { project: projectId });
    assert.deepEqual([time['hours'], time['status']], [7.5, 'approved'], 'hours go as H:MM and come back; the approval status round-trips');

    const expense = example('syncwright/expense@1');
    expense['resource'] = { businessKey: 'res:jane.doe' };
    const report = await upsertMapped('expenseReport', expense, { project: projectId });
    assert.equal(report['status'], 'approved');
  });

  it('reads the seeded invoices and the payment, its method and the invoice it pays', async () => {
    const read = async (type: 'invoice' | 'customerPayment', id: number): Promise<Json> =>
      mappingRegistry.netsuite[type].fromVendor((await call('GET', `/record/v1/${type}/${id}?expandSubResources=true`)).body, defaultNetSuiteContext)[0] as Json;
    assert.equal((await read('invoice', 300))['status'], 'paid');
    assert.equal((await read('invoice', 301))['status'], 'open');
    const payment = await read('customerPayment', 303);
    assert.deepEqual([payment['method'], payment['reference']], ['ach', 'ACH-20931']);
    assert.deepEqual((payment['applications'] as Json[])[0]['invoice'], { businessKey: 'inv:INV0001', externalIds: { netsuite: '300' } });
  });

  it('lists the project and time approval statuses and the payment methods of the default mapping context', async () => {
    const schema = async (type: string): Promise<Record<string, Json>> => ((await call('GET', `/record/v1/metadata-catalog/${type}`)).body as Json)['properties'] as Record<string, Json>;
    const options = (field: Json): Record<string, string> => Object.fromEntries((field['x-ns-enum'] as Array<{ id: string; refName: string }>).map((o) => [o.id, o.refName]));
    const jobStatuses = options((await schema('job'))['entityStatus']);
    for (const s of defaultNetSuiteContext.projectStatuses) assert.equal(jobStatuses[s.id], s.name, `project status ${s.id}`);
    const approvals = options((await schema('timeBill'))['approvalStatus']);
    for (const s of defaultNetSuiteContext.timeApprovalStatuses) assert.equal(approvals[s.id], s.name, `time approval status ${s.id}`);
    const seeded: string[] = [];
    for (let id = 1; ; id++) {
      const m = await call('GET', `/record/v1/paymentMethod/${id}`);
      if (m.status !== 200) break;
      seeded.push((m.body as Json)['name'] as string);
    }
    assert.ok(seeded.length > 0);
    for (const name of seeded) assert.ok(defaultNetSuiteContext.paymentMethods.some((p) => p.name === name), `payment method ${name} is in the mapping context`);
  });
});
