// The Syncwright runtime plugin. Node-RED loads plugins before nodes; this one registers the engine's
// presence and the admin HTTP API. Nodes do not find the engine through the plugin registry (the test helper
// stubs it) but through runtime-plugins/engine-access.
import type { NodeAPI } from 'node-red';
import { registerSagaRoutes } from './admin/sagas.js';
import { engineFor } from './engine-access.js';

export = function register(RED: NodeAPI): void {
  RED.plugins.registerPlugin('syncwright-engine', {
    type: 'syncwright-engine',
    onadd() {
      RED.log.info('[syncwright] runtime plugin loaded');
    },
  });
  registerSagaRoutes(RED, () => engineFor(RED));
};
