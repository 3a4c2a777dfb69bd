// syncwright-netsuite-connection (config node): a NetSuite account, how to sign in (OAuth 2.0 client
// credentials or token-based authentication), and its limits. One client per connection, shared by every
// node that uses it; every request goes through the connection's one limiter. Test connection in the editor.
import type { Node, NodeAPI } from 'node-red';
import { useEngine } from '../../runtime-plugins/engine-access.js';
import type { TargetLimitsInput } from '../../runtime-plugins/engine/limiter.js';
import { migrateConfig } from '../../runtime-plugins/red/migrations.js';
import { registerTestConnection } from '../../runtime-plugins/red/test-connection.js';
import { NetSuiteClient } from './client/client.js';
import { clientOptionsFrom, connectionLimits, CONNECTION_TYPE, CREDENTIAL_FIELDS, type NetSuiteConnection, type NetSuiteConnectionConfig, type NetSuiteCredentials } from './connection.js';

const CONFIG_VERSION = 1;

type SavedCredentials = Record<(typeof CREDENTIAL_FIELDS)[number], unknown>;
type ConnectionNode = Node<SavedCredentials> & NetSuiteConnection & { limits: TargetLimitsInput; limitsError?: string | undefined };

/** The saved credentials that are strings (Node-RED hands them over untyped). */
function credentialsOf(raw: unknown): NetSuiteCredentials {
  const out: NetSuiteCredentials = {};
  if (typeof raw !== 'object' || raw === null) return out;
  for (const field of CREDENTIAL_FIELDS) {
    const v = (raw as Record<string, unknown>)[field];
    if (typeof v === 'string') out[field] = v;
  }
  return out;
}

export = function register(RED: NodeAPI): void {
  function NetSuiteConnectionNode(this: ConnectionNode, raw: NetSuiteConnectionConfig): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const config = migrateConfig<NetSuiteConnectionConfig>(raw, [], CONFIG_VERSION);
    const credentials = credentialsOf(node.credentials);
    node.accountId = (config.accountId ?? '').trim();
    node.limiterTarget = `connection:${config.id}`;
    try {
      node.limits = connectionLimits(config);
      node.limitsError = undefined;
    } catch (err) {
      node.limits = { concurrency: 5 };
      node.limitsError = err instanceof Error ? err.message : String(err);
      node.error(`Invalid limits: ${node.limitsError}`);
    }
    const engine = useEngine(RED, node);
    engine.catch((err: unknown) => node.error(`Syncwright engine unavailable: ${err instanceof Error ? err.message : String(err)}`));

    let shared: Promise<NetSuiteClient> | undefined;
    node.client = () => {
      shared ??= engine.then((e) => new NetSuiteClient({ ...clientOptionsFrom(config, credentials), limiter: e.limiter(node.limiterTarget, node.limits) }));
      return shared;
    };
  }

  RED.nodes.registerType<ConnectionNode, NetSuiteConnectionConfig, unknown, SavedCredentials>(CONNECTION_TYPE, NetSuiteConnectionNode, {
    credentials: {
      privateKey: { type: 'password' },
      consumerKey: { type: 'password' },
      consumerSecret: { type: 'password' },
      tokenId: { type: 'password' },
      tokenSecret: { type: 'password' },
    },
  });

  registerTestConnection(RED, 'netsuite', CREDENTIAL_FIELDS, async (config, credentials) => {
    const client = new NetSuiteClient(clientOptionsFrom(config, credentials));
    return client.testConnection();
  });
};
