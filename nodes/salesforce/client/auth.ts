// Logging in to Salesforce: the OAuth 2.0 JWT bearer flow (an RS256 assertion signed with the connected app's
// key: iss consumer key, sub username, aud login URL, exp at most 3 minutes ahead) or the client-credentials
// flow. Salesforce issues no refresh token and no lifetime, so the token is cached until an answer says the
// session is invalid; then a new assertion is signed (the HTTP layer re-authenticates once and retries once).
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';
import { HttpClient, type Authenticator, type HttpRequest } from '../../../runtime-plugins/http/http-client.js';
import { SyncError } from '../../../runtime-plugins/sync-error.js';
import { isUnreachable, SalesforceError, TARGET, unreachableWords } from './errors.js';
import { SalesforceOAuthProfile } from './profile.js';

export type SalesforceAuthConfig =
  | {
      type: 'jwt';
      consumerKey: string;
      username: string;
      /** PKCS#8 or PKCS#1 PEM of the RSA key whose certificate the connected app holds. */
      privateKeyPem: string;
      /** The `aud` claim; default from the login URL (see audienceFor). */
      audience?: string;
    }
  | { type: 'client-credentials'; clientId: string; clientSecret: string };

export interface SalesforceSession {
  accessToken: string;
  instanceUrl: string;
  /** The identity URL (`…/id/00D…/005…`). */
  identityUrl?: string;
  issuedAt?: number;
}

export interface SalesforceAuthOptions {
  /** `https://login.salesforce.com`, `https://test.salesforce.com` or a My Domain URL. */
  loginUrl: string;
  /** Where to ask for the token; default the login URL (client credentials need the My Domain URL). */
  tokenBaseUrl?: string;
  auth: SalesforceAuthConfig;
  timeoutMs?: number;
  /** Milliseconds since the epoch; injectable so tests control the assertion's expiry. */
  now?: () => number;
}

/** Seconds an assertion stays valid: Salesforce accepts at most 3 minutes; 2 leave room for clock skew. */
const ASSERTION_LIFETIME_S = 120;

const TokenAnswer = z.object({
  access_token: z.string().min(1),
  instance_url: z.string().url(),
  id: z.string().optional(),
  issued_at: z.string().optional(),
});

function authError(message: string, code: string): SalesforceError {
  return new SalesforceError(message, { class: 'auth', code, retryable: false, target: TARGET });
}

/**
 * The RSA key of a PEM text, or an auth error in plain words. Accepts a PEM whose line breaks were written as
 * `\n` (as environment variables often hold them).
 */
export function readPrivateKey(pem: string): KeyObject {
  let text = pem.trim();
  if (text === '') throw authError('no private key is set: paste the PEM of the key whose certificate the connected app holds', 'PRIVATE_KEY_MISSING');
  if (!text.includes('\n') && text.includes('\\n')) text = text.replaceAll('\\n', '\n');
  const header = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text);
  if (!header) throw authError('the private key is not a PEM key (it should start with -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)', 'PRIVATE_KEY_NOT_PEM');
  const kind = header[1];
  if (kind === 'CERTIFICATE' || kind === 'PUBLIC KEY' || kind === 'RSA PUBLIC KEY') {
    throw authError(`the private key field holds a ${kind.toLowerCase()}; paste the private key that belongs to the connected app's certificate`, 'PRIVATE_KEY_NOT_PRIVATE');
  }
  if (kind === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(text)) throw authError('the private key is encrypted with a passphrase; give it unencrypted (it is kept in Node-RED\'s encrypted credentials)', 'PRIVATE_KEY_ENCRYPTED');
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch (err) {
    // The crypto error names the decoder step, never the key material.
    throw authError(`the private key could not be read (${err instanceof Error ? err.message : String(err)})`, 'PRIVATE_KEY_UNREADABLE');
  }
  if (key.asymmetricKeyType !== 'rsa') throw authError(`the private key is an ${String(key.asymmetricKeyType).toUpperCase()} key; Salesforce's JWT bearer flow needs an RSA key (RS256)`, 'PRIVATE_KEY_NOT_RSA');
  return key;
}

/**
 * The `aud` of an assertion: Salesforce wants its login host (login.salesforce.com, or test.salesforce.com for
 * sandboxes) even when the token request goes to a My Domain URL; any other login URL is its own audience.
 */
export function audienceFor(loginUrl: string): string {
  const base = loginUrl.replace(/\/+$/, '');
  let host: string;
  try {
    host = new URL(base).hostname.toLowerCase();
  } catch {
    return base;
  }
  if (host.endsWith('.sandbox.my.salesforce.com')) return 'https://test.salesforce.com';
  if (host.endsWith('.my.salesforce.com')) return 'https://login.salesforce.com';
  return base;
}

export class SalesforceAuthenticator implements Authenticator {
  private session: SalesforceSession | undefined;
  private pending: Promise<SalesforceSession> | undefined;
  private readonly http: HttpClient;
  private key: KeyObject | undefined;
  /** Token requests made, for status and tests. */
  logins = 0;

  constructor(private readonly options: SalesforceAuthOptions) {
    const base = (options.tokenBaseUrl ?? options.loginUrl).replace(/\/+$/, '');
    this.http = new HttpClient({ baseURL: base, profile: new SalesforceOAuthProfile(options.auth.type), timeoutMs: options.timeoutMs ?? 30_000 });
  }

  get tokenUrl(): string {
    return `${(this.options.tokenBaseUrl ?? this.options.loginUrl).replace(/\/+$/, '')}/services/oauth2/token`;
  }

  /** The current session, logging in when there is none (concurrent callers share one login). */
  currentSession(): Promise<SalesforceSession> {
    if (this.session) return Promise.resolve(this.session);
    if (!this.pending) {
      this.pending = this.login().finally(() => {
        this.pending = undefined;
      });
    }
    return this.pending;
  }

  async authorize(_req: HttpRequest & { absoluteUrl: string }): Promise<Record<string, string>> {
    const session = await this.currentSession();
    return { authorization: `Bearer ${session.accessToken}` };
  }

  invalidate(): void {
    this.session = undefined;
  }

  private async assertion(auth: Extract<SalesforceAuthConfig, { type: 'jwt' }>): Promise<string> {
    if (auth.consumerKey.trim() === '') throw authError('the consumer key is empty', 'CONSUMER_KEY_MISSING');
    if (auth.username.trim() === '') throw authError('the username is empty', 'USERNAME_MISSING');
    this.key ??= readPrivateKey(auth.privateKeyPem);
    const nowS = Math.floor((this.options.now?.() ?? Date.now()) / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(auth.consumerKey.trim())
      .setSubject(auth.username.trim())
      .setAudience(auth.audience?.trim() || audienceFor(this.options.loginUrl))
      .setExpirationTime(nowS + ASSERTION_LIFETIME_S)
      .sign(this.key);
  }

  private async form(): Promise<URLSearchParams> {
    const auth = this.options.auth;
    if (auth.type === 'jwt') {
      return new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await this.assertion(auth) });
    }
    if (auth.clientId.trim() === '') throw authError('the client id (consumer key) is empty', 'CLIENT_ID_MISSING');
    if (auth.clientSecret === '') throw authError('the client secret is empty', 'CLIENT_SECRET_MISSING');
    return new URLSearchParams({ grant_type: 'client_credentials', client_id: auth.clientId.trim(), client_secret: auth.clientSecret });
  }

  private async login(): Promise<SalesforceSession> {
    const form = await this.form();
    this.logins += 1;
    let data: unknown;
    try {
      const res = await this.http.request({ method: 'POST', url: '/services/oauth2/token', data: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      data = res.data;
    } catch (err) {
      // Re-thrown without its cause: the cause holds the request, and the request holds the assertion or secret.
      if (err instanceof SyncError) {
        const message = isUnreachable(err) ? `cannot reach ${this.tokenUrl}: ${unreachableWords(err.syncwright.code)}` : err.message;
        throw new SalesforceError(message, { ...err.syncwright });
      }
      throw authError(`logging in to Salesforce failed: ${err instanceof Error ? err.message : String(err)}`, 'LOGIN_FAILED');
    }
    const parsed = TokenAnswer.safeParse(data);
    if (!parsed.success) throw authError(`Salesforce's login answer is not a token (${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''})`.trim(), 'LOGIN_ANSWER_INVALID');
    const session: SalesforceSession = { accessToken: parsed.data.access_token, instanceUrl: parsed.data.instance_url.replace(/\/+$/, '') };
    if (parsed.data.id !== undefined) session.identityUrl = parsed.data.id;
    if (parsed.data.issued_at !== undefined && /^\d+$/.test(parsed.data.issued_at)) session.issuedAt = Number(parsed.data.issued_at);
    this.session = session;
    return session;
  }
}
