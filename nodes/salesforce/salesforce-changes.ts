// syncwright-salesforce-changes: polls any sObject for records that changed (optionally only those meeting a
// SOQL condition) and emits each as a canonical object (or the record) with msg.sync. A durable poller keeps the
// cursor (SystemModstamp, Id) and the records found together, so a restart neither misses nor repeats a change.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { useEngine } from '../../runtime-plugins/engine-access.js';
import { DurablePoller } from '../../runtime-plugins/engine/poller.js';
import { migrateConfig } from '../../runtime-plugins/red/migrations.js';
import { brief, status } from '../../runtime-plugins/red/status.js';
import { toSyncError } from '../../runtime-plugins/sync-error.js';
import { changeFeedConfig, changesPoll, START_FROM_NOW, type ChangeCursor, type ChangeFeedConfig } from './changes.js';
import type { SalesforceClient } from './client/client.js';
import { isSalesforceConnection } from './connection.js';

const CONFIG_VERSION = 1;

interface ChangesConfig extends NodeDef {
  version?: number;
  connection: string;
  object: string;
  condition: string;
  output: string;
  fields: string;
  legalEntityField: string;
  /** Seconds between polls. */
  interval: string;
  startFrom: string;
  batchSize: string;
}

const number = (n: number) => n.toLocaleString('en-US');

function positive(value: string | undefined, fallback: number, field: string, max: number): number {
  if (value === undefined || String(value).trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new Error(`${field} must be a number above 0 and at most ${max}, got "${value}"`);
  return n;
}

export = function register(RED: NodeAPI): void {
  function SalesforceChangesNode(this: Node, raw: ChangesConfig): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const config = migrateConfig<ChangesConfig>(raw, [], CONFIG_VERSION);
    const connection = RED.nodes.getNode(config.connection);
    let intervalMs: number;
    let feed: ChangeFeedConfig;
    try {
      if (!isSalesforceConnection(connection)) throw new Error('no Salesforce connection is configured for this node');
      intervalMs = Math.round(positive(config.interval, 60, 'interval (seconds)', 86_400) * 1000);
      const batchSize = Math.floor(positive(config.batchSize, 200, 'records per poll', 2000));
      feed = changeFeedConfig({ object: config.object, condition: config.condition, output: config.output, fields: config.fields, legalEntityField: config.legalEntityField, batchSize });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      node.status(status.failing(brief(message)));
      node.error(`Invalid configuration: ${message}`);
      return;
    }
    const startFrom = config.startFrom === 'beginning' ? 'beginning' : 'now';
    let poller: DurablePoller<ChangeCursor> | undefined;
    let client: SalesforceClient | undefined;
    let closed = false;
    let lastProblem = '';
    let sent = 0;
    let unmapped = 0;

    const usage = (): string => {
      const u = client?.apiUsage;
      return u ? ` · api ${number(u.used)}/${number(u.max)}` : '';
    };

    const ready = useEngine(RED, node).then(async (engine) => {
      client = await connection.client();
      const p = new DurablePoller<ChangeCursor>(engine, `salesforce-changes:${node.id}`, {
        intervalMs,
        poll: changesPoll(client, connection.mappingContext, feed),
        emit: (msg) => {
          const sync = msg['sync'] as Record<string, unknown> | undefined;
          if (sync?.['error'] !== undefined) {
            unmapped += 1;
            node.send([null, msg]);
          } else {
            sent += 1;
            node.send([msg, null]);
          }
        },
        ...(startFrom === 'now' ? { initialCursor: () => START_FROM_NOW } : {}),
      });
      p.on('polled', ({ found }: { found: number }) => {
        lastProblem = '';
        if (!closed) node.status(status.working(brief(`${feed.object} · polled ${new Date().toTimeString().slice(0, 8)} · ${found} new · ${sent} sent${unmapped ? ` · ${unmapped} unmapped` : ''}${usage()}`)));
      });
      p.on('error', (err: unknown) => {
        const e = toSyncError(err, 'salesforce');
        node.status(e.syncwright.class === 'rate-limit' ? status.waiting(brief(`${e.syncwright.code}${usage()}`)) : status.failing(brief(`${e.syncwright.class} ${e.syncwright.code}${usage()}`)));
        if (e.message !== lastProblem) node.warn(`Polling Salesforce ${feed.object} failed (${e.syncwright.class}, ${e.syncwright.code}): ${e.message}; trying again in ${intervalMs / 1000} s`);
        lastProblem = e.message;
      });
      if (closed) return p;
      poller = p;
      await p.start();
      node.status(status.idle(`${feed.object} · waiting for the first poll`));
      return p;
    });
    ready.catch((err: unknown) => {
      const e = toSyncError(err, 'salesforce');
      node.status(status.failing(brief(e.message)));
      node.error(`Cannot start polling: ${e.message}`);
    });

    node.on('input', (_msg, _send, done) => {
      // Any message polls now instead of waiting for the interval (a poll running then is followed by another).
      poller?.trigger();
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

  RED.nodes.registerType('syncwright-salesforce-changes', SalesforceChangesNode);
};
