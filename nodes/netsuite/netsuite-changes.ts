// syncwright-netsuite-changes: a trigger that polls NetSuite for changed invoices and customer payments and
// emits each as a canonical Invoice or Payment with msg.sync. A durable cursor (DurablePoller) means a restart
// neither misses nor repeats a change; a change that cannot be mapped leaves on the second output.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { useEngine } from '../../runtime-plugins/engine-access.js';
import { DurablePoller } from '../../runtime-plugins/engine/poller.js';
import { migrateConfig } from '../../runtime-plugins/red/migrations.js';
import { brief, status } from '../../runtime-plugins/red/status.js';
import { toSyncError } from '../../runtime-plugins/sync-error.js';
import { initialCursor, NetSuiteChangeFeed, type ChangeCursor, type ChangeKind } from './changes.js';
import { isNetSuiteConnection } from './connection.js';
import { mappingContextFrom } from './mapping-context.js';

const CONFIG_VERSION = 1;

interface ChangesConfig extends NodeDef {
  version?: number;
  connection: string;
  invoices: boolean;
  payments: boolean;
  /** Seconds between polls. */
  interval: string;
  startFrom: 'now' | 'all';
  lookback: string;
  creditHold: boolean;
  /** Complete each change for a CRM (account key, balance, hold; an opportunity's totals). */
  rollups?: boolean;
  /** A payment also reports the invoices it pays. */
  paidInvoices?: boolean;
  context: string;
}

function seconds(value: string | undefined, fallback: number, field: string, min: number): number {
  if (value === undefined || String(value).trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`${field} must be a number of seconds, at least ${min}; got "${value}"`);
  return n;
}

function clock(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

export = function register(RED: NodeAPI): void {
  function NetSuiteChangesNode(this: Node, raw: ChangesConfig): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    let poller: DurablePoller<ChangeCursor> | undefined;
    let closed = false;
    let found = 0;
    let failed = 0;

    let setup: { feedOptions: ConstructorParameters<typeof NetSuiteChangeFeed>[1]; intervalMs: number; startFrom: 'now' | 'all' };
    const connection = RED.nodes.getNode(raw.connection);
    try {
      const config = migrateConfig<ChangesConfig>(raw, [], CONFIG_VERSION);
      if (!isNetSuiteConnection(connection)) throw new Error('no NetSuite connection is configured (or it is not deployed)');
      const kinds: ChangeKind[] = [];
      if (config.invoices !== false) kinds.push('invoice');
      if (config.payments !== false) kinds.push('payment');
      if (kinds.length === 0) throw new Error('choose invoices, payments or both');
      setup = {
        feedOptions: { kinds, context: mappingContextFrom(config.context), lookbackSeconds: seconds(config.lookback, 60, 'the look-back', 0), creditHold: config.creditHold !== false, rollups: config.rollups === true, paidInvoices: config.paidInvoices === true },
        intervalMs: seconds(config.interval, 60, 'the poll interval', 1) * 1000,
        startFrom: config.startFrom === 'all' ? 'all' : 'now',
      };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      node.status(status.failing(brief(message)));
      node.error(`Invalid configuration: ${message}`);
      return;
    }
    if (!isNetSuiteConnection(connection)) return;

    const showPolled = (info: { found: number }): void => {
      found += info.found;
      if (!closed) node.status(status.working(brief(`polled ${clock(Date.now())} · ${found} changes${failed ? ` · ${failed} unmapped` : ''}`)));
    };

    useEngine(RED, node)
      .then(async (engine) => {
        const client = await connection.client();
        const feed = new NetSuiteChangeFeed(client, setup.feedOptions);
        if (closed) return;
        poller = new DurablePoller<ChangeCursor>(engine, node.id, {
          intervalMs: setup.intervalMs,
          initialCursor: () => initialCursor(setup.startFrom),
          poll: (cursor) => feed.poll(cursor),
          emit: (msg) => {
            const sync = msg['sync'] as Record<string, unknown> | undefined;
            if (sync?.['error'] !== undefined) {
              failed += 1;
              node.send([null, msg]);
            } else node.send([msg, null]);
          },
        });
        poller.on('polled', showPolled);
        poller.on('error', (err: unknown) => {
          const e = toSyncError(err, 'netsuite');
          node.status(e.syncwright.class === 'rate-limit' ? status.waiting(brief(`throttled · ${e.syncwright.code}`)) : status.failing(brief(`${e.syncwright.class} ${e.syncwright.code}`)));
          node.warn(`polling NetSuite failed (${e.syncwright.class} ${e.syncwright.code}): ${e.message}; trying again in ${setup.intervalMs / 1000} s`);
        });
        node.status(status.idle('starting'));
        await poller.start();
      })
      .catch((err: unknown) => {
        const e = toSyncError(err, 'netsuite');
        node.status(status.failing(brief(`${e.syncwright.class} ${e.syncwright.code}`)));
        node.error(`cannot start polling NetSuite: ${e.message}`);
      });

    node.on('input', (_msg, _send, done) => {
      // Any message polls now.
      poller?.trigger();
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      const p = poller;
      poller = undefined;
      if (!p) return done();
      p.stop()
        .catch((err: unknown) => node.warn(`stopping the NetSuite poller: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => done());
    });
  }

  RED.nodes.registerType('syncwright-netsuite-changes', NetSuiteChangesNode);
};
