// The one HTTP layer of the connectors: axios with keep-alive, a timeout on every call, TLS verification
// always on, the target's shared limiter, one re-authentication and retry on an expired token, and every
// failure turned into a classified SyncError by the vendor's profile. Plain TypeScript: no Node-RED.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { AxiosError, type AxiosInstance, type Method } from 'axios';
import type { TargetLimiter } from '../engine/limiter.js';
import { isTransientNetworkCode, SyncError } from '../sync-error.js';

export interface HttpRequest {
  method: Method;
  /** Absolute, or relative to the client's base URL. */
  url: string;
  headers?: Record<string, string>;
  params?: Record<string, string | number | boolean | undefined>;
  data?: unknown;
  timeoutMs?: number;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  data: T;
  /** The request as sent (method and absolute URL), for error messages. */
  request: { method: string; url: string };
}

/** How one vendor's API answers: what a failure means, what an expired token looks like, limit headers. */
export interface VendorProfile {
  readonly target: string;
  /** A SyncError for a response that is not a success (status ≥ 300, or a success whose body is an error). */
  classify(res: HttpResponse): SyncError;
  isSuccess(res: HttpResponse): boolean;
  isUnauthorized(res: HttpResponse): boolean;
  /** Reads limit usage from a response (e.g. Sforce-Limit-Info) and tells the limiter. */
  observe?(res: HttpResponse, limiter: TargetLimiter | undefined): void;
}

/** Signs or authorises a request (bearer token, OAuth 1.0a signature…); caches and renews its token. */
export interface Authenticator {
  authorize(req: HttpRequest & { absoluteUrl: string }): Promise<Record<string, string>>;
  /** The target said the credentials are no longer valid: forget the cached token. */
  invalidate(): void;
}

export interface HttpClientOptions {
  baseURL: string;
  profile: VendorProfile;
  auth?: Authenticator;
  limiter?: TargetLimiter;
  /** Per-call timeout (default 60 s). */
  timeoutMs?: number;
  /** Wait at most this long for a paused target before failing fast with a rate-limit error (default 10 s). */
  maxPauseWaitMs?: number;
  userAgent?: string;
}

export interface CallContext {
  /** The caller already holds a slot of this client's limiter (a store-forward delivery paced by it). */
  permitHeld?: boolean;
}

const keepAliveHttp = new HttpAgent({ keepAlive: true, maxSockets: 64 });
const keepAliveHttps = new HttpsAgent({ keepAlive: true, maxSockets: 64 });

function headersOf(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof v === 'string') out[k.toLowerCase()] = v;
      else if (Array.isArray(v)) out[k.toLowerCase()] = v.join(', ');
      else if (typeof v === 'number') out[k.toLowerCase()] = String(v);
    }
  }
  return out;
}

export class HttpClient {
  private readonly axios: AxiosInstance;
  constructor(readonly options: HttpClientOptions) {
    this.axios = axios.create({
      baseURL: options.baseURL,
      timeout: options.timeoutMs ?? 60_000,
      validateStatus: () => true,
      maxRedirects: 0,
      httpAgent: keepAliveHttp,
      httpsAgent: keepAliveHttps,
      headers: { 'user-agent': options.userAgent ?? 'syncwright/0.1 (+node-red)', accept: 'application/json' },
      transitional: { clarifyTimeoutError: true },
    });
  }

  get target(): string {
    return this.options.profile.target;
  }

  get limiter(): TargetLimiter | undefined {
    return this.options.limiter;
  }

  private absolute(url: string): string {
    return /^https?:\/\//i.test(url) ? url : `${this.options.baseURL.replace(/\/$/, '')}/${url.replace(/^\//, '')}`;
  }

  /** Sends a request and returns a success, or throws a classified SyncError. */
  async request<T = unknown>(req: HttpRequest, ctx: CallContext = {}): Promise<HttpResponse<T>> {
    const limiter = this.options.limiter;
    if (!limiter || ctx.permitHeld) return this.send<T>(req);
    const state = limiter.state();
    const wait = state.paused ? (state.pausedUntil ?? 0) - Date.now() : 0;
    if (wait > (this.options.maxPauseWaitMs ?? 10_000)) {
      throw new SyncError(`${this.target} is paused (${state.reason ?? 'throttled'}) for another ${Math.ceil(wait / 1000)} s`, {
        class: 'rate-limit',
        code: state.reason === 'maintenance' ? 'MAINTENANCE_WINDOW' : state.reason === 'daily-budget' ? 'DAILY_BUDGET_USED' : 'TARGET_PAUSED',
        retryable: true,
        retryAfterMs: wait,
        target: this.target,
      });
    }
    return limiter.schedule(() => this.send<T>(req));
  }

  private async send<T>(req: HttpRequest, reauthenticated = false): Promise<HttpResponse<T>> {
    const absoluteUrl = this.absolute(req.url);
    const authHeaders = this.options.auth ? await this.options.auth.authorize({ ...req, absoluteUrl }) : {};
    let raw;
    try {
      raw = await this.axios.request({
        method: req.method,
        url: req.url,
        headers: { ...req.headers, ...authHeaders },
        params: req.params,
        data: req.data,
        timeout: req.timeoutMs ?? this.options.timeoutMs ?? 60_000,
      });
    } catch (err) {
      throw this.networkError(err, req.method, absoluteUrl);
    }
    const res: HttpResponse<T> = { status: raw.status, headers: headersOf(raw.headers), data: raw.data as T, request: { method: req.method.toUpperCase(), url: absoluteUrl } };
    const profile = this.options.profile;
    profile.observe?.(res, this.options.limiter);
    if (profile.isSuccess(res)) {
      this.options.limiter?.succeeded();
      return res;
    }
    if (profile.isUnauthorized(res) && this.options.auth && !reauthenticated) {
      // One re-authentication and one retry; a second 401 is a real auth failure.
      this.options.auth.invalidate();
      return this.send<T>(req, true);
    }
    const error = profile.classify(res);
    if (error.syncwright.class === 'rate-limit') this.options.limiter?.throttled(error.syncwright.retryAfterMs);
    throw error;
  }

  private networkError(err: unknown, method: string, url: string): SyncError {
    if (err instanceof SyncError) return err;
    const code = err instanceof AxiosError ? (err.code ?? 'ERR_NETWORK') : 'ERR_NETWORK';
    const timedOut = code === 'ETIMEDOUT' || code === 'ECONNABORTED';
    const message = timedOut ? `${this.target} did not answer ${method.toUpperCase()} ${url} in time` : `${this.target} could not be reached for ${method.toUpperCase()} ${url}: ${err instanceof Error ? err.message : String(err)}`;
    return new SyncError(message, { class: 'transient', code: timedOut ? 'ETIMEDOUT' : code, retryable: isTransientNetworkCode(code) || timedOut || code === 'ERR_NETWORK', target: this.target }, { cause: err });
  }
}
