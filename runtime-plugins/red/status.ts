// Status dots mean the same in every Syncwright node: green dot = working, yellow ring = waiting or
// throttled, red ring = failing, grey = idle.
import type { NodeStatus } from 'node-red';

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
