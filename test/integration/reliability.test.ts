// Guarantees 1-4 in a real Node-RED process against the NetSuite sandbox: messages accepted by the
// store-forward survive kill -9 and redeploys, retries and lost responses create no duplicates, the target's
// limits are never exceeded, and bad input gets a clear error while nothing accepted is lost.
import assert from 'node:assert/strict';
import { startNetSuiteSandbox, type NetSuiteSandbox } from '../../sandbox/netsuite/index.js';
import { intakeFlow, type IntakeFlowOptions } from '../support/intake-flow.js';
import { NodeRedProcess } from '../support/node-red-process.js';

interface Intake {
  accepted: Set<string>;
  refused: Map<string, string>;
  failed: Set<string>;
}

async function post(nr: NodeRedProcess, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  // A request caught by a redeploy or a crash is never answered: give up on it (it was not accepted).
  const res = await fetch(`${nr.url}/intake`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Sends `keys` with bounded concurrency; calls `during` once `trigger` messages were accepted. */
async function burst(nr: () => NodeRedProcess, keys: string[], concurrency: number, trigger?: { after: number; action: () => Promise<void> }): Promise<Intake> {
  const intake: Intake = { accepted: new Set(), refused: new Map(), failed: new Set() };
  let next = 0;
  let fired: Promise<void> | undefined;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++];
      try {
        const res = await post(nr(), { key, name: `Customer ${key}` });
        if (res.status === 202) intake.accepted.add(key);
        else intake.refused.set(key, String(res.body['error']));
      } catch {
        intake.failed.add(key); // the process died under this request: not accepted
      }
      if (trigger && !fired && intake.accepted.size >= trigger.after) fired = trigger.action();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await fired;
  return intake;
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('reliability guarantees in a real Node-RED', function () {
  this.timeout(180_000);
  let ns: NetSuiteSandbox;
  let nr: NodeRedProcess | undefined;
  const start = async (opts: Partial<IntakeFlowOptions>, userDir?: string) => {
    const flows = intakeFlow({ netsuiteRest: `${ns.url}/services/rest`, ...opts });
    return NodeRedProcess.start({ flows, userDir, env: { NS_TOKEN: ns.issueAccessToken() } });
  };
  const customers = (keys: Iterable<string>) => [...keys].filter((k) => ns.record('customer', `eid:${k}`) !== undefined);

  beforeEach(async () => {
    ns = await startNetSuiteSandbox({ seedData: true });
  });
  afterEach(async () => {
    await nr?.dispose();
    nr = undefined;
    await ns.close();
  });

  it('delivers every accepted message exactly once in effect after kill -9 mid-burst and a restart', async () => {
    nr = await start({ requestsPerSecond: 40, concurrency: 3 });
    const first = nr;
    const keys = Array.from({ length: 200 }, (_, i) => `kill-${i}`);
    const intake = await burst(() => first, keys, 10, { after: 80, action: () => first.kill9() });
    assert.ok(intake.accepted.size >= 80, `accepted ${intake.accepted.size}`);
    const deliveredBeforeCrash = customers(intake.accepted).length;
    assert.ok(deliveredBeforeCrash < intake.accepted.size, 'some accepted messages were still queued when the process died');
    nr = await start({ requestsPerSecond: 40, concurrency: 3 }, first.userDir);
    await waitFor(() => customers(intake.accepted).length === intake.accepted.size, 60_000, 'every accepted message to reach NetSuite');
    for (const key of intake.accepted) assert.equal(ns.createCount('customer', key), 1, `${key} created once`);
    assert.deepEqual(ns.server.duplicates(), {});
  });

  it('delivers every accepted message after a full redeploy mid-burst', async () => {
    nr = await start({ requestsPerSecond: 50, concurrency: 3 });
    const running = nr;
    const keys = Array.from({ length: 150 }, (_, i) => `redeploy-${i}`);
    const intake = await burst(() => running, keys, 8, { after: 60, action: () => running.deploy(intakeFlow({ netsuiteRest: `${ns.url}/services/rest`, requestsPerSecond: 50, concurrency: 3 }), 'full') });
    await waitFor(() => customers(intake.accepted).length === intake.accepted.size, 60_000, 'every accepted message to reach NetSuite');
    assert.equal(intake.accepted.size + intake.refused.size + intake.failed.size, keys.length);
    assert.deepEqual(ns.server.duplicates(), {});
  });

  it('creates no duplicates when NetSuite applies writes but the responses are lost', async () => {
    ns.server.addFault({ kind: 'lost-after-commit', method: 'PUT', ratio: 0.2 });
    nr = await start({ concurrency: 4 });
    const running = nr;
    const keys = Array.from({ length: 100 }, (_, i) => `lost-${i}`);
    const intake = await burst(() => running, keys, 10);
    assert.equal(intake.accepted.size, 100);
    await waitFor(() => running.logs.length > 0 && customers(keys).length === 100, 60_000, 'all customers');
    const lost = ns.server.getJournal({ method: 'PUT' }).filter((e) => e.status === 'lost').length;
    assert.ok(lost >= 5, `the fault fired ${lost} times`);
    await waitFor(() => ns.server.getStats().inFlight === 0, 10_000, 'quiet');
    assert.deepEqual(ns.server.duplicates(), {});
  });

  it('never sends the target more than its limits, and a 429 storm and a maintenance window end with everything delivered', async () => {
    ns.server.setLimits({ requestsPerSecond: 30, concurrency: 3, responseDelayMs: 20 });
    ns.server.addFault({ kind: 'status', status: 429, every: 3, count: 40, method: 'PUT' });
    ns.server.addFault({ kind: 'maintenance', from: Date.now() + 1500, until: Date.now() + 4000, method: 'PUT' });
    nr = await start({ requestsPerSecond: 30, concurrency: 3, maxInFlight: 6 });
    const running = nr;
    const keys = Array.from({ length: 150 }, (_, i) => `limit-${i}`);
    const intake = await burst(() => running, keys, 10);
    assert.equal(intake.accepted.size, 150);
    await waitFor(() => customers(keys).length === 150, 90_000, 'all customers');
    const stats = ns.server.getStats();
    assert.equal(stats.refusedByLimit.rate, 0, 'no request over the rate limit');
    assert.equal(stats.refusedByLimit.concurrency, 0, 'no request over the concurrency limit');
    assert.ok(stats.maxPerSecond <= 30, `max ${stats.maxPerSecond} requests in one second`);
    assert.ok(stats.peakConcurrency <= 3, `peak concurrency ${stats.peakConcurrency}`);
    assert.ok((stats.byStatus['429'] ?? 0) > 0 && (stats.byStatus['503'] ?? 0) > 0, 'the storm and the window happened');
    assert.deepEqual(ns.server.duplicates(), {});
  });

  it('pauses delivery during a maintenance window of the target while intake goes on', async () => {
    // A window of 3 s in every 6 s (cron with seconds).
    nr = await start({ concurrency: 2, maintenance: '*/6 * * * * * | 0.05' });
    const running = nr;
    const keys = Array.from({ length: 60 }, (_, i) => `window-${i}`);
    const intake = await burst(() => running, keys, 5);
    assert.equal(intake.accepted.size, 60, 'intake never pauses');
    await waitFor(() => customers(keys).length === 60, 60_000, 'all customers');
    for (const e of ns.server.getJournal({ method: 'PUT' })) {
      assert.ok(new Date(e.at).getUTCSeconds() % 6 >= 3, `request at ${e.at} fell inside a maintenance window`);
    }
  });

  it('answers bad input with a clear error naming the problem, and loses nothing already accepted', async () => {
    nr = await start({ concurrency: 2 });
    const ok = await post(nr, { key: 'good-1', name: 'Good' });
    assert.equal(ok.status, 202);
    const noKey = await post(nr, { name: 'No key' });
    assert.equal(noKey.status, 400);
    assert.match(String(noKey.body['error']), /idempotency key .* gave nothing/);
    const big = await post(nr, { key: 'big-1', name: 'Big', big: true });
    assert.equal(big.status, 400);
    assert.match(String(big.body['error']), /too large to store: \d+ bytes \(limit 5242880\)/);
    assert.equal(big.body['class'], 'data');
    const fn = await post(nr, { key: 'fn-1', name: 'Fn', unserialisable: true });
    assert.equal(fn.status, 400);
    assert.match(String(fn.body['error']), /msg\.payload\.hook is a function/);
    const running = nr;
    await waitFor(() => customers(['good-1']).length === 1, 20_000, 'the good message');
    assert.equal(ns.record('customer', 'eid:big-1'), undefined);
    assert.equal(running.errors().filter((l) => !/idempotency key|too large|is a function/.test(l)).length, 0, running.errors().join('\n'));
  });
});
