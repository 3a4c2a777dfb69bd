// Limits and every fault kind through the Kantata surface, including the one that makes naive retries
// create duplicates: a workspace create whose response is lost after the commit.
import assert from 'node:assert/strict';
import { ManualClock } from '../../sandbox/core/clock.js';
import { KANTATA_DEMO, startKantataSandbox, type KantataSandbox } from '../../sandbox/kantata/index.js';

interface Reply {
  status: number;
  headers: Headers;
  body: { results?: Array<{ key: string; id: string }>; errors?: Array<{ type: string; message: string; field?: string }> } & Record<string, unknown>;
}

function client(sb: KantataSandbox) {
  return async (method: string, path: string, body?: unknown, token: string = sb.demo.token): Promise<Reply> => {
    const res = await fetch(`${sb.demo.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Reply['body'] };
  };
}

const workspaceWithKey = (title: string, businessKey: string) => ({
  workspace: { title, creator_role: 'maven', external_reference: { service_name: 'syncwright', service_model: 'Project', service_model_ref: businessKey, status: 'successful' } },
});

describe('Kantata sandbox: limits and faults', () => {
  let sb: KantataSandbox;
  let call: ReturnType<typeof client>;
  const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
  beforeEach(async () => {
    sb = await startKantataSandbox({ seedData: true, clock });
    call = client(sb);
  });
  afterEach(() => sb.close());

  const wsPath = `/workspaces/${KANTATA_DEMO.workspaceId}.json`;
  const rateLimited = { errors: [{ type: 'system', message: 'Rate limit exceeded. Please slow down and try again later.' }] };

  it('answers requests over the rate limit with 429 in Kantata’s shape and no rate-limit headers', async () => {
    sb.server.setLimits({ requestsPerSecond: 3 });
    const statuses: number[] = [];
    let refused: Reply | undefined;
    for (let i = 0; i < 5; i++) {
      const r = await call('GET', wsPath);
      statuses.push(r.status);
      if (r.status === 429) refused = r;
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    assert.deepEqual(refused?.body, rateLimited);
    assert.equal(refused?.headers.get('retry-after'), null);
    assert.equal([...(refused?.headers.keys() ?? [])].filter((h) => /ratelimit/i.test(h)).length, 0);
    clock.advance(1_001);
    assert.equal((await call('GET', wsPath)).status, 200, 'the next second is served again');
  });

  it('answers the daily budget and the concurrency limit with the same 429', async () => {
    sb.server.setLimits({ dailyBudget: 2 });
    assert.deepEqual([(await call('GET', wsPath)).status, (await call('GET', wsPath)).status], [200, 200]);
    const over = await call('GET', wsPath);
    assert.equal(over.status, 429);
    assert.deepEqual(over.body, rateLimited);
    clock.advance(24 * 3600_000 + 1);
    assert.equal((await call('GET', wsPath)).status, 200);

    sb.server.setLimits({ concurrency: 1, responseDelayMs: 30 });
    const results = await Promise.all([1, 2, 3].map(() => call('GET', wsPath)));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 429, 429]);
    assert.equal(sb.server.getStats().refusedByLimit.concurrency, 2);
  });

  it('answers injected 429, 500 and 401 faults in Kantata’s shapes, then recovers', async () => {
    sb.server.addFault({ kind: 'status', status: 429, count: 1 });
    const limited = await call('GET', wsPath);
    assert.equal(limited.status, 429);
    assert.deepEqual(limited.body, rateLimited);
    sb.server.addFault({ kind: 'status', status: 500, count: 1, path: '/workspaces' });
    const failed = await call('GET', wsPath);
    assert.equal(failed.status, 500);
    assert.equal(failed.body.errors?.[0].type, 'system');
    sb.server.addFault({ kind: 'status', status: 401, count: 1 });
    assert.deepEqual((await call('GET', wsPath)).body, { errors: [{ type: 'oauth', message: 'Invalid OAuth 2 Request' }] });
    assert.equal((await call('GET', wsPath)).status, 200);
  });

  it('answers 503 during a maintenance window, from its start to its end', async () => {
    const start = clock.now() + 60_000;
    sb.server.addFault({ kind: 'maintenance', from: new Date(start).toISOString(), until: new Date(start + 3_600_000).toISOString() });
    assert.equal((await call('GET', wsPath)).status, 200);
    clock.advance(60_000);
    const down = await call('GET', wsPath);
    assert.equal(down.status, 503);
    assert.equal(down.body.errors?.[0].type, 'system');
    assert.match(down.body.errors?.[0].message ?? '', /maintenance/);
    const write = await call('POST', '/workspaces.json', { workspace: { title: 'During maintenance', creator_role: 'maven' } });
    assert.equal(write.status, 503);
    clock.advance(3_600_000);
    assert.equal((await call('GET', wsPath)).status, 200);
    assert.equal(sb.records('workspaces').length, 1, 'nothing was written during the window');
  });

  it('adds latency to matching requests and still answers them', async () => {
    sb.server.addFault({ kind: 'latency', latencyMs: 20, count: 1, path: '/stories' });
    const r = await call('GET', '/stories.json');
    assert.equal(r.status, 200);
    const entry = sb.server.getJournal({ path: 'stories' }).at(-1);
    assert.equal(entry?.fault, 'latency');
    assert.equal(entry?.status, 200);
  });

  it('resets the connection before the request is processed: nothing is written', async () => {
    sb.server.addFault({ kind: 'reset', method: 'POST', count: 1 });
    await assert.rejects(call('POST', '/workspaces.json', workspaceWithKey('Reset', 'BK-RESET')));
    assert.equal(sb.recordsForBusinessKey('workspaces', 'BK-RESET').length, 0);
    assert.deepEqual(sb.server.getCreateCounts(), {});
    assert.equal(sb.server.getJournal({ method: 'POST' }).at(-1)?.status, 'reset');
  });

  it('expires the caller’s token on an expire-token fault, and every token on expireTokens()', async () => {
    const second = sb.issueToken('second-token');
    sb.server.addFault({ kind: 'expire-token', count: 1 });
    const expired = await call('GET', wsPath);
    assert.equal(expired.status, 401);
    assert.deepEqual(expired.body, { errors: [{ type: 'oauth', message: 'Invalid OAuth 2 Request' }] });
    assert.equal((await call('GET', wsPath)).status, 401, 'stays expired');
    assert.equal((await call('GET', wsPath, undefined, second)).status, 200, 'other tokens still work');
    sb.server.expireTokens();
    assert.equal((await call('GET', wsPath, undefined, second)).status, 401);
    sb.server.reset();
    assert.equal((await call('GET', wsPath)).status, 200, 'a reset grants the configured tokens again');
  });

  describe('a workspace create whose response is lost after the commit', () => {
    beforeEach(() => {
      sb.server.addFault({ kind: 'lost-after-commit', method: 'POST', path: '^/api/v1/workspaces', count: 1 });
    });

    it('leaves the workspace in Kantata although the client never heard back', async () => {
      await assert.rejects(call('POST', '/workspaces.json', workspaceWithKey('Lost create', 'BK-LOST')));
      const held = sb.recordsForBusinessKey('workspaces', 'BK-LOST');
      assert.equal(held.length, 1);
      assert.equal(held[0]['title'], 'Lost create');
      assert.equal(sb.server.getJournal({ method: 'POST' }).at(-1)?.status, 'lost');
    });

    it('makes a naive retry create a second workspace for the same business key', async () => {
      const body = workspaceWithKey('Naive retry', 'BK-NAIVE');
      await assert.rejects(call('POST', '/workspaces.json', body));
      assert.equal((await call('POST', '/workspaces.json', body)).status, 200);
      assert.deepEqual(sb.server.duplicates(), { 'workspace:BK-NAIVE': 2 });
      assert.equal(sb.records('workspaces').filter((w) => w['title'] === 'Naive retry').length, 2);
    });

    it('does not duplicate when the client looks the external reference up before creating', async () => {
      const upsert = async (title: string, businessKey: string): Promise<string> => {
        const found = await call('GET', `/external_references.json?subject_type=Workspace&service_name=syncwright&service_model=Project&service_model_ref=${businessKey}`);
        const hit = found.body.results?.[0];
        if (hit) {
          const subjectId = String((found.body['external_references'] as Record<string, Record<string, unknown>>)[hit.id]['subject_id']);
          const updated = await call('PUT', `/workspaces/${subjectId}.json`, { workspace: { title } });
          assert.equal(updated.status, 200);
          return subjectId;
        }
        const created = await call('POST', '/workspaces.json', workspaceWithKey(title, businessKey));
        assert.equal(created.status, 200);
        return created.body.results?.[0].id ?? '';
      };
      const withRetry = async (title: string, businessKey: string): Promise<string> => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await upsert(title, businessKey);
          } catch (err) {
            if (attempt >= 3) throw err;
          }
        }
      };
      const id = await withRetry('Look up first', 'BK-SAFE');
      assert.deepEqual(sb.server.duplicates(), {});
      assert.deepEqual(sb.server.getCreateCounts()['workspace:BK-SAFE'], 1);
      assert.deepEqual(sb.recordsForBusinessKey('workspaces', 'BK-SAFE').map((w) => w.id), [id]);
      assert.equal(sb.server.getJournal({ method: 'POST' }).filter((e) => e.status === 'lost').length, 1, 'the fault did fire');
    });

    it('leaves an orphan the sandbox can point at when the reference is written in a second call', async () => {
      // Create first, reference afterwards: the lost create never gets its reference, so a retry cannot find it.
      await assert.rejects(call('POST', '/workspaces.json', { workspace: { title: 'Two-step', creator_role: 'maven' } }));
      const created = await call('POST', '/workspaces.json', { workspace: { title: 'Two-step', creator_role: 'maven' } });
      const id = created.body.results?.[0].id ?? '';
      await call('POST', '/external_references/create_or_update.json', {
        external_reference: { subject_type: 'Workspace', subject_id: id, service_name: 'syncwright', service_model: 'Project', service_model_ref: 'BK-TWO' },
      });
      const orphans = sb.unreferenced('workspaces', 'Workspace').filter((w) => w['title'] === 'Two-step');
      assert.equal(orphans.length, 1);
      assert.notEqual(orphans[0].id, id);
      assert.equal(sb.server.getCreateCounts()[`workspace:#${orphans[0].id}`], 1);
    });
  });

  it('offers the control API over HTTP: faults, creates, records, reset and seed', async () => {
    const control = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${sb.url}/__sandbox${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as unknown };
    };
    assert.equal((await control('POST', '/faults', { kind: 'status', status: 503, count: 1 })).status, 201);
    assert.equal((await call('GET', wsPath)).status, 503);
    await call('POST', '/workspaces.json', workspaceWithKey('Via HTTP', 'BK-HTTP'));
    assert.deepEqual(await control('GET', '/creates'), { status: 200, body: { creates: { 'workspace:BK-HTTP': 1, 'external_reference:Workspace/syncwright/Project/BK-HTTP': 1 }, duplicates: {} } });
    const records = (await control('GET', '/records')).body as Record<string, unknown[]>;
    assert.equal(records['workspaces'].length, 2);
    assert.equal((await control('GET', '/')).status, 200);
    assert.equal((await control('POST', '/reset')).status, 204);
    assert.equal((await call('GET', '/workspaces.json')).body['count'], 1, 'seedData: the reset seeds again');
    assert.equal(sb.records('workspaces').filter((w) => w['title'] === 'Via HTTP').length, 0);
  });
});
