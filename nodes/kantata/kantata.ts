// syncwright-kantata: one operation (upsert, get, list, create, update, delete) on one Kantata OX object per
// message, through the connection's shared client and limiter.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { failMessage } from '../../runtime-plugins/red/errors.js';
import { evaluateProperty } from '../../runtime-plugins/red/evaluate.js';
import { migrateConfig } from '../../runtime-plugins/red/migrations.js';
import { brief, status } from '../../runtime-plugins/red/status.js';
import { toSyncError, type SyncError } from '../../runtime-plugins/sync-error.js';
import { KANTATA_TARGET } from './client/index.js';
import { isKantataConnection } from './connection.js';
import { checkSettings, runOperation, type NodeObject, type Operation, type OperationSettings } from './operation.js';

const CONFIG_VERSION = 1;

interface KantataNodeConfig extends NodeDef {
  connection: string;
  object: string;
  operation: string;
  input: string;
  recordId: string;
  recordIdType: string;
  key: string;
  keyType: string;
  params: string;
  paramsType: string;
  include: string;
  maxRecords: string;
  version?: number;
}

type Msg = NodeMessageInFlow & { sync?: Record<string, unknown> };

function clock(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

export = function register(RED: NodeAPI): void {
  function KantataNode(this: Node, raw: KantataNodeConfig): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const config = migrateConfig<KantataNodeConfig>(raw, [], CONFIG_VERSION);
    let settings: OperationSettings;
    try {
      checkSettings({ object: config.object, operation: config.operation, input: config.input || 'canonical' });
      const maxRecords = (config.maxRecords ?? '').trim();
      if (maxRecords !== '' && !/^[1-9]\d*$/.test(maxRecords)) throw new Error(`max records must be a whole number, got "${maxRecords}"`);
      settings = {
        object: config.object as NodeObject,
        operation: config.operation as Operation,
        input: config.input === 'vendor' ? 'vendor' : 'canonical',
        include: (config.include ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
        ...(maxRecords === '' ? {} : { maxRecords: Number(maxRecords) }),
      };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      node.status(status.failing(brief(message)));
      node.error(`Invalid configuration: ${message}`);
      return;
    }
    const connection = RED.nodes.getNode(config.connection);
    if (!isKantataConnection(connection)) {
      node.status(status.failing('no connection'));
      node.error('Invalid configuration: choose a Kantata connection');
      return;
    }
    node.status(status.idle(`${settings.operation} ${settings.object}`));

    node.on('input', (msgIn, send, done) => {
      const msg = msgIn as Msg;
      const sync = typeof msg.sync === 'object' && msg.sync !== null ? msg.sync : undefined;
      const delivery = sync?.['delivery'];
      const permitHeld = typeof delivery === 'object' && delivery !== null && (delivery as { target?: unknown }).target === connection.limiterTarget;
      const needsId = settings.operation === 'get' || settings.operation === 'update' || settings.operation === 'delete';
      const work = async () => {
        const client = await connection.client();
        const id = needsId ? await evaluateProperty(RED, node, config.recordId || 'payload.id', config.recordIdType || 'msg', msg) : undefined;
        const businessKey = settings.operation === 'upsert' && settings.input === 'vendor' ? await evaluateProperty(RED, node, config.key || 'sync.businessKey', config.keyType || 'msg', msg) : undefined;
        const params = settings.operation === 'list' && config.params ? await evaluateProperty(RED, node, config.params, config.paramsType || 'msg', msg) : undefined;
        const outcome = await runOperation(client, () => connection.mappingContext(), settings, { payload: msg.payload, sync, id, businessKey, params }, { permitHeld });
        return { outcome, client };
      };
      work()
        .then(({ outcome, client }) => {
          msg.payload = outcome.payload;
          if (outcome.result) {
            const s = (msg.sync ??= {});
            const results = typeof s['results'] === 'object' && s['results'] !== null ? (s['results'] as Record<string, unknown>) : {};
            results[`${KANTATA_TARGET}.${settings.object}`] = outcome.result;
            s['results'] = results;
          }
          const limiter = client.limiter?.state();
          const what = outcome.result
            ? `${outcome.result.deleted ? 'deleted' : outcome.result.created ? 'created' : 'updated'} ${settings.object} ${outcome.result.id}`
            : Array.isArray(outcome.payload)
              ? `listed ${outcome.payload.length} ${settings.object}`
              : `read ${settings.object}`;
          // Kantata reports no usage; with a daily budget configured, show what the limiter counted.
          const usage = limiter?.dailyAllowed !== undefined ? ` · api ${limiter.usedToday.toLocaleString('en-US')}/${limiter.dailyAllowed.toLocaleString('en-US')}` : '';
          node.status(limiter?.paused ? status.waiting(`${limiter.reason ?? 'throttled'} until ${clock(limiter.pausedUntil ?? 0)} · ${what}`) : status.working(brief(`${what}${usage} · ${clock(Date.now())}`, 60)));
          send(msg);
          done();
        })
        .catch((err: unknown) => {
          const e: SyncError = toSyncError(err, KANTATA_TARGET);
          const field = e.syncwright.fields?.[0];
          if (e.syncwright.class === 'rate-limit') {
            const wait = e.syncwright.retryAfterMs;
            node.status(status.waiting(wait === undefined ? `throttled (${e.syncwright.code})` : `paused: retry in ${Math.ceil(wait / 1000)} s`));
          }
          else node.status(status.failing(brief(`${e.syncwright.class} · ${field ?? e.syncwright.code}`)));
          failMessage(msg, e, done, KANTATA_TARGET);
        });
    });
  }
  RED.nodes.registerType('syncwright-kantata', KantataNode);
};
