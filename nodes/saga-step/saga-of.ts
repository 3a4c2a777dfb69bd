// Which saga a step or end node belongs to: the name given in its configuration, or else the name of the
// saga start node(s) upstream of it in the deployed flow (following wires and link nodes backwards).
import type { NodeAPI } from 'node-red';

interface FlowNodeConfig {
  id: string;
  type: string;
  wires?: string[][];
  links?: string[];
  sagaName?: string;
}

export const SAGA_START_TYPE = 'syncwright-saga-start';

/** Saga names of the saga start nodes a message can come from to reach `nodeId`; undefined when the flow is not visible. */
export function upstreamSagaNames(RED: NodeAPI, nodeId: string): Set<string> | undefined {
  const nodes = new Map<string, FlowNodeConfig>();
  (RED.nodes as unknown as { eachNode(cb: (n: FlowNodeConfig) => void): void }).eachNode((n) => nodes.set(n.id, n));
  if (!nodes.has(nodeId)) return undefined;
  const preds = new Map<string, string[]>();
  const edge = (from: string, to: string) => preds.set(to, [...(preds.get(to) ?? []), from]);
  for (const n of nodes.values()) {
    for (const port of n.wires ?? []) for (const to of port) edge(n.id, to);
    if (n.type === 'link out') for (const to of n.links ?? []) edge(n.id, to);
  }
  const names = new Set<string>();
  const seen = new Set<string>([nodeId]);
  const stack = [...(preds.get(nodeId) ?? [])];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const n = nodes.get(id);
    if (!n) continue;
    if (n.type === SAGA_START_TYPE) {
      if (typeof n.sagaName === 'string' && n.sagaName.trim() !== '') names.add(n.sagaName.trim());
      continue; // what feeds a saga start belongs to another saga, or none
    }
    stack.push(...(preds.get(id) ?? []));
  }
  return names;
}

/** The saga name a node uses, or an error saying what to set. */
export function sagaNameFor(RED: NodeAPI, nodeId: string, configured: string | undefined): { saga: string } | { error: string } {
  const explicit = (configured ?? '').trim();
  if (explicit !== '') return { saga: explicit };
  const found = upstreamSagaNames(RED, nodeId);
  if (found === undefined || found.size === 0) return { error: 'no saga start node upstream: wire one before it, or set the saga name' };
  if (found.size > 1) return { error: `messages come from several sagas (${[...found].join(', ')}): set the saga name` };
  return { saga: [...found][0] };
}
