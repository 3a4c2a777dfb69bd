// A local NetSuite SuiteTalk REST web services account: `startNetSuiteSandbox()` serves it on a free port
// of 127.0.0.1 with the shared limits, faults, journal and /__sandbox/ control API.
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { systemClock } from '../core/clock.js';
import { SandboxServer, type SandboxOptions } from '../core/sandbox.js';
import { NetSuiteAdapter, REST_ROOT } from './adapter.js';
import { NetSuiteAuth, type OAuth2Client, type TbaCredential } from './auth.js';
import { recordType } from './records.js';
import type { StoredRecord } from './store.js';

export interface NetSuiteSandboxOptions extends SandboxOptions {
  /** Account ID as the OAuth 1.0 realm writes it (`1234567_SB1`); the host form is `1234567-sb1`. */
  accountId?: string;
  auth?: {
    /** OAuth 2.0 client credentials (M2M) integrations: JWT client assertions PS256/PS384/PS512/ES256/ES384/ES512. */
    oauth2?: OAuth2Client[];
    /** Token-based authentication (OAuth 1.0a, HMAC-SHA256). */
    tba?: TbaCredential[];
  };
  /** Lifetime of OAuth 2.0 access tokens; default 60 minutes. */
  accessTokenTtlMs?: number;
  /** Account concurrency governance: requests in flight at once; default 5. Over it: CONCURRENCY_LIMIT_EXCEEDED. */
  concurrencyLimit?: number;
  /** 429 by default; 400 as some accounts answer, with the same o:errorCode. */
  concurrencyErrorStatus?: 429 | 400;
  /** The token response's `expires_in`: a string ("3600") as NetSuite sends it, or a number. */
  expiresInFormat?: 'string' | 'number';
}

export interface NetSuiteDemoCredentials {
  accountId: string;
  /** OAuth 1.0 realm (same as accountId). */
  realm: string;
  /** Host name of the real account, for clients that derive the URL from the realm. */
  accountHost: string;
  tba: TbaCredential;
  oauth2: OAuth2Client & { privateKeyPem: string; algorithm: 'ES256'; tokenUrl: string };
}

export const DEMO_ACCOUNT_ID = '1234567_SB1';
export const DEMO_TBA: TbaCredential = {
  consumerKey: 'demo-consumer-key-0f3a9c',
  consumerSecret: 'demo-consumer-secret-7b21e4',
  tokenId: 'demo-token-id-5d8c12',
  tokenSecret: 'demo-token-secret-a94f60',
};
export const DEMO_OAUTH2_CLIENT_ID = 'demo-m2m-client-3e7b90';
export const DEMO_CERTIFICATE_ID = 'demo-certificate-41c2d8';

/** `1234567_SB1` → `1234567-sb1.suitetalk.api.netsuite.com`. */
export function accountHost(accountId: string): string {
  return `${accountId.toLowerCase().replace(/_/g, '-')}.suitetalk.api.netsuite.com`;
}

export class NetSuiteSandbox {
  constructor(
    readonly server: SandboxServer,
    readonly adapter: NetSuiteAdapter,
    private readonly auth: NetSuiteAuth,
    readonly accountId: string,
    private readonly demoCredentials: Omit<NetSuiteDemoCredentials, 'oauth2'> & { oauth2?: NetSuiteDemoCredentials['oauth2'] },
  ) {}

  /** `http://127.0.0.1:port` */
  get url(): string {
    return this.server.url;
  }

  /** `http://127.0.0.1:port/services/rest` */
  get restUrl(): string {
    return `${this.server.url}${REST_ROOT}`;
  }

  get tokenUrl(): string {
    return `${this.restUrl}/auth/oauth2/v1/token`;
  }

  /** Demo credentials: the TBA set and the OAuth 2.0 client with its private key (present when `auth` was not given). */
  get demo(): NetSuiteDemoCredentials {
    const d = this.demoCredentials;
    if (!d.oauth2) throw new Error('demo credentials exist only when the sandbox is started without `auth`');
    return { ...d, oauth2: { ...d.oauth2, tokenUrl: this.tokenUrl } };
  }

  /** An access token issued directly, as if the token endpoint had been called (for benchmarks and tests). */
  issueAccessToken(clientId = DEMO_OAUTH2_CLIENT_ID): string {
    return this.auth.issue(clientId).accessToken;
  }

  /** A record as held, or undefined. */
  record(type: string, id: number | string): StoredRecord | undefined {
    const def = recordType(type);
    if (!def) throw new Error(`unknown record type ${type}`);
    return typeof id === 'string' && id.startsWith('eid:') ? this.adapter.store.byExternal(def.name, id.slice(4)) : this.adapter.store.get(def.name, Number(id));
  }

  /** Records of a type as the REST API shows them (sublists expanded). */
  records(type: string): Array<Record<string, unknown>> {
    const def = recordType(type);
    if (!def) throw new Error(`unknown record type ${type}`);
    return this.adapter.store.sorted(def.name).map((r) => this.adapter.store.toJson(r, this.restUrl, { expand: true }));
  }

  /** How often a record of `type` with this external id (or internal id when it had none) was created. */
  createCount(type: string, externalKey: string): number {
    return this.server.getCreateCounts()[`${type}:${externalKey}`] ?? 0;
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

export async function startNetSuiteSandbox(options: NetSuiteSandboxOptions = {}): Promise<NetSuiteSandbox> {
  const accountId = options.accountId ?? DEMO_ACCOUNT_ID;
  const clock = options.clock ?? systemClock;
  let demoOAuth2: NetSuiteDemoCredentials['oauth2'] | undefined;
  let oauth2 = options.auth?.oauth2;
  let tba = options.auth?.tba;
  if (!options.auth) {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const publicKeyPem = await exportSPKI(publicKey);
    demoOAuth2 = { clientId: DEMO_OAUTH2_CLIENT_ID, certificateId: DEMO_CERTIFICATE_ID, publicKeyPem, privateKeyPem: await exportPKCS8(privateKey), algorithm: 'ES256', tokenUrl: '' };
    oauth2 = [{ clientId: DEMO_OAUTH2_CLIENT_ID, certificateId: DEMO_CERTIFICATE_ID, publicKeyPem }];
    tba = [DEMO_TBA];
  }
  const auth = new NetSuiteAuth({
    accountId,
    clock,
    oauth2: oauth2 ?? [],
    tba: tba ?? [],
    accessTokenTtlMs: options.accessTokenTtlMs ?? 60 * 60_000,
    expiresInFormat: options.expiresInFormat ?? 'string',
  });
  const concurrencyLimit = options.limits?.concurrency ?? options.concurrencyLimit ?? 5;
  const adapter = new NetSuiteAdapter({ accountId, clock, auth, concurrencyErrorStatus: options.concurrencyErrorStatus ?? 429, concurrencyLimit });
  const server = new SandboxServer(adapter, { ...options, clock, limits: { ...options.limits, concurrency: concurrencyLimit } });
  adapter.server = server;
  await server.start();
  return new NetSuiteSandbox(server, adapter, auth, accountId, {
    accountId,
    realm: accountId,
    accountHost: accountHost(accountId),
    tba: tba?.[0] ?? DEMO_TBA,
    oauth2: demoOAuth2,
  });
}

export type { OAuth2Client, TbaCredential } from './auth.js';
export { NetSuiteAdapter } from './adapter.js';
