// Questions about the deployed flow that nodes ask at start, e.g. "does anything downstream wire back to me?"
import type { NodeAPI } from 'node-red';

interface FlowNodeConfig {
  id: string;
  type: string;
  wires?: string[][];
}

function allNodes(RED: NodeAPI): Map<string, FlowNodeConfig> {
  const nodes = new Map<string, FlowNodeConfig>();
  (RED.nodes as unknown as { eachNode(cb: (n: FlowNodeConfig) => void): void }).eachNode((n) => nodes.set(n.id, n));
  return nodes;
}

/** Whether a message leaving `nodeId` on output `port` can come back into it along wires. */
export function hasFeedbackPath(RED: NodeAPI, nodeId: string, port = 0): boolean {
  const nodes = allNodes(RED);
  const start = nodes.get(nodeId);
  if (!start) return true; // not deployed through a flow we can see (tests): do not warn
  const reachable = new Set<string>();
  const stack = [...(start.wires?.[port] ?? [])];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (id === nodeId) return true;
    if (reachable.has(id)) continue;
    reachable.add(id);
    for (const out of nodes.get(id)?.wires ?? []) stack.push(...out);
  }
  return false;
}

/** Types of every node a message leaving `nodeId` on output `port` can reach along wires. */
export function reachableTypes(RED: NodeAPI, nodeId: string, port = 0): Set<string> | undefined {
  const nodes = allNodes(RED);
  const start = nodes.get(nodeId);
  if (!start) return undefined;
  const seen = new Set<string>();
  const types = new Set<string>();
  const stack = [...(start.wires?.[port] ?? [])];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const n = nodes.get(id);
    if (!n) continue;
    types.add(n.type);
    for (const out of n.wires ?? []) stack.push(...out);
  }
  return types;
}
