// The Salesforce sandbox: a faithful local Salesforce REST API (and Certinia PSA objects) for tests, benchmarks
// and the demo. Start it in-process with startSalesforceSandbox(); control it through `server` or /__sandbox/.
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { systemClock } from '../core/clock.js';
import { SandboxServer, type SandboxOptions } from '../core/sandbox.js';
import { DEFAULT_API_VERSION, SalesforceAdapter } from './adapter.js';
import type { ClientCredentialsApp, JwtApp, Session } from './auth.js';
import type { SObjectDef } from './schema.js';
import { toWire } from './store.js';

export { DEFAULT_API_VERSION } from './adapter.js';

export interface SalesforceSandboxOptions extends SandboxOptions {
  auth?: {
    /** JWT bearer flow: RS256 assertions signed with the key whose public half is given, for these usernames. */
    jwt?: { consumerKey: string; publicKeyPem: string; users: string[] };
    clientCredentials?: Array<{ clientId: string; clientSecret: string; username: string }>;
  };
  /** Access token lifetime; default 2 hours. Expired tokens get 401 INVALID_SESSION_ID. */
  tokenTtlMs?: number;
  /** The org's DailyApiRequests maximum (Sforce-Limit-Info, /limits, 403 REQUEST_LIMIT_EXCEEDED); default 15000. */
  dailyApiRequests?: number;
}

export interface SalesforceDemoCredentials {
  /** Where OAuth requests go (the sandbox itself, standing in for login.salesforce.com). */
  loginUrl: string;
  instanceUrl: string;
  apiVersion: string;
  username: string;
  clientId: string;
  clientSecret: string;
  consumerKey: string;
  /** PKCS#8 PEM of the generated RS256 key, when no JWT key was configured. */
  privateKeyPem?: string;
  publicKeyPem?: string;
}

export const DEMO_USERNAME = 'integration@syncwright.demo';
export const DEMO_CLIENT_ID = 'syncwright-demo-client';
export const DEMO_CLIENT_SECRET = 'syncwright-demo-secret';
export const DEMO_CONSUMER_KEY = 'syncwright-demo-consumer';

export class SalesforceSandbox {
  constructor(
    readonly server: SandboxServer,
    readonly adapter: SalesforceAdapter,
    readonly demo: SalesforceDemoCredentials,
  ) {}

  get url(): string {
    return this.server.url;
  }

  /** `{instanceUrl}/services/data/v62.0` (or the version asked for). */
  apiBase(version = DEFAULT_API_VERSION): string {
    return `${this.url}/services/data/v${version}`;
  }

  /** Issues an access token for a user directly, skipping OAuth (default: the demo integration user). */
  issueToken(username = this.demo.username): Session {
    const userId = this.adapter.userIdOf(username);
    if (!userId) throw new Error(`no user ${username} in the Salesforce sandbox`);
    return this.adapter.tokens.issue(username, userId);
  }

  /** Every live record of an sObject as the REST API shows it (add `includeDeleted` for the recycle bin). */
  records(sobject: string, includeDeleted = false): Array<Record<string, unknown>> {
    const def = this.def(sobject);
    return this.adapter.store.rows(def, includeDeleted).map((row) => toWire(def, row, DEFAULT_API_VERSION));
  }

  /** One record by Id, or undefined. */
  record(sobject: string, id: string): Record<string, unknown> | undefined {
    const def = this.def(sobject);
    const row = this.adapter.store.get(def, id);
    return row ? toWire(def, row, DEFAULT_API_VERSION) : undefined;
  }

  /** Live records whose external ID field equals `value` (case-insensitive, as Salesforce matches). */
  findByExternalId(sobject: string, field: string, value: string): Array<Record<string, unknown>> {
    const def = this.def(sobject);
    const f = def.byName.get(field.toLowerCase());
    if (!f) throw new Error(`${sobject} has no field ${field}`);
    return this.adapter.store.findBy(def, f, value).map((row) => toWire(def, row, DEFAULT_API_VERSION));
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private def(sobject: string): SObjectDef {
    const def = this.adapter.schema.get(sobject);
    if (!def) throw new Error(`the Salesforce sandbox has no sObject ${sobject}`);
    return def;
  }
}

export async function startSalesforceSandbox(options: SalesforceSandboxOptions = {}): Promise<SalesforceSandbox> {
  const dailyApiRequests = options.dailyApiRequests ?? 15_000;
  let jwt: JwtApp;
  let privateKeyPem: string | undefined;
  let publicKeyPem: string | undefined;
  if (options.auth?.jwt) {
    jwt = options.auth.jwt;
  } else {
    const pair = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
    privateKeyPem = await exportPKCS8(pair.privateKey);
    publicKeyPem = await exportSPKI(pair.publicKey);
    jwt = { consumerKey: DEMO_CONSUMER_KEY, publicKeyPem, users: [DEMO_USERNAME] };
  }
  const clientApps: ClientCredentialsApp[] = options.auth?.clientCredentials ?? [{ clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET, username: DEMO_USERNAME }];
  const adapter = new SalesforceAdapter({ clock: options.clock ?? systemClock, tokenTtlMs: options.tokenTtlMs ?? 2 * 3600_000, dailyApiRequests, jwtApps: [jwt], clientApps });
  await adapter.init();
  const server = new SandboxServer(adapter, { ...options, limits: { dailyBudget: dailyApiRequests, ...options.limits } });
  adapter.attach(server);
  await server.start();
  const username = clientApps[0]?.username ?? jwt.users[0] ?? DEMO_USERNAME;
  const demo: SalesforceDemoCredentials = {
    loginUrl: server.url,
    instanceUrl: server.url,
    apiVersion: DEFAULT_API_VERSION,
    username,
    clientId: clientApps[0]?.clientId ?? DEMO_CLIENT_ID,
    clientSecret: clientApps[0]?.clientSecret ?? DEMO_CLIENT_SECRET,
    consumerKey: jwt.consumerKey,
  };
  if (privateKeyPem) demo.privateKeyPem = privateKeyPem;
  if (publicKeyPem) demo.publicKeyPem = publicKeyPem;
  return new SalesforceSandbox(server, adapter, demo);
}
