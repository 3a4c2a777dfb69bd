// The Salesforce connection as its config node stores it (strings from the editor, secrets in credentials)
// → client options, the shared client of a connection node, and the plain-words answer of Test connection.
import type { Node, NodeDef } from 'node-red';
import { defaultSalesforceContext, type SalesforceMappingContext } from '../../canonical/mappings/salesforce/index.js';
import type { LimitedTarget } from '../../runtime-plugins/red/limited-target.js';
import type { ConnectionTestResult } from '../../runtime-plugins/red/test-connection.js';
import { isSyncError } from '../../runtime-plugins/sync-error.js';
import type { SalesforceAuthConfig } from './client/auth.js';
import { DEFAULT_API_VERSION, SalesforceClient, type SalesforceClientOptions } from './client/client.js';
import { isUnreachable, SalesforceError, TARGET, unreachableWords } from './client/errors.js';
import type { TargetConfig } from '../target/limits-config.js';

export const CONNECTION_TYPE = 'syncwright-salesforce-connection';
export const CONNECTION_CONFIG_VERSION = 1;
/** Credential fields of the connection (all secret but the client id, which Salesforce also calls consumer key). */
export const CREDENTIAL_FIELDS = ['privateKey', 'clientId', 'clientSecret'] as const;

export interface SalesforceConnectionConfig extends NodeDef, Partial<Omit<TargetConfig, keyof NodeDef>> {
  version?: number;
  loginUrl: string;
  instanceUrl?: string;
  apiVersion?: string;
  authType: 'jwt' | 'client-credentials';
  consumerKey?: string;
  username?: string;
  /** Seconds per call. */
  timeout?: string;
  corporateCurrency?: string;
  multiCurrency?: boolean | string;
}

export interface SalesforceCredentials {
  privateKey?: string;
  clientId?: string;
  clientSecret?: string;
}

/** What operation and trigger nodes see of a deployed connection node. */
export interface SalesforceConnection extends Node<SalesforceCredentials>, LimitedTarget {
  /** The one client of this connection, created on first use (rejects with the configuration problem). */
  client(): Promise<SalesforceClient>;
  mappingContext: SalesforceMappingContext;
}

export function isSalesforceConnection(node: unknown): node is SalesforceConnection {
  return typeof node === 'object' && node !== null && typeof (node as SalesforceConnection).client === 'function' && typeof (node as SalesforceConnection).limiterTarget === 'string';
}

/** A connection setting that cannot work: a data error (retrying will not help), naming the setting. */
function settingError(message: string, field: string): SalesforceError {
  return new SalesforceError(message, { class: 'data', code: 'INVALID_CONNECTION_SETTING', retryable: false, target: TARGET, fields: [field] });
}

function text(v: unknown): string {
  return typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
}

/** Client options from the stored fields and credentials (no limiter: the node adds the shared one). */
export function clientOptionsFrom(config: Partial<Record<keyof SalesforceConnectionConfig, unknown>>, credentials: SalesforceCredentials): SalesforceClientOptions {
  const authType = text(config.authType) || 'jwt';
  if (authType !== 'jwt' && authType !== 'client-credentials') throw settingError(`authentication "${authType}" must be jwt or client-credentials`, 'authType');
  const auth: SalesforceAuthConfig =
    authType === 'jwt'
      ? { type: 'jwt', consumerKey: text(config.consumerKey), username: text(config.username), privateKeyPem: credentials.privateKey ?? '' }
      : { type: 'client-credentials', clientId: text(credentials.clientId), clientSecret: credentials.clientSecret ?? '' };
  const options: SalesforceClientOptions = { loginUrl: text(config.loginUrl) || 'https://login.salesforce.com', apiVersion: text(config.apiVersion) || DEFAULT_API_VERSION, auth };
  const instanceUrl = text(config.instanceUrl);
  if (instanceUrl !== '') options.instanceUrl = instanceUrl;
  const timeout = text(config.timeout);
  if (timeout !== '') {
    const seconds = Number(timeout);
    if (!Number.isFinite(seconds) || seconds <= 0) throw settingError(`timeout must be a positive number of seconds, got "${timeout}"`, 'timeout');
    options.timeoutMs = Math.round(seconds * 1000);
  }
  return options;
}

export function mappingContextFrom(config: Partial<Record<keyof SalesforceConnectionConfig, unknown>>): SalesforceMappingContext {
  const currency = text(config.corporateCurrency).toUpperCase();
  const multi = config.multiCurrency;
  return {
    ...defaultSalesforceContext,
    ...(/^[A-Z]{3}$/.test(currency) ? { corporateCurrency: currency } : {}),
    multiCurrency: multi === undefined || multi === '' ? defaultSalesforceContext.multiCurrency : multi === true || multi === 'true',
  };
}

/** Test connection: log in, read the limits, say what happened in plain words (never a secret). */
export async function testConnection(config: Record<string, string>, credentials: Record<string, string>): Promise<ConnectionTestResult> {
  let client: SalesforceClient;
  try {
    client = new SalesforceClient({ ...clientOptionsFrom(config, credentials), timeoutMs: 15_000 });
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  try {
    const check = await client.testConnection();
    const details: Record<string, string | number> = { instanceUrl: check.instanceUrl, apiVersion: check.apiVersion };
    let usage = '';
    if (check.dailyApiRequests) {
      const used = check.dailyApiRequests.max - check.dailyApiRequests.remaining;
      details['apiUsed'] = used;
      details['apiMax'] = check.dailyApiRequests.max;
      usage = `; API requests in the last 24 hours: ${used.toLocaleString('en-US')} of ${check.dailyApiRequests.max.toLocaleString('en-US')}`;
    }
    const who = config['authType'] === 'client-credentials' ? 'the client-credentials run-as user' : text(config['username']);
    return { ok: true, message: `Connected to ${check.instanceUrl} (API v${check.apiVersion}) as ${who}${usage}`, details };
  } catch (err) {
    return { ok: false, message: testFailureWords(err, client) };
  }
}

function testFailureWords(err: unknown, client: SalesforceClient): string {
  if (!isSyncError(err)) return err instanceof Error ? err.message : String(err);
  const e = err as SalesforceError;
  const info = e.syncwright;
  if (isUnreachable(e) && !e.message.startsWith('cannot reach')) {
    const url = /https?:\/\/[^\s:]+(?::\d+)?/.exec(e.message)?.[0] ?? 'Salesforce';
    return `cannot reach ${url}: ${unreachableWords(info.code)}`;
  }
  if (info.status === 404 && info.code === 'NOT_FOUND') return `the org does not serve REST API version ${client.apiVersion} (choose another API version)`;
  if (info.class === 'auth' && info.code === 'INVALID_SESSION_ID') return 'Salesforce issued a token but refused it for the API: check the instance URL and that the connected app has the "api" scope';
  return e.message;
}
