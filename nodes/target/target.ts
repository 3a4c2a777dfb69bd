// syncwright-target (config node): the limits of one target system, shared by every store-forward node that
// delivers to it — one limiter per target.
import type { Node, NodeAPI } from 'node-red';
import { engineUnavailable, useEngine } from '../../runtime-plugins/engine-access.js';
import type { LimitedTarget } from '../../runtime-plugins/red/limited-target.js';
import { limitsFromConfig, type TargetConfig } from './limits-config.js';

export = function register(RED: NodeAPI): void {
  function TargetNode(this: Node & LimitedTarget, config: TargetConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    node.limiterTarget = `target:${config.id}`;
    try {
      node.limits = limitsFromConfig(config);
      node.limitsError = undefined;
    } catch (err) {
      node.limits = {};
      node.limitsError = err instanceof Error ? err.message : String(err);
      node.error(`Invalid limits: ${node.limitsError}`);
    }
    useEngine(RED, node)
      .then((engine) => engine.limiter(node.limiterTarget, node.limits))
      .catch(engineUnavailable(node));
  }
  RED.nodes.registerType('syncwright-target', TargetNode);
};
