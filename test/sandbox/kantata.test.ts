// Contract tests of the Kantata OX sandbox on the wire: auth, the side-loaded envelope, paging, include,
// filters, writes and their validation errors, in the shapes vendor-apis.md and Kantata's docs give.
import assert from 'node:assert/strict';
import { ManualClock } from '../../sandbox/core/clock.js';
import { KANTATA_DEMO, startKantataSandbox, type KantataSandbox } from '../../sandbox/kantata/index.js';

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

type Env = { count: number; meta: Record<string, number>; results: Array<{ key: string; id: string }> } & Record<string, Record<string, Record<string, unknown>>>;

function client(sb: KantataSandbox) {
  return async (method: string, path: string, body?: unknown, opts: { token?: string | null; form?: string } = {}): Promise<Reply> => {
    const headers: Record<string, string> = {};
    const token = opts.token === undefined ? sb.demo.token : opts.token;
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    let payload: string | undefined;
    if (opts.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = opts.form;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(`${sb.demo.baseUrl}${path}`, { method, headers, body: payload });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
}

const env = (r: Reply): Env => r.body as unknown as Env;
const first = (r: Reply, key: string): Record<string, unknown> => {
  const e = env(r);
  const ref = e.results[0];
  assert.ok(ref, `no results in ${JSON.stringify(r.body)}`);
  return e[key][ref.id];
};
const errors = (r: Reply) => (r.body as { errors: Array<{ type: string; message: string; field?: string }> }).errors;

describe('Kantata sandbox: reads, writes and errors on the wire', () => {
  let sb: KantataSandbox;
  let call: ReturnType<typeof client>;
  const clock = new ManualClock(Date.parse('2026-01-05T09:00:00Z'));
  beforeEach(async () => {
    sb = await startKantataSandbox({ seedData: true, clock });
    call = client(sb);
  });
  afterEach(() => sb.close());

  it('refuses a missing, unknown or revoked bearer token with Kantata’s oauth error', async () => {
    const oauth = { errors: [{ type: 'oauth', message: 'Invalid OAuth 2 Request' }] };
    for (const token of [null, 'not-a-token']) {
      const r = await call('GET', '/workspaces.json', undefined, { token });
      assert.equal(r.status, 401);
      assert.deepEqual(r.body, oauth);
    }
    assert.equal((await call('GET', '/workspaces.json')).status, 200);
    sb.revokeToken(sb.demo.token);
    const revoked = await call('GET', '/workspaces.json');
    assert.equal(revoked.status, 401);
    assert.deepEqual(revoked.body, oauth);
    sb.issueToken('fresh-token');
    assert.equal((await call('GET', '/workspaces.json', undefined, { token: 'fresh-token' })).status, 200);
  });

  it('serves one workspace in the side-loaded envelope, with or without the .json suffix', async () => {
    for (const path of [`/workspaces/${KANTATA_DEMO.workspaceId}.json`, `/workspaces/${KANTATA_DEMO.workspaceId}`]) {
      const r = await call('GET', path);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /application\/json/);
      const e = env(r);
      assert.equal(e.count, 1);
      assert.deepEqual(e.meta, { count: 1, page_count: 1, page_number: 1, page_size: 20 });
      assert.deepEqual(e.results, [{ key: 'workspaces', id: KANTATA_DEMO.workspaceId }]);
      const ws = e['workspaces'][KANTATA_DEMO.workspaceId];
      assert.equal(ws['id'], KANTATA_DEMO.workspaceId);
      assert.equal(ws['title'], 'Acme Corp — Website Redesign');
      assert.equal(ws['price_in_cents'], 4_800_000);
      assert.equal(ws['price'], '48,000.00');
      assert.deepEqual(ws['status'], { color: 'green', key: 300, message: 'In Progress' });
      assert.equal(ws['created_at'], '2025-12-15T12:00:00+00:00');
    }
  });

  it('answers unknown records and routes with 404 in Kantata’s error shape', async () => {
    for (const path of ['/workspaces/999999.json', '/stories/abc.json', '/no_such_things.json']) {
      const r = await call('GET', path);
      assert.equal(r.status, 404, path);
      assert.equal(errors(r).length, 1);
      assert.equal(errors(r)[0].type, 'system');
      assert.equal(typeof errors(r)[0].message, 'string');
    }
    assert.equal((await call('DELETE', `/workspaces/${KANTATA_DEMO.workspaceId}.json`)).status, 404, 'workspaces cannot be deleted through the API');
    assert.equal((await call('POST', '/invoices.json', { invoice: {} })).status, 404, 'invoices are read-only here');
  });

  it('pages through a collection with page and per_page; results carry the order; per_page is capped at 200', async () => {
    const titles = Array.from({ length: 45 }, (_, i) => ({ workspace_id: KANTATA_DEMO.workspaceId, title: `Task ${String(i).padStart(2, '0')}` }));
    assert.equal((await call('POST', '/stories.json', { stories: titles })).status, 200);
    const seen: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const r = await call('GET', `/stories.json?workspace_id=${KANTATA_DEMO.workspaceId}&per_page=20&page=${page}&order=title:asc`);
      const e = env(r);
      assert.equal(e.count, 49);
      assert.deepEqual(e.meta, { count: 49, page_count: 3, page_number: page, page_size: 20 });
      assert.equal(e.results.length, page < 3 ? 20 : 9);
      for (const ref of e.results) {
        assert.equal(ref.key, 'stories');
        assert.ok(e['stories'][ref.id], 'every result is in the collection map');
        seen.push(String(e['stories'][ref.id]['title']));
      }
    }
    assert.equal(new Set(seen).size, 49, 'no record twice, none missing');
    assert.deepEqual(seen, [...seen].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)), 'results follow order=title:asc');
    const desc = env(await call('GET', `/stories.json?workspace_id=${KANTATA_DEMO.workspaceId}&order=created_at:desc&per_page=500`));
    assert.equal(desc.meta['page_size'], 200);
    assert.equal(desc.results.length, 49);
    assert.equal((await call('GET', '/stories.json?order=nonsense:asc')).status, 400);
    assert.equal((await call('GET', '/stories.json?page=0')).status, 400);
  });

  it('side-loads related records with include and refuses an unknown include', async () => {
    const r = await call('GET', `/stories.json?workspace_id=${KANTATA_DEMO.workspaceId}&include=workspace,parent,sub_stories`);
    const e = env(r);
    assert.deepEqual(Object.keys(e['workspaces']), [KANTATA_DEMO.workspaceId]);
    const discovery = e['stories'][KANTATA_DEMO.stories.discovery];
    assert.deepEqual(discovery['sub_story_ids'], [KANTATA_DEMO.stories.interviews]);
    assert.equal(e['stories'][KANTATA_DEMO.stories.interviews]['parent_id'], KANTATA_DEMO.stories.discovery);
    const plain = env(await call('GET', `/stories.json?workspace_id=${KANTATA_DEMO.workspaceId}`));
    assert.equal(plain['workspaces'], undefined, 'nothing is side-loaded unless asked');
    assert.equal(plain['stories'][KANTATA_DEMO.stories.discovery]['sub_story_ids'], undefined);
    const ws = env(await call('GET', `/workspaces/${KANTATA_DEMO.workspaceId}.json?include=participants,creator`));
    assert.deepEqual(ws['workspaces'][KANTATA_DEMO.workspaceId]['participant_ids'], ['1001', '1002']);
    assert.deepEqual(Object.keys(ws['users']).sort(), ['1001', '1002']);
    const bad = await call('GET', '/stories.json?include=nonsense');
    assert.equal(bad.status, 400);
    assert.match(errors(bad)[0].message, /nonsense/);
  });

  it('filters stories by workspace, type, parent and state, and searches titles', async () => {
    const ids = async (q: string) => env(await call('GET', `/stories.json?${q}`)).results.map((x) => x.id);
    assert.deepEqual(await ids('story_type=milestone'), [KANTATA_DEMO.stories.discovery, KANTATA_DEMO.stories.launch]);
    assert.deepEqual(await ids(`parent_id=${KANTATA_DEMO.stories.discovery}`), [KANTATA_DEMO.stories.interviews]);
    assert.deepEqual(await ids('parents_only=true&state=completed'), [KANTATA_DEMO.stories.discovery]);
    assert.deepEqual(await ids('search=design'), [KANTATA_DEMO.stories.designSystem]);
    assert.deepEqual(await ids('workspace_id=999'), []);
    assert.deepEqual(await ids(`only=${KANTATA_DEMO.stories.launch},${KANTATA_DEMO.stories.discovery}`), [KANTATA_DEMO.stories.discovery, KANTATA_DEMO.stories.launch]);
  });

  it('keeps created_at/updated_at from the injectable clock and filters with updated_after', async () => {
    const a = first(await call('POST', '/workspaces.json', { workspace: { title: 'A', creator_role: 'maven' } }), 'workspaces');
    assert.equal(a['created_at'], '2026-01-05T09:00:00+00:00');
    clock.advance(60_000);
    const b = first(await call('POST', '/workspaces.json', { workspace: { title: 'B', creator_role: 'maven' } }), 'workspaces');
    clock.advance(60_000);
    const updated = first(await call('PUT', `/workspaces/${String(a['id'])}.json`, { workspace: { description: 'changed' } }), 'workspaces');
    assert.equal(updated['created_at'], '2026-01-05T09:00:00+00:00');
    assert.equal(updated['updated_at'], '2026-01-05T09:02:00+00:00');
    const since = (await call('GET', `/workspaces.json?updated_after=${encodeURIComponent('2026-01-05T09:01:30Z')}`)).body as unknown as Env;
    assert.deepEqual(since.results.map((x) => x.id), [a['id']]);
    const created = env(await call('GET', `/workspaces.json?created_after=2026-01-05T09:00:30Z`));
    assert.deepEqual(created.results.map((x) => x.id), [b['id']]);
    assert.equal((await call('GET', '/workspaces.json?updated_after=yesterday')).status, 400);
  });

  it('creates a workspace and answers a missing title or bad creator_role with 422 naming the field', async () => {
    const r = await call('POST', '/workspaces.json', {
      workspace: { title: 'Globex — ERP rollout', creator_role: 'maven', budgeted: true, price: '25000.50', currency: 'EUR', start_date: '2026-02-01', due_date: '2026-06-30', description: 'Phase 1' },
    });
    assert.equal(r.status, 200);
    const ws = first(r, 'workspaces');
    assert.match(String(ws['id']), /^\d+$/);
    assert.equal(ws['price_in_cents'], 2_500_050);
    assert.equal(ws['currency'], 'EUR');
    assert.equal(ws['currency_symbol'], '€');
    assert.equal(ws['primary_maven_id'], '1001');
    assert.equal(ws['archived'], false);

    const noTitle = await call('POST', '/workspaces.json', { workspace: { creator_role: 'maven' } });
    assert.equal(noTitle.status, 422);
    assert.deepEqual(errors(noTitle), [{ type: 'validation', message: "Title can't be blank", field: 'title' }]);
    const badRole = await call('POST', '/workspaces.json', { workspace: { title: 'X', creator_role: 'owner' } });
    assert.equal(badRole.status, 422);
    assert.equal(errors(badRole)[0].field, 'creator_role');
    const badDates = await call('POST', '/workspaces.json', { workspace: { title: 'X', creator_role: 'maven', start_date: '2026-05-01', due_date: '2026-04-01' } });
    assert.equal(errors(badDates)[0].field, 'due_date');
    const missing = await call('POST', '/workspaces.json', { title: 'not wrapped' });
    assert.equal(missing.status, 400);
    assert.equal(sb.records('workspaces').length, 2, 'only the valid workspace was created');
  });

  it('updates a workspace with PUT; an archived workspace leaves default reads until include_archived=true', async () => {
    const id = KANTATA_DEMO.workspaceId;
    const r = await call('PUT', `/workspaces/${id}.json`, { workspace: { title: 'Acme — Website v2', status_key: 400, archived: true } });
    assert.equal(r.status, 200);
    assert.equal(first(r, 'workspaces')['title'], 'Acme — Website v2');
    assert.deepEqual(first(r, 'workspaces')['status'], { color: 'yellow', key: 400, message: 'On Hold' });
    assert.equal((await call('GET', `/workspaces/${id}.json`)).status, 404);
    assert.equal(env(await call('GET', '/workspaces.json')).count, 0);
    assert.equal(env(await call('GET', '/workspaces.json?include_archived=true')).count, 1);
    assert.equal((await call('GET', `/workspaces/${id}.json?include_archived=true`)).status, 200);
    const blank = await call('PUT', `/workspaces/${id}.json`, { workspace: { title: '' } });
    assert.equal(blank.status, 422);
    assert.equal(errors(blank)[0].field, 'title');
    assert.equal((await call('PUT', '/workspaces/999999.json', { workspace: { title: 'x' } })).status, 404);
  });

  it('creates stories one at a time or in bulk (at most 300), all or nothing', async () => {
    const ws = KANTATA_DEMO.workspaceId;
    const single = await call('POST', '/stories.json', { story: { workspace_id: ws, title: 'Kick-off', story_type: 'milestone', weight: 10, due_date: '2026-02-01' } });
    assert.equal(single.status, 200);
    const ms = first(single, 'stories');
    assert.equal(ms['story_type'], 'milestone');
    assert.equal(ms['state'], 'not started');
    assert.equal(ms['position'], 5);
    const bulk = await call('POST', '/stories.json', { stories: [{ workspace_id: ws, title: 'A', parent_id: ms['id'] }, { workspace_id: Number(ws), title: 'B', story_type: 'deliverable' }] });
    assert.deepEqual(env(bulk).results.map((x) => x.key), ['stories', 'stories']);
    const before = sb.records('stories').length;
    const mixed = await call('POST', '/stories.json', { stories: [{ workspace_id: ws, title: 'ok' }, { workspace_id: ws }] });
    assert.equal(mixed.status, 422);
    assert.deepEqual(errors(mixed), [{ type: 'validation', message: "Title can't be blank (item 2)", field: 'title' }]);
    const tooMany = await call('POST', '/stories.json', { stories: Array.from({ length: 301 }, (_, i) => ({ workspace_id: ws, title: `t${i}` })) });
    assert.equal(tooMany.status, 422);
    assert.equal(sb.records('stories').length, before, 'a refused bulk request creates nothing');
  });

  it('checks story rules on write: top-level milestone weight, same-workspace parent; deletes with 204', async () => {
    const ws = KANTATA_DEMO.workspaceId;
    const weighted = await call('POST', '/stories.json', { story: { workspace_id: ws, title: 'T', story_type: 'task', weight: 5 } });
    assert.equal(weighted.status, 422);
    assert.equal(errors(weighted)[0].field, 'weight');
    const other = first(await call('POST', '/workspaces.json', { workspace: { title: 'Other', creator_role: 'maven' } }), 'workspaces');
    const crossParent = await call('POST', '/stories.json', { story: { workspace_id: other['id'], title: 'T', parent_id: KANTATA_DEMO.stories.launch } });
    assert.equal(errors(crossParent)[0].field, 'parent_id');
    const badType = await call('POST', '/stories.json', { story: { workspace_id: ws, title: 'T', story_type: 'epic' } });
    assert.equal(errors(badType)[0].field, 'story_type');
    const task = first(await call('POST', '/stories.json', { story: { workspace_id: ws, title: 'Temp' } }), 'stories');
    const updated = await call('PUT', `/stories/${String(task['id'])}.json`, { story: { state: 'completed', title: 'Temp done' } });
    assert.equal(first(updated, 'stories')['percentage_complete'], 100);
    const del = await call('DELETE', `/stories/${String(task['id'])}.json`);
    assert.equal(del.status, 204);
    assert.equal((await call('GET', `/stories/${String(task['id'])}.json`)).status, 404);
    const logged = await call('DELETE', `/stories/${KANTATA_DEMO.stories.designSystem}.json`);
    assert.equal(logged.status, 422, 'a story with time logged cannot be deleted');
  });

  it('records time entries with Kantata’s validations and keeps approved time locked', async () => {
    const ws = KANTATA_DEMO.workspaceId;
    const ok = await call('POST', '/time_entries.json', { time_entries: [{ workspace_id: ws, date_performed: '2026-01-05', time_in_minutes: 90, story_id: KANTATA_DEMO.stories.designSystem, notes: 'Wireframes', rate_in_cents: 17_500 }] });
    assert.equal(ok.status, 200);
    const te = first(ok, 'time_entries');
    assert.equal(te['user_id'], '1001');
    assert.equal(te['approved'], false);
    assert.equal(te['billable'], true);
    assert.equal(te['time_in_minutes'], 90);

    const negative = await call('POST', '/time_entries.json', { time_entry: { workspace_id: ws, date_performed: '2026-01-05', time_in_minutes: -30 } });
    assert.equal(negative.status, 422);
    assert.deepEqual(errors(negative), [{ type: 'validation', message: 'Time in minutes must be greater than or equal to 0', field: 'time_in_minutes' }]);
    const noWorkspace = await call('POST', '/time_entries.json', { time_entry: { workspace_id: 424242, date_performed: '2026-01-05', time_in_minutes: 30 } });
    assert.deepEqual(errors(noWorkspace).map((e) => e.field), ['workspace_id']);
    const missing = await call('POST', '/time_entries.json', { time_entry: { workspace_id: ws } });
    assert.deepEqual(errors(missing).map((e) => e.field).sort(), ['date_performed', 'time_in_minutes']);

    const approvedId = KANTATA_DEMO.timeEntryIds[2];
    const locked = await call('PUT', `/time_entries/${approvedId}.json`, { time_entry: { time_in_minutes: 1 } });
    assert.equal(locked.status, 422);
    assert.match(errors(locked)[0].message, /approved/);
    assert.equal((await call('DELETE', `/time_entries/${approvedId}.json`)).status, 422);
    assert.equal((await call('PUT', `/time_entries/${String(te['id'])}.json`, { time_entry: { time_in_minutes: 120 } })).status, 200);
    assert.equal((await call('DELETE', `/time_entries/${String(te['id'])}.json`)).status, 204);

    const approved = env(await call('GET', `/time_entries.json?workspace_id=${ws}&approved=true`));
    assert.deepEqual(approved.results.map((x) => x.id), KANTATA_DEMO.timeEntryIds.slice(0, 3));
    const inDec = env(await call('GET', '/time_entries.json?date_performed_between=2025-12-02:2025-12-08&include=user,story'));
    assert.deepEqual(inDec.results.map((x) => x.id), [KANTATA_DEMO.timeEntryIds[1], KANTATA_DEMO.timeEntryIds[2]]);
    assert.deepEqual(Object.keys(inDec['users']).sort(), ['1001', '1002']);
  });

  it('records expenses: create takes billable, reads show is_billable; required fields get 422', async () => {
    const r = await call('POST', '/expenses.json', { expense: { workspace_id: KANTATA_DEMO.workspaceId, date: '2026-01-04', category: 'Mileage', amount_in_cents: 4_210, billable: false, notes: 'Client site' } });
    assert.equal(r.status, 200);
    const ex = first(r, 'expenses');
    assert.equal(ex['is_billable'], false);
    assert.equal(ex['currency'], 'USD');
    assert.equal(ex['amount_in_cents'], 4_210);
    const bad = await call('POST', '/expenses.json', { expense: { workspace_id: KANTATA_DEMO.workspaceId, date: '2026-01-04', amount_in_cents: -1 } });
    assert.equal(bad.status, 422);
    assert.deepEqual(errors(bad).map((e) => e.field).sort(), ['amount_in_cents', 'category']);
    const list = env(await call('GET', `/expenses.json?workspace_id=${KANTATA_DEMO.workspaceId}&order=date:asc`));
    assert.equal(list.count, 3);
  });

  it('names an expense category by name or by expense_category_id, and refuses an unknown or contradicting id', async () => {
    const base = { workspace_id: KANTATA_DEMO.workspaceId, date: '2026-01-05', amount_in_cents: 1_000 };
    const byName = first(await call('POST', '/expenses.json', { expense: { ...base, category: 'Travel' } }), 'expenses');
    assert.equal(byName['expense_category_id'], '3005');
    const byId = first(await call('POST', '/expenses.json', { expense: { ...base, expense_category_id: 3003 } }), 'expenses');
    assert.equal(byId['category'], 'Lodging');
    const both = first(await call('POST', '/expenses.json', { expense: { ...base, category: 'Food', expense_category_id: '3002' } }), 'expenses');
    assert.equal(both['expense_category_id'], '3002');
    const custom = first(await call('POST', '/expenses.json', { expense: { ...base, category: 'Client gifts' } }), 'expenses');
    assert.equal(custom['expense_category_id'], null);
    const unknown = await call('POST', '/expenses.json', { expense: { ...base, expense_category_id: 9 } });
    assert.equal(unknown.status, 422);
    assert.equal(errors(unknown)[0].field, 'expense_category_id');
    const contradicting = await call('POST', '/expenses.json', { expense: { ...base, category: 'Travel', expense_category_id: 3002 } });
    assert.equal(contradicting.status, 422);
    assert.match(errors(contradicting)[0].message, /Food, not Travel/);
  });

  it('serves seeded invoices with their line items and balance, and reflects payments', async () => {
    const id = KANTATA_DEMO.invoiceId;
    const r = await call('GET', `/invoices/${id}.json?include=time_entries,expenses,additional_items,fixed_fee_items,workspaces`);
    const e = env(r);
    const inv = e['invoices'][id];
    assert.equal(inv['status'], 'new');
    assert.equal(inv['draft'], false);
    assert.deepEqual(inv['workspace_ids'], [KANTATA_DEMO.workspaceId]);
    assert.deepEqual(inv['time_entry_ids'], KANTATA_DEMO.timeEntryIds.slice(0, 2));
    assert.deepEqual(inv['expense_ids'], [KANTATA_DEMO.expenseIds[0]]);
    assert.equal(Object.keys(e['time_entries']).length, 2);
    assert.equal(Object.keys(e['additional_items']).length, 1);
    assert.equal(Object.keys(e['fixed_fee_items']).length, 1);
    // 4 h at $175 + 3 h at $150 + $425 travel + $500 setup + $12,000 milestone
    assert.equal(inv['balance_in_cents'], 70_000 + 45_000 + 42_500 + 50_000 + 1_200_000);
    assert.equal(e['time_entries'][KANTATA_DEMO.timeEntryIds[0]]['is_invoiced'], true);
    sb.payInvoice(id);
    const paid = first(await call('GET', `/invoices/${id}.json`), 'invoices');
    assert.equal(paid['status'], 'paid');
    assert.equal(paid['balance_in_cents'], 0);
    assert.deepEqual(env(await call('GET', `/invoices.json?workspace_id=${KANTATA_DEMO.workspaceId}&status=paid`)).results.map((x) => x.id), [id]);
  });

  it('serves the seeded users, /users/me and roles', async () => {
    const me = first(await call('GET', '/users/me.json'), 'users');
    assert.deepEqual([me['id'], me['full_name'], me['email_address']], ['1001', 'Jane Doe', 'jane.doe@syncwright.example']);
    const users = env(await call('GET', '/users.json'));
    assert.deepEqual(users.results.map((x) => [x.id, users['users'][x.id]['full_name'], users['users'][x.id]['email_address']]), [
      ['1001', 'Jane Doe', 'jane.doe@syncwright.example'],
      ['1002', 'Sam Lee', 'sam.lee@syncwright.example'],
    ]);
    assert.deepEqual(env(await call('GET', '/users.json?search=sam')).results.map((x) => x.id), ['1002']);
    assert.equal(env(await call('GET', '/roles.json')).count, 4);
  });

  it('accepts Rails-structured form bodies as the real API does', async () => {
    const form = new URLSearchParams([
      ['workspace[title]', 'Form-made project'],
      ['workspace[creator_role]', 'buyer'],
      ['workspace[budgeted]', 'true'],
      ['workspace[price_in_cents]', '150000'],
    ]).toString();
    const ws = first(await call('POST', '/workspaces.json', undefined, { form }), 'workspaces');
    assert.equal(ws['title'], 'Form-made project');
    assert.equal(ws['budgeted'], true);
    assert.equal(ws['price_in_cents'], 150_000);
    assert.equal(ws['primary_counterpart_id'], '1001');
    const stories = new URLSearchParams([
      ['stories[][workspace_id]', String(ws['id'])],
      ['stories[][title]', 'One'],
      ['stories[][workspace_id]', String(ws['id'])],
      ['stories[][title]', 'Two'],
    ]).toString();
    const r = await call('POST', '/stories.json', undefined, { form: stories });
    const e = env(r);
    assert.deepEqual(e.results.map((x) => e['stories'][x.id]['title']), ['One', 'Two']);
  });

  it('answers a malformed JSON body with 400 in Kantata’s shape, never a stack trace', async () => {
    const r = await call('POST', '/workspaces.json', '{"workspace":');
    assert.equal(r.status, 400);
    assert.equal(errors(r)[0].type, 'system');
    assert.doesNotMatch(JSON.stringify(r.body), /at .*\.js|SyntaxError/);
    const notObject = await call('POST', '/workspaces.json', '[1,2]');
    assert.equal(notObject.status, 400);
  });

  it('creates resource requests for a role, creating the unnamed workspace resource with them', async () => {
    const r = await call('POST', '/resource_requests.json?include=resource', {
      resource_request: {
        approver_ids: ['1002'],
        resource_workspace_id: KANTATA_DEMO.workspaceId,
        resource_role_id: KANTATA_DEMO.roles.solutionArchitect,
        workspace_allocation_start_date: '2026-02-02',
        workspace_allocation_end_date: '2026-03-27',
        workspace_allocation_percentage: 50,
      },
    });
    assert.equal(r.status, 200);
    const e = env(r);
    const req = e['resource_requests'][e.results[0].id];
    assert.equal(req['status'], 'pending');
    assert.deepEqual(req['approver_ids'], ['1002']);
    assert.equal(req['creator_id'], '1001');
    const resource = e['workspace_resources'][String(req['resource_id'])];
    assert.equal(resource['role_name'], 'Solution Architect');
    assert.equal(resource['user_id'], null);
    assert.equal(resource['workspace_id'], Number(KANTATA_DEMO.workspaceId));
    const noApprover = await call('POST', '/resource_requests.json', { resource_request: { resource_id: req['resource_id'] } });
    assert.equal(noApprover.status, 422);
    assert.equal(errors(noApprover)[0].field, 'approver_ids');
    const noResource = await call('POST', '/resource_requests.json', { resource_request: { approver_ids: ['1002'] } });
    assert.equal(errors(noResource)[0].field, 'resource_id');
    const approved = await call('PUT', `/resource_requests/${e.results[0].id}.json`, { resource_request: { status: 'approved' } });
    assert.equal(first(approved, 'resource_requests')['status'], 'approved');
    assert.deepEqual(env(await call('GET', '/resource_requests.json?pending_requests_only=true')).results, []);
    const resources = env(await call('GET', `/workspace_resources.json?workspace_id=${KANTATA_DEMO.workspaceId}&include=role`));
    assert.equal(resources.count, 1);
    assert.ok(resources['roles'][KANTATA_DEMO.roles.solutionArchitect]);
  });
});
