import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../../runtime-plugins/engine/engine.js';
import { DurablePoller } from '../../../runtime-plugins/engine/poller.js';

describe('durable poller', () => {
  it('stores findings with the cursor, emits each once, and resumes after a restart without repeats or gaps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-poller-'));
    // The "source system": records with increasing timestamps.
    const source = Array.from({ length: 25 }, (_, i) => ({ id: `r${String(i).padStart(2, '0')}`, at: 1000 + i }));
    const poll = (cursor: number | undefined) => {
      const after = cursor ?? 0;
      const page = source.filter((r) => r.at > after).slice(0, 10);
      return Promise.resolve({ items: page.map((r) => ({ msg: { payload: r } })), cursor: page.length > 0 ? (page[page.length - 1] as { at: number }).at : after, more: page.length === 10 });
    };
    const seen: string[] = [];
    try {
      let engine = await Engine.open({ storeDir: dir });
      let poller = new DurablePoller<number>(engine, 'p1', { intervalMs: 60_000, poll, emit: (m) => seen.push((m['payload'] as { id: string }).id) });
      await poller.start();
      for (let i = 0; i < 200 && seen.length < 25; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(seen.length, 25);
      assert.equal(await poller.cursor(), 1024);
      await poller.stop();
      await engine.close();
      source.push({ id: 'r25', at: 1025 });
      engine = await Engine.open({ storeDir: dir });
      poller = new DurablePoller<number>(engine, 'p1', { intervalMs: 60_000, poll, emit: (m) => seen.push((m['payload'] as { id: string }).id) });
      await poller.start();
      for (let i = 0; i < 200 && seen.length < 26; i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(seen, source.map((r) => r.id), 'each record exactly once, in order');
      await poller.stop();
      await engine.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('durable poller triggers', () => {
  it('never runs two polls at once, and a trigger during a poll runs one more right after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-poller-'));
    const engine = await Engine.open({ storeDir: dir });
    let running = 0;
    let overlap = false;
    let polls = 0;
    const poller = new DurablePoller<number>(engine, 'p2', {
      intervalMs: 60_000,
      poll: async (cursor) => {
        running += 1;
        if (running > 1) overlap = true;
        polls += 1;
        await new Promise((r) => setTimeout(r, 30));
        running -= 1;
        return { items: [{ msg: { payload: polls } }], cursor: (cursor ?? 0) + 1 };
      },
      emit: () => undefined,
    });
    try {
      await poller.start();
      await new Promise((r) => setTimeout(r, 10));
      for (let i = 0; i < 5; i++) poller.trigger();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(overlap, false);
      assert.equal(polls, 2, 'the first poll, then one more for all the triggers during it');
      assert.equal(await poller.cursor(), 2);
    } finally {
      await poller.stop();
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes a poll\'s own state (what it emitted) in the same durable batch as its items and cursor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-poller-'));
    const engine = await Engine.open({ storeDir: dir });
    const poller = new DurablePoller<number>(engine, 'p3', {
      intervalMs: 60_000,
      poll: (cursor) => Promise.resolve(cursor === undefined ? { items: [{ msg: { payload: 'a' } }], cursor: 1, ops: [{ type: 'put', key: 'p3/emitted/a', value: { at: 'now' } }] } : { items: [], cursor, ops: [{ type: 'put', key: 'p3/seen-empty', value: true }] }),
      emit: () => undefined,
    });
    try {
      // Polled by hand (not started): each poll's write has resolved when pollOnce does.
      (poller as unknown as { queue: unknown }).queue = await engine.queue('poller:p3', { orderByKey: false });
      await poller.pollOnce();
      assert.deepEqual(await engine.store.get('p3/emitted/a'), { at: 'now' });
      assert.equal(await poller.cursor(), 1);
      await poller.pollOnce();
      assert.equal(await engine.store.get('p3/seen-empty'), true, 'also with no items');
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
