// syncwright-salesforce: one operation (upsert, bulk upsert, create, get, update, delete, query) on one
// Salesforce or Certinia object, canonical or vendor-shaped, through the connection's shared client.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { createEnvelope } from '../../canonical/index.js';
import type { LimiterState, TargetLimiter } from '../../runtime-plugins/engine/limiter.js';
import { failMessage } from '../../runtime-plugins/red/errors.js';
import { evaluateProperty } from '../../runtime-plugins/red/evaluate.js';
import { migrateConfig } from '../../runtime-plugins/red/migrations.js';
import { brief, status } from '../../runtime-plugins/red/status.js';
import { SyncError, toSyncError } from '../../runtime-plugins/sync-error.js';
import type { SalesforceClient } from './client/client.js';
import { isSalesforceConnection, type SalesforceConnection } from './connection.js';
import { checkSettings, runOperation, type OperationSettings } from './operation.js';

const CONFIG_VERSION = 1;

interface SalesforceNodeConfig extends NodeDef {
  version?: number;
  connection: string;
  operation: string;
  sobject: string;
  externalIdField: string;
  input: string;
  lineItems: string;
  lookup: string;
  key: string;
  keyType: string;
  allOrNone: boolean;
  query: string;
}

type Msg = NodeMessageInFlow & { sync?: Record<string, unknown>; batch?: unknown; results?: unknown; params?: unknown; query?: unknown; totalSize?: number };

const number = (n: number) => n.toLocaleString('en-US');

function clock(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

export = function register(RED: NodeAPI): void {
  function SalesforceNode(this: Node, raw: SalesforceNodeConfig): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const config = migrateConfig<SalesforceNodeConfig>(raw, [], CONFIG_VERSION);
    const connectionNode = RED.nodes.getNode(config.connection);
    const connection: SalesforceConnection | undefined = isSalesforceConnection(connectionNode) ? connectionNode : undefined;
    let settings: OperationSettings | undefined;
    let setupError: SyncError | undefined;
    try {
      settings = checkSettings(config);
    } catch (err) {
      setupError = toSyncError(err, 'salesforce');
    }
    if (!connection) setupError = new SyncError('no Salesforce connection is configured for this node', { class: 'data', code: 'NO_CONNECTION', retryable: false, target: 'salesforce', fields: ['connection'] });
    if (setupError) {
      node.status(status.failing(brief(setupError.message)));
      node.error(`Invalid configuration: ${setupError.message}`);
    } else {
      node.status(status.idle());
    }

    let client: SalesforceClient | undefined;
    let limiter: TargetLimiter | undefined;
    let last: { ok: boolean; text: string } | undefined;
    const usage = (): string => {
      const u = client?.apiUsage;
      return u ? ` · api ${number(u.used)}/${number(u.max)}` : '';
    };
    const show = (): void => {
      const state: LimiterState | undefined = limiter?.state();
      if (state?.paused) {
        const why = state.reason === 'maintenance' ? 'maintenance' : state.reason === 'daily-budget' ? 'daily budget used' : 'throttled';
        node.status(status.waiting(brief(`${why} until ${clock(state.pausedUntil ?? 0)}${usage()}`)));
      } else if (last) {
        node.status(last.ok ? status.working(brief(`${last.text}${usage()}`)) : status.failing(brief(`${last.text}${usage()}`)));
      }
    };
    const onLimiterState = (): void => show();
    const clientReady = async (): Promise<SalesforceClient> => {
      if (client) return client;
      const c = await (connection as SalesforceConnection).client();
      if (!client) {
        client = c;
        limiter = c.limiter;
        limiter?.on('state', onLimiterState);
      }
      return c;
    };

    node.on('input', (msgIn, send, done) => {
      const msg = msgIn as Msg;
      if (setupError || !settings || !connection) {
        failMessage(msg, setupError, done, 'salesforce');
        return;
      }
      const s = settings;
      const needsKey = s.operation === 'get' || s.operation === 'delete' || s.operation === 'update';
      const work = async (): Promise<void> => {
        const c = await clientReady();
        const sync = typeof msg.sync === 'object' && msg.sync !== null ? msg.sync : undefined;
        const delivery = sync?.['delivery'];
        // A store-forward paced by this connection's limiter already holds the slot for this request.
        const permitHeld = typeof delivery === 'object' && delivery !== null && (delivery as { target?: unknown }).target === connection.limiterTarget;
        const key = needsKey && config.key ? await evaluateProperty(RED, node, config.key, config.keyType || 'msg', msg) : undefined;
        const batchSchemas = Array.isArray(msg.batch) ? (msg.batch as unknown[]).map((b) => schemaOf((b as { sync?: unknown } | null)?.sync)) : undefined;
        const outcome = await runOperation(
          c,
          connection.mappingContext,
          s,
          {
            payload: msg.payload,
            key,
            ...(schemaOf(sync) !== undefined ? { schema: schemaOf(sync) } : {}),
            ...(batchSchemas ? { batchSchemas } : {}),
            ...(typeof sync?.['correlationId'] === 'string' ? { correlationId: sync['correlationId'] } : {}),
            params: msg.params,
            query: msg.query,
          },
          { permitHeld },
        );
        const resultKey = `salesforce.${s.sobject}`;
        if (outcome.kind === 'write') {
          msg.payload = outcome.payload;
          const env = ensureSync(msg, typeof outcome.payload['key'] === 'string' ? outcome.payload['key'] : outcome.result.id);
          env['results'] = { ...(env['results'] as Record<string, unknown> | undefined), [resultKey]: outcome.result };
        } else if (outcome.kind === 'read') {
          msg.payload = outcome.payload;
          if (outcome.totalSize !== undefined) msg.totalSize = outcome.totalSize;
        } else {
          msg.results = outcome.results;
          const only = outcome.results.length === 1 ? outcome.results[0] : undefined;
          if (only && !only.ok) {
            // A batch of one settles by msg.sync.error, as a single message does.
            last = { ok: false, text: `${outcome.failures[0]?.syncwright.class ?? 'failed'} ${outcome.failures[0]?.syncwright.code ?? ''}` };
            show();
            failMessage(msg, outcome.failures[0], done, 'salesforce');
            return;
          }
          if (only?.ok) {
            const env = ensureSync(msg, only.id);
            env['results'] = { ...(env['results'] as Record<string, unknown> | undefined), [resultKey]: { id: only.id, created: only.created } };
          }
        }
        last = { ok: !(outcome.kind === 'batch' && outcome.failures.length === outcome.results.length && outcome.results.length > 0), text: outcome.summary };
        show();
        send(msg);
        done();
      };
      work().catch((err: unknown) => {
        const e = toSyncError(err, 'salesforce');
        last = { ok: false, text: `${e.syncwright.class} ${e.syncwright.code}` };
        show();
        failMessage(msg, e, done, 'salesforce');
      });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      limiter?.off('state', onLimiterState);
      done();
    });
  }

  RED.nodes.registerType('syncwright-salesforce', SalesforceNode);
};

function schemaOf(sync: unknown): string | undefined {
  return typeof sync === 'object' && sync !== null && typeof (sync as { schema?: unknown }).schema === 'string' ? (sync as { schema: string }).schema : undefined;
}

/** msg.sync, started when the message has none (a vendor-shaped message from outside Syncwright). */
function ensureSync(msg: Msg, businessKey: string): Record<string, unknown> {
  if (typeof msg.sync !== 'object' || msg.sync === null) msg.sync = createEnvelope({ businessKey: businessKey || msg._msgid });
  return msg.sync;
}
