// What the Kantata connection config node offers the nodes that use it, and the plain-words connection test.
import type { Node } from 'node-red';
import { defaultKantataContext, type KantataMappingContext, type KantataUser } from '../../canonical/mappings/kantata/index.js';
import type { LimitedTarget } from '../../runtime-plugins/red/limited-target.js';
import type { ConnectionTestResult } from '../../runtime-plugins/red/test-connection.js';
import { isSyncError } from '../../runtime-plugins/sync-error.js';
import type { TargetConfig } from '../target/limits-config.js';
import { DEFAULT_KANTATA_BASE_URL, KantataClient, type KantataRecord } from './client/index.js';

export interface KantataConnectionConfig extends TargetConfig {
  baseUrl: string;
  timeoutSeconds?: string;
}

export interface KantataCredentials {
  token?: string;
}

export interface KantataConnectionNode extends Node<KantataCredentials>, LimitedTarget {
  baseUrl: string;
  /** The one client of this connection, created on first use. */
  client(): Promise<KantataClient>;
  /** The mapping context: the account's users (by resource key and e-mail), statuses and expense categories. */
  mappingContext(): Promise<KantataMappingContext>;
}

export function isKantataConnection(node: unknown): node is KantataConnectionNode {
  return typeof node === 'object' && node !== null && typeof (node as KantataConnectionNode).client === 'function' && typeof (node as KantataConnectionNode).mappingContext === 'function';
}

/** A base URL the client may use: http(s), no credentials in it, no query. */
export function checkBaseUrl(raw: string): string {
  const text = raw.trim() === '' ? DEFAULT_KANTATA_BASE_URL : raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`the base URL "${text}" is not a URL (expected e.g. ${DEFAULT_KANTATA_BASE_URL})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`the base URL must start with https:// (got ${url.protocol})`);
  if (url.username !== '' || url.password !== '') throw new Error('the base URL must not contain a user name or password: put the token in the Token field');
  if (url.search !== '') throw new Error('the base URL must not have a query string');
  return text.replace(/\/+$/, '');
}

export function timeoutMsOf(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 60_000;
  const s = Number(raw);
  if (!Number.isFinite(s) || s <= 0 || s > 600) throw new Error(`the timeout must be 1 to 600 seconds, got "${raw}"`);
  return Math.round(s * 1000);
}

/** Resource keys a user answers to: `res:<e-mail local part>` (the seeds' convention) and `res:<e-mail>`. */
function usersOf(records: readonly KantataRecord[]): KantataUser[] {
  const out: KantataUser[] = [];
  for (const r of records) {
    const name = typeof r['full_name'] === 'string' ? r['full_name'] : r.id;
    const email = typeof r['email_address'] === 'string' ? r['email_address'].toLowerCase() : undefined;
    if (email === undefined) {
      out.push({ id: r.id, name });
      continue;
    }
    const local = email.split('@')[0] ?? email;
    out.push({ id: r.id, name, email, resourceKey: `res:${local}` }, { id: r.id, name, email, resourceKey: `res:${email}` });
  }
  return out;
}

/** The account's users read from Kantata; statuses and categories from the default context. */
export async function loadMappingContext(client: KantataClient): Promise<KantataMappingContext> {
  const users = await client.listUsers();
  return { ...defaultKantataContext, users: usersOf(users) };
}

/** "Test connection": reads the token's own user and says in plain words what is wrong. */
export async function testKantataConnection(config: Record<string, string>, credentials: Record<string, string>): Promise<ConnectionTestResult> {
  const token = (credentials['token'] ?? '').trim();
  if (token === '') return { ok: false, message: 'enter the bearer token (an OAuth token from Kantata: Settings › API › your registered application)' };
  let baseUrl: string;
  let timeoutMs: number;
  try {
    baseUrl = checkBaseUrl(config['baseUrl'] ?? '');
    timeoutMs = timeoutMsOf(config['timeoutSeconds']);
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  try {
    const client = new KantataClient({ baseUrl, token, timeoutMs: Math.min(timeoutMs, 20_000) });
    const me = await client.me();
    const who = typeof me['full_name'] === 'string' ? me['full_name'] : `user ${me.id}`;
    const email = typeof me['email_address'] === 'string' ? ` (${me['email_address']})` : '';
    return { ok: true, message: `connected to ${baseUrl} as ${who}${email}`, details: { userId: me.id } };
  } catch (err) {
    if (!isSyncError(err)) return { ok: false, message: `cannot reach ${baseUrl}: ${err instanceof Error ? err.message : String(err)}` };
    const e = err.syncwright;
    if (e.class === 'auth') return { ok: false, message: `Kantata refused the token: it is wrong, revoked or expired (HTTP ${e.status ?? 401})` };
    if (e.status === 404) return { ok: false, message: `${baseUrl} has no Kantata API (404 for /users/me.json): the base URL should end in /api/v1` };
    if (e.class === 'rate-limit') return { ok: false, message: 'Kantata is rate limiting this token just now: try again in a minute' };
    if (e.status === undefined) {
      const why: Record<string, string> = { ECONNREFUSED: 'connection refused', ENOTFOUND: 'the host name is not known', EAI_AGAIN: 'the host name cannot be looked up', ETIMEDOUT: 'no answer in time', ECONNRESET: 'the connection was dropped' };
      return { ok: false, message: `cannot reach ${baseUrl}: ${why[e.code] ?? err.message.replace(/^.*?: /, '')}` };
    }
    return { ok: false, message: `Kantata answered HTTP ${e.status}: ${err.message}` };
  }
}
