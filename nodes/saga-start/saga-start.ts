// syncwright-saga-start: starts a saga for each message (recorded durably before the message goes on) and sets
// msg.sync.sagaId. It also serves the saga's dead-letter queue name: a replayed dead letter starts the saga
// again from its original message.
import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import { createEnvelope } from '../../canonical/index.js';
import { engineUnavailable, useEngine } from '../../runtime-plugins/engine-access.js';
import type { Engine } from '../../runtime-plugins/engine/engine.js';
import type { DeliveryQueue, OutgoingDelivery } from '../../runtime-plugins/engine/queue.js';
import { sagaQueueName, type SagaOptionsInput, type StartPort } from '../../runtime-plugins/engine/saga.js';
import { failMessage } from '../../runtime-plugins/red/errors.js';
import { migrateConfig } from '../../runtime-plugins/red/migrations.js';
import { brief, status } from '../../runtime-plugins/red/status.js';
import { toSyncError } from '../../runtime-plugins/sync-error.js';
import { sagaOptionsFrom, type SagaStartConfig } from './settings.js';

const CONFIG_VERSION = 1;

type Msg = NodeMessageInFlow & { sync?: Record<string, unknown> };

export = function register(RED: NodeAPI): void {
  function SagaStartNode(this: Node, raw: SagaStartConfig): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const config = migrateConfig<SagaStartConfig>(raw, [], CONFIG_VERSION);
    let options: SagaOptionsInput;
    try {
      options = sagaOptionsFrom(config);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      node.status(status.failing(message));
      node.error(`Invalid configuration: ${message}`);
      return;
    }
    const sagaName = options.name;
    let engine: Engine | undefined;
    let replays: DeliveryQueue | undefined;
    let detach: (() => void) | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let closed = false;
    let started = 0;

    const port: StartPort = { saga: sagaName, emit: (msg) => node.send(msg) };

    const showStatus = (): void => {
      statusTimer = undefined;
      if (closed || !engine) return;
      const c = engine.sagas.counts(sagaName);
      const text = brief(`${sagaName} · started ${started} · running ${c.running}${c.compensating ? ` · compensating ${c.compensating}` : ''}`);
      node.status(c.running + c.compensating > 0 ? status.working(text) : status.idle(text));
    };
    const scheduleStatus = (): void => {
      if (!statusTimer && !closed) statusTimer = setTimeout(showStatus, 250);
    };

    /** A dead letter of this saga was replayed: start the saga again from the message. */
    const replay = (d: OutgoingDelivery): void => {
      const e = engine;
      const q = replays;
      if (!e || !q) return;
      (async () => {
        for (const m of d.messages) await e.sagas.start(options, m);
        started += d.messages.length;
        await q.settle(d.token.id, d.messages.map(() => ({ ok: true })));
      })().catch((err: unknown) => {
        q.settle(d.token.id, d.messages.map(() => ({ ok: false, error: toSyncError(err) }))).catch((e2: unknown) => node.error(`replay of saga ${sagaName} failed: ${String(e2)}`));
      });
    };

    const ready = useEngine(RED, node).then(async (e) => {
      await e.sagas.ready;
      if (closed) return e;
      engine = e;
      detach = e.sagas.attachStart(port);
      e.sagas.on('changed', scheduleStatus);
      const q = await e.queue(sagaQueueName(sagaName), { maxInFlight: 1 });
      if (!closed) {
        replays = q;
        q.attach(replay);
      }
      showStatus();
      return e;
    });
    ready.catch(engineUnavailable(node));

    node.on('input', (msgIn, _send, done) => {
      const msg = msgIn as Msg;
      ready
        .then(async (e) => {
          if (typeof msg.sync !== 'object' || msg.sync === null) msg.sync = createEnvelope({ businessKey: msg._msgid });
          await e.sagas.start(options, msg);
          started += 1;
          scheduleStatus();
          done();
        })
        .catch((err: unknown) => failMessage(msg, err, done));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (statusTimer) clearTimeout(statusTimer);
      detach?.();
      replays?.detach();
      engine?.sagas.off('changed', scheduleStatus);
      done();
    });
  }

  RED.nodes.registerType('syncwright-saga-start', SagaStartNode);
};
