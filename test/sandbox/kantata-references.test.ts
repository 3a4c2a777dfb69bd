// External references on the Kantata sandbox: create_or_update upsert semantics, look-ups, the filters
// other collections take, and how creates are counted under Syncwright's business key.
import assert from 'node:assert/strict';
import { ManualClock } from '../../sandbox/core/clock.js';
import { KANTATA_DEMO, startKantataSandbox, type KantataSandbox } from '../../sandbox/kantata/index.js';

type Env = { count: number; results: Array<{ key: string; id: string }> } & Record<string, Record<string, Record<string, unknown>>>;

function client(sb: KantataSandbox) {
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Env & { errors?: Array<{ type: string; message: string; field?: string }> } }> => {
    const res = await fetch(`${sb.demo.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${sb.demo.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Env };
  };
}

const ref = (subject_id: string, service_model_ref: string, extra: Record<string, unknown> = {}) => ({
  external_reference: { subject_type: 'Workspace', subject_id, service_name: 'syncwright', service_model: 'Project', service_model_ref, ...extra },
});

describe('Kantata sandbox: external references', () => {
  let sb: KantataSandbox;
  let call: ReturnType<typeof client>;
  const clock = new ManualClock(Date.parse('2026-02-01T08:00:00Z'));
  beforeEach(async () => {
    sb = await startKantataSandbox({ seedData: true, clock });
    call = client(sb);
  });
  afterEach(() => sb.close());

  const newWorkspace = async (title: string): Promise<string> => {
    const r = await call('POST', '/workspaces.json', { workspace: { title, creator_role: 'maven' } });
    assert.equal(r.status, 200);
    return r.body.results[0].id;
  };

  it('keeps one reference per subject type, service, model and model ref: a repeat updates it in place', async () => {
    const ws = await newWorkspace('Initech — CRM');
    const created = await call('POST', '/external_references/create_or_update.json', ref(ws, 'opp-42:project', { status: 'pending' }));
    assert.equal(created.status, 200);
    const id = created.body.results[0].id;
    assert.equal(created.body.results[0].key, 'external_references');
    const row = created.body['external_references'][id];
    assert.deepEqual(
      [row['subject_type'], row['subject_id'], row['service_name'], row['service_model'], row['service_model_ref'], row['status']],
      ['Workspace', ws, 'syncwright', 'Project', 'opp-42:project', 'pending'],
    );
    clock.advance(5_000);
    const again = await call('POST', '/external_references/create_or_update.json', ref(ws, 'opp-42:project', { status: 'successful', external_message: 'synced' }));
    assert.equal(again.body.results[0].id, id, 'same reference, not a second one');
    const updated = again.body['external_references'][id];
    assert.equal(updated['status'], 'successful');
    assert.equal(updated['external_message'], 'synced');
    assert.equal(updated['created_at'], '2026-02-01T08:00:00+00:00');
    assert.equal(updated['updated_at'], '2026-02-01T08:00:05+00:00');
    // The same model ref on another workspace moves the reference: one reference per key.
    const other = await newWorkspace('Initech — CRM (copy)');
    const moved = await call('POST', '/external_references/create_or_update.json', ref(other, 'opp-42:project'));
    assert.equal(moved.body.results[0].id, id);
    assert.equal(moved.body['external_references'][id]['subject_id'], other);
    const all = sb.records('external_references').filter((r) => r['service_model_ref'] === 'opp-42:project');
    assert.equal(all.length, 1);
  });

  it('looks references up by subject and service, side-loads the subject, and requires subject_type', async () => {
    const ws = await newWorkspace('Umbrella — Analytics');
    await call('POST', '/external_references/create_or_update.json', ref(ws, 'BK-UMB'));
    const found = await call('GET', `/external_references.json?subject_type=Workspace&service_name=syncwright&service_model_ref=BK-UMB&include=subject`);
    assert.equal(found.status, 200);
    assert.equal(found.body.count, 1);
    const r = found.body['external_references'][found.body.results[0].id];
    assert.equal(r['subject_id'], ws);
    assert.equal(found.body['workspaces'][ws]['title'], 'Umbrella — Analytics');
    const none = await call('GET', '/external_references.json?subject_type=Workspace&service_name=syncwright&service_model_ref=nothing');
    assert.equal(none.status, 200);
    assert.equal(none.body.count, 0);
    assert.deepEqual(none.body.results, []);
    const bySubject = await call('GET', `/external_references.json?subject_type=Workspace&subject_id=${KANTATA_DEMO.workspaceId}`);
    assert.equal(bySubject.body['external_references'][bySubject.body.results[0].id]['service_model_ref'], KANTATA_DEMO.salesforceOpportunityId);
    const noType = await call('GET', '/external_references.json?service_name=syncwright');
    assert.equal(noType.status, 400);
    assert.equal(noType.body.errors?.[0].field, 'subject_type');
  });

  it('answers missing fields, an unknown subject type and a missing subject with 422 naming the field', async () => {
    const missing = await call('POST', '/external_references/create_or_update.json', { external_reference: { subject_type: 'Workspace', subject_id: KANTATA_DEMO.workspaceId, service_name: 'syncwright' } });
    assert.equal(missing.status, 422);
    assert.deepEqual(missing.body.errors?.map((e) => e.field).sort(), ['service_model', 'service_model_ref']);
    const badType = await call('POST', '/external_references/create_or_update.json', { external_reference: { ...ref('1', 'x').external_reference, subject_type: 'Spaceship' } });
    assert.equal(badType.body.errors?.[0].field, 'subject_type');
    const noSubject = await call('POST', '/external_references/create_or_update.json', ref('999999', 'x'));
    assert.equal(noSubject.status, 422);
    assert.deepEqual(noSubject.body.errors, [{ type: 'validation', message: 'Workspace 999999 does not exist', field: 'subject_id' }]);
    const badStatus = await call('POST', '/external_references/create_or_update.json', ref(KANTATA_DEMO.workspaceId, 'x', { status: 'done' }));
    assert.equal(badStatus.body.errors?.[0].field, 'status');
  });

  it('finds records through their references with the external_reference_* filters', async () => {
    const bySalesforce = await call('GET', `/workspaces.json?external_reference_service_name=salesforce&external_reference_service_model_ref=${KANTATA_DEMO.salesforceOpportunityId}`);
    assert.deepEqual(bySalesforce.body.results.map((x) => x.id), [KANTATA_DEMO.workspaceId]);
    const ws = await newWorkspace('Hooli — Portal');
    await call('POST', '/external_references/create_or_update.json', ref(ws, 'BK-HOOLI'));
    const byKeys = await call('GET', '/workspaces.json?external_reference_service_name=syncwright&external_reference_service_model_refs=BK-HOOLI,BK-OTHER');
    assert.deepEqual(byKeys.body.results.map((x) => x.id), [ws]);
    const without = await call('GET', '/workspaces.json?has_external_references=false');
    assert.deepEqual(without.body.results.map((x) => x.id), []);
    const withRefs = await call('GET', `/workspaces/${ws}.json?include=external_references`);
    const ids = withRefs.body['workspaces'][ws]['external_reference_ids'] as string[];
    assert.equal(ids.length, 1);
    assert.equal(withRefs.body['external_references'][ids[0]]['service_model_ref'], 'BK-HOOLI');
  });

  it('writes a reference given inline with a create, in the same request', async () => {
    const r = await call('POST', '/stories.json', {
      story: { workspace_id: KANTATA_DEMO.workspaceId, title: 'Billing milestone 1', story_type: 'milestone', external_reference: { service_name: 'syncwright', service_model: 'WorkItem', service_model_ref: 'BK-MS-1', status: 'successful' } },
    });
    assert.equal(r.status, 200);
    const storyId = r.body.results[0].id;
    const found = await call('GET', '/external_references.json?subject_type=Story&service_name=syncwright&service_model_ref=BK-MS-1');
    assert.equal(found.body['external_references'][found.body.results[0].id]['subject_id'], storyId);
    const bad = await call('POST', '/stories.json', { story: { workspace_id: KANTATA_DEMO.workspaceId, title: 'x', external_reference: { service_name: 'syncwright' } } });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.errors?.map((e) => e.field).sort(), ['external_reference.service_model', 'external_reference.service_model_ref']);
  });

  it('counts a create under the business key, whether the reference came inline or in a second call', async () => {
    await call('POST', '/workspaces.json', { workspace: { title: 'Inline', creator_role: 'maven', external_reference: { service_name: 'syncwright', service_model: 'Project', service_model_ref: 'BK-INLINE' } } });
    const twoStep = await newWorkspace('Two-step');
    assert.equal(sb.server.getCreateCounts()[`workspace:#${twoStep}`], 1, 'counted by id until a business key is known');
    await call('POST', '/external_references/create_or_update.json', ref(twoStep, 'BK-TWO-STEP'));
    const counts = sb.server.getCreateCounts();
    assert.equal(counts['workspace:BK-INLINE'], 1);
    assert.equal(counts['workspace:BK-TWO-STEP'], 1);
    assert.equal(counts[`workspace:#${twoStep}`], undefined, 're-keyed, not counted twice');
    // A second reference for the same record does not count it again.
    await call('POST', '/external_references/create_or_update.json', ref(twoStep, 'BK-ALIAS'));
    assert.equal(sb.server.getCreateCounts()['workspace:BK-ALIAS'], undefined);
    assert.deepEqual(sb.server.duplicates(), {});
    assert.deepEqual(sb.recordsForBusinessKey('workspaces', 'BK-TWO-STEP').map((w) => w.id), [twoStep]);
  });

  it('drops a record’s references when the record is deleted', async () => {
    const story = await call('POST', '/stories.json', { story: { workspace_id: KANTATA_DEMO.workspaceId, title: 'Temp' } });
    const id = story.body.results[0].id;
    await call('POST', '/external_references/create_or_update.json', { external_reference: { subject_type: 'Story', subject_id: id, service_name: 'syncwright', service_model: 'WorkItem', service_model_ref: 'BK-TEMP' } });
    assert.equal((await call('DELETE', `/stories/${id}.json`)).status, 204);
    const after = await call('GET', '/external_references.json?subject_type=Story&service_model_ref=BK-TEMP');
    assert.equal(after.body.count, 0);
  });
});
