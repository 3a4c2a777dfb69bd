// A NetSuite account id in its three spellings: as the account shows it (`1234567_SB1`), as the host name
// writes it (`1234567-sb1.suitetalk.api.netsuite.com`) and as the OAuth 1.0 realm (`1234567_SB1`).
import { SyncError } from '../../../runtime-plugins/sync-error.js';

const ACCOUNT_ID = /^[A-Za-z0-9]+([_-][A-Za-z0-9]+)*$/;

function invalid(message: string): SyncError {
  return new SyncError(message, { class: 'data', code: 'INVALID_CONFIGURATION', retryable: false, target: 'netsuite' });
}

/** The account id, trimmed and checked: letters and digits, sandbox suffixes joined by `_` or `-`. */
export function checkAccountId(accountId: string): string {
  const id = accountId.trim();
  if (id === '') throw invalid('the NetSuite account id is missing (Setup › Company › Company Information, e.g. 1234567 or 1234567_SB1)');
  if (!ACCOUNT_ID.test(id)) throw invalid(`the NetSuite account id "${id}" is not valid: it has only letters, digits and "_" or "-" before a sandbox suffix, e.g. 1234567_SB1`);
  return id;
}

/** `1234567_SB1` → `1234567-sb1` (the host form). */
export function accountHostLabel(accountId: string): string {
  return checkAccountId(accountId).toLowerCase().replace(/_/g, '-');
}

/** `1234567-sb1` → `1234567_SB1` (the realm form of OAuth 1.0). */
export function tbaRealm(accountId: string): string {
  return checkAccountId(accountId).toUpperCase().replace(/-/g, '_');
}

/** The REST web services root of an account: `https://1234567-sb1.suitetalk.api.netsuite.com/services/rest`. */
export function restBaseUrl(accountId: string): string {
  return `https://${accountHostLabel(accountId)}.suitetalk.api.netsuite.com/services/rest`;
}

/**
 * An explicit base URL (a sandbox, a proxy) or the account's. An explicit one must be http(s) and end at
 * `/services/rest` (added when missing).
 */
export function resolveBaseUrl(accountId: string, explicit?: string): string {
  const given = explicit?.trim() ?? '';
  if (given === '') return restBaseUrl(accountId);
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw invalid(`the base URL "${given}" is not a URL: give it like https://1234567-sb1.suitetalk.api.netsuite.com/services/rest, or leave it empty`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(`the base URL "${given}" must start with https://`);
  if (url.username !== '' || url.password !== '') throw invalid('the base URL must not carry a user name or password: put credentials in the credential fields');
  if (url.search !== '' || url.hash !== '') throw invalid(`the base URL "${given}" must not have a query or fragment`);
  const path = url.pathname.replace(/\/+$/, '');
  const root = path.endsWith('/services/rest') ? path : `${path}/services/rest`;
  return `${url.protocol}//${url.host.toLowerCase()}${root}`;
}
