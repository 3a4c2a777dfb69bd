// The NetSuite connection as the other NetSuite nodes see it: its config (what the editor saves), its
// credentials, its limits, and one client per connection, created on first use and shared.
import type { Node, NodeDef } from 'node-red';
import type { TargetLimitsInput } from '../../runtime-plugins/engine/limiter.js';
import { isLimitedTarget, type LimitedTarget } from '../../runtime-plugins/red/limited-target.js';
import { SyncError } from '../../runtime-plugins/sync-error.js';
import { limitsFromConfig } from '../target/limits-config.js';
import { ASSERTION_ALGORITHMS, type AssertionAlgorithm } from './client/auth.js';
import type { NetSuiteAuthConfig, NetSuiteClient, NetSuiteClientOptions } from './client/client.js';

export const CONNECTION_TYPE = 'syncwright-netsuite-connection';
/** NetSuite's account concurrency limit on the shared tier; SuiteCloud Plus adds 10 per licence. */
export const DEFAULT_CONCURRENCY = 5;
export const CREDENTIAL_FIELDS = ['privateKey', 'consumerKey', 'consumerSecret', 'tokenId', 'tokenSecret'] as const;

export interface NetSuiteConnectionConfig extends NodeDef {
  version?: number;
  accountId: string;
  /** Empty: derived from the account id. */
  baseUrl: string;
  authType: 'oauth2' | 'tba';
  clientId: string;
  certificateId: string;
  /** `auto` or one of PS256…ES512. */
  algorithm: string;
  concurrency: string;
  requestsPerSecond: string;
  dailyBudget: string;
  dailyHeadroomPercent: string;
  maintenance: string;
  /** Per-call timeout in seconds. */
  timeout: string;
}

export type NetSuiteCredentials = Partial<Record<(typeof CREDENTIAL_FIELDS)[number], string>>;

/** What a NetSuite connection node offers the nodes that use it. */
export interface NetSuiteConnection extends LimitedTarget {
  accountId: string;
  /** The shared client (created on first use, with the connection's limiter). */
  client(): Promise<NetSuiteClient>;
}

export function isNetSuiteConnection(node: unknown): node is NetSuiteConnection & Node {
  if (!isLimitedTarget(node)) return false;
  const n = node as Partial<NetSuiteConnection> & { type?: unknown };
  return typeof n.client === 'function' && n.type === CONNECTION_TYPE;
}

function configError(message: string): SyncError {
  return new SyncError(message, { class: 'data', code: 'INVALID_CONFIGURATION', retryable: false, target: 'netsuite' });
}

/** The connection's limits: the account's concurrency (default 5) and the optional others. */
export function connectionLimits(config: Partial<NetSuiteConnectionConfig>): TargetLimitsInput {
  const concurrency = config.concurrency === undefined || String(config.concurrency).trim() === '' ? String(DEFAULT_CONCURRENCY) : String(config.concurrency);
  return limitsFromConfig({
    concurrency,
    requestsPerSecond: config.requestsPerSecond ?? '',
    dailyBudget: config.dailyBudget ?? '',
    dailyHeadroomPercent: config.dailyHeadroomPercent ?? '',
    maintenance: config.maintenance ?? '',
  });
}

function authOf(config: Partial<NetSuiteConnectionConfig>, credentials: NetSuiteCredentials): NetSuiteAuthConfig {
  const text = (v: string | undefined): string => (v ?? '').trim();
  if (config.authType === 'tba') {
    return { type: 'tba', consumerKey: text(credentials.consumerKey), consumerSecret: text(credentials.consumerSecret), tokenId: text(credentials.tokenId), tokenSecret: text(credentials.tokenSecret) };
  }
  if (config.authType !== undefined && config.authType !== 'oauth2') throw configError(`authentication "${String(config.authType)}" is not known: choose oauth2 or tba`);
  const algorithm = text(config.algorithm);
  if (algorithm !== '' && algorithm !== 'auto' && !(ASSERTION_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw configError(`the signing algorithm "${algorithm}" is not one NetSuite accepts (${ASSERTION_ALGORITHMS.join(', ')}, or auto)`);
  }
  const auth: NetSuiteAuthConfig = { type: 'oauth2', clientId: text(config.clientId), certificateId: text(config.certificateId), privateKeyPem: credentials.privateKey ?? '' };
  if (algorithm !== '' && algorithm !== 'auto') auth.algorithm = algorithm as AssertionAlgorithm;
  return auth;
}

/** A `${VAR}` left as it is: Node-RED keeps the text when the environment variable is not set. */
function refuseUnsetVariables(values: Record<string, unknown>): void {
  for (const [field, value] of Object.entries(values)) {
    const m = typeof value === 'string' ? /^\$\{(\S+)\}$/.exec(value.trim()) : null;
    if (m) throw configError(`${field} is \${${m[1]}}, but the environment variable ${m[1]} is not set (set it, empty to leave the field empty)`);
  }
}

/** Client options from what the editor saved (no limiter: the connection node adds its own). */
export function clientOptionsFrom(config: Partial<NetSuiteConnectionConfig>, credentials: NetSuiteCredentials): NetSuiteClientOptions {
  refuseUnsetVariables({ accountId: config.accountId, baseUrl: config.baseUrl, clientId: config.clientId, certificateId: config.certificateId, concurrency: config.concurrency, timeout: config.timeout });
  refuseUnsetVariables({ ...credentials });
  const options: NetSuiteClientOptions = { accountId: (config.accountId ?? '').trim(), auth: authOf(config, credentials) };
  const baseUrl = (config.baseUrl ?? '').trim();
  if (baseUrl !== '') options.baseUrl = baseUrl;
  const concurrency = Number(config.concurrency === undefined || config.concurrency === '' ? DEFAULT_CONCURRENCY : config.concurrency);
  if (Number.isFinite(concurrency) && concurrency > 0) options.concurrencyLimit = concurrency;
  const timeout = (config.timeout ?? '').trim();
  if (timeout !== '') {
    const seconds = Number(timeout);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 900) throw configError(`the timeout must be 1 to 900 seconds (NetSuite's own limit is 15 minutes), got "${timeout}"`);
    options.timeoutMs = seconds * 1000;
  }
  return options;
}
