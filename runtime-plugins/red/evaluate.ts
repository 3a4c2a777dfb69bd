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

/**
 * A reader for one typed property, prepared once per node: `msg` paths are parsed once (Node-RED would parse
 * the expression again on every message), other types go through evaluateNodeProperty.
 */
export function propertyReader(RED: NodeAPI, node: Node, value: string, type: string): (msg: NodeMessage) => Promise<unknown> {
  if (type === 'msg') {
    let parts: Array<string | number>;
    try {
      parts = RED.util.normalisePropertyExpression(value);
      if (!parts.every((p) => typeof p === 'string' || typeof p === 'number')) throw new Error('nested expression');
    } catch {
      // An invalid expression fails on every message, with Node-RED's own error.
      return (msg) => evaluateProperty(RED, node, value, type, msg);
    }
    return (msg) => {
      let cur: unknown = msg;
      for (const p of parts) {
        if (cur === null || typeof cur !== 'object') return Promise.resolve(undefined);
        cur = (cur as Record<string | number, unknown>)[p];
      }
      return Promise.resolve(cur);
    };
  }
  return (msg) => evaluateProperty(RED, node, value, type, msg);
}
