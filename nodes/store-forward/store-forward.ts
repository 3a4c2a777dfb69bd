// syncwright-store-forward: accepts a message durably, then delivers it under the target's limits and removes
// it only when the outcome comes back on the feedback wire (or moves it to the dead-letter queue).
import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import { createEnvelope } from '../../canonical/index.js';
import { engineUnavailable, useEngine } from '../../runtime-plugins/engine-access.js';
import type { LimiterState, TargetLimiter } from '../../runtime-plugins/engine/limiter.js';
import type { DeliveryQueue, DeliveryToken, OutgoingDelivery, QueueSettingsInput, QueueStats } from '../../runtime-plugins/engine/queue.js';
import { failMessage } from '../../runtime-plugins/red/errors.js';
import { propertyReader } from '../../runtime-plugins/red/evaluate.js';
import { hasFeedbackPath } from '../../runtime-plugins/red/flow-graph.js';
import { isLimitedTarget } from '../../runtime-plugins/red/limited-target.js';
import { migrateConfig } from '../../runtime-plugins/red/migrations.js';
import { outcomesOf } from '../../runtime-plugins/red/outcome.js';
import { status } from '../../runtime-plugins/red/status.js';
import { SyncError } from '../../runtime-plugins/sync-error.js';
import { queueSettingsFrom, type StoreForwardConfig } from './settings.js';

const CONFIG_VERSION = 1;

type Msg = NodeMessageInFlow & { sync?: Record<string, unknown> };

function deliveryTokenOf(msg: Msg): DeliveryToken | undefined {
  const d = msg.sync?.['delivery'];
  if (typeof d !== 'object' || d === null) return undefined;
  const t = d as Partial<DeliveryToken>;
  return typeof t.queue === 'string' && typeof t.id === 'string' && Array.isArray(t.seqs) ? (t as DeliveryToken) : undefined;
}

function clock(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

export = function register(RED: NodeAPI): void {
  function StoreForwardNode(this: Node, raw: StoreForwardConfig): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const config = migrateConfig<StoreForwardConfig>(raw, [], CONFIG_VERSION);
    const queueId = (config.queueName || '').trim() || node.id;
    let settings: QueueSettingsInput;
    try {
      settings = queueSettingsFrom(config);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      node.status(status.failing(message));
      node.error(`Invalid configuration: ${message}`);
      return;
    }
    const batchSize = Number(settings.batchSize ?? 1);
    const readKey = propertyReader(RED, node, config.key || 'sync.businessKey', config.keyType || 'msg');
    const readLane = config.lane ? propertyReader(RED, node, config.lane, config.laneType || 'msg') : undefined;
    const targetNode = config.target ? RED.nodes.getNode(config.target) : null;
    if (config.target && !isLimitedTarget(targetNode)) node.warn(`Target ${config.target} is not deployed or has no limits; delivering without a shared limiter`);

    let queue: DeliveryQueue | undefined;
    let limiter: TargetLimiter | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let closed = false;
    const feedback = hasFeedbackPath(RED, node.id, 0);
    if (!feedback) {
      node.warn('Nothing wires the outcome of a delivery back into this node: deliveries can only end by timeout and will be redelivered. Wire the end of the delivery path (and a Catch node) back into this node.');
    }

    const showStatus = (): void => {
      statusTimer = undefined;
      if (closed || !queue) return;
      const q: QueueStats = queue.stats();
      const l: LimiterState | undefined = limiter?.state();
      const counts = `queued ${q.depth} · in flight ${q.inFlight}${q.deadLettered ? ` · dead ${q.deadLettered}` : ''}`;
      if (!feedback) node.status(status.failing(`no feedback wire · ${counts}`));
      else if (l?.paused) node.status(status.waiting(`${l.reason === 'maintenance' ? 'maintenance' : l.reason === 'daily-budget' ? 'daily budget used' : 'throttled'} until ${clock(l.pausedUntil ?? 0)} · ${counts}`));
      else if (q.depth === 0 && q.inFlight === 0) node.status(status.idle(`${q.delivered} delivered${q.deadLettered ? ` · dead ${q.deadLettered}` : ''}`));
      else node.status(status.working(counts));
    };
    const scheduleStatus = (): void => {
      if (!statusTimer && !closed) statusTimer = setTimeout(showStatus, 250);
    };

    const deliver = (d: OutgoingDelivery): void => {
      const attempt = d.token.attempt;
      let out: Record<string, unknown>;
      if (batchSize === 1 && d.messages.length === 1) {
        out = d.messages[0];
        const sync = typeof out['sync'] === 'object' && out['sync'] !== null ? (out['sync'] as Record<string, unknown>) : {};
        out['sync'] = { ...sync, delivery: d.token, attempt };
      } else {
        out = {
          _msgid: RED.util.generateId(),
          payload: d.messages.map((m) => m['payload']),
          batch: d.messages.map((m) => {
            const { payload: _p, ...rest } = m;
            return rest;
          }),
          sync: { ...createEnvelope({ businessKey: `batch:${d.token.id}`, correlationId: d.token.id }), delivery: d.token, attempt },
        };
      }
      node.send([out, null]);
      scheduleStatus();
    };

    const ready = useEngine(RED, node).then(async (e) => {
      if (isLimitedTarget(targetNode)) limiter = e.limiter(targetNode.limiterTarget, targetNode.limits);
      const q = await e.queue(queueId, settings);
      if (closed) return q;
      queue = q;
      q.on('state', scheduleStatus);
      q.on('accepted', scheduleStatus);
      limiter?.on('state', scheduleStatus);
      q.attach(deliver, limiter);
      showStatus();
      return q;
    });
    ready.catch(engineUnavailable(node));

    node.on('input', (msgIn, send, done) => {
      const msg = msgIn as Msg;
      ready
        .then(async (q) => {
          const token = deliveryTokenOf(msg);
          if (token && token.queue === queueId) {
            const outcomes = outcomesOf(msg, token.seqs.length);
            await q.settleLate(token, outcomes);
            if (outcomes.every((o) => o.ok)) send([null, msg]);
            scheduleStatus();
            done();
            return;
          }
          const key = config.orderByKey === false ? undefined : await readKey(msg);
          const laneValue = readLane ? await readLane(msg) : undefined;
          if (laneValue !== undefined && typeof laneValue !== 'string') {
            throw new SyncError(`the lane property gave a ${typeof laneValue}, expected a lane name`, { class: 'data', code: 'INVALID_LANE', retryable: false });
          }
          if (typeof msg.sync !== 'object' || msg.sync === null) {
            msg.sync = createEnvelope({ businessKey: typeof key === 'string' && key !== '' ? key : msg._msgid });
          }
          const sync = msg.sync;
          const opts: Parameters<DeliveryQueue['enqueue']>[1] = {};
          if (typeof key === 'string' || typeof key === 'number') opts.key = String(key);
          if (laneValue !== undefined) opts.lane = laneValue;
          if (typeof sync['correlationId'] === 'string') opts.correlationId = sync['correlationId'];
          if (typeof sync['businessKey'] === 'string') opts.businessKey = sync['businessKey'];
          await q.enqueue(msg, opts);
          scheduleStatus();
          done();
        })
        .catch((err: unknown) => {
          failMessage(msg, err, done);
          scheduleStatus();
        });
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      if (statusTimer) clearTimeout(statusTimer);
      if (queue) {
        queue.off('state', scheduleStatus);
        queue.off('accepted', scheduleStatus);
        queue.detach();
        if (removed && queue.stats().depth > 0) {
          RED.log.warn(`[syncwright] store-forward ${node.name || node.id} was removed with ${queue.stats().depth} messages queued in "${queueId}"; they are kept and delivered when a node with that queue name is deployed again`);
        }
      }
      limiter?.off('state', scheduleStatus);
      done();
    });
  }

  RED.nodes.registerType('syncwright-store-forward', StoreForwardNode);
};
