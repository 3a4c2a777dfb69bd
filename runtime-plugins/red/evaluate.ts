// Node-RED property evaluation (msg, flow, global, env, jsonata, str…) as a promise.
import type { Node, NodeAPI, NodeMessage } from 'node-red';

/**
 * Evaluates a typed property against a message. A `msg` path whose parent is missing (`sync.businessKey`
 * on a message without `msg.sync`) gives undefined, as an absent property does, instead of a TypeError.
 */
export function evaluateProperty(RED: NodeAPI, node: Node, value: string, type: string, msg: NodeMessage): Promise<unknown> {
  if (type === 'msg') {
    try {
      return Promise.resolve(RED.util.getMessageProperty(msg, value) as unknown);
    } catch (err) {
      if (err instanceof TypeError) return Promise.resolve(undefined);
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
  return new Promise((resolve, reject) => {
    RED.util.evaluateNodeProperty(value, type, node, msg, (err: Error | null, result: unknown) => {
      if (err) reject(err);
      else resolve(result);
    });
  });
}
