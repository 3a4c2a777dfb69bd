import assert from 'node:assert/strict';
import { TargetLimiter } from '../../../runtime-plugins/engine/limiter.js';

const clock = { now: () => Date.now() };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The most launches inside any window of `ms`. */
function maxInWindow(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while ((sorted[hi]) - (sorted[lo]) >= ms) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

describe('target limiter', () => {
  const limiters: TargetLimiter[] = [];
  const make = (...args: ConstructorParameters<typeof TargetLimiter>) => {
    const l = new TargetLimiter(...args);
    limiters.push(l);
    return l;
  };
  afterEach(async () => {
    for (const l of limiters.splice(0)) await l.close();
  });

  it('never runs more requests at once than the concurrency limit', async () => {
    const l = make('t', { concurrency: 3 }, clock);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 12 }, () =>
        l.schedule(async () => {
          running++;
          peak = Math.max(peak, running);
          await sleep(10);
          running--;
        }),
      ),
    );
    assert.equal(peak, 3);
  });

  it('never starts more requests in any second than the rate limit', async () => {
    const l = make('t', { requestsPerSecond: 40 }, clock);
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 60 }, () => l.schedule(() => Promise.resolve(starts.push(Date.now())))));
    assert.equal(starts.length, 60);
    assert.ok(maxInWindow(starts, 1000) <= 40, `max ${maxInWindow(starts, 1000)} in one second`);
  });

  it('pauses after a throttle answer for Retry-After, then goes on', async () => {
    const l = make('t', {}, clock);
    const waited = l.throttled(150);
    assert.equal(waited, 150);
    assert.equal(l.state().paused, true);
    assert.equal(l.state().reason, 'throttled');
    const before = Date.now();
    await l.schedule(() => Promise.resolve());
    assert.ok(Date.now() - before >= 140, 'held back until the pause ended');
    assert.equal(l.state().paused, false);
  });

  it('backs off exponentially without Retry-After and resets after a success', () => {
    const l = make('t', { backoffInitialMs: 100, backoffJitter: 0, backoffMaxMs: 350 }, clock, () => 0);
    assert.deepEqual([l.throttled(), l.throttled(), l.throttled(), l.throttled()], [100, 200, 350, 350]);
    l.succeeded();
    assert.equal(l.throttled(), 100);
  });

  it('starts its backoff at two intervals of its rate (a network bunch), at 1 s without a rate, or where it is told', () => {
    const rated = make('r', { requestsPerSecond: 20, backoffJitter: 0 }, clock, () => 0);
    // 20/s kept 3 % under: an interval of 51.5 ms.
    assert.deepEqual([rated.throttled(), rated.throttled(), rated.throttled()], [103, 206, 412]);
    rated.succeeded();
    assert.equal(rated.throttled(), 103, 'from the start again after a success');
    const slow = make('s', { requestsPerSecond: 2, backoffJitter: 0 }, clock, () => 0);
    assert.equal(slow.throttled(), 1031);
    const plain = make('p', { concurrency: 5, backoffJitter: 0 }, clock, () => 0);
    assert.equal(plain.throttled(), 1000);
    const told = make('t2', { requestsPerSecond: 50, backoffInitialMs: 5000, backoffJitter: 0 }, clock, () => 0);
    assert.equal(told.throttled(), 5000);
    assert.equal(make('f', { requestsPerSecond: 50, backoffJitter: 0 }, clock, () => 0).throttled(), 50, 'never under 50 ms');
  });

  it('keeps the daily headroom free for people working in the system', async () => {
    const l = make('t', { dailyBudget: 100, dailyHeadroomPercent: 10 }, clock);
    let done = 0;
    const all = Array.from({ length: 95 }, () => l.schedule(() => Promise.resolve(done++)));
    for (let i = 0; i < 100 && done < 90; i++) await sleep(10);
    await sleep(100);
    assert.equal(done, 90, 'only 90 of 100 used');
    assert.equal(l.state().paused, true);
    assert.equal(l.state().reason, 'daily-budget');
    await l.close();
    await Promise.allSettled(all);
  });

  it('corrects its count from the usage the target reports', async () => {
    const l = make('t', { dailyBudget: 1000, dailyHeadroomPercent: 10 }, clock);
    l.observeUsage(895, 1000);
    let done = 0;
    const all = Array.from({ length: 10 }, () => l.schedule(() => Promise.resolve(done++)));
    for (let i = 0; i < 100 && done < 5; i++) await sleep(10);
    await sleep(100);
    assert.equal(done, 5);
    await l.close();
    await Promise.allSettled(all);
  });

  it('pauses during a maintenance window', async () => {
    const l = make('t', { maintenance: [{ cron: '* * * * * *', durationMinutes: 5 }] }, clock);
    assert.equal(l.inMaintenance(), true);
    let ran = false;
    const p = l.schedule(() => Promise.resolve((ran = true)));
    await sleep(50);
    assert.equal(ran, false);
    await l.close();
    await Promise.allSettled([p]);
  });
});
