// Node-RED property evaluation (msg, flow, global, env, jsonata, str…) as a promise.
import type { Node, NodeAPI, NodeMessage } from 'node-red';

export function evaluateProperty(RED: NodeAPI, node: Node, value: string, type: string, msg: NodeMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    RED.util.evaluateNodeProperty(value, type, node, msg, (err: Error | null, result: unknown) => {
      if (err) reject(err);
      else resolve(result);
    });
  });
}
