// Status dots mean the same in every Syncwright node: green dot = working, yellow ring = waiting or
// throttled, red ring = failing, grey = idle.
import type { Node, NodeStatus } from 'node-red';

export const status = {
  working: (text: string): NodeStatus => ({ fill: 'green', shape: 'dot', text }),
  waiting: (text: string): NodeStatus => ({ fill: 'yellow', shape: 'ring', text }),
  failing: (text: string): NodeStatus => ({ fill: 'red', shape: 'ring', text }),
  idle: (text = ''): NodeStatus => ({ fill: 'grey', shape: 'ring', text }),
};

/** Keeps status text short enough for the editor. */
export function brief(text: string, max = 48): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Status updates at most every `intervalMs` (the last one wins): a node handling thousands of messages a second
 * must not send the editor thousands of status events.
 */
export function statusUpdater(node: Node, intervalMs = 500): { set(s: NodeStatus): void; flush(): void; stop(): void } {
  let pending: NodeStatus | undefined;
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  const flush = () => {
    timer = undefined;
    if (pending) {
      node.status(pending);
      pending = undefined;
      last = Date.now();
    }
  };
  return {
    set(s: NodeStatus) {
      pending = s;
      if (timer) return;
      const wait = intervalMs - (Date.now() - last);
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    },
    flush,
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
    },
  };
}
