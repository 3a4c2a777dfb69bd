// syncwright-salesforce-closed-won: polls Opportunities that became won (or, watching every opportunity, each
// change of those matching a condition) and emits each as a canonical Opportunity with msg.sync. A durable poller keeps the cursor and the found records together, so a restart
// neither misses nor repeats one.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { useEngine } from '../../runtime-plugins/engine-access.js';
import { DurablePoller } from '../../runtime-plugins/engine/poller.js';
import { migrateConfig } from '../../runtime-plugins/red/migrations.js';
import { brief, status } from '../../runtime-plugins/red/status.js';
import { toSyncError } from '../../runtime-plugins/sync-error.js';
import type { SalesforceClient } from './client/client.js';
import { CHANGED_TOPIC, CLOSED_WON_TOPIC, closedWonPoll, isUnmappableTopic, START_FROM_NOW, watchCondition, type ClosedWonCursor, type OpportunityWatch } from './closed-won.js';
import { isSalesforceConnection } from './connection.js';

const CONFIG_VERSION = 1;

interface ClosedWonConfig extends NodeDef {
  version?: number;
  connection: string;
  /** Seconds between polls. */
  interval: string;
  startFrom: string;
  batchSize: string;
  emit: string;
  /** `won` (default) or `all`. */
  watch?: string;
  /** A SOQL condition ANDed to the watched opportunities. */
  condition?: string;
}

const number = (n: number) => n.toLocaleString('en-US');

function positive(value: string | undefined, fallback: number, field: string, max: number): number {
  if (value === undefined || String(value).trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new Error(`${field} must be a number between 0 and ${max}, got "${value}"`);
  return n;
}

export = function register(RED: NodeAPI): void {
  function ClosedWonNode(this: Node, raw: ClosedWonConfig): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const config = migrateConfig<ClosedWonConfig>(raw, [], CONFIG_VERSION);
    const connection = RED.nodes.getNode(config.connection);
    let intervalMs: number;
    let batchSize: number;
    let where: string;
    const watch: OpportunityWatch = config.watch === 'all' ? 'all' : 'won';
    try {
      if (!isSalesforceConnection(connection)) throw new Error('no Salesforce connection is configured for this node');
      where = watchCondition(watch, config.condition ?? '');
      intervalMs = Math.round(positive(config.interval, 60, 'interval (seconds)', 86_400) * 1000);
      batchSize = Math.floor(positive(config.batchSize, 200, 'records per poll', 2000));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      node.status(status.failing(brief(message)));
      node.error(`Invalid configuration: ${message}`);
      return;
    }
    const emitMode = config.emit === 'every-change' ? 'every-change' : 'once';
    const startFrom = config.startFrom === 'beginning' ? 'beginning' : 'now';
    let poller: DurablePoller<ClosedWonCursor> | undefined;
    let client: SalesforceClient | undefined;
    let closed = false;
    let lastProblem = '';
    let emitted = 0;
    // The poller schedules its next poll when one ends; a "poll now" that arrives during a poll waits for that,
    // so it neither runs a second poll on the same cursor nor is overridden by the interval.
    let polling = false;
    let pollRequested = false;
    const pollEnded = (): void => {
      polling = false;
      if (!pollRequested) return;
      pollRequested = false;
      setTimeout(() => pollNow(), 0);
    };
    const pollNow = (): void => {
      if (closed || !poller) return;
      if (polling) pollRequested = true;
      else poller.trigger();
    };

    const usage = (): string => {
      const u = client?.apiUsage;
      return u ? ` · api ${number(u.used)}/${number(u.max)}` : '';
    };

    const ready = useEngine(RED, node).then(async (engine) => {
      client = await connection.client();
      const markPrefix = `salesforce-closed-won/${node.id}/emitted/`;
      const topic = watch === 'all' ? CHANGED_TOPIC : CLOSED_WON_TOPIC;
      const poll = closedWonPoll({ client, context: connection.mappingContext, batchSize, emit: emitMode, store: engine.store, markPrefix, where, topic });
      const p = new DurablePoller<ClosedWonCursor>(engine, `salesforce-closed-won:${node.id}`, {
        intervalMs,
        poll: (cursor) => {
          polling = true;
          return poll(cursor);
        },
        emit: (msg) => {
          if (isUnmappableTopic(msg['topic'])) {
            const error = (msg['sync'] as { error?: { message?: string } } | undefined)?.error;
            node.error(`A${watch === 'won' ? ' won' : 'n'} opportunity could not be mapped: ${error?.message ?? 'unknown problem'}`, msg);
            return;
          }
          emitted += 1;
          node.send(msg);
        },
        ...(startFrom === 'now' ? { initialCursor: () => START_FROM_NOW } : {}),
      });
      p.on('polled', ({ found }: { found: number }) => {
        pollEnded();
        lastProblem = '';
        node.status(status.working(brief(`polled ${new Date().toTimeString().slice(0, 8)} · ${found} new · ${emitted} sent${usage()}`)));
      });
      p.on('error', (err: unknown) => {
        pollEnded();
        const e = toSyncError(err, 'salesforce');
        node.status(e.syncwright.class === 'rate-limit' ? status.waiting(brief(`${e.syncwright.code}${usage()}`)) : status.failing(brief(`${e.syncwright.class} ${e.syncwright.code}${usage()}`)));
        if (e.message !== lastProblem) node.warn(`Polling Salesforce failed (${e.syncwright.class}, ${e.syncwright.code}): ${e.message}; trying again in ${intervalMs / 1000} s`);
        lastProblem = e.message;
      });
      if (closed) return p;
      poller = p;
      await p.start();
      node.status(status.idle('waiting for the first poll'));
      return p;
    });
    ready.catch((err: unknown) => {
      const e = toSyncError(err, 'salesforce');
      node.status(status.failing(brief(e.message)));
      node.error(`Cannot start polling: ${e.message}`);
    });

    node.on('input', (_msg, _send, done) => {
      // A message polls now instead of waiting for the interval.
      pollNow();
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      const p = poller;
      poller = undefined;
      if (!p) {
        done();
        return;
      }
      p.stop()
        .catch((err: unknown) => node.error(`Stopping the poller failed: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => done());
    });
  }

  RED.nodes.registerType('syncwright-salesforce-closed-won', ClosedWonNode);
};
