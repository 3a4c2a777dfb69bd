// syncwright-kantata-connection (config node): the Kantata OX base URL, the bearer token (a credential) and the
// limits every request of its one shared client goes through.
import type { NodeAPI } from 'node-red';
import { useEngine } from '../../runtime-plugins/engine-access.js';
import { registerTestConnection } from '../../runtime-plugins/red/test-connection.js';
import { SyncError } from '../../runtime-plugins/sync-error.js';
import { limitsFromConfig } from '../target/limits-config.js';
import { KantataClient, KANTATA_TARGET } from './client/index.js';
import { checkBaseUrl, loadMappingContext, testKantataConnection, timeoutMsOf, type KantataConnectionConfig, type KantataConnectionNode, type KantataCredentials } from './connection.js';

export = function register(RED: NodeAPI): void {
  function KantataConnectionNode(this: KantataConnectionNode, config: KantataConnectionConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    node.limiterTarget = `connection:${config.id}`;
    let configError: string | undefined;
    try {
      node.baseUrl = checkBaseUrl(config.baseUrl ?? '');
    } catch (err) {
      node.baseUrl = config.baseUrl;
      configError = err instanceof Error ? err.message : String(err);
    }
    try {
      node.limits = limitsFromConfig(config);
      node.limitsError = undefined;
    } catch (err) {
      node.limits = {};
      node.limitsError = err instanceof Error ? err.message : String(err);
      node.error(`Invalid limits: ${node.limitsError}`);
    }
    let timeoutMs = 60_000;
    try {
      timeoutMs = timeoutMsOf(config.timeoutSeconds);
    } catch (err) {
      configError ??= err instanceof Error ? err.message : String(err);
    }
    if (configError) node.error(`Invalid Kantata connection: ${configError}`);

    const engine = useEngine(RED, node);
    engine.catch((err: unknown) => node.error(`Syncwright engine unavailable: ${err instanceof Error ? err.message : String(err)}`));
    let client: Promise<KantataClient> | undefined;
    node.client = () => {
      client ??= engine.then((e) => {
        if (configError) throw new SyncError(`the Kantata connection is misconfigured: ${configError}`, { class: 'data', code: 'INVALID_CONNECTION', retryable: false, target: KANTATA_TARGET });
        // Node-RED leaves credentials unset when none were ever saved.
        const token = ((node.credentials as KantataCredentials | undefined)?.token ?? '').trim();
        if (token === '') throw new SyncError('the Kantata connection has no bearer token: enter one in the connection', { class: 'auth', code: 'NO_TOKEN', retryable: false, target: KANTATA_TARGET });
        return new KantataClient({ baseUrl: node.baseUrl, token, limiter: e.limiter(node.limiterTarget, node.limits), timeoutMs });
      });
      // A failure to build the client (no engine yet) is not kept: the next message tries again.
      client.catch(() => {
        client = undefined;
      });
      return client;
    };
    let context: ReturnType<KantataConnectionNode['mappingContext']> | undefined;
    node.mappingContext = () => {
      context ??= node.client().then(loadMappingContext);
      context.catch(() => {
        context = undefined;
      });
      return context;
    };
  }
  RED.nodes.registerType<KantataConnectionNode, KantataConnectionConfig, unknown, KantataCredentials>('syncwright-kantata-connection', KantataConnectionNode, { credentials: { token: { type: 'password' } } });
  registerTestConnection(RED, 'kantata', ['token'], testKantataConnection);
};
