// NetSuite's two ways in for REST web services: OAuth 2.0 machine-to-machine (a JWT client assertion signed
// with the key of a certificate uploaded for the integration, exchanged for a 60-minute access token) and
// token-based authentication (OAuth 1.0a, HMAC-SHA256 over the RFC 5849 signature base string).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeProtectedHeader, importSPKI, importX509, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import type { Clock } from '../core/clock.js';
import type { SandboxRequest, SandboxResponse } from '../core/http.js';
import { invalidLogin } from './errors.js';

export const ASSERTION_ALGORITHMS = ['PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** How far an OAuth 1.0a timestamp may be from the server's clock. */
export const TBA_TIMESTAMP_WINDOW_MS = 5 * 60_000;

export interface OAuth2Client {
  clientId: string;
  certificateId: string;
  publicKeyPem: string;
}

export interface TbaCredential {
  consumerKey: string;
  consumerSecret: string;
  tokenId: string;
  tokenSecret: string;
}

export interface AuthOptions {
  accountId: string;
  clock: Clock;
  oauth2: OAuth2Client[];
  tba: TbaCredential[];
  accessTokenTtlMs: number;
  /** NetSuite answers `expires_in` as a string ("3600"); 'number' for the other variant. */
  expiresInFormat: 'string' | 'number';
}

interface AccessToken {
  clientId: string;
  expiresAt: number;
}

export type AuthOutcome = { principal: string } | { response: SandboxResponse };

/** RFC 3986 percent-encoding, as RFC 5849 section 3.6 requires. */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return s;
  }
}

/** The signature base string of RFC 5849 section 3.4.1. */
export function signatureBaseString(method: string, baseUrl: string, params: Array<[string, string]>): string {
  const normalized = params
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  return `${method.toUpperCase()}&${percentEncode(baseUrl)}&${percentEncode(normalized)}`;
}

/** Parses `OAuth realm="…", oauth_consumer_key="…", …` into decoded parameters. */
export function parseOAuthHeader(header: string): Map<string, string> | undefined {
  const m = /^OAuth\s+(.*)$/is.exec(header.trim());
  if (!m) return undefined;
  const params = new Map<string, string>();
  const re = /([A-Za-z0-9_.~-]+)\s*=\s*"([^"]*)"/g;
  let hit: RegExpExecArray | null;
  while ((hit = re.exec(m[1])) !== null) params.set(safeDecode(hit[1]), safeDecode(hit[2]));
  return params;
}

function tokenError(status: 400 | 401, error: string, description: string): SandboxResponse {
  return { status, headers: { 'cache-control': 'no-store', pragma: 'no-cache' }, body: { error, error_description: description } };
}

export class NetSuiteAuth {
  private readonly tokens = new Map<string, AccessToken>();
  private readonly nonces = new Map<string, number>();
  private readonly keys = new Map<string, Promise<CryptoKey>>();
  private readonly tbaByConsumer = new Map<string, TbaCredential[]>();
  /** Requests an `expire-token` fault picked: answered as an expired credential. */
  private readonly rejectOnce = new WeakSet<SandboxRequest>();
  private tbaSeq = new Map<string, number>();

  constructor(private readonly options: AuthOptions) {
    options.tba.forEach((t, i) => {
      this.tbaByConsumer.set(t.consumerKey, [...(this.tbaByConsumer.get(t.consumerKey) ?? []), t]);
      this.tbaSeq.set(t.tokenId, i + 1);
    });
  }

  get realm(): string {
    return this.options.accountId;
  }

  reset(): void {
    this.tokens.clear();
    this.nonces.clear();
  }

  expireAll(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }

  expireFor(req: SandboxRequest): void {
    const bearer = bearerOf(req);
    const token = bearer ? this.tokens.get(bearer) : undefined;
    if (token) token.expiresAt = 0;
    else this.rejectOnce.add(req);
  }

  /** Issues an access token directly (tests and benchmarks that do not exercise the token endpoint). */
  issue(clientId: string): { accessToken: string; expiresAt: number } {
    const accessToken = randomBytes(36).toString('base64url');
    const expiresAt = this.options.clock.now() + this.options.accessTokenTtlMs;
    this.tokens.set(accessToken, { clientId, expiresAt });
    return { accessToken, expiresAt };
  }

  // ---- POST /services/rest/auth/oauth2/v1/token ----

  async tokenEndpoint(req: SandboxRequest, tokenUrl: string): Promise<SandboxResponse> {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded' || typeof req.body !== 'object' || req.body === null) {
      return tokenError(400, 'invalid_request', 'The request must be application/x-www-form-urlencoded.');
    }
    const form = req.body as Record<string, string>;
    if (form['grant_type'] !== 'client_credentials') {
      return tokenError(400, form['grant_type'] === undefined ? 'invalid_request' : 'unsupported_grant_type', 'grant_type must be client_credentials.');
    }
    if (form['client_assertion_type'] !== CLIENT_ASSERTION_TYPE) return tokenError(400, 'invalid_request', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}.`);
    const assertion = form['client_assertion'];
    if (!assertion) return tokenError(400, 'invalid_request', 'client_assertion is missing.');

    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(assertion);
    } catch {
      return tokenError(400, 'invalid_request', 'client_assertion is not a JWT.');
    }
    if (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT') return tokenError(400, 'invalid_request', 'The JWT header must have typ "JWT".');
    const alg = header.alg;
    if (!alg || !(ASSERTION_ALGORITHMS as readonly string[]).includes(alg)) return tokenError(400, 'invalid_request', `The JWT alg must be one of ${ASSERTION_ALGORITHMS.join(', ')}.`);
    const client = this.options.oauth2.find((c) => c.certificateId === header.kid);
    if (!client) return tokenError(401, 'invalid_client', 'The JWT kid does not name a certificate of this account.');

    let payload: JWTPayload;
    try {
      const key = await this.keyFor(client, alg);
      ({ payload } = await jwtVerify(assertion, key, { algorithms: [alg], currentDate: new Date(this.options.clock.now()) }));
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED') return tokenError(400, 'invalid_grant', 'The JWT has expired.');
      if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return tokenError(400, 'invalid_grant', `The JWT claims are not valid: ${(err as Error).message}.`);
      return tokenError(401, 'invalid_client', 'The JWT signature does not verify with the certificate named by kid.');
    }
    if (payload.iss !== client.clientId) return tokenError(401, 'invalid_client', 'The JWT iss must be the client ID of the integration record.');
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!aud.includes(tokenUrl)) return tokenError(400, 'invalid_grant', `The JWT aud must be the token endpoint URL ${tokenUrl}.`);
    const scopeClaim: unknown = payload['scope'];
    const scopes = Array.isArray(scopeClaim) ? scopeClaim.map(String) : typeof scopeClaim === 'string' ? scopeClaim.split(/[,\s]+/) : [];
    if (!scopes.includes('rest_webservices')) return tokenError(400, 'invalid_scope', 'The JWT scope must contain rest_webservices.');
    if (typeof payload.iat !== 'number' || typeof payload.exp !== 'number') return tokenError(400, 'invalid_grant', 'The JWT must carry iat and exp.');
    if (payload.exp - payload.iat > 3600) return tokenError(400, 'invalid_grant', 'The JWT exp must be less than 60 minutes after iat.');
    if (payload.iat * 1000 > this.options.clock.now() + 60_000) return tokenError(400, 'invalid_grant', 'The JWT iat lies in the future.');

    const { accessToken } = this.issue(client.clientId);
    const seconds = Math.round(this.options.accessTokenTtlMs / 1000);
    return {
      status: 200,
      headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
      body: { access_token: accessToken, expires_in: this.options.expiresInFormat === 'string' ? String(seconds) : seconds, token_type: 'Bearer' },
    };
  }

  private keyFor(client: OAuth2Client, alg: string): Promise<CryptoKey> {
    const cacheKey = `${client.certificateId}\u0000${alg}`;
    let key = this.keys.get(cacheKey);
    if (!key) {
      key = client.publicKeyPem.includes('BEGIN CERTIFICATE') ? importX509(client.publicKeyPem, alg) : importSPKI(client.publicKeyPem, alg);
      this.keys.set(cacheKey, key);
    }
    return key;
  }

  // ---- every other request ----

  /** Who is calling, or NetSuite's 401. `baseUrl` is the request URL without query, as the client signed it. */
  authenticate(req: SandboxRequest, baseUrl: string): AuthOutcome {
    const header = req.headers['authorization'];
    const fail = { response: invalidLogin(this.realm) };
    if (typeof header !== 'string') return fail;
    if (this.rejectOnce.has(req)) return fail;
    if (/^Bearer\s/i.test(header)) {
      const token = this.tokens.get(header.slice(7).trim());
      if (!token || token.expiresAt <= this.options.clock.now()) return fail;
      return { principal: `oauth2:${token.clientId}` };
    }
    const params = parseOAuthHeader(header);
    if (!params) return fail;
    return this.verifyTba(req, params, baseUrl) ?? fail;
  }

  private verifyTba(req: SandboxRequest, params: Map<string, string>, baseUrl: string): AuthOutcome | undefined {
    const realm = params.get('realm');
    if (realm === undefined || realm.replace(/-/g, '_').toUpperCase() !== this.realm.replace(/-/g, '_').toUpperCase()) return undefined;
    if (params.get('oauth_signature_method') !== 'HMAC-SHA256') return undefined;
    const version = params.get('oauth_version');
    if (version !== undefined && version !== '1.0') return undefined;
    const consumerKey = params.get('oauth_consumer_key');
    const tokenId = params.get('oauth_token');
    const nonce = params.get('oauth_nonce');
    const timestamp = params.get('oauth_timestamp');
    const signature = params.get('oauth_signature');
    if (!consumerKey || !tokenId || !nonce || !timestamp || !signature || !/^\d+$/.test(timestamp)) return undefined;
    const cred = this.tbaByConsumer.get(consumerKey)?.find((t) => t.tokenId === tokenId);
    if (!cred) return undefined;
    const now = this.options.clock.now();
    if (Math.abs(Number(timestamp) * 1000 - now) > TBA_TIMESTAMP_WINDOW_MS) return undefined;

    const signed: Array<[string, string]> = [];
    for (const [k, v] of params) if (k !== 'realm' && k !== 'oauth_signature') signed.push([k, v]);
    for (const [k, v] of req.query) signed.push([k, v]);
    if ((req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(req.rawBody)) signed.push([k, v]);
    }
    const base = signatureBaseString(req.method, baseUrl, signed);
    const key = `${percentEncode(cred.consumerSecret)}&${percentEncode(cred.tokenSecret)}`;
    const expected = createHmac('sha256', key).update(base).digest();
    const given = Buffer.from(signature, 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;

    // A nonce may be used once per consumer and token within the timestamp window.
    const nonceKey = `${consumerKey}\u0000${tokenId}\u0000${nonce}`;
    const seen = this.nonces.get(nonceKey);
    if (seen !== undefined && seen > now) return undefined;
    this.nonces.set(nonceKey, now + 2 * TBA_TIMESTAMP_WINDOW_MS);
    if (this.nonces.size > 50_000) for (const [k, until] of this.nonces) if (until <= now) this.nonces.delete(k);
    return { principal: `tba:token#${this.tbaSeq.get(tokenId) ?? 0}` };
  }
}

function bearerOf(req: SandboxRequest): string | undefined {
  const h = req.headers['authorization'];
  return typeof h === 'string' && /^Bearer\s/i.test(h) ? h.slice(7).trim() : undefined;
}
