// The NetSuite sandbox's record API on the wire: status codes, Location, bodies, error shapes, paging,
// references, external ids and the metadata catalog.
import assert from 'node:assert/strict';
import { ManualClock } from '../../sandbox/core/clock.js';
import { startNetSuiteSandbox, type NetSuiteSandbox } from '../../sandbox/netsuite/index.js';

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | undefined;
}

type Json = Record<string, unknown>;

function errorOf(reply: Reply): { status: number; title: unknown; details: Array<Record<string, string>> } {
  const body = reply.body as Json;
  return { status: body['status'] as number, title: body['title'], details: body['o:errorDetails'] as Array<Record<string, string>> };
}

describe('NetSuite sandbox: record API', () => {
  let ns: NetSuiteSandbox;
  let token: string;
  const clock = new ManualClock(Date.parse('2026-03-02T09:00:00Z'));

  beforeEach(async () => {
    ns = await startNetSuiteSandbox({ seedData: true, clock });
    token = ns.issueAccessToken();
  });
  afterEach(() => ns.close());

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await fetch(`${ns.restUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Json) : undefined };
  }

  const idFromLocation = (reply: Reply): string => {
    const loc = reply.headers.get('location') ?? '';
    const m = /\/record\/v1\/\w+\/(\d+)$/.exec(loc);
    assert.ok(m, `Location ${loc} names the record`);
    return m[1];
  };

  it('creates a record with 204, an empty body and a Location naming the new record', async () => {
    const created = await call('POST', '/record/v1/customer', { companyName: 'Northwind Advisory', subsidiary: { id: '2' }, email: 'ap@northwind.example', externalId: 'SW-ACC-1' });
    assert.equal(created.status, 204);
    assert.equal(created.body, undefined);
    const id = idFromLocation(created);
    assert.equal(created.headers.get('location'), `${ns.restUrl}/record/v1/customer/${id}`);
    const read = await call('GET', `/record/v1/customer/${id}`);
    assert.equal(read.status, 200);
    const rec = read.body as Json;
    assert.equal(rec['id'], id);
    assert.equal(rec['companyName'], 'Northwind Advisory');
    assert.equal(rec['entityId'], 'Northwind Advisory');
    assert.equal(rec['externalId'], 'SW-ACC-1');
    assert.deepEqual(rec['subsidiary'], { links: [{ rel: 'self', href: `${ns.restUrl}/record/v1/subsidiary/2` }], id: '2', refName: 'Syncwright Consulting Inc.' });
    assert.deepEqual((rec['currency'] as Json)['id'], '1', 'currency defaults from the subsidiary');
    assert.equal(rec['dateCreated'], '2026-03-02T09:00:00Z');
    assert.equal(rec['lastModifiedDate'], '2026-03-02T09:00:00Z');
    assert.deepEqual(rec['links'], [{ rel: 'self', href: `${ns.restUrl}/record/v1/customer/${id}` }]);
    assert.equal(ns.createCount('customer', 'SW-ACC-1'), 1);
  });

  it('answers a duplicate external id on create with 400 USER_ERROR "This entity already exists."', async () => {
    const body = { companyName: 'Twice Ltd', subsidiary: { id: '3' }, externalId: 'TWICE' };
    assert.equal((await call('POST', '/record/v1/customer', body)).status, 204);
    const dup = await call('POST', '/record/v1/customer', body);
    assert.equal(dup.status, 400);
    assert.deepEqual(dup.body, {
      type: 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1',
      title: 'Bad Request',
      status: 400,
      'o:errorDetails': [{ detail: 'This entity already exists.', 'o:errorCode': 'USER_ERROR' }],
    });
    assert.equal(ns.createCount('customer', 'TWICE'), 1);
  });

  it('patches with 204 and moves lastModifiedDate with the clock, leaving dateCreated', async () => {
    const id = idFromLocation(await call('POST', '/record/v1/customer', { companyName: 'Patchable', subsidiary: { id: '2' } }));
    clock.advance(90_000);
    const patched = await call('PATCH', `/record/v1/customer/${id}`, { email: 'new@patchable.example', custentity_sw_domain: 'patchable.example' });
    assert.equal(patched.status, 204);
    assert.equal(patched.body, undefined);
    const rec = (await call('GET', `/record/v1/customer/${id}`)).body as Json;
    assert.equal(rec['email'], 'new@patchable.example');
    assert.equal(rec['custentity_sw_domain'], 'patchable.example');
    assert.equal(rec['companyName'], 'Patchable');
    assert.equal(rec['dateCreated'], '2026-03-02T09:00:00Z');
    assert.equal(rec['lastModifiedDate'], '2026-03-02T09:01:30Z');
  });

  it('deletes with 204, after which the record is 404 NONEXISTENT_ID', async () => {
    const id = idFromLocation(await call('POST', '/record/v1/contact', { firstName: 'Ada', lastName: 'Byron', company: { id: '200' } }));
    assert.equal((await call('DELETE', `/record/v1/contact/${id}`)).status, 204);
    const gone = await call('GET', `/record/v1/contact/${id}`);
    assert.equal(gone.status, 404);
    assert.deepEqual(errorOf(gone).details, [{ detail: 'The record instance does not exist. Provide a valid record instance ID.', 'o:errorCode': 'NONEXISTENT_ID' }]);
    assert.equal((await call('DELETE', `/record/v1/contact/${id}`)).status, 404);
  });

  it('refuses to delete a record other records point at', async () => {
    const res = await call('DELETE', '/record/v1/invoice/300');
    assert.equal(res.status, 400);
    assert.equal(errorOf(res).details[0]['o:errorCode'], 'USER_ERROR');
    assert.ok(ns.record('invoice', 300));
  });

  it('upserts by eid: with 204 + Location, creating once and updating after', async () => {
    const first = await call('PUT', '/record/v1/job/eid:SW-PRJ-7', { companyName: 'Data platform rollout', parent: { id: '200' }, custentity_sw_salesforce_opp_id: '006A' });
    assert.equal(first.status, 204);
    const id = idFromLocation(first);
    const second = await call('PUT', '/record/v1/job/eid:SW-PRJ-7', { companyName: 'Data platform rollout (phase 1)', parent: { id: '200' } });
    assert.equal(second.status, 204);
    assert.equal(idFromLocation(second), id);
    const rec = (await call('GET', '/record/v1/job/eid:SW-PRJ-7')).body as Json;
    assert.equal(rec['id'], id);
    assert.equal(rec['companyName'], 'Data platform rollout (phase 1)');
    assert.equal(rec['custentity_sw_salesforce_opp_id'], '006A');
    assert.equal((rec['subsidiary'] as Json)['id'], '2', 'a project inherits its customer’s subsidiary');
    assert.equal(ns.createCount('job', 'SW-PRJ-7'), 1);
  });

  it('rejects an external id with characters other than letters, digits, _ and -', async () => {
    const res = await call('PUT', `/record/v1/customer/eid:${encodeURIComponent('ACME/01')}`, { companyName: 'Acme', subsidiary: { id: '2' } });
    assert.equal(res.status, 400);
    assert.match(errorOf(res).details[0].detail, /ACME\/01/);
    const inBody = await call('POST', '/record/v1/customer', { companyName: 'Acme', subsidiary: { id: '2' }, externalId: 'has space' });
    assert.equal(inBody.status, 400);
    assert.equal(errorOf(inBody).details[0]['o:errorPath'], 'externalId');
  });

  it('names each bad field with o:errorPath: unknown fields, wrong types, references to nothing, missing required values', async () => {
    const res = await call('POST', '/record/v1/customer', { companyName: 42, subsidiary: { id: '99' }, custentity_not_ours: 'x', creditLimit: 'lots' });
    assert.equal(res.status, 400);
    const details = errorOf(res).details;
    const byPath = Object.fromEntries(details.map((d) => [d['o:errorPath'], d]));
    assert.deepEqual(Object.keys(byPath).sort(), ['companyName', 'creditLimit', 'custentity_not_ours', 'subsidiary']);
    assert.ok(details.every((d) => d['o:errorCode'] === 'INVALID_CONTENT'));
    assert.match(byPath['subsidiary'].detail, /Invalid Field Value 99 for the following field: subsidiary/);
    assert.match(byPath['custentity_not_ours'].detail, /custentity_not_ours/);

    const missing = await call('POST', '/record/v1/customer', { email: 'a@b.example' });
    assert.equal(missing.status, 400);
    assert.deepEqual(
      errorOf(missing).details.map((d) => [d['o:errorCode'], d['o:errorPath'], d.detail]).sort(),
      [
        ['USER_ERROR', 'companyName', 'Please enter value(s) for: Company Name'],
        ['USER_ERROR', 'subsidiary', 'Please enter value(s) for: Primary Subsidiary'],
      ],
    );
  });

  it('points o:errorPath into sublist lines', async () => {
    const res = await call('POST', '/record/v1/salesOrder', { entity: { id: 200 }, item: { items: [{ item: { id: 100 }, quantity: 2 }, { item: { id: 9999 }, amount: 1 }] } });
    assert.equal(res.status, 400);
    assert.deepEqual(errorOf(res).details, [
      { detail: 'Error while accessing a resource. You have entered an Invalid Field Value 9999 for the following field: item', 'o:errorCode': 'INVALID_CONTENT', 'o:errorPath': 'item.items[1].item' },
    ]);
  });

  it('accepts references by external id and refuses them to records that do not exist', async () => {
    const ok = await call('POST', '/record/v1/invoice', { entity: { externalId: 'DEMO-BRIGHTLY' }, item: { items: [{ item: { id: '101' }, amount: 500 }] } });
    assert.equal(ok.status, 204);
    const inv = (await call('GET', `/record/v1/invoice/${idFromLocation(ok)}`)).body as Json;
    assert.equal((inv['entity'] as Json)['id'], '201');
    assert.equal((inv['currency'] as Json)['id'], '2', 'the customer’s currency');
    assert.equal(inv['dueDate'], '2026-03-17', 'Net 15 from the transaction date');
    const bad = await call('POST', '/record/v1/invoice', { entity: { externalId: 'NOBODY' }, item: { items: [{ item: { id: '101' }, amount: 500 }] } });
    assert.equal(bad.status, 400);
    assert.equal(errorOf(bad).details[0]['o:errorPath'], 'entity');
  });

  it('shows sublists as links until expandSubResources=true, and serves them on their own path', async () => {
    const created = await call('POST', '/record/v1/salesOrder', {
      entity: { id: '200' },
      custbody_sw_salesforce_opp_id: '006XYZ',
      item: { items: [{ item: { id: '100' }, quantity: 10 }, { item: { id: '101' }, amount: 2500, description: 'Setup' }] },
    });
    assert.equal(created.status, 204);
    const id = idFromLocation(created);
    const plain = (await call('GET', `/record/v1/salesOrder/${id}`)).body as Json;
    assert.deepEqual(plain['item'], { links: [{ rel: 'self', href: `${ns.restUrl}/record/v1/salesOrder/${id}/item` }] });
    assert.equal(plain['total'], 4000, '10 h at the item rate of 150, plus 2500');
    const expanded = (await call('GET', `/record/v1/salesOrder/${id}?expandSubResources=true`)).body as Json;
    const item = expanded['item'] as Json;
    assert.equal(item['totalResults'], 2);
    const lines = item['items'] as Json[];
    assert.deepEqual(lines.map((l) => [l['line'], (l['item'] as Json)['id'], l['quantity'], l['rate'], l['amount']]), [
      [1, '100', 10, 150, 1500],
      [2, '101', 1, undefined, 2500],
    ]);
    const sub = await call('GET', `/record/v1/salesOrder/${id}/item`);
    assert.equal(sub.status, 200);
    assert.equal(((sub.body as Json)['items'] as Json[]).length, 2);
  });

  it('merges sublist lines on PATCH by line number and replaces them with ?replace=', async () => {
    const id = idFromLocation(await call('POST', '/record/v1/salesOrder', { entity: { id: '200' }, item: { items: [{ item: { id: '100' }, quantity: 1 }] } }));
    await call('PATCH', `/record/v1/salesOrder/${id}`, { item: { items: [{ line: 1, quantity: 3, amount: 450 }, { item: { id: '102' }, amount: 100 }] } });
    let lines = ((await call('GET', `/record/v1/salesOrder/${id}/item`)).body as Json)['items'] as Json[];
    assert.deepEqual(lines.map((l) => [l['line'], l['quantity'], l['amount']]), [[1, 3, 450], [2, 1, 100]]);
    await call('PATCH', `/record/v1/salesOrder/${id}`, { item: { items: [{ line: 1, quantity: 4 }] } });
    lines = ((await call('GET', `/record/v1/salesOrder/${id}/item`)).body as Json)['items'] as Json[];
    assert.deepEqual(lines.map((l) => [l['line'], l['quantity'], l['amount']]), [[1, 4, 600], [2, 1, 100]], 'a new quantity recomputes the amount at the line rate');
    assert.equal((await call('PATCH', `/record/v1/salesOrder/${id}?replace=item`, { item: { items: [{ item: { id: '101' }, amount: 7 }] } })).status, 204);
    lines = ((await call('GET', `/record/v1/salesOrder/${id}/item`)).body as Json)['items'] as Json[];
    assert.deepEqual(lines.map((l) => [l['line'], l['amount']]), [[1, 7]]);
  });

  it('derives invoice status, amount paid and balance from applied payments', async () => {
    const inv = (await call('GET', '/record/v1/invoice/301')).body as Json;
    assert.deepEqual([inv['total'], inv['amountRemaining'], (inv['status'] as Json)['refName']], [12000, 12000, 'Open']);
    const pay = await call('POST', '/record/v1/customerPayment', { customer: { id: '200' }, payment: 12000, apply: { items: [{ doc: { id: '301' }, amount: 12000 }] }, custbody_sw_correlation_id: 'corr-1' });
    assert.equal(pay.status, 204);
    const after = (await call('GET', '/record/v1/invoice/301')).body as Json;
    assert.deepEqual([after['amountPaid'], after['amountRemaining'], after['status']], [12000, 0, { id: 'B', refName: 'Paid In Full' }]);
    assert.equal(((await call('GET', '/record/v1/customer/200')).body as Json)['balance'], 0);
  });

  it('creates time bills and expense reports with the PSA id field', async () => {
    const time = await call('POST', '/record/v1/timeBill', { employee: { id: '5' }, customer: { externalId: 'DEMO-ACME' }, hours: 7.5, tranDate: '2026-03-01', isBillable: true, rate: 150, custcol_sw_psa_id: 'TE-1' });
    assert.equal(time.status, 204);
    const tb = (await call('GET', `/record/v1/timeBill/${idFromLocation(time)}`)).body as Json;
    assert.deepEqual([tb['hours'], tb['isBillable'], (tb['approvalStatus'] as Json)['refName'], (tb['subsidiary'] as Json)['id']], ['7:30', true, 'Pending Approval', '2'], 'a duration reads back as H:MM');
    const asDuration = await call('POST', '/record/v1/timeBill', { employee: { id: '5' }, customer: { id: '200' }, hours: '1:45', tranDate: '2026-03-02' });
    assert.equal(((await call('GET', `/record/v1/timeBill/${idFromLocation(asDuration)}`)).body as Json)['hours'], '1:45');
    const badDuration = await call('POST', '/record/v1/timeBill', { employee: { id: '5' }, customer: { id: '200' }, hours: '1:75', tranDate: '2026-03-02' });
    assert.equal(errorOf(badDuration).details[0]['o:errorPath'], 'hours');
    const exp = await call('POST', '/record/v1/expenseReport', { entity: { id: '6' }, custbody_sw_psa_id: 'EX-1', expense: { items: [{ category: { id: '1' }, amount: 220.4 }, { category: { id: '3' }, amount: 35 }] } });
    assert.equal(exp.status, 204);
    const er = (await call('GET', `/record/v1/expenseReport/${idFromLocation(exp)}`)).body as Json;
    assert.equal(er['total'], 255.4);
    assert.equal((er['currency'] as Json)['id'], '2', 'Sam Lee works for the UK subsidiary');
    const badDate = await call('POST', '/record/v1/timeBill', { employee: { id: '5' }, customer: { id: '200' }, hours: 1, tranDate: '2026-02-30' });
    assert.equal(badDate.status, 400);
    assert.equal(errorOf(badDate).details[0]['o:errorPath'], 'tranDate');
  });

  it('keeps reference data read-only', async () => {
    const res = await call('POST', '/record/v1/subsidiary', { name: 'Rogue' });
    assert.equal(res.status, 400);
    assert.equal(errorOf(res).details[0]['o:errorCode'], 'USER_ERROR');
    const sub = (await call('GET', '/record/v1/subsidiary/3')).body as Json;
    assert.deepEqual([sub['name'], sub['externalId'], sub['country'], (sub['currency'] as Json)['refName']], ['Syncwright Consulting UK Ltd', 'UK01', 'GB', 'British Pound']);
  });

  it('serves the seeded reference ids the mappings rely on', async () => {
    const name = async (type: string, id: string, field: string): Promise<unknown> => ((await call('GET', `/record/v1/${type}/${id}`)).body as Json)[field];
    assert.equal(await name('subsidiary', '1', 'name'), 'Syncwright Group');
    assert.equal(await name('currency', '4', 'symbol'), 'EUR');
    assert.equal(await name('term', '4', 'name'), 'Due on receipt');
    assert.equal(await name('employee', '6', 'email'), 'sam.lee@syncwright.example');
    assert.equal(await name('serviceItem', '100', 'itemId'), 'Professional Services');
    assert.equal(await name('expenseCategory', '2', 'name'), 'Lodging');
  });

  it('matches record types case-insensitively and answers unknown ones and unknown paths in NetSuite’s shape', async () => {
    assert.equal((await call('GET', '/record/v1/SALESORDER?limit=1')).status, 200);
    const unknown = await call('GET', '/record/v1/opportunityx/1');
    assert.equal(unknown.status, 404);
    assert.equal(errorOf(unknown).details[0]['o:errorCode'], 'NONEXISTENT_ID');
    const path = await call('GET', '/nothing/here');
    assert.equal(path.status, 404);
    assert.ok(Array.isArray((path.body as Json)['o:errorDetails']));
    const bad = await fetch(`${ns.restUrl}/record/v1/customer`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"companyName":' });
    assert.equal(bad.status, 400);
    const badBody = (await bad.json()) as Json;
    assert.equal((badBody['o:errorDetails'] as Json[])[0]['o:errorCode'], 'INVALID_CONTENT');
    assert.doesNotMatch(JSON.stringify(badBody), /\n\s+at /);
  });

  describe('list', () => {
    beforeEach(async () => {
      for (let i = 0; i < 25; i++) {
        const res = await call('POST', '/record/v1/customer', { companyName: `Paged ${String(i).padStart(2, '0')}`, subsidiary: { id: i % 2 ? '2' : '3' }, isInactive: i % 5 === 0 });
        assert.equal(res.status, 204);
      }
    });

    it('pages with limit and offset and links to the next page', async () => {
      const first = (await call('GET', '/record/v1/customer?limit=10')).body as Json;
      assert.equal(first['totalResults'], 27, '2 seeded + 25');
      assert.equal(first['count'], 10);
      assert.equal(first['hasMore'], true);
      assert.equal(first['offset'], 0);
      const items = first['items'] as Json[];
      assert.deepEqual(items[0], { links: [{ rel: 'self', href: `${ns.restUrl}/record/v1/customer/200` }], id: '200' });
      const links = first['links'] as Array<{ rel: string; href: string }>;
      const next = links.find((l) => l.rel === 'next')?.href;
      assert.equal(next, `${ns.restUrl}/record/v1/customer?limit=10&offset=10`);
      const last = (await call('GET', '/record/v1/customer?limit=10&offset=20')).body as Json;
      assert.deepEqual([last['count'], last['hasMore']], [7, false]);
      assert.equal((last['links'] as Array<{ rel: string }>).some((l) => l.rel === 'next'), false);
    });

    it('filters with q', async () => {
      const q = encodeURIComponent('companyName START_WITH "Paged 1" AND isInactive IS false');
      const page = (await call('GET', `/record/v1/customer?q=${q}`)).body as Json;
      assert.equal(page['totalResults'], 8, 'Paged 10–19 less 10 and 15, which are inactive');
      const bySub = (await call('GET', `/record/v1/customer?q=${encodeURIComponent('subsidiary ANY_OF 3')}`)).body as Json;
      assert.equal(bySub['totalResults'], 14, '13 paged + Brightly');
      const bad = await call('GET', `/record/v1/customer?q=${encodeURIComponent('companyName GREATER 3')}`);
      assert.equal(bad.status, 400);
      assert.equal(errorOf(bad).details[0]['o:errorQueryParam'], 'q');
    });

    it('refuses page sizes over 1000', async () => {
      const res = await call('GET', '/record/v1/customer?limit=1001');
      assert.equal(res.status, 400);
      assert.deepEqual([errorOf(res).details[0]['o:errorCode'], errorOf(res).details[0]['o:errorQueryParam']], ['INVALID_PARAMETER', 'limit']);
    });
  });

  describe('metadata catalog', () => {
    it('lists the record types', async () => {
      const res = await call('GET', '/record/v1/metadata-catalog');
      assert.equal(res.status, 200);
      const names = ((res.body as Json)['items'] as Json[]).map((i) => i['name']);
      for (const t of ['customer', 'contact', 'job', 'projectTask', 'salesOrder', 'invoice', 'customerPayment', 'timeBill', 'expenseReport']) assert.ok(names.includes(t), t);
    });

    it('serves a record’s JSON Schema, with exactly the Syncwright custom fields of the contract', async () => {
      const res = await call('GET', '/record/v1/metadata-catalog/customer', undefined, { accept: 'application/schema+json' });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /application\/schema\+json/);
      const schema = res.body as Json;
      const props = schema['properties'] as Record<string, Json>;
      assert.deepEqual(Object.keys(props).filter((k) => props[k]['x-ns-custom-field'] === true).sort(), ['custentity_sw_domain', 'custentity_sw_salesforce_id', 'custentity_sw_service_line']);
      assert.equal(props['externalId']['type'], 'string');
      assert.equal(props['lastModifiedDate']['format'], 'date-time');
      assert.equal(props['subsidiary']['type'], 'object');
      assert.deepEqual(schema['required'], ['subsidiary']);
      const custom = async (type: string): Promise<string[]> => {
        const s = (await call('GET', `/record/v1/metadata-catalog/${type}`, undefined, { accept: 'application/schema+json' })).body as Json;
        const p = s['properties'] as Record<string, Json>;
        return Object.keys(p).filter((k) => p[k]['x-ns-custom-field'] === true).sort();
      };
      assert.deepEqual(await custom('contact'), ['custentity_sw_roles', 'custentity_sw_salesforce_id']);
      assert.deepEqual(await custom('job'), ['custentity_sw_psa_project_id', 'custentity_sw_salesforce_opp_id', 'custentity_sw_service_line']);
      assert.deepEqual(await custom('projectTask'), ['custevent_sw_billing_status', 'custevent_sw_milestone_amount']);
      for (const t of ['salesOrder', 'invoice', 'customerPayment']) assert.deepEqual(await custom(t), ['custbody_sw_correlation_id', 'custbody_sw_salesforce_opp_id'], t);
      assert.deepEqual(await custom('timeBill'), ['custcol_sw_psa_id']);
      assert.deepEqual(await custom('expenseReport'), ['custbody_sw_psa_id']);
    });

    it('describes sublists and the fields the validation refuses', async () => {
      const schema = (await call('GET', '/record/v1/metadata-catalog/expenseReport', undefined, { accept: 'application/schema+json' })).body as Json;
      const expense = (schema['properties'] as Record<string, Json>)['expense'];
      const line = (expense['properties'] as Record<string, Json>)['items']['items'] as Json;
      assert.deepEqual(line['required'], ['category', 'amount']);
    });
  });
});
