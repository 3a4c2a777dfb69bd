// How nodes and the plugin reach the engine: one engine per Node-RED runtime (per user directory), opened on
// first use and closed a little after the last node using it has closed (a redeploy re-opens nodes at once,
// so the engine and its queues stay up across it). Not a global, not the plugin registry: the test helper
// stubs that registry, and nodes must load there too.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Node, NodeAPI } from 'node-red';
import { Engine, type EngineOptions } from './engine/engine.js';

export interface SyncwrightSettings {
  /** `leveldb` (default) or `memory` (nothing survives a restart). */
  store?: 'leveldb' | 'memory';
  /** Directory of the LevelDB store; default `<userDir>/syncwright/store`. */
  storeDir?: string;
  /** How long the engine stays open after its last node closed (default 10 s). */
  closeGraceMs?: number;
  sweepIntervalMs?: number;
  /** How long finished sagas are kept (default 30 days). */
  sagaRetentionMs?: number;
}

interface Slot {
  engine: Promise<Engine>;
  users: Set<string>;
  closeTimer: NodeJS.Timeout | undefined;
}

const slots = new Map<string, Slot>();
/** Engines closing after their grace period, awaited by closeAllEngines (a store is not removable before). */
const closing = new Set<Promise<void>>();

function settingsOf(RED: NodeAPI): { syncwright: SyncwrightSettings; userDir: string } {
  const s = RED.settings as unknown as { syncwright?: SyncwrightSettings; userDir?: string };
  return { syncwright: s.syncwright ?? {}, userDir: s.userDir ?? join(homedir(), '.node-red') };
}

function storeDirOf(RED: NodeAPI): string {
  const { syncwright, userDir } = settingsOf(RED);
  return syncwright.storeDir ?? join(userDir, 'syncwright', 'store');
}

/** The engine of this runtime, opened on first use. */
export function engineFor(RED: NodeAPI): Promise<Engine> {
  const dir = storeDirOf(RED);
  let slot = slots.get(dir);
  if (!slot) {
    const { syncwright } = settingsOf(RED);
    const options: EngineOptions = {
      storeDir: dir,
      store: syncwright.store ?? 'leveldb',
      log: { info: (m) => RED.log.info(m), warn: (m) => RED.log.warn(m), error: (m) => RED.log.error(m) },
    };
    if (syncwright.sweepIntervalMs !== undefined) options.sweepIntervalMs = syncwright.sweepIntervalMs;
    if (syncwright.sagaRetentionMs !== undefined) options.sagaRetentionMs = syncwright.sagaRetentionMs;
    const engine = Engine.open(options);
    slot = { engine, users: new Set(), closeTimer: undefined };
    slots.set(dir, slot);
    engine.catch(() => slots.delete(dir));
  }
  return slot.engine;
}

/**
 * The engine for a node: keeps it open while the node lives. Call from the node's constructor; the engine is
 * released when the node closes.
 */
export function useEngine(RED: NodeAPI, node: Node): Promise<Engine> {
  const dir = storeDirOf(RED);
  const engine = engineFor(RED);
  const slot = slots.get(dir) as Slot;
  slot.users.add(node.id);
  if (slot.closeTimer) {
    clearTimeout(slot.closeTimer);
    slot.closeTimer = undefined;
  }
  node.on('close', (_removed: boolean, done: () => void) => {
    slot.users.delete(node.id);
    if (slot.users.size === 0) {
      const grace = settingsOf(RED).syncwright.closeGraceMs ?? 10_000;
      slot.closeTimer = setTimeout(() => {
        if (slot.users.size > 0 || slots.get(dir) !== slot) return;
        slots.delete(dir);
        const closed = slot.engine
          .then((e) => e.close())
          .catch((err: unknown) => RED.log.error(`[syncwright] closing the engine failed: ${err instanceof Error ? err.message : String(err)}`))
          .finally(() => closing.delete(closed));
        closing.add(closed);
      }, grace);
      slot.closeTimer.unref?.();
    }
    done();
  });
  return engine;
}

/** Closes every engine at once (tests, and a runtime shutting down). */
export async function closeAllEngines(): Promise<void> {
  const all = [...slots.values()];
  slots.clear();
  for (const slot of all) {
    if (slot.closeTimer) clearTimeout(slot.closeTimer);
    try {
      const e = await slot.engine;
      await e.close();
    } catch {
      // an engine that never opened has nothing to close
    }
  }
  await Promise.all([...closing]);
}

/** What a node does when the engine cannot open (e.g. the store is locked by another process): say so. */
export function engineUnavailable(node: Node): (err: unknown) => void {
  return (err: unknown) => {
    node.status({ fill: 'red', shape: 'ring', text: 'engine unavailable' });
    node.error(`Syncwright engine unavailable: ${err instanceof Error ? err.message : String(err)}`);
  };
}
