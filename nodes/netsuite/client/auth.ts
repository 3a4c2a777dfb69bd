// NetSuite's two ways in: OAuth 2.0 client credentials (machine to machine), where a JWT signed with the key
// of the integration's certificate is exchanged for a bearer token, cached and renewed before it expires; and
// token-based authentication (OAuth 1.0a, HMAC-SHA256), a fresh signature with a new nonce on every request.
import { createHmac, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import OAuth from 'oauth-1.0a';
import { z } from 'zod';
import type { Authenticator, HttpClient, HttpRequest } from '../../../runtime-plugins/http/http-client.js';
import { SyncError } from '../../../runtime-plugins/sync-error.js';
import { TARGET } from './profile.js';

export const ASSERTION_ALGORITHMS = ['PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;
export type AssertionAlgorithm = (typeof ASSERTION_ALGORITHMS)[number];
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** NetSuite's access tokens live 60 minutes; used when the answer gives no usable `expires_in`. */
const DEFAULT_TOKEN_SECONDS = 3600;
/** Lifetime of the signed assertion (NetSuite allows up to 60 minutes). */
const ASSERTION_SECONDS = 300;

function configError(message: string): SyncError {
  return new SyncError(message, { class: 'auth', code: 'INVALID_CREDENTIALS', retryable: false, target: TARGET });
}

/**
 * A PEM as people paste it: through an environment variable with `\n` written out, or into a one-line password
 * field that drops the line breaks. Rebuilt as PEM: header, base64 in lines of 64, footer.
 */
export function normalizePem(pem: string): string {
  const text = pem.trim().replace(/\\n/g, '\n');
  const m = /^(-----BEGIN [A-Z0-9 ]+-----)([\s\S]*?)(-----END [A-Z0-9 ]+-----)$/.exec(text);
  if (!m) return text;
  const body = m[2].replace(/\s+/g, '');
  // Encrypted PKCS#1 blocks carry headers (Proc-Type…) that must keep their lines: leave those as they are.
  if (/[^A-Za-z0-9+/=]/.test(body)) return text;
  return `${m[1]}\n${body.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n${m[3]}\n`;
}

/** The private key of a PEM (PKCS#8, PKCS#1 RSA or SEC1 EC), or an auth error saying what is wrong with it. */
export function readPrivateKey(pem: string): KeyObject {
  const text = normalizePem(pem);
  if (text === '') throw configError('the private key is missing: paste the PEM of the key whose certificate is uploaded to the integration (OAuth 2.0 Client Credentials Setup)');
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    if (/-----BEGIN CERTIFICATE-----|-----BEGIN PUBLIC KEY-----/.test(text)) throw configError('the private key field holds a certificate or public key: it needs the private key (-----BEGIN PRIVATE KEY-----) that belongs to the certificate');
    throw configError('the private key is not a PEM key: it must start with -----BEGIN PRIVATE KEY----- (or BEGIN EC/RSA PRIVATE KEY)');
  }
  try {
    return createPrivateKey({ key: text, format: 'pem' });
  } catch {
    throw configError('the private key is a PEM block but cannot be read (damaged, or encrypted with a passphrase): export it unencrypted');
  }
}

const CURVE_ALGORITHMS: Readonly<Record<string, AssertionAlgorithm>> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

/** The signing algorithm for a key: the one asked for if the key can make it, else the key's natural one. */
export function assertionAlgorithm(key: KeyObject, wanted?: AssertionAlgorithm): AssertionAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'rsa' || type === 'rsa-pss') {
    if (wanted !== undefined && !wanted.startsWith('PS')) throw configError(`the private key is an RSA key, which signs PS256/PS384/PS512, not ${wanted}`);
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw configError('the RSA private key is shorter than 2048 bits, which NetSuite does not accept');
    return wanted ?? 'PS256';
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
    const natural = CURVE_ALGORITHMS[curve];
    if (natural === undefined) throw configError(`the EC private key is on curve ${curve || 'unknown'}; NetSuite accepts P-256, P-384 and P-521`);
    if (wanted !== undefined && wanted !== natural) throw configError(`the private key is on curve ${curve}, which signs ${natural}, not ${wanted}`);
    return natural;
  }
  throw configError(`the private key is a ${type ?? 'unknown'} key; NetSuite takes RSA (PS256/384/512) or EC (ES256/384/512) keys`);
}

export interface OAuth2Credentials {
  clientId: string;
  certificateId: string;
  privateKeyPem: string;
  /** Default: from the key (RSA → PS256, P-256 → ES256, P-384 → ES384, P-521 → ES512). */
  algorithm?: AssertionAlgorithm;
  /** Default `['rest_webservices']`. */
  scopes?: readonly string[];
}

const TokenAnswer = z.object({
  access_token: z.string().min(1),
  // NetSuite documents a string ("3600"); some tenants and proxies send a number.
  expires_in: z.union([z.string(), z.number()]).optional(),
  token_type: z.string().optional(),
});

interface CachedToken {
  value: string;
  expiresAt: number;
  renewAt: number;
}

/** OAuth 2.0 client credentials with a JWT client assertion (RFC 7523), as NetSuite's M2M flow wants it. */
export class OAuth2ClientCredentials implements Authenticator {
  private readonly key: KeyObject;
  private readonly algorithm: AssertionAlgorithm;
  private token: CachedToken | undefined;
  private pending: Promise<CachedToken> | undefined;
  /** Bumped by invalidate(), so a token fetched before it is not cached after it. */
  private generation = 0;

  constructor(
    private readonly credentials: OAuth2Credentials,
    readonly tokenUrl: string,
    /** Sends the token request: an HttpClient without an authenticator (the token call signs itself). */
    private readonly http: HttpClient,
    private readonly now: () => number = Date.now,
  ) {
    if (credentials.clientId.trim() === '') throw configError('the client id is missing: copy it from the integration record (Setup › Integration › Manage Integrations)');
    if (credentials.certificateId.trim() === '') throw configError('the certificate id is missing: copy it from Setup › Integration › OAuth 2.0 Client Credentials (M2M) Setup');
    this.key = readPrivateKey(credentials.privateKeyPem);
    this.algorithm = assertionAlgorithm(this.key, credentials.algorithm);
  }

  async authorize(_req: HttpRequest & { absoluteUrl: string }): Promise<Record<string, string>> {
    const token = await this.currentToken();
    return { authorization: `Bearer ${token.value}` };
  }

  invalidate(): void {
    this.token = undefined;
    this.pending = undefined;
    this.generation += 1;
  }

  /** When the cached token expires (ms since epoch), if there is one. */
  get expiresAt(): number | undefined {
    return this.token?.expiresAt;
  }

  private currentToken(): Promise<CachedToken> {
    const cached = this.token;
    if (cached && this.now() < cached.renewAt) return Promise.resolve(cached);
    // One token request at a time: requests waiting for a token share it.
    if (!this.pending) {
      const generation = this.generation;
      const pending = this.fetchToken().then(
        (t) => {
          if (generation === this.generation) this.token = t;
          if (this.pending === pending) this.pending = undefined;
          return t;
        },
        (err: unknown) => {
          if (this.pending === pending) this.pending = undefined;
          throw err;
        },
      );
      this.pending = pending;
    }
    return this.pending;
  }

  /** The signed client assertion. */
  async assertion(): Promise<string> {
    const iat = Math.floor(this.now() / 1000);
    return new SignJWT({ scope: [...(this.credentials.scopes ?? ['rest_webservices'])] })
      .setProtectedHeader({ alg: this.algorithm, typ: 'JWT', kid: this.credentials.certificateId.trim() })
      .setIssuer(this.credentials.clientId.trim())
      .setAudience(this.tokenUrl)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ASSERTION_SECONDS)
      .sign(this.key);
  }

  private async fetchToken(): Promise<CachedToken> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: await this.assertion() });
    const res = await this.http.request<unknown>({ method: 'POST', url: this.tokenUrl, headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: form.toString() }, { permitHeld: true });
    const parsed = TokenAnswer.safeParse(res.data);
    if (!parsed.success) {
      throw new SyncError(`NetSuite's token endpoint ${this.tokenUrl} answered ${res.status} without an access token`, { class: 'auth', code: 'INVALID_TOKEN_RESPONSE', retryable: false, target: TARGET, status: res.status });
    }
    const seconds = Number(parsed.data.expires_in);
    const lifetimeMs = (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_TOKEN_SECONDS) * 1000;
    const issuedAt = this.now();
    // Renew a little before expiry, so no request goes out with a token about to lapse on the way.
    const margin = Math.min(60_000, lifetimeMs / 10);
    return { value: parsed.data.access_token, expiresAt: issuedAt + lifetimeMs, renewAt: issuedAt + lifetimeMs - margin };
  }
}

export interface TbaCredentials {
  consumerKey: string;
  consumerSecret: string;
  tokenId: string;
  tokenSecret: string;
}

/** Token-based authentication: OAuth 1.0a with HMAC-SHA256, realm = account id, query parameters signed. */
export class TokenBasedAuth implements Authenticator {
  private readonly oauth: OAuth;

  constructor(
    private readonly credentials: TbaCredentials,
    readonly realm: string,
    now: () => number = Date.now,
  ) {
    const missing = (['consumerKey', 'consumerSecret', 'tokenId', 'tokenSecret'] as const).filter((k) => credentials[k].trim() === '');
    if (missing.length > 0) {
      const names: Record<(typeof missing)[number], string> = { consumerKey: 'consumer key', consumerSecret: 'consumer secret', tokenId: 'token id', tokenSecret: 'token secret' };
      throw configError(`token-based authentication needs the ${missing.map((m) => names[m]).join(', ')}: from the integration record and the access token (Setup › Users/Roles › Access Tokens)`);
    }
    this.oauth = new OAuth({
      consumer: { key: credentials.consumerKey.trim(), secret: credentials.consumerSecret.trim() },
      signature_method: 'HMAC-SHA256',
      hash_function: (base, key) => createHmac('sha256', key).update(base).digest('base64'),
      realm,
    });
    // A cryptographic nonce and the injected clock, instead of the package's Math.random and Date.
    this.oauth.getNonce = () => randomBytes(16).toString('hex');
    this.oauth.getTimeStamp = () => Math.floor(now() / 1000);
  }

  authorize(req: HttpRequest & { absoluteUrl: string }): Promise<Record<string, string>> {
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.params ?? {})) if (v !== undefined) query[k] = String(v);
    const data = this.oauth.authorize({ url: req.absoluteUrl, method: req.method.toUpperCase(), data: query }, { key: this.credentials.tokenId.trim(), secret: this.credentials.tokenSecret.trim() });
    return Promise.resolve({ authorization: this.oauth.toHeader(data).Authorization });
  }

  invalidate(): void {
    // Nothing cached: every request is signed afresh.
  }
}
