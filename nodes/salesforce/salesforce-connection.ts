// syncwright-salesforce-connection (config node): one Salesforce org — login, API version, limits. It owns the
// one client (and token) shared by every node using it, and is the LimitedTarget whose limiter paces them.
import type { NodeAPI } from 'node-red';
import { useEngine } from '../../runtime-plugins/engine-access.js';
import { migrateConfig } from '../../runtime-plugins/red/migrations.js';
import { registerTestConnection } from '../../runtime-plugins/red/test-connection.js';
import { limitsFromConfig } from '../target/limits-config.js';
import { SalesforceClient } from './client/client.js';
import { clientOptionsFrom, CONNECTION_CONFIG_VERSION, CONNECTION_TYPE, CREDENTIAL_FIELDS, mappingContextFrom, testConnection, type SalesforceConnection, type SalesforceConnectionConfig, type SalesforceCredentials } from './connection.js';

export = function register(RED: NodeAPI): void {
  function SalesforceConnectionNode(this: SalesforceConnection, raw: SalesforceConnectionConfig): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const config = migrateConfig<SalesforceConnectionConfig>(raw, [], CONNECTION_CONFIG_VERSION);
    node.limiterTarget = `connection:${config.id}`;
    try {
      node.limits = limitsFromConfig(config);
      node.limitsError = undefined;
    } catch (err) {
      node.limits = {};
      node.limitsError = err instanceof Error ? err.message : String(err);
      node.error(`Invalid limits: ${node.limitsError}`);
    }
    node.mappingContext = mappingContextFrom(config);
    const engine = useEngine(RED, node);
    let shared: Promise<SalesforceClient> | undefined;
    node.client = () => {
      shared ??= engine.then((e) => new SalesforceClient({ ...clientOptionsFrom(config, node.credentials ?? {}), limiter: e.limiter(node.limiterTarget, node.limits) }));
      return shared;
    };
    engine
      .then((e) => e.limiter(node.limiterTarget, node.limits))
      .catch((err: unknown) => node.error(`Syncwright engine unavailable: ${err instanceof Error ? err.message : String(err)}`));
  }

  RED.nodes.registerType<SalesforceConnection, SalesforceConnectionConfig, unknown, SalesforceCredentials>(CONNECTION_TYPE, SalesforceConnectionNode, {
    credentials: {
      privateKey: { type: 'password' },
      clientId: { type: 'text' },
      clientSecret: { type: 'password' },
    },
  });
  registerTestConnection(RED, 'salesforce', CREDENTIAL_FIELDS, testConnection);
};
