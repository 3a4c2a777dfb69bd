// The Kantata client against the in-process Kantata sandbox: every operation, side-loaded paging, the error
// classes, and the upsert that survives a lost create response where the three-step pattern duplicates.
import assert from 'node:assert/strict';
import { KantataClient, SYNCWRIGHT_SERVICE, type KantataRecord } from '../../nodes/kantata/client/index.js';
import { systemClock } from '../../runtime-plugins/engine/clock.js';
import { TargetLimiter } from '../../runtime-plugins/engine/limiter.js';
import { isSyncError, type SyncError } from '../../runtime-plugins/sync-error.js';
import { KANTATA_DEMO, startKantataSandbox, type KantataSandbox } from '../../sandbox/kantata/index.js';

async function failure(p: Promise<unknown>): Promise<SyncError> {
  try {
    await p;
  } catch (err) {
    assert.ok(isSyncError(err), `expected a SyncError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

describe('Kantata client (against the Kantata sandbox)', () => {
  let sb: KantataSandbox;
  let client: KantataClient;
  const ws = KANTATA_DEMO.workspaceId;
  beforeEach(async () => {
    sb = await startKantataSandbox({ seedData: true });
    client = new KantataClient({ baseUrl: sb.demo.baseUrl, token: sb.demo.token });
  });
  afterEach(() => sb.close());

  describe('operations', () => {
    it('reads the token user and tests the connection', async () => {
      const me = await client.testConnection();
      assert.equal(me.id, KANTATA_DEMO.users.jane.id);
      assert.equal(me['email_address'], KANTATA_DEMO.users.jane.email_address);
      assert.equal((await client.getUser(KANTATA_DEMO.users.sam.id))['full_name'], 'Sam Lee');
      assert.equal((await client.findUserByEmail('sam.lee@syncwright.example'))?.id, KANTATA_DEMO.users.sam.id);
      assert.equal(await client.findUserByEmail('nobody@syncwright.example'), undefined);
    });

    it('gets, lists, creates and updates workspaces, resolving included records into them', async () => {
      const got = await client.getWorkspace(ws, { include: ['creator', 'participants'] });
      assert.equal(got['title'], 'Acme Corp — Website Redesign');
      assert.equal((got['creator'] as KantataRecord)['full_name'], 'Jane Doe');
      assert.deepEqual((got['participants'] as KantataRecord[]).map((u) => u['full_name']), ['Jane Doe', 'Sam Lee']);
      const created = await client.createWorkspace({ title: 'Globex — ERP rollout', price: 120000, budgeted: true, currency: 'USD', status_key: 100 });
      assert.equal(created['price_in_cents'], 12_000_000, 'a budget written as price in whole units is held in cents');
      const updated = await client.updateWorkspace(created.id, { status_key: 300, description: 'Phase 1' });
      assert.deepEqual(updated['status'], { color: 'green', key: 300, message: 'In Progress' });
      const all = await client.listWorkspaces();
      assert.deepEqual(all.map((w) => w.id), [ws, created.id]);
      assert.equal(sb.records('workspaces').find((w) => w.id === created.id)?.['description'], 'Phase 1');
    });

    it('creates, updates, lists by workspace and deletes stories (tasks, deliverables, milestones)', async () => {
      const milestone = await client.createStory({ workspace_id: Number(ws), title: 'Go-live', story_type: 'milestone', due_date: '2026-04-30' });
      const task = await client.createStory({ workspace_id: Number(ws), title: 'Cut-over rehearsal', story_type: 'task', parent_id: Number(milestone.id) });
      await client.createStory({ workspace_id: Number(ws), title: 'Runbook', story_type: 'deliverable' });
      const renamed = await client.updateStory(task.id, { title: 'Cut-over dress rehearsal', state: 'started' });
      assert.equal(renamed['state'], 'started');
      const stories = await client.listStories(ws, {}, { include: ['parent'] });
      assert.equal(stories.length, 7);
      const listed = stories.find((s) => s.id === task.id);
      assert.equal((listed?.['parent'] as KantataRecord)['title'], 'Go-live');
      const milestones = await client.listStories(ws, { story_type: 'milestone' });
      assert.deepEqual(milestones.map((s) => s['title']), ['Discovery complete', 'Launch', 'Go-live']);
      await client.deleteStory(milestone.id);
      assert.equal(sb.records('stories').some((s) => s.id === milestone.id || s.id === task.id), false, 'the milestone and its task are gone');
    });

    it('creates, updates, lists and deletes time entries', async () => {
      const entry = await client.createTimeEntry({ workspace_id: Number(ws), story_id: Number(KANTATA_DEMO.stories.designSystem), date_performed: '2026-01-12', time_in_minutes: 90, notes: 'Tokens' });
      assert.equal(entry['user_id'], KANTATA_DEMO.users.jane.id);
      await client.updateTimeEntry(entry.id, { time_in_minutes: 120 });
      const mine = await client.listTimeEntries({ workspace_id: ws, date_performed_between: '2026-01-01:2026-01-31' }, { include: ['story'] });
      assert.deepEqual(mine.map((t) => [t.id, t['time_in_minutes']]), [[entry.id, 120]]);
      assert.equal((mine[0]?.['story'] as KantataRecord)['title'], 'Design system');
      await client.deleteTimeEntry(entry.id);
      assert.equal(sb.records('time_entries').some((t) => t.id === entry.id), false);
    });

    it('creates and lists expenses', async () => {
      const expense = await client.createExpense({ workspace_id: Number(ws), date: '2026-01-14', category: 'Mileage', amount_in_cents: 4_210, billable: false });
      assert.equal(expense['is_billable'], false);
      assert.equal(expense['expense_category_id'], '3004');
      const listed = await client.listExpenses({ workspace_id: ws });
      assert.deepEqual(listed.map((e) => e['category']), ['Travel', 'Lodging', 'Mileage']);
    });

    it('reads invoices with their line items side-loaded', async () => {
      const inv = await client.getInvoice(KANTATA_DEMO.invoiceId, { include: ['time_entries', 'expenses'] });
      assert.equal(inv['status'], 'new');
      assert.deepEqual((inv['time_entries'] as KantataRecord[]).map((t) => t.id), KANTATA_DEMO.timeEntryIds.slice(0, 2));
      assert.deepEqual((inv['expenses'] as KantataRecord[]).map((e) => e.id), [KANTATA_DEMO.expenseIds[0]]);
      assert.deepEqual((await client.listInvoices({ workspace_id: ws })).map((i) => i.id), [KANTATA_DEMO.invoiceId]);
      const update = await failure(client.update('invoice', KANTATA_DEMO.invoiceId, { title: 'x' }));
      assert.equal(update.syncwright.code, 'UNSUPPORTED_OPERATION');
    });

    it('creates, approves, reads and lists resource requests', async () => {
      const request = await client.createResourceRequest({ approver_ids: [Number(KANTATA_DEMO.users.jane.id)], resource_workspace_id: Number(ws), resource_role_id: Number(KANTATA_DEMO.roles.developer), workspace_allocation_percentage: 50 });
      assert.equal(request['status'], 'pending');
      await client.updateResourceRequest(request.id, { status: 'approved' });
      const read = await client.getResourceRequest(request.id);
      assert.equal(read['status'], 'approved');
      assert.deepEqual((await client.listResourceRequests()).map((r) => r.id), [request.id]);
      assert.equal(sb.records('workspace_resources').filter((r) => String(r['workspace_id']) === ws && r['role_id'] === KANTATA_DEMO.roles.developer).length, 1);
      const upsert = await failure(client.upsert('resource_request', { businessKey: 'rr:1', fields: {} }));
      assert.equal(upsert.syncwright.code, 'UNSUPPORTED_OPERATION');
    });

    it('looks up and writes external references', async () => {
      const sfRef = await client.findReferences({ subjectType: 'Workspace', serviceName: 'salesforce', serviceModelRef: KANTATA_DEMO.salesforceOpportunityId });
      assert.deepEqual(sfRef.map((r) => r['subject_id']), [ws]);
      const written = await client.createOrUpdateReference({ subject_type: 'Workspace', subject_id: ws, service_name: 'netsuite', service_model: 'job', service_model_ref: '4711' });
      assert.equal(written['status'], 'pending', 'Kantata’s default status when none is given');
      const again = await client.createOrUpdateReference({ subject_type: 'Workspace', subject_id: ws, service_name: 'netsuite', service_model: 'job', service_model_ref: '4711', external_status: 'In Progress' });
      assert.equal(again.id, written.id, 'create_or_update keeps one reference per key');
      assert.equal((await client.findReferences({ subjectType: 'Workspace', subjectId: ws })).length, 2);
    });

    it('refuses an id that is not a Kantata id before sending anything, naming the field', async () => {
      const before = sb.server.getJournal().length;
      const err = await failure(client.getWorkspace('40001/../../users/me'));
      assert.equal(err.syncwright.class, 'data');
      assert.deepEqual(err.syncwright.fields, ['id']);
      assert.equal(sb.server.getJournal().length, before);
    });
  });

  describe('side-loaded paging', () => {
    it('follows every page in order with includes resolved on each page', async () => {
      const created: string[] = [];
      for (let i = 1; i <= 8; i++) created.push((await client.createStory({ workspace_id: Number(ws), title: `Sprint ${i}`, parent_id: Number(KANTATA_DEMO.stories.launch) })).id);
      const mark = sb.server.getJournal().length;
      const paged = new KantataClient({ baseUrl: sb.demo.baseUrl, token: sb.demo.token, perPage: 3 });
      const stories = await paged.listStories(ws, { parent_id: KANTATA_DEMO.stories.launch }, { include: ['workspace', 'parent'] });
      assert.deepEqual(stories.map((s) => s.id), created);
      for (const s of stories) {
        assert.equal((s['workspace'] as KantataRecord).id, ws);
        assert.equal((s['parent'] as KantataRecord)['title'], 'Launch');
      }
      const reads = sb.server.getJournal().slice(mark).filter((e) => e.method === 'GET' && /stories/.test(e.path));
      assert.equal(reads.length, 3, '8 stories at 3 a page are 3 pages');
      assert.deepEqual(reads.map((e) => new URLSearchParams(e.query).get('page')), ['1', '2', '3']);
      const firstFive = await paged.listStories(ws, { parent_id: KANTATA_DEMO.stories.launch }, { maxRecords: 5 });
      assert.deepEqual(firstFive.map((s) => s.id), created.slice(0, 5));
    });

    it('never asks for more than 200 records a page', async () => {
      const wide = new KantataClient({ baseUrl: sb.demo.baseUrl, token: sb.demo.token, perPage: 5000 });
      await wide.listWorkspaces();
      const last = sb.server.getJournal().filter((e) => /workspaces/.test(e.path)).at(-1);
      assert.equal(new URLSearchParams(last?.query ?? '').get('per_page'), '200');
    });
  });

  describe('errors', () => {
    it('turns 401 into an auth error that says the token was refused, without the token', async () => {
      const bad = new KantataClient({ baseUrl: sb.demo.baseUrl, token: 'not-a-real-token-7f3a' });
      const mark = sb.server.getJournal().length;
      const err = await failure(bad.listWorkspaces());
      assert.equal(err.syncwright.class, 'auth');
      assert.equal(err.syncwright.status, 401);
      assert.equal(err.syncwright.code, 'OAUTH');
      assert.equal(err.syncwright.retryable, false);
      assert.match(err.message, /refused the bearer token/);
      assert.match(err.message, /Invalid OAuth 2 Request/);
      assert.doesNotMatch(JSON.stringify({ message: err.message, ...err.syncwright }), /not-a-real-token/);
      assert.equal(sb.server.getJournal().length - mark, 1, 'a static token is not retried');
    });

    it('turns 422 into a data error naming every field Kantata named', async () => {
      const err = await failure(client.createStory({ workspace_id: Number(ws), story_type: 'epic' }));
      assert.equal(err.syncwright.class, 'data');
      assert.equal(err.syncwright.code, 'VALIDATION');
      assert.deepEqual([...(err.syncwright.fields ?? [])].sort(), ['story_type', 'title']);
      assert.match(err.message, /title: Title can't be blank/);
    });

    it('turns 404 into a data error', async () => {
      const err = await failure(client.getWorkspace('999999'));
      assert.equal(err.syncwright.class, 'data');
      assert.equal(err.syncwright.code, 'NOT_FOUND');
      assert.equal(err.syncwright.status, 404);
    });

    it('turns 429 into a rate-limit error and pauses the connection limiter with backoff', async () => {
      const limiter = new TargetLimiter('connection:kantata-test', { backoffInitialMs: 60_000, backoffJitter: 0 }, systemClock);
      try {
        const limited = new KantataClient({ baseUrl: sb.demo.baseUrl, token: sb.demo.token, limiter, maxPauseWaitMs: 0 });
        sb.server.addFault({ kind: 'status', status: 429, count: 1 });
        const err = await failure(limited.listWorkspaces());
        assert.equal(err.syncwright.class, 'rate-limit');
        assert.equal(err.syncwright.retryable, true);
        assert.equal(err.syncwright.retryAfterMs, undefined, 'Kantata sends no Retry-After');
        const state = limiter.state();
        assert.equal(state.paused, true);
        assert.equal(state.reason, 'throttled');
        assert.ok((state.pausedUntil ?? 0) - Date.now() > 50_000, 'paused for the initial backoff');
        const mark = sb.server.getJournal().length;
        const paused = await failure(limited.listWorkspaces());
        assert.equal(paused.syncwright.class, 'rate-limit');
        assert.equal(paused.syncwright.code, 'TARGET_PAUSED');
        assert.equal(sb.server.getJournal().length, mark, 'nothing is sent while the target is paused');
      } finally {
        await limiter.close();
      }
    });

    it('turns 503 into a retryable transient error', async () => {
      sb.server.addFault({ kind: 'status', status: 503, count: 1 });
      const err = await failure(client.getWorkspace(ws));
      assert.equal(err.syncwright.class, 'transient');
      assert.equal(err.syncwright.retryable, true);
      assert.equal(err.syncwright.code, 'SERVICE_UNAVAILABLE');
      assert.equal((await client.getWorkspace(ws)).id, ws, 'the next call succeeds');
    });
  });

  describe('upsert by external reference', () => {
    const project = (title: string) => ({ title, start_date: '2026-04-01', currency: 'USD', status_key: 100 });

    it('creates once with the syncwright reference inline, then updates the same record', async () => {
      const first = await client.upsert('workspace', {
        businessKey: 'proj:OPP-9001',
        fields: project('Initech — Data platform'),
        references: [{ service_name: 'salesforce', service_model: 'Opportunity', service_model_ref: '006000000000009AAA' }],
      });
      assert.equal(first.created, true);
      const second = await client.upsert('workspace', { businessKey: 'proj:OPP-9001', fields: { ...project('Initech — Data platform v2'), status_key: 300 } });
      assert.deepEqual([second.id, second.created], [first.id, false]);
      const held = sb.recordsForBusinessKey('workspaces', 'proj:OPP-9001');
      assert.deepEqual(held.map((w) => [w.id, w['title'], w['status_key']]), [[first.id, 'Initech — Data platform v2', 300]]);
      const refs = sb.records('external_references').filter((r) => r['subject_id'] === first.id);
      assert.deepEqual(refs.map((r) => [r['service_name'], r['service_model'], r['service_model_ref']]).sort(), [
        ['salesforce', 'Opportunity', '006000000000009AAA'],
        [SYNCWRIGHT_SERVICE, 'Project', 'proj:OPP-9001'],
      ]);
      const posts = sb.server.getJournal({ method: 'POST', path: '^/api/v1/workspaces' });
      assert.equal(posts.length, 1, 'the reference went in with the create');
    });

    it('upserts stories under a workspace by key', async () => {
      const a = await client.upsert('story', { businessKey: 'ms:OPP-9001:1', fields: { workspace_id: Number(ws), title: 'Kick-off', story_type: 'milestone' } });
      const b = await client.upsert('story', { businessKey: 'ms:OPP-9001:1', fields: { workspace_id: Number(ws), title: 'Kick-off done', story_type: 'milestone' } });
      assert.deepEqual([a.created, b.created, a.id === b.id], [true, false, true]);
      assert.equal(sb.recordsForBusinessKey('stories', 'ms:OPP-9001:1')[0]?.['title'], 'Kick-off done');
    });

    it('makes no duplicate when the create response is lost and the upsert is retried', async () => {
      sb.server.addFault({ kind: 'lost-after-commit', method: 'POST', path: '^/api/v1/workspaces', count: 1 });
      const lost = await failure(client.upsert('workspace', { businessKey: 'proj:LOST-1', fields: project('Umbrella — CRM') }));
      assert.equal(lost.syncwright.class, 'transient');
      assert.equal(lost.syncwright.retryable, true);
      const retry = await client.upsert('workspace', { businessKey: 'proj:LOST-1', fields: project('Umbrella — CRM') });
      assert.equal(retry.created, false, 'the retry found the workspace the lost create made');
      assert.deepEqual(sb.server.duplicates(), {});
      assert.equal(sb.server.getCreateCounts()['workspace:proj:LOST-1'], 1);
      assert.equal(sb.records('workspaces').filter((w) => w['title'] === 'Umbrella — CRM').length, 1);
      assert.deepEqual(sb.unreferenced('workspaces', 'Workspace').map((w) => w.id), [ws], 'only the seeded workspace has no syncwright reference');
    });

    it('shows that the three-step pattern (look up → create → write the reference) duplicates on the same fault', async () => {
      const naiveUpsert = async (key: string) => {
        const found = await client.findReferences({ subjectType: 'Workspace', serviceName: SYNCWRIGHT_SERVICE, serviceModelRef: key });
        const existing = found[0];
        if (existing) return client.updateWorkspace(String(existing['subject_id']), project('Umbrella — CRM'));
        const created = await client.createWorkspace(project('Umbrella — CRM'));
        await client.createOrUpdateReference({ subject_type: 'Workspace', subject_id: created.id, service_name: SYNCWRIGHT_SERVICE, service_model: 'Project', service_model_ref: key });
        return created;
      };
      sb.server.addFault({ kind: 'lost-after-commit', method: 'POST', path: '^/api/v1/workspaces', count: 1 });
      await failure(naiveUpsert('proj:LOST-2'));
      await naiveUpsert('proj:LOST-2');
      assert.equal(sb.records('workspaces').filter((w) => w['title'] === 'Umbrella — CRM').length, 2, 'two workspaces for one business key');
      const workspaceCreates = Object.entries(sb.server.getCreateCounts()).filter(([k]) => k.startsWith('workspace:'));
      assert.equal(workspaceCreates.reduce((n, [, c]) => n + c, 0), 2);
      assert.equal(sb.unreferenced('workspaces', 'Workspace').length, 2, 'the lost one is left without a reference (besides the seed)');
    });

    it('refuses an empty business key and a conflicting pair of references', async () => {
      const empty = await failure(client.upsert('workspace', { businessKey: ' ', fields: project('x') }));
      assert.deepEqual(empty.syncwright.fields, ['businessKey']);
      const other = await client.createWorkspace(project('Second'));
      for (const subject of [ws, other.id]) {
        await client.createOrUpdateReference({ subject_type: 'Workspace', subject_id: subject, service_name: SYNCWRIGHT_SERVICE, service_model: subject === ws ? 'Project' : 'Legacy', service_model_ref: 'proj:TWICE' });
      }
      const conflict = await failure(client.upsert('workspace', { businessKey: 'proj:TWICE', fields: project('x') }));
      assert.equal(conflict.syncwright.class, 'conflict');
      assert.equal(conflict.syncwright.code, 'DUPLICATE_REFERENCES');
    });
  });
});
