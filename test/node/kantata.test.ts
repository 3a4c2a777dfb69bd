// The kantata operation node and its connection through node-red-node-test-helper, against the Kantata sandbox.
import assert from 'node:assert/strict';
import kantataConnectionNode from '../../nodes/kantata/kantata-connection.js';
import type { KantataConnectionNode } from '../../nodes/kantata/connection.js';
import kantataNode from '../../nodes/kantata/kantata.js';
import { KANTATA_DEMO, startKantataSandbox, type KantataSandbox } from '../../sandbox/kantata/index.js';
import { useEngineStore } from '../support/engine.js';
import { testFlow, useHelper } from '../support/helper.js';

type Msg = Record<string, unknown> & { payload?: unknown; sync?: Record<string, unknown> };

const project = {
  businessKey: 'proj:GLOBEX-ERP',
  name: 'Globex ERP rollout',
  account: { businessKey: 'acct:GLOBEX' },
  opportunity: { businessKey: 'opp:006000000000042AAA', externalIds: { salesforce: '006000000000042AAA' } },
  status: 'planned',
  startDate: '2026-04-01',
  endDate: '2026-09-30',
  billingType: 'milestone',
  budget: { amount: '120000.00', currency: 'USD' },
  currency: 'USD',
};
const milestone = (n: number, name: string, due: string) => ({
  businessKey: `ms:GLOBEX-ERP:${n}`,
  project: { businessKey: 'proj:GLOBEX-ERP' },
  kind: 'milestone',
  name,
  dueDate: due,
  amount: { amount: '40000.00', currency: 'USD' },
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('syncwright-kantata node', () => {
  const helper = useHelper();
  useEngineStore();
  let sb: KantataSandbox;
  beforeEach(async () => {
    sb = await startKantataSandbox({ seedData: true });
  });
  afterEach(() => sb.close());

  const nodes = [kantataConnectionNode, kantataNode];
  const conn = (extra: Record<string, unknown> = {}) => ({ id: 'conn', type: 'syncwright-kantata-connection', baseUrl: sb.demo.baseUrl, timeoutSeconds: '10', requestsPerSecond: '', concurrency: '', dailyBudget: '', dailyHeadroomPercent: '10', maintenance: '', ...extra });
  const op = (id: string, extra: Record<string, unknown>, wires: string[] = ['out']) => ({ id, type: 'syncwright-kantata', z: 'f', connection: 'conn', object: 'workspace', operation: 'upsert', input: 'canonical', recordId: 'payload.id', recordIdType: 'msg', key: 'sync.businessKey', keyType: 'msg', params: 'params', paramsType: 'msg', include: '', maxRecords: '', wires: [wires], ...extra });
  const base = [{ id: 'f', type: 'tab' }, { id: 'out', type: 'helper', z: 'f' }, { id: 'catch', type: 'catch', z: 'f', scope: null, uncaught: false, wires: [['caught']] }, { id: 'caught', type: 'helper', z: 'f' }];
  const credentials = (token = sb.demo.token) => ({ conn: { token } });

  function collect(id: string): Msg[] {
    const got: Msg[] = [];
    helper.getNode(id).on('input', (m: Msg) => got.push(m));
    return got;
  }

  it('upserts a canonical project, then its milestones under the workspace from msg.sync.results', async () => {
    await helper.load(nodes, testFlow([...base, conn(), op('ws', { wires: [['out', 'ms']] }), op('ms', { object: 'story' }, ['msOut']), { id: 'msOut', type: 'helper', z: 'f' }]), credentials());
    const out = collect('out');
    const msOut = collect('msOut');
    helper.getNode('ws').receive({ payload: project, sync: { correlationId: 'c-1', businessKey: project.businessKey } });
    await until(() => out.length === 1);
    const wsResult = (out[0]?.sync?.['results'] as Record<string, { id: string; created: boolean }>)['kantata.workspace'];
    assert.equal(wsResult?.created, true);
    const held = sb.recordsForBusinessKey('workspaces', 'proj:GLOBEX-ERP');
    assert.deepEqual(held.map((w) => [w.id, w['title'], w['price_in_cents'], w['status_key']]), [[wsResult?.id, 'Globex ERP rollout', 12_000_000, 100]]);
    const sfRef = sb.records('external_references').find((r) => r['service_name'] === 'salesforce' && r['subject_id'] === wsResult?.id);
    assert.equal(sfRef?.['service_model_ref'], '006000000000042AAA');

    // The milestones arrive as a later step carrying the workspace step's results.
    await until(() => msOut.length === 0);
    for (const [i, m] of [milestone(1, 'Design signed off', '2026-05-15'), milestone(2, 'Go-live', '2026-09-01')].entries()) {
      helper.getNode('ms').receive({ payload: m, sync: { ...out[0]?.sync, businessKey: m.businessKey } });
      await until(() => msOut.length === i + 1);
    }
    const stories = sb.records('stories').filter((s) => s['workspace_id'] === wsResult?.id);
    assert.deepEqual(stories.map((s) => [s['title'], s['story_type'], s['budget_estimate_in_cents']]), [
      ['Design signed off', 'milestone', 4_000_000],
      ['Go-live', 'milestone', 4_000_000],
    ]);
    assert.equal((msOut[1]?.sync?.['results'] as Record<string, unknown>)['kantata.workspace'] !== undefined, true, 'earlier results are kept');

    // Delivered again (a retry): nothing new is created.
    helper.getNode('ws').receive({ payload: { ...project, status: 'active' }, sync: { correlationId: 'c-2' } });
    await until(() => out.length === 2);
    assert.equal(((out[1]?.sync?.['results'] as Record<string, { created: boolean }>)['kantata.workspace'])?.created, false);
    assert.equal(sb.recordsForBusinessKey('workspaces', 'proj:GLOBEX-ERP')[0]?.['status_key'], 300);
    assert.deepEqual(sb.server.duplicates(), {});
  });

  it('creates, lists with includes, gets and deletes vendor-shaped stories', async () => {
    await helper.load(
      nodes,
      testFlow([
        ...base,
        conn(),
        op('create', { object: 'story', operation: 'create', input: 'vendor' }),
        op('list', { object: 'story', operation: 'list', include: 'workspace, parent' }, ['listOut']),
        op('get', { object: 'story', operation: 'get', recordId: 'payload.id', include: 'workspace' }, ['getOut']),
        op('delete', { object: 'story', operation: 'delete', recordId: 'storyId', recordIdType: 'msg' }, ['delOut']),
        { id: 'listOut', type: 'helper', z: 'f' },
        { id: 'getOut', type: 'helper', z: 'f' },
        { id: 'delOut', type: 'helper', z: 'f' },
      ]),
      credentials(),
    );
    const out = collect('out');
    const listOut = collect('listOut');
    const getOut = collect('getOut');
    const delOut = collect('delOut');
    helper.getNode('create').receive({ payload: { workspace_id: Number(KANTATA_DEMO.workspaceId), title: 'Hypercare', story_type: 'task', parent_id: Number(KANTATA_DEMO.stories.launch) } });
    await until(() => out.length === 1);
    const created = out[0]?.payload as { id: string };
    assert.deepEqual((out[0]?.sync?.['results'] as Record<string, unknown>)['kantata.story'], { id: created.id, created: true });

    helper.getNode('list').receive({ params: { workspace_id: KANTATA_DEMO.workspaceId, parent_id: KANTATA_DEMO.stories.launch } });
    await until(() => listOut.length === 1);
    const listed = listOut[0]?.payload as Array<Record<string, unknown>>;
    assert.deepEqual(listed.map((s) => s['title']), ['Hypercare']);
    assert.equal((listed[0]?.['parent'] as Record<string, unknown>)['title'], 'Launch');
    assert.equal((listed[0]?.['workspace'] as Record<string, unknown>)['id'], KANTATA_DEMO.workspaceId);

    helper.getNode('get').receive({ payload: { id: created.id } });
    await until(() => getOut.length === 1);
    assert.equal((getOut[0]?.payload as Record<string, unknown>)['title'], 'Hypercare');

    helper.getNode('delete').receive({ storyId: created.id });
    await until(() => delOut.length === 1);
    assert.equal(sb.records('stories').some((s) => s.id === created.id), false);
  });

  it('maps canonical time entries and expenses: users by resource key or e-mail, categories from the context', async () => {
    await helper.load(nodes, testFlow([...base, conn(), op('te', { object: 'time_entry' }), op('exp', { object: 'expense' })]), credentials());
    const out = collect('out');
    const project = { businessKey: 'proj:ACME-WEB', externalIds: { kantata: KANTATA_DEMO.workspaceId } };
    helper.getNode('te').receive({ payload: { businessKey: 'te:sam.lee:2026-01-13:ACME-WEB', resource: { businessKey: 'res:sam.lee@syncwright.example' }, project, date: '2026-01-13', hours: 1.5, status: 'draft', notes: 'QA' } });
    await until(() => out.length === 1);
    helper.getNode('exp').receive({ payload: { businessKey: 'exp:EX-77', resource: { businessKey: 'res:jane.doe' }, project, date: '2026-01-13', category: 'Food', amount: { amount: '23.50', currency: 'USD' }, status: 'draft' } });
    await until(() => out.length === 2);
    const te = sb.recordsForBusinessKey('time_entries', 'te:sam.lee:2026-01-13:ACME-WEB')[0];
    assert.deepEqual([te?.['user_id'], te?.['time_in_minutes']], [KANTATA_DEMO.users.sam.id, 90]);
    const ex = sb.recordsForBusinessKey('expenses', 'exp:EX-77')[0];
    assert.deepEqual([ex?.['user_id'], ex?.['category'], ex?.['expense_category_id'], ex?.['amount_in_cents']], [KANTATA_DEMO.users.jane.id, 'Food', '3002', 2350]);
  });

  it('sends a 422 to Catch nodes as a data error naming the field', async () => {
    await helper.load(nodes, testFlow([...base, conn(), op('ws', { operation: 'create', input: 'vendor' })]), credentials());
    const caught = collect('caught');
    helper.getNode('ws').receive({ payload: { description: 'no title' } });
    await until(() => caught.length === 1);
    const error = caught[0]?.sync?.['error'] as { class: string; code: string; fields: string[]; message: string };
    assert.equal(error.class, 'data');
    assert.equal(error.code, 'VALIDATION');
    assert.deepEqual(error.fields, ['title']);
    assert.match(error.message, /Title can't be blank/);
  });

  it('fails a canonical payload the mapping refuses with a data error naming the canonical field', async () => {
    await helper.load(nodes, testFlow([...base, conn(), op('te', { object: 'time_entry' })]), credentials());
    const caught = collect('caught');
    helper.getNode('te').receive({ payload: { businessKey: 'te:x', resource: { businessKey: 'res:nobody' }, project: { businessKey: 'p', externalIds: { kantata: KANTATA_DEMO.workspaceId } }, date: '2026-01-13', hours: 1, status: 'draft' } });
    await until(() => caught.length === 1);
    const error = caught[0]?.sync?.['error'] as { class: string; fields: string[]; message: string };
    assert.equal(error.class, 'data');
    assert.deepEqual(error.fields, ['resource']);
    assert.match(error.message, /res:nobody/);
    assert.equal(sb.records('time_entries').length, KANTATA_DEMO.timeEntryIds.length, 'nothing was written');
  });

  it('fails with an auth error, not the token, when Kantata refuses the token', async () => {
    await helper.load(nodes, testFlow([...base, conn(), op('ws', { operation: 'list' })]), credentials('wrong-token-93c1'));
    const caught = collect('caught');
    helper.getNode('ws').receive({ payload: null });
    await until(() => caught.length === 1);
    const error = caught[0]?.sync?.['error'] as { class: string; message: string };
    assert.equal(error.class, 'auth');
    assert.match(error.message, /refused the bearer token/);
    assert.doesNotMatch(JSON.stringify(caught[0]), /wrong-token-93c1/);
  });

  it('fails a throttled message as rate-limit and pauses the connection shared by every node using it', async () => {
    await helper.load(nodes, testFlow([...base, conn(), op('ws', { operation: 'get', recordId: '40001', recordIdType: 'str', object: 'workspace' })]), credentials());
    const caught = collect('caught');
    const out = collect('out');
    sb.server.addFault({ kind: 'status', status: 429, count: 1 });
    helper.getNode('ws').receive({ payload: null });
    await until(() => caught.length === 1);
    const error = caught[0]?.sync?.['error'] as { class: string; retryable: boolean };
    assert.deepEqual([error.class, error.retryable], ['rate-limit', true]);
    const connection = helper.getNode('conn') as unknown as KantataConnectionNode;
    const state = (await connection.client()).limiter?.state();
    assert.equal(state?.paused, true);
    assert.equal(state?.target, 'connection:conn');
    helper.getNode('ws').receive({ payload: null });
    await until(() => out.length === 1);
    assert.equal((out[0]?.payload as { id: string }).id, KANTATA_DEMO.workspaceId, 'the next message goes through once the pause ends');
  });

  it('refuses an operation the object does not allow at deploy', async () => {
    await helper.load(nodes, testFlow([...base, conn(), op('inv', { object: 'invoice', operation: 'upsert' })]), credentials());
    const caught = collect('caught');
    helper.getNode('inv').receive({ payload: {} });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(caught.length, 0, 'a misconfigured node handles no message');
  });

  describe('Test connection', () => {
    const post = async (body: unknown): Promise<{ body: { ok: boolean; message: string } }> => {
      const res = await helper.request().post('/syncwright/kantata/test-connection').send(body as object).expect(200);
      return { body: res.body as { ok: boolean; message: string } };
    };

    it('says who the token belongs to, and in plain words what is wrong', async () => {
      await helper.load(nodes, testFlow([...base, conn()]), credentials());
      const ok = await post({ config: { baseUrl: sb.demo.baseUrl }, credentials: { token: sb.demo.token } });
      assert.deepEqual([ok.body.ok, ok.body.message], [true, `connected to ${sb.demo.baseUrl} as Jane Doe (jane.doe@syncwright.example)`]);
      const saved = await post({ id: 'conn', config: { baseUrl: sb.demo.baseUrl }, credentials: { token: '__PWRD__' } });
      assert.equal(saved.body.ok, true, 'the saved token is used when the dialog shows it unchanged');
      const none = await post({ config: { baseUrl: sb.demo.baseUrl }, credentials: {} });
      assert.match(none.body.message, /enter the bearer token/);
      const refused = await post({ config: { baseUrl: sb.demo.baseUrl }, credentials: { token: 'bad-token-55' } });
      assert.deepEqual([refused.body.ok, refused.body.message], [false, 'Kantata refused the token: it is wrong, revoked or expired (HTTP 401)']);
      const wrongPath = await post({ config: { baseUrl: `${sb.url}/api` }, credentials: { token: sb.demo.token } });
      assert.match(wrongPath.body.message, /should end in \/api\/v1/);
      const notUrl = await post({ config: { baseUrl: 'mavenlink' }, credentials: { token: 'x' } });
      assert.match(notUrl.body.message, /is not a URL/);
      const closed = await startKantataSandbox();
      const deadUrl = closed.demo.baseUrl;
      await closed.close();
      const unreachable = await post({ config: { baseUrl: deadUrl }, credentials: { token: 'x' } });
      assert.equal(unreachable.body.message, `cannot reach ${deadUrl}: connection refused`);
      for (const r of [ok, refused, none, unreachable]) assert.doesNotMatch(JSON.stringify(r.body), /bad-token-55|syncwright-demo-token/);
    });
  });
});
