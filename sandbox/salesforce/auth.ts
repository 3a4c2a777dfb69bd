// OAuth 2.0 as Salesforce serves it: the JWT bearer flow (RS256 assertions verified against the connected app's
// certificate) and the client-credentials flow, opaque access tokens that expire, and OAuth-shaped errors.
import { createHmac, randomBytes } from 'node:crypto';
import { compactVerify, decodeJwt, decodeProtectedHeader, importSPKI, type CryptoKey } from 'jose';
import type { Clock } from '../core/clock.js';

export interface JwtApp {
  consumerKey: string;
  publicKeyPem: string;
  /** Usernames pre-authorised for the app. */
  users: string[];
}

export interface ClientCredentialsApp {
  clientId: string;
  clientSecret: string;
  /** The "Run As" user of the client-credentials flow. */
  username: string;
}

export interface Session {
  token: string;
  username: string;
  userId: string;
  issuedAt: number;
  expiresAt: number;
}

export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }
}

/** Salesforce accepts assertions whose `aud` is the login host of production or of sandboxes, or its own URL. */
const LOGIN_AUDIENCES = ['https://login.salesforce.com', 'https://test.salesforce.com'];
const MAX_EXP_AHEAD_S = 180;

export class TokenBook {
  private readonly sessions = new Map<string, Session>();
  private readonly jwtKeys = new Map<string, { app: JwtApp; key: CryptoKey }>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly orgId: string,
    private readonly clientApps: ClientCredentialsApp[],
  ) {}

  async addJwtApp(app: JwtApp): Promise<void> {
    this.jwtKeys.set(app.consumerKey, { app, key: await importSPKI(app.publicKeyPem, 'RS256') });
  }

  /** Issues a session for a user (also used by tests that need a token without the OAuth dance). */
  issue(username: string, userId: string): Session {
    const now = this.clock.now();
    // Salesforce access tokens are the org Id, '!', and an opaque secret.
    const token = `${this.orgId.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    const session: Session = { token, username, userId, issuedAt: now, expiresAt: now + this.ttlMs };
    this.sessions.set(token, session);
    return session;
  }

  /** The live session of an `Authorization: Bearer|OAuth <token>` header, or undefined. */
  check(authorization: string | undefined): Session | undefined {
    if (authorization === undefined) return undefined;
    const space = authorization.indexOf(' ');
    if (space < 0) return undefined;
    const scheme = authorization.slice(0, space).toLowerCase();
    if (scheme !== 'bearer' && scheme !== 'oauth') return undefined;
    return this.checkToken(authorization.slice(space + 1).trim());
  }

  checkToken(token: string): Session | undefined {
    const session = this.sessions.get(token);
    if (!session) return undefined;
    if (this.clock.now() >= session.expiresAt) {
      this.sessions.delete(token);
      return undefined;
    }
    return session;
  }

  revoke(token: string): boolean {
    return this.sessions.delete(token);
  }

  expireAll(): void {
    this.sessions.clear();
  }

  /** client_credentials: the app's Run As user, or an OAuth error. */
  clientCredentials(form: Record<string, string>): { username: string; secret: string } {
    const clientId = form['client_id'];
    if (!clientId) throw new OAuthError(400, 'invalid_client_id', 'client identifier invalid');
    const app = this.clientApps.find((a) => a.clientId === clientId);
    if (!app) throw new OAuthError(400, 'invalid_client_id', 'client identifier invalid');
    if (form['client_secret'] !== app.clientSecret) throw new OAuthError(400, 'invalid_client', 'invalid client credentials');
    return { username: app.username, secret: app.clientSecret };
  }

  /** JWT bearer: verifies the assertion's RS256 signature and claims; returns the subject and the app's key. */
  async jwtBearer(form: Record<string, string>, ownUrl: string): Promise<{ username: string; secret: string }> {
    const assertion = form['assertion'];
    if (!assertion) throw new OAuthError(400, 'invalid_request', 'assertion parameter is required');
    let claims: ReturnType<typeof decodeJwt>;
    try {
      if (decodeProtectedHeader(assertion).alg !== 'RS256') throw new Error('alg');
      claims = decodeJwt(assertion);
    } catch {
      throw new OAuthError(400, 'invalid_grant', 'invalid assertion');
    }
    const entry = typeof claims.iss === 'string' ? this.jwtKeys.get(claims.iss) : undefined;
    if (!entry) throw new OAuthError(400, 'invalid_client_id', 'client identifier invalid');
    try {
      await compactVerify(assertion, entry.key, { algorithms: ['RS256'] });
    } catch {
      throw new OAuthError(400, 'invalid_grant', 'invalid assertion');
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const allowed = [...LOGIN_AUDIENCES, ownUrl];
    if (!audiences.some((a) => typeof a === 'string' && allowed.includes(a.replace(/\/$/, '')))) throw new OAuthError(400, 'invalid_grant', 'audience is invalid');
    const nowS = this.clock.now() / 1000;
    if (typeof claims.exp !== 'number') throw new OAuthError(400, 'invalid_grant', 'invalid assertion');
    if (claims.exp <= nowS) throw new OAuthError(400, 'invalid_grant', 'expired authorization code');
    if (claims.exp > nowS + MAX_EXP_AHEAD_S) throw new OAuthError(400, 'invalid_grant', 'invalid assertion');
    if (typeof claims.sub !== 'string' || !entry.app.users.includes(claims.sub)) throw new OAuthError(400, 'invalid_grant', "user hasn't approved this consumer");
    return { username: claims.sub, secret: entry.app.consumerKey };
  }

  /** The `signature` of a token response: HMAC-SHA256 of id + issued_at, keyed by the app's secret. */
  static signature(id: string, issuedAt: string, secret: string): string {
    return createHmac('sha256', secret).update(id + issuedAt).digest('base64');
  }
}
