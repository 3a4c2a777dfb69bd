// The saga admin routes against a real engine, called through a stand-in for Node-RED's admin router that
// records the permission each route asks for.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeAPI } from 'node-red';
import { registerSagaRoutes } from '../../../runtime-plugins/admin/sagas.js';
import { Engine } from '../../../runtime-plugins/engine/engine.js';
import { StepPolicy, type StepPort } from '../../../runtime-plugins/engine/saga.js';
import { SyncError } from '../../../runtime-plugins/sync-error.js';

type Handler = (req: Record<string, unknown>, res: FakeResponse) => void;
interface FakeResponse {
  status(n: number): FakeResponse;
  json(b: unknown): FakeResponse;
}

class FakeAdmin {
  readonly routes = new Map<string, { permission: string; handler: Handler }>();
  readonly red = {
    auth: { needsPermission: (p: string) => p },
    log: { error: (m: string) => console.error(m) },
    httpAdmin: {
      get: (path: string, permission: string, handler: Handler) => this.routes.set(`GET ${path}`, { permission, handler }),
      post: (path: string, permission: string, handler: Handler) => this.routes.set(`POST ${path}`, { permission, handler }),
    },
  };

  call(method: 'GET' | 'POST', route: string, req: Record<string, unknown> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
    const r = this.routes.get(`${method} ${route}`);
    if (!r) throw new Error(`no route ${method} ${route}`);
    return new Promise((resolve) => {
      let status = 200;
      const res: FakeResponse = {
        status(n) {
          status = n;
          return res;
        },
        json(b) {
          resolve({ status, body: b as Record<string, unknown> });
          return res;
        },
      };
      r.handler({ params: {}, query: {}, body: {}, ...req }, res);
    });
  }
}

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 3));
  }
}

describe('saga admin routes', () => {
  let dir: string;
  let engine: Engine;
  let admin: FakeAdmin;
  let failB = true;
  const outcomes: string[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sw-saga-admin-'));
    engine = await Engine.open({ storeDir: dir, store: 'leveldb' });
    admin = new FakeAdmin();
    registerSagaRoutes(admin.red as unknown as Pick<NodeAPI, 'httpAdmin' | 'auth' | 'log'>, () => Promise.resolve(engine));
    failB = true;
    outcomes.length = 0;
    const policy = StepPolicy.parse({ maximumRedeliveries: 0 });
    const ports: StepPort[] = ['a', 'b'].map((step) => ({
      saga: 'ops',
      step,
      policy,
      hasCompensation: true,
      emit: (output, msg) => {
        setImmediate(() => {
          if (output === 'next') {
            const p = step === 'a' ? engine.sagas.arrive(ports[1], msg) : engine.sagas.finish('ops', msg);
            p.catch((err: unknown) => console.error(err));
            return;
          }
          const failure = output === 'do' && step === 'b' && failB ? new SyncError('bad', { class: 'data', code: 'INVALID_FIELD', retryable: false }) : undefined;
          engine.sagas.outcome(ports[step === 'a' ? 0 : 1], msg, failure, { [step]: 1 }).catch((err: unknown) => console.error(err));
        });
      },
    }));
    engine.sagas.attachStart({ saga: 'ops', emit: (msg) => void engine.sagas.arrive(ports[0], msg) });
    for (const p of ports) engine.sagas.attachStep(p);
    engine.sagas.attachEnd({ saga: 'ops', emit: (kind) => outcomes.push(kind) });
  });
  afterEach(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const startParked = async (key: string) => {
    const s = await engine.sagas.start({ name: 'ops', onFailure: 'park' }, { payload: 1, sync: { correlationId: `c-${key}`, businessKey: key, occurredAt: '2026-01-01T00:00:00Z' } });
    await until(async () => (await engine.sagas.get(s.id))?.record.state === 'needs-remediation');
    return s.id;
  };

  it('asks for syncwright.read to look and syncwright.write to act', () => {
    assert.equal(admin.routes.get('GET /syncwright/sagas')?.permission, 'syncwright.read');
    assert.equal(admin.routes.get('GET /syncwright/sagas/:id')?.permission, 'syncwright.read');
    assert.equal(admin.routes.get('POST /syncwright/sagas/:id/resume')?.permission, 'syncwright.write');
    assert.equal(admin.routes.get('POST /syncwright/sagas/:id/compensate')?.permission, 'syncwright.write');
  });

  it('lists sagas filtered by state and shows one with its steps and latest message', async () => {
    const id = await startParked('k1');
    const listed = await admin.call('GET', '/syncwright/sagas', { query: { state: 'needs-remediation,compensated', name: 'ops' } });
    assert.equal(listed.status, 200);
    const sagas = listed.body['sagas'] as Array<{ id: string; state: string; steps: Array<{ name: string; state: string; lastError: { code: string } }> }>;
    assert.deepEqual(sagas.map((s) => [s.id, s.state]), [[id, 'needs-remediation']]);
    assert.equal(sagas[0]?.steps[1]?.lastError.code, 'INVALID_FIELD');
    const one = await admin.call('GET', '/syncwright/sagas/:id', { params: { id } });
    assert.equal(one.status, 200);
    assert.equal((one.body['message'] as { payload: unknown }).payload, 1);
    assert.equal((await admin.call('GET', '/syncwright/sagas/:id', { params: { id: 'nope' } })).status, 404);
  });

  it('refuses a filter it does not understand, naming the field', async () => {
    const bad = await admin.call('GET', '/syncwright/sagas', { query: { state: 'done' } });
    assert.equal(bad.status, 400);
    assert.match(String(bad.body['message']), /state: unknown state "done"/);
    const limit = await admin.call('GET', '/syncwright/sagas', { query: { limit: '0' } });
    assert.equal(limit.status, 400);
    assert.match(String(limit.body['message']), /^limit:/);
  });

  it('resumes a parked saga, and answers 409 to an action its state does not allow', async () => {
    const id = await startParked('k2');
    failB = false;
    const resumed = await admin.call('POST', '/syncwright/sagas/:id/resume', { params: { id }, body: { by: 'jane' } });
    assert.equal(resumed.status, 200);
    await until(() => outcomes.includes('completed'));
    const again = await admin.call('POST', '/syncwright/sagas/:id/compensate', { params: { id } });
    assert.equal(again.status, 409);
    assert.equal(again.body['error'], 'SAGA_STATE');
    const journal = await engine.journal.forTransaction('c-k2');
    assert.ok(journal.some((e) => e.stage === 'saga:running' && e.detail?.['resumedBy'] === 'jane'));
  });

  it('compensates a parked saga on request', async () => {
    const id = await startParked('k3');
    const res = await admin.call('POST', '/syncwright/sagas/:id/compensate', { params: { id }, user: { username: 'ops-admin' } });
    assert.equal(res.status, 200);
    await until(() => outcomes.includes('compensated'));
    const journal = await engine.journal.forTransaction('c-k3');
    assert.ok(journal.some((e) => e.stage === 'saga:compensating' && e.detail?.['requestedBy'] === 'ops-admin'), 'the admin user is recorded');
  });
});
