// syncwright-saga-end: a message reaching it completes its saga. It reports how every saga of its name ended:
// output 1 completed, output 2 compensated, output 3 needs attention (compensation failed, or parked for a
// person). Sagas that end without reaching it (a failure, a timeout) are reported through it too.
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { engineUnavailable, useEngine } from '../../runtime-plugins/engine-access.js';
import type { Engine } from '../../runtime-plugins/engine/engine.js';
import type { EndPort } from '../../runtime-plugins/engine/saga.js';
import { failMessage } from '../../runtime-plugins/red/errors.js';
import { migrateConfig } from '../../runtime-plugins/red/migrations.js';
import { brief, status } from '../../runtime-plugins/red/status.js';
import { sagaNameFor } from '../saga-step/saga-of.js';

const CONFIG_VERSION = 1;

interface SagaEndConfig extends NodeDef {
  version?: number;
  /** Saga name; blank: the saga start node upstream. */
  saga: string;
}

type Msg = NodeMessageInFlow & { sync?: Record<string, unknown> };

export = function register(RED: NodeAPI): void {
  function SagaEndNode(this: Node, raw: SagaEndConfig): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const config = migrateConfig<SagaEndConfig>(raw, [], CONFIG_VERSION);
    const which = sagaNameFor(RED, node.id, config.saga);
    if ('error' in which) {
      node.status(status.failing(which.error));
      node.error(`Saga end: ${which.error}`);
      return;
    }
    const sagaName = which.saga;
    let engine: Engine | undefined;
    let detach: (() => void) | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let closed = false;

    const port: EndPort = {
      saga: sagaName,
      emit(kind, msg) {
        const out: Array<NodeMessage | null> = [null, null, null];
        out[kind === 'completed' ? 0 : kind === 'compensated' ? 1 : 2] = msg;
        node.send(out);
        scheduleStatus();
      },
    };

    const showStatus = (): void => {
      statusTimer = undefined;
      if (closed || !engine) return;
      const c = engine.sagas.counts(sagaName);
      const text = brief(`${sagaName} · completed ${c.completed} · compensated ${c.compensated}${c.attention ? ` · attention ${c.attention}` : ''}`);
      if (c.attention > 0) node.status(status.failing(text));
      else if (c.compensating > 0) node.status(status.waiting(text));
      else node.status(status.idle(text));
    };
    function scheduleStatus(): void {
      if (!statusTimer && !closed) statusTimer = setTimeout(showStatus, 250);
    }

    const ready = useEngine(RED, node).then(async (e) => {
      await e.sagas.ready;
      if (closed) return e;
      engine = e;
      detach = e.sagas.attachEnd(port);
      e.sagas.on('changed', scheduleStatus);
      showStatus();
      return e;
    });
    ready.catch(engineUnavailable(node));

    node.on('input', (msgIn, _send, done) => {
      const msg = msgIn as Msg;
      ready
        .then(async (e) => {
          const result = await e.sagas.finish(sagaName, msg);
          if (result.ignored) node.debug(`message did not complete a saga: ${result.ignored}`);
          done();
        })
        .catch((err: unknown) => failMessage(msg, err, done));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (statusTimer) clearTimeout(statusTimer);
      detach?.();
      engine?.sagas.off('changed', scheduleStatus);
      done();
    });
  }

  RED.nodes.registerType('syncwright-saga-end', SagaEndNode);
};
