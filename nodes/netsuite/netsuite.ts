// syncwright-netsuite: one NetSuite operation per message (upsert, create, get, update, delete, SuiteQL query,
// list) on a connection, with canonical input mapped by the NetSuite mappings or vendor-shaped input. Ids go to
// msg.sync.results["netsuite.<type>"]; failures go through done(err) with their classification.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { useEngine } from '../../runtime-plugins/engine-access.js';
import type { Engine } from '../../runtime-plugins/engine/engine.js';
import type { TargetLimiter } from '../../runtime-plugins/engine/limiter.js';
import { failMessage } from '../../runtime-plugins/red/errors.js';
import { evaluateProperty } from '../../runtime-plugins/red/evaluate.js';
import { migrateConfig } from '../../runtime-plugins/red/migrations.js';
import { brief, status } from '../../runtime-plugins/red/status.js';
import { SyncError } from '../../runtime-plugins/sync-error.js';
import { isNetSuiteConnection, type NetSuiteConnection } from './connection.js';
import { mappingContextFrom } from './mapping-context.js';
import { OPERATIONS, runOperation, type Operation, type OperationRequest } from './operation.js';

const CONFIG_VERSION = 1;

interface NetSuiteNodeConfig extends NodeDef {
  version?: number;
  connection: string;
  operation: Operation;
  recordType: string;
  input: 'canonical' | 'vendor';
  externalIdFrom: 'record' | 'businessKey';
  recordId: string;
  recordIdType: string;
  query: string;
  expandSubResources: boolean;
  async: boolean;
  context: string;
}

type Msg = NodeMessageInFlow & { sync?: Record<string, unknown>; recordId?: unknown; query?: unknown; params?: unknown; q?: unknown; recordType?: unknown };

function clock(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

export = function register(RED: NodeAPI): void {
  function NetSuiteNode(this: Node, raw: NetSuiteNodeConfig): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const config = migrateConfig<NetSuiteNodeConfig>(raw, [], CONFIG_VERSION);
    const connectionNode = RED.nodes.getNode(config.connection);
    const connection: NetSuiteConnection | undefined = isNetSuiteConnection(connectionNode) ? connectionNode : undefined;
    let setupError: string | undefined;
    let context;
    try {
      if (!connection) throw new Error('no NetSuite connection is configured (or it is not deployed)');
      if (!(OPERATIONS as readonly string[]).includes(config.operation)) throw new Error(`operation "${String(config.operation)}" is not one of ${OPERATIONS.join(', ')}`);
      context = mappingContextFrom(config.context);
    } catch (err) {
      setupError = err instanceof Error ? err.message : String(err);
      node.status(status.failing(brief(setupError)));
      node.error(`Invalid configuration: ${setupError}`);
    }
    const mappingContext = context;

    let engine: Engine | undefined;
    useEngine(RED, node)
      .then((e) => {
        engine = e;
      })
      .catch((err: unknown) => node.error(`Syncwright engine unavailable: ${err instanceof Error ? err.message : String(err)}`));

    let limiter: TargetLimiter | undefined;
    let inFlight = 0;
    let last: { ok: boolean; text: string } | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    const showStatus = (): void => {
      statusTimer = undefined;
      if (setupError) return;
      const state = limiter?.state();
      const running = state ? `${state.running}/${state.limits.concurrency ?? '∞'} in flight` : `${inFlight} in flight`;
      if (state?.paused) node.status(status.waiting(brief(`${state.reason === 'maintenance' ? 'maintenance' : state.reason === 'daily-budget' ? 'daily budget used' : 'throttled'} until ${clock(state.pausedUntil ?? 0)} · ${running}`)));
      else if (last === undefined) node.status(status.idle(inFlight > 0 ? running : ''));
      else if (last.ok) node.status(status.working(brief(`${last.text} · ${running}`)));
      else node.status(status.failing(brief(`${last.text} · ${running}`)));
    };
    const scheduleStatus = (): void => {
      if (!statusTimer) statusTimer = setTimeout(showStatus, 100);
    };
    if (!setupError) node.status(status.idle());

    node.on('input', (msgIn, send, done) => {
      const msg = msgIn as Msg;
      if (setupError || !connection || !mappingContext) {
        failMessage(msg, new SyncError(`the netsuite node is not configured: ${setupError ?? 'unknown problem'}`, { class: 'data', code: 'INVALID_CONFIGURATION', retryable: false, target: 'netsuite' }), done);
        return;
      }
      inFlight += 1;
      scheduleStatus();
      const recordType = config.recordType.trim() !== '' ? config.recordType.trim() : typeof msg.recordType === 'string' ? msg.recordType : '';
      const started = Date.now();
      const work = async (): Promise<void> => {
        const client = await connection.client();
        if (!limiter && client.limiter) {
          limiter = client.limiter;
          limiter.on('state', scheduleStatus);
        }
        if (recordType === '' && config.operation !== 'query') {
          throw new SyncError('no record type: set it in the node or in msg.recordType', { class: 'data', code: 'MISSING_RECORD_TYPE', retryable: false, target: 'netsuite', fields: ['recordType'] });
        }
        const recordId = config.recordId ? await evaluateProperty(RED, node, config.recordId, config.recordIdType || 'msg', msg) : undefined;
        const delivery = msg.sync?.['delivery'];
        const req: OperationRequest = {
          operation: config.operation,
          recordType,
          input: config.input === 'vendor' ? 'vendor' : 'canonical',
          externalIdFrom: config.externalIdFrom === 'businessKey' ? 'businessKey' : 'record',
          payload: msg.payload,
          recordId,
          sync: msg.sync,
          context: mappingContext,
          expandSubResources: config.expandSubResources !== false,
          async: config.async === true,
          query: config.query && config.query.trim() !== '' ? config.query : typeof msg.query === 'string' ? msg.query : typeof msg.payload === 'string' && config.operation === 'query' ? msg.payload : undefined,
          params: msg.params,
          q: typeof msg.q === 'string' ? msg.q : undefined,
          permitHeld: typeof delivery === 'object' && delivery !== null && (delivery as { target?: unknown }).target === connection.limiterTarget,
        };
        const outcome = await runOperation(client, req);
        msg.payload = outcome.payload;
        if (outcome.extra) Object.assign(msg, outcome.extra);
        if (outcome.result) {
          const sync = (msg.sync ??= {});
          const results = typeof sync['results'] === 'object' && sync['results'] !== null ? (sync['results'] as Record<string, unknown>) : {};
          results[`netsuite.${recordType}`] = outcome.result;
          sync['results'] = results;
        }
        last = { ok: true, text: outcome.summary };
        record(msg, 'ok', { operation: config.operation, type: recordType, ...(outcome.result ? { id: outcome.result.id } : {}), ms: Date.now() - started });
        send(msg);
        done();
      };
      work()
        .catch((err: unknown) => {
          const e = failMessage(msg, err, done, 'netsuite');
          last = { ok: false, text: `${e.syncwright.class} ${e.syncwright.code}` };
          record(msg, 'failed', { operation: config.operation, type: recordType }, e);
        })
        .finally(() => {
          inFlight -= 1;
          scheduleStatus();
        });
    });

    /** A journal entry for messages that belong to a transaction (never the payload, never credentials). */
    function record(msg: Msg, outcome: 'ok' | 'failed', detail: Record<string, string | number>, err?: SyncError): void {
      const correlationId = msg.sync?.['correlationId'];
      if (!engine || typeof correlationId !== 'string') return;
      const businessKey = msg.sync?.['businessKey'];
      engine.record({
        correlationId,
        ...(typeof businessKey === 'string' ? { businessKey } : {}),
        stage: `netsuite.${config.operation}`,
        status: outcome,
        source: { nodeId: node.id, nodeType: 'syncwright-netsuite', name: node.name },
        ...(err ? { errorClass: err.syncwright.class, code: err.syncwright.code, message: err.message } : {}),
        detail,
      });
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      if (statusTimer) clearTimeout(statusTimer);
      limiter?.off('state', scheduleStatus);
      done();
    });
  }

  RED.nodes.registerType('syncwright-netsuite', NetSuiteNode);
};
