// One `flows:started` listener per runtime, shared by every node that waits for the flows to start. A node
// registering its own listener would push Node.js past its 10-listener warning in any flow with a dozen role
// nodes (MaxListenersExceededWarning), and such listeners are not ours to raise the limit for.
import type { NodeAPI } from 'node-red';

type Events = NodeAPI['events'];
const waiting = new WeakMap<Events, Set<() => void>>();

/**
 * Calls `callback` once, when the flows next start. Returns the function that cancels it (call it from the
 * node's `close` handler). A callback that throws is reported with `onError` and the others still run.
 */
export function onceFlowsStarted(RED: NodeAPI, callback: () => void, onError: (err: unknown) => void): () => void {
  let set = waiting.get(RED.events);
  if (set === undefined) {
    const callbacks = new Set<() => void>();
    set = callbacks;
    waiting.set(RED.events, callbacks);
    RED.events.on('flows:started', () => {
      const due = [...callbacks];
      callbacks.clear();
      for (const cb of due) cb();
    });
  }
  const entry = (): void => {
    try {
      callback();
    } catch (err) {
      onError(err);
    }
  };
  set.add(entry);
  const own = set;
  return () => {
    own.delete(entry);
  };
}

/** How many callbacks wait for the flows to start (for tests). */
export function flowsStartedWaiting(RED: NodeAPI): number {
  return waiting.get(RED.events)?.size ?? 0;
}
