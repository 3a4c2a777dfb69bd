// How Salesforce's REST API answers, for the shared HTTP layer: success is 2xx (a 300 is a conflict, never a
// redirect), an expired session is 401, and every answer's Sforce-Limit-Info feeds the target's limiter.
import type { HttpResponse, VendorProfile } from '../../../runtime-plugins/http/http-client.js';
import type { TargetLimiter } from '../../../runtime-plugins/engine/limiter.js';
import type { LimitUsage, SyncError } from '../../../runtime-plugins/sync-error.js';
import { errorFromResponse, errorFromTokenResponse, parseLimitInfo, TARGET } from './errors.js';

/** `https://x.my.salesforce.com/services/data/v62.0/sobjects/Account` → `/sobjects/Account`, for messages. */
export function shortPath(url: string): string {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // already a path
  }
  return path.replace(/^\/services\/data\/v\d+\.\d+/, '') || '/';
}

export class SalesforceProfile implements VendorProfile {
  readonly target = TARGET;
  /** The last `api-usage` Salesforce reported, for status displays. */
  lastUsage: LimitUsage | undefined;

  isSuccess(res: HttpResponse): boolean {
    return res.status >= 200 && res.status < 300;
  }

  isUnauthorized(res: HttpResponse): boolean {
    return res.status === 401;
  }

  observe(res: HttpResponse, limiter: TargetLimiter | undefined): void {
    const usage = parseLimitInfo(res.headers['sforce-limit-info']);
    if (!usage) return;
    this.lastUsage = usage;
    limiter?.observeUsage(usage.used, usage.max);
  }

  classify(res: HttpResponse): SyncError {
    return errorFromResponse(res.status, res.data, `Salesforce ${res.request.method} ${shortPath(res.request.url)}`, parseLimitInfo(res.headers['sforce-limit-info']));
  }
}

/** The OAuth token endpoint: `{error, error_description}` on failure. */
export class SalesforceOAuthProfile implements VendorProfile {
  readonly target = TARGET;
  constructor(private readonly flow: 'jwt' | 'client-credentials') {}

  isSuccess(res: HttpResponse): boolean {
    return res.status === 200;
  }

  isUnauthorized(): boolean {
    // A refused login is final: there is nothing to renew.
    return false;
  }

  classify(res: HttpResponse): SyncError {
    return errorFromTokenResponse(res.status, res.data, this.flow);
  }
}
