// The shared sandbox machinery (limits, faults, journal, control API), through a minimal vendor.
import assert from 'node:assert/strict';
import { ManualClock } from '../../sandbox/core/clock.js';
import { Router } from '../../sandbox/core/http.js';
import { SandboxServer, type VendorAdapter } from '../../sandbox/core/sandbox.js';

function echoVendor(): VendorAdapter & { store: Map<string, unknown>; srv?: SandboxServer } {
  const store = new Map<string, unknown>();
  const router = new Router();
  const vendor: VendorAdapter & { store: Map<string, unknown>; srv?: SandboxServer } = {
    name: 'echo',
    store,
    router,
    limitResponse: (kind) => ({ status: 429, body: { error: `limit:${kind}` } }),
    faultResponse: (rule) => ({ status: rule.kind === 'maintenance' ? 503 : (rule.status ?? 500), body: { error: rule.kind } }),
    notFoundResponse: (_req, mismatch) => ({ status: mismatch ? 405 : 404, body: { error: 'nope' } }),
    malformedBodyResponse: () => ({ status: 400, body: { error: 'bad json' } }),
    internalErrorResponse: () => ({ status: 500, body: { error: 'internal' } }),
    expireTokens: () => undefined,
    reset: () => store.clear(),
    seed: () => store.set('seeded', true),
    inspect: () => ({ items: [...store.entries()] }),
  };
  router.get('/items/:id', (req) => (store.has(req.params['id']) ? { status: 200, body: store.get(req.params['id']) } : { status: 404, body: { error: 'missing' } }));
  router.put('/items/:id', (req) => {
    const created = !store.has(req.params['id']);
    store.set(req.params['id'], req.body);
    if (created) vendor.srv?.countCreate('item', req.params['id']);
    return { status: created ? 201 : 200, body: { created } };
  });
  router.get('/boom', () => {
    throw new Error('secret stack');
  });
  return vendor;
}

describe('sandbox core', () => {
  let srv: SandboxServer;
  let vendor: ReturnType<typeof echoVendor>;
  const clock = new ManualClock();
  beforeEach(async () => {
    vendor = echoVendor();
    srv = await new SandboxServer(vendor, { clock }).start();
    vendor.srv = srv;
  });
  afterEach(() => srv.close());

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${srv.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };

  it('routes, answers unknown paths and methods in the vendor shape, and never leaks a stack trace', async () => {
    assert.equal((await call('PUT', '/items/a', { x: 1 })).status, 201);
    assert.deepEqual((await call('GET', '/items/a')).body, { x: 1 });
    assert.equal((await call('GET', '/nothing')).status, 404);
    assert.equal((await call('DELETE', '/items/a')).status, 405);
    const boom = await call('GET', '/boom');
    assert.equal(boom.status, 500);
    assert.doesNotMatch(JSON.stringify(boom.body), /secret stack|at /);
    const bad = await fetch(`${srv.url}/items/b`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{nope' });
    assert.equal(bad.status, 400);
  });

  it('fires status faults every Nth time and removes a rule after its count', async () => {
    srv.addFault({ kind: 'status', status: 503, every: 2, count: 2, path: '^/items' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await call('GET', '/items/none')).status);
    assert.deepEqual(statuses, [404, 503, 404, 503, 404, 404]);
    assert.equal(srv.listFaults().length, 0);
  });

  it('fires ratio faults reproducibly from the seed', async () => {
    srv.addFault({ kind: 'status', status: 500, ratio: 0.3 });
    let fired = 0;
    for (let i = 0; i < 200; i++) if ((await call('GET', '/items/none')).status === 500) fired++;
    assert.ok(fired > 30 && fired < 90, `fired ${fired} of 200`);
  });

  it('keeps a maintenance window from its start to its end', async () => {
    const start = clock.now() + 1000;
    srv.addFault({ kind: 'maintenance', from: start, until: start + 60_000 });
    assert.equal((await call('GET', '/items/none')).status, 404);
    clock.advance(1000);
    assert.equal((await call('GET', '/items/none')).status, 503);
    clock.advance(60_000);
    assert.equal((await call('GET', '/items/none')).status, 404);
  });

  it('applies a write and then loses the response (lost after commit)', async () => {
    srv.addFault({ kind: 'lost-after-commit', method: 'PUT', count: 1 });
    await assert.rejects(call('PUT', '/items/k', { v: 1 }));
    assert.deepEqual((await call('GET', '/items/k')).body, { v: 1 }, 'the write was applied');
    assert.equal((await call('PUT', '/items/k', { v: 2 })).status, 200, 'a retry updates, it does not create');
    assert.deepEqual(srv.getCreateCounts(), { 'item:k': 1 });
    assert.equal(srv.getJournal({ method: 'PUT' })[0]?.status, 'lost');
  });

  it('resets the connection before processing (nothing applied)', async () => {
    srv.addFault({ kind: 'reset', count: 1 });
    await assert.rejects(call('PUT', '/items/r', { v: 1 }));
    assert.equal((await call('GET', '/items/r')).status, 404);
  });

  it('enforces a request rate and a daily budget, and counts what it refused', async () => {
    srv.setLimits({ requestsPerSecond: 5 });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await call('GET', '/items/none')).status);
    assert.deepEqual(statuses, [404, 404, 404, 404, 404, 429, 429, 429]);
    clock.advance(1001);
    assert.equal((await call('GET', '/items/none')).status, 404);
    srv.setLimits({ dailyBudget: 3 });
    srv.reset();
    srv.setLimits({ dailyBudget: 3 });
    for (let i = 0; i < 3; i++) assert.equal((await call('GET', '/items/none')).status, 404);
    assert.equal((await call('GET', '/items/none')).status, 429);
    assert.equal(srv.getStats().refusedByLimit.daily, 1);
    clock.advance(24 * 3600_000 + 1);
    assert.equal((await call('GET', '/items/none')).status, 404);
  });

  it('refuses requests beyond the concurrency limit and reports the peak', async () => {
    srv.setLimits({ concurrency: 2, responseDelayMs: 50 });
    const results = await Promise.all(Array.from({ length: 5 }, () => call('GET', '/items/none')));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [404, 404, 429, 429, 429]);
    assert.equal(srv.getStats().refusedByLimit.concurrency, 3);
    assert.ok(srv.getStats().peakConcurrency >= 3);
  });

  it('offers the same controls over HTTP under /__sandbox/', async () => {
    assert.equal((await call('PUT', '/__sandbox/limits', { requestsPerSecond: 100 })).status, 200);
    const fault = await call('POST', '/__sandbox/faults', { kind: 'status', status: 429, count: 1 });
    assert.equal(fault.status, 201);
    assert.equal((await call('GET', '/items/x')).status, 429);
    assert.equal((await call('POST', '/__sandbox/faults', { kind: 'nonsense' })).status, 400);
    await call('PUT', '/items/z', {});
    const creates = await call('GET', '/__sandbox/creates');
    assert.deepEqual(creates.body, { creates: { 'item:z': 1 }, duplicates: {} });
    const journal = await fetch(`${srv.url}/__sandbox/journal?path=items`).then((r) => r.json() as Promise<unknown[]>);
    assert.equal(journal.length, 2);
    assert.equal((await call('POST', '/__sandbox/reset')).status, 204);
    assert.deepEqual(srv.records(), { items: [] });
    assert.equal((await call('POST', '/__sandbox/seed')).status, 204);
    assert.deepEqual(srv.records(), { items: [['seeded', true]] });
  });
});
